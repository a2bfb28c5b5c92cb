/** Parameters of the Payout endpoints, as the current `stripe` package's types declare them. */
import { expandParam, listParams } from '../platform/list.js';
import { p, params } from '../platform/params.js';

export const createPayoutParams = params({
  amount: p.integer({ required: true, min: 1 }),
  currency: p.string({ required: true }),
  description: p.string(),
  destination: p.string(),
  expand: expandParam,
  metadata: p.stringMap(),
  method: p.enum(['standard', 'instant']),
  payout_method: p.string(),
  source_type: p.enum(['card', 'bank_account', 'fpx']),
  statement_descriptor: p.string({ maxLength: 22 }),
});

export const updatePayoutParams = params({
  expand: expandParam,
  metadata: p.stringMap(),
});

export const retrievePayoutParams = params({ expand: expandParam });

export const cancelPayoutParams = params({ expand: expandParam });

export const reversePayoutParams = params({ expand: expandParam, metadata: p.stringMap() });

export const listPayoutsParams = params({
  ...listParams,
  arrival_date: p.range(),
  created: p.range(),
  destination: p.string(),
  status: p.string(),
});
