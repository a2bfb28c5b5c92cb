/**
 * Events end to end through the official SDK (`stripe.events.list/retrieve`): the events customer
 * writes cause and their `previous_attributes`, the `request` that caused each one (and null for
 * changes the clock made), per-object ordering, every list filter (`type` with wildcards, `types[]`,
 * `created`, `delivery_success`) and pagination, `pending_webhooks` as deliveries progress, 30-day
 * retention, and the SDK's `Event` shape on everything listed.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

// biome-ignore lint/suspicious/noExplicitAny: tests assert on response bodies field by field
type AnyJson = any;

const DAY = 86_400;

let server: TestServer;
const receivers: Receiver[] = [];

before(async () => {
  server = await startServer({ webhooks: { retrySchedule: [0.2, 0.2, 0.2], timeoutMs: 500, pollMs: 50 } });
});

after(async () => {
  await server?.close();
  for (const r of receivers) await r.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: AnyJson;
}

interface Receiver {
  url: string;
  received: Received[];
  /** The status every later request is answered with. */
  status: number;
  close(): Promise<void>;
}

/** A local webhook receiver answering `status` to every request and recording what it got. */
async function receiver(status = 200): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = {
    url: '',
    received,
    status,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, event: JSON.parse(body) });
      res.writeHead(r.status, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  receivers.push(r);
  return r;
}

/** A fresh account: its key and an SDK client. */
function account(): { key: string; stripe: Stripe } {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Shape-checks an event as the SDK declares it, and its `data.object` as what it says it is. */
const OBJECT_TYPES: Record<string, [string, string]> = {
  customer: ['Customer', 'customer'],
  payment_intent: ['PaymentIntent', 'payment_intent'],
  charge: ['Charge', 'charge'],
  payment_method: ['PaymentMethod', 'payment_method'],
  refund: ['Refund', 'refund'],
  dispute: ['Dispute', 'dispute'],
  balance: ['Balance', 'balance'],
  payout: ['Payout', 'payout'],
  setup_intent: ['SetupIntent', 'setup_intent'],
};

function checkEvent(e: Stripe.Event): Stripe.Event {
  // previous_attributes is checked apart: the SDK types it as Partial<the object>, shallowly, while
  // Stripe's hold only the changed keys of nested hashes and null for added metadata keys.
  const { previous_attributes: previous, ...data } = e.data;
  assertShape({ ...e, data }, 'Event');
  assert.match(e.id, /^evt_[0-9A-Za-z]{24}$/);
  assert.equal(e.object, 'event');
  assert.equal(e.livemode, false);
  assert.equal(typeof e.api_version, 'string');
  assert.equal(typeof e.pending_webhooks, 'number');
  const object = e.data.object as unknown as { object: string };
  const known = OBJECT_TYPES[object.object];
  assert.ok(known, `${e.type}: data.object is a known object (${object.object})`);
  assertShape(object, known[0], known[1]);
  if (previous !== undefined) {
    assert.equal(typeof previous, 'object', `${e.type}: previous_attributes is a hash`);
    assert.ok(Object.keys(previous).length > 0, `${e.type}: previous_attributes names what changed`);
    for (const k of Object.keys(previous)) assert.ok(k in object, `${e.type}: previous_attributes.${k} is a field`);
  }
  return e;
}

/** Every event of the account (auto-pagination), newest first, each shape-checked. */
async function allEvents(stripe: Stripe, params: Stripe.EventListParams = {}): Promise<Stripe.Event[]> {
  const events = await stripe.events.list({ limit: 100, ...params }).autoPagingToArray({ limit: 10_000 });
  for (const e of events) checkEvent(e);
  return events;
}

async function createEndpoint(stripe: Stripe, url: string, events: string[] = ['*']) {
  return stripe.webhookEndpoints.create({
    url,
    enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
  });
}

async function pay(stripe: Stripe, params: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    allowed_payment_method_types: ['card'],
    capture_method: 'automatic',
    confirm: true,
    ...params,
  });
}

// ---------------------------------------------------------------------------------------------

