/**
 * Webhooks end to end: `/v1/webhook_endpoints` through the official SDK, then delivery to local
 * receivers (node:http servers on 127.0.0.1:0 that record raw bodies and headers and answer as each
 * test scripts): signatures the SDK's `constructEvent` accepts, Stripe's headers, `enabled_events`
 * filtering, disabled and deleted endpoints, retries on the (fast) schedule with every attempt
 * recorded, timeouts and refused connections, pause/resume, resend, a burst to several endpoints,
 * a dead endpoint that must not hold up anyone else's deliveries, and shutting down mid-burst.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, sdk, startServer, type TestServer, testDbKind } from '../support/server.js';
import { assertShape } from '../support/shape.js';

// biome-ignore lint/suspicious/noExplicitAny: tests assert on response bodies field by field
type AnyJson = any;

const RETRIES = [0.2, 0.2, 0.2];
const TIMEOUT_MS = 500;
const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

let server: TestServer;
const receivers: Receiver[] = [];

before(async () => {
  server = await startServer({ webhooks: { retrySchedule: RETRIES, timeoutMs: TIMEOUT_MS, pollMs: 50 } });
});

after(async () => {
  await server?.close();
  for (const r of receivers) await r.close();
});

// ---------------------------------------------------------------------------------------------
// Receivers

/** What a receiver answers: a status, a full response, or `'hang'` (never answer). */
type Reply = number | 'hang' | { status: number; headers?: Record<string, string>; body?: string };

interface Received {
  /** Arrival time (ms). */
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  event: AnyJson;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Decides the answer to the `n`th request (0-based); replaceable at any time. */
  reply: (r: Received, n: number) => Reply;
  /** Distinct event ids received. */
  ids(type?: string): Set<string>;
  close(): Promise<void>;
}

