/**
 * The Coupon object: a discount (a percentage or a fixed amount) and how long it lasts once
 * applied (`once`, `repeating` for `duration_in_months`, `forever`). Redemptions count up in
 * `times_redeemed`; a coupon stops being `valid` at `redeem_by` or `max_redemptions`.
 */
import { registerExpandable } from '../../platform/expand.js';

export const COUPON = 'coupon';

export type Duration = 'forever' | 'once' | 'repeating';

export interface Coupon {
  id: string;
  object: 'coupon';
  amount_off: number | null;
  applies_to?: { products: string[] };
  created: number;
  currency: string | null;
  currency_options?: Record<string, { amount_off: number }>;
  duration: Duration;
  duration_in_months: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

export interface DeletedCoupon {
  id: string;
  object: 'coupon';
  deleted: true;
}

/** Whether the coupon can still be redeemed at `now` (unix seconds). */
export function couponRedeemable(c: Coupon, now: number): boolean {
  if (!c.valid) return false;
  if (c.redeem_by !== null && now > c.redeem_by) return false;
  if (c.max_redemptions !== null && c.times_redeemed >= c.max_redemptions) return false;
  return true;
}

/**
 * A coupon as Stripe renders it: `currency_options` and `applies_to` only when expanded, and, given
 * the time, no longer `valid` once its `redeem_by` has passed (the stored flag records only what
 * redemptions did).
 */
export function renderCoupon(c: Coupon, expand: readonly string[] = [], now?: number): Coupon {
  const out: Coupon = { ...c };
  if (now !== undefined && !couponRedeemable(c, now)) out.valid = false;
  if (!expand.includes('applies_to')) delete out.applies_to;
  if (!expand.includes('currency_options')) delete out.currency_options;
  return out;
}

/** Includable: present on the stored coupon, rendered only when expanded. */
registerExpandable(COUPON, 'applies_to', {
  kind: 'includable',
  resolve: async (c, source) => ((await source.load(String(c.id))) as Coupon | undefined)?.applies_to,
});
registerExpandable(COUPON, 'currency_options', {
  kind: 'includable',
  resolve: async (c, source) => ((await source.load(String(c.id))) as Coupon | undefined)?.currency_options ?? {},
});
