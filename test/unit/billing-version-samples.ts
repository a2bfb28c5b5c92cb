/**
 * Billing objects in the newest shape (stripe@23), and the store they reference, for the version
 * tests: every billing version change has a sample of its object here (test/unit/versions.test.ts
 * checks each change both ways), and test/unit/billing-versions.test.ts checks the older shapes.
 */
import type { Json } from '../../src/platform/operation.js';

export const coupon: Json = {
  id: 'co_1',
  object: 'coupon',
  amount_off: null,
  created: 10,
  duration: 'forever',
  percent_off: 10,
  valid: true,
};
export const price = (over: Json = {}): Json => ({
  id: 'price_1',
  object: 'price',
  active: true,
  billing_scheme: 'per_unit',
  created: 10,
  currency: 'usd',
  livemode: false,
  metadata: {},
  nickname: null,
  product: 'prod_1',
  recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
  tiers_mode: null,
  transform_quantity: null,
  type: 'recurring',
  unit_amount: 1000,
  unit_amount_decimal: '1000',
  ...over,
});
export const taxRate: Json = { id: 'txr_1', object: 'tax_rate', inclusive: false, percentage: 10, created: 10 };
export const discount = (over: Json = {}): Json => ({
  id: 'di_1',
  object: 'discount',
  customer: 'cus_1',
  end: null,
  invoice: null,
  promotion_code: null,
  source: { coupon: 'co_1', type: 'coupon' },
  start: 20,
  subscription: 'sub_1',
  ...over,
});
export const promotionCode = (over: Json = {}): Json => ({
  id: 'promo_1',
  object: 'promotion_code',
  active: true,
  code: 'SAVE10',
  created: 20,
  promotion: { coupon: 'co_1', type: 'coupon' },
  ...over,
});
export const subscriptionItem = (over: Json = {}): Json => ({
  id: 'si_1',
  object: 'subscription_item',
  created: 20,
  current_period_end: 2_700_000,
  current_period_start: 100_000,
  discounts: [],
  price: price(),
  quantity: 1,
  subscription: 'sub_1',
  ...over,
});
export const subscription = (over: Json = {}): Json => ({
  id: 'sub_1',
  object: 'subscription',
  billing_cycle_anchor: 100_000,
  created: 20,
  customer: 'cus_1',
  discounts: ['di_1'],
  items: {
    object: 'list',
    data: [subscriptionItem()],
    has_more: false,
    total_count: 1,
    url: '/v1/subscription_items?subscription=sub_1',
  },
  latest_invoice: 'in_1',
  status: 'active',
  ...over,
});
const tax = {
  amount: 100,
  tax_behavior: 'exclusive',
  tax_rate_details: { tax_rate: 'txr_1' },
  taxability_reason: 'standard_rated',
  taxable_amount: 1000,
  type: 'tax_rate_details',
};
export const lineItem = (over: Json = {}): Json => ({
  id: 'il_1',
  object: 'line_item',
  amount: 1000,
  currency: 'usd',
  discounts: [],
  invoice: 'in_1',
  parent: {
    invoice_item_details: null,
    subscription_item_details: {
      invoice_item: null,
      proration: false,
      proration_details: { credited_items: null },
      subscription: 'sub_1',
      subscription_item: 'si_1',
    },
    type: 'subscription_item_details',
  },
  period: { end: 2_700_000, start: 100_000 },
  pretax_credit_amounts: [],
  pricing: {
    price_details: { price: 'price_1', product: 'prod_1' },
    type: 'price_details',
    unit_amount_decimal: '1000',
  },
  quantity: 1,
  subscription: 'sub_1',
  taxes: [tax],
  ...over,
});
export const invoice = (over: Json = {}): Json => ({
  id: 'in_1',
  object: 'invoice',
  amount_due: 1100,
  amount_paid: 1100,
  amount_remaining: 0,
  billing_reason: 'subscription_create',
  created: 30,
  customer: 'cus_1',
  discounts: ['di_1'],
  lines: { object: 'list', data: [lineItem()], has_more: false, total_count: 1, url: '/v1/invoices/in_1/lines' },
  parent: {
    quote_details: null,
    subscription_details: { metadata: { plan: 'gold' }, subscription: 'sub_1' },
    type: 'subscription_details',
  },
  status: 'paid',
  total: 1100,
  total_taxes: [tax],
  ...over,
});
export const invoicePayment: Json = {
  id: 'inpay_1',
  object: 'invoice_payment',
  amount_paid: 1100,
  created: 31,
  invoice: 'in_1',
  is_default: true,
  payment: { payment_intent: 'pi_inv', type: 'payment_intent' },
  status: 'paid',
};
export const invoicePaymentIntent: Json = {
  id: 'pi_inv',
  object: 'payment_intent',
  amount: 1100,
  created: 31,
  latest_charge: 'ch_inv',
  status: 'succeeded',
};
export const invoiceItem = (over: Json = {}): Json => ({
  id: 'ii_1',
  object: 'invoiceitem',
  amount: 500,
  currency: 'usd',
  customer: 'cus_1',
  date: 30,
  invoice: 'in_1',
  parent: { subscription_details: { subscription: 'sub_1', subscription_item: 'si_1' }, type: 'subscription_details' },
  pricing: {
    price_details: { price: 'price_1', product: 'prod_1' },
    type: 'price_details',
    unit_amount_decimal: '500',
  },
  quantity: 1,
  ...over,
});
export const creditNote = (over: Json = {}): Json => ({
  id: 'cn_1',
  object: 'credit_note',
  amount: 1100,
  created: 40,
  invoice: 'in_1',
  refunds: [{ amount_refunded: 1100, refund: 're_cn', type: 'refund' }],
  total_taxes: [tax],
  ...over,
});
export const creditNoteLine = (over: Json = {}): Json => ({
  id: 'cnli_1',
  object: 'credit_note_line_item',
  amount: 1000,
  quantity: 2,
  taxes: [{ ...tax, tax_behavior: 'inclusive' }],
  type: 'invoice_line_item',
  ...over,
});
export const plan = (over: Json = {}): Json => ({
  id: 'price_1',
  object: 'plan',
  active: true,
  amount: 1000,
  interval: 'month',
  usage_type: 'metered',
  ...over,
});

export const product = (over: Json = {}): Json => ({
  id: 'prod_1',
  object: 'product',
  active: true,
  created: 10,
  marketing_features: [{ name: 'Fast' }],
  name: 'Gold',
  ...over,
});

export const subscriptionSchedule = (over: Json = {}): Json => ({
  id: 'sub_sched_1',
  object: 'subscription_schedule',
  created: 20,
  phases: [{ discounts: [{ coupon: 'co_1', discount: null, promotion_code: null }], end_date: 200, start_date: 100 }],
  status: 'active',
  ...over,
});

/** What the billing samples reference, for a memory VersionSource. */
export const BILLING_STORE: Json[] = [
  coupon,
  price(),
  taxRate,
  discount(),
  invoicePayment,
  invoicePaymentIntent,
  { id: 'in_9', object: 'invoice', created: 5, payment_intent: 'pi_9' },
];

export const BILLING_SAMPLES: Record<string, () => Json> = {
  subscription,
  subscription_item: subscriptionItem,
  subscription_schedule: subscriptionSchedule,
  invoice,
  line_item: lineItem,
  invoiceitem: invoiceItem,
  credit_note: creditNote,
  credit_note_line_item: creditNoteLine,
  price,
  product,
  plan,
  discount,
  promotion_code: promotionCode,
};
