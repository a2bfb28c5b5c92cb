/**
 * Parameters of the Subscription endpoints, as the pinned SDK declares them, plus the older names
 * integrations written before basil still send (`coupon`, `promotion_code`, `items[][plan]`).
 * Parameters Sandbank accepts without modelling (Connect, automatic tax, thresholds) are `opaque`.
 */
import { expandParam, listParams, searchParams } from '../../platform/list.js';
import { type Field, p, params } from '../../platform/params.js';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

export const priceDataParam = p.hash({
  currency: p.string({ required: true }),
  product: p.string({ required: true }),
  recurring: p.hash(
    { interval: p.enum(INTERVALS, { required: true }), interval_count: p.integer({ min: 1 }) },
    { required: true },
  ),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified'] as const),
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: p.string(),
});

export const discountParam = p.hash({
  coupon: p.string(),
  discount: p.string(),
  promotion_code: p.string(),
  promotion: p.opaque(),
});

const discountsParam = p.array(discountParam, { emptyable: true });
const taxRatesParam = p.array(p.string(), { emptyable: true });

const itemShape = {
  price: p.string(),
  plan: p.string(),
  price_data: priceDataParam,
  quantity: p.integer({ min: 0 }),
  discounts: discountsParam,
  tax_rates: taxRatesParam,
  metadata: p.stringMap({ emptyable: true }),
  billing_thresholds: p.opaque(),
  current_trial: p.opaque(),
};

export const itemParam = p.hash(itemShape);

export const updateItemParam = p.hash({
  ...itemShape,
  id: p.string(),
  deleted: p.boolean(),
  clear_usage: p.boolean(),
});

const anchorConfigParam = p.hash({
  day_of_month: p.integer({ min: 1, max: 31, required: true }),
  hour: p.integer({ min: 0, max: 23 }),
  minute: p.integer({ min: 0, max: 59 }),
  month: p.integer({ min: 1, max: 12 }),
  second: p.integer({ min: 0, max: 59 }),
});

const trialSettingsParam = p.hash({
  end_behavior: p.hash(
    { missing_payment_method: p.enum(['cancel', 'create_invoice', 'pause'] as const, { required: true }) },
    { required: true },
  ),
});

const paymentSettingsParam = p.hash({
  payment_method_options: p.opaque(),
  payment_method_types: p.array(p.string(), { emptyable: true }),
  save_default_payment_method: p.enum(['off', 'on_subscription'] as const),
});

const pauseCollectionParam = p.hash(
  {
    behavior: p.enum(['keep_as_draft', 'mark_uncollectible', 'void'] as const, { required: true }),
    resumes_at: p.integer({ min: 0 }),
  },
  { emptyable: true },
);

const cancellationDetailsParam = p.hash({
  comment: p.string({ emptyable: true }),
  feedback: p.enum(
    [
      'customer_service',
      'low_quality',
      'missing_features',
      'other',
      'switched_service',
      'too_complex',
      'too_expensive',
      'unused',
    ] as const,
    { emptyable: true },
  ),
});

const addInvoiceItemParam = p.hash({
  price: p.string(),
  price_data: p.opaque(),
  quantity: p.integer({ min: 0 }),
  discounts: discountsParam,
  tax_rates: taxRatesParam,
  metadata: p.stringMap(),
  period: p.opaque(),
});

/** `cancel_at`: a timestamp, or (since basil) `min_period_end` / `max_period_end`. */
const cancelAtParam: Field<number | 'min_period_end' | 'max_period_end'> & { required: false } = {
  required: false,
  emptyable: true,
  parse(value, path) {
    if (value === 'min_period_end' || value === 'max_period_end') return value;
    return integerField.parse(value, path);
  },
};
const integerField = p.integer({ min: 0 });

/** endive: `billing_cycle_anchor[type]=now|unchanged` (older versions' strings are upgraded to it). */
const anchorTypeParam = p.hash({ type: p.enum(['now', 'unchanged'] as const, { required: true }) });

