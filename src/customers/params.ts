/** Parameters of the Customer endpoints, as the current `stripe` package's types declare them. */
import { expandParam, listParams, searchParams } from '../platform/list.js';
import { p, params } from '../platform/params.js';
import { TAX_ID_TYPES } from './tax-ids/formats.js';

const TAX_EXEMPT = ['none', 'exempt', 'reverse'] as const;

export const addressParam = p.hash({
  city: p.string(),
  country: p.string(),
  line1: p.string(),
  line2: p.string(),
  postal_code: p.string(),
  state: p.string(),
});

const shippingParam = p.hash({
  address: p.hash(addressParam.shape ?? {}, { required: true }),
  name: p.string({ required: true }),
  phone: p.string(),
});

const invoiceSettingsParam = p.hash({
  custom_fields: p.array(
    p.hash({ name: p.string({ required: true, maxLength: 40 }), value: p.string({ required: true, maxLength: 140 }) }),
    {
      maxItems: 4,
    },
  ),
  default_payment_method: p.string(),
  footer: p.string(),
  rendering_options: p.hash({
    amount_tax_display: p.enum(['exclude_tax', 'include_inclusive_tax']),
    template: p.string(),
  }),
});

const taxParam = p.hash({
  ip_address: p.string(),
  validate_location: p.enum(['auto', 'deferred', 'immediately']),
});

const cashBalanceParam = p.hash({
  settings: p.hash({ reconciliation_mode: p.enum(['automatic', 'manual', 'merchant_default']) }),
});

/** Fields that create and update share. */
const writable = {
  address: addressParam,
  balance: p.integer(),
  business_name: p.string({ maxLength: 150 }),
  cash_balance: cashBalanceParam,
  // Before 2025-03-31.basil only (billing/discounts/customer.ts refuses them in newer versions).
  coupon: p.string(),
  description: p.string({ maxLength: 350 }),
  email: p.string({ maxLength: 512 }),
  expand: expandParam,
  individual_name: p.string({ maxLength: 150 }),
  invoice_prefix: p.string(),
  invoice_settings: invoiceSettingsParam,
  metadata: p.stringMap(),
  name: p.string({ maxLength: 256 }),
  next_invoice_sequence: p.integer({ min: 1 }),
  phone: p.string({ maxLength: 20 }),
  preferred_locales: p.array(p.string()),
  promotion_code: p.string(),
  shipping: shippingParam,
  source: p.string(),
  tax: taxParam,
  tax_exempt: p.enum(TAX_EXEMPT),
  validate: p.boolean(),
};

export const createCustomerParams = params({
  ...writable,
  payment_method: p.string(),
  tax_id_data: p.array(p.hash({ type: p.enum(TAX_ID_TYPES, { required: true }), value: p.string({ required: true }) })),
  test_clock: p.string(),
});

export const updateCustomerParams = params({
  ...writable,
  default_source: p.string(),
});

export const retrieveCustomerParams = params({ expand: expandParam });
export const deleteCustomerParams = params({});

export const listCustomersParams = params({
  ...listParams,
  created: p.range(),
  email: p.string({ maxLength: 512 }),
  test_clock: p.string(),
});

export const searchCustomersParams = params(searchParams);
