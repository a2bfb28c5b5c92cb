/**
 * The `webhooks` bench scenario: how fast Sandbank delivers events to a local receiver (a
 * `node:http` server in the bench process that answers 200 at once), one endpoint listening for
 * `customer.created`, each phase on a fresh account:
 *
 *   delivery     the pipeline alone: deliveries paused (`POST /sandbank/v1/webhooks/pause`), N
 *                customers created, then resumed; events/s from the resume until the receiver has
 *                answered 200 to all N (dispatch, claim, sign, POST, record)
 *   end to end   N customers created as fast as `concurrency` connections go, deliveries live;
 *                events/s from the first create until the receiver's last 200, and the latency of
 *                each event from its create's response to its delivery (bounded by the create rate)
 *
 * Environment: BENCH_WEBHOOK_EVENTS (N, default 5000), BENCH_CONNECTIONS (create concurrency).
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WEBHOOK_TARGET_EVENTS_PER_SECOND = 2_000;

export interface WebhookPhase {
  events: number;
  /** Distinct events delivered (the receiver answered 200). */
  delivered: number;
  /** POSTs beyond one per event (at-least-once redeliveries). */
  duplicates: number;
  ms: number;
  eventsPerSecond: number;
  /** Sandbank's CPU time (user + system) per event over the phase; null when unknown (off Linux). */
  serverCpuUsPerEvent: number | null;
}

export interface WebhookBenchResult {
  name: 'webhooks';
  target: number;
  pass: boolean;
  delivery: WebhookPhase;
  endToEnd: WebhookPhase & {
    createsPerSecond: number;
    /** From a create's response to its event's delivery. */
    latencyP50Ms: number;
    latencyP99Ms: number;
  };
}

