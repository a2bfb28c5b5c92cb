/**
 * Where subscriptions meet the invoices code: drafting a subscription's invoice with its lines,
 * collecting a first (or update) invoice at once, pending proration items, voiding, the dunning
 * end setting, payment-method checks, metered usage — and the listeners through which invoice
 * outcomes move a subscription's status (lifecycle.ts).
 */
import type { Customer } from '../../customers/object.js';
import { PAYMENT_METHOD, type PaymentMethod } from '../../payments/payment-methods/object.js';
import { invalidRequest, type StripeError } from '../../platform/errors.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { loadCoupon } from '../coupons/load.js';
import { discountActive, loadDiscount } from '../discounts/service.js';
import { dunningSettings, type SubscriptionEnd } from '../dunning/settings.js';
import { createInvoiceItem } from '../invoice-items/service.js';
import { onInvoiceEvents } from '../invoices/hooks.js';
import { loadInvoiceState } from '../invoices/lines.js';
import type { BillingReason, Invoice } from '../invoices/object.js';
import { attemptInvoicePayment } from '../invoices/payment.js';
import { loadPaymentIntent } from '../invoices/payment-intent.js';
import {
  createInvoice,
  finalizeInvoice,
  markInvoiceUncollectible,
  type SubscriptionLineInput,
  voidInvoice,
} from '../invoices/service.js';
import { meterUsage } from '../meters/usage.js';
import { invoiceOverdue, invoicePaid, invoiceUnpaid, retriesExhausted } from './lifecycle.js';
import type { Subscription, SubscriptionItem } from './object.js';
import type { SubscriptionLine } from './proration.js';

export interface DraftOptions {
  billingReason: BillingReason;
  lines: SubscriptionLine[];
  /** The invoice's `period_start`/`period_end` (a renewal: the period that ended). */
  period: { start: number; end: number };
  /** Pull the customer's pending invoice items (prorations) onto the invoice. */
  includePending: boolean;
  addInvoiceItems: unknown[];
  /** Renewals: finalise and collect about an hour later (the invoices code's job). */
  autoAdvance?: boolean;
  /** `pause_collection.behavior` in force at a renewal. */
  pause?: 'keep_as_draft' | 'mark_uncollectible' | 'void' | null;
}

export function lineInput(sub: Subscription, line: SubscriptionLine): SubscriptionLineInput {
  return {
    subscription: sub.id,
    subscriptionItem: line.subscriptionItem,
    amount: line.amount,
    currency: line.currency,
    description: line.description,
    period: line.period,
    quantity: line.quantity,
    price: { id: line.price.id, product: line.price.product, unit_amount_decimal: line.price.unit_amount_decimal },
    proration: line.proration,
    discounts: line.discounts,
    taxRates: line.taxRates,
    metadata: line.metadata,
  };
}

/**
 * The subscription's discounts that apply to an invoice made now, dropping from `sub` those that
 * are spent: a `repeating` coupon's discount past its `end`, and a `once` coupon's after the first
 * invoice it discounted (Stripe removes them from the subscription).
 */
async function spendDiscounts(ctx: MutationContext, sub: Subscription): Promise<string[]> {
  const now = ctx.clock.now();
  const applied: string[] = [];
  const kept: string[] = [];
  for (const id of sub.discounts) {
    const discount = await loadDiscount(ctx.tx, ctx.account.id, id);
    if (!discountActive(discount, now)) continue;
    applied.push(id);
    const coupon = await loadCoupon(ctx.tx, ctx.account.id, discount.source.coupon);
    if (coupon.duration !== 'once') kept.push(id);
  }
  sub.discounts = kept;
  return applied;
}

/**
 * A draft invoice of `sub` with `lines` (and, when asked, the customer's pending items). Spent
 * discounts leave `sub.discounts` (the caller saves `sub`).
 */
export async function draftInvoice(ctx: MutationContext, sub: Subscription, opts: DraftOptions): Promise<Invoice> {
  const discounts = await spendDiscounts(ctx, sub);
  let invoice = await createInvoice(
    ctx,
    {
      customer: sub.customer,
      subscription: sub.id,
      auto_advance: opts.autoAdvance ?? false,
      collection_method: sub.collection_method,
      currency: sub.currency,
      days_until_due: sub.days_until_due,
      default_payment_method: null,
      default_tax_rates: sub.default_tax_rates.map((t) => (t as { id: string }).id),
      ...(discounts.length > 0 ? { discounts: discounts.map((discount) => ({ discount })) } : {}),
      description: sub.description,
      pending_invoice_items_behavior: opts.includePending ? 'include' : 'exclude',
    },
    {
      billingReason: opts.billingReason,
      subscriptionMetadata: sub.metadata,
      subscriptionLines: opts.lines.map((l) => lineInput(sub, l)),
      period: opts.period,
      pendingItems: 'subscription',
    },
  );
  if (opts.pause === 'mark_uncollectible' || opts.pause === 'void') {
    // Collection is paused: the invoice is finalised and closed without an attempt.
    invoice = await finalizeInvoice(ctx, invoice.id, { auto_advance: false });
    if (invoice.status === 'open') {
      invoice =
        opts.pause === 'void' ? await voidInvoice(ctx, invoice.id) : await markInvoiceUncollectible(ctx, invoice.id);
    }
  }
  return invoice;
}

