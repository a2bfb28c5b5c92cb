/**
 * Webhook delivery. Deliveries are written with their events, in the transaction of the change
 * (webhooks/fanout.ts); this worker claims the due ones with a lease, POSTs each signed event
 * outside any transaction, then records the attempt and the delivery's new state. A server killed
 * mid-POST leaves the delivery leased; when the lease runs out it is claimed again — at least once,
 * never lost. Writes wake it after they commit; a slow poll covers the rest (retries coming due).
 *
 * Concurrency is bounded per endpoint and overall, so a slow or dead endpoint holds only its own
 * slots; everything else keeps flowing. Retries follow a configurable schedule (seconds between
 * attempts); after the last one the delivery is `failed`. A failing store (busy, restarting) makes
 * the worker back off and retry; it never stops it.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { LoopHealth } from '../platform/background.js';
import { randomBase62 } from '../platform/ids.js';
import type { Logger } from '../platform/log.js';
import { LATEST_VERSION, renderEvent, storeVersionSource } from '../platform/versions.js';
import type { Account, Delivery, Store, StoredEvent, StoredObject, Transaction } from '../store/store.js';
import { type WebhookEndpoint, type WebhookEndpointState, wantsEvent } from './endpoints.js';
import { enabledEndpoints, PARKED_AT_MS, WebhookFanOut } from './fanout.js';

export interface WebhookOptions {
  /** Seconds to wait before each retry; its length is the number of retries. */
  retrySchedule?: number[];
  /** How long an endpoint has to answer (ms). */
  timeoutMs?: number;
  /** How often to look for work when nothing nudges the worker (ms). */
  pollMs?: number;
  /** Deliveries in flight per endpoint, and overall. */
  perEndpoint?: number;
  concurrency?: number;
}

/** Stripe's test mode retries a few times over a few hours. */
export const DEFAULT_RETRY_SCHEDULE = [300, 1800, 7200];
export const DEFAULT_TIMEOUT_MS = 20_000;
const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
const EXCERPT_BYTES = 1024;
const DISPATCH_BATCH = 1000;
/** How long a pass asked for during another waits (ms). */
const AGAIN_DELAY_MS = 2;
/**
 * How often parked deliveries of accounts that are no longer paused are released (ms): a write that
 * read "paused" just before a resume committed parks its deliveries after the resume released the rest.
 */
const STRANDED_SWEEP_MS = 5_000;

