/**
 * Full card numbers and CVCs never reach storage or logs. A server on its own SQLite file (whatever
 * store the suite runs on, so the bytes can be read back) takes raw card details every way the API
 * accepts them — PaymentMethods, inline `payment_method_data`, with spaces, with a publishable key,
 * under an idempotency key, declined, needing 3-D Secure, failing validation — and then the database
 * file with its WAL and shared-memory files, every row of every table, the request log and
 * everything the process printed are searched for each number. Stored objects must have no `number`
 * or `cvc` under any `card`.
 *
 * Numbers sent where no card number belongs (`payment_method=4242…`, `card[token]`, `type`, a URL's
 * id, a customer id, a metadata key) come back in Stripe's error messages; those bodies are stored
 * against idempotency keys and the URLs reach the request log, so they carry the number masked
 * (`************4242`), and a replay is still the first response byte for byte. Log lines, internal
 * errors included, are masked too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type Stripe from 'stripe';
import { createLogger } from '../../src/platform/log.js';
import { client, expectCardError, newAccount } from '../support/payments.js';
import { startServer, type TestServer } from '../support/server.js';

/** Documented test numbers of several kinds, and two numbers no table knows (any valid Luhn number works). */
const PANS = [
  '4242424242424242', // visa
  '5555555555554444', // mastercard
  '378282246310005', // amex, 15 digits
  '36227206271667', // diners, 14 digits
  '6205500000000000004', // unionpay, 19 digits
  '4000000000009995', // declines: insufficient funds
  '4000002760003184', // 3-D Secure required
  '4111111111111111', // not in the table: a BIN profile
  '5105105105105100', // mastercard prepaid
  '6011111111111117', // discover
];
/** Typed with spaces, and with dashes. */
const SPACED = '4000 0566 5566 5556';
const DASHED = '3566-0020-2036-0505';
/** Sent where no card number belongs (see the file comment). */
const MISPLACED = ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117', '4111111111111111'];
/**
 * Part of an idempotency key: masked in the request log, logs and events; the key itself is stored
 * as sent (it is the record's identity, and masking could make two keys one). Not in ALL_NUMBERS.
 */
const KEY_PAN = '4000000000000077';
/** Fails the Luhn check: refused, and not stored either. */
const INVALID = '4242424242424241';
const CVC = '987';
const AMEX_CVC = '9876';

const ALL_NUMBERS = [...PANS, SPACED.replaceAll(' ', ''), DASHED.replaceAll('-', ''), INVALID];

/** The forms a number could be written in: plain, grouped by spaces or dashes in fours. */
function writtenForms(pan: string): string[] {
  const groups = pan.match(/.{1,4}/g) ?? [pan];
  return [pan, groups.join(' '), groups.join('-')];
}

let server: TestServer;
let dir: string;
let dbPath: string;
const requestLog: string[] = [];
const internalErrors: string[] = [];
const printed: string[] = [];
let restoreOutput: (() => void) | undefined;

/** Records everything written to stdout and stderr (still passing it on). */
function captureOutput(): () => void {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const record =
    (write: typeof out) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = record(out) as typeof process.stdout.write;
  process.stderr.write = record(err) as typeof process.stderr.write;
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-pan-'));
  dbPath = join(dir, 'cards.db');
  restoreOutput = captureOutput();
  server = await startServer({
    db: dbPath,
    onRequest: (entry) => requestLog.push(JSON.stringify(entry)),
    onInternalError: (e, requestId) => internalErrors.push(`${requestId} ${String((e as Error)?.stack ?? e)}`),
  });
});

after(async () => {
  restoreOutput?.();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything SQLite keeps on disk for the database, as text (binary bytes kept as latin1). */
function diskBytes(): Map<string, string> {
  const files = new Map<string, string>();
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const path = dbPath + suffix;
    if (existsSync(path)) files.set(path, readFileSync(path).toString('latin1'));
  }
  return files;
}

/**
 * A raw POST (not the harness's `http`, which shape-checks bodies: this file needs no type checker,
 * so it starts fast).
 */
async function post(path: string, key: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Pays 2000 usd by card (synchronous capture), completing 3-D Secure when asked; declines are fine. */
async function payWith(stripe: Stripe, key: string, params: Partial<Stripe.PaymentIntentCreateParams>): Promise<void> {
  try {
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      allowed_payment_method_types: ['card'],
      capture_method: 'automatic',
      confirm: true,
      ...params,
    });
    if (pi.status === 'requires_action') {
      const res = await post(`/sandbank/v1/payment_intents/${pi.id}/authenticate`, key, 'outcome=complete');
      assert.equal(res.status, 200, res.text);
    } else {
      assert.equal(pi.status, 'succeeded');
    }
  } catch (err) {
    assert.equal((err as Stripe.errors.StripeError).type, 'StripeCardError', String(err));
  }
}