describe('events: customer writes', () => {
  it('create / update / delete make customer.created, customer.updated (with previous_attributes), customer.deleted', async () => {
    const { stripe } = account();
    const created = await stripe.customers.create(
      { email: 'old@example.com', name: 'Jenny', metadata: { a: '1', b: '2' } },
      { idempotencyKey: 'create-key-1' },
    );
    const updated = await stripe.customers.update(
      created.id,
      { email: 'new@example.com', metadata: { b: '3', c: 'added' } },
      { idempotencyKey: 'update-key-1' },
    );
    const unset = await stripe.customers.update(created.id, { name: '', metadata: { a: '' } });
    const deleted = await stripe.customers.del(created.id);

    const events = await allEvents(stripe, { type: 'customer.*' });
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.deleted', 'customer.updated', 'customer.updated', 'customer.created'],
      'newest first',
    );
    const [del, upd2, upd1, cre] = events as [Stripe.Event, Stripe.Event, Stripe.Event, Stripe.Event];

    // customer.created: a snapshot of the new customer, no previous_attributes.
    assert.equal('previous_attributes' in cre.data, false, 'created events have no previous_attributes');
    const createdSnapshot = cre.data.object as Stripe.Customer;
    assert.equal(createdSnapshot.id, created.id);
    assert.equal(createdSnapshot.email, 'old@example.com');
    assert.deepEqual(createdSnapshot.metadata, { a: '1', b: '2' });
    assert.deepEqual(cre.request, { id: created.lastResponse.requestId, idempotency_key: 'create-key-1' });

    // First update: exactly the changed fields with their old values; metadata lists only the
    // changed keys, and the added key shows null.
    assert.deepEqual(upd1.data.previous_attributes, { email: 'old@example.com', metadata: { b: '2', c: null } });
    assert.equal((upd1.data.object as Stripe.Customer).email, 'new@example.com');
    assert.deepEqual((upd1.data.object as Stripe.Customer).metadata, { a: '1', b: '3', c: 'added' });
    assert.deepEqual(upd1.request, { id: updated.lastResponse.requestId, idempotency_key: 'update-key-1' });

    // Second update: unsetting shows the old values (the SDK keys every POST: the key is its own).
    assert.deepEqual(upd2.data.previous_attributes, { name: 'Jenny', metadata: { a: '1' } });
    assert.equal((upd2.data.object as Stripe.Customer).name, null);
    assert.equal(upd2.request?.id, unset.lastResponse.requestId);
    assert.match(upd2.request?.idempotency_key ?? '', /^stripe-node-retry-/);

    // customer.deleted: the customer as it was, no previous_attributes; a DELETE carries no key.
    assert.equal('previous_attributes' in del.data, false);
    assert.equal((del.data.object as Stripe.Customer).id, created.id);
    assert.deepEqual(del.request, { id: deleted.lastResponse.requestId, idempotency_key: null });

    // Retrieve returns the same event.
    const again = checkEvent(await stripe.events.retrieve(upd1.id));
    assert.deepEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(upd1)));
  });

  it('an update that changes nothing makes no event; an idempotent replay makes no second event', async () => {
    const { stripe } = account();
    const c = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'replayed' });
    await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'replayed' });
    await stripe.customers.update(c.id, { email: 'same@example.com' });
    const events = await allEvents(stripe);
    assert.deepEqual(
      events.map((e) => e.type),
      ['customer.created'],
    );
  });

  it('a raw request without Idempotency-Key records request.idempotency_key null', async () => {
    const { key, stripe } = account();
    const res = await http(server, 'POST', '/v1/customers', { key, body: 'email=raw@example.com' });
    assert.equal(res.status, 200, res.text);
    const [e] = await allEvents(stripe);
    assert.deepEqual(e?.request, { id: res.headers.get('request-id'), idempotency_key: null });
  });

  it('unknown id → 404 No such event', async () => {
    const { stripe } = account();
    await expectInvalid(stripe.events.retrieve('evt_x'), {
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such event: 'evt_x'",
    });
  });

  it("another account's event is not found", async () => {
    const a = account();
    const b = account();
    await a.stripe.customers.create();
    const [e] = await allEvents(a.stripe);
    await expectInvalid(b.stripe.events.retrieve(e?.id as string), { statusCode: 404, code: 'resource_missing' });
    assert.deepEqual(await allEvents(b.stripe), []);
  });
});

