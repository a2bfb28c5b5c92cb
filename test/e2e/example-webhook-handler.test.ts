/**
 * examples/webhook-handler, the canonical merchant webhook handler, run in-process: first on its own
 * with payloads signed by the SDK's `generateTestHeaderString` (signature check, idempotency,
 * rollback on failure), then against Sandbank: payments made through the SDK reach it signed, a
 * forced failure is answered 500, retried by Sandbank and then processed exactly once, and a resend
 * of the same event is acknowledged without being processed again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { createApp, type WebhookHandler } from '../../examples/webhook-handler/app.js';
import type { Order } from '../../examples/webhook-handler/db.js';
import { expectCardError } from '../support/payments.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

// biome-ignore lint/suspicious/noExplicitAny: tests assert on response bodies field by field
type AnyJson = any;

interface Receiver {
  url: string;
  /** Status of every response the example sent, in order. */
  statuses: number[];
  /** Lines the example logged. */
  logs: string[];
  /** Serves `handler` from now on (the port exists before the endpoint, the secret after). */
  use(handler: WebhookHandler): void;
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1:0 that the example app is plugged into once it exists. */
async function startReceiver(): Promise<Receiver> {
  let listener: RequestListener | undefined;
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    res.on('finish', () => statuses.push(res.statusCode));
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    logs: [],
    use(handler) {
      listener = handler.app;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function captureLogs(lines: string[]): Pick<Console, 'log' | 'error'> {
  return { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  opts: { ms?: number; explain?: () => unknown } = {},
): Promise<T> {
  const ms = opts.ms ?? 30_000;
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const state = opts.explain ? `; state: ${JSON.stringify(await opts.explain(), null, 2)}` : '';
      assert.fail(`timed out after ${ms} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function count(handler: WebhookHandler, sql: string, ...params: unknown[]): number {
  return (handler.db.prepare(sql).get(...params) as { n: number }).n;
}

function orderOf(handler: WebhookHandler, id: string): Order {
  const order = handler.db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as Order | undefined;
  assert.ok(order, `order ${id} exists`);
  return order;
}

describe('examples/webhook-handler on its own (payloads signed with the SDK test helper)', () => {
  const secret = 'whsec_unit_test_secret';
  const stripe = new Stripe('sk_test_unit');
  let dir: string;
  let receiver: Receiver;
  let handler: WebhookHandler;
  let failIds = new Set<string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbank-example-'));
    receiver = await startReceiver();
    handler = createApp({
      stripe,
      endpointSecret: secret,
      dbPath: join(dir, 'shop.db'),
      failNext: (event) => failIds.delete(event.id),
      logger: captureLogs(receiver.logs),
    });
    receiver.use(handler);
  });

  after(async () => {
    await receiver?.close();
    handler?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let seq = 0;
  function paymentEvent(type: string, orderId: string | null, extra: AnyJson = {}): AnyJson {
    seq += 1;
    return {
      id: `evt_unit${seq}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: {
        object: {
          id: `pi_unit${seq}`,
          object: 'payment_intent',
          amount: 2000,
          currency: 'usd',
          metadata: orderId ? { order_id: orderId } : {},
          last_payment_error: null,
          ...extra,
        },
      },
    };
  }

  async function deliver(event: AnyJson, opts: { signWith?: string; signature?: string | null } = {}) {
    const payload = JSON.stringify(event);
    const signature =
      opts.signature === undefined
        ? stripe.webhooks.generateTestHeaderString({ payload, secret: opts.signWith ?? secret })
        : opts.signature;
    const res = await fetch(`${receiver.url}/webhook`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        ...(signature === null ? {} : { 'Stripe-Signature': signature }),
      },
      body: payload,
    });
    return { status: res.status, text: await res.text() };
  }

  function newOrder(id: string, amount = 2000): string {
    handler.db.prepare('INSERT INTO orders (id, amount, currency) VALUES (?, ?, ?)').run(id, amount, 'usd');
    return id;
  }

  it('marks the order paid and fulfils it once, however often the event is delivered', async () => {
    const order = newOrder('order_unit_paid');
    const event = paymentEvent('payment_intent.succeeded', order);
    const first = await deliver(event);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(JSON.parse(first.text), { received: true });
    assert.equal(orderOf(handler, order).status, 'paid');
    assert.equal(orderOf(handler, order).payment_intent, event.data.object.id);

    for (let i = 0; i < 3; i++) {
      const again = await deliver(event);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(JSON.parse(again.text), { received: true, duplicate: true });
    }
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE order_id = ?', order), 1);
    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', event.id), 1);
    const row = handler.db.prepare('SELECT type FROM processed_events WHERE id = ?').get(event.id) as AnyJson;
    assert.equal(row.type, 'payment_intent.succeeded');
  });

  it('answers 400 to a missing, forged or stale signature and processes nothing', async () => {
    const order = newOrder('order_unit_forged');
    const event = paymentEvent('payment_intent.succeeded', order);
    const payload = JSON.stringify(event);
    const stale = stripe.webhooks.generateTestHeaderString({
      payload,
      secret,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    for (const opts of [{ signature: null }, { signWith: 'whsec_someone_else' }, { signature: 't=1,v1=00' }]) {
      const res = await deliver(event, opts);
      assert.equal(res.status, 400, `${JSON.stringify(opts)}: ${res.text}`);
      assert.match(res.text, /^Webhook Error: /);
    }
    assert.equal((await deliver(event, { signature: stale })).status, 400);
    // A body modified after signing.
    const tampered = await fetch(`${receiver.url}/webhook`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
      },
      body: payload.replace('"amount":2000', '"amount":1'),
    });
    assert.equal(tampered.status, 400);
    assert.equal(orderOf(handler, order).status, 'pending');
    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', event.id), 0);
  });

  it('answers 500 and rolls everything back when processing fails, then processes the retry', async () => {
    const order = newOrder('order_unit_retry');
    const event = paymentEvent('payment_intent.succeeded', order);
    failIds = new Set([event.id]);
    const failed = await deliver(event);
    assert.equal(failed.status, 500, failed.text);
    // The handler had already marked the order paid and fulfilled it: all of it was rolled back.
    assert.equal(orderOf(handler, order).status, 'pending');
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE order_id = ?', order), 0);
    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', event.id), 0);

    const retried = await deliver(event);
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual(JSON.parse(retried.text), { received: true });
    assert.equal(orderOf(handler, order).status, 'paid');
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE order_id = ?', order), 1);
  });

  it('records a failed payment, and a late failure does not unpay a paid order', async () => {
    const order = newOrder('order_unit_failed');
    const error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    };
    const failedEvent = paymentEvent('payment_intent.payment_failed', order, { last_payment_error: error });
    assert.equal((await deliver(failedEvent)).status, 200);
    assert.equal(orderOf(handler, order).status, 'payment_failed');
    const failure = handler.db
      .prepare('SELECT * FROM payment_failures WHERE event_id = ?')
      .get(failedEvent.id) as AnyJson;
    assert.equal(failure.order_id, order);
    assert.equal(failure.payment_intent, failedEvent.data.object.id);
    assert.equal(failure.code, 'card_declined');
    assert.equal(failure.decline_code, 'generic_decline');
    assert.equal(failure.message, 'Your card was declined.');

    assert.equal((await deliver(paymentEvent('payment_intent.succeeded', order))).status, 200);
    assert.equal(orderOf(handler, order).status, 'paid');
    const late = paymentEvent('payment_intent.payment_failed', order, { last_payment_error: error });
    assert.equal((await deliver(late)).status, 200);
    assert.equal(orderOf(handler, order).status, 'paid');
    assert.equal(count(handler, 'SELECT count(*) AS n FROM payment_failures WHERE order_id = ?', order), 2);
  });

  it('acknowledges event types it does not handle and payments that are not its orders', async () => {
    const unknown = paymentEvent('customer.created', null);
    const res = await deliver(unknown);
    assert.equal(res.status, 200, res.text);
    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', unknown.id), 1);

    const foreign = paymentEvent('payment_intent.succeeded', null);
    assert.equal((await deliver(foreign)).status, 200);
    const stray = paymentEvent('payment_intent.succeeded', 'order_that_does_not_exist');
    assert.equal((await deliver(stray)).status, 200);
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE payment_intent = ?', stray.id), 0);
  });
});

