/**
 * The Subscription and SubscriptionItem objects (shapes of the pinned SDK's `Stripe.Subscription`
 * and `Stripe.SubscriptionItem`): since basil the billing period lives on each item
 * (`current_period_start/end`), and the subscription keeps the anchor, the trial, the cancellation
 * and the invoice it last produced. The status table is data (facts §8.2); every status change goes
 * through `transition`.
 */

import { invalidRequest } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import type { Price } from '../prices/object.js';

export const SUBSCRIPTION = 'subscription';
export const SUBSCRIPTION_ITEM = 'subscription_item';

export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'unpaid'
  | 'canceled'
  | 'paused';

/**
 * Which status may follow which (Stripe's lifecycle): an incomplete subscription becomes active when
 * its first invoice is paid or expires after 23 hours; a trial ends active (or paused without a
 * payment method, or canceled); a failed renewal makes it past_due until paid, or the dunning end
 * (canceled / unpaid); unpaid recovers when an invoice is paid; canceled and incomplete_expired are final.
 */
export const SUBSCRIPTION_TRANSITIONS = {
  incomplete: ['active', 'incomplete_expired', 'canceled'],
  incomplete_expired: [],
  trialing: ['active', 'past_due', 'paused', 'canceled', 'incomplete'],
  active: ['past_due', 'canceled', 'unpaid', 'trialing', 'paused'],
  past_due: ['active', 'canceled', 'unpaid', 'trialing'],
  unpaid: ['active', 'canceled', 'past_due', 'trialing'],
  paused: ['active', 'trialing', 'canceled'],
  canceled: [],
} as const satisfies Record<SubscriptionStatus, readonly SubscriptionStatus[]>;

/** Moves `sub` to `to`, or refuses a move the table does not allow (a bug or a terminal subscription). */
export function transition(sub: Subscription, to: SubscriptionStatus): void {
  if (sub.status === to) return;
  const allowed = SUBSCRIPTION_TRANSITIONS[sub.status] as readonly SubscriptionStatus[];
  if (!allowed.includes(to)) {
    throw invalidRequest(`A subscription with status '${sub.status}' cannot become '${to}'.`);
  }
  sub.status = to;
}

/** A subscription that no longer bills: nothing but metadata may change on it. */
export const ENDED: ReadonlySet<SubscriptionStatus> = new Set(['canceled', 'incomplete_expired']);

export interface Plan {
  id: string;
  object: 'plan';
  active: boolean;
  amount: number | null;
  amount_decimal: string | null;
  billing_scheme: string;
  created: number;
  currency: string;
  interval: string;
  interval_count: number;
  livemode: false;
  metadata: Record<string, string>;
  meter: string | null;
  nickname: string | null;
  product: string;
  tiers_mode: string | null;
  transform_usage: { divide_by: number; round: string } | null;
  trial_period_days: number | null;
  usage_type: string;
}

/** The legacy `plan` view of a recurring price (same id), as items still carry it. */
export function planOf(price: Price): Plan {
  const r = price.recurring;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: r?.interval ?? 'month',
    interval_count: r?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: r?.meter ?? null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: price.transform_quantity,
    trial_period_days: r?.trial_period_days ?? null,
    usage_type: r?.usage_type ?? 'licensed',
  };
}

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  billing_thresholds: { usage_gte: number | null } | null;
  created: number;
  current_period_end: number;
  current_period_start: number;
  /** Trial offers only (Stripe's newer trial API); a `trial_end` trial leaves it null. */
  current_trial: { end_date: number; start_date: number; trial_offer: string } | null;
  discounts: string[];
  metadata: Record<string, string>;
  plan: Plan;
  /** The price as stored (tiers included); rendered without `tiers` as Stripe does. */
  price: Price;
  /** Absent for metered prices (Stripe omits it there). */
  quantity?: number;
  subscription: string;
  tax_rates: object[];
}

export interface CancellationDetails {
  comment: string | null;
  feedback: string | null;
  feedback_option: string | null;
  reason: 'cancellation_requested' | 'payment_disputed' | 'payment_failed' | null;
}

export interface PauseCollection {
  behavior: 'keep_as_draft' | 'mark_uncollectible' | 'void';
  resumes_at: number | null;
}

export interface PendingUpdate {
  billing_cycle_anchor: number | null;
  expires_at: number;
  subscription_items: SubscriptionItem[] | null;
  trial_end: number | null;
  trial_from_plan: boolean | null;
}

export type MissingPaymentMethod = 'cancel' | 'create_invoice' | 'pause';

