/**
 * The Promotion Code object: a customer-facing code (`SUMMER25`) for a coupon, with its own
 * redemption limits and restrictions (first purchase only, minimum amount, one customer).
 */
import { registerExpandable } from '../../platform/expand.js';

export const PROMOTION_CODE = 'promotion_code';

export interface Restrictions {
  currency_options?: Record<string, { minimum_amount: number }>;
  first_time_transaction: boolean;
  minimum_amount: number | null;
  minimum_amount_currency: string | null;
}

export interface PromotionCode {
  id: string;
  object: 'promotion_code';
  active: boolean;
  code: string;
  created: number;
  /** A customer id; expandable. */
  customer: string | null;
  customer_account: string | null;
  expires_at: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  /** `coupon` is a coupon id; expandable (`promotion.coupon`). */
  promotion: { coupon: string; type: 'coupon' };
  restrictions: Restrictions;
  times_redeemed: number;
}

/** Indexed fields for the list filters and the uniqueness of active codes. */
export const promotionCodeFields = (p: PromotionCode) => ({
  active: String(p.active),
  // Codes are unique case-insensitively among active codes; the list filter matches either case.
  code: p.code.toLowerCase(),
  coupon: p.promotion.coupon,
  customer: p.customer,
});

registerExpandable(PROMOTION_CODE, 'promotion.coupon', { kind: 'reference', to: 'coupon' });
registerExpandable(PROMOTION_CODE, 'customer', { kind: 'reference', to: 'customer' });
