/** `/v1/customers/:customer/balance_transactions`: a customer's credit-balance ledger. */
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { CUSTOMER } from '../object.js';
import { CUSTOMER_BALANCE_TRANSACTION } from './object.js';
import {
  createBalanceTransactionParams,
  listBalanceTransactionsParams,
  retrieveBalanceTransactionParams,
  updateBalanceTransactionParams,
} from './params.js';
import { createBalanceTransaction, loadBalanceTransaction, updateBalanceTransaction } from './service.js';

const json = (o: object) => o as unknown as Json;
const RETURNS = { object: CUSTOMER_BALANCE_TRANSACTION };

export const customerBalanceTransactionOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/balance_transactions',
    name: 'customers.balance_transactions.create',
    params: createBalanceTransactionParams,
    returns: RETURNS,
    handler: async (ctx, input, { customer }) => json(await createBalanceTransaction(ctx, customer as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/balance_transactions/:id',
    name: 'customers.balance_transactions.retrieve',
    params: retrieveBalanceTransactionParams,
    returns: RETURNS,
    handler: async (ctx, _input, { customer, id }) =>
      json(await loadBalanceTransaction(ctx.reader, ctx.account.id, customer as string, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/balance_transactions/:id',
    name: 'customers.balance_transactions.update',
    params: updateBalanceTransactionParams,
    returns: RETURNS,
    handler: async (ctx, input, { customer, id }) =>
      json(await updateBalanceTransaction(ctx, customer as string, id as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/balance_transactions',
    name: 'customers.balance_transactions.list',
    params: listBalanceTransactionsParams,
    returns: { list: CUSTOMER_BALANCE_TRANSACTION },
    handler: async (ctx, input, { customer }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: CUSTOMER_BALANCE_TRANSACTION,
          url: `/v1/customers/${customer}/balance_transactions`,
          input,
          equals: { customer: customer as string, ...(input.invoice ? { invoice: input.invoice } : {}) },
        }),
      );
    },
  }),
];
