/** Parameters of the Refund endpoints, as the current `stripe` package's types declare them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const createRefundParams = params({
  amount: p.integer({ min: 1 }),
  charge: p.string(),
  // `currency`, `customer` and `origin` describe refunds of a customer's cash balance (no charge).
  currency: p.string(),
  customer: p.string(),
  expand: expandParam,
  instructions_email: p.string(),
  metadata: p.stringMap(),
  origin: p.enum(['customer_balance']),
  payment_intent: p.string(),
  reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer']),
  refund_application_fee: p.boolean(),
  reverse_transfer: p.boolean(),
});

export const retrieveRefundParams = params({ expand: expandParam });

export const updateRefundParams = params({ expand: expandParam, metadata: p.stringMap() });

export const cancelRefundParams = params({ expand: expandParam });

export const listRefundsParams = params({
  ...listParams,
  charge: p.string(),
  created: p.range(),
  payment_intent: p.string(),
});

/** `GET /v1/charges/:charge/refunds`: the charge comes from the path. */
export const listChargeRefundsParams = params({ ...listParams });
