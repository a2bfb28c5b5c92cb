/**
 * Coupons: creation with Stripe's rules (a percentage or an amount in a currency, a duration, an
 * optional redemption limit and deadline, products it applies to), the few updates Stripe allows
 * (name, metadata, currency_options), and deletion, which stops new redemptions while discounts
 * already applied keep their coupon (see `loadAppliedCoupon`).
 */
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest, resourceAlreadyExists } from '../../platform/errors.js';
import { randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { PRODUCT } from '../products/object.js';
import { COUPON, type Coupon, type DeletedCoupon, renderCoupon } from './object.js';
import type { CreateCouponInput, UpdateCouponInput } from './params.js';

const missing = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });

function checkCurrencyOptions(options: Record<string, { amount_off: number }>, param: string): void {
  for (const code of Object.keys(options)) requireCurrency(code, `${param}[${code}]`);
}

/** `POST /v1/coupons`. */
export async function createCoupon(ctx: MutationContext, input: CreateCouponInput): Promise<Coupon> {
  const hasAmount = input.amount_off != null;
  const hasPercent = input.percent_off != null;
  if (hasAmount === hasPercent) {
    throw invalidRequest(
      hasAmount
        ? 'You must provide either amount_off or percent_off, but not both.'
        : 'You must provide either amount_off or percent_off.',
    );
  }
  if (hasPercent && ((input.percent_off as number) <= 0 || (input.percent_off as number) > 100)) {
    throw invalidRequest('Invalid percent_off: must be greater than 0 and at most 100.', { param: 'percent_off' });
  }
  let currency: string | null = null;
  if (hasAmount) {
    if (!input.currency) throw missing('currency');
    currency = requireCurrency(input.currency).code;
  } else if (input.currency_options) {
    throw invalidRequest('`currency_options` can only be set on coupons with `amount_off`.', {
      param: 'currency_options',
    });
  }
  if (input.currency_options) checkCurrencyOptions(input.currency_options, 'currency_options');
  const duration = input.duration ?? 'once';
  if (duration === 'repeating' && input.duration_in_months == null) throw missing('duration_in_months');
  if (duration !== 'repeating' && input.duration_in_months != null) {
    throw invalidRequest('`duration_in_months` can only be set when `duration` is `repeating`.', {
      param: 'duration_in_months',
    });
  }
  const now = ctx.clock.now();
  if (input.redeem_by != null && input.redeem_by <= now) {
    throw invalidRequest('Invalid redeem_by: must be in the future.', { param: 'redeem_by' });
  }
  for (const [i, product] of (input.applies_to?.products ?? []).entries()) {
    await loadObject(ctx.tx, ctx.account.id, product, PRODUCT, { param: `applies_to[products][${i}]` });
  }
  if (input.id) {
    const existing = await ctx.tx.getObject(ctx.account.id, input.id);
    if (existing) {
      throw resourceAlreadyExists('Coupon');
    }
  }
  const coupon: Coupon = {
    // Stripe's generated coupon ids are eight base62 characters without a prefix.
    id: input.id ?? randomBase62(8),
    object: 'coupon',
    amount_off: input.amount_off ?? null,
    created: now,
    currency,
    duration,
    duration_in_months: input.duration_in_months ?? null,
    livemode: false,
    max_redemptions: input.max_redemptions ?? null,
    metadata: applyMetadata({}, input.metadata),
    name: input.name ?? null,
    percent_off: input.percent_off ?? null,
    redeem_by: input.redeem_by ?? null,
    times_redeemed: 0,
    valid: true,
  };
  if (input.applies_to) coupon.applies_to = { products: input.applies_to.products ?? [] };
  if (currency)
    coupon.currency_options = {
      [currency]: { amount_off: coupon.amount_off as number },
      ...(input.currency_options ?? {}),
    };
  const sorted = sortFields(coupon);
  await saveObject(ctx.tx, ctx.account.id, COUPON, sorted);
  await emitEvent(ctx, 'coupon.created', renderCoupon(sorted));
  return sorted;
}

async function loadForUpdate(ctx: MutationContext, id: string): Promise<Coupon> {
  return (await loadObject<Coupon>(ctx.tx, ctx.account.id, id, COUPON, { forUpdate: true })).object;
}

/** `POST /v1/coupons/:id`: only `name`, `metadata` and `currency_options` change; the discount itself is fixed. */
export async function updateCoupon(ctx: MutationContext, id: string, input: UpdateCouponInput): Promise<Coupon> {
  const coupon = await loadForUpdate(ctx, id);
  const before = structuredClone(coupon);
  if (input.name !== undefined) coupon.name = input.name;
  coupon.metadata = applyMetadata(coupon.metadata, input.metadata);
  if (input.currency_options) {
    if (coupon.amount_off === null) {
      throw invalidRequest('`currency_options` can only be set on coupons with `amount_off`.', {
        param: 'currency_options',
      });
    }
    checkCurrencyOptions(input.currency_options, 'currency_options');
    coupon.currency_options = { ...(coupon.currency_options ?? {}), ...input.currency_options };
    if (coupon.currency) coupon.currency_options[coupon.currency] = { amount_off: coupon.amount_off };
  }
  await saveObject(ctx.tx, ctx.account.id, COUPON, coupon, { update: true });
  await emitEvent(ctx, 'coupon.updated', renderCoupon(coupon), renderCoupon(before));
  return coupon;
}

/** `DELETE /v1/coupons/:id`: no new redemptions; discounts already applied keep the coupon. */
export async function deleteCoupon(ctx: MutationContext, id: string): Promise<DeletedCoupon> {
  const coupon = await loadForUpdate(ctx, id);
  await saveObject(ctx.tx, ctx.account.id, COUPON, coupon, { update: true, internal: { coupon } });
  const tombstone: DeletedCoupon = { id, object: 'coupon', deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  await emitEvent(ctx, 'coupon.deleted', renderCoupon(coupon));
  return tombstone;
}
