/** Parameters of the Token endpoints, as the current `stripe` package's `TokenCreateParams` declares them. */
import { expandParam } from '../platform/list.js';
import { type Field, p, params } from '../platform/params.js';

/**
 * A parameter that is either an id (a string) or a hash of details, as `card` and `bank_account` are
 * on token creation. The hash's fields are checked (unknown ones refused) as for any hash.
 */
function idOrHash<T>(hash: Field<T>): Field<string | T> {
  return {
    ...hash,
    parse: (value, path) => (typeof value === 'string' ? value : hash.parse(value, path)),
  } as Field<string | T>;
}

export const tokenCardParam = p.hash({
  address_city: p.string(),
  address_country: p.string(),
  address_line1: p.string(),
  address_line2: p.string(),
  address_state: p.string(),
  address_zip: p.string(),
  currency: p.string(),
  cvc: p.string(),
  exp_month: p.integer(),
  exp_year: p.integer(),
  name: p.string(),
  networks: p.hash({ preferred: p.enum(['cartes_bancaires', 'mastercard', 'visa']) }),
  number: p.string(),
});

export const tokenBankAccountParam = p.hash({
  account_holder_name: p.string(),
  account_holder_type: p.enum(['company', 'individual']),
  account_number: p.string(),
  account_type: p.enum(['checking', 'futsu', 'savings', 'toza']),
  country: p.string(),
  currency: p.string(),
  payment_method: p.string(),
  routing_number: p.string(),
});

export const createTokenParams = params({
  // Connect-only kinds: accepted as parameters so the refusal can say why (see service.ts).
  account: p.opaque(),
  bank_account: idOrHash(tokenBankAccountParam),
  card: idOrHash(tokenCardParam),
  customer: p.string(),
  cvc_update: p.hash({ cvc: p.string({ required: true }) }),
  expand: expandParam,
  person: p.opaque(),
  pii: p.hash({ id_number: p.string() }),
});

export const retrieveTokenParams = params({ expand: expandParam });
