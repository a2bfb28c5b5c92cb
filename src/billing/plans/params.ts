/** Parameters of the legacy Plan endpoints (`/v1/plans`), as the pinned SDK declares them. */
import { isHash } from '../../platform/form.js';
import { expandParam, listParams } from '../../platform/list.js';
import { type Field, p, params } from '../../platform/params.js';
import { decimalParam, INTERVALS, productDataParam, tierParam, USAGE_TYPES } from '../prices/params.js';

type ProductInput = string | ReturnType<typeof productDataParam.parse>;

/** `product`: a product id, or a hash describing a new product (`product[name]=…`). */
const productParam: Field<ProductInput> = {
  required: false,
  emptyable: false,
  shape: productDataParam.shape,
  parse(value, path) {
    if (isHash(value)) return productDataParam.parse(value, path);
    return p.string().parse(value, path);
  },
};

export const createPlanParams = params({
  active: p.boolean(),
  amount: p.integer({ min: 0 }),
  amount_decimal: decimalParam(),
  billing_scheme: p.enum(['per_unit', 'tiered'] as const),
  currency: p.string({ required: true }),
  expand: expandParam,
  id: p.string(),
  interval: p.enum(INTERVALS, { required: true }),
  interval_count: p.integer({ min: 1 }),
  metadata: p.stringMap(),
  meter: p.string(),
  nickname: p.string(),
  product: productParam,
  tiers: p.array(tierParam),
  tiers_mode: p.enum(['graduated', 'volume'] as const),
  transform_usage: p.hash({
    divide_by: p.integer({ required: true, min: 1 }),
    round: p.enum(['down', 'up'] as const, { required: true }),
  }),
  trial_period_days: p.integer({ min: 0 }),
  usage_type: p.enum(USAGE_TYPES),
});

export const updatePlanParams = params({
  active: p.boolean(),
  expand: expandParam,
  metadata: p.stringMap(),
  nickname: p.string(),
  product: p.string(),
  trial_period_days: p.integer({ min: 0 }),
});

export const retrievePlanParams = params({ expand: expandParam });
export const deletePlanParams = params({});
export const listPlansParams = params({ ...listParams, active: p.boolean(), created: p.range(), product: p.string() });

export type CreatePlanInput = ReturnType<typeof createPlanParams.parse>;
export type UpdatePlanInput = ReturnType<typeof updatePlanParams.parse>;
