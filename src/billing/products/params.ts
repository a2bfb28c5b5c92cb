/** Parameters of the Product endpoints, as the pinned SDK declares them. */
import { expandParam, listParams, searchParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import {
  currencyOptionsParam,
  customUnitAmountParam,
  decimalParam,
  INTERVALS,
  numberParam,
  TAX_BEHAVIORS,
} from '../prices/params.js';

const packageDimensionsParam = p.hash({
  height: numberParam({ required: true }),
  length: numberParam({ required: true }),
  weight: numberParam({ required: true }),
  width: numberParam({ required: true }),
});

const marketingFeaturesParam = p.array(p.hash({ name: p.string({ required: true, maxLength: 80 }) }), {
  maxItems: 15,
});

const taxDetailsParam = p.hash({ performance_location: p.string(), tax_code: p.string() });

/** `default_price_data`: a price made with the product (the SDK allows these fields only). */
export const defaultPriceDataParam = p.hash({
  currency: p.string({ required: true }),
  currency_options: currencyOptionsParam,
  custom_unit_amount: customUnitAmountParam,
  metadata: p.stringMap(),
  recurring: p.hash({ interval: p.enum(INTERVALS, { required: true }), interval_count: p.integer({ min: 1 }) }),
  tax_behavior: p.enum(TAX_BEHAVIORS),
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: decimalParam(),
});

const writable = {
  active: p.boolean(),
  description: p.string({ maxLength: 40000 }),
  expand: expandParam,
  images: p.array(p.string({ maxLength: 2048 }), { maxItems: 8 }),
  marketing_features: marketingFeaturesParam,
  metadata: p.stringMap(),
  name: p.string({ maxLength: 5000 }),
  package_dimensions: packageDimensionsParam,
  shippable: p.boolean(),
  statement_descriptor: p.string({ maxLength: 22 }),
  tax_code: p.string(),
  tax_details: taxDetailsParam,
  unit_label: p.string({ maxLength: 12 }),
  url: p.string({ maxLength: 5000 }),
};

export const createProductParams = params({
  ...writable,
  name: p.string({ required: true, maxLength: 5000 }),
  default_price_data: defaultPriceDataParam,
  id: p.string(),
  type: p.enum(['good', 'service'] as const),
});

export const updateProductParams = params({ ...writable, default_price: p.string() });
export const retrieveProductParams = params({ expand: expandParam });
export const deleteProductParams = params({});
export const listProductsParams = params({
  ...listParams,
  active: p.boolean(),
  created: p.range(),
  ids: p.array(p.string()),
  shippable: p.boolean(),
  type: p.enum(['good', 'service'] as const),
  url: p.string(),
});
export const searchProductsParams = params(searchParams);

export type CreateProductInput = ReturnType<typeof createProductParams.parse>;
export type UpdateProductInput = ReturnType<typeof updateProductParams.parse>;