async function receiver(reply: Receiver['reply'] = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: AnyJson;
      try {
        event = JSON.parse(body);
      } catch {
        event = undefined;
      }
      const r: Received = { at: Date.now(), headers: req.headers, body, event };
      received.push(r);
      const answer = rec.reply(r, received.length - 1);
      if (answer === 'hang') return;
      const { status, headers, body: text } = typeof answer === 'number' ? { status: answer } : answer;
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(text ?? `answered ${status}`);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const rec: Receiver = {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/webhooks`,
    received,
    reply,
    ids: (type) => new Set(received.filter((r) => !type || r.event?.type === type).map((r) => r.event?.id as string)),
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
  receivers.push(rec);
  return rec;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function account(on: TestServer = server): { key: string; stripe: Stripe } {
  const key = newSecretKey();
  return { key, stripe: sdk(on.port, key, { telemetry: false }) };
}

function checkEndpoint<T extends Stripe.WebhookEndpoint>(we: T): T {
  assertShape(we, 'WebhookEndpoint', 'webhook_endpoint');
  return we;
}

async function endpoint(
  stripe: Stripe,
  url: string,
  events: string[] = ['*'],
  extra: Partial<Stripe.WebhookEndpointCreateParams> = {},
): Promise<Stripe.WebhookEndpoint & { secret: string }> {
  const we = checkEndpoint(
    await stripe.webhookEndpoints.create({
      url,
      enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      ...extra,
    }),
  );
  assert.match(we.secret ?? '', /^whsec_[0-9A-Za-z]+$/);
  return we as Stripe.WebhookEndpoint & { secret: string };
}

async function pay(stripe: Stripe) {
  return stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    allowed_payment_method_types: ['card'],
    capture_method: 'automatic',
    confirm: true,
  });
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `GET /sandbank/v1/webhook_attempts?…`, oldest first. */
async function attempts(key: string, query: string, on: TestServer = server): Promise<AnyJson[]> {
  const res = await http(on, 'GET', `/sandbank/v1/webhook_attempts?${query}`, { key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.object, 'list');
  assert.equal(res.json.url, '/sandbank/v1/webhook_attempts');
  return res.json.data;
}

const ATTEMPT_FIELDS = [
  'attempt',
  'created',
  'duration_ms',
  'endpoint',
  'error',
  'event',
  'event_type',
  'http_status',
  'id',
  'next_retry_at',
  'object',
  'response_excerpt',
  'succeeded',
  'url',
];

/** An attempt's fields (its `id` is checked by a test of its own, see the todo there). */
function checkAttempt(a: AnyJson): void {
  assert.deepEqual(
    Object.keys(a)
      .filter((k) => k !== 'id')
      .sort(),
    ATTEMPT_FIELDS.filter((k) => k !== 'id'),
  );
  assert.equal(a.object, 'sandbank.webhook_attempt');
  assert.equal(typeof a.created, 'number');
  assert.ok(Math.abs(a.created - Date.now() / 1000) < 120, 'created is now, in Unix seconds');
  assert.match(a.event, /^evt_/);
  assert.match(a.endpoint, /^we_/);
  assert.equal(typeof a.duration_ms, 'number');
  assert.equal(typeof a.succeeded, 'boolean');
}

/** The account's events (of `type`) as `GET /v1/events` lists them, oldest first. */
async function eventsOf(stripe: Stripe, type?: string): Promise<Stripe.Event[]> {
  const all = await stripe.events.list({ limit: 100, ...(type ? { type } : {}) }).autoPagingToArray({ limit: 10_000 });
  return all.reverse();
}

// ---------------------------------------------------------------------------------------------

describe('webhook endpoints: CRUD', () => {
  it('create returns the secret once; retrieve, update, list and delete never show it', async () => {
    const { stripe } = account();
    const we = await endpoint(stripe, 'https://example.com/hooks', ['payment_intent.succeeded', 'charge.failed'], {
      description: 'orders',
      metadata: { team: 'payments' },
    });
    assert.match(we.id, /^we_[0-9A-Za-z]+$/);
    assert.equal(we.object, 'webhook_endpoint');
    assert.equal(we.url, 'https://example.com/hooks');
    assert.deepEqual(we.enabled_events, ['payment_intent.succeeded', 'charge.failed']);
    assert.equal(we.status, 'enabled');
    assert.equal(we.api_version, null);
    assert.equal(we.application, null);
    assert.equal(we.description, 'orders');
    assert.deepEqual(we.metadata, { team: 'payments' });
    assert.equal(we.livemode, false);
    assert.ok(Math.abs(we.created - Date.now() / 1000) < 60);

    const got = checkEndpoint(await stripe.webhookEndpoints.retrieve(we.id));
    assert.equal('secret' in got, false, 'no secret on retrieve');
    const { secret: _secret, ...rest } = we;
    assert.deepEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(rest)));

    const updated = checkEndpoint(
      await stripe.webhookEndpoints.update(we.id, {
        url: 'https://example.com/v2/hooks',
        enabled_events: ['*'],
        description: 'everything',
        metadata: { team: '', region: 'eu' },
      }),
    );
    assert.equal('secret' in updated, false, 'no secret on update');
    assert.equal(updated.url, 'https://example.com/v2/hooks');
    assert.deepEqual(updated.enabled_events, ['*']);
    assert.equal(updated.description, 'everything');
    assert.deepEqual(updated.metadata, { region: 'eu' });

    const disabled = checkEndpoint(await stripe.webhookEndpoints.update(we.id, { disabled: true }));
    assert.equal(disabled.status, 'disabled');
    const enabled = checkEndpoint(await stripe.webhookEndpoints.update(we.id, { disabled: false }));
    assert.equal(enabled.status, 'enabled');

    const second = await endpoint(stripe, 'https://example.com/other');
    const list = await stripe.webhookEndpoints.list();
    assertShape(list, 'ApiList<WebhookEndpoint>');
    assert.equal(list.url, '/v1/webhook_endpoints');
    assert.deepEqual(
      list.data.map((e) => e.id),
      [second.id, we.id],
      'newest first',
    );
    for (const e of list.data) assert.equal('secret' in e, false, 'no secret in lists');
    const page = await stripe.webhookEndpoints.list({ limit: 1 });
    assert.equal(page.has_more, true);
    const rest2 = await stripe.webhookEndpoints.list({ limit: 1, starting_after: page.data[0]?.id as string });
    assert.deepEqual(
      rest2.data.map((e) => e.id),
      [we.id],
    );

    const deleted = await stripe.webhookEndpoints.del(we.id);
    assertShape(deleted, 'DeletedWebhookEndpoint');
    assert.deepEqual(JSON.parse(JSON.stringify(deleted)), { id: we.id, object: 'webhook_endpoint', deleted: true });
    await expectInvalid(stripe.webhookEndpoints.retrieve(we.id), {
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: new RegExp(`^No such webhook.endpoint: '${we.id}'$`),
    });
    await expectInvalid(stripe.webhookEndpoints.update(we.id, { description: 'x' }), { statusCode: 404 });
    await expectInvalid(stripe.webhookEndpoints.del(we.id), { statusCode: 404 });
    assert.deepEqual(
      (await stripe.webhookEndpoints.list()).data.map((e) => e.id),
      [second.id],
    );
    // Another account sees none of them.
    await expectInvalid(account().stripe.webhookEndpoints.retrieve(second.id), { statusCode: 404 });
  });

  it('validates enabled_events against the known event names, the url and api_version', async () => {
    const { stripe } = account();
    const bad = ['charge.succeeded', 'charge.exploded'] as Stripe.WebhookEndpointCreateParams.EnabledEvent[];
    const err = await expectInvalid(
      stripe.webhookEndpoints.create({ url: 'https://example.com/h', enabled_events: bad }),
      {
        param: 'enabled_events[1]',
      },
    );
    assert.match(err.message, /charge\.exploded/);
    await expectInvalid(stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['charge.succeeded'] }), {
      param: 'url',
    });
    await expectInvalid(
      stripe.webhookEndpoints.create({ url: 'ftp://example.com/h', enabled_events: ['charge.succeeded'] }),
      { param: 'url' },
    );
    await expectInvalid(
      stripe.webhookEndpoints.create({
        url: 'https://example.com/h',
        enabled_events: ['charge.succeeded'],
        api_version: 'yesterday' as Stripe.WebhookEndpointCreateParams.ApiVersion,
      }),
      { param: 'api_version' },
    );
    const we = await endpoint(stripe, 'https://example.com/h', ['charge.succeeded']);
    await expectInvalid(
      stripe.webhookEndpoints.update(we.id, {
        enabled_events: [
          'charge.succeeded',
          'customer.created',
          'nope.nope',
        ] as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
      }),
      { param: 'enabled_events[2]' },
    );
    await expectInvalid(stripe.webhookEndpoints.update(we.id, { url: 'mailto:x@example.com' }), { param: 'url' });
    assert.deepEqual((await stripe.webhookEndpoints.retrieve(we.id)).enabled_events, ['charge.succeeded']);
  });

  it('echoes the endpoint api_version', async () => {
    const { stripe } = account();
    const we = await endpoint(stripe, 'https://example.com/h', ['*'], {
      api_version: '2024-06-20' as Stripe.WebhookEndpointCreateParams.ApiVersion,
    });
    assert.equal(we.api_version, '2024-06-20');
    assert.equal((await stripe.webhookEndpoints.retrieve(we.id)).api_version, '2024-06-20');
  });
});

describe('webhooks: delivery', () => {
  it('a payment reaches the receiver signed: constructEvent accepts it and rejects a tampered body', async () => {
    const { stripe } = account();
    const r = await receiver();
    const we = await endpoint(stripe, r.url);
    const pi = await pay(stripe);
    await server.app.webhooks.runOnce();
    await waitFor('three events', () => r.ids().size >= 3);
    const types = new Set(r.received.map((x) => x.event.type));
    for (const t of ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded']) {
      assert.ok(types.has(t), `${t} delivered (got ${[...types].join(', ')})`);
    }
    const nowS = Math.floor(Date.now() / 1000);
    for (const got of r.received) {
      assert.equal(got.headers['user-agent'], USER_AGENT);
      assert.equal(got.headers['content-type'], 'application/json; charset=utf-8');
      const header = got.headers['stripe-signature'] as string;
      assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
      const t = Number(/^t=(\d+)/.exec(header)?.[1]);
      assert.ok(Math.abs(t - nowS) <= 5, 'the signature timestamp is now');

      const event = stripe.webhooks.constructEvent(got.body, header, we.secret);
      assert.equal(event.id, got.event.id);
      assert.deepEqual(JSON.parse(JSON.stringify(event)), got.event);
      assert.throws(
        () => stripe.webhooks.constructEvent(got.body.replace(got.event.id, 'evt_tampered'), header, we.secret),
        Stripe.errors.StripeSignatureVerificationError,
      );
      assert.throws(
        () => stripe.webhooks.constructEvent(got.body, header, 'whsec_not_the_secret'),
        Stripe.errors.StripeSignatureVerificationError,
      );

      // The body is the event as the API shows it.
      const { pending_webhooks: _p, ...delivered } = got.event;
      const { pending_webhooks: _q, lastResponse: _r, ...listed } = await stripe.events.retrieve(event.id);
      assert.deepEqual(delivered, JSON.parse(JSON.stringify(listed)));
      assert.equal(got.event.object, 'event');
    }
    const succeeded = r.received.find((x) => x.event.type === 'payment_intent.succeeded');
    assert.equal(succeeded?.event.data.object.id, pi.id);
    assert.equal(succeeded?.event.data.object.status, 'succeeded');
  });

  it('constructEvent also accepts the signature of an endpoint secret generated for the test header helper', async () => {
    // Sandbank's signature scheme is Stripe's: recompute it with the SDK's own test header helper.
    const { stripe } = account();
    const r = await receiver();
    const we = await endpoint(stripe, r.url, ['customer.created']);
    await stripe.customers.create();
    await waitFor('customer.created', () => r.received.length >= 1);
    const got = r.received[0] as Received;
    const t = Number(/^t=(\d+)/.exec(got.headers['stripe-signature'] as string)?.[1]);
    const expected = stripe.webhooks.generateTestHeaderString({ payload: got.body, secret: we.secret, timestamp: t });
    assert.equal(got.headers['stripe-signature'], expected);
  });

  it('enabled_events filters: * gets everything, a specific list only those types', async () => {
    const { stripe } = account();
    const all = await receiver();
    const charges = await receiver();
    const customers = await receiver();
    await endpoint(stripe, all.url, ['*']);
    await endpoint(stripe, charges.url, ['charge.succeeded']);
    await endpoint(stripe, customers.url, ['customer.created', 'customer.deleted']);
    await pay(stripe);
    const c = await stripe.customers.create();
    await stripe.customers.del(c.id);
    const events = await eventsOf(stripe);
    await server.app.webhooks.runOnce();
    await waitFor('everything at *', () => all.ids().size === events.length);
    await waitFor('the rest', () => charges.received.length >= 1 && customers.received.length >= 2);
    await sleep(100);
    assert.deepEqual(all.ids(), new Set(events.map((e) => e.id)));
    assert.deepEqual(
      charges.received.map((x) => x.event.type),
      ['charge.succeeded'],
    );
    assert.deepEqual(customers.received.map((x) => x.event.type).sort(), ['customer.created', 'customer.deleted']);
  });

  it('an endpoint created after an event does not get it', async () => {
    const { stripe } = account();
    const r = await receiver();
    const early = await stripe.customers.create({ name: 'before' });
    await server.app.webhooks.runOnce();
    await endpoint(stripe, r.url, ['customer.created']);
    const later = await stripe.customers.create({ name: 'after' });
    await server.app.webhooks.runOnce();
    await waitFor('the later event', () => r.received.length >= 1);
    await sleep(100);
    assert.deepEqual(
      r.received.map((x) => x.event.data.object.id),
      [later.id],
    );
    assert.notEqual(early.id, later.id);
  });

  it('an endpoint with an api_version gets events stamped with that version', async () => {
    const { stripe } = account();
    const r = await receiver();
    await endpoint(stripe, r.url, ['customer.created'], {
      api_version: '2024-06-20' as Stripe.WebhookEndpointCreateParams.ApiVersion,
    });
    await stripe.customers.create();
    await waitFor('customer.created', () => r.received.length >= 1);
    assert.equal(r.received[0]?.event.api_version, '2024-06-20');
  });

  it('a disabled endpoint gets nothing until enabled again; a deleted one gets nothing', async () => {
    const { stripe } = account();
    const control = await receiver();
    const off = await receiver();
    const gone = await receiver();
    await endpoint(stripe, control.url, ['customer.created']);
    const weOff = await endpoint(stripe, off.url, ['customer.created']);
    const weGone = await endpoint(stripe, gone.url, ['customer.created']);
    const disabled = checkEndpoint(await stripe.webhookEndpoints.update(weOff.id, { disabled: true }));
    assert.equal(disabled.status, 'disabled');
    await stripe.webhookEndpoints.del(weGone.id);

    const first = await stripe.customers.create();
    await server.app.webhooks.runOnce();
    await waitFor('the control delivery', () => control.ids().has(eventIdOf(control, first.id)));
    await sleep(150);
    await server.app.webhooks.runOnce();
    assert.equal(off.received.length, 0, 'disabled: no delivery');
    assert.equal(gone.received.length, 0, 'deleted: no delivery');

    await stripe.webhookEndpoints.update(weOff.id, { disabled: false });
    const second = await stripe.customers.create();
    await waitFor('delivery once enabled', () => off.received.length >= 1);
    await sleep(100);
    assert.deepEqual(
      off.received.map((x) => x.event.data.object.id),
      [second.id],
      'only events after re-enabling',
    );
    assert.equal(gone.received.length, 0);
  });

  it('disabling or deleting an endpoint stops its retries', async () => {
    const { key, stripe } = account();
    const failing = await receiver(() => 500);
    const failing2 = await receiver(() => 500);
    const a = await endpoint(stripe, failing.url, ['customer.created']);
    const b = await endpoint(stripe, failing2.url, ['customer.created']);
    await stripe.customers.create();
    await waitFor('first attempts', () => failing.received.length >= 1 && failing2.received.length >= 1);
    await stripe.webhookEndpoints.update(a.id, { disabled: true });
    await stripe.webhookEndpoints.del(b.id);
    const [n1, n2] = [failing.received.length, failing2.received.length];
    await sleep(1200);
    await server.app.webhooks.runOnce();
    assert.ok(failing.received.length <= n1 + 1, `no retries after disabling (${failing.received.length})`);
    assert.ok(failing2.received.length <= n2 + 1, `no retries after deleting (${failing2.received.length})`);
    const tried = await attempts(key, `endpoint=${a.id}`);
    assert.equal(tried.length, failing.received.length);
  });
});

/** The id of the event about object `id` that `r` received ('' if none yet). */
function eventIdOf(r: Receiver, id: string): string {
  return r.received.find((x) => x.event?.data?.object?.id === id)?.event.id ?? '';
}

describe('webhooks: retries and failures', () => {
  it('a receiver failing twice then answering 200: three attempts, all recorded', async () => {
    const { key, stripe } = account();
    const r = await receiver((_x, n) => (n < 2 ? { status: 500, body: `boom ${n}` } : { status: 200, body: 'thanks' }));
    const we = await endpoint(stripe, r.url, ['customer.created']);
    const c = await stripe.customers.create();
    const [event] = await eventsOf(stripe, 'customer.created');
    assert.ok(event);
    await waitFor('three attempts', async () => (await attempts(key, `event=${event.id}`)).length >= 3);
    await sleep(500);
    const list = await attempts(key, `event=${event.id}`);
    for (const a of list) checkAttempt(a);
    assert.equal(list.length, 3, 'no attempt after the success');
    assert.deepEqual(
      list.map((a) => a.http_status),
      [500, 500, 200],
    );
    assert.deepEqual(
      list.map((a) => a.succeeded),
      [false, false, true],
    );
    assert.deepEqual(
      list.map((a) => a.attempt),
      [1, 2, 3],
    );
    for (const a of list) {
      assert.equal(a.event, event.id);
      assert.equal(a.event_type, 'customer.created');
      assert.equal(a.endpoint, we.id);
      assert.equal(a.url, r.url);
    }
    const [a1, a2, a3] = list;
    assert.equal(typeof a1.next_retry_at, 'number');
    assert.equal(typeof a2.next_retry_at, 'number');
    assert.equal(a3.next_retry_at, null);
    assert.ok(a1.next_retry_at >= a1.created && a1.next_retry_at - a1.created <= 2, 'retry ~0.2 s later');
    assert.equal(a1.response_excerpt, 'boom 0');
    assert.equal(a3.response_excerpt, 'thanks');
    assert.equal(typeof a1.error, 'string');
    assert.equal(a3.error, null);

    // The receiver saw the same event three times, each attempt signed.
    assert.deepEqual(
      r.received.map((x) => x.event.id),
      [event.id, event.id, event.id],
    );
    for (const x of r.received)
      stripe.webhooks.constructEvent(x.body, x.headers['stripe-signature'] as string, we.secret);
    assert.equal(r.received[2]?.event.data.object.id, c.id);

    const delivered = await stripe.events.retrieve(event.id);
    assert.equal(delivered.pending_webhooks, 0);
    const ok = await stripe.events.list({ delivery_success: true });
    assert.ok(ok.data.some((e) => e.id === event.id));

    // Filters: by endpoint and by event.
    assert.equal((await attempts(key, `endpoint=${we.id}`)).length, 3);
    assert.deepEqual(await attempts(key, 'event=evt_unknown'), []);
    assert.deepEqual(await attempts(key, 'endpoint=we_unknown'), []);
    // Another account sees none of them.
    assert.deepEqual(await attempts(newSecretKey(), `event=${event.id}`), []);
  });

  it('every attempt has a wha_ id, and `after` tails the newer ones', async () => {
    const { key, stripe } = account();
    const r = await receiver((_x, n) => (n < 2 ? 500 : 200));
    await endpoint(stripe, r.url, ['customer.created']);
    await stripe.customers.create();
    const [event] = await eventsOf(stripe, 'customer.created');
    await waitFor('three attempts', async () => (await attempts(key, `event=${event?.id}`)).length >= 3);
    const list = await attempts(key, `event=${event?.id}`);
    for (const a of list) assert.deepEqual(Object.keys(a).sort(), ATTEMPT_FIELDS);
    for (const a of list) assert.match(a.id, /^wha_[0-9A-Za-z]+$/);
    assert.equal(new Set(list.map((a) => a.id)).size, 3);
    const [a1, a2, a3] = list;
    assert.deepEqual(
      (await attempts(key, `event=${event?.id}&after=${a1.id}`)).map((a) => a.id),
      [a2.id, a3.id],
    );
    assert.deepEqual(await attempts(key, `event=${event?.id}&after=${a3.id}`), []);
  });

  it('a receiver always failing: schedule length + 1 attempts, then the delivery has failed', async () => {
    const { key, stripe } = account();
    const r = await receiver(() => 503);
    await endpoint(stripe, r.url, ['customer.created']);
    await stripe.customers.create();
    const [event] = await eventsOf(stripe, 'customer.created');
    assert.ok(event);
    const total = RETRIES.length + 1;
    await waitFor(`${total} attempts`, async () => (await attempts(key, `event=${event.id}`)).length >= total);
    await sleep(600);
    await server.app.webhooks.runOnce();
    const list = await attempts(key, `event=${event.id}`);
    assert.equal(list.length, total, 'no attempt after the last retry');
    assert.equal(r.received.length, total);
    assert.deepEqual(
      list.map((a) => [a.attempt, a.http_status, a.succeeded]),
      Array.from({ length: total }, (_, i) => [i + 1, 503, false]),
    );
    assert.deepEqual(
      list.map((a) => a.next_retry_at === null),
      [...RETRIES.map(() => false), true],
      'next_retry_at on every attempt but the last',
    );
    const failed = await stripe.events.list({ delivery_success: false });
    assert.deepEqual(
      failed.data.map((e) => e.id),
      [event.id],
    );
    assert.deepEqual((await stripe.events.list({ delivery_success: true })).data, []);
    assert.equal((await stripe.events.retrieve(event.id)).pending_webhooks, 1);
  });

  it('3xx is a failure and redirects are not followed; 4xx is a failure', async () => {
    const { key, stripe } = account();
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 302, headers: { Location: target.url } }));
    const gone = await receiver(() => 410);
    await endpoint(stripe, redirecting.url, ['customer.created']);
    await endpoint(stripe, gone.url, ['customer.created']);
    await stripe.customers.create();
    const [event] = await eventsOf(stripe, 'customer.created');
    await waitFor('first attempts', async () => (await attempts(key, `event=${event?.id}`)).length >= 2);
    const list = await attempts(key, `event=${event?.id}`);
    assert.deepEqual(list.map((a) => a.http_status).sort(), [302, 410]);
    for (const a of list) assert.equal(a.succeeded, false);
    assert.equal(target.received.length, 0, 'the redirect was not followed');
  });

  it('a receiver that never answers times out; other endpoints of the account get their events promptly', async () => {
    const { key, stripe } = account();
    const hung = await receiver(() => 'hang');
    const fast = await receiver();
    const weHung = await endpoint(stripe, hung.url, ['customer.created']);
    await endpoint(stripe, fast.url, ['customer.created']);
    const started = Date.now();
    await stripe.customers.create();
    await waitFor('the fast delivery', () => fast.received.length >= 1);
    const fastAt = (fast.received[0] as Received).at;
    await waitFor('the hung endpoint is tried too', () => hung.received.length >= 1);
    const hungAt = (hung.received[0] as Received).at;
    assert.ok(
      fastAt < hungAt + TIMEOUT_MS,
      `delivered ${fastAt - started} ms after the create, before the hung request (${hungAt - started} ms) timed out`,
    );
    const [first] = await waitFor('the timed-out attempt', async () => {
      const list = await attempts(key, `endpoint=${weHung.id}`);
      return list.length >= 1 ? list : undefined;
    });
    checkAttempt(first);
    assert.equal(first.succeeded, false);
    assert.equal(first.http_status, null);
    assert.match(first.error ?? '', /time/i);
    assert.ok(first.duration_ms >= TIMEOUT_MS - 50, `duration ${first.duration_ms} ms ≈ the timeout`);
    assert.ok(first.duration_ms < TIMEOUT_MS + 1000);
    assert.equal(typeof first.next_retry_at, 'number');
  });

  it('connection refused: a failed attempt with error set and http_status null', async () => {
    const { key, stripe } = account();
    const port = await closedPort();
    const we = await endpoint(stripe, `http://127.0.0.1:${port}/nobody`, ['customer.created']);
    await stripe.customers.create();
    const [first] = await waitFor('the refused attempt', async () => {
      const list = await attempts(key, `endpoint=${we.id}`);
      return list.length >= 1 ? list : undefined;
    });
    checkAttempt(first);
    assert.equal(first.succeeded, false);
    assert.equal(first.http_status, null);
    assert.equal(first.response_excerpt, null);
    assert.match(first.error ?? '', /ECONNREFUSED|refused/i);
  });
});

