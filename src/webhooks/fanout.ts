/**
 * Webhook fan-out: each event becomes one delivery row per enabled endpoint of its account that
 * listens for it, written in the transaction that writes the event. The event, its deliveries and
 * the change that caused them commit together; nothing has to sweep the events table afterwards,
 * and an account without endpoints (most test accounts) pays one indexed read of its account row
 * per transaction, nothing more.
 *
 * An account's endpoints are cached per process, keyed by `accounts.endpoints_version`, which every
 * endpoint change bumps in its own transaction. The version is read in the writing transaction, so
 * every node fans out to the endpoints committed before it (an endpoint receives the events that
 * happen after it exists, as Stripe's do).
 */
import type { PublishedEvent } from '../events/outbox.js';
import type { DeliveryState, Transaction } from '../store/store.js';
import { WEBHOOK_ENDPOINT, type WebhookEndpoint, type WebhookEndpointState, wantsEvent } from './endpoints.js';

/** Delivery rows of a paused account wait here until it resumes (far in the future, in ms). */
export const PARKED_AT_MS = 9e15;

/** Accounts whose endpoint lists are kept in memory; beyond it the least recently used are dropped. */
const CACHED_ACCOUNTS = 10_000;

export interface EnabledEndpoint {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** The account's enabled endpoints with their secrets, read through `tx`. */
export async function enabledEndpoints(tx: Transaction, account: string): Promise<EnabledEndpoint[]> {
  const found: EnabledEndpoint[] = [];
  let after: { created: number; seq: number } | undefined;
  for (;;) {
    const page = await tx.listObjects({ account, type: WEBHOOK_ENDPOINT, limit: 100, ...(after ? { after } : {}) });
    for (const row of page.rows) {
      const endpoint = JSON.parse(row.json) as WebhookEndpoint;
      const state = JSON.parse(row.internal ?? '{}') as WebhookEndpointState;
      if (endpoint.status === 'enabled') found.push({ endpoint, secret: state.secret });
    }
    const last = page.rows[page.rows.length - 1];
    if (!page.hasMore || !last) return found;
    after = { created: last.created, seq: last.seq };
  }
}

/** What one transaction learned about an account's delivery, read once however many events it writes. */
interface TransactionView {
  state: DeliveryState;
  endpoints: EnabledEndpoint[] | undefined;
}

export class WebhookFanOut {
  private readonly cache = new Map<string, { version: number; endpoints: EnabledEndpoint[] }>();
  private readonly views = new WeakMap<Transaction, Map<string, TransactionView>>();
  private readonly woken = new WeakSet<Transaction>();

  /**
   * @param nowMs real time in ms (deliveries are due in real time, whatever an account's clock says)
   * @param wake called after a transaction that created deliveries commits (the worker's nudge)
   */
  constructor(
    private readonly nowMs: () => number,
    private readonly wake: () => void,
  ) {}

  /** The outbox subscriber: fans `event` out in `tx`. */
  readonly subscriber = async (tx: Transaction, event: PublishedEvent): Promise<void> => {
    const view = await this.view(tx, event.account);
    if (view.state.endpointsVersion === 0) return;
    view.endpoints ??= await this.endpoints(tx, event.account, view.state.endpointsVersion);
    await this.deliver(tx, event, view.endpoints, view.state.paused);
  };

  /** Writes the deliveries of `event` to those of `endpoints` that want it. */
  async deliver(tx: Transaction, event: PublishedEvent, endpoints: EnabledEndpoint[], paused: boolean): Promise<void> {
    let delivered = false;
    for (const { endpoint } of endpoints) {
      // An endpoint receives the events that happen after it exists, as Stripe's do. An event written
      // now happens after every endpoint in the view, whatever its `created` says: a test clock's
      // events carry the clock's simulated time, which may lie years before the endpoint. Only events
      // adopted from old databases (they have a row already) are dated against the endpoint.
      const before = event.seq !== undefined && endpoint.created > event.created;
      if (before || !wantsEvent(endpoint.enabled_events, event.type)) continue;
      await tx.insertDelivery({
        account: event.account,
        eventId: event.id,
        ...(event.seq !== undefined ? { eventSeq: event.seq } : {}),
        endpointId: endpoint.id,
        dueAtMs: paused ? PARKED_AT_MS : this.nowMs(),
      });
      delivered = true;
    }
    if (delivered && !this.woken.has(tx)) {
      this.woken.add(tx);
      tx.afterCommit(this.wake);
    }
  }

  /** The account's state as `tx` sees it, read on its first event. */
  async view(tx: Transaction, account: string): Promise<TransactionView> {
    let views = this.views.get(tx);
    if (!views) {
      views = new Map();
      this.views.set(tx, views);
    }
    let view = views.get(account);
    if (!view) {
      view = { state: await tx.deliveryState(account), endpoints: undefined };
      views.set(account, view);
    }
    return view;
  }

  private async endpoints(tx: Transaction, account: string, version: number): Promise<EnabledEndpoint[]> {
    const cached = this.cache.get(account);
    if (cached && cached.version === version) {
      // Most recently used last: the Map's order is the eviction order.
      this.cache.delete(account);
      this.cache.set(account, cached);
      return cached.endpoints;
    }
    const endpoints = await enabledEndpoints(tx, account);
    this.cache.delete(account);
    this.cache.set(account, { version, endpoints });
    if (this.cache.size > CACHED_ACCOUNTS) this.cache.delete(this.cache.keys().next().value as string);
    return endpoints;
  }
}
