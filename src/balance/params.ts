/** Parameters of the Balance and BalanceTransaction endpoints, as the `stripe` package's types declare them. */
import { expandParam, listParams } from '../platform/list.js';
import { p, params } from '../platform/params.js';

export const retrieveBalanceParams = params({ expand: expandParam });

export const retrieveBalanceTransactionParams = params({ expand: expandParam });

export const listBalanceTransactionsParams = params({
  ...listParams,
  created: p.range(),
  currency: p.string(),
  payout: p.string(),
  source: p.string(),
  type: p.string(),
});