describe('webhooks: pause, resume and resend', () => {
  it('payments while paused deliver nothing; resume delivers them', async () => {
    const { key, stripe } = account();
    const r = await receiver();
    await endpoint(stripe, r.url);
    const initial = await http(server, 'GET', '/sandbank/v1/webhooks', { key });
    assert.deepEqual(initial.json, { object: 'sandbank.webhook_settings', paused: false });
    const paused = await http(server, 'POST', '/sandbank/v1/webhooks/pause', { key });
    assert.equal(paused.status, 200, paused.text);
    assert.deepEqual(paused.json, { object: 'sandbank.webhook_settings', paused: true });
    assert.equal((await http(server, 'GET', '/sandbank/v1/webhooks', { key })).json.paused, true);

    await pay(stripe);
    await server.app.webhooks.runOnce();
    await sleep(300);
    await server.app.webhooks.runOnce();
    assert.equal(r.received.length, 0, 'nothing is sent while paused');
    const events = await eventsOf(stripe);
    assert.ok(events.length >= 3);
    for (const e of events) assert.equal(e.pending_webhooks, 1, `${e.type} is pending`);

    const resumed = await http(server, 'POST', '/sandbank/v1/webhooks/resume', { key });
    assert.deepEqual(resumed.json, { object: 'sandbank.webhook_settings', paused: false });
    await waitFor('every event', () => r.ids().size === events.length);
    assert.deepEqual(r.ids(), new Set(events.map((e) => e.id)));
  });

  it("pausing one account does not hold up another's deliveries", async () => {
    const a = account();
    const b = account();
    const ra = await receiver();
    const rb = await receiver();
    await endpoint(a.stripe, ra.url, ['customer.created']);
    await endpoint(b.stripe, rb.url, ['customer.created']);
    await http(server, 'POST', '/sandbank/v1/webhooks/pause', { key: a.key });
    await a.stripe.customers.create();
    await b.stripe.customers.create();
    await waitFor("b's delivery", () => rb.received.length >= 1);
    assert.equal(ra.received.length, 0);
    await http(server, 'POST', '/sandbank/v1/webhooks/resume', { key: a.key });
    await waitFor("a's delivery", () => ra.received.length >= 1);
  });

  it('resend delivers an event again with a fresh signature, to every matching endpoint or to one', async () => {
    const { key, stripe } = account();
    const r1 = await receiver();
    const r2 = await receiver();
    const we1 = await endpoint(stripe, r1.url, ['customer.created']);
    const we2 = await endpoint(stripe, r2.url, ['customer.created']);
    await stripe.customers.create();
    const [event] = await eventsOf(stripe, 'customer.created');
    assert.ok(event);
    await waitFor('first deliveries', () => r1.received.length >= 1 && r2.received.length >= 1);
    // Let a second pass so the new signature has a new timestamp.
    await sleep(1100);

    const all = await http(server, 'POST', `/sandbank/v1/events/${event.id}/resend`, { key });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.object, 'list');
    assert.equal(all.json.has_more, false);
    assert.deepEqual(
      all.json.data.map((d: AnyJson) => [d.object, d.event, d.endpoint, d.status]).sort(),
      [
        ['sandbank.webhook_delivery', event.id, we1.id, 'pending'],
        ['sandbank.webhook_delivery', event.id, we2.id, 'pending'],
      ].sort(),
    );
    await waitFor('second deliveries', () => r1.received.length >= 2 && r2.received.length >= 2);
    for (const [r, we] of [
      [r1, we1],
      [r2, we2],
    ] as const) {
      const [first, second] = r.received as [Received, Received];
      assert.equal(second.event.id, event.id);
      assert.notEqual(second.headers['stripe-signature'], first.headers['stripe-signature'], 'a fresh signature');
      const t1 = Number(/^t=(\d+)/.exec(first.headers['stripe-signature'] as string)?.[1]);
      const t2 = Number(/^t=(\d+)/.exec(second.headers['stripe-signature'] as string)?.[1]);
      assert.ok(t2 > t1, 'a fresh timestamp');
      stripe.webhooks.constructEvent(second.body, second.headers['stripe-signature'] as string, we.secret);
    }

    const one = await http(server, 'POST', `/sandbank/v1/events/${event.id}/resend`, {
      key,
      body: `endpoint=${we2.id}`,
    });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      one.json.data.map((d: AnyJson) => d.endpoint),
      [we2.id],
    );
    await waitFor('third delivery to r2', () => r2.received.length >= 3);
    await sleep(100);
    assert.equal(r1.received.length, 2, 'only the named endpoint');
    const list = await attempts(key, `event=${event.id}&endpoint=${we2.id}`);
    assert.equal(list.length, 3);

    const missing = await http(server, 'POST', '/sandbank/v1/events/evt_nope/resend', { key });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.json.error.code, 'resource_missing');
    const noEndpoint = await http(server, 'POST', `/sandbank/v1/events/${event.id}/resend`, {
      key,
      body: 'endpoint=we_nope',
    });
    // A bad parameter (not the path's id) is a 400, as for list cursors.
    assert.equal(noEndpoint.status, 400, noEndpoint.text);
    assert.equal(noEndpoint.json.error.code, 'resource_missing');
    assert.equal(noEndpoint.json.error.param, 'endpoint');
  });
});

