/** Parameters of the Sources API, as the current `stripe` package's `Source*Params` declare them. */
import { addressParam } from '../customers/params.js';
import { expandParam, listParams } from '../platform/list.js';
import { p, params } from '../platform/params.js';
import { tokenCardParam } from '../tokens/params.js';

const ownerParam = p.hash({
  address: addressParam,
  email: p.string(),
  name: p.string(),
  phone: p.string(),
});

export const createSourceObjectParams = params({
  amount: p.integer({ min: 0 }),
  // Raw card details: not in the SDK's typed params, but the API takes `card[…]` for `type=card`.
  card: tokenCardParam,
  currency: p.string(),
  customer: p.string(),
  expand: expandParam,
  flow: p.enum(['code_verification', 'none', 'receiver', 'redirect']),
  // Hashes that belong to other source types: accepted so the refusal for a card source can name them.
  mandate: p.opaque(),
  metadata: p.stringMap(),
  original_source: p.string(),
  owner: ownerParam,
  receiver: p.opaque(),
  redirect: p.opaque(),
  source_order: p.opaque(),
  statement_descriptor: p.string({ maxLength: 22 }),
  token: p.string(),
  type: p.string(),
  usage: p.enum(['reusable', 'single_use']),
});

export const retrieveSourceObjectParams = params({
  client_secret: p.string(),
  expand: expandParam,
});

export const updateSourceObjectParams = params({
  amount: p.integer({ min: 0 }),
  expand: expandParam,
  mandate: p.opaque(),
  metadata: p.stringMap(),
  owner: ownerParam,
  source_order: p.opaque(),
});

export const verifySourceObjectParams = params({
  expand: expandParam,
  values: p.array(p.string(), { required: true }),
});

export const listSourceTransactionsParams = params({ ...listParams });
