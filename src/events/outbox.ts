/**
 * The event outbox. Every state change emits the event Stripe emits, written by the same
 * transaction as the change (so neither exists without the other), with a snapshot of the object
 * as it is at that moment. Delivery to webhook endpoints reads from here.
 */
import { newId } from '../platform/ids.js';
import type { MutationContext } from '../platform/operation.js';
import { LATEST_VERSION } from '../platform/versions.js';

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
): Promise<StripeEvent> {
  const event: StripeEvent = {
    id: newId('evt', 24),
    object: 'event',
    api_version: LATEST_VERSION,
    created: ctx.clock.now(),
    // A deep copy: the caller may go on changing its object within the same transaction.
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 0,
    request: ctx.request ?? { id: null, idempotency_key: null },
    type,
  };
  if (before) event.data.previous_attributes = previousAttributes(before, object);
  await ctx.tx.insertEvent({ account: ctx.account.id, id: event.id, type, created: event.created, data: event });
  return event;
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

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
