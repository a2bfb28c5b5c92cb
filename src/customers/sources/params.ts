/** Parameters of a customer's sources, as the current `stripe` package's `Customer*SourceParams` declare them. */

import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { addressParam } from '../params.js';

export const createSourceParams = params({
  expand: expandParam,
  metadata: p.stringMap(),
  source: p.string({ required: true }),
  validate: p.boolean(),
});

export const listSourcesParams = params({
  ...listParams,
  object: p.string(),
});

export const retrieveSourceParams = params({ expand: expandParam });
export const deleteSourceParams = params({ expand: expandParam });

export const updateSourceParams = params({
  account_holder_name: p.string(),
  account_holder_type: p.enum(['company', 'individual']),
  address_city: p.string(),
  address_country: p.string(),
  address_line1: p.string(),
  address_line2: p.string(),
  address_state: p.string(),
  address_zip: p.string(),
  exp_month: p.integer(),
  exp_year: p.integer(),
  expand: expandParam,
  metadata: p.stringMap(),
  name: p.string(),
  // `owner` belongs to Source objects (`src_`), which Sandbank does not make; refused in the service.
  owner: p.hash({ address: addressParam, email: p.string(), name: p.string(), phone: p.string() }),
});

export const verifySourceParams = params({
  amounts: p.array(p.integer(), { maxItems: 2 }),
  expand: expandParam,
});
