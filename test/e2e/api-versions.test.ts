/**
 * API versions end to end: each stripe-node major of the last five years, pinned to its own
 * version, sees its own shapes (stripe-node 8 → 2020-08-27, 12 → 2022-11-15, 14 → 2023-10-16,
 * 16 → 2024-06-20, 18 → 2025-08-27.basil, 23 → the newest); raw requests with `Stripe-Version`;
 * Stripe's error for versions that do not exist; webhook endpoints pinned to a version; and events
 * listed in the shape they were created in. docs/versions.md lists what is modelled.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LATEST_VERSION } from '../../src/platform/versions.js';
import { advance } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

// biome-ignore lint/suspicious/noExplicitAny: the older majors are loaded untyped, and bodies are checked field by field
type AnyJson = any;

const require = createRequire(import.meta.url);

/** The installed majors and the version each pins. */
const MAJORS = {
  'stripe-v8': '2020-08-27',
  'stripe-v12': '2022-11-15',
  'stripe-v14': '2023-10-16',
  'stripe-v16': '2024-06-20',
  'stripe-v18': '2025-08-27.basil',
  stripe: LATEST_VERSION,
} as const;
type Major = keyof typeof MAJORS;

let server: TestServer;

before(async () => {
  server = await startServer({ webhooks: { retrySchedule: [0.2], timeoutMs: 2000, pollMs: 50 } });
});

after(async () => {
  await server?.close();
});

/**
 * A client of `major` (loaded untyped: the old majors declare the same ambient `'stripe'` module as
 * the current one) pinned to its version, like test/support/server.ts's `sdk()`.
 */
