/**
 * The Balance and BalanceTransaction endpoints: the account's balance (the nets of its balance
 * transactions summed per currency and status) and the ledger itself, read-only. Balance
 * transactions are written by the resources that move money (charges, refunds, disputes, payouts).
 */

import { invalidRequest, resourceMissing } from '../platform/errors.js';
import { registerExpandable } from '../platform/expand.js';
import { listPage } from '../platform/list.js';
import { type Json, type Operation, readOperation } from '../platform/operation.js';
import { retrieveOperation } from '../platform/resource-routes.js';
import { listBalanceTransactionsParams, retrieveBalanceParams, retrieveBalanceTransactionParams } from './params.js';
import { BALANCE_TRANSACTION, balanceObject } from './transactions.js';

/** The stored type of payouts (payouts/object.ts), named here so balance does not depend on payouts. */
const PAYOUT = 'payout';

// What moved the money: a charge, refund, dispute, payout… (its type varies, so no `to`).
registerExpandable(BALANCE_TRANSACTION, 'source', { kind: 'reference' });

export const balanceOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/balance',
    name: 'balance.retrieve',
    params: retrieveBalanceParams,
    returns: { object: 'balance' },
    handler: async (ctx) => (await balanceObject(ctx.reader, ctx.account)) as unknown as Json,
  }),
  retrieveOperation({
    path: '/v1/balance_transactions/:id',
    name: 'balance_transactions.retrieve',
    type: BALANCE_TRANSACTION,
    label: 'balance transaction',
    params: retrieveBalanceTransactionParams,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/balance_transactions',
    name: 'balance_transactions.list',
    params: listBalanceTransactionsParams,
    returns: { list: BALANCE_TRANSACTION },
    handler: async (ctx, input) => {
      if (input.payout) {
        const row = await ctx.reader.getObject(ctx.account.id, input.payout);
        if (!row || row.type !== PAYOUT) throw resourceMissing('payout', input.payout, 'payout');
        // Only automatic payouts carry the transactions they paid out, and Sandbank makes none:
        // every payout is requested through the API. Stripe refuses manual payouts the same way.
        throw invalidRequest('Balance transaction history can only be filtered on automatic transfers, not manual.', {
          param: 'payout',
        });
      }
      const equals: Record<string, string> = {};
      if (input.type) equals.type = input.type;
      if (input.source) equals.source = input.source;
      if (input.currency) equals.currency = input.currency.toLowerCase();
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: BALANCE_TRANSACTION,
        url: '/v1/balance_transactions',
        input,
        ...(Object.keys(equals).length > 0 ? { equals } : {}),
      })) as unknown as Json;
    },
  }),
];
