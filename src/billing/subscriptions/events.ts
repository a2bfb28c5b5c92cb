/**
 * Subscription events, and the one ordering problem they have: Stripe announces a new subscription
 * (`customer.subscription.created`, with the status its first payment left it in) before the
 * events of its first invoice and payment, although that status is only known once they ran. The
 * invoice's events are therefore held while the first invoice is billed and published right after
 * the subscription's own event, in the same transaction and in the order they happened.
 */
import { emitEvent } from '../../events/outbox.js';
import type { MutationContext } from '../../platform/operation.js';
import type { EventWrite, Transaction } from '../../store/store.js';
import { renderItem, type Subscription } from './object.js';

/** The subscription as events and responses show it (items' prices without their tiers). */
export function renderSubscription(sub: Subscription): Subscription {
  return { ...sub, items: { ...sub.items, data: sub.items.data.map(renderItem) } };
}

/** Emits a `customer.subscription.*` event for `sub` (with `before` for `.updated`). */
export async function emitSubscriptionEvent(
  ctx: MutationContext,
  type: string,
  sub: Subscription,
  before?: Subscription,
): Promise<void> {
  await emitEvent(ctx, `customer.subscription.${type}`, renderSubscription(sub), before && renderSubscription(before));
}

/** A context whose events wait in `held` until `release` publishes them through the real sink. */
export function holdEvents(ctx: MutationContext): {
  ctx: MutationContext;
  release(): Promise<void>;
} {
  const held: EventWrite[] = [];
  const sink = ctx.events;
  return {
    ctx: { ...ctx, events: { publish: async (_tx: Transaction, e: EventWrite) => void held.push(e) } },
    async release() {
      for (const e of held.splice(0)) await sink.publish(ctx.tx, e);
    },
  };
}
