/**
 * Webhook delivery survives `kill -9`: `sandbank serve` runs as a separate process, a burst of 1,000
 * `customers.create` fills the outbox, and the server is SIGKILLed while deliveries are in flight
 * (the receiver answers the first 200 at once, then one a second per connection, so some are
 * mid-POST and most are still queued when the kill lands). Restarted on the same database, it must deliver every one of
 * the 1,000 `customer.created` events — at least once, duplicates allowed and counted, none lost —
 * and the database must hold exactly 1,000 customers and 1,000 events: no change without its event,
 * no event without its change.
 *
 * With SANDBANK_TEST_DB=postgres://… the server gets a fresh schema of that database (dropped at the
 * end): another server's worker on the shared schema would otherwise claim this burst's deliveries
 * with its own retry settings, and this server would claim other tests' deliveries with these.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { type RunningServer, startCliServer } from '../support/cli.js';
import { isolatedSchema, newSecretKey } from '../support/server.js';

const BURST = 1_000;
const CONCURRENCY = 20;
/**
 * The receiver answers this many distinct events at once, then each after SLOW_MS until the kill:
 * with 32 deliveries in flight per endpoint that is ~32/s, so the kill lands mid-delivery however
 * long the burst takes (up to ~25 s), and SLOW_MS stays under the delivery timeout (no failed attempts).
 */
const FAST_FIRST = 200;
const SLOW_MS = 1_000;
const TIMEOUT_MS = 2_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read API bodies field by field
type AnyJson = any;

let dir: string;
let db: string;
let schema: { url: string; drop(): Promise<void> } | undefined;
const children = new Set<ChildProcess>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-webhook-crash-'));
  const configured = process.env.SANDBANK_TEST_DB ?? 'sqlite';
  if (!configured.startsWith('postgres')) {
    db = join(dir, 'crash.db');
    return;
  }
  schema = await isolatedSchema(configured);
  db = schema.url;
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await schema?.drop();
});