export interface FirstPayment {
  invoice: Invoice;
  /** The payment method that paid it (for `save_default_payment_method=on_subscription`). */
  paymentMethod: string | null;
  error?: StripeError;
}

/**
 * Finalises a draft now and, with `attempt`, makes one payment attempt (charge_automatically);
 * `send_invoice` invoices are finalised and sent. Without `attempt` (default_incomplete) the
 * PaymentIntent waits for the client.
 */
export async function collect(
  ctx: MutationContext,
  draft: Invoice,
  opts: { attempt: boolean; offSession: boolean },
): Promise<FirstPayment> {
  let invoice = await finalizeInvoice(ctx, draft.id, { auto_advance: false });
  if (invoice.status !== 'open' || invoice.collection_method === 'send_invoice') {
    return { invoice, paymentMethod: await invoicePaymentMethod(ctx, invoice) };
  }
  if (!opts.attempt) return { invoice, paymentMethod: null };
  const result = await attemptInvoicePayment(ctx, invoice.id, { automatic: true, offSession: opts.offSession });
  invoice = result.invoice;
  let error = result.error;
  if (!error && result.outcome === 'failed') {
    // An automatic attempt keeps the decline on the PaymentIntent; error_if_incomplete answers with it.
    error = await declineOf(ctx, invoice);
  }
  return {
    invoice,
    paymentMethod: result.outcome === 'paid' ? await invoicePaymentMethod(ctx, invoice) : null,
    ...(error ? { error } : {}),
  };
}

async function declineOf(ctx: MutationContext, invoice: Invoice): Promise<StripeError | undefined> {
  const { state } = await loadInvoiceState(ctx.tx, ctx.account.id, invoice.id);
  if (!state.paymentIntent) return undefined;
  const pi = await loadPaymentIntent(ctx, state.paymentIntent);
  const e = pi.last_payment_error;
  if (!e) return undefined;
  const { StripeError: Err } = await import('../../platform/errors.js');
  return new Err({
    kind: 'payment_failed',
    type: 'card_error',
    message: e.message ?? 'Your card was declined.',
    ...(e.code ? { code: e.code } : {}),
    ...(e.decline_code ? { declineCode: e.decline_code } : {}),
  });
}

/** The payment method of the invoice's PaymentIntent, once it has one. */
export async function invoicePaymentMethod(ctx: MutationContext, invoice: Invoice): Promise<string | null> {
  const { state } = await loadInvoiceState(ctx.tx, ctx.account.id, invoice.id);
  if (!state.paymentIntent) return null;
  const pi = await loadPaymentIntent(ctx, state.paymentIntent);
  return typeof pi.payment_method === 'string' ? pi.payment_method : null;
}

/** Voids the invoice if it is still open (an expired or canceled incomplete subscription's first invoice). */
export async function voidOpenInvoice(ctx: MutationContext, id: string): Promise<void> {
  const { invoice } = await loadInvoiceState(ctx.tx, ctx.account.id, id);
  if (invoice.status === 'open' || invoice.status === 'uncollectible') await voidInvoice(ctx, id);
}

/** Prorations left for the next invoice: pending invoice items of the subscription. */
export async function addPendingLines(
  ctx: MutationContext,
  sub: Subscription,
  lines: SubscriptionLine[],
): Promise<void> {
  for (const line of lines) {
    await createInvoiceItem(
      ctx,
      {
        customer: sub.customer,
        subscription: sub.id,
        amount: line.amount,
        currency: line.currency,
        description: line.description,
        period: line.period,
        tax_rates: line.taxRates,
      },
      { proration: line.proration },
    );
  }
}

/** What the account's dunning settings do to a subscription whose retries are used up. */
export async function dunningEnd(ctx: MutationContext): Promise<SubscriptionEnd> {
  return (await dunningSettings(ctx.tx, ctx.account.id)).subscriptionEnd;
}

/** Whether an automatic payment has something to use (Stripe's order, without the invoice's own). */
export async function hasPaymentMethod(_ctx: MutationContext, sub: Subscription, customer: Customer): Promise<boolean> {
  return Boolean(
    sub.default_payment_method ||
      sub.default_source ||
      customer.invoice_settings.default_payment_method ||
      customer.default_source,
  );
}

/** A subscription's `default_payment_method` must be attached to its customer. */
export async function checkPaymentMethod(
  ctx: MutationContext,
  customer: Customer,
  id: string,
  param: string,
): Promise<void> {
  const pm = (await loadObject<PaymentMethod>(ctx.tx, ctx.account.id, id, PAYMENT_METHOD, { param })).object;
  if (pm.customer !== customer.id) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      { param },
    );
  }
}

/**
 * The usage of a metered item over `period`: the sum its meter recorded for the customer (the
 * meters code), 0 when the price has no meter.
 */
export async function meteredUsage(
  ctx: MutationContext,
  sub: Subscription,
  item: SubscriptionItem,
  period: { start: number; end: number },
): Promise<number> {
  const meter = item.price.recurring?.meter;
  if (!meter) return 0;
  return meterUsage(ctx.tx, ctx.account.id, meter, sub.customer, period.start, period.end);
}

onInvoiceEvents({
  paid: invoicePaid,
  paymentFailed: (ctx, invoice) => invoiceUnpaid(ctx, invoice),
  actionRequired: (ctx, invoice) => invoiceUnpaid(ctx, invoice),
  overdue: invoiceOverdue,
  retriesExhausted,
});
