/**
 * The Discount object: a coupon (directly, or through a promotion code) applied to a customer,
 * subscription, subscription item, invoice or invoice item, from `start` to `end`. Discounts have
 * no endpoints of their own: they appear on the objects they discount (`customer.discount`,
 * `subscription.discounts`, `invoice.discounts`) and are removed through them.
 */
import { registerExpandable } from '../../platform/expand.js';

export const DISCOUNT = 'discount';

export interface Discount {
  id: string;
  object: 'discount';
  checkout_session: string | null;
  customer: string | null;
  customer_account: string | null;
  /** `repeating` coupons only: when the discount stops applying; `null` for `once` and `forever`. */
  end: number | null;
  invoice: string | null;
  invoice_item: string | null;
  promotion_code: string | null;
  source: { coupon: string; type: 'coupon' };
  start: number;
  subscription: string | null;
  subscription_item: string | null;
}

export interface DeletedDiscount extends Omit<Discount, 'end'> {
  deleted: true;
}

export const discountFields = (d: Discount) => ({
  customer: d.customer,
  subscription: d.subscription,
  invoice: d.invoice,
});

registerExpandable(DISCOUNT, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(DISCOUNT, 'promotion_code', { kind: 'reference', to: 'promotion_code' });
registerExpandable(DISCOUNT, 'source.coupon', { kind: 'reference', to: 'coupon' });