/**
 * On PostgreSQL a transaction's event `seq` is taken at INSERT but becomes visible at COMMIT, so
 * anything that followed a position in `seq` would skip an event whose transaction commits after a
 * later one. Deliveries are written with their events instead; this test holds the outbox to that.
 */
describe('webhooks: at least once', () => {
  it(
    'an event whose transaction commits after a later event is still delivered',
    testDbKind() === 'postgres'
      ? {}
      : { skip: 'SQLite serialises write transactions: commits cannot overtake each other' },
    async () => {
      const { key, stripe } = account();
      const r = await receiver();
      await endpoint(stripe, r.url, ['customer.created']);
      const me = await http(server, 'GET', '/sandbank/v1/account', { key });
      const acct = me.json.id as string;
      const event = (id: string) => ({
        id,
        object: 'event',
        api_version: '2026-10-28.endive',
        created: Math.floor(Date.now() / 1000) + 1,
        data: { object: { id: `cus_${id.slice(4)}`, object: 'customer' } },
        livemode: false,
        pending_webhooks: 0,
        request: { id: null, idempotency_key: null },
        type: 'customer.created',
      });
      const write = (id: string) => ({
        account: acct,
        id,
        type: 'customer.created',
        created: event(id).created,
        json: JSON.stringify(event(id)),
      });
      let commitSlow!: () => void;
      const slowMayCommit = new Promise<void>((resolve) => (commitSlow = resolve));
      let slowInserted!: () => void;
      const inserted = new Promise<void>((resolve) => (slowInserted = resolve));
      // The slow transaction takes its seq first and commits last, as a long API write would.
      const slow = server.app.store.transaction(async (tx) => {
        await server.app.outbox.publish(tx, write('evt_slowslowslowslowslow01'));
        slowInserted();
        await slowMayCommit;
      });
      await inserted;
      await server.app.store.transaction((tx) => server.app.outbox.publish(tx, write('evt_fastfastfastfastfast01')));
      await server.app.webhooks.runOnce();
      commitSlow();
      await slow;
      await server.app.webhooks.runOnce();
      await waitFor('the fast event', () => r.ids().has('evt_fastfastfastfastfast01'), 3000);
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && !r.ids().has('evt_slowslowslowslowslow01')) {
        await server.app.webhooks.runOnce();
        await sleep(50);
      }
      assert.deepEqual([...r.ids()].sort(), ['evt_fastfastfastfastfast01', 'evt_slowslowslowslowslow01']);
    },
  );
});