/** `Stripe-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed with the whole secret>`. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

interface Job {
  delivery: Delivery;
  event: StoredEvent;
  endpoint: WebhookEndpoint;
  secret: string;
  pendingWebhooks: number;
}

interface Outcome {
  job: Job;
  startedMs: number;
  durationMs: number;
  status: number | null;
  excerpt: string | null;
  error: string | null;
}

export class WebhookWorker {
  private readonly retrySchedule: number[];
  private readonly timeoutMs: number;
  private readonly perEndpoint: number;
  private readonly concurrency: number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  private inFlight = 0;
  private readonly perEndpointInFlight = new Map<string, number>();
  /** Keep-alive connections per scheme: a burst to one endpoint reuses a few sockets. */
  private readonly agents: Agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  private readonly outcomes: Outcome[] = [];
  private flushing: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  /** Events of a version 3 database still to fan out (see `adoptUndispatched`). */
  private adopted = false;
  private lastSweepMs = 0;
  private readonly health: LoopHealth;
  private readonly recording: LoopHealth;
  /** While a failed pass waits to be retried, nudges wait too (the retry timer runs the next pass). */
  private retryTimer: NodeJS.Timeout | undefined;
  /** Writes the deliveries of every event, in the event's transaction (the outbox's subscriber). */
  readonly fanOut: WebhookFanOut;

  constructor(
    private readonly store: Store,
    private readonly nowMs: () => number,
    logger: Logger,
    private readonly opts: WebhookOptions = {},
  ) {
    this.retrySchedule = opts.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.perEndpoint = opts.perEndpoint ?? 64;
    this.concurrency = opts.concurrency ?? 512;
    this.health = new LoopHealth('webhook delivery', logger);
    this.recording = new LoopHealth('webhook delivery (recording attempts)', logger);
    this.fanOut = new WebhookFanOut(nowMs, () => this.nudge());
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.nudge();
      if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollMs ?? 250).unref();
    };
    tick();
  }

  /** Stops claiming work and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
    // POSTs still in flight are cut short and not recorded: their deliveries stay leased and are
    // sent again after the lease (at least once), so shutting down never waits for a slow endpoint.
    this.agents.http.destroy();
    this.agents.https.destroy();
    await this.idle();
    await this.flush();
  }

  /** Looks for work now (called after writes that created deliveries commit, and on a timer). */
  nudge(): void {
    if (this.stopped || this.retryTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(async () => {
      const delay = await this.health.run(() => this.pass());
      this.running = false;
      if (delay > 0) {
        this.again = false;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.nudge();
        }, delay).unref();
        return;
      }
      // Nudges that came during the pass get one more pass, a moment later: a burst of
      // completions then costs a pass per few milliseconds, not one per completion.
      if (this.again) {
        this.again = false;
        setTimeout(() => this.nudge(), AGAIN_DELAY_MS).unref();
      }
    });
  }

  /** Dispatches and delivers everything due now, and waits for the results (for tests and the CLI). */
  async runOnce(): Promise<void> {
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 5));
    this.running = true;
    try {
      await this.pass();
    } finally {
      this.running = false;
    }
    await this.idle();
    await this.flush();
  }

  /** Queues `event` for delivery now, to one endpoint or to every matching enabled one. */
  async resend(account: Account, eventId: string, endpointId?: string): Promise<WebhookEndpoint[]> {
    const targets = await this.store.transaction(async (tx) => {
      const event = await tx.getEvent(account.id, eventId);
      if (!event) return undefined;
      const endpoints = (await enabledEndpoints(tx, account.id)).filter(({ endpoint }) =>
        endpointId ? endpoint.id === endpointId : wantsEvent(endpoint.enabled_events, event.type),
      );
      for (const { endpoint } of endpoints) {
        await tx.insertDelivery({
          account: account.id,
          eventSeq: event.seq,
          eventId: event.id,
          endpointId: endpoint.id,
          dueAtMs: account.webhooksPaused ? PARKED_AT_MS : this.nowMs(),
        });
      }
      return endpoints.map((e) => e.endpoint);
    });
    this.nudge();
    if (!targets) throw new Error(`no event ${eventId}`);
    return targets;
  }

  /** Pausing parks an account's deliveries; resuming makes them due again. */
  async setPaused(account: Account, paused: boolean): Promise<Account> {
    const updated = await this.store.updateAccount(account.id, { ...account, webhooksPaused: paused });
    if (!paused) await this.store.transaction((tx) => tx.releaseDeliveries(account.id, PARKED_AT_MS, this.nowMs()));
    this.nudge();
    return updated;
  }

  private async pass(): Promise<void> {
    if (!this.adopted) {
      while ((await this.adoptUndispatched()) === DISPATCH_BATCH) {
        // A full batch: more are waiting.
      }
      this.adopted = true;
    }
    const now = this.nowMs();
    if (now - this.lastSweepMs >= STRANDED_SWEEP_MS) {
      this.lastSweepMs = now;
      await this.store.releaseStrandedDeliveries(PARKED_AT_MS, now);
    }
    await this.claim();
  }

  /**
   * Fans out events written before fan-out moved into the writing transaction (a database from
   * before version 4 may hold some that were never dispatched); resolves with how many it read.
   */
  private adoptUndispatched(): Promise<number> {
    return this.store.transaction(async (tx) => {
      const events = await tx.claimUndispatchedEvents(DISPATCH_BATCH);
      for (const event of events) await this.fanOut.subscriber(tx, event);
      await tx.markDispatched(events.map((e) => e.seq));
      return events.length;
    });
  }

  /**
   * Claims what is due, as far as free slots go, and starts delivering it. Endpoints with no free slot
   * are left out of the claim, so a slow endpoint's backlog stays in the table (unleased) instead of
   * holding slots everyone else needs.
   */
  private async claim(): Promise<void> {
    const free = this.concurrency - this.inFlight;
    if (free <= 0 || this.stopped) return;
    const saturated = [...this.perEndpointInFlight].filter(([, n]) => n >= this.perEndpoint).map(([id]) => id);
    const now = this.nowMs();
    const jobs = await this.store.transaction(async (tx) => {
      const deliveries = await tx.claimDeliveries(now, free, now + this.timeoutMs + 5_000, saturated);
      const loaded = await loadJobs(tx, deliveries, now);
      // One claim can bring an endpoint more than its free slots: the rest go back, due now.
      const taken = new Map<string, number>();
      const ready: Job[] = [];
      const surplus: number[] = [];
      for (const job of loaded.ready) {
        const id = job.endpoint.id;
        const used = (this.perEndpointInFlight.get(id) ?? 0) + (taken.get(id) ?? 0);
        if (used >= this.perEndpoint) {
          surplus.push(job.delivery.seq);
          continue;
        }
        taken.set(id, (taken.get(id) ?? 0) + 1);
        ready.push(job);
      }
      await tx.requeueDeliveries(surplus, now);
      for (const s of loaded.skipped) {
        await tx.finishDelivery({
          seq: s.delivery.seq,
          status: s.status,
          attempts: s.delivery.attempts,
          nextAttemptAtMs: s.nextMs,
        });
      }
      return ready;
    });
    for (const job of jobs) this.begin(job);
  }

  private begin(job: Job): void {
    const id = job.endpoint.id;
    this.perEndpointInFlight.set(id, (this.perEndpointInFlight.get(id) ?? 0) + 1);
    this.inFlight++;
    void this.post(job).then((outcome) => {
      this.inFlight--;
      const left = (this.perEndpointInFlight.get(id) ?? 1) - 1;
      if (left === 0) this.perEndpointInFlight.delete(id);
      else this.perEndpointInFlight.set(id, left);
      if (!this.stopped) this.outcomes.push(outcome);
      void this.flush();
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      // A slot is free: claim more if there is more.
      this.nudge();
    });
  }

  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** One POST. Never throws: every way it can go wrong is a failed attempt. */
  private async post(job: Job): Promise<Outcome> {
    const event = JSON.parse(job.event.json) as Record<string, unknown>;
    const version = job.endpoint.api_version ?? LATEST_VERSION;
    event.pending_webhooks = job.pendingWebhooks;
    // An endpoint pinned to a version gets its events generated for that version, as Stripe's do.
    // What an older shape includes (a charge's refunds) is read now, when the event is sent.
    const unsent = (error: string): Outcome => {
      const nowMs = this.nowMs();
      return { job, startedMs: nowMs, durationMs: 0, status: null, excerpt: null, error };
    };
    try {
      await renderEvent(event, version, storeVersionSource(this.store, job.delivery.account));
    } catch (err) {
      // The store could not be read (busy, restarting): a failed attempt, retried on the schedule.
      return unsent(`Could not render the event: ${describeFailure(err)}`);
    }
    // Stopped while rendering: nothing more is sent (the outcome is not recorded; the lease runs out).
    if (this.stopped) return unsent('Stopped before sending');
    const body = `${JSON.stringify(event, null, 2)}\n`;
    const startedMs = this.nowMs();
    const headers = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'User-Agent': USER_AGENT,
      Accept: '*/*; q=0.5, application/xml',
      'Cache-Control': 'no-cache',
      'Stripe-Signature': signatureHeader(job.secret, body, Math.floor(startedMs / 1000)),
    };
    const done = (status: number | null, excerpt: string | null, error: string | null): Outcome => ({
      job,
      startedMs,
      durationMs: this.nowMs() - startedMs,
      status,
      excerpt,
      error,
    });
    try {
      const { status, excerpt } = await postOnce(this.agents, job.endpoint.url, headers, body, this.timeoutMs);
      return done(status, excerpt, null);
    } catch (err) {
      return done(
        null,
        null,
        err instanceof TimeoutError ? `Timed out after ${this.timeoutMs} ms` : describeFailure(err),
      );
    }
  }

  /** Records finished attempts in batches: one transaction for whatever finished meanwhile. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.outcomes.length > 0 ? this.flush() : undefined));
    if (this.outcomes.length === 0) return Promise.resolve();
    const batch = this.outcomes.splice(0);
    // A batch that cannot be recorded is not retried: its deliveries stay leased and are sent again
    // once the lease runs out (at least once).
    this.flushing = this.recording
      .run(() =>
        this.store.transaction(async (tx) => {
          for (const outcome of batch) await this.record(tx, outcome);
        }),
      )
      .then(() => undefined)
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing.then(() => (this.outcomes.length > 0 ? this.flush() : undefined));
  }

  private async record(tx: Transaction, o: Outcome): Promise<void> {
    const { delivery, event, endpoint } = o.job;
    const attempt = delivery.attempts + 1;
    const succeeded = o.status !== null && o.status >= 200 && o.status < 300;
    const retryIn = this.retrySchedule[attempt - 1];
    const status = succeeded ? 'succeeded' : retryIn === undefined ? 'failed' : 'pending';
    const nextMs = status === 'pending' ? this.nowMs() + (retryIn as number) * 1000 : this.nowMs();
    await tx.finishDelivery({ seq: delivery.seq, status, attempts: attempt, nextAttemptAtMs: nextMs });
    const attemptId = `wha_${randomBase62(24)}`;
    await tx.insertAttempt({
      account: delivery.account,
      id: attemptId,
      eventId: event.id,
      endpointId: endpoint.id,
      data: {
        id: attemptId,
        object: 'sandbank.webhook_attempt',
        created: Math.floor(o.startedMs / 1000),
        event: event.id,
        event_type: event.type,
        endpoint: endpoint.id,
        url: endpoint.url,
        attempt,
        succeeded,
        http_status: o.status,
        duration_ms: Math.round(o.durationMs),
        response_excerpt: o.excerpt,
        error: o.error ?? (succeeded ? null : `HTTP ${o.status}`),
        next_retry_at: status === 'pending' ? Math.floor(nextMs / 1000) : null,
      },
    });
  }
}

/** Everything a claimed delivery needs; deliveries to deleted, disabled or paused endpoints stop here. */
async function loadJobs(tx: Transaction, deliveries: Delivery[], nowMs: number) {
  const ready: Job[] = [];
  const skipped: { delivery: Delivery; status: 'failed' | 'pending'; nextMs: number }[] = [];
  const accounts = new Map<string, Account | undefined>();
  const pendingByAccount = new Map<string, Map<string, number>>();
  const endpoints = new Map<string, StoredObject | undefined>();
  for (const delivery of deliveries) {
    if (!accounts.has(delivery.account)) accounts.set(delivery.account, await tx.getAccount(delivery.account));
    if (accounts.get(delivery.account)?.webhooksPaused) {
      skipped.push({ delivery, status: 'pending', nextMs: PARKED_AT_MS });
      continue;
    }
    if (!endpoints.has(delivery.endpointId)) {
      endpoints.set(delivery.endpointId, await tx.getObject(delivery.account, delivery.endpointId));
    }
    const row = endpoints.get(delivery.endpointId);
    const event = delivery.event;
    const endpoint = row && !row.deleted ? (JSON.parse(row.json) as WebhookEndpoint) : undefined;
    // Stripe stops retrying once an endpoint is disabled or deleted (or its event has expired).
    if (!row || !endpoint || endpoint.status !== 'enabled' || !event) {
      skipped.push({ delivery, status: 'failed', nextMs: nowMs });
      continue;
    }
    let pending = pendingByAccount.get(delivery.account);
    if (!pending) {
      const ids = deliveries.filter((d) => d.account === delivery.account).map((d) => d.eventId);
      pending = await tx.pendingWebhooks(delivery.account, [...new Set(ids)]);
      pendingByAccount.set(delivery.account, pending);
    }
    const secret = (JSON.parse(row.internal ?? '{}') as WebhookEndpointState).secret;
    ready.push({ delivery, event, endpoint, secret, pendingWebhooks: pending.get(event.id) ?? 1 });
  }
  return { ready, skipped };
}

class TimeoutError extends Error {}

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** POSTs `body` and reads at most the first KiB of the answer. Redirects are not followed (a failure). */
function postOnce(
  agents: Agents,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; excerpt: string | null }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const req = (secure ? https : http).request(
      target,
      { method: 'POST', headers, agent: secure ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
          resolve({ status: res.statusCode ?? 0, excerpt: text === '' ? null : text });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new TimeoutError()), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

function describeFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code) return `${e.code}${e.message && !e.message.includes(e.code) ? `: ${e.message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