describe('events: payments and the clock', () => {
  it('per object ordering: payment_intent.created before payment_intent.succeeded (newest first in the list)', async () => {
    const { stripe } = account();
    const pi = await pay(stripe);
    assert.equal(pi.status, 'succeeded');
    const events = await allEvents(stripe);
    const forPi = events.filter((e) => (e.data.object as { id?: string }).id === pi.id);
    assert.deepEqual(
      forPi.map((e) => e.type),
      ['payment_intent.succeeded', 'payment_intent.created'],
    );
    for (let i = 1; i < events.length; i++) {
      assert.ok((events[i - 1] as Stripe.Event).created >= (events[i] as Stripe.Event).created, 'newest first');
    }
    const charge = events.find((e) => e.type === 'charge.succeeded');
    assert.ok(charge, 'charge.succeeded');
    assert.equal((charge.data.object as Stripe.Charge).payment_intent, pi.id);
    // Every event of the confirming call names that call.
    for (const e of events) assert.equal(e.request?.id, pi.lastResponse.requestId, e.type);
  });

  it('manual capture: created, amount_capturable_updated, then succeeded and charge.captured', async () => {
    const { stripe } = account();
    const pi = await pay(stripe, { capture_method: 'manual' });
    assert.equal(pi.status, 'requires_capture');
    await stripe.paymentIntents.capture(pi.id);
    const types: string[] = (await allEvents(stripe)).map((e) => e.type).reverse();
    const at = (t: string) => {
      const i = types.indexOf(t);
      assert.ok(i >= 0, `${t} in ${types.join(', ')}`);
      return i;
    };
    assert.ok(at('payment_intent.created') < at('payment_intent.amount_capturable_updated'));
    assert.ok(at('payment_intent.amount_capturable_updated') < at('payment_intent.succeeded'));
    assert.ok(at('charge.succeeded') < at('charge.captured'));
  });

  it('events the clock makes (balance.available) have request {id: null, idempotency_key: null}', async () => {
    const { key, stripe } = account();
    await pay(stripe);
    await advance(key, 3 * DAY);
    const [available, ...others] = await allEvents(stripe, { type: 'balance.available' });
    assert.ok(available, 'balance.available after 3 days');
    assert.equal(others.length, 0);
    assert.deepEqual(available.request, { id: null, idempotency_key: null });
    assert.equal((available.data.object as Stripe.Balance).object, 'balance');
  });

  it('every event of a refund, a dispute and a payout has the Event shape', async () => {
    const { key, stripe } = account();
    const pi = await pay(stripe, { amount: 10_000 });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    await pay(stripe, { payment_method: 'pm_card_createDispute', amount: 5000 });
    await advance(key, 3 * DAY);
    await stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await advance(key, 3 * DAY);
    const events = await allEvents(stripe);
    const types = new Set<string>(events.map((e) => e.type));
    for (const t of [
      'refund.created',
      'charge.refunded',
      'charge.dispute.created',
      'payout.created',
      'balance.available',
    ]) {
      assert.ok(types.has(t), `${t} in ${[...types].join(', ')}`);
    }
    for (const e of events) {
      if (e.type.endsWith('.updated')) assert.ok(e.data.previous_attributes, `${e.type} has previous_attributes`);
    }
  });
});

