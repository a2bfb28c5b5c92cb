/**
 * Listeners for a PaymentIntent reaching an outcome: `succeeded`, or back to
 * `requires_payment_method` after a failed attempt or failed authentication. Services built on
 * PaymentIntents (Billing's invoices) register here, so the payments code stays unaware of them;
 * each listener runs in the transaction of the change, after the intent's own events.
 */
import type { MutationContext } from '../../platform/operation.js';
import type { PaymentIntent } from './object.js';

export type PaymentIntentSettledListener = (ctx: MutationContext, pi: PaymentIntent) => Promise<void>;

const listeners: PaymentIntentSettledListener[] = [];

/** Registers `fn` to hear about every PaymentIntent that succeeds or fails an attempt. */
export function onPaymentIntentSettled(fn: PaymentIntentSettledListener): void {
  listeners.push(fn);
}

/** Called by the payments code where an intent's status becomes `succeeded` or `requires_payment_method`. */
export async function paymentIntentSettled(ctx: MutationContext, pi: PaymentIntent): Promise<void> {
  for (const fn of listeners) await fn(ctx, pi);
}
