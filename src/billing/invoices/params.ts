/** Parameters of the Invoice endpoints, as the pinned SDK declares them. */
import { expandParam, listParams, searchParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { discountsParam, itemShape, periodParam } from '../invoice-items/params.js';

const customFields = p.array(p.hash({ name: p.string({ required: true }), value: p.string({ required: true }) }), {
  maxItems: 4,
});
const collectionMethod = p.enum(['charge_automatically', 'send_invoice']);

/** Accepted and not modelled (no effect in Sandbank yet). */
const accepted = {
  account_tax_ids: p.opaque(),
  application_fee_amount: p.integer(),
  automatic_tax: p.opaque(),
  issuer: p.opaque(),
  on_behalf_of: p.string(),
  payment_settings: p.opaque(),
  rendering: p.opaque(),
  shipping_cost: p.opaque(),
  shipping_details: p.opaque(),
  transfer_data: p.opaque(),
};

export const createInvoiceParams = params({
  ...accepted,
  auto_advance: p.boolean(),
  automatically_finalizes_at: p.integer(),
  collection_method: collectionMethod,
  currency: p.string(),
  custom_fields: customFields,
  customer: p.string(),
  customer_account: p.string(),
  days_until_due: p.integer({ min: 0 }),
  default_payment_method: p.string(),
  default_source: p.string(),
  default_tax_rates: p.array(p.string()),
  description: p.string({ maxLength: 1500 }),
  discounts: discountsParam,
  due_date: p.integer(),
  effective_at: p.integer(),
  expand: expandParam,
  footer: p.string({ maxLength: 5000 }),
  from_invoice: p.opaque(),
  metadata: p.stringMap(),
  number: p.string(),
  pending_invoice_items_behavior: p.enum(['exclude', 'include']),
  statement_descriptor: p.string({ maxLength: 22 }),
  subscription: p.string(),
});

export const updateInvoiceParams = params({
  ...accepted,
  auto_advance: p.boolean(),
  automatically_finalizes_at: p.integer(),
  collection_method: collectionMethod,
  custom_fields: customFields,
  days_until_due: p.integer({ min: 0 }),
  default_payment_method: p.string(),
  default_source: p.string(),
  default_tax_rates: p.array(p.string()),
  description: p.string({ maxLength: 1500 }),
  discounts: discountsParam,
  due_date: p.integer(),
  effective_at: p.integer(),
  expand: expandParam,
  footer: p.string({ maxLength: 5000 }),
  metadata: p.stringMap(),
  number: p.string(),
  statement_descriptor: p.string({ maxLength: 22 }),
});

export const finalizeInvoiceParams = params({ auto_advance: p.boolean(), expand: expandParam });

export const payInvoiceParams = params({
  expand: expandParam,
  forgive: p.boolean(),
  mandate: p.string(),
  off_session: p.boolean(),
  paid_out_of_band: p.boolean(),
  payment_method: p.string(),
  source: p.string(),
});

export const simpleInvoiceActionParams = params({ expand: expandParam });

export const listInvoicesParams = params({
  ...listParams,
  collection_method: collectionMethod,
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
  due_date: p.range(),
  // Stripe's order in its message: draft, open, void, paid, or uncollectible.
  status: p.enum(['draft', 'open', 'void', 'paid', 'uncollectible']),
  subscription: p.string(),
});

export const searchInvoicesParams = params(searchParams);
export const retrieveInvoiceParams = params({ expand: expandParam });
export const listInvoiceLinesParams = params({ ...listParams });

const lineEdit = {
  amount: p.integer(),
  description: p.string({ maxLength: 500 }),
  discountable: p.boolean(),
  discounts: discountsParam,
  metadata: p.stringMap(),
  period: periodParam,
  price_data: itemShape.price_data,
  pricing: itemShape.pricing,
  quantity: p.integer({ min: 0 }),
  quantity_decimal: p.string(),
  tax_amounts: p.opaque(),
  tax_rates: p.array(p.string()),
};

export const addLinesParams = params({
  lines: p.array(p.hash({ ...lineEdit, invoice_item: p.string() }), { required: true }),
  expand: expandParam,
  invoice_metadata: p.stringMap(),
});

/** `POST /v1/invoices/:id/lines/:line`: one line's changes. */
export const updateLineItemParams = params({ ...lineEdit, expand: expandParam });

export const updateLinesParams = params({
  lines: p.array(p.hash({ ...lineEdit, id: p.string({ required: true }) }), { required: true }),
  expand: expandParam,
  invoice_metadata: p.stringMap(),
});

export const removeLinesParams = params({
  lines: p.array(
    p.hash({ id: p.string({ required: true }), behavior: p.enum(['delete', 'unassign'], { required: true }) }),
    { required: true },
  ),
  expand: expandParam,
  invoice_metadata: p.stringMap(),
});

export const createPreviewParams = params({
  automatic_tax: p.opaque(),
  currency: p.string(),
  customer: p.string(),
  customer_account: p.string(),
  customer_details: p.opaque(),
  discounts: discountsParam,
  expand: expandParam,
  invoice_items: p.array(p.hash({ ...itemShape, invoiceitem: p.string() })),
  issuer: p.opaque(),
  on_behalf_of: p.string(),
  preview_mode: p.enum(['next', 'recurring']),
  schedule: p.string(),
  schedule_details: p.opaque(),
  subscription: p.string(),
  subscription_details: p.opaque(),
});
