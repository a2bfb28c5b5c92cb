/**
 * Applying coupons: turns Stripe's `discounts[]` parameter (`{coupon}`, `{promotion_code}` or an
 * existing `{discount}`) — or the older single `coupon` / `promotion_code` parameters — into
 * Discount objects for a customer, subscription, subscription item, invoice or invoice item. It
 * checks what Stripe checks before a redemption (the coupon is still valid; the promotion code is
 * active, unexpired, under its limit, and its restrictions hold), and counts the redemption on the
 * coupon and the code, which stop being redeemable when they reach their limits.
 *
 * Callers pass the context their work runs on (`onCustomerClock`), so `start`, `end` and expiry
 * checks read the customer's test clock when it has one.
 */
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { assertCouponCurrency } from '../coupons/amounts.js';
import { loadCoupon } from '../coupons/load.js';
import { COUPON, type Coupon } from '../coupons/object.js';
import { loadPromotionCode } from '../promotion-codes/load.js';
import { PROMOTION_CODE, type PromotionCode, promotionCodeFields } from '../promotion-codes/object.js';
import { addMonths } from './months.js';
import { type DeletedDiscount, DISCOUNT, type Discount, discountFields } from './object.js';

export type { Discount } from './object.js';

/** One entry of Stripe's `discounts[]` parameter. */
export interface DiscountInput {
  coupon?: string | null;
  promotion_code?: string | null;
  discount?: string | null;
}

/** What the new discounts belong to, and what promotion-code restrictions are checked against. */
export interface DiscountOwner {
  customer: string | null;
  subscription?: string | null;
  subscription_item?: string | null;
  invoice?: string | null;
  invoice_item?: string | null;
  /** The currency billed: `amount_off` coupons must have an amount in it. */
  currency?: string | null;
  /** The order's amount in `currency` (minor units), for `restrictions.minimum_amount`. */
  amount?: number | null;
}

/** Stripe's refusals of a promotion code whose conditions do not hold. */
export const PROMOTION_CODE_ERRORS = {
  inactive: 'This promotion code is not active.',
  expired: 'This promotion code has expired.',
  exhausted: 'This promotion code cannot be redeemed because it has been used the maximum number of times.',
  customer: 'This promotion code cannot be redeemed by this customer.',
  firstTime: 'This promotion code cannot be redeemed because the associated customer has prior transactions.',
  minimum: 'This promotion code cannot be redeemed because the order amount is too low.',
} as const;

/**
 * The older single-coupon parameters (`coupon=…`, `promotion_code=…` on customers, subscriptions
 * and invoices before `discounts[]`) as a `discounts[]` input; `undefined` when neither is sent,
 * and `[]` when one is sent empty (which removes the discount).
 */
export function legacyDiscounts(input: {
  coupon?: string | null;
  promotion_code?: string | null;
}): DiscountInput[] | undefined {
  if (input.coupon === undefined && input.promotion_code === undefined) return undefined;
  const out: DiscountInput[] = [];
  if (input.coupon) out.push({ coupon: input.coupon });
  if (input.promotion_code) out.push({ promotion_code: input.promotion_code });
  return out;
}

/** The parameter path of entry `i` of `discounts` for errors, e.g. `discounts[0][coupon]`. */
function entryParam(param: string, i: number, key: string, legacy: boolean): string {
  return legacy ? key : `${param}[${i}][${key}]`;
}

/**
 * Validates and applies `input` to `owner`: new Discount objects for coupons and promotion codes
 * (each redemption counted), existing ones for `{discount}` entries. `param` names the parameter in
 * errors (`discounts`; pass `coupon` / `promotion_code` style with `legacy` for the old params).
 */