export interface Subscription {
  id: string;
  object: 'subscription';
  application: null;
  application_fee_percent: number | null;
  automatic_tax: { disabled_reason: null; enabled: boolean; liability: { type: 'self' } | null };
  billing_cycle_anchor: number;
  billing_cycle_anchor_config: {
    day_of_month: number;
    hour: number | null;
    minute: number | null;
    month: number | null;
    second: number | null;
  } | null;
  billing_mode: { flexible: null | { proration_discounts: string }; type: 'classic' | 'flexible'; updated_at?: number };
  billing_schedules: [];
  billing_thresholds: null;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: CancellationDetails | null;
  collection_method: 'charge_automatically' | 'send_invoice';
  created: number;
  currency: string;
  customer: string;
  customer_account: string | null;
  days_until_due: number | null;
  default_payment_method: string | null;
  default_source: string | null;
  default_tax_rates: object[];
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  invoice_settings: {
    account_tax_ids: string[] | null;
    custom_fields: null;
    description: string | null;
    footer: string | null;
    issuer: { type: 'self' };
  };
  items: { object: 'list'; data: SubscriptionItem[]; has_more: boolean; url: string };
  latest_invoice: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Record<string, string>;
  next_pending_invoice_item_invoice: number | null;
  on_behalf_of: string | null;
  pause_collection: PauseCollection | null;
  payment_settings: {
    payment_method_options: null;
    payment_method_types: string[] | null;
    save_default_payment_method: 'off' | 'on_subscription' | null;
  };
  pending_invoice_item_interval: null;
  pending_setup_intent: string | null;
  pending_update: PendingUpdate | null;
  presentment_details?: undefined;
  schedule: string | null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: string | null;
  transfer_data: null;
  trial_end: number | null;
  trial_settings: {
    end_behavior: { billing_cycle_anchor: 'now' | 'unchanged' | null; missing_payment_method: MissingPaymentMethod };
  };
  trial_start: number | null;
}

/**
 * Server-only state kept beside a subscription: how it was asked to collect its first invoice, and
 * the time its current period began billing (renewal and proration bookkeeping).
 */
export interface SubscriptionInternal {
  /** Set while an `incomplete` subscription waits for its first invoice (its `payment_behavior`). */
  paymentBehavior?: string;
  /** The trial_will_end notice was sent for this `trial_end`. */
  trialWillEndFor?: number | null;
  /** A `pending_if_incomplete` update waiting for `invoice`: the subscription to restore when it expires. */
  pendingInvoice?: string | null;
  /** The subscription as the pending update makes it, applied when `pendingInvoice` is paid. */
  pendingSubscription?: Subscription | null;
  /** The discounts (ids) an applied coupon/promotion code created, for `DELETE …/discount`. */
  discountIds?: string[];
}

/** Indexed fields: the list filters and the test-clock helper's advance limit. */
export const subscriptionFields = (s: Subscription) => ({
  customer: s.customer,
  status: s.status,
  test_clock: s.test_clock,
  collection_method: s.collection_method,
  // A subscription's prices, space-separated and padded, for `price=` (matched in memory; see routes).
  price: s.items.data.map((i) => i.price.id).join(' '),
  // The shortest interval of its items (for the clock's limit on how far one advance may go).
  interval: shortestInterval(s),
});

export const subscriptionItemFields = (i: SubscriptionItem) => ({ subscription: i.subscription });

function shortestInterval(s: Subscription): string | null {
  let best: { seconds: number; label: string } | null = null;
  for (const item of s.items.data) {
    const r = item.price.recurring;
    if (!r) continue;
    const unit = { day: 86400, week: 604800, month: 2592000, year: 31536000 }[r.interval];
    const seconds = unit * r.interval_count;
    if (!best || seconds < best.seconds) best = { seconds, label: `${r.interval}:${r.interval_count}` };
  }
  return best?.label ?? null;
}

/** A stored item as Stripe renders it: the price without its includable `tiers`. */
export function renderItem(item: SubscriptionItem): SubscriptionItem {
  const { tiers: _tiers, currency_options: _co, ...price } = item.price;
  return { ...item, price: price as Price };
}

registerExpandable(SUBSCRIPTION, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(SUBSCRIPTION, 'default_payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(SUBSCRIPTION, 'default_source', { kind: 'reference' });
registerExpandable(SUBSCRIPTION, 'latest_invoice', { kind: 'reference', to: 'invoice' });
registerExpandable(SUBSCRIPTION, 'pending_setup_intent', { kind: 'reference', to: 'setup_intent' });
registerExpandable(SUBSCRIPTION, 'schedule', { kind: 'reference', to: 'subscription_schedule' });
registerExpandable(SUBSCRIPTION, 'test_clock', { kind: 'reference' });
// The embedded items list is always present; naming it lets paths reach into its items
// (`items.data.price.product`).
registerExpandable(SUBSCRIPTION, 'items', { kind: 'includable', resolve: async (s) => s.items });
registerExpandable(SUBSCRIPTION_ITEM, 'price.product', { kind: 'reference', to: 'product' });
