/** Parameters of the CreditNote endpoints, as the pinned `stripe` package's types declare them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

const REASONS = ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'] as const;

const taxAmountParam = p.hash({
  amount: p.integer({ required: true, min: 0 }),
  tax_rate: p.string({ required: true }),
  taxable_amount: p.integer({ required: true, min: 0 }),
});

export const creditNoteLineParam = p.hash({
  amount: p.integer({ min: 0 }),
  description: p.string(),
  invoice_line_item: p.string(),
  metadata: p.stringMap(),
  quantity: p.integer({ min: 0 }),
  tax_amounts: p.array(taxAmountParam),
  tax_rates: p.array(p.string()),
  type: p.enum(['custom_line_item', 'invoice_line_item'], { required: true }),
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: p.string(),
});

/** What create, preview and preview lines all take: the credit note being proposed. */
export const proposalShape = {
  invoice: p.string({ required: true }),
  amount: p.integer({ min: 0 }),
  credit_amount: p.integer({ min: 0 }),
  effective_at: p.integer({ min: 0 }),
  email_type: p.enum(['credit_note', 'none']),
  expand: expandParam,
  lines: p.array(creditNoteLineParam),
  memo: p.string(),
  metadata: p.stringMap(),
  out_of_band_amount: p.integer({ min: 0 }),
  reason: p.enum(REASONS),
  refund_amount: p.integer({ min: 0 }),
  refunds: p.array(
    p.hash({
      amount_refunded: p.integer({ min: 0 }),
      payment_record_refund: p.opaque(),
      refund: p.string(),
      type: p.enum(['payment_record_refund', 'refund']),
    }),
  ),
  shipping_cost: p.hash({ shipping_rate: p.string() }),
};

export const createCreditNoteParams = params(proposalShape);
export const previewCreditNoteParams = params(proposalShape);
export const previewCreditNoteLinesParams = params({ ...proposalShape, ...listParams });

export const retrieveCreditNoteParams = params({ expand: expandParam });

export const updateCreditNoteParams = params({
  expand: expandParam,
  memo: p.string(),
  metadata: p.stringMap(),
});

export const voidCreditNoteParams = params({ expand: expandParam });

export const listCreditNotesParams = params({
  ...listParams,
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
  invoice: p.string(),
});

export const listCreditNoteLinesParams = params({ ...listParams });