describe('events: list filters and pagination', () => {
  it('type (exact and charge.* wildcard), types[], and type + types → 400', async () => {
    const { stripe } = account();
    await pay(stripe);
    await stripe.customers.create();
    const all = await allEvents(stripe);
    const exact = await allEvents(stripe, { type: 'payment_intent.succeeded' });
    assert.deepEqual(
      exact.map((e) => e.type),
      ['payment_intent.succeeded'],
    );
    const charges = await allEvents(stripe, { type: 'charge.*' });
    assert.ok(charges.length >= 1);
    assert.deepEqual(
      charges.map((e) => e.id),
      all.filter((e) => e.type.startsWith('charge.')).map((e) => e.id),
    );
    const types = await allEvents(stripe, { types: ['customer.created', 'payment_intent.created'] });
    assert.deepEqual(types.map((e) => e.type).sort(), ['customer.created', 'payment_intent.created']);
    assert.deepEqual(await allEvents(stripe, { type: 'invoice.paid' }), []);
    await expectInvalid(stripe.events.list({ type: 'customer.created', types: ['charge.succeeded'] }), {
      statusCode: 400,
    });
    await expectInvalid(stripe.events.list({ types: Array.from({ length: 21 }, () => 'customer.created') }), {
      statusCode: 400,
    });
  });

  it('created: exact, gte, lt', async () => {
    const { key, stripe } = account();
    await stripe.customers.create({ name: 'first' });
    await advance(key, 1000);
    await stripe.customers.create({ name: 'second' });
    const [second, first] = await allEvents(stripe);
    assert.ok(first && second);
    assert.ok(second.created - first.created >= 1000);
    const name = (e: Stripe.Event) => (e.data.object as Stripe.Customer).name;
    assert.deepEqual((await allEvents(stripe, { created: { gte: second.created } })).map(name), ['second']);
    assert.deepEqual((await allEvents(stripe, { created: { lt: second.created } })).map(name), ['first']);
    assert.deepEqual((await allEvents(stripe, { created: first.created })).map(name), ['first']);
    assert.deepEqual((await allEvents(stripe, { created: { gt: first.created, lte: second.created } })).map(name), [
      'second',
    ]);
  });

  it('pagination: starting_after, ending_before, has_more and auto-pagination', async () => {
    const { stripe } = account();
    for (let i = 0; i < 25; i++) await stripe.customers.create({ name: `c${i}` });
    const name = (e: Stripe.Event) => (e.data.object as Stripe.Customer).name;
    const page1 = await stripe.events.list({ limit: 10 });
    assertShape(page1, 'ApiList<Event>');
    assert.equal(page1.has_more, true);
    assert.equal(page1.url, '/v1/events');
    assert.deepEqual(page1.data.map(name), ['c24', 'c23', 'c22', 'c21', 'c20', 'c19', 'c18', 'c17', 'c16', 'c15']);
    const page2 = await stripe.events.list({ limit: 10, starting_after: page1.data.at(-1)?.id as string });
    assert.deepEqual(page2.data.map(name), ['c14', 'c13', 'c12', 'c11', 'c10', 'c9', 'c8', 'c7', 'c6', 'c5']);
    const page3 = await stripe.events.list({ limit: 10, starting_after: page2.data.at(-1)?.id as string });
    assert.equal(page3.has_more, false);
    assert.deepEqual(page3.data.map(name), ['c4', 'c3', 'c2', 'c1', 'c0']);
    const back = await stripe.events.list({ limit: 3, ending_before: page2.data[0]?.id as string });
    assert.deepEqual(back.data.map(name), ['c17', 'c16', 'c15']);
    assert.equal(back.has_more, true);
    const all = await stripe.events.list({ limit: 7 }).autoPagingToArray({ limit: 100 });
    assert.equal(all.length, 25);
    assert.equal(new Set(all.map((e) => e.id)).size, 25);
    assert.deepEqual(
      all.map(name),
      Array.from({ length: 25 }, (_, i) => `c${24 - i}`),
    );
    await expectInvalid(stripe.events.list({ starting_after: 'evt_nope' }), {
      code: 'resource_missing',
      param: 'starting_after',
      message: "No such event: 'evt_nope'",
    });
    await expectInvalid(stripe.events.list({ ending_before: 'evt_nope' }), {
      code: 'resource_missing',
      param: 'ending_before',
    });
  });

  it('delivery_success: true once every endpoint answered 2xx; false while pending or failed', async () => {
    const ok = await receiver(200);
    const failing = await receiver(500);
    const good = account();
    const bad = account();
    await createEndpoint(good.stripe, ok.url);
    await createEndpoint(bad.stripe, failing.url);
    const goodCustomer = await good.stripe.customers.create();
    const badCustomer = await bad.stripe.customers.create();
    await server.app.webhooks.runOnce();
    await waitFor('the good delivery', async () => ok.received.some((r) => r.event.data.object.id === goodCustomer.id));
    await waitFor('a failed attempt', async () =>
      failing.received.some((r) => r.event.data.object.id === badCustomer.id),
    );

    const ids = async (s: Stripe, success: boolean) =>
      (await allEvents(s, { delivery_success: success })).map((e) => (e.data.object as Stripe.Customer).id);
    await waitFor('delivery_success=true', async () => (await ids(good.stripe, true)).includes(goodCustomer.id));
    assert.deepEqual(await ids(good.stripe, false), []);
    assert.deepEqual(await ids(bad.stripe, false), [badCustomer.id], 'pending retries count as not delivered');
    assert.deepEqual(await ids(bad.stripe, true), []);

    // After the last retry the delivery has failed: still delivery_success=false.
    await waitFor('all 4 attempts', async () => failing.received.length >= 4);
    await server.app.webhooks.runOnce();
    assert.deepEqual(await ids(bad.stripe, false), [badCustomer.id]);
    const [e] = await allEvents(bad.stripe);
    assert.equal(e?.pending_webhooks, 1, 'a failed delivery is still pending_webhooks');
  });
});

