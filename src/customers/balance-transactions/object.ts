/**
 * The CustomerBalanceTransaction object: one movement of a customer's credit balance (`balance` on
 * the customer; negative is credit the customer holds, positive is an amount owed that the next
 * invoice adds), with the balance it left behind.
 */
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';

export const CUSTOMER_BALANCE_TRANSACTION = 'customer_balance_transaction';

export type CustomerBalanceTransactionType =
  | 'adjustment'
  | 'applied_to_invoice'
  | 'credit_note'
  | 'initial'
  | 'invoice_overpaid'
  | 'invoice_too_large'
  | 'invoice_too_small'
  | 'migration'
  | 'unapplied_from_invoice'
  | 'unspent_receiver_credit';

export interface CustomerBalanceTransaction {
  id: string;
  object: 'customer_balance_transaction';
  amount: number;
  checkout_session: string | null;
  created: number;
  credit_note: string | null;
  currency: string;
  customer: string;
  customer_account: string | null;
  description: string | null;
  ending_balance: number;
  invoice: string | null;
  livemode: false;
  metadata: Metadata | null;
  type: CustomerBalanceTransactionType;
}

export const balanceTransactionFields = (t: CustomerBalanceTransaction) => ({
  customer: t.customer,
  invoice: t.invoice,
});

registerExpandable(CUSTOMER_BALANCE_TRANSACTION, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(CUSTOMER_BALANCE_TRANSACTION, 'invoice', { kind: 'reference', to: 'invoice' });
registerExpandable(CUSTOMER_BALANCE_TRANSACTION, 'credit_note', { kind: 'reference', to: 'credit_note' });
registerExpandable(CUSTOMER_BALANCE_TRANSACTION, 'checkout_session', { kind: 'reference', to: 'checkout.session' });
