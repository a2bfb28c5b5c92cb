/**
 * What a coupon takes off an amount: shared by invoices (per line and per invoice) and
 * subscriptions' previews. Amounts are in the currency's minor unit.
 */
import { invalidRequest } from '../../platform/errors.js';
import { mul, roundHalfUp, scaled, toScaled } from '../prices/decimal.js';
import type { Coupon } from './object.js';

/**
 * The `amount_off` of a coupon in `currency`: its own when the currencies match, else its
 * `currency_options` entry; `null` when it has none for that currency (or is a percentage coupon).
 */
export function couponAmountOff(coupon: Coupon, currency: string): number | null {
  if (coupon.amount_off === null) return null;
  const c = currency.toLowerCase();
  if (coupon.currency === c) return coupon.amount_off;
  return coupon.currency_options?.[c]?.amount_off ?? null;
}

/**
 * Refuses an `amount_off` coupon that has no amount in `currency`, as Stripe refuses applying it to
 * an invoice or subscription in another currency.
 */
export function assertCouponCurrency(coupon: Coupon, currency: string, param?: string): void {
  if (coupon.amount_off !== null && couponAmountOff(coupon, currency) === null) {
    throw invalidRequest(
      `The coupon \`${coupon.id}\` is in ${coupon.currency?.toUpperCase()} and cannot be applied to an amount in ${currency.toUpperCase()}.`,
      param ? { param } : {},
    );
  }
}

/**
 * The discount `coupon` gives on `amount` (minor units, ≥ 0) in `currency`: `percent_off` of the
 * amount rounded half up, or `amount_off` capped at the amount (a discount never makes an amount
 * negative). An `amount_off` coupon with no amount in that currency discounts nothing (callers
 * refuse it up front with `assertCouponCurrency`).
 */
export function couponDiscount(coupon: Coupon, amount: number, currency: string): number {
  if (amount <= 0) return 0;
  if (coupon.percent_off !== null) {
    const off = roundHalfUp(mul(scaled(amount), toScaled(coupon.percent_off)) / 100n);
    return Math.min(off, amount);
  }
  const off = couponAmountOff(coupon, currency);
  return off === null ? 0 : Math.min(off, amount);
}

/** Whether the coupon applies to a line of `productId` (`applies_to.products`; no list = every product). */
export function couponAppliesTo(coupon: Coupon, productId: string | null | undefined): boolean {
  const products = coupon.applies_to?.products;
  if (!products) return true;
  return productId !== null && productId !== undefined && products.includes(productId);
}