describe('events: pending_webhooks', () => {
  it('counts the endpoints the event has not yet been delivered to', async () => {
    const { key, stripe } = account();
    const ok = await receiver(200);
    const flaky = await receiver(500);
    await createEndpoint(stripe, ok.url);
    await createEndpoint(stripe, flaky.url, ['customer.created']);
    await createEndpoint(stripe, ok.url, ['charge.succeeded']); // not listening: never counts
    const pause = await http(server, 'POST', '/sandbank/v1/webhooks/pause', { key });
    assert.equal(pause.status, 200, pause.text);
    const c = await stripe.customers.create();
    await server.app.webhooks.runOnce();
    const [e] = await allEvents(stripe);
    assert.ok(e);
    assert.equal((e.data.object as Stripe.Customer).id, c.id);
    assert.equal(e.pending_webhooks, 2, 'paused: both listening endpoints are pending');

    const resume = await http(server, 'POST', '/sandbank/v1/webhooks/resume', { key });
    assert.equal(resume.status, 200, resume.text);
    await server.app.webhooks.runOnce();
    await waitFor('first attempts', async () => ok.received.length >= 1 && flaky.received.length >= 1);
    await waitFor('pending_webhooks 1', async () => (await stripe.events.retrieve(e.id)).pending_webhooks === 1);

    flaky.status = 200;
    await waitFor('pending_webhooks 0', async () => (await stripe.events.retrieve(e.id)).pending_webhooks === 0);
    checkEvent(await stripe.events.retrieve(e.id));
  });
});

describe('events: retention', () => {
  it('events older than 30 days are neither listed nor retrievable', async () => {
    const { key, stripe } = account();
    await stripe.customers.create({ name: 'old' });
    const [old] = await allEvents(stripe);
    assert.ok(old);
    await advance(key, 29 * DAY);
    await stripe.customers.create({ name: 'newer' });
    assert.equal((await allEvents(stripe)).length, 2, 'at 29 days both are visible');
    checkEvent(await stripe.events.retrieve(old.id));

    await advance(key, 2 * DAY);
    const left = await allEvents(stripe);
    assert.deepEqual(
      left.map((e) => (e.data.object as Stripe.Customer).name),
      ['newer'],
    );
    await expectInvalid(stripe.events.retrieve(old.id), {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such event: '${old.id}'`,
    });
    await expectInvalid(stripe.events.list({ starting_after: old.id }), {
      code: 'resource_missing',
      param: 'starting_after',
    });
  });
});