/** `sandbank serve` on port 0 with a fast retry schedule; resolves once it prints its URL. */
async function serve(): Promise<RunningServer> {
  const running = await startCliServer([
    '--port',
    '0',
    '--db',
    db,
    '--webhook-timeout',
    String(TIMEOUT_MS),
    '--webhook-retries',
    '1,1,1,1,1',
  ]);
  children.add(running.child);
  running.child.once('exit', () => children.delete(running.child));
  return running;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Receiver {
  url: string;
  /** POSTs per event id, counted on arrival. */
  seen: Map<string, number>;
  posts: number;
  /** Requests the receiver is holding (slow mode) right now. */
  holding: number;
  badSignatures: number;
  slow: boolean;
  secret: string;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    seen: new Map(),
    posts: 0,
    holding: 0,
    badSignatures: 0,
    slow: false,
    secret: '',
    close: async () => undefined,
  };
  const webhooks = Stripe.webhooks;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.posts++;
      let id: string;
      try {
        const event = webhooks.constructEvent(body, String(req.headers['stripe-signature']), receiver.secret);
        id = event.id;
      } catch {
        receiver.badSignatures++;
        id = (JSON.parse(body) as { id: string }).id;
      }
      receiver.seen.set(id, (receiver.seen.get(id) ?? 0) + 1);
      if (receiver.seen.size > FAST_FIRST && receiver.slow) {
        receiver.holding++;
        setTimeout(() => {
          receiver.holding--;
          res.writeHead(200).end('ok');
        }, SLOW_MS);
      } else {
        res.writeHead(200).end('ok');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

async function api(base: string, key: string, method: string, path: string, form?: Record<string, string>) {
  const res = await fetch(base + path, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const json = (await res.json()) as AnyJson;
  assert.equal(res.status, 200, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Every object of a list endpoint (newest first), following `starting_after`. */
async function listAll(base: string, key: string, path: string): Promise<AnyJson[]> {
  const all: AnyJson[] = [];
  let cursor: string | undefined;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(base, key, 'GET', `${path}${sep}limit=100${cursor ? `&starting_after=${cursor}` : ''}`);
    all.push(...page.data);
    if (!page.has_more) return all;
    cursor = page.data[page.data.length - 1].id;
  }
}

async function waitFor(
  what: string,
  ms: number,
  probe: () => boolean | Promise<boolean>,
  state: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}${state()}`);
    await sleep(100);
  }
}

/** The events the receiver never got, and what Sandbank attempted for a few of them. */
async function missing(base: string, key: string, receiver: Receiver): Promise<string> {
  const events = await listAll(base, key, '/v1/events?type=customer.created');
  const lost = events.filter((e) => !receiver.seen.has(e.id));
  const lines = [`${lost.length} of ${events.length} events never reached the receiver`];
  for (const e of lost.slice(0, 5)) {
    const attempts = await api(base, key, 'GET', `/sandbank/v1/webhook_attempts?event=${e.id}`);
    const summary = attempts.data.map((a: AnyJson) => `#${a.attempt} ${a.http_status ?? a.error}`).join(', ');
    lines.push(`  ${e.id} pending_webhooks=${e.pending_webhooks} attempts: ${summary || 'none'}`);
  }
  return lines.join('\n');
}

describe('webhook delivery across kill -9', () => {
  it('delivers every event of a 1,000-event burst at least once after the server is killed mid-delivery', async (t) => {
    const key = newSecretKey();
    const receiver = await startReceiver();
    let running = await serve();
    const state = () =>
      `\nreceiver: ${receiver.seen.size} distinct, ${receiver.posts} POSTs, ${receiver.holding} held\nserver output:\n${(running.stdout() + running.stderr()).slice(-4000)}`;
    try {
      const endpoint = await api(running.url, key, 'POST', '/v1/webhook_endpoints', {
        url: receiver.url,
        'enabled_events[0]': 'customer.created',
      });
      assert.match(endpoint.secret, /^whsec_/);
      receiver.secret = endpoint.secret;
      receiver.slow = true;

      // The burst: 1,000 creates, 20 at a time, each acknowledged before the kill.
      const started = Date.now();
      let next = 0;
      const created: string[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < BURST) {
            const i = next++;
            const customer = await api(running.url, key, 'POST', '/v1/customers', { email: `crash${i}@example.com` });
            created.push(customer.id);
          }
        }),
      );
      const burstMs = Date.now() - started;
      assert.equal(created.length, BURST);
      await waitFor(`the receiver to see ${FAST_FIRST} events`, 20_000, () => receiver.seen.size >= FAST_FIRST, state);

      const atKill = { distinct: receiver.seen.size, posts: receiver.posts, holding: receiver.holding };
      const exited = once(running.child, 'exit');
      process.kill(running.child.pid as number, 'SIGKILL');
      const [, signal] = (await exited) as [number | null, string | null];
      assert.equal(signal, 'SIGKILL');
      assert.ok(atKill.distinct < BURST, `the kill must land mid-delivery (receiver had ${atKill.distinct})`);

      // Restarted on the same database (a new port; the endpoint's URL is the receiver's).
      receiver.slow = false;
      const restartedAt = Date.now();
      running = await serve();
      try {
        await waitFor(`all ${BURST} events at the receiver`, 60_000, () => receiver.seen.size >= BURST, state);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await missing(running.url, key, receiver)}`);
      }
      const allSeenMs = Date.now() - restartedAt;

      // Sandbank recorded every delivery as done (the leased ones come back when their lease ends).
      const events = await listAll(running.url, key, '/v1/events?type=customer.created');
      assert.equal(events.length, BURST, 'exactly one customer.created per customer');
      let pending = -1;
      await waitFor(
        'pending_webhooks to reach 0 on every event',
        30_000,
        async () => {
          const page = await listAll(running.url, key, '/v1/events?type=customer.created');
          pending = page.filter((e) => e.pending_webhooks !== 0).length;
          return pending === 0;
        },
        () => ` (${pending} events still pending)${state()}`,
      );

      const customers = await listAll(running.url, key, '/v1/customers');
      assert.equal(customers.length, BURST);
      assert.deepEqual(new Set(customers.map((c) => c.id)), new Set(created));
      assert.deepEqual(
        new Set(events.map((e) => e.data.object.id)),
        new Set(created),
        'each event is the creation of one of the customers, and each customer has its event',
      );
      assert.deepEqual(
        new Set(receiver.seen.keys()),
        new Set(events.map((e) => e.id)),
        'the receiver got exactly these',
      );
      assert.equal(receiver.badSignatures, 0, 'every delivery verifies with the SDK');

      const duplicates = [...receiver.seen.values()].filter((n) => n > 1).length;
      t.diagnostic(
        `burst ${burstMs} ms; at kill: ${atKill.distinct} distinct seen, ${atKill.posts} POSTs, ${atKill.holding} held mid-response; ` +
          `after restart all ${BURST} seen in ${allSeenMs} ms; ${receiver.posts} POSTs in all, ${duplicates} events delivered more than once`,
      );
    } finally {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        const exited = once(running.child, 'exit');
        running.child.kill('SIGTERM');
        await exited;
      }
      await receiver.close();
    }
  });
});