describe('examples/webhook-handler against Sandbank', () => {
  let server: TestServer;
  let receiver: Receiver;
  let handler: WebhookHandler;
  let dir: string;
  let key: string;
  let stripe: Stripe;
  let endpoint: Stripe.WebhookEndpoint;
  let failNextSucceeded = false;
  let forcedFailure: string | undefined;

  before(async () => {
    server = await startServer({ webhooks: { retrySchedule: [1, 1, 1] } });
    key = newSecretKey();
    stripe = server.stripe(key);
    dir = mkdtempSync(join(tmpdir(), 'sandbank-example-'));
    receiver = await startReceiver();
    endpoint = await stripe.webhookEndpoints.create({
      url: `${receiver.url}/webhook`,
      enabled_events: ['payment_intent.succeeded', 'payment_intent.payment_failed'],
    });
    assert.match(endpoint.secret ?? '', /^whsec_/);
    handler = createApp({
      stripe, // the merchant's own client: POST /orders creates PaymentIntents in Sandbank
      endpointSecret: endpoint.secret!,
      dbPath: join(dir, 'shop.db'),
      failNext: (event) => {
        if (!failNextSucceeded || event.type !== 'payment_intent.succeeded') return false;
        failNextSucceeded = false;
        forcedFailure = event.id;
        return true;
      },
      logger: captureLogs(receiver.logs),
    });
    receiver.use(handler);
  });

  after(async () => {
    await server?.close();
    await receiver?.close();
    handler?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Checkout through the example's own API: an order and its PaymentIntent (metadata.order_id). */
  async function checkout(amount: number): Promise<{ order: string; paymentIntent: string }> {
    const res = await fetch(`${receiver.url}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount, currency: 'usd' }),
    });
    const body = (await res.json()) as AnyJson;
    assert.equal(res.status, 201, JSON.stringify(body));
    const pi = await stripe.paymentIntents.retrieve(body.payment_intent);
    assert.equal(pi.metadata.order_id, body.order);
    assert.equal(pi.status, 'requires_payment_method');
    return { order: body.order, paymentIntent: body.payment_intent };
  }

  /** What the client does with Stripe.js: confirm with a card. */
  function confirm(paymentIntent: string, paymentMethod: string) {
    return stripe.paymentIntents.confirm(paymentIntent, {
      payment_method: paymentMethod,
      return_url: 'https://shop.example/checkout/done',
    });
  }

  async function attempts(event: string): Promise<AnyJson[]> {
    const res = await http(server, 'GET', `/sandbank/v1/webhook_attempts?event=${event}`, { key });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'list');
    return res.json.data;
  }

  let paidOrder: string;
  let paidEvent: string;

  it('receives the payments made through the SDK, signed, and applies them', async () => {
    const paid = await checkout(2000);
    paidOrder = paid.order;
    const succeeded = await confirm(paid.paymentIntent, 'pm_card_visa');
    assert.equal(succeeded.status, 'succeeded');

    const declined = await checkout(1500);
    const err = await expectCardError(confirm(declined.paymentIntent, 'pm_card_visa_chargeDeclined'));
    assert.equal(err.code, 'card_declined');

    await waitFor('the paid order', () => orderOf(handler, paid.order).status === 'paid');
    await waitFor('the declined order', () => orderOf(handler, declined.order).status === 'payment_failed');

    const fulfillment = handler.db
      .prepare('SELECT * FROM fulfillments WHERE order_id = ?')
      .all(paid.order) as AnyJson[];
    assert.equal(fulfillment.length, 1);
    assert.equal(fulfillment[0].payment_intent, paid.paymentIntent);
    paidEvent = fulfillment[0].event_id;
    assert.equal(orderOf(handler, paid.order).payment_intent, paid.paymentIntent);

    const failures = handler.db
      .prepare('SELECT * FROM payment_failures WHERE order_id = ?')
      .all(declined.order) as AnyJson[];
    assert.equal(failures.length, 1);
    assert.equal(failures[0].payment_intent, declined.paymentIntent);
    assert.equal(failures[0].code, 'card_declined');
    assert.equal(failures[0].decline_code, 'generic_decline');
    assert.ok(failures[0].message);

    // Only the subscribed types were delivered, each once.
    const processed = handler.db.prepare('SELECT id, type FROM processed_events ORDER BY type').all() as AnyJson[];
    assert.deepEqual(
      processed.map((e) => e.type),
      ['payment_intent.payment_failed', 'payment_intent.succeeded'],
    );
    assert.equal(processed.find((e) => e.type === 'payment_intent.succeeded').id, paidEvent);
    assert.equal(processed.find((e) => e.type === 'payment_intent.payment_failed').id, failures[0].event_id);

    // Sandbank agrees: one successful attempt each, answered 200 by the example.
    for (const event of [paidEvent, failures[0].event_id]) {
      const list = await waitFor(`the attempt for ${event}`, async () => {
        const data = await attempts(event);
        return data.length > 0 ? data : undefined;
      });
      assert.equal(list.length, 1, JSON.stringify(list));
      assert.equal(list[0].endpoint, endpoint.id);
      assert.equal(list[0].succeeded, true);
      assert.equal(list[0].http_status, 200);
    }
    // Two checkouts (201) and two deliveries (200), interleaved in whatever order they happened.
    assert.deepEqual([...receiver.statuses].sort(), [200, 200, 201, 201]);
  });

  it('a forced failure is answered 500, retried by Sandbank, and processed exactly once', async () => {
    failNextSucceeded = true;
    const { order, paymentIntent } = await checkout(3000);
    const statusesBefore = receiver.statuses.length;
    assert.equal((await confirm(paymentIntent, 'pm_card_visa')).status, 'succeeded');

    const event = await waitFor('the first delivery, made to fail', () => forcedFailure);
    const list = await waitFor(
      `Sandbank to retry ${event}`,
      async () => {
        const data = await attempts(event);
        return data.length >= 2 ? data : undefined;
      },
      { explain: async () => ({ attempts: await attempts(event), statuses: receiver.statuses, logs: receiver.logs }) },
    );
    assert.equal(orderOf(handler, order).status, 'paid');
    assert.deepEqual(receiver.statuses.slice(statusesBefore), [500, 200]);
    assert.equal(list.length, 2, JSON.stringify(list));
    const [first, second] = list;
    assert.equal(first.object, 'sandbank.webhook_attempt');
    assert.equal(first.event, event);
    assert.equal(first.event_type, 'payment_intent.succeeded');
    assert.equal(first.endpoint, endpoint.id);
    assert.equal(first.url, `${receiver.url}/webhook`);
    assert.equal(first.attempt, 1);
    assert.equal(first.succeeded, false);
    assert.equal(first.http_status, 500);
    assert.equal(typeof first.next_retry_at, 'number');
    assert.equal(second.attempt, 2);
    assert.equal(second.succeeded, true);
    assert.equal(second.http_status, 200);
    assert.equal(second.next_retry_at, null);
    assert.ok(second.created >= first.created);

    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', event), 1);
    const fulfillments = handler.db.prepare('SELECT * FROM fulfillments WHERE order_id = ?').all(order) as AnyJson[];
    assert.equal(fulfillments.length, 1);
    assert.equal(fulfillments[0].event_id, event);
    assert.equal(receiver.statuses.filter((s) => s === 500).length, 1);

    // Sandbank's view of the event: delivered, nothing pending.
    const evt = await stripe.events.retrieve(event);
    assert.equal(evt.type, 'payment_intent.succeeded');
    assert.equal((evt.data.object as Stripe.PaymentIntent).id, paymentIntent);
    assert.equal(evt.pending_webhooks, 0);
  });

  it('a resent event is acknowledged with 200 and not processed again', async () => {
    const event = forcedFailure;
    assert.ok(event);
    const before = (await attempts(event)).length;
    const res = await http(server, 'POST', `/sandbank/v1/events/${event}/resend`, { key, body: '' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'list');
    assert.equal(res.json.data.length, 1, res.text);
    assert.equal(res.json.data[0].object, 'sandbank.webhook_delivery');
    assert.equal(res.json.data[0].event, event);
    assert.equal(res.json.data[0].endpoint, endpoint.id);

    const list = await waitFor('the resent attempt', async () => {
      const data = await attempts(event);
      return data.length > before ? data : undefined;
    });
    assert.equal(list.length, before + 1, JSON.stringify(list));
    const resent = list.at(-1);
    assert.equal(resent.succeeded, true);
    assert.equal(resent.http_status, 200);
    if (resent.response_excerpt !== null) assert.match(resent.response_excerpt, /"duplicate":true/);
    assert.ok(
      receiver.logs.includes(`${event} (payment_intent.succeeded) already processed`),
      receiver.logs.join('\n'),
    );

    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', event), 1);
    const order = (handler.db.prepare('SELECT order_id FROM fulfillments WHERE event_id = ?').get(event) as AnyJson)
      .order_id;
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE order_id = ?', order), 1);
    // The first order was not touched either.
    assert.equal(count(handler, 'SELECT count(*) AS n FROM fulfillments WHERE order_id = ?', paidOrder), 1);
    assert.equal(count(handler, 'SELECT count(*) AS n FROM processed_events WHERE id = ?', paidEvent), 1);
  });
});
