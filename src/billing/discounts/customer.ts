/**
 * A customer's discount (`customer.discount`): applied by the `coupon` / `promotion_code`
 * parameters of customer create and update in API versions before 2025-03-31.basil, removed by
 * `DELETE /v1/customers/:id/discount` (or `coupon=` in those versions), and ended by a job when a
 * `repeating` coupon's months are over. Invoices read it for customers without other discounts.
 */
import type { Customer } from '../../customers/object.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, StripeError } from '../../platform/errors.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext, WriteContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import { isBefore } from '../../platform/versions.js';
import type { Job } from '../../store/store.js';
import { onCustomerClock } from '../test-clocks/context.js';
import type { DeletedDiscount, Discount } from './object.js';
import { deleteDiscount, legacyDiscounts, resolveDiscounts } from './service.js';

/** The version that removed `coupon` and `promotion_code` from customer create and update. */
export const CUSTOMER_COUPON_REMOVED = '2025-03-31';

export const END_CUSTOMER_DISCOUNT_JOB = 'customer.discount_end';

export interface LegacyCouponParams {
  coupon?: string | null;
  promotion_code?: string | null;
}

/** An event to emit once the customer itself is saved (Stripe announces the customer first). */
export interface PendingEvent {
  type: string;
  object: Discount;
}

/** Newer versions have no such parameters: Stripe's unknown-parameter error, as if unparsed. */
function refuseInNewerVersions(ctx: WriteContext, input: LegacyCouponParams): void {
  if (isBefore(ctx.version, CUSTOMER_COUPON_REMOVED)) return;
  const sent = (['coupon', 'promotion_code'] as const).filter((k) => input[k] !== undefined);
  if (sent.length === 0) return;
  throw invalidRequest(
    sent.length === 1 ? `Received unknown parameter: ${sent[0]}` : `Received unknown parameters: ${sent.join(', ')}`,
    { code: 'parameter_unknown', param: sent[0] },
  );
}

/**
 * Applies `coupon` / `promotion_code` (create or update) to `customer` in memory: a new discount
 * replaces the current one, an empty `coupon=` removes it. Returns the `customer.discount.*` events
 * to emit after the customer is saved.
 */
export async function applyCustomerCoupon(
  ctx: WriteContext,
  customer: Customer,
  input: LegacyCouponParams,
): Promise<PendingEvent[]> {
  refuseInNewerVersions(ctx, input);
  const wanted = legacyDiscounts(input);
  if (wanted === undefined) return [];
  const clocked = await onCustomerClock(ctx, customer);
  const current = customer.discount;
  if (wanted.length === 0) {
    if (!current) return [];
    await deleteDiscount(clocked, current.id);
    customer.discount = null;
    return [{ type: 'customer.discount.deleted', object: current }];
  }
  const [discount] = await resolveDiscounts(clocked, wanted.slice(0, 1), { customer: customer.id }, 'discounts', {
    legacy: true,
  });
  if (!discount) return [];
  if (current) await deleteDiscount(clocked, current.id);
  customer.discount = discount;
  if (discount.end !== null) {
    await scheduleJob(clocked, {
      dueAt: discount.end,
      kind: END_CUSTOMER_DISCOUNT_JOB,
      target: customer.id,
      payload: { discount: discount.id },
    });
  }
  return [{ type: current ? 'customer.discount.updated' : 'customer.discount.created', object: discount }];
}

export async function emitPending(ctx: MutationContext, events: readonly PendingEvent[]): Promise<void> {
  for (const e of events) await emitEvent(ctx, e.type, e.object);
}

async function saveCustomer(ctx: MutationContext, customer: Customer): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER, customer, { update: true });
}

/** `DELETE /v1/customers/:id/discount`: the deleted discount; `customer.discount.deleted` and `customer.updated`. */
export async function deleteCustomerDiscount(ctx: MutationContext, id: string): Promise<DeletedDiscount> {
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, id, CUSTOMER, { forUpdate: true })).object;
  const discount = customer.discount;
  if (!discount) throw noDiscount(id);
  const clocked = await onCustomerClock(ctx, customer);
  const before = structuredClone(customer);
  const tombstone = await deleteDiscount(clocked, discount.id);
  customer.discount = null;
  await saveCustomer(ctx, customer);
  await emitEvent(clocked, 'customer.discount.deleted', discount);
  await emitEvent(clocked, 'customer.updated', customer, before);
  return tombstone;
}

/** Nothing to delete: a missing resource, as Stripe answers a discount that is not there. */
function noDiscount(customer: string) {
  return new StripeError({
    kind: 'not_found',
    type: 'invalid_request_error',
    code: 'resource_missing',
    param: 'id',
    message: `No active discount for customer: '${customer}'`,
  });
}

/** A `repeating` coupon's months are over: the customer's discount ends (on the customer's clock). */
export async function endCustomerDiscount(ctx: MutationContext, job: Job): Promise<void> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, job.target);
  if (!row || row.type !== CUSTOMER || row.deleted) return;
  const customer = JSON.parse(row.json) as Customer;
  const discount = customer.discount;
  if (!discount || discount.id !== (job.payload as { discount?: string }).discount) return;
  const before = structuredClone(customer);
  await deleteDiscount(ctx, discount.id);
  customer.discount = null;
  await saveCustomer(ctx, customer);
  await emitEvent(ctx, 'customer.discount.deleted', discount);
  await emitEvent(ctx, 'customer.updated', customer, before);
}

export const customerDiscountJobHandlers = { [END_CUSTOMER_DISCOUNT_JOB]: endCustomerDiscount };