function sdkOf(major: Major, key = newSecretKey()): AnyJson {
  const mod = require(major) as AnyJson;
  const Stripe = mod.default ?? mod;
  return new Stripe(key, {
    apiVersion: MAJORS[major],
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** A raw request (no shape checks: older shapes are the point). */
async function raw(
  method: string,
  path: string,
  opts: { key?: string; version?: string; body?: string } = {},
): Promise<{ status: number; headers: Headers; json: AnyJson }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${opts.key ?? newSecretKey()}` };
  if (opts.version !== undefined) headers['Stripe-Version'] = opts.version;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(server.url + path, { method, headers, ...(opts.body ? { body: opts.body } : {}) });
  return { status: res.status, headers: res.headers, json: JSON.parse(await res.text()) };
}

/** A card payment made the way each version's integration guide made it. */
async function payWithCard(stripe: AnyJson, major: Major, extra: object = {}): Promise<AnyJson> {
  // Before 2023-08-16 intents take cards without saying so; from then on they use dynamic payment
  // methods, which need a return_url unless redirects are off.
  const dynamic = major !== 'stripe-v8' && major !== 'stripe-v12';
  return stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    ...(dynamic ? { automatic_payment_methods: { enabled: true, allow_redirects: 'never' } } : {}),
    ...extra,
  });
}

describe('each stripe-node major sees its own version’s shapes', () => {
  it('stripe-node 8 (2020-08-27): included charges and refunds, cards only, synchronous capture, invoice', async () => {
    const stripe = sdkOf('stripe-v8');
    const created = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    assert.deepEqual(created.payment_method_types, ['card']);
    assert.equal(created.automatic_payment_methods, null);
    assert.equal(created.capture_method, 'automatic');
    assert.equal(created.invoice, null);
    assert.deepEqual(created.charges, {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/charges?payment_intent=${created.id}`,
    });
    assert.equal(created.lastResponse.apiVersion, '2020-08-27');

    const pi = await stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.charges.total_count, 1);
    const [charge] = pi.charges.data;
    assert.equal(charge.id, pi.latest_charge);
    assert.equal(charge.payment_intent, pi.id);
    assert.deepEqual(charge.refunds, {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/charges/${charge.id}/refunds`,
    });
    assert.equal(charge.dispute, null);
    assert.equal(charge.destination, null);
    assert.equal(charge.invoice, null);

    const refund = await stripe.refunds.create({ charge: charge.id, amount: 500 });
    const again = await stripe.charges.retrieve(charge.id);
    assert.equal(again.refunds.total_count, 1);
    assert.equal(again.refunds.data[0].id, refund.id);
    assert.equal(again.refunds.data[0].object, 'refund');
    // Lists render every item in the older shape, and the PaymentIntent's charges carry their refunds.
    const listed = await stripe.charges.list({ payment_intent: pi.id });
    assert.equal(listed.data[0].refunds.data[0].id, refund.id);
    const retrieved = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(retrieved.charges.data[0].refunds.data[0].id, refund.id);
    // Expanded objects too.
    const withPi = await stripe.refunds.retrieve(refund.id, { expand: ['payment_intent'] });
    assert.equal(withPi.payment_intent.charges.data[0].id, charge.id);
  });

  it('stripe-node 12 (2022-11-15): no included lists, still cards only and synchronous capture, Charge.dispute', async () => {
    const stripe = sdkOf('stripe-v12');
    const pi = await payWithCard(stripe, 'stripe-v12');
    assert.equal(pi.status, 'succeeded');
    assert.equal('charges' in pi, false);
    assert.deepEqual(pi.payment_method_types, ['card']);
    assert.equal(pi.automatic_payment_methods, null);
    assert.equal(pi.capture_method, 'automatic');
    assert.equal(pi.invoice, null);
    const charge = await stripe.charges.retrieve(pi.latest_charge);
    assert.equal('refunds' in charge, false);
    assert.equal(charge.dispute, null);
    assert.equal(charge.destination, null);
    assert.equal(charge.invoice, null);
    // Cards only: confirming needs no return_url.
    const si = await stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true });
    assert.equal(si.status, 'succeeded');
    assert.equal(si.automatic_payment_methods, null);
    assert.deepEqual(si.payment_method_types, ['card']);
  });

  it('stripe-node 12: a disputed charge names its dispute', async () => {
    const key = newSecretKey();
    const stripe = sdkOf('stripe-v12', key);
    const pi = await payWithCard(stripe, 'stripe-v12', { payment_method: 'pm_card_createDispute' });
    await advance(server, key, 0);
    const [dispute] = (await stripe.disputes.list({ charge: pi.latest_charge })).data;
    assert.ok(dispute, 'the card opened a dispute');
    const charge = await stripe.charges.retrieve(pi.latest_charge);
    assert.equal(charge.disputed, true);
    assert.equal(charge.dispute, dispute.id);
    // From 2023-08-16 the field is gone.
    const current = await sdkOf('stripe', key).charges.retrieve(pi.latest_charge);
    assert.equal('dispute' in current, false);
  });

  it('stripe-node 14 (2023-10-16): dynamic payment methods by default, synchronous capture, no Charge.dispute', async () => {
    const stripe = sdkOf('stripe-v14');
    const created = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    assert.deepEqual(created.automatic_payment_methods, { enabled: true });
    assert.equal(created.capture_method, 'automatic');
    assert.equal(created.invoice, null);
    const pi = await payWithCard(stripe, 'stripe-v14');
    const charge = await stripe.charges.retrieve(pi.latest_charge);
    assert.equal('dispute' in charge, false);
    assert.equal('destination' in charge, false);
    assert.equal(charge.invoice, null);
    const si = await stripe.setupIntents.create({});
    assert.equal(si.automatic_payment_methods.enabled, true);
  });

  it('stripe-node 16 (2024-06-20): asynchronous capture by default, still an invoice field', async () => {
    const stripe = sdkOf('stripe-v16');
    const pi = await payWithCard(stripe, 'stripe-v16');
    assert.equal(pi.capture_method, 'automatic_async');
    assert.equal(pi.invoice, null);
    assert.equal((await stripe.charges.retrieve(pi.latest_charge)).invoice, null);
  });

  for (const major of ['stripe-v18', 'stripe'] as const) {
    it(`${major} (${MAJORS[major]}): the newest shapes`, async () => {
      const stripe = sdkOf(major);
      const pi = await payWithCard(stripe, major);
      assert.equal(pi.capture_method, 'automatic_async');
      assert.equal('invoice' in pi, false);
      assert.equal('charges' in pi, false);
      const charge = await stripe.charges.retrieve(pi.latest_charge);
      assert.equal('invoice' in charge, false);
      assert.equal('refunds' in charge, false);
      assert.equal(pi.lastResponse.apiVersion, MAJORS[major]);
    });
  }
});

describe('Stripe-Version on raw requests', () => {
  it('renders each request for its own version, whatever the last one was', async () => {
    const key = newSecretKey();
    const pi = await raw('POST', '/v1/payment_intents', {
      key,
      version: '2020-08-27',
      body: 'amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true',
    });
    assert.equal(pi.status, 200);
    assert.equal(pi.headers.get('stripe-version'), '2020-08-27');
    assert.equal(pi.json.charges.data[0].id, pi.json.latest_charge);
    const newest = await raw('GET', `/v1/payment_intents/${pi.json.id}`, { key });
    assert.equal(newest.headers.get('stripe-version'), LATEST_VERSION);
    assert.equal('charges' in newest.json, false);
    assert.equal(newest.json.capture_method, 'automatic', 'the default of the version it was created with');
    const basil = await raw('GET', `/v1/payment_intents/${pi.json.id}`, { key, version: '2025-02-24.acacia' });
    assert.equal(basil.json.invoice, null);
    assert.equal('charges' in basil.json, false);
  });

  it('versions newer than Sandbank knows render in the newest shape', async () => {
    const res = await raw('POST', '/v1/payment_intents', {
      version: '2099-01-01.zeta',
      body: 'amount=1000&currency=usd',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('stripe-version'), '2099-01-01.zeta');
    assert.equal(res.json.capture_method, 'automatic_async');
    assert.equal(res.json.automatic_payment_methods.enabled, true);
    assert.equal('invoice' in res.json, false);
  });

  it('search needs 2020-08-27 or later, as Stripe’s does', async () => {
    const key = newSecretKey();
    const old = await raw('GET', '/v1/customers/search?query=email%3A%27a%40b.c%27', { key, version: '2019-12-03' });
    assert.equal(old.status, 400);
    assert.equal(
      old.json.error.message,
      'Search is not supported on api version 2019-12-03. Update your API version, or set the API Version of this request to 2020-08-27 or greater.',
    );
    assert.equal(old.json.error.type, 'invalid_request_error');
    const v8 = await raw('GET', '/v1/customers/search?query=email%3A%27a%40b.c%27', { key, version: '2020-08-27' });
    assert.equal(v8.status, 200);
    // Older versions are otherwise accepted, in the oldest shape Sandbank models (2020-08-27's).
    const list = await raw('GET', '/v1/customers', { key, version: '2019-12-03' });
    assert.equal(list.status, 200);
  });

  it('refuses versions that do not exist with Stripe’s error', async () => {
    for (const version of ['banana', '2019-2-19', '2023-02-30', '2025-09-30.acacia', '2022-11-15.basil']) {
      const res = await raw('GET', '/v1/customers', { version });
      assert.equal(res.status, 400, version);
      assert.deepEqual(Object.keys(res.json.error).sort(), ['message', 'request_log_url', 'type'].sort());
      assert.equal(res.json.error.type, 'invalid_request_error');
      assert.equal(res.json.error.message, `Invalid Stripe API version: ${version}`);
    }
  });
});

describe('events and webhooks keep to their versions', () => {
  let receiver: Server;
  const received: AnyJson[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  /** The delivery of `type` for `object` rendered for `version` (each endpoint gets its own rendering). */
  async function delivered(version: string, type: string, object: string): Promise<AnyJson> {
    for (let i = 0; i < 200; i++) {
      const found = received.find((e) => e.type === type && e.data.object.id === object && e.api_version === version);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no ${type} for ${object} at version ${version}`);
  }

  it('an endpoint pinned to 2020-08-27 gets events in that shape; one on the newest version gets the newest', async () => {
    const key = newSecretKey();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const old = sdkOf('stripe-v8', key);
    await old.webhookEndpoints.create({ url, enabled_events: ['charge.refunded'], api_version: '2020-08-27' });
    await sdkOf('stripe', key).webhookEndpoints.create({ url, enabled_events: ['charge.refunded'] });
    const pi = await payWithCard(sdkOf('stripe', key), 'stripe');
    const refund = await old.refunds.create({ payment_intent: pi.id });

    const oldEvent = await delivered('2020-08-27', 'charge.refunded', pi.latest_charge);
    assert.equal(oldEvent.data.object.refunds.data[0].id, refund.id);
    assert.equal(oldEvent.data.object.invoice, null);
    assert.equal(oldEvent.data.object.dispute, null);

    const newEvent = await delivered(LATEST_VERSION, 'charge.refunded', pi.latest_charge);
    assert.equal(newEvent.id, oldEvent.id, 'one event, rendered for each endpoint');
    assert.equal('refunds' in newEvent.data.object, false);
    assert.equal('invoice' in newEvent.data.object, false);
  });

  it('GET /v1/events shows each event in the version it was created in, whatever the request asks for', async () => {
    const key = newSecretKey();
    const old = sdkOf('stripe-v8', key);
    const pi = await payWithCard(old, 'stripe-v8');
    const { data } = await old.events.list({ type: 'payment_intent.succeeded' });
    const [event] = data;
    assert.equal(event.data.object.id, pi.id);
    assert.equal(event.api_version, LATEST_VERSION);
    assert.equal('charges' in event.data.object, false);
    assert.equal('invoice' in event.data.object, false);
    const one = await old.events.retrieve(event.id);
    assert.deepEqual(one.data, event.data);
  });
});