describe('webhooks: volume', () => {
  it('a burst of 200 events to 3 endpoints: every endpoint gets every event', async () => {
    const { key, stripe } = account();
    const rs = [await receiver(), await receiver(), await receiver()];
    for (const r of rs) await endpoint(stripe, r.url, ['customer.created']);
    const started = Date.now();
    const customers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => stripe.customers.create({ name: `c${i}` })),
    );
    const events = await eventsOf(stripe, 'customer.created');
    assert.equal(events.length, 200);
    const ids = new Set(events.map((e) => e.id));
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && rs.some((r) => r.ids().size < 200)) await sleep(25);
    const elapsed = Date.now() - started;
    for (const [i, r] of rs.entries()) {
      const missing = [...ids].filter((id) => !r.ids().has(id));
      if (missing.length > 0) {
        // Say what became of the missing ones: never dispatched (no attempt, pending_webhooks 0), or stuck.
        const sample = missing.slice(0, 3);
        const detail = await Promise.all(
          sample.map(async (id) => {
            const e = await stripe.events.retrieve(id);
            const tried = await attempts(key, `event=${id}`);
            return `${id}: pending_webhooks=${e.pending_webhooks} attempts=${tried.length}`;
          }),
        );
        assert.fail(
          `receiver ${i} lacks ${missing.length} of 200 events after ${elapsed} ms; e.g. ${detail.join('; ')}`,
        );
      }
      assert.deepEqual(r.ids(), ids);
      for (const x of r.received) assert.ok(x.event, `every body is an event (got ${JSON.stringify(x.body)})`);
    }
    assert.deepEqual(new Set(rs[0]?.received.map((x) => x.event.data.object.id)), new Set(customers.map((c) => c.id)));
  });
});

