/**
 * Errors and idempotency end to end: the error classes the SDK maps Sandbank's answers to, API key
 * handling and account isolation, idempotent replays (byte for byte, including stored errors),
 * concurrent requests with one key, and the Request-Id / Stripe-Version headers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { ManualClock } from '../../src/platform/clock.js';
import { LATEST_VERSION } from '../../src/platform/versions.js';
import {
  checkCustomer,
  checkDeleted,
  checkList,
  checkSearch,
  expectError,
  expectInvalid,
  expectNoSuchCustomer,
  live,
} from '../support/customers.js';
import { http, newSecretKey, sdk, startServer, type TestServer } from '../support/server.js';

const REQUEST_ID = /^req_[0-9A-Za-z]{14}$/;

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

/** The SDK's parameter types forbid unknown names; these tests send them on purpose. */
const loose = (params: Record<string, unknown>) => params as Stripe.CustomerCreateParams;

describe('errors: invalid requests', () => {
  it('names a single unknown parameter', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create(loose({ colour: 'red' })), {
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
  });

  it('lists several unknown parameters in the plural form', async () => {
    const stripe = server.stripe();
    const err = await expectInvalid(stripe.customers.create(loose({ colour: 'red', flavour: 'mint' })), {
      code: 'parameter_unknown',
      message: 'Received unknown parameters: colour, flavour',
    });
    assert.equal(err.param, 'colour');
  });

  it('suggests the parameter a near-miss name was probably meant to be', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create(loose({ emial: 'a@example.com' })), {
      code: 'parameter_unknown',
      param: 'emial',
      message: 'Received unknown parameter: emial. Did you mean email?',
    });
    await expectInvalid(stripe.customers.create(loose({ descripton: 'x' })), {
      message: 'Received unknown parameter: descripton. Did you mean description?',
    });
    // Nothing close: no suggestion.
    await expectInvalid(stripe.customers.create(loose({ zzzzzz: 'x' })), {
      message: 'Received unknown parameter: zzzzzz',
    });
  });

  it('names a nested unknown parameter by its bracket path', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create(loose({ address: { line1: 'x', planet: 'Mars' } })), {
      code: 'parameter_unknown',
      param: 'address[planet]',
      message: /^Received unknown parameter: address\[planet\]/,
    });
  });

  it('reports unknown parameters before other problems, and nothing is created', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create(loose({ colour: 'red', email: 'foo' })), {
      code: 'parameter_unknown',
    });
    assert.deepEqual(checkList(await stripe.customers.list()).data, []);
  });

  it('requires query on search', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.search({} as Stripe.CustomerSearchParams), {
      code: 'parameter_missing',
      param: 'query',
      message: 'Missing required param: query.',
    });
  });

  it('answers an unknown URL with 404 invalid_request_error', async () => {
    const res = await http(server, 'POST', '/v1/colours', { body: '' });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(
      res.json.error.message,
      'Unrecognized request URL (POST: /v1/colours). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    );
  });

  it('carries doc_url and request_log_url on coded errors', async () => {
    const res = await http(server, 'POST', '/v1/customers', { body: 'colour=red' });
    assert.equal(res.status, 400);
    const requestId = res.headers.get('request-id');
    assert.deepEqual(res.json, {
      error: {
        code: 'parameter_unknown',
        doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
        message: 'Received unknown parameter: colour',
        param: 'colour',
        request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
        type: 'invalid_request_error',
      },
    });
  });
});