export async function resolveDiscounts(
  ctx: MutationContext,
  input: readonly DiscountInput[] | null | undefined,
  owner: DiscountOwner,
  param = 'discounts',
  opts: { legacy?: boolean } = {},
): Promise<Discount[]> {
  if (!input) return [];
  const legacy = opts.legacy ?? false;
  const out: Discount[] = [];
  for (const [i, entry] of input.entries()) {
    const given = (['coupon', 'promotion_code', 'discount'] as const).filter((k) => entry[k]);
    if (given.length !== 1) {
      throw invalidRequest(
        given.length === 0
          ? `You must specify one of coupon, promotion_code, or discount in ${param}[${i}].`
          : `You may only specify one of these parameters: ${given.join(', ')}.`,
        { param: `${param}[${i}]` },
      );
    }
    if (entry.discount) {
      const at = entryParam(param, i, 'discount', legacy);
      const existing = await loadDiscount(ctx.tx, ctx.account.id, entry.discount, at);
      // An existing discount is reused only by what belongs to the same customer (a customer's
      // discount on its subscription, a subscription's on its invoice).
      if (existing.customer !== null && owner.customer !== null && existing.customer !== owner.customer) {
        throw invalidRequest(`The discount \`${existing.id}\` belongs to a different customer.`, { param: at });
      }
      out.push(existing);
    } else if (entry.coupon) {
      const at = entryParam(param, i, 'coupon', legacy);
      const coupon = await redeemableCoupon(ctx, entry.coupon, owner, at);
      out.push(await applyCoupon(ctx, coupon, null, owner));
    } else if (entry.promotion_code) {
      const at = entryParam(param, i, 'promotion_code', legacy);
      const code = await redeemablePromotionCode(ctx, entry.promotion_code, owner, at);
      const coupon = await redeemableCoupon(ctx, code.promotion.coupon, owner, at);
      out.push(await applyCoupon(ctx, coupon, code, owner));
    }
  }
  return out;
}

async function redeemableCoupon(
  ctx: MutationContext,
  id: string,
  owner: DiscountOwner,
  param: string,
): Promise<Coupon> {
  const coupon = await loadCoupon(ctx.tx, ctx.account.id, id, param);
  const now = ctx.clock.now();
  const expired =
    !coupon.valid ||
    (coupon.redeem_by !== null && now > coupon.redeem_by) ||
    (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions);
  if (expired) throw invalidRequest(`Coupon expired: ${coupon.id}`, { param });
  if (owner.currency) assertCouponCurrency(coupon, owner.currency, param);
  return coupon;
}

async function redeemablePromotionCode(
  ctx: MutationContext,
  id: string,
  owner: DiscountOwner,
  param: string,
): Promise<PromotionCode> {
  const code = await loadPromotionCode(ctx.tx, ctx.account.id, id, param);
  const now = ctx.clock.now();
  const refuse = (message: string) => invalidRequest(message, { param });
  if (!code.active) throw refuse(PROMOTION_CODE_ERRORS.inactive);
  if (code.expires_at !== null && now > code.expires_at) throw refuse(PROMOTION_CODE_ERRORS.expired);
  if (code.max_redemptions !== null && code.times_redeemed >= code.max_redemptions) {
    throw refuse(PROMOTION_CODE_ERRORS.exhausted);
  }
  if (code.customer !== null && code.customer !== owner.customer) throw refuse(PROMOTION_CODE_ERRORS.customer);
  const r = code.restrictions;
  if (
    r.first_time_transaction &&
    owner.customer &&
    (await hasPriorTransactions(ctx.tx, ctx.account.id, owner.customer))
  ) {
    throw refuse(PROMOTION_CODE_ERRORS.firstTime);
  }
  if (owner.amount !== undefined && owner.amount !== null && owner.currency) {
    const currency = owner.currency.toLowerCase();
    const minimum =
      r.minimum_amount_currency === currency
        ? r.minimum_amount
        : (r.currency_options?.[currency]?.minimum_amount ?? null);
    if (minimum !== null && owner.amount < minimum) throw refuse(PROMOTION_CODE_ERRORS.minimum);
  }
  return code;
}

/**
 * Whether the customer has paid before: a succeeded charge or a paid invoice. A first-time-only
 * promotion code is for customers with neither.
 */