interface Receiver {
  url: string;
  /** Per event id: POSTs received. */
  seen: Map<string, number>;
  /** Per customer id: when its event was answered 200 (ms, performance.now()). */
  deliveredAt: Map<string, number>;
  /** When the latest event was answered. */
  lastAt: number;
  /** Resolves, with when it happened, once `n` distinct events have been answered. */
  until(n: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let waiter: { n: number; resolve: (at: number) => void } | undefined;
  const r: Receiver = {
    url: '',
    seen: new Map(),
    deliveredAt: new Map(),
    lastAt: 0,
    until: (n, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        if (r.seen.size >= n) return resolve(r.lastAt);
        const timer = setTimeout(
          () => reject(new Error(`webhooks: only ${r.seen.size} of ${n} events delivered after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiter = {
          n,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: string;
        data: { object: { id: string } };
      };
      res.writeHead(200).end();
      const now = performance.now();
      r.seen.set(event.id, (r.seen.get(event.id) ?? 0) + 1);
      if (!r.deliveredAt.has(event.data.object.id)) r.deliveredAt.set(event.data.object.id, now);
      r.lastAt = now;
      if (waiter && r.seen.size >= waiter.n) {
        waiter.resolve(now);
        waiter = undefined;
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

/** Keep-alive connections for the bench's own requests (lighter than `fetch` on a small machine). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(base: string, key: string, path: string, form: Record<string, string> = {}): Promise<{ id?: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      {
        method: 'POST',
        agent,
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            id?: string;
            error?: { message?: string };
          };
          if (res.statusCode === 200) resolve(json);
          else reject(new Error(`webhooks: POST ${path} → ${res.statusCode} ${json.error?.message ?? ''}`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A fresh account with an endpoint for `customer.created` at the receiver. */
async function account(base: string, receiver: Receiver): Promise<string> {
  const key = `sk_test_benchwh${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await post(base, key, '/v1/webhook_endpoints', { url: receiver.url, 'enabled_events[0]': 'customer.created' });
  return key;
}

/** Creates `n` customers, `concurrency` at a time; resolves with when each create returned, by id. */
async function createCustomers(base: string, key: string, n: number, concurrency: number) {
  const createdAt = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const customer = await post(base, key, '/v1/customers', { email: 'webhooks@example.com' });
        createdAt.set(customer.id as string, performance.now());
      }
    }),
  );
  return createdAt;
}

function phase(events: number, receiver: Receiver, ms: number, cpuSeconds: number | null): WebhookPhase {
  const posts = [...receiver.seen.values()].reduce((a, b) => a + b, 0);
  return {
    events,
    delivered: receiver.seen.size,
    duplicates: posts - receiver.seen.size,
    ms,
    eventsPerSecond: (receiver.seen.size * 1000) / ms,
    serverCpuUsPerEvent: cpuSeconds === null ? null : (cpuSeconds * 1e6) / events,
  };
}

function cpuSince(read: () => number | null, before: number | null): number | null {
  const after = read();
  return before === null || after === null ? null : after - before;
}

function cpuNote(p: WebhookPhase): string {
  return p.serverCpuUsPerEvent === null ? '' : `, server CPU ${p.serverCpuUsPerEvent.toFixed(0)} µs/event`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function benchWebhooks(opts: {
  url: string;
  events: number;
  concurrency: number;
  log: (line: string) => void;
  /** Sandbank's CPU seconds so far (user + system), or null. */
  serverCpuSeconds?: () => number | null;
}): Promise<WebhookBenchResult> {
  const { url, events, concurrency, log } = opts;
  const cpu = opts.serverCpuSeconds ?? (() => null);
  const deadlineMs = Math.max(60_000, events * 20);

  // The delivery pipeline alone: queue N events with delivery paused, then time the resume.
  const queued = await startReceiver();
  let delivery: WebhookPhase;
  try {
    const key = await account(url, queued);
    await post(url, key, '/sandbank/v1/webhooks/pause');
    log(`  webhooks: queueing ${events} events with delivery paused…`);
    await createCustomers(url, key, events, concurrency);
    const cpuBefore = cpu();
    const start = performance.now();
    await post(url, key, '/sandbank/v1/webhooks/resume');
    const done = await queued.until(events, deadlineMs);
    delivery = phase(events, queued, done - start, cpuSince(cpu, cpuBefore));
    log(
      `  webhooks: delivery   ${delivery.eventsPerSecond.toFixed(0).padStart(6)} events/s  (${events} queued events delivered in ${delivery.ms.toFixed(0)} ms${cpuNote(delivery)})`,
    );
  } finally {
    await queued.close();
  }

  // End to end: create as fast as the connections go, deliveries live.
  const live = await startReceiver();
  try {
    const key = await account(url, live);
    const cpuBefore = cpu();
    const start = performance.now();
    const createdAt = await createCustomers(url, key, events, concurrency);
    const createdMs = performance.now() - start;
    const done = await live.until(events, deadlineMs);
    const latencies = [...createdAt]
      .map(([id, at]) => (live.deliveredAt.get(id) ?? Number.NaN) - at)
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
    const endToEnd = {
      ...phase(events, live, done - start, cpuSince(cpu, cpuBefore)),
      createsPerSecond: (events * 1000) / createdMs,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
    log(
      `  webhooks: end to end ${endToEnd.eventsPerSecond.toFixed(0).padStart(6)} events/s  (creates ${endToEnd.createsPerSecond.toFixed(0)}/s; create→delivered p50 ${endToEnd.latencyP50Ms.toFixed(1)} ms, p99 ${endToEnd.latencyP99Ms.toFixed(1)} ms${cpuNote(endToEnd)})`,
    );
    return {
      name: 'webhooks',
      target: WEBHOOK_TARGET_EVENTS_PER_SECOND,
      pass: delivery.eventsPerSecond >= WEBHOOK_TARGET_EVENTS_PER_SECOND,
      delivery,
      endToEnd,
    };
  } finally {
    await live.close();
    agent.destroy();
  }
}

/** The closing lines of the bench output. */
export function formatWebhookResult(r: WebhookBenchResult): string[] {
  const dup = r.delivery.duplicates + r.endToEnd.duplicates;
  return [
    `webhook delivery: ${r.delivery.eventsPerSecond.toFixed(0)} events/s (target ≥ ${r.target.toLocaleString('en-US')})  ${r.pass ? 'PASS' : 'BELOW'}` +
      `   [${r.delivery.events} queued events, resume → last 200${cpuNote(r.delivery)}]`,
    `webhook end to end: ${r.endToEnd.eventsPerSecond.toFixed(0)} events/s, bounded by creates at ${r.endToEnd.createsPerSecond.toFixed(0)}/s` +
      ` (create → delivered p50 ${r.endToEnd.latencyP50Ms.toFixed(1)} ms, p99 ${r.endToEnd.latencyP99Ms.toFixed(1)} ms)` +
      (dup > 0 ? `; ${dup} duplicate deliveries` : ''),
  ];
}