describe('webhooks: isolation of a dead endpoint', () => {
  let small: TestServer;

  before(async () => {
    // Small limits so that a dead endpoint's backlog could fill them quickly.
    small = await startServer({
      webhooks: { retrySchedule: [0.2], timeoutMs: 800, pollMs: 50, perEndpoint: 2, concurrency: 8 },
    });
  });

  after(async () => {
    await small?.close();
  });

  it("a backlog for a hanging endpoint never delays another endpoint's deliveries", async () => {
    const { stripe } = account(small);
    const hung = await receiver(() => 'hang');
    const fast = await receiver();
    await endpoint(stripe, hung.url, ['customer.created']);
    await endpoint(stripe, fast.url, ['charge.succeeded']);
    // 12 deliveries for the dead endpoint: 2 in flight, the rest claimed behind them.
    await Promise.all(Array.from({ length: 12 }, () => stripe.customers.create()));
    await waitFor('the hung endpoint is being tried', () => hung.received.length >= 1);
    const started = Date.now();
    await pay(stripe);
    const deadline = started + 1500;
    while (Date.now() < deadline && fast.received.length === 0) await sleep(20);
    const took = fast.received.length > 0 ? `${(fast.received[0] as Received).at - started} ms` : 'more than 1500 ms';
    assert.ok(
      fast.received.length > 0 && (fast.received[0] as Received).at - started < 500,
      `charge.succeeded reached the healthy endpoint after ${took} (the dead endpoint's timeout is 800 ms)`,
    );
  });
});

describe('webhooks: shutdown', () => {
  it('closing the server mid-burst stops delivering and records nothing into a closed store', async () => {
    const errors: string[] = [];
    const doomed = await startServer({
      webhooks: { retrySchedule: [0.2], timeoutMs: 500, pollMs: 50 },
      onInternalError: (err, id) => errors.push(`${id}: ${(err as Error).message}`),
    });
    const { stripe } = account(doomed);
    const slow = await receiver((_x) => 'hang');
    const fast = await receiver();
    await endpoint(stripe, slow.url);
    await endpoint(stripe, fast.url);
    await Promise.all(Array.from({ length: 200 }, () => stripe.customers.create()));
    await sleep(100);
    await doomed.close();
    const [slowAtClose, fastAtClose] = [slow.received.length, fast.received.length];
    await sleep(1500);
    assert.deepEqual(errors.slice(0, 3), [], `${errors.length} internal errors after close`);
    assert.equal(slow.received.length, slowAtClose, 'no POST after close');
    assert.equal(fast.received.length, fastAtClose, 'no POST after close');
  });
});
