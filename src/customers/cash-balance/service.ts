/**
 * A customer's cash balance: its settings, the ledger of every movement (each a
 * CustomerCashBalanceTransaction recording the balance it left in its currency), and funding it
 * through the test helper, which is what a customer's bank transfer to its funding instructions
 * does on Stripe: a `funded` transaction, `customer_cash_balance_transaction.created` and
 * `cash_balance.funds_available`.
 */
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { CUSTOMER } from '../object.js';
import {
  BANK_TRANSFER_TYPES,
  type BankTransferType,
  bankTransferTypeFor,
  CASH_BALANCE,
  CASH_BALANCE_TRANSACTION,
  type CashBalance,
  type CashBalanceTransaction,
  cashBalanceKey,
  cashBalanceTransactionFields,
  defaultCashBalance,
} from './object.js';
import type { fundCashBalanceParams, updateCashBalanceParams } from './params.js';

type UpdateInput = ReturnType<typeof updateCashBalanceParams.parse>;
type FundInput = ReturnType<typeof fundCashBalanceParams.parse>;

/** The cash balance of a live customer (its default when it never had one). */
export async function loadCashBalance(
  reader: Reader | Transaction,
  account: string,
  customer: string,
  forUpdate = false,
) {
  await loadObject(reader, account, customer, CUSTOMER, { forUpdate });
  const row =
    forUpdate && 'getObjectForUpdate' in reader
      ? await reader.getObjectForUpdate(account, cashBalanceKey(customer))
      : await reader.getObject(account, cashBalanceKey(customer));
  return {
    cashBalance: row ? (JSON.parse(row.json) as CashBalance) : defaultCashBalance(customer),
    stored: row !== undefined,
  };
}

async function storeCashBalance(ctx: MutationContext, cashBalance: CashBalance, stored: boolean): Promise<void> {
  const write = {
    account: ctx.account.id,
    id: cashBalanceKey(cashBalance.customer),
    type: CASH_BALANCE,
    created: ctx.clock.now(),
    data: cashBalance,
  };
  if (stored) await ctx.tx.updateObject(write);
  else await ctx.tx.insertObject(write);
}

/** `merchant_default` follows the account's setting, which in Sandbank is Stripe's default, `automatic`. */
export async function updateCashBalance(
  ctx: MutationContext,
  customer: string,
  input: UpdateInput,
): Promise<CashBalance> {
  const { cashBalance, stored } = await loadCashBalance(ctx.tx, ctx.account.id, customer, true);
  const mode = input.settings?.reconciliation_mode;
  if (mode) {
    cashBalance.settings =
      mode === 'merchant_default'
        ? { reconciliation_mode: 'automatic', using_merchant_default: true }
        : { reconciliation_mode: mode, using_merchant_default: false };
  }
  await storeCashBalance(ctx, cashBalance, stored);
  return cashBalance;
}

/**
 * Moves the cash balance by `netAmount` in `currency` and records the transaction with its
 * `detail` (the type's sub-object), emitting `customer_cash_balance_transaction.created`.
 * Refuses to take the balance below zero.
 */
export async function recordCashBalanceChange(
  ctx: MutationContext,
  customer: string,
  change: { currency: string; netAmount: number; type: CashBalanceTransaction['type']; detail: object },
): Promise<{ transaction: CashBalanceTransaction; cashBalance: CashBalance }> {
  const { cashBalance, stored } = await loadCashBalance(ctx.tx, ctx.account.id, customer, true);
  const available = { ...(cashBalance.available ?? {}) };
  const ending = (available[change.currency] ?? 0) + change.netAmount;
  if (ending < 0) {
    throw invalidRequest(`The customer's cash balance in ${change.currency} is too low for this amount.`, {
      param: 'amount',
    });
  }
  available[change.currency] = ending;
  cashBalance.available = available;
  await storeCashBalance(ctx, cashBalance, stored);
  const transaction = {
    id: newId('ccsbtxn', 24),
    object: 'customer_cash_balance_transaction',
    created: ctx.clock.now(),
    currency: change.currency,
    customer,
    customer_account: null,
    ending_balance: ending,
    livemode: false,
    net_amount: change.netAmount,
    type: change.type,
    [change.type]: change.detail,
  } as CashBalanceTransaction;
  await saveObject(ctx.tx, ctx.account.id, CASH_BALANCE_TRANSACTION, transaction, {
    fields: cashBalanceTransactionFields(transaction),
  });
  await emitEvent(ctx, 'customer_cash_balance_transaction.created', transaction);
  return { transaction, cashBalance };
}

/** What the sender's bank tells about a transfer of each type (the test helper knows no sender). */
function senderDetails(type: BankTransferType): Record<string, unknown> {
  switch (type) {
    case 'eu_bank_transfer':
      return { eu_bank_transfer: { bic: null, iban_last4: null, sender_name: null } };
    case 'gb_bank_transfer':
      return { gb_bank_transfer: { account_number_last4: null, sender_name: null, sort_code: null } };
    case 'jp_bank_transfer':
      return { jp_bank_transfer: { sender_bank: null, sender_branch: null, sender_name: null } };
    case 'us_bank_transfer':
      return { us_bank_transfer: { network: 'ach', sender_name: null } };
    case 'mx_bank_transfer':
      return {};
  }
}

/** `POST /v1/test_helpers/customers/:customer/fund_cash_balance`: a bank transfer arrives. */
export async function fundCashBalance(
  ctx: MutationContext,
  customer: string,
  input: FundInput,
): Promise<CashBalanceTransaction> {
  const currency = input.currency.toLowerCase();
  const type = bankTransferTypeFor(currency);
  if (!type) {
    throw invalidRequest(
      `Cash balances can only be funded in ${Object.values(BANK_TRANSFER_TYPES)
        .map((t) => t.currency)
        .join(', ')}; ${currency} is not supported.`,
      { param: 'currency' },
    );
  }
  const { transaction, cashBalance } = await recordCashBalanceChange(ctx, customer, {
    currency,
    netAmount: input.amount,
    type: 'funded',
    detail: { bank_transfer: { ...senderDetails(type), reference: input.reference ?? null, type } },
  });
  await emitEvent(ctx, 'cash_balance.funds_available', cashBalance);
  return transaction;
}

export async function loadCashBalanceTransaction(reader: Reader, account: string, customer: string, id: string) {
  await loadObject(reader, account, customer, CUSTOMER);
  const { object } = await loadObject<CashBalanceTransaction>(reader, account, id, CASH_BALANCE_TRANSACTION, {
    label: 'customer cash balance transaction',
  });
  if (object.customer !== customer) throw resourceMissing('customer cash balance transaction', id);
  return object;
}
