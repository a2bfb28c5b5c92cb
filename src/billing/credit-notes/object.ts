/**
 * The CreditNote object (`cn_`) and its line items (`cnli_`), in the pinned API's shape, with the
 * credit note's two statuses as a table and the private state kept beside it (every line, the PDF
 * token, and what issuing it did, so voiding can undo exactly that).
 */
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';

export const CREDIT_NOTE = 'credit_note';
export const CREDIT_NOTE_LINE_ITEM = 'credit_note_line_item';

export type CreditNoteStatus = 'issued' | 'void';
export type CreditNoteType = 'mixed' | 'post_payment' | 'pre_payment';
export type CreditNoteReason = 'duplicate' | 'fraudulent' | 'order_change' | 'product_unsatisfactory';

/** A credit note is issued once and can only be voided; a void one stays void. */
export const CREDIT_NOTE_TRANSITIONS = {
  issued: ['void'],
  void: [],
} as const satisfies Record<CreditNoteStatus, readonly CreditNoteStatus[]>;

export function transitionCreditNote(cn: CreditNote, to: CreditNoteStatus): void {
  const allowed = CREDIT_NOTE_TRANSITIONS[cn.status] as readonly CreditNoteStatus[];
  if (!allowed.includes(to)) throw new Error(`credit note ${cn.id}: ${cn.status} → ${to} is not a transition`);
  cn.status = to;
}

export interface CreditNoteDiscountAmount {
  amount: number;
  discount: string;
}

export interface CreditNoteTax {
  amount: number;
  tax_behavior: 'exclusive' | 'inclusive';
  tax_rate_details: { tax_rate: string };
  taxability_reason: 'standard_rated';
  taxable_amount: number;
  type: 'tax_rate_details';
}

export interface CreditNoteLineItem {
  id: string;
  object: 'credit_note_line_item';
  amount: number;
  description: string | null;
  discount_amount: number;
  discount_amounts: CreditNoteDiscountAmount[];
  invoice_line_item?: string;
  livemode: false;
  metadata: Metadata | null;
  pretax_credit_amounts: { amount: number; discount: string; type: 'discount' }[];
  quantity: number | null;
  /** Full TaxRate objects, as Stripe embeds them. */
  tax_rates: Record<string, unknown>[];
  taxes: CreditNoteTax[];
  type: 'custom_line_item' | 'invoice_line_item';
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface CreditNoteRefund {
  amount_refunded: number;
  payment_record_refund: null;
  refund: string;
  type: 'refund';
}

export interface CreditNote {
  id: string;
  object: 'credit_note';
  amount: number;
  amount_shipping: number;
  created: number;
  currency: string;
  customer: string;
  customer_account: null;
  customer_balance_transaction: string | null;
  discount_amount: number;
  discount_amounts: CreditNoteDiscountAmount[];
  effective_at: number | null;
  invoice: string;
  lines: { object: 'list'; data: CreditNoteLineItem[]; has_more: boolean; url: string };
  livemode: false;
  memo: string | null;
  metadata: Metadata;
  number: string;
  out_of_band_amount: number | null;
  pdf: string;
  post_payment_amount: number;
  pre_payment_amount: number;
  pretax_credit_amounts: { amount: number; discount: string; type: 'discount' }[];
  reason: CreditNoteReason | null;
  refunds: CreditNoteRefund[];
  shipping_cost: null;
  status: CreditNoteStatus;
  subtotal: number;
  subtotal_excluding_tax: number;
  total: number;
  total_excluding_tax: number;
  total_taxes: CreditNoteTax[];
  type: CreditNoteType;
  voided_at: number | null;
}

/** Server-only state of a credit note. */
export interface CreditNoteState {
  /** Every line in order (the object embeds the first ten). */
  lines: CreditNoteLineItem[];
  /** The PDF link's token (`/credit_notes/<token>/pdf`). */
  token: string;
  /** How much went to the customer's balance (reversed on void). */
  creditAmount: number;
}

/** How many lines the credit note object embeds; the rest are read through `/v1/credit_notes/:id/lines`. */
export const EMBEDDED_LINES = 10;

export const creditNoteFields = (cn: CreditNote, state: CreditNoteState) => ({
  customer: cn.customer,
  invoice: cn.invoice,
  status: cn.status,
  page_token: state.token,
});

registerExpandable(CREDIT_NOTE, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(CREDIT_NOTE, 'invoice', { kind: 'reference', to: 'invoice' });
registerExpandable(CREDIT_NOTE, 'customer_balance_transaction', {
  kind: 'reference',
  to: 'customer_balance_transaction',
});
