/** Parameters of the Tax ID endpoints (`/v1/tax_ids` and `/v1/customers/:id/tax_ids`), as the SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { TAX_ID_TYPES } from './formats.js';

const OWNER_TYPES = ['account', 'application', 'customer', 'self'] as const;

const ownerParam = p.hash({
  account: p.string(),
  customer: p.string(),
  customer_account: p.string(),
  type: p.enum(OWNER_TYPES, { required: true }),
});

export const createCustomerTaxIdParams = params({
  type: p.enum(TAX_ID_TYPES, { required: true }),
  value: p.string({ required: true }),
  expand: expandParam,
});

export const createTaxIdParams = params({
  type: p.enum(TAX_ID_TYPES, { required: true }),
  value: p.string({ required: true }),
  expand: expandParam,
  owner: ownerParam,
});

export const listCustomerTaxIdsParams = params({ ...listParams });
export const listTaxIdsParams = params({ ...listParams, owner: ownerParam });
export const retrieveTaxIdParams = params({ expand: expandParam });
export const deleteTaxIdParams = params({});
