/** A customer's cash balance, its transactions, funding instructions and the funding test helper. */
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { CUSTOMER } from '../object.js';
import { createFundingInstructions } from './funding-instructions.js';
import { CASH_BALANCE, CASH_BALANCE_TRANSACTION } from './object.js';
import {
  createFundingInstructionsParams,
  fundCashBalanceParams,
  listCashBalanceTransactionsParams,
  retrieveCashBalanceParams,
  retrieveCashBalanceTransactionParams,
  updateCashBalanceParams,
} from './params.js';
import { fundCashBalance, loadCashBalance, loadCashBalanceTransaction, updateCashBalance } from './service.js';

const json = (o: object) => o as unknown as Json;

export const cashBalanceOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/cash_balance',
    name: 'customers.cash_balance.retrieve',
    params: retrieveCashBalanceParams,
    returns: { object: CASH_BALANCE },
    handler: async (ctx, _input, { customer }) =>
      json((await loadCashBalance(ctx.reader, ctx.account.id, customer as string)).cashBalance),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/cash_balance',
    name: 'customers.cash_balance.update',
    params: updateCashBalanceParams,
    returns: { object: CASH_BALANCE },
    handler: async (ctx, input, { customer }) => json(await updateCashBalance(ctx, customer as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/cash_balance_transactions',
    name: 'customers.cash_balance_transactions.list',
    params: listCashBalanceTransactionsParams,
    returns: { list: CASH_BALANCE_TRANSACTION },
    handler: async (ctx, input, { customer }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: CASH_BALANCE_TRANSACTION,
          url: `/v1/customers/${customer}/cash_balance_transactions`,
          input,
          equals: { customer: customer as string },
        }),
      );
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/cash_balance_transactions/:id',
    name: 'customers.cash_balance_transactions.retrieve',
    params: retrieveCashBalanceTransactionParams,
    returns: { object: CASH_BALANCE_TRANSACTION },
    handler: async (ctx, _input, { customer, id }) =>
      json(await loadCashBalanceTransaction(ctx.reader, ctx.account.id, customer as string, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/funding_instructions',
    name: 'customers.funding_instructions.create',
    params: createFundingInstructionsParams,
    returns: { object: 'funding_instructions' },
    handler: async (ctx, input, { customer }) => json(await createFundingInstructions(ctx, customer as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/test_helpers/customers/:customer/fund_cash_balance',
    name: 'test_helpers.customers.fund_cash_balance',
    params: fundCashBalanceParams,
    returns: { object: CASH_BALANCE_TRANSACTION },
    handler: async (ctx, input, { customer }) => json(await fundCashBalance(ctx, customer as string, input)),
  }),
];
