/** Parameters of `/v1/invoiceitems`, as the SDK declares them (plus the older `price`/`unit_amount`). */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const discountsParam = p.array(p.hash({ coupon: p.string(), discount: p.string(), promotion_code: p.string() }));

export const periodParam = p.hash({
  end: p.integer({ required: true }),
  start: p.integer({ required: true }),
});

export const priceDataParam = p.hash({
  currency: p.string({ required: true }),
  product: p.string({ required: true }),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
  unit_amount: p.integer(),
  unit_amount_decimal: p.string(),
});

/** What an invoice item is made of: shared by create, `add_lines` and previews. */
export const itemShape = {
  amount: p.integer(),
  currency: p.string(),
  description: p.string({ maxLength: 500 }),
  discountable: p.boolean(),
  discounts: discountsParam,
  metadata: p.stringMap(),
  period: periodParam,
  price: p.string(),
  price_data: priceDataParam,
  pricing: p.hash({ price: p.string() }),
  quantity: p.integer({ min: 0 }),
  quantity_decimal: p.string(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
  tax_code: p.string(),
  tax_rates: p.array(p.string()),
  unit_amount: p.integer(),
  unit_amount_decimal: p.string(),
};

export const createInvoiceItemParams = params({
  ...itemShape,
  customer: p.string(),
  customer_account: p.string(),
  expand: expandParam,
  invoice: p.string(),
  subscription: p.string(),
});

export const updateInvoiceItemParams = params({
  amount: p.integer(),
  description: p.string({ maxLength: 500 }),
  discountable: p.boolean(),
  discounts: discountsParam,
  expand: expandParam,
  metadata: p.stringMap(),
  period: periodParam,
  price: p.string(),
  price_data: priceDataParam,
  pricing: p.hash({ price: p.string() }),
  quantity: p.integer({ min: 0 }),
  quantity_decimal: p.string(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
  tax_code: p.string(),
  tax_rates: p.array(p.string()),
  unit_amount: p.integer(),
  unit_amount_decimal: p.string(),
});

export const listInvoiceItemsParams = params({
  ...listParams,
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
  invoice: p.string(),
  pending: p.boolean(),
});

export const retrieveInvoiceItemParams = params({ expand: expandParam });
export const deleteInvoiceItemParams = params({});
