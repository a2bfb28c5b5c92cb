/**
 * `POST /v1/subscriptions`: a new subscription and its first invoice.
 *
 * The first invoice is billed at once (Stripe finalises a new subscription's first invoice
 * immediately): a trial's is a paid zero-amount invoice; otherwise the first period (prorated up to
 * a later `billing_cycle_anchor`) is charged by `payment_behavior`:
 * - `allow_incomplete` (default): the payment is attempted; a failure or 3-D Secure leaves the
 *   subscription `incomplete`, expiring after 23 hours.
 * - `default_incomplete`: no attempt; the invoice's PaymentIntent waits for the client to confirm it.
 * - `error_if_incomplete`: a failed payment is the request's 402 and nothing is created.
 * Everything runs on the customer's clock (test clocks), and the renewal, trial and expiry work is
 * scheduled there.
 */
import type { Customer } from '../../customers/object.js';
import { CUSTOMER } from '../../customers/object.js';
import { invalidRequest, StripeError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { legacyDiscounts, resolveDiscounts } from '../discounts/service.js';
import { onCustomerClock } from '../test-clocks/context.js';
import { anchorFromConfig, nthPeriodEnd, periodAround } from './cycle.js';
import { emitSubscriptionEvent, holdEvents, renderSubscription } from './events.js';
import { checkPaymentMethod, collect, draftInvoice, type FirstPayment, hasPaymentMethod } from './invoicing.js';
import { buildItem, checkItems, loadTaxRates, productName } from './items.js';
import { beginCreation, endCreation, scheduleLifecycle } from './lifecycle.js';
import type { Subscription, SubscriptionInternal, SubscriptionItem } from './object.js';
import type { CreateSubscriptionInput } from './params.js';
import { cycleLine, periodAmount, prorate, type SubscriptionLine, trialLine } from './proration.js';
import { saveSubscription } from './store.js';

const DAY = 86_400;
/** Stripe's refusal of a charged subscription for a customer without a payment method. */
export const NO_PAYMENT_METHOD =
  'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.';

/** How long an incomplete subscription waits for its first payment. */
export const INCOMPLETE_EXPIRY = 23 * 3600;
/** The furthest a trial may end (Stripe: two years). */
const MAX_TRIAL = 730 * DAY;

export async function createSubscription(
  ctx: MutationContext,
  input: CreateSubscriptionInput,
  opts: { schedule?: string } = {},
): Promise<Subscription> {
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' }))
    .object;
  const c = await onCustomerClock(ctx, customer);
  const now = c.clock.now();
  if (input.payment_behavior === 'pending_if_incomplete') {
    throw invalidRequest('You can only pass `payment_behavior=pending_if_incomplete` when updating a subscription.', {
      param: 'payment_behavior',
    });
  }
  if (input.items.length === 0) {
    throw invalidRequest('Missing required param: items.', { code: 'parameter_missing', param: 'items' });
  }
  if (input.items.length > 20) {
    throw invalidRequest('You may only specify up to 20 items per subscription.', { param: 'items' });
  }
  const collection = input.collection_method ?? 'charge_automatically';
  if (collection === 'send_invoice' && input.days_until_due == null) {
    throw invalidRequest('Missing required param: days_until_due.', {
      code: 'parameter_missing',
      param: 'days_until_due',
    });
  }
  if (collection === 'charge_automatically' && input.days_until_due != null) {
    throw invalidRequest('Invalid days_until_due: only valid when collection_method is `send_invoice`.', {
      param: 'days_until_due',
    });
  }
  if (input.default_payment_method) {
    await checkPaymentMethod(c, customer, input.default_payment_method, 'default_payment_method');
  }

  const id = newId('sub', 24);
  const start = input.backdate_start_date ?? now;
  if (input.backdate_start_date != null && input.backdate_start_date > now) {
    throw invalidRequest('The backdate_start_date must be in the past.', { param: 'backdate_start_date' });
  }

  // Items first (their prices decide the trial from plan and the cycle), with a provisional period.
  const items: SubscriptionItem[] = [];
  for (const [i, item] of input.items.entries()) {
    items.push(await buildItem(c, { id, customer: customer.id }, item, `items[${i}]`, { start, end: start }));
  }
  checkItems(items);
  const first = items[0] as SubscriptionItem;
  const recurring = first.price.recurring as NonNullable<typeof first.price.recurring>;
  const currency = first.price.currency;

  // Trial.
  let trialEnd: number | null = null;
  if (input.trial_end != null && input.trial_end !== 'now') {
    if (input.trial_end <= now) {
      throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'trial_end',
      });
    }
    if (input.trial_end > now + MAX_TRIAL) {
      throw invalidRequest('Invalid timestamp: can be no more than two years in the future.', { param: 'trial_end' });
    }
    trialEnd = input.trial_end;
  } else if (input.trial_end == null) {
    const days = input.trial_period_days ?? (input.trial_from_plan ? recurring.trial_period_days : null);
    if (days) trialEnd = start + days * DAY;
  }
  if (trialEnd !== null && input.trial_period_days != null && input.trial_end != null) {
    throw invalidRequest('You may only specify one of these parameters: trial_end, trial_period_days.', {
      param: 'trial_end',
    });
  }
  if (trialEnd !== null && trialEnd <= now) trialEnd = null;

  // Anchor and the first period.
  if (input.billing_cycle_anchor != null && input.billing_cycle_anchor_config) {
    throw invalidRequest(
      'You may only specify one of these parameters: billing_cycle_anchor, billing_cycle_anchor_config.',
      { param: 'billing_cycle_anchor' },
    );
  }
  let anchor: number;
  if (trialEnd !== null) anchor = trialEnd;
  else if (input.billing_cycle_anchor != null) anchor = input.billing_cycle_anchor;
  else if (input.billing_cycle_anchor_config) anchor = anchorFromConfig(start, input.billing_cycle_anchor_config);
  else anchor = start;
  if (trialEnd === null && anchor < start) {
    throw invalidRequest('billing_cycle_anchor cannot be earlier than the start of the subscription.', {
      param: 'billing_cycle_anchor',
    });
  }
  if (trialEnd === null && anchor > nthPeriodEnd(start, recurring, 1)) {
    throw invalidRequest('billing_cycle_anchor cannot be later than next natural billing date for the plan.', {
      param: 'billing_cycle_anchor',
    });
  }
  // A backdated subscription bills from its start, in the period of its cycle that contains now.
  const period =
    trialEnd !== null
      ? { start, end: trialEnd }
      : anchor > start
        ? { start, end: anchor }
        : periodAround(anchor, recurring, now);
  for (const item of items) {
    item.current_period_start = period.start;
    item.current_period_end = period.end;
  }

  const discountInput = input.discounts ?? legacyDiscounts(input);
  const discounts = await resolveDiscounts(
    c,
    discountInput,
    {
      customer: customer.id,
      subscription: id,
      currency,
    },
    input.discounts ? 'discounts' : input.coupon ? 'coupon' : 'promotion_code',
    { legacy: !input.discounts },
  );

  const sub: Subscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: anchor,
    billing_cycle_anchor_config: input.billing_cycle_anchor_config
      ? {
          day_of_month: input.billing_cycle_anchor_config.day_of_month,
          hour: input.billing_cycle_anchor_config.hour ?? null,
          minute: input.billing_cycle_anchor_config.minute ?? null,
          month: input.billing_cycle_anchor_config.month ?? null,
          second: input.billing_cycle_anchor_config.second ?? null,
        }
      : null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: input.cancel_at_period_end ?? false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: collection,
    created: now,
    currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: input.days_until_due ?? null,
    default_payment_method: input.default_payment_method ?? null,
    default_source: input.default_source ?? null,
    default_tax_rates: await loadTaxRates(c, input.default_tax_rates ?? [], 'default_tax_rates'),
    description: input.description ?? null,
    discounts: discounts.map((d) => d.id),
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: { object: 'list', data: items, has_more: false, url: '' },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: applyMetadata({}, input.metadata),
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: input.payment_settings?.payment_method_types ?? null,
      save_default_payment_method: input.payment_settings?.save_default_payment_method ?? 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: opts.schedule ?? null,
    start_date: start,
    status: trialEnd !== null ? 'trialing' : 'incomplete',
    test_clock: customer.test_clock ?? null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: input.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice',
      },
    },
    trial_start: trialEnd !== null ? start : null,
  };
  if (input.cancel_at != null) {
    sub.cancel_at = resolveCancelAt(sub, input.cancel_at);
  }
  const internal: SubscriptionInternal = {};
  await saveSubscription(c, sub, internal, { insert: true });

  // The first invoice, with the invoice's events held until the subscription is announced.
  const held = holdEvents(c);
  beginCreation(sub.id);
  let outcome: FirstPayment;
  try {
    const lines = await firstLines(
      held.ctx,
      sub,
      trialEnd !== null,
      anchor,
      input.proration_behavior ?? 'create_prorations',
    );
    const invoice = await draftInvoice(held.ctx, sub, {
      billingReason: 'subscription_create',
      lines,
      period: { start: period.start, end: period.start },
      includePending: false,
      addInvoiceItems: input.add_invoice_items ?? [],
    });
    sub.latest_invoice = invoice.id;
    const behavior = input.payment_behavior ?? 'allow_incomplete';
    if (
      collection === 'charge_automatically' &&
      behavior !== 'default_incomplete' &&
      invoice.amount_due > 0 &&
      !(await hasPaymentMethod(c, sub, customer))
    ) {
      // Stripe refuses to start charging a customer it has nothing to charge (the request rolls back).
      throw invalidRequest(NO_PAYMENT_METHOD, { code: 'resource_missing' });
    }
    outcome = await collect(held.ctx, invoice, {
      attempt: behavior !== 'default_incomplete',
      offSession: input.off_session ?? false,
    });
  } finally {
    endCreation(sub.id);
  }
  const behavior = input.payment_behavior ?? 'allow_incomplete';
  if (outcome.invoice.status === 'paid' || collection === 'send_invoice') {
    if (trialEnd === null) sub.status = 'active';
    if (outcome.paymentMethod && sub.payment_settings.save_default_payment_method === 'on_subscription') {
      sub.default_payment_method = outcome.paymentMethod;
    }
  } else if (behavior === 'error_if_incomplete') {
    // The request fails with the payment's error and rolls back: no subscription, no invoice (a
    // decline's error asks to keep its changes; this one must not).
    throw (
      (outcome.error && rolledBack(outcome.error)) ??
      new StripeError({
        kind: 'payment_failed',
        type: 'card_error',
        code: 'subscription_payment_intent_requires_action',
        message:
          'Payment for this subscription requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with `subscription.latest_invoice`. Additional information is available here: https://stripe.com/docs/billing/subscriptions/overview#requires-action',
      })
    );
  } else {
    sub.status = 'incomplete';
    internal.paymentBehavior = behavior;
  }
  await saveSubscription(c, sub, internal);
  await emitSubscriptionEvent(c, 'created', sub);
  await held.release();
  await scheduleLifecycle(c, sub, internal, { created: true });
  return renderSubscription(sub);
}

