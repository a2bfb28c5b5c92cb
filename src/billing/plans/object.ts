/**
 * The legacy Plan object (`Stripe.Plan`): Stripe's older view of a recurring price. A plan and a
 * price share one id and one stored object (a recurring price, type `price`); this module renders
 * the plan view of it.
 */
import { registerExpandable } from '../../platform/expand.js';
import type { Price, Tier } from '../prices/object.js';

export const PLAN = 'plan';

export interface Plan {
  id: string;
  object: 'plan';
  active: boolean;
  amount: number | null;
  amount_decimal: string | null;
  billing_scheme: 'per_unit' | 'tiered';
  created: number;
  currency: string;
  interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
  livemode: false;
  metadata: Record<string, string>;
  meter: string | null;
  nickname: string | null;
  /** A product id; expandable. */
  product: string | null;
  tiers?: Tier[];
  tiers_mode: 'graduated' | 'volume' | null;
  transform_usage: { divide_by: number; round: 'up' | 'down' } | null;
  trial_period_days: number | null;
  usage_type: 'licensed' | 'metered';
}

export interface DeletedPlan {
  id: string;
  object: 'plan';
  deleted: true;
}

/** Whether a stored price is also a plan: every recurring price is. */
export function isPlan(price: Price): boolean {
  return price.type === 'recurring' && price.recurring !== null;
}

/** The plan view of a recurring price (without `tiers`, which Stripe includes only when expanded). */
export function planFromPrice(price: Price): Plan {
  const r = price.recurring;
  if (!r) throw new Error(`price ${price.id} is not recurring`);
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: r.interval,
    interval_count: r.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: r.meter,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: price.transform_quantity,
    trial_period_days: r.trial_period_days,
    usage_type: r.usage_type,
  };
}

registerExpandable(PLAN, 'product', { kind: 'reference', to: 'product' });
registerExpandable(PLAN, 'tiers', {
  kind: 'includable',
  resolve: async (plan, source) => ((await source.load(String(plan.id))) as Price | undefined)?.tiers ?? [],
});