describe('errors: authentication', () => {
  it('answers a request without a key with 401 and WWW-Authenticate', async () => {
    const res = await http(server, 'GET', '/v1/customers', { key: null });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(
      res.json.error.message,
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="Stripe"$/);
    assert.match(res.headers.get('request-id') ?? '', REQUEST_ID);
  });

  it('echoes an Authorization header without a key', async () => {
    const res = await http(server, 'GET', '/v1/customers', { headers: { Authorization: 'Bearer' } });
    assert.equal(res.status, 401);
    assert.match(
      res.json.error.message,
      /^You did not provide an API key, though you did set your Authorization header to "Bearer"\./,
    );
  });

  it('accepts HTTP Basic with the key as the user name', async () => {
    const key = newSecretKey();
    const created = await http(server, 'POST', '/v1/customers', { key, body: 'name=Basic' });
    const res = await http(server, 'GET', `/v1/customers/${created.json.id}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    });
    assert.equal(res.status, 200);
    checkCustomer(res.json);
    assert.equal(res.json.name, 'Basic');
  });

  it('masks an invalid key: first 8 characters, one * per hidden character, last 4', async () => {
    const key = 'sk_test_not-a-real-key-abcd';
    const err = await expectError(sdk(server.port, key).customers.list(), Stripe.errors.StripeAuthenticationError, {
      statusCode: 401,
      type: 'StripeAuthenticationError',
      message: `Invalid API Key provided: sk_test_${'*'.repeat(key.length - 12)}abcd`,
    });
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.message.length, 'Invalid API Key provided: '.length + key.length);
  });

  it('rejects live-mode keys', async () => {
    const key = `sk_live_${'x'.repeat(20)}WXYZ`;
    await expectError(sdk(server.port, key).customers.create(), Stripe.errors.StripeAuthenticationError, {
      statusCode: 401,
      message: `Invalid API Key provided: sk_live_${'*'.repeat(20)}WXYZ`,
    });
  });

  it('refuses a publishable key on /v1/customers with secret_key_required', async () => {
    const suffix = newSecretKey().slice('sk_test_'.length);
    const err = await expectError(
      sdk(server.port, `pk_test_${suffix}`).customers.list(),
      Stripe.errors.StripeAuthenticationError,
      {
        statusCode: 401,
        code: 'secret_key_required',
        message:
          'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      },
    );
    assert.equal(err.rawType, 'invalid_request_error');
  });
});

describe('errors: accounts are isolated by key', () => {
  it('sk_test_A and sk_test_B see separate data', async () => {
    const suffixA = newSecretKey().slice(8);
    const a = sdk(server.port, `sk_test_${suffixA}`);
    const b = server.stripe();
    const mine = checkCustomer(await a.customers.create({ email: 'iso@example.com', metadata: { k: 'v' } }));
    checkCustomer(await b.customers.create({ email: 'other@example.com' }));

    assert.deepEqual(
      checkList(await a.customers.list()).data.map((c) => c.id),
      [mine.id],
    );
    assert.equal(checkList(await b.customers.list({ email: 'iso@example.com' })).data.length, 0);
    await expectNoSuchCustomer(b.customers.retrieve(mine.id), mine.id);
    await expectNoSuchCustomer(b.customers.update(mine.id, { name: 'stolen' }), mine.id);
    assert.equal(checkSearch(await b.customers.search({ query: 'metadata["k"]:"v"' })).data.length, 0);
    assert.equal(checkSearch(await a.customers.search({ query: 'metadata["k"]:"v"' })).data.length, 1);
    assert.equal(live(await a.customers.retrieve(mine.id)).name, null, 'B could not change it');

    // pk_test_A is account A's publishable key: refused for being publishable, not "no such customer".
    await expectError(
      sdk(server.port, `pk_test_${suffixA}`).customers.retrieve(mine.id),
      Stripe.errors.StripeAuthenticationError,
      { statusCode: 401, code: 'secret_key_required' },
    );
  });

  it('the same key always reaches the same account, across clients', async () => {
    const key = newSecretKey();
    const c = await sdk(server.port, key).customers.create({ name: 'Persistent' });
    assert.equal(live(await sdk(server.port, key).customers.retrieve(c.id)).name, 'Persistent');
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const stripe = server.stripe();
    const idempotencyKey = randomUUID();
    const first = checkCustomer(
      await stripe.customers.create({ name: 'Once', email: 'once@example.com' }, { idempotencyKey }),
    );
    const second = checkCustomer(
      await stripe.customers.create({ name: 'Once', email: 'once@example.com' }, { idempotencyKey }),
    );
    assert.equal(second.id, first.id);
    assert.deepEqual({ ...second }, { ...first });
    assert.equal(first.lastResponse.headers['idempotent-replayed'], undefined);
    assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
    assert.equal(second.lastResponse.headers['idempotency-key'], idempotencyKey);
    assert.equal(second.lastResponse.headers['original-request'], first.lastResponse.requestId);
    assert.notEqual(second.lastResponse.requestId, first.lastResponse.requestId);
    assert.equal(checkList(await stripe.customers.list()).data.length, 1, 'only one customer exists');
  });

  it('replays byte for byte over raw HTTP, with the original request id', async () => {
    const key = newSecretKey();
    const headers = { 'Idempotency-Key': `raw-${randomUUID()}` };
    const body = 'name=Raw&metadata[a]=1&expand[0]=tax';
    const first = await http(server, 'POST', '/v1/customers', { key, body, headers });
    const second = await http(server, 'POST', '/v1/customers', { key, body, headers });
    assert.equal(first.status, 200);
    checkCustomer(first.json);
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.equal(first.headers.get('original-request'), first.headers.get('request-id'));
    assert.equal(second.headers.get('original-request'), first.headers.get('request-id'));
    assert.notEqual(second.headers.get('request-id'), first.headers.get('request-id'));
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.headers.get('stripe-version'), first.headers.get('stripe-version'));
    // The same parameters in another order are the same request.
    const reordered = await http(server, 'POST', '/v1/customers', {
      key,
      body: 'expand[0]=tax&metadata[a]=1&name=Raw',
      headers,
    });
    assert.equal(reordered.text, first.text);
    const list = await http(server, 'GET', '/v1/customers', { key });
    checkList(list.json);
    assert.equal(list.json.data.length, 1);
  });

  it('refuses the same key with other parameters (StripeIdempotencyError)', async () => {
    const stripe = server.stripe();
    const idempotencyKey = `idem-${randomUUID()}`;
    await stripe.customers.create({ name: 'First' }, { idempotencyKey });
    await expectError(
      stripe.customers.create({ name: 'Second' }, { idempotencyKey }),
      Stripe.errors.StripeIdempotencyError,
      {
        statusCode: 400,
        type: 'StripeIdempotencyError',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
      },
    );
    assert.equal(checkList(await stripe.customers.list()).data.length, 1);
  });

  it('refuses the same key on another endpoint', async () => {
    const stripe = server.stripe();
    const idempotencyKey = `idem-${randomUUID()}`;
    const c = await stripe.customers.create({ name: 'First' }, { idempotencyKey });
    await expectError(
      stripe.customers.update(c.id, { name: 'First' }, { idempotencyKey }),
      Stripe.errors.StripeIdempotencyError,
      { statusCode: 400, message: /^Keys for idempotent requests can only be used for the same endpoint/ },
    );
  });

  it('keys are scoped per account', async () => {
    const idempotencyKey = `shared-${randomUUID()}`;
    const a = await server.stripe().customers.create({ name: 'A' }, { idempotencyKey });
    const b = await server.stripe().customers.create({ name: 'B' }, { idempotencyKey });
    assert.notEqual(a.id, b.id);
    assert.equal(b.lastResponse.headers['idempotent-replayed'], undefined);
  });

  it('replays an error raised once execution started (a 404)', async () => {
    const key = newSecretKey();
    const stripe = sdk(server.port, key);
    const idempotencyKey = `err-${randomUUID()}`;
    const first = await expectNoSuchCustomer(
      stripe.customers.update('cus_missing0000', { name: 'x' }, { idempotencyKey }),
      'cus_missing0000',
    );
    const second = await expectNoSuchCustomer(
      stripe.customers.update('cus_missing0000', { name: 'x' }, { idempotencyKey }),
      'cus_missing0000',
    );
    assert.equal(second.headers?.['idempotent-replayed'], 'true');
    assert.equal(second.headers?.['original-request'], first.requestId);

    const headers = { 'Idempotency-Key': `raw-err-${randomUUID()}` };
    const r1 = await http(server, 'POST', '/v1/customers/cus_missing0000', { key, body: 'name=x', headers });
    const r2 = await http(server, 'POST', '/v1/customers/cus_missing0000', { key, body: 'name=x', headers });
    assert.equal(r1.status, 404);
    assert.equal(r2.status, 404);
    assert.equal(r2.text, r1.text, 'the stored error is replayed byte for byte');
    assert.equal(r2.headers.get('idempotent-replayed'), 'true');
  });

  it('does not store a validation error: the key can be retried with fixed parameters', async () => {
    const key = newSecretKey();
    const headers = { 'Idempotency-Key': `fixme-${randomUUID()}` };
    const bad = await http(server, 'POST', '/v1/customers', { key, body: 'colour=red', headers });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'parameter_unknown');
    assert.equal(bad.headers.get('idempotent-replayed'), null);

    const fixed = await http(server, 'POST', '/v1/customers', { key, body: 'name=Fixed', headers });
    assert.equal(fixed.status, 200, fixed.text);
    checkCustomer(fixed.json);
    assert.equal(fixed.headers.get('idempotent-replayed'), null);
    const again = await http(server, 'POST', '/v1/customers', { key, body: 'name=Fixed', headers });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, fixed.text);
  });

  it('concurrent requests with one key: one runs, the others replay it or get 409', async () => {
    const key = newSecretKey();
    const headers = { 'Idempotency-Key': `race-${randomUUID()}` };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => http(server, 'POST', '/v1/customers', { key, body: 'name=Racer', headers })),
    );
    const ok = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(ok.length + conflicts.length, results.length, results.map((r) => r.status).join(','));
    assert.ok(ok.length >= 1);
    const executed = ok.filter((r) => r.headers.get('idempotent-replayed') === null);
    assert.equal(executed.length, 1, 'exactly one request executed');
    for (const r of ok) assert.equal(r.text, executed[0]?.text);
    for (const r of conflicts) {
      assert.equal(r.json.error.code, 'idempotency_key_in_use');
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(
        r.json.error.message,
        `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${headers['Idempotency-Key']}. Please try again later.`,
      );
      assert.equal(r.headers.get('stripe-should-retry'), 'true');
    }
    const list = await http(server, 'GET', '/v1/customers', { key });
    assert.equal(list.json.data.length, 1, 'only one customer was created');
  });

  it('the SDK with retries resolves concurrent same-key requests to one customer', async () => {
    const stripe = sdk(server.port, newSecretKey(), { maxNetworkRetries: 2 });
    const idempotencyKey = `sdk-race-${randomUUID()}`;
    const [a, b, c] = await Promise.all([
      stripe.customers.create({ name: 'Racer' }, { idempotencyKey }),
      stripe.customers.create({ name: 'Racer' }, { idempotencyKey }),
      stripe.customers.create({ name: 'Racer' }, { idempotencyKey }),
    ]);
    checkCustomer(a);
    assert.equal(b.id, a.id);
    assert.equal(c.id, a.id);
    assert.equal(checkList(await stripe.customers.list()).data.length, 1);
  });

  it('ignores idempotency keys on DELETE', async () => {
    const key = newSecretKey();
    const created = await http(server, 'POST', '/v1/customers', { key, body: '' });
    const headers = { 'Idempotency-Key': `del-${randomUUID()}` };
    const first = await http(server, 'DELETE', `/v1/customers/${created.json.id}`, { key, headers });
    assert.equal(first.status, 200);
    checkDeleted(first.json);
    const second = await http(server, 'DELETE', `/v1/customers/${created.json.id}`, { key, headers });
    assert.equal(second.status, 404, 'a repeated DELETE runs again rather than replaying');
    assert.equal(second.headers.get('idempotent-replayed'), null);
  });

  it('refuses a key longer than 255 characters', async () => {
    const res = await http(server, 'POST', '/v1/customers', {
      body: '',
      headers: { 'Idempotency-Key': 'k'.repeat(256) },
    });
    assert.equal(res.status, 400);
    assert.equal(
      res.json.error.message,
      "Idempotent key length is 256, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.",
    );
  });
});

describe('headers: Request-Id and Stripe-Version', () => {
  it('sends a req_ id on every success and every error', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    assert.match(c.lastResponse.requestId, REQUEST_ID);
    const got = await stripe.customers.retrieve(c.id);
    assert.match(got.lastResponse.requestId, REQUEST_ID);
    assert.notEqual(got.lastResponse.requestId, c.lastResponse.requestId);
    const list = await stripe.customers.list();
    assert.match(list.lastResponse.requestId, REQUEST_ID);

    const notFound = await expectNoSuchCustomer(stripe.customers.retrieve('cus_nope'), 'cus_nope');
    assert.match(notFound.requestId ?? '', REQUEST_ID);
    const raw = await http(server, 'GET', '/v1/customers', { key: 'garbage' });
    assert.equal(raw.status, 401);
    assert.match(raw.headers.get('request-id') ?? '', REQUEST_ID);
    assert.ok(raw.json.error.request_log_url.endsWith(raw.headers.get('request-id')));
  });

  it("echoes the SDK's pinned version by default", async () => {
    const c = await server.stripe().customers.create();
    assert.equal(c.lastResponse.apiVersion, LATEST_VERSION);
    assert.equal(c.lastResponse.headers['stripe-version'], LATEST_VERSION);
  });

  it('echoes a requested older version, per client and per request', async () => {
    const old = sdk(server.port, newSecretKey(), { apiVersion: '2024-06-20' as Stripe.LatestApiVersion });
    const c = checkCustomer(await old.customers.create({ name: 'Old' }));
    assert.equal(c.lastResponse.headers['stripe-version'], '2024-06-20');
    assert.equal(c.lastResponse.apiVersion, '2024-06-20');
    const got = await server.stripe().customers.list({}, { apiVersion: '2025-03-31.basil' });
    assert.equal(got.lastResponse.headers['stripe-version'], '2025-03-31.basil');
    // Errors echo it too.
    const err = await expectNoSuchCustomer(old.customers.retrieve('cus_nope'), 'cus_nope');
    assert.equal(err.headers?.['stripe-version'], '2024-06-20');
  });

  it('refuses an invalid version with 400', async () => {
    const bad = sdk(server.port, newSecretKey(), { apiVersion: '2024-13-45' as Stripe.LatestApiVersion });
    await expectInvalid(bad.customers.list(), { message: 'Invalid Stripe API version: 2024-13-45' });
    const res = await http(server, 'GET', '/v1/customers', { headers: { 'Stripe-Version': 'banana' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'Invalid Stripe API version: banana');
  });
});

describe('idempotency: the 24-hour window', () => {
  it('is live until 24 h have passed, and from then on the key is new again (never a 409)', async () => {
    const clock = new ManualClock(1_800_000_000);
    const timed = await startServer({ clock });
    try {
      const key = newSecretKey();
      const headers = { 'Idempotency-Key': 'day-old' };
      const first = await http(timed, 'POST', '/v1/customers', { key, body: 'name=First', headers });
      assert.equal(first.status, 200);
      clock.advanceTo(1_800_000_000 + 86_399);
      const sameDay = await http(timed, 'POST', '/v1/customers', { key, body: 'name=Other', headers });
      assert.equal(sameDay.status, 400);
      assert.equal(sameDay.json.error.type, 'idempotency_error');
      clock.advanceTo(1_800_000_000 + 86_400);
      const nextDay = await http(timed, 'POST', '/v1/customers', { key, body: 'name=Other', headers });
      assert.equal(nextDay.status, 200, nextDay.text);
      assert.notEqual(nextDay.json.id, first.json.id);
      assert.equal(nextDay.headers.get('idempotent-replayed'), null);
    } finally {
      await timed.close();
    }
  });
});
