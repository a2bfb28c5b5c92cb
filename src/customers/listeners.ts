/**
 * Listeners for a customer being deleted. What lives on a customer in other areas (Billing's
 * subscriptions) ends with it, as Stripe's "deleting a customer cancels its active subscriptions"
 * says; those areas register here, so the customers code stays unaware of them. Each listener runs
 * in the deleting transaction, before the customer's own `customer.deleted` event.
 */
import type { MutationContext } from '../platform/operation.js';
import type { Customer } from './object.js';

export type CustomerDeletingListener = (ctx: MutationContext, customer: Customer) => Promise<void>;

const listeners: CustomerDeletingListener[] = [];

/** Registers `fn` to hear about every customer about to be deleted. */
export function onCustomerDeleting(fn: CustomerDeletingListener): void {
  listeners.push(fn);
}

/** Called by whatever deletes a customer (the API, a test clock's deletion), before the tombstone. */
export async function customerDeleting(ctx: MutationContext, customer: Customer): Promise<void> {
  for (const fn of listeners) await fn(ctx, customer);
}
