/** Parameters of the Tax Rate endpoints, as the pinned SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { numberParam } from '../prices/params.js';

export const TAX_TYPES = [
  'admissions_tax',
  'amusement_tax',
  'attendance_tax',
  'communications_tax',
  'digital_excise_tax',
  'entertainment_tax',
  'get_fund',
  'gross_receipts_tax',
  'gst',
  'hospitality_tax',
  'hst',
  'igst',
  'jct',
  'lease_tax',
  'luxury_tax',
  'mass_transit_parking_tax',
  'nhil',
  'parking_tax',
  'pst',
  'qst',
  'resort_tax',
  'retail_delivery_fee',
  'rst',
  'sales_tax',
  'service_tax',
  'tourism_tax',
  'utility_users_tax',
  'vat',
] as const;

const mutable = {
  active: p.boolean(),
  country: p.string(),
  description: p.string(),
  display_name: p.string({ maxLength: 50 }),
  expand: expandParam,
  jurisdiction: p.string({ maxLength: 50 }),
  metadata: p.stringMap(),
  state: p.string(),
  tax_type: p.enum(TAX_TYPES),
};

export const createTaxRateParams = params({
  ...mutable,
  display_name: p.string({ required: true, maxLength: 50 }),
  inclusive: p.boolean({ required: true }),
  // Up to four decimal places (e.g. 8.8750).
  percentage: numberParam({ required: true }, 4),
});

export const updateTaxRateParams = params(mutable);
export const retrieveTaxRateParams = params({ expand: expandParam });
export const listTaxRatesParams = params({
  ...listParams,
  active: p.boolean(),
  created: p.range(),
  inclusive: p.boolean(),
});

export type CreateTaxRateInput = ReturnType<typeof createTaxRateParams.parse>;
export type UpdateTaxRateInput = ReturnType<typeof updateTaxRateParams.parse>;