const common = {
  add_invoice_items: p.array(addInvoiceItemParam, { maxItems: 20 }),
  application_fee_percent: p.opaque(),
  automatic_tax: p.opaque(),
  billing_thresholds: p.opaque(),
  cancel_at: cancelAtParam,
  cancel_at_period_end: p.boolean(),
  collection_method: p.enum(['charge_automatically', 'send_invoice'] as const),
  coupon: p.string(),
  days_until_due: p.integer({ min: 0 }),
  default_payment_method: p.string({ emptyable: true }),
  default_source: p.string({ emptyable: true }),
  default_tax_rates: taxRatesParam,
  description: p.string({ emptyable: true }),
  discounts: discountsParam,
  expand: expandParam,
  invoice_settings: p.opaque(),
  metadata: p.stringMap({ emptyable: true }),
  off_session: p.boolean(),
  on_behalf_of: p.opaque(),
  payment_settings: paymentSettingsParam,
  pending_invoice_item_interval: p.opaque(),
  promotion_code: p.string(),
  proration_behavior: p.enum(['always_invoice', 'create_prorations', 'none'] as const),
  transfer_data: p.opaque(),
  trial_from_plan: p.boolean(),
  trial_settings: trialSettingsParam,
};

export const createSubscriptionParams = params({
  ...common,
  customer: p.string({ required: true }),
  customer_account: p.string(),
  items: p.array(itemParam, { required: true }),
  backdate_start_date: p.integer({ min: 0 }),
  billing_cycle_anchor: p.integer({ min: 0 }),
  billing_cycle_anchor_config: anchorConfigParam,
  billing_mode: p.opaque(),
  currency: p.string(),
  payment_behavior: p.enum([
    'allow_incomplete',
    'default_incomplete',
    'error_if_incomplete',
    'pending_if_incomplete',
  ] as const),
  trial_end: p.timestamp({ allowNow: true }),
  trial_period_days: p.integer({ min: 0, max: 730 }),
});

export const updateSubscriptionParams = params({
  ...common,
  items: p.array(updateItemParam),
  billing_cycle_anchor: anchorTypeParam,
  cancellation_details: cancellationDetailsParam,
  pause_collection: pauseCollectionParam,
  payment_behavior: p.enum([
    'allow_incomplete',
    'default_incomplete',
    'error_if_incomplete',
    'pending_if_incomplete',
  ] as const),
  proration_date: p.integer({ min: 0 }),
  trial_end: p.timestamp({ allowNow: true }),
});

export const cancelSubscriptionParams = params({
  cancellation_details: cancellationDetailsParam,
  expand: expandParam,
  invoice_now: p.boolean(),
  prorate: p.boolean(),
});

export const resumeSubscriptionParams = params({
  billing_cycle_anchor: anchorTypeParam,
  expand: expandParam,
  proration_behavior: p.enum(['always_invoice', 'create_prorations', 'none'] as const),
  proration_date: p.integer({ min: 0 }),
});

export const retrieveSubscriptionParams = params({ expand: expandParam });
export const deleteDiscountParams = params({});

const STATUS_FILTER = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

export const listSubscriptionsParams = params({
  ...listParams,
  automatic_tax: p.opaque(),
  collection_method: p.enum(['charge_automatically', 'send_invoice'] as const),
  created: p.range(),
  current_period_end: p.range(),
  current_period_start: p.range(),
  customer: p.string(),
  customer_account: p.string(),
  price: p.string(),
  plan: p.string(),
  status: p.enum(STATUS_FILTER),
  test_clock: p.string(),
});

export const searchSubscriptionsParams = params({ ...searchParams });

export type CreateSubscriptionInput = ReturnType<typeof createSubscriptionParams.parse>;
export type UpdateSubscriptionInput = ReturnType<typeof updateSubscriptionParams.parse>;
export type CancelSubscriptionInput = ReturnType<typeof cancelSubscriptionParams.parse>;
export type ItemInput = ReturnType<typeof itemParam.parse>;
export type UpdateItemInput = ReturnType<typeof updateItemParam.parse>;
export type DiscountInput = ReturnType<typeof discountParam.parse>;