function findNumbers(where: string, text: string, found: string[]): void {
  for (const pan of ALL_NUMBERS) {
    for (const form of writtenForms(pan)) if (text.includes(form)) found.push(`${where}: ${form}`);
  }
}

/** Paths of `number` / `cvc` keys under any `card` hash of a stored JSON value. */
function cardSecrets(value: unknown, path: string, underCard = false): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => cardSecrets(v, `${path}[${i}]`, underCard));
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (underCard && (key === 'number' || key === 'cvc')) out.push(here);
    if (key === 'cvc' || key === 'cvv' || key === 'card_number') out.push(here);
    if (typeof v === 'string' && (v === CVC || v === AMEX_CVC) && /card/i.test(path)) out.push(`${here} = ${v}`);
    out.push(...cardSecrets(v, here, underCard || key === 'card'));
  }
  return out;
}

describe('card data is never stored or logged', () => {
  it('keeps no full card number or CVC in the database, its WAL, the request log or the output', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const customer = await stripe.customers.create();
    const card = (number: string) => ({
      number,
      exp_month: 12,
      exp_year: 2034,
      cvc: number.startsWith('3') && number.length === 15 ? AMEX_CVC : CVC,
    });

    // PaymentMethods from raw numbers, and a payment with each (declines and 3-D Secure included).
    for (const pan of PANS) {
      const pm = await stripe.paymentMethods.create({
        type: 'card',
        card: card(pan),
        billing_details: { name: 'Card Holder', address: { line1: '1 Main St', postal_code: '94103' } },
      });
      assert.equal(pm.card?.last4, pan.slice(-4));
      assert.equal(pm.card?.checks?.cvc_check === 'pass' || pm.card?.checks?.cvc_check === 'fail', true);
      await payWith(stripe, account.key, { payment_method: pm.id });
    }
    // Inline on a PaymentIntent, typed with spaces and with dashes, saved to a customer.
    await payWith(stripe, account.key, {
      customer: customer.id,
      setup_future_usage: 'off_session',
      payment_method_data: { type: 'card', card: card(SPACED) } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
    });
    assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data[0]?.card?.last4, '5556');
    const dashed = await stripe.paymentMethods.create({ type: 'card', card: card(DASHED) });
    assert.equal(dashed.card?.last4, '0505');
    await stripe.paymentMethods.attach(dashed.id, { customer: customer.id });
    // With a publishable key, as Stripe.js does.
    const viaPk = await client(server, account.publishableKey).paymentMethods.create({
      type: 'card',
      card: card('4242424242424242'),
    });
    assert.equal(viaPk.card?.last4, '4242');
    // Under idempotency keys, replayed: the stored response must not carry the number either.
    for (let i = 0; i < 2; i++) {
      const res = await post(
        '/v1/payment_methods',
        account.key,
        `type=card&card[number]=5555555555554444&card[exp_month]=12&card[exp_year]=2034&card[cvc]=${CVC}`,
        { 'Idempotency-Key': 'raw-card-1' },
      );
      assert.equal(res.status, 200, res.text);
    }
    const idemPay = await post(
      '/v1/payment_intents',
      account.key,
      `amount=2000&currency=usd&confirm=true&allowed_payment_method_types[]=card&payment_method_data[type]=card&payment_method_data[card][number]=4000000000009995&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2034&payment_method_data[card][cvc]=${CVC}`,
      { 'Idempotency-Key': 'raw-card-2' },
    );
    assert.equal(idemPay.status, 402, idemPay.text);
    // Refused details are not kept either.
    await expectCardError(stripe.paymentMethods.create({ type: 'card', card: card(INVALID) }));
    await expectCardError(
      stripe.paymentMethods.create({ type: 'card', card: { ...card('4242424242424242'), exp_month: 13 } }),
    );
    // Unknown parameters next to a number: the error names the parameter, never echoes the number.
    const unknown = await post(
      '/v1/payment_methods',
      account.key,
      'type=card&card[number]=4111111111111111&card[exp_month]=12&card[exp_year]=2034&card[pin]=1234',
    );
    assert.equal(unknown.status, 400);
    const found: string[] = [];
    // Card numbers where no card number belongs: Stripe's errors echo them, masked here, and the
    // stored response replays byte for byte.
    const [inPm, inToken, inType, inUrl, inCustomer] = MISPLACED as [string, string, string, string, string];
    const misplaced: { path: string; body: string; key: string; masked: string }[] = [
      {
        path: '/v1/payment_intents',
        body: `amount=2000&currency=usd&payment_method=${inPm}`,
        key: 'misplaced-pm',
        masked: `************${inPm.slice(-4)}`,
      },
      {
        path: '/v1/payment_methods',
        body: `type=card&card[token]=${inToken}`,
        key: 'misplaced-token',
        masked: `************${inToken.slice(-4)}`,
      },
      {
        path: '/v1/payment_methods',
        body: `type=${inType}&card[token]=tok_visa`,
        key: 'misplaced-type',
        masked: '',
      },
      {
        path: `/v1/payment_methods/${inUrl}/attach`,
        body: `customer=${customer.id}`,
        key: 'misplaced-url',
        masked: `************${inUrl.slice(-4)}`,
      },
      {
        path: '/v1/payment_intents',
        body: `amount=2000&currency=usd&customer=${encodeURIComponent(writtenForms(inCustomer)[1] as string)}`,
        key: 'misplaced-customer',
        masked: `**** **** **** ${inCustomer.slice(-4)}`,
      },
      {
        path: '/v1/customers',
        body: `metadata[${SPACED.replaceAll(' ', '')}]=${'y'.repeat(600)}`,
        key: 'misplaced-metadata-key',
        masked: '"param": "metadata[************5556]"',
      },
    ];
    for (const m of misplaced) {
      const first = await post(m.path, account.key, m.body, { 'Idempotency-Key': m.key });
      assert.ok(first.status >= 400 && first.status < 500, `${m.path} ${m.body}: ${first.status} ${first.text}`);
      if (m.masked) assert.ok(first.text.includes(m.masked), `${first.text} shows ${m.masked}`);
      findNumbers(`response to ${m.body}`, first.text, found);
      const again = await post(m.path, account.key, m.body, { 'Idempotency-Key': m.key });
      assert.equal(again.status, first.status);
      assert.equal(
        again.text.replace(/req_\w+/g, 'req'),
        first.text.replace(/req_\w+/g, 'req'),
        'the same answer on a retry',
      );
    }
    // A stored error replays byte for byte, request id included.
    const stored = await post('/v1/payment_intents', account.key, misplaced[0]?.body as string, {
      'Idempotency-Key': 'misplaced-pm',
    });
    const original = await post('/v1/payment_intents', account.key, misplaced[0]?.body as string, {
      'Idempotency-Key': 'misplaced-pm',
    });
    assert.equal(stored.text, original.text);
    assert.match(stored.text, /No such PaymentMethod: '\*{12}4242'/);
    // In URLs: a retrieve by a card number, and a key that contains one.
    for (const pan of MISPLACED) {
      const res = await fetch(`${server.url}/v1/payment_methods/${pan}`, {
        headers: { Authorization: `Bearer ${account.key}` },
      });
      assert.equal(res.status, 404);
      findNumbers('404 response', await res.text(), found);
    }
    const keyed = await post('/v1/customers', account.key, 'name=Keyed', { 'Idempotency-Key': `order-${KEY_PAN}` });
    assert.equal(keyed.status, 200, keyed.text);
    assert.ok(
      requestLog.some((line) => line.includes(`/v1/payment_methods/************${inUrl.slice(-4)}/attach`)),
      'the request log keeps the path, masked',
    );
    const keyInLog = requestLog.find((line) => line.includes('order-'));
    assert.ok(keyInLog?.includes(`order-************${KEY_PAN.slice(-4)}`), keyInLog);

    // The search finds what it looks for.
    const probe: string[] = [];
    findNumbers('probe', 'x4111 1111 1111 1111y', probe);
    findNumbers('probe', '{"n":"378282246310005"}', probe);
    assert.equal(probe.length, 2);
    findNumbers('error response', unknown.text, found);
    // Every response of the account, read back through the API, carries no number either.
    for (const list of [
      await stripe.paymentMethods.list({ limit: 100 }),
      await stripe.paymentIntents.list({ limit: 100 }),
      await stripe.charges.list({ limit: 100 }),
    ]) {
      findNumbers('API response', JSON.stringify(list), found);
    }

    // The database: every row of every table (JSON walked for card secrets), and the raw files.
    const before = diskBytes();
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    let rows = 0;
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      assert.ok(tables.some((t) => t.name === 'objects'));
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
          rows++;
          for (const [column, value] of Object.entries(row)) {
            const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
            findNumbers(`${name}.${column}`, text, found);
            // The idempotency key is the record's identity and stays as sent; everything else masks it.
            if (text.includes(KEY_PAN) && !(name === 'idempotency_keys' && column === 'key')) {
              found.push(`${name}.${column}: ${KEY_PAN} (idempotency key)`);
            }
          }
        }
      }
      const objects = db.prepare('SELECT id, type, data AS json, internal FROM objects').all() as {
        id: string;
        type: string;
        json: string;
        internal: string | null;
      }[];
      assert.ok(objects.some((o) => o.type === 'payment_method'));
      for (const o of objects) {
        found.push(...cardSecrets(JSON.parse(o.json), `${o.type} ${o.id}`));
        if (o.internal) found.push(...cardSecrets(JSON.parse(o.internal), `${o.type} ${o.id} (internal)`));
      }
    } finally {
      db.close();
    }
    assert.ok(rows > 50, `read ${rows} rows`);
    for (const [path, bytes] of before) findNumbers(path, bytes, found);

    // The request log, internal errors, and everything printed.
    assert.ok(requestLog.length > 20, 'the request log was captured');
    findNumbers('request log', requestLog.join('\n'), found);
    for (const [where, text] of [
      ['request log', requestLog.join('\n')],
      ['stdout/stderr', printed.join('')],
      ['internal errors', internalErrors.join('\n')],
    ] as const) {
      if (text.includes(KEY_PAN)) found.push(`${where}: ${KEY_PAN} (idempotency key)`);
    }
    findNumbers('internal errors', internalErrors.join('\n'), found);
    findNumbers('stdout/stderr', printed.join(''), found);
    assert.deepEqual(internalErrors, []);

    // After the server closes (a checkpoint folds the WAL into the file), the files are clean too.
    restoreOutput?.();
    restoreOutput = undefined;
    await server.app.close();
    for (const [path, bytes] of diskBytes()) findNumbers(`${path} (closed)`, bytes, found);
    server = { ...server, close: async () => {} };

    assert.deepEqual(found, [], 'full card numbers or CVCs were kept');
  });
});

describe('log lines mask card numbers', () => {
  it('in internal errors (message and stack), text and JSON', async () => {
    for (const format of ['text', 'json'] as const) {
      const lines: string[] = [];
      const sink = { write: (line: string) => void lines.push(line) };
      const logged = await startServer({ logger: createLogger(format, { out: sink, err: sink }) });
      try {
        const store = logged.app.store;
        // A bug that quotes its input, as real ones do.
        store.getObject = async (_account: string, id: string) => {
          throw new Error(`lookup of ${id} failed`);
        };
        const key = `sk_test_${'L'.repeat(24)}`;
        for (const pan of [...MISPLACED, SPACED]) {
          const res = await fetch(`${logged.url}/v1/payment_methods/${encodeURIComponent(pan)}`, {
            headers: { Authorization: `Bearer ${key}` },
          });
          assert.equal(res.status, 500);
        }
        const text = lines.join('');
        assert.match(text, /lookup of \*{12}4242 failed/);
        assert.match(text, /\*{4} \*{4} \*{4} 5556/);
        const found: string[] = [];
        findNumbers(`${format} log`, text, found);
        assert.deepEqual(found, []);
      } finally {
        await logged.close();
      }
    }
  });
});
