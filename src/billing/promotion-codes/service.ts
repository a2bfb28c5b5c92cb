/**
 * Promotion codes: customer-facing codes for a coupon. A code is unique (ignoring case) among the
 * active codes that could apply to the same customer; one is generated when none is given. Its
 * restrictions (first purchase only, minimum amount per currency, one customer) are checked when
 * it is redeemed (discounts/service.ts).
 */

import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { loadCoupon } from '../coupons/load.js';
import { PROMOTION_CODE_LABEL } from './load.js';
import { PROMOTION_CODE, type PromotionCode, promotionCodeFields, type Restrictions } from './object.js';
import type { CreatePromotionCodeInput, UpdatePromotionCodeInput } from './params.js';

const CODE = /^[A-Za-z0-9]+$/;

const missing = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });

/** Refuses `code` when an active code with the same text could apply to the same customer. */
async function checkCodeFree(
  ctx: MutationContext,
  code: string,
  customer: string | null,
  own?: string,
  param = 'code',
) {
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: PROMOTION_CODE,
    limit: 100,
    equals: { code: code.toLowerCase(), active: 'true' },
  });
  for (const row of page.rows) {
    if (row.id === own) continue;
    const other = JSON.parse(row.json) as PromotionCode;
    if (other.customer === null || customer === null || other.customer === customer) {
      throw invalidRequest(`An active promotion code with \`code: ${other.code}\` already exists.`, { param });
    }
  }
}

function buildRestrictions(r: CreatePromotionCodeInput['restrictions']): Restrictions {
  const out: Restrictions = {
    first_time_transaction: r?.first_time_transaction ?? false,
    minimum_amount: r?.minimum_amount ?? null,
    minimum_amount_currency: null,
  };
  if (r?.minimum_amount != null) {
    if (!r.minimum_amount_currency) throw missing('restrictions[minimum_amount_currency]');
    out.minimum_amount_currency = requireCurrency(
      r.minimum_amount_currency,
      'restrictions[minimum_amount_currency]',
    ).code;
  } else if (r?.minimum_amount_currency) {
    throw missing('restrictions[minimum_amount]');
  }
  if (r?.currency_options) out.currency_options = currencyOptions(r.currency_options, out);
  return out;
}

function currencyOptions(
  options: Record<string, { minimum_amount?: number | null }>,
  r: Restrictions,
): Record<string, { minimum_amount: number }> {
  const out: Record<string, { minimum_amount: number }> = { ...(r.currency_options ?? {}) };
  for (const [code, o] of Object.entries(options)) {
    requireCurrency(code, `restrictions[currency_options][${code}]`);
    if (o.minimum_amount == null) throw missing(`restrictions[currency_options][${code}][minimum_amount]`);
    out[code] = { minimum_amount: o.minimum_amount };
  }
  return out;
}

/** `POST /v1/promotion_codes`. */
export async function createPromotionCode(
  ctx: MutationContext,
  input: CreatePromotionCodeInput,
): Promise<PromotionCode> {
  const couponId = input.promotion.coupon;
  if (!couponId) throw missing('promotion[coupon]');
  const coupon = await loadCoupon(ctx.tx, ctx.account.id, couponId, 'promotion[coupon]');
  if (input.customer) await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
  if (input.customer_account) throw resourceMissing('account', input.customer_account, 'customer_account');
  const now = ctx.clock.now();
  if (input.expires_at != null) {
    if (input.expires_at <= now) {
      throw invalidRequest('Invalid expires_at: must be in the future.', { param: 'expires_at' });
    }
    if (coupon.redeem_by !== null && input.expires_at > coupon.redeem_by) {
      throw invalidRequest("The promotion code's `expires_at` may not be later than its coupon's `redeem_by`.", {
        param: 'expires_at',
      });
    }
  }
  if (input.code != null && !CODE.test(input.code)) {
    throw invalidRequest('Promotion codes may only contain letters (a-z, A-Z) and digits (0-9).', { param: 'code' });
  }
  const code = input.code ?? randomBase62(8).toUpperCase();
  const active = input.active ?? true;
  if (active) await checkCodeFree(ctx, code, input.customer ?? null);
  const promo = sortFields<PromotionCode>({
    id: newId('promo', 24),
    object: 'promotion_code',
    active,
    code,
    created: now,
    customer: input.customer ?? null,
    customer_account: null,
    expires_at: input.expires_at ?? null,
    livemode: false,
    max_redemptions: input.max_redemptions ?? null,
    metadata: applyMetadata({}, input.metadata),
    promotion: { coupon: coupon.id, type: 'coupon' },
    restrictions: buildRestrictions(input.restrictions),
    times_redeemed: 0,
  });
  await saveObject(ctx.tx, ctx.account.id, PROMOTION_CODE, promo, { fields: promotionCodeFields(promo) });
  await emitEvent(ctx, 'promotion_code.created', promo);
  return promo;
}

/** `POST /v1/promotion_codes/:id`: `active`, `metadata` and per-currency minimums. */
export async function updatePromotionCode(
  ctx: MutationContext,
  id: string,
  input: UpdatePromotionCodeInput,
): Promise<PromotionCode> {
  const promo = (
    await loadObject<PromotionCode>(ctx.tx, ctx.account.id, id, PROMOTION_CODE, {
      label: PROMOTION_CODE_LABEL,
      forUpdate: true,
    })
  ).object;
  const before = structuredClone(promo);
  if (input.active === true && !promo.active) {
    await checkCodeFree(ctx, promo.code, promo.customer, promo.id, 'active');
  }
  if (input.active != null) promo.active = input.active;
  promo.metadata = applyMetadata(promo.metadata, input.metadata);
  if (input.restrictions?.currency_options) {
    promo.restrictions.currency_options = currencyOptions(input.restrictions.currency_options, promo.restrictions);
  }
  await saveObject(ctx.tx, ctx.account.id, PROMOTION_CODE, promo, { update: true, fields: promotionCodeFields(promo) });
  await emitEvent(ctx, 'promotion_code.updated', promo, before);
  return promo;
}
