/**
 * A customer's credit balance and its ledger. Every change of `customer.balance` is a
 * CustomerBalanceTransaction (`initial` when a customer is created with a balance, `adjustment`
 * for one made through this API or by updating `balance`), and each records the `ending_balance`
 * it left, so the ledger always adds up to the balance. The balance is in the customer's currency,
 * which the first transaction sets when the customer has none yet.
 */
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { CUSTOMER, type Customer, customerIndexFields } from '../object.js';
import {
  balanceTransactionFields,
  CUSTOMER_BALANCE_TRANSACTION,
  type CustomerBalanceTransaction,
  type CustomerBalanceTransactionType,
} from './object.js';
import type { createBalanceTransactionParams, updateBalanceTransactionParams } from './params.js';

type CreateInput = ReturnType<typeof createBalanceTransactionParams.parse>;
type UpdateInput = ReturnType<typeof updateBalanceTransactionParams.parse>;

/**
 * Moves `customer.balance` by `amount` (minor units of `currency`) and records the transaction.
 * Changes the customer in memory only: the caller saves it (it is usually saving it anyway).
 */
export async function recordBalanceChange(
  ctx: MutationContext,
  customer: Customer,
  change: {
    amount: number;
    currency: string;
    type: CustomerBalanceTransactionType;
    description?: string | null;
    metadata?: Record<string, string> | null;
  },
): Promise<CustomerBalanceTransaction> {
  customer.currency ??= change.currency;
  customer.balance += change.amount;
  const txn: CustomerBalanceTransaction = {
    id: newId('cbtxn', 24),
    object: 'customer_balance_transaction',
    amount: change.amount,
    checkout_session: null,
    created: ctx.clock.now(),
    credit_note: null,
    currency: change.currency,
    customer: customer.id,
    customer_account: null,
    description: change.description ?? null,
    ending_balance: customer.balance,
    invoice: null,
    livemode: false,
    metadata: change.metadata ? applyMetadata({}, change.metadata) : null,
    type: change.type,
  };
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER_BALANCE_TRANSACTION, txn, {
    fields: balanceTransactionFields(txn),
  });
  return txn;
}

/**
 * The ledger entry for a balance set directly on the customer (create or update): the difference
 * from `previous`, in the customer's currency (the account's default when the customer has none).
 */
export async function recordBalanceSet(
  ctx: MutationContext,
  customer: Customer,
  previous: number,
  type: 'initial' | 'adjustment',
): Promise<void> {
  const amount = customer.balance - previous;
  if (amount === 0) return;
  customer.balance = previous;
  await recordBalanceChange(ctx, customer, {
    amount,
    currency: customer.currency ?? ctx.account.defaultCurrency,
    type,
  });
}

async function loadCustomerForUpdate(tx: Transaction, account: string, id: string): Promise<Customer> {
  return (await loadObject<Customer>(tx, account, id, CUSTOMER, { forUpdate: true })).object;
}

/** `POST /v1/customers/:customer/balance_transactions`: an `adjustment`, and `customer.updated` for the new balance. */
export async function createBalanceTransaction(
  ctx: MutationContext,
  customerId: string,
  input: CreateInput,
): Promise<CustomerBalanceTransaction> {
  const customer = await loadCustomerForUpdate(ctx.tx, ctx.account.id, customerId);
  const currency = requireCurrency(input.currency.toLowerCase()).code;
  if (customer.currency !== null && customer.currency !== currency) {
    // Stripe's wording whenever a customer's currency is already set (by a balance, an invoice item, …).
    throw invalidRequest(
      `You cannot combine currencies on a single customer. This customer has had a subscription, coupon, or invoice item with currency ${customer.currency}`,
      { param: 'currency' },
    );
  }
  const before = structuredClone(customer);
  const txn = await recordBalanceChange(ctx, customer, {
    amount: input.amount,
    currency,
    type: 'adjustment',
    ...(input.description ? { description: input.description } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  });
  const data = sortFields(customer);
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER, data, { update: true, fields: customerIndexFields(data) });
  await emitEvent(ctx, 'customer.updated', data, before);
  return txn;
}

/** Loads a transaction of `customer` (Stripe answers "No such customer balance transaction" for another's). */
export async function loadBalanceTransaction(
  reader: Reader | Transaction,
  account: string,
  customer: string,
  id: string,
  forUpdate = false,
): Promise<CustomerBalanceTransaction> {
  await loadObject(reader, account, customer, CUSTOMER);
  const { object } = await loadObject<CustomerBalanceTransaction>(reader, account, id, CUSTOMER_BALANCE_TRANSACTION, {
    label: 'customer balance transaction',
    forUpdate,
  });
  if (object.customer !== customer) throw resourceMissing('customer balance transaction', id);
  return object;
}

/** Only the description and metadata of a ledger entry can change; the amounts are history. */
export async function updateBalanceTransaction(
  ctx: MutationContext,
  customer: string,
  id: string,
  input: UpdateInput,
): Promise<CustomerBalanceTransaction> {
  const txn = await loadBalanceTransaction(ctx.tx, ctx.account.id, customer, id, true);
  if (input.description !== undefined) txn.description = input.description;
  if (input.metadata !== undefined) txn.metadata = applyMetadata(txn.metadata ?? {}, input.metadata);
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER_BALANCE_TRANSACTION, txn, {
    update: true,
    fields: balanceTransactionFields(txn),
  });
  return txn;
}
