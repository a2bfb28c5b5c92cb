/** Parameters of the Coupon endpoints, as the pinned SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { type Field, invalidParam, p, params } from '../../platform/params.js';
import { numberParam } from '../prices/params.js';

const amountOffOptions: Field<Record<string, { amount_off: number }>> = {
  required: false,
  emptyable: true,
  parse(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParam(path, 'Invalid object');
    const out: Record<string, { amount_off: number }> = {};
    const option = p.hash({ amount_off: p.integer({ required: true, min: 0 }) });
    for (const [currency, o] of Object.entries(value)) {
      out[currency.toLowerCase()] = option.parse(o, `${path}[${currency}]`);
    }
    return out;
  },
};

export const createCouponParams = params({
  amount_off: p.integer({ min: 0 }),
  applies_to: p.hash({ products: p.array(p.string()) }),
  currency: p.string(),
  currency_options: amountOffOptions,
  duration: p.enum(['forever', 'once', 'repeating'] as const),
  duration_in_months: p.integer({ min: 1 }),
  expand: expandParam,
  id: p.string(),
  max_redemptions: p.integer({ min: 1 }),
  metadata: p.stringMap(),
  name: p.string({ maxLength: 40 }),
  percent_off: numberParam({}, 2),
  redeem_by: p.integer(),
});

export const updateCouponParams = params({
  currency_options: amountOffOptions,
  expand: expandParam,
  metadata: p.stringMap(),
  name: p.string({ maxLength: 40 }),
});

export const retrieveCouponParams = params({ expand: expandParam });
export const deleteCouponParams = params({});
export const listCouponsParams = params({ ...listParams, created: p.range() });

export type CreateCouponInput = ReturnType<typeof createCouponParams.parse>;
export type UpdateCouponInput = ReturnType<typeof updateCouponParams.parse>;
