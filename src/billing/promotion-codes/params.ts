/**
 * Parameters of the Promotion Code endpoints, as the pinned SDK declares them (`promotion[coupon]`;
 * the top-level `coupon` of versions before 2025-09-30.clover is rewritten into it by
 * src/versions/2025-09-30.clover.ts before validation).
 */
import { expandParam, listParams } from '../../platform/list.js';
import { type Field, invalidParam, p, params } from '../../platform/params.js';

const minimumOptions: Field<Record<string, { minimum_amount?: number | null }>> = {
  required: false,
  emptyable: true,
  parse(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParam(path, 'Invalid object');
    const option = p.hash({ minimum_amount: p.integer({ min: 0 }) });
    const out: Record<string, { minimum_amount?: number | null }> = {};
    for (const [currency, o] of Object.entries(value))
      out[currency.toLowerCase()] = option.parse(o, `${path}[${currency}]`);
    return out;
  },
};

export const createPromotionCodeParams = params({
  active: p.boolean(),
  code: p.string({ maxLength: 500 }),
  customer: p.string(),
  customer_account: p.string(),
  expand: expandParam,
  expires_at: p.integer(),
  max_redemptions: p.integer({ min: 1 }),
  metadata: p.stringMap(),
  promotion: p.hash({ coupon: p.string(), type: p.enum(['coupon'] as const, { required: true }) }, { required: true }),
  restrictions: p.hash({
    currency_options: minimumOptions,
    first_time_transaction: p.boolean(),
    minimum_amount: p.integer({ min: 0 }),
    minimum_amount_currency: p.string(),
  }),
});

export const updatePromotionCodeParams = params({
  active: p.boolean(),
  expand: expandParam,
  metadata: p.stringMap(),
  restrictions: p.hash({ currency_options: minimumOptions }),
});

export const retrievePromotionCodeParams = params({ expand: expandParam });

export const listPromotionCodesParams = params({
  ...listParams,
  active: p.boolean(),
  code: p.string(),
  coupon: p.string(),
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
});

export type CreatePromotionCodeInput = ReturnType<typeof createPromotionCodeParams.parse>;
export type UpdatePromotionCodeInput = ReturnType<typeof updatePromotionCodeParams.parse>;
