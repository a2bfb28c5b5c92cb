/**
 * The event outbox. Every state change emits the event Stripe emits, written by the same
 * transaction as the change (so neither exists without the other), with a snapshot of the object
 * as it is at that moment, serialised once. The app's `Outbox` hands each event to its subscribers
 * in that transaction too: the webhook fan-out writes the deliveries there (webhooks/fanout.ts).
 */
import { newId } from '../platform/ids.js';
import type { EventSink, MutationContext } from '../platform/operation.js';
import { LATEST_VERSION } from '../platform/versions.js';
import type { EventWrite, Transaction } from '../store/store.js';

export const EVENT = 'event';

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: object; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/**
 * Records `type` for `object` (its state now). For `*.updated` events pass the object as it was
 * before, and `data.previous_attributes` gets the fields that changed, with their old values.
 */
export async function emitEvent(
  ctx: MutationContext,
  type: string,
  object: { object: string; id?: string },
  before?: object,
): Promise<void> {
  const id = newId('evt', 24);
  const created = ctx.clock.now();
  const request = ctx.request ?? NO_REQUEST;
  // Serialised once, here: the snapshot is the object's JSON at this moment (the caller may go on
  // changing the object), and the row, the API and every webhook reuse this text.
  const previous = before ? `,"previous_attributes":${JSON.stringify(previousAttributes(before, object))}` : '';
  const json =
    `{"id":"${id}","object":"event","api_version":"${LATEST_VERSION}","created":${created},` +
    `"data":{"object":${JSON.stringify(object)}${previous}},"livemode":false,"pending_webhooks":0,` +
    `"request":${JSON.stringify(request)},"type":${JSON.stringify(type)}}`;
  await ctx.events.publish(ctx.tx, { account: ctx.account.id, id, type, created, json });
}

const NO_REQUEST = { id: null, idempotency_key: null };

/** An event as a subscriber of the outbox sees it; `seq` only once its row exists (events adopted from old databases). */
export type PublishedEvent = EventWrite & { seq?: number };

/** Called in the writing transaction for each event written (webhook fan-out). */
export type EventSubscriber = (tx: Transaction, event: PublishedEvent) => Promise<void>;

/**
 * The outbox of one app: writes each event to the events table and hands it to the subscribers in
 * the same transaction, so an event and the work it causes (webhook deliveries) commit together
 * with the change, or not at all.
 */
export class Outbox implements EventSink {
  private readonly subscribers: EventSubscriber[] = [];

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(tx: Transaction, event: EventWrite): Promise<void> {
    await tx.insertEvent(event);
    for (const subscriber of this.subscribers) await subscriber(tx, event);
  }
}

/**
 * Stripe's `previous_attributes`: each top-level field whose value changed, with its old value;
 * hashes (like `metadata`) list only their changed keys, and a key that was added shows as `null`.
 */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const old = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const changed: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    const a = old[key];
    const b = now[key];
    if (sameJson(a, b)) continue;
    changed[key] = isHash(a) && isHash(b) && !('object' in a) ? previousAttributes(a, b) : (a ?? null);
  }
  return changed;
}

function isHash(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether two JSON values are equal (object keys in any order), compared in place: every `*.updated`
 * event compares each field of an object, and serialising both sides to compare them cost more than
 * the rest of the event.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    keys++;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) keys--;
  return keys === 0;
}
