/** Parameters of `/v1/customers/:customer/balance_transactions`, as the SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const createBalanceTransactionParams = params({
  amount: p.integer({ required: true }),
  currency: p.string({ required: true }),
  description: p.string({ maxLength: 350 }),
  expand: expandParam,
  metadata: p.stringMap(),
});

export const updateBalanceTransactionParams = params({
  description: p.string({ maxLength: 350 }),
  expand: expandParam,
  metadata: p.stringMap(),
});

export const listBalanceTransactionsParams = params({ ...listParams, created: p.range(), invoice: p.string() });
export const retrieveBalanceTransactionParams = params({ expand: expandParam });
