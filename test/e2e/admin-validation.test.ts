/**
 * Sandbank's own settings (`/sandbank/v1/account`, `/sandbank/v1/time/advance`, and the `sandbank
 * accounts` / `sandbank time` commands) refuse nonsense as the public API would: clocks beyond a
 * sane Unix timestamp, fees that would break fee arithmetic, currencies Stripe does not accept or
 * no account settles in. Errors are Stripe-shaped 400s naming the parameter; nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_ACCOUNT_TIME, MAX_FIXED_FEE } from '../../src/sandbank/routes.js';
import { runCli } from '../support/cli.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

/** Asserts a Stripe-shaped 400 `invalid_request_error` for `param`; returns the message. */
function refused(res: Awaited<ReturnType<typeof http>>, param: string): string {
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error.type, 'invalid_request_error');
  assert.equal(res.json.error.param, param);
  return res.json.error.message as string;
}

async function time(key: string): Promise<{ now: number; ahead_by: number }> {
  const res = await http(server, 'GET', '/sandbank/v1/time', { key });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

const advance = (key: string, body: string) => http(server, 'POST', '/sandbank/v1/time/advance', { key, body });
const update = (key: string, body: string) => http(server, 'POST', '/sandbank/v1/account', { key, body });

describe('time advance: the clock stays a sane Unix timestamp', () => {
  it('refuses seconds beyond the bound (2^53 - 1 used to move the clock past 2^53) and leaves the clock alone', async () => {
    const key = newSecretKey();
    const res = await advance(key, 'seconds=9007199254740991');
    assert.equal(refused(res, 'seconds'), `This value must be less than or equal to ${MAX_ACCOUNT_TIME}.`);
    assert.equal(res.json.error.code, 'parameter_invalid_integer');
    assert.equal((await time(key)).ahead_by, 0);
  });

  it('refuses a move that would end past 9998-12-31T23:59:59Z, from seconds or from to', async () => {
    const key = newSecretKey();
    const { now } = await time(key);
    const tooFar = MAX_ACCOUNT_TIME - now + 3600;
    assert.match(refused(await advance(key, `seconds=${tooFar}`), 'seconds'), /cannot move past 253370764799 \(9998-/);
    assert.match(
      refused(await advance(key, `to=${MAX_ACCOUNT_TIME + 1}`), 'to'),
      /must be less than or equal to 253370764799/,
    );
    assert.equal((await time(key)).ahead_by, 0);
  });

  it('moves right up to the bound, and no further', async () => {
    const key = newSecretKey();
    const res = await advance(key, `to=${MAX_ACCOUNT_TIME}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.now, MAX_ACCOUNT_TIME);
    assert.match(refused(await advance(key, 'seconds=1'), 'seconds'), /cannot move past/);
    // Objects created at the bound still carry exact, date-sized timestamps.
    const customer = await http(server, 'POST', '/v1/customers', { key, body: 'email=late%40example.com' });
    assert.equal(customer.status, 200, customer.text);
    assert.equal(customer.json.created, MAX_ACCOUNT_TIME);
  });

  it('refuses seconds and to together instead of silently preferring one', async () => {
    const key = newSecretKey();
    const { now } = await time(key);
    assert.match(refused(await advance(key, `seconds=60&to=${now + 60}`), 'to'), /either seconds .* or to/);
  });
});

describe('account settings: currencies as the public API validates them', () => {
  it('refuses an unknown default_currency with the public API error text', async () => {
    const key = newSecretKey();
    const message = refused(await update(key, 'default_currency=xxx'), 'default_currency');
    // The same text a PaymentIntent with that currency gets.
    const pi = await http(server, 'POST', '/v1/payment_intents', { key, body: 'amount=1000&currency=xxx' });
    assert.equal(message, refused(pi, 'currency'));
    assert.match(message, /^Invalid currency: xxx\. Stripe currently supports these currencies: usd, aed, /);
    const account = await http(server, 'GET', '/sandbank/v1/account', { key });
    assert.equal(account.json.default_currency, 'usd');
  });

  it('refuses a currency Stripe accepts for payments but no account country settles in', async () => {
    const key = newSecretKey();
    assert.match(refused(await update(key, 'default_currency=afn'), 'default_currency'), /no country .* settles in/);
    assert.match(refused(await update(key, 'default_currency=usdc'), 'default_currency'), /no country .* settles in/);
  });

  it('accepts a settlement currency, case-insensitively, stored lower-case', async () => {
    const key = newSecretKey();
    const res = await update(key, 'default_currency=EUR');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.default_currency, 'eur');
  });
});

describe('account settings: custom pricing keeps fee arithmetic exact', () => {
  it(`bounds pricing[fixed] at ${MAX_FIXED_FEE} minor units`, async () => {
    const key = newSecretKey();
    const huge = await update(key, 'pricing[percent]=2.4&pricing[fixed]=9007199254740991');
    assert.equal(refused(huge, 'pricing[fixed]'), `This value must be less than or equal to ${MAX_FIXED_FEE}.`);
    refused(await update(key, `pricing[percent]=2.4&pricing[fixed]=${MAX_FIXED_FEE + 1}`), 'pricing[fixed]');
    const max = await update(key, `pricing[percent]=2.4&pricing[fixed]=${MAX_FIXED_FEE}`);
    assert.equal(max.status, 200, max.text);
    assert.deepEqual(max.json.pricing, { percent: 2.4, fixed: MAX_FIXED_FEE });
  });

  it('bounds pricing[percent] to 0–100 with at most four decimals', async () => {
    const key = newSecretKey();
    for (const bad of ['100.5', '101', '2.12345', '-1', '1e2', '2.', 'abc']) {
      const message = refused(await update(key, `pricing[percent]=${bad}&pricing[fixed]=30`), 'pricing[percent]');
      assert.match(message, /from 0 to 100 with at most 4 decimals/, bad);
    }
    for (const good of ['0', '100', '2.1234']) {
      const res = await update(key, `pricing[percent]=${good}&pricing[fixed]=30`);
      assert.equal(res.status, 200, `${good}: ${res.text}`);
      assert.equal(res.json.pricing.percent, Number(good));
    }
  });
});

describe('the CLI wrappers', () => {
  const cli = (key: string, ...args: string[]) => runCli([...args, '--api-key', key, '--url', server.url]);

  it('report the server refusing a currency or a fixed fee on stderr with exit status 1', async () => {
    const key = newSecretKey();
    const currency = await cli(key, 'accounts', 'update', '--default-currency', 'xxx');
    assert.equal(currency.code, 1, currency.stderr);
    assert.match(currency.stderr, /Invalid currency: xxx\. Stripe currently supports these currencies/);
    const fee = await cli(key, 'accounts', 'update', '--pricing', `2.4%+${MAX_FIXED_FEE + 1}`);
    assert.equal(fee.code, 1, fee.stderr);
    assert.match(fee.stderr, /"param": "pricing\[fixed\]"/);
  });

  it('refuse a time advance beyond the bound: locally (exit 2) when it cannot be right, else from the server', async () => {
    const key = newSecretKey();
    const days = await cli(key, 'time', 'advance', '--days', '99999999999');
    assert.equal(days.code, 2, days.stderr);
    assert.match(days.stderr, /invalid --days: 99999999999 \(a whole number of days, at most 2932531\)/);
    const seconds = await cli(key, 'time', 'advance', '--seconds', String(MAX_ACCOUNT_TIME));
    assert.equal(seconds.code, 1, seconds.stderr);
    assert.match(seconds.stderr, /cannot move past/);
    assert.equal((await time(key)).ahead_by, 0);
  });
});