async function hasPriorTransactions(reader: Reader, account: string, customer: string): Promise<boolean> {
  for (const type of ['charge', 'invoice']) {
    const page = await reader.listObjects({ account, type, limit: 100, equals: { customer } });
    for (const row of page.rows) {
      const o = JSON.parse(row.json) as { status?: string; paid?: boolean };
      if (type === 'charge' ? o.paid === true : o.status === 'paid') return true;
    }
  }
  return false;
}

/** Creates the Discount and counts the redemption on the coupon (and the code). */
async function applyCoupon(
  ctx: MutationContext,
  coupon: Coupon,
  code: PromotionCode | null,
  owner: DiscountOwner,
): Promise<Discount> {
  const start = ctx.clock.now();
  const discount: Discount = {
    id: newId('di', 24),
    object: 'discount',
    checkout_session: null,
    customer: owner.customer,
    customer_account: null,
    end: coupon.duration === 'repeating' ? addMonths(start, coupon.duration_in_months ?? 1) : null,
    invoice: owner.invoice ?? null,
    invoice_item: owner.invoice_item ?? null,
    promotion_code: code?.id ?? null,
    source: { coupon: coupon.id, type: 'coupon' },
    start,
    subscription: owner.subscription ?? null,
    subscription_item: owner.subscription_item ?? null,
  };
  await saveObject(ctx.tx, ctx.account.id, DISCOUNT, discount, { fields: discountFields(discount) });
  await countRedemption(ctx, coupon, code);
  return discount;
}

async function countRedemption(ctx: MutationContext, coupon: Coupon, code: PromotionCode | null): Promise<void> {
  // Re-read under lock: two redemptions in parallel must not both see the last free slot.
  const locked = await loadObject<Coupon>(ctx.tx, ctx.account.id, coupon.id, COUPON, { forUpdate: true });
  const c = locked.object;
  c.times_redeemed += 1;
  if (c.max_redemptions !== null && c.times_redeemed >= c.max_redemptions) c.valid = false;
  await saveObject(ctx.tx, ctx.account.id, COUPON, c, { update: true });
  if (code) {
    const p = (await loadObject<PromotionCode>(ctx.tx, ctx.account.id, code.id, PROMOTION_CODE, { forUpdate: true }))
      .object;
    p.times_redeemed += 1;
    if (p.max_redemptions !== null && p.times_redeemed >= p.max_redemptions) p.active = false;
    await saveObject(ctx.tx, ctx.account.id, PROMOTION_CODE, p, { update: true, fields: promotionCodeFields(p) });
  }
}

/** The discount `id`, or "No such discount: 'di_x'" (naming `param` when given). */
export async function loadDiscount(
  reader: Reader | Transaction,
  account: string,
  id: string,
  param?: string,
): Promise<Discount> {
  const { object } = await loadObject<Discount>(reader, account, id, DISCOUNT, param ? { param } : {});
  return object;
}

/** The discounts `ids`, in order (an object's `discounts` list); a missing id is an error. */
export async function loadDiscounts(
  reader: Reader | Transaction,
  account: string,
  ids: readonly string[],
): Promise<Discount[]> {
  const out: Discount[] = [];
  for (const id of ids) out.push(await loadDiscount(reader, account, id));
  return out;
}

/** Whether the discount still applies at `now` (a `repeating` one ends at `end`). */
export function discountActive(d: Discount, now: number): boolean {
  return d.end === null || now < d.end;
}

/**
 * Removes a discount (the customer's, or one a subscription or invoice drops): it leaves lists but
 * stays retrievable as the deleted shape events carry. Returns that shape.
 */
export async function deleteDiscount(ctx: MutationContext, id: string): Promise<DeletedDiscount> {
  const d = await loadDiscount(ctx.tx, ctx.account.id, id);
  if (!d) throw resourceMissing(DISCOUNT, id);
  const { end: _end, ...rest } = d;
  const tombstone: DeletedDiscount = { ...rest, deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  return tombstone;
}
