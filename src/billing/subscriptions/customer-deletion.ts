/**
 * Deleting a customer cancels its subscriptions at once, as Stripe's "Delete a customer" says
 * ("also immediately cancels any active subscriptions on the customer"): each one that has not
 * ended is canceled as `DELETE /v1/subscriptions/:id` would (no final invoice, no proration), with
 * its `customer.subscription.deleted` before the customer's `customer.deleted`.
 */
import { onCustomerDeleting } from '../../customers/listeners.js';
import { allObjects } from '../../platform/list.js';
import { ENDED, SUBSCRIPTION, type Subscription } from './object.js';
import { cancelSubscription } from './update.js';

/** `DELETE /v1/subscriptions/:id` with no parameters. */
const NO_FINAL_INVOICE = {
  cancellation_details: undefined,
  expand: undefined,
  invoice_now: undefined,
  prorate: undefined,
};

onCustomerDeleting(async (ctx, customer) => {
  const subs = await allObjects(ctx.tx, {
    account: ctx.account.id,
    type: SUBSCRIPTION,
    equals: { customer: customer.id },
  });
  for (const { object } of subs) {
    const sub = object as unknown as Subscription;
    if (!ENDED.has(sub.status)) await cancelSubscription(ctx, sub.id, NO_FINAL_INVOICE);
  }
});