/** The same error, answered without committing what the request did. */
export function rolledBack(err: StripeError): StripeError {
  return new StripeError({
    kind: err.kind,
    type: err.type,
    message: err.message,
    ...(err.code ? { code: err.code } : {}),
    ...(err.param ? { param: err.param } : {}),
    ...(err.declineCode ? { declineCode: err.declineCode } : {}),
    ...(err.extra ? { extra: err.extra } : {}),
  });
}

/**
 * The first invoice's lines: a trial's zero-amount lines; else each licensed item's first period,
 * prorated when it runs up to a later anchor (unless `proration_behavior=none`, which bills
 * nothing for that stub period). Metered items bill their usage at the period's end.
 */
async function firstLines(
  ctx: MutationContext,
  sub: Subscription,
  trial: boolean,
  anchor: number,
  prorationBehavior: string,
): Promise<SubscriptionLine[]> {
  const lines: SubscriptionLine[] = [];
  for (const item of sub.items.data) {
    if (item.price.recurring?.usage_type === 'metered') continue;
    const name = await productName(ctx, item.price);
    const period = { start: item.current_period_start, end: item.current_period_end };
    if (trial) {
      lines.push(trialLine(item, name, period));
      continue;
    }
    const r = item.price.recurring as NonNullable<typeof item.price.recurring>;
    const fullLength = anchor - nthPeriodEnd(anchor, r, -1);
    const length = period.end - period.start;
    if (anchor > period.start) {
      if (prorationBehavior === 'none') continue;
      const line = cycleLine(item, name, period);
      line.amount = prorate(periodAmount(item.price, item.quantity ?? 1), length, fullLength);
      line.proration = true;
      lines.push(line);
    } else if (sub.start_date < period.start) {
      // Backdated: the time before the current period, prorated, then the current period.
      const backdated = cycleLine(item, name, { start: sub.start_date, end: period.start });
      const before = periodAround(anchor, r, sub.start_date);
      backdated.amount = prorate(
        periodAmount(item.price, item.quantity ?? 1),
        period.start - sub.start_date,
        before.end - before.start,
      );
      backdated.proration = true;
      lines.push(backdated, cycleLine(item, name, period));
    } else {
      lines.push(cycleLine(item, name, period));
    }
  }
  return lines;
}

/** `cancel_at` as a time: a timestamp, or the current period's end (`min_period_end`/`max_period_end`). */
export function resolveCancelAt(sub: Subscription, value: number | 'min_period_end' | 'max_period_end'): number {
  if (typeof value === 'number') {
    if (value < sub.start_date) {
      throw invalidRequest('cancel_at must be after the start of the subscription.', { param: 'cancel_at' });
    }
    return value;
  }
  const ends = sub.items.data.map((i) => i.current_period_end);
  return value === 'min_period_end' ? Math.min(...ends) : Math.max(...ends);
}
