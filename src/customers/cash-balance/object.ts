/**
 * A customer's cash balance (money the customer sent by bank transfer that has not yet paid for
 * anything) and its ledger, the CustomerCashBalanceTransaction. The cash balance has no id of its
 * own: it is stored under a key derived from its customer (`cashBalanceKey`) and rendered without
 * one, as Stripe renders it.
 */
import { registerExpandable } from '../../platform/expand.js';

export const CASH_BALANCE = 'cash_balance';
export const CASH_BALANCE_TRANSACTION = 'customer_cash_balance_transaction';

export type ReconciliationMode = 'automatic' | 'manual';

export interface CashBalance {
  object: 'cash_balance';
  available: Record<string, number> | null;
  customer: string;
  customer_account: string | null;
  livemode: false;
  settings: { reconciliation_mode: ReconciliationMode; using_merchant_default: boolean };
}

/** The bank transfer types, each with its one currency and the country its instructions are in. */
export const BANK_TRANSFER_TYPES = {
  eu_bank_transfer: { currency: 'eur' },
  gb_bank_transfer: { currency: 'gbp' },
  jp_bank_transfer: { currency: 'jpy' },
  mx_bank_transfer: { currency: 'mxn' },
  us_bank_transfer: { currency: 'usd' },
} as const;

export type BankTransferType = keyof typeof BANK_TRANSFER_TYPES;

/** The bank transfer type that funds a cash balance in `currency`, if any. */
export function bankTransferTypeFor(currency: string): BankTransferType | undefined {
  return (Object.keys(BANK_TRANSFER_TYPES) as BankTransferType[]).find(
    (t) => BANK_TRANSFER_TYPES[t].currency === currency,
  );
}

export type CashBalanceTransactionType =
  | 'adjusted_for_overdraft'
  | 'applied_to_payment'
  | 'funded'
  | 'funding_reversed'
  | 'refunded_from_payment'
  | 'return_canceled'
  | 'return_initiated'
  | 'transferred_to_balance'
  | 'unapplied_from_payment';

export interface CashBalanceTransaction {
  id: string;
  object: 'customer_cash_balance_transaction';
  applied_to_payment?: { payment_intent: string };
  created: number;
  currency: string;
  customer: string;
  customer_account: string | null;
  ending_balance: number;
  funded?: { bank_transfer: Record<string, unknown> & { reference: string | null; type: BankTransferType } };
  livemode: false;
  net_amount: number;
  type: CashBalanceTransactionType;
  unapplied_from_payment?: { payment_intent: string };
}

/** Where a customer's cash balance is stored (one per customer). */
export const cashBalanceKey = (customer: string) => `cashbal_${customer}`;

/** What a customer that never had a cash balance shows: nothing available, the merchant's default mode. */
export function defaultCashBalance(customer: string): CashBalance {
  return {
    object: 'cash_balance',
    available: null,
    customer,
    customer_account: null,
    livemode: false,
    settings: { reconciliation_mode: 'automatic', using_merchant_default: true },
  };
}

export const cashBalanceTransactionFields = (t: CashBalanceTransaction) => ({ customer: t.customer });

registerExpandable(CASH_BALANCE_TRANSACTION, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(CASH_BALANCE_TRANSACTION, 'applied_to_payment.payment_intent', {
  kind: 'reference',
  to: 'payment_intent',
});
registerExpandable(CASH_BALANCE_TRANSACTION, 'unapplied_from_payment.payment_intent', {
  kind: 'reference',
  to: 'payment_intent',
});
