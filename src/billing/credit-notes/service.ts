/**
 * Credit notes: documents that lower what a finalized invoice asks for, after the fact.
 *
 * A credit note's total first lowers the invoice's `amount_remaining` (and `amount_due`), never
 * below zero: that part is its `pre_payment_amount`. What is left, `post_payment_amount`, must be
 * given back exactly as the request says — refunded to the card (`refund_amount`, through the
 * Refunds code), credited to the customer's balance (`credit_amount`, a `credit_note` customer
 * balance transaction the next invoice uses), or settled outside Stripe (`out_of_band_amount`).
 * All credit notes of an invoice together never exceed its total, and a line is never credited
 * beyond its amount (or its quantity). Crediting an open invoice down to nothing leaves nothing to
 * collect, so the invoice is paid.
 *
 * Preview and create share one computation ({@link propose}); create then applies it. Voiding
 * undoes what issuing did, except a refund, which cannot come back (such notes cannot be voided).
 */

import { balanceTransactionFields, CUSTOMER_BALANCE_TRANSACTION } from '../../customers/balance-transactions/object.js';
import { recordBalanceChange } from '../../customers/balance-transactions/service.js';
import { CUSTOMER, type Customer, customerIndexFields } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { currency, formatAmount } from '../../money/currencies.js';
import { updatePaymentIntent } from '../../payments/payment-intents/service.js';
import { REFUND, type Refund } from '../../payments/refunds/object.js';
import { createRefund } from '../../payments/refunds/service.js';
import { invalidRequest, resourceMissing, type StripeError } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { allObjects, type ListEnvelope, type ListInput } from '../../platform/list.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { type LoadedInvoice, loadInvoiceState, saveInvoice } from '../invoices/lines.js';
import type { Invoice, InvoiceLine } from '../invoices/object.js';
import { markInvoicePaid } from '../invoices/payment.js';
import { cancelOpenPaymentIntent, loadPaymentIntent } from '../invoices/payment-intent.js';
import { taxAmounts } from '../tax-rates/amounts.js';
import { TAX_RATE, type TaxRate } from '../tax-rates/object.js';
import { onCustomerClock } from '../test-clocks/context.js';
import {
  CREDIT_NOTE,
  type CreditNote,
  type CreditNoteDiscountAmount,
  type CreditNoteLineItem,
  type CreditNoteRefund,
  type CreditNoteState,
  type CreditNoteTax,
  type CreditNoteType,
  creditNoteFields,
  EMBEDDED_LINES,
  transitionCreditNote,
} from './object.js';
import type { createCreditNoteParams, updateCreditNoteParams } from './params.js';

export type ProposalInput = ReturnType<typeof createCreditNoteParams.parse>;
type UpdateInput = ReturnType<typeof updateCreditNoteParams.parse>;
type LineInput = NonNullable<ProposalInput['lines']>[number];

/** Invoice statuses a credit note may be issued on. */
const CREDITABLE_STATUSES = ['open', 'paid', 'uncollectible'] as const;

// ---- Stripe's refusals ----

function notCreditable(invoice: Invoice): StripeError {
  return invalidRequest(
    invoice.status === 'draft'
      ? `Invoice ${invoice.id} is a draft: credit notes can only be issued for finalized invoices. Finalize it, or edit the draft instead.`
      : `Invoice ${invoice.id} is ${invoice.status}: credit notes can only be issued for open, paid or uncollectible invoices.`,
    { param: 'invoice' },
  );
}

function nothingToCredit(): StripeError {
  return invalidRequest('One of `amount`, `lines`, or `shipping_cost` must be provided.');
}

function money(amount: number, currency: string): string {
  return formatAmount(amount, currency);
}

// ---- Computing a credit note ----

/** A credit note computed from a request, with what issuing it will do. */
export interface Proposal {
  creditNote: CreditNote;
  state: CreditNoteState;
  invoice: LoadedInvoice;
  refundAmount: number;
  creditAmount: number;
}

interface PriorCredits {
  /** Total of the invoice's issued credit notes. */
  total: number;
  /** How many credit notes the invoice has had, void ones included (for numbering). */
  count: number;
  /** Per invoice line: amount and quantity already credited by issued notes. */
  lines: Map<string, { amount: number; quantity: number }>;
  /** Per refund: how much of it issued notes already account for. */
  refunds: Map<string, number>;
}

async function priorCredits(reader: Reader | Transaction, account: string, invoice: string): Promise<PriorCredits> {
  const notes = await allObjects(reader as Reader, { account, type: CREDIT_NOTE, equals: { invoice } });
  const prior: PriorCredits = { total: 0, count: notes.length, lines: new Map(), refunds: new Map() };
  for (const { object } of notes) {
    const cn = object as unknown as CreditNote;
    if (cn.status !== 'issued') continue;
    prior.total += cn.total;
    for (const r of cn.refunds) prior.refunds.set(r.refund, (prior.refunds.get(r.refund) ?? 0) + r.amount_refunded);
    const { internal } = await loadObject<CreditNote, CreditNoteState>(reader, account, cn.id, CREDIT_NOTE);
    for (const line of internal.lines) {
      if (!line.invoice_line_item) continue;
      const seen = prior.lines.get(line.invoice_line_item) ?? { amount: 0, quantity: 0 };
      seen.amount += line.amount;
      seen.quantity += line.quantity ?? 0;
      prior.lines.set(line.invoice_line_item, seen);
    }
  }
  return prior;
}

async function loadTaxRates(
  reader: Reader | Transaction,
  account: string,
  ids: readonly string[],
  param: string,
): Promise<TaxRate[]> {
  const rates: TaxRate[] = [];
  for (const id of ids) {
    rates.push((await loadObject<TaxRate>(reader, account, id, TAX_RATE, { param, label: 'tax rate' })).object);
  }
  return rates;
}

function taxesOf(rates: readonly TaxRate[], amount: number): CreditNoteTax[] {
  return taxAmounts(rates, amount).map((t) => ({
    amount: t.amount,
    tax_behavior: t.inclusive ? 'inclusive' : 'exclusive',
    tax_rate_details: { tax_rate: t.tax_rate },
    taxability_reason: 'standard_rated',
    taxable_amount: t.taxable_amount,
    type: 'tax_rate_details',
  }));
}

/** The invoice line's price per unit, in minor units (fractional cents kept). */
function unitAmountOf(line: InvoiceLine): number {
  const decimal = line.pricing?.unit_amount_decimal;
  if (decimal !== null && decimal !== undefined && decimal !== '') return Number(decimal);
  return line.quantity ? line.amount / line.quantity : line.amount;
}

function baseLine(id: string): Omit<CreditNoteLineItem, 'amount' | 'type'> {
  return {
    id,
    object: 'credit_note_line_item',
    description: null,
    discount_amount: 0,
    discount_amounts: [],
    livemode: false,
    metadata: {},
    pretax_credit_amounts: [],
    quantity: null,
    tax_rates: [],
    taxes: [],
    unit_amount: null,
    unit_amount_decimal: null,
  };
}

/** A line crediting part of an invoice line: by quantity (at its unit price) or by amount. */
async function invoiceLineCredit(
  reader: Reader | Transaction,
  account: string,
  invoice: LoadedInvoice,
  input: LineInput,
  i: number,
  prior: PriorCredits,
): Promise<CreditNoteLineItem> {
  const param = `lines[${i}]`;
  if (!input.invoice_line_item) {
    throw invalidRequest(`Missing required param: ${param}[invoice_line_item].`, {
      code: 'parameter_missing',
      param: `${param}[invoice_line_item]`,
    });
  }
  const source = invoice.state.lines.find((l) => l.id === input.invoice_line_item);
  if (!source) throw resourceMissing('invoice line item', input.invoice_line_item, `${param}[invoice_line_item]`);
  const hasQuantity = input.quantity !== undefined && input.quantity !== null;
  const hasAmount = input.amount !== undefined && input.amount !== null;
  if (hasQuantity === hasAmount) {
    throw invalidRequest(
      `Pass exactly one of \`${param}[amount]\` or \`${param}[quantity]\` for a line of type \`invoice_line_item\`.`,
      { param: `${param}[${hasQuantity ? 'amount' : 'quantity'}]` },
    );
  }
  const seen = prior.lines.get(source.id) ?? { amount: 0, quantity: 0 };
  const currency = invoice.invoice.currency;
  let amount: number;
  let quantity: number | null = null;
  let unit: number | null = null;
  if (hasQuantity) {
    quantity = input.quantity as number;
    const available = (source.quantity ?? 1) - seen.quantity;
    if (quantity > available) {
      throw invalidRequest(
        `The quantity to credit (${quantity}) is greater than the quantity left to credit on invoice line item ${source.id} (${Math.max(available, 0)}).`,
        { param: `${param}[quantity]` },
      );
    }
    unit = unitAmountOf(source);
    amount = Math.round(unit * quantity);
  } else {
    amount = input.amount as number;
    quantity = 1;
  }
  if (seen.amount + amount > source.amount) {
    throw invalidRequest(
      `The amount to credit (${money(amount, currency)}) is greater than the amount left to credit on invoice line item ${source.id} (${money(Math.max(source.amount - seen.amount, 0), currency)}).`,
      { param: `${param}[${hasQuantity ? 'quantity' : 'amount'}]` },
    );
  }
  // Discounts and taxes follow the share of the line credited, as the invoice computed them.
  const share = source.amount > 0 ? amount / source.amount : 0;
  const discountAmounts: CreditNoteDiscountAmount[] = source.discount_amounts.map((d) => ({
    amount: Math.round(d.amount * share),
    discount: d.discount,
  }));
  const discount = discountAmounts.reduce((sum, d) => sum + d.amount, 0);
  const rates = await loadTaxRates(
    reader,
    account,
    source.taxes.map((t) => t.tax_rate_details.tax_rate),
    `${param}[invoice_line_item]`,
  );
  return sortFields<CreditNoteLineItem>({
    ...baseLine(newId('cnli', 24)),
    amount,
    description: source.description,
    discount_amount: discount,
    discount_amounts: discountAmounts,
    invoice_line_item: source.id,
    metadata: input.metadata ? applyMetadata({}, input.metadata) : {},
    quantity,
    tax_rates: rates as unknown as Record<string, unknown>[],
    taxes: taxesOf(rates, amount - discount),
    type: 'invoice_line_item',
    unit_amount: unit === null ? null : Math.round(unit),
    unit_amount_decimal: unit === null ? null : String(unit),
  });
}

/** A line of the merchant's own: `quantity` × `unit_amount`, taxed at the given rates. */
async function customLineCredit(
  reader: Reader | Transaction,
  account: string,
  input: LineInput,
  i: number,
): Promise<CreditNoteLineItem> {
  const param = `lines[${i}]`;
  const decimal = input.unit_amount_decimal;
  if (input.unit_amount === undefined && (decimal === undefined || decimal === null)) {
    throw invalidRequest(`Missing required param: ${param}[unit_amount].`, {
      code: 'parameter_missing',
      param: `${param}[unit_amount]`,
    });
  }
  const unit = input.unit_amount ?? Number(decimal);
  if (!Number.isFinite(unit) || unit < 0) {
    throw invalidRequest(`Invalid decimal: ${decimal}`, { param: `${param}[unit_amount_decimal]` });
  }
  const quantity = input.quantity ?? 1;
  const amount = Math.round(unit * quantity);
  const rates = await loadTaxRates(reader, account, input.tax_rates ?? [], `${param}[tax_rates]`);
  let taxes = taxesOf(rates, amount);
  if (input.tax_amounts?.length) {
    const given = await loadTaxRates(
      reader,
      account,
      input.tax_amounts.map((t) => t.tax_rate),
      `${param}[tax_amounts]`,
    );
    taxes = input.tax_amounts.map((t, j) => ({
      amount: t.amount,
      tax_behavior: given[j]?.inclusive ? 'inclusive' : 'exclusive',
      tax_rate_details: { tax_rate: t.tax_rate },
      taxability_reason: 'standard_rated',
      taxable_amount: t.taxable_amount,
      type: 'tax_rate_details',
    }));
  }
  return sortFields<CreditNoteLineItem>({
    ...baseLine(newId('cnli', 24)),
    amount,
    description: input.description ?? null,
    metadata: input.metadata ? applyMetadata({}, input.metadata) : {},
    quantity,
    tax_rates: rates as unknown as Record<string, unknown>[],
    taxes,
    type: 'custom_line_item',
    unit_amount: Math.round(unit),
    unit_amount_decimal: input.unit_amount_decimal ?? String(unit),
  });
}

function sumTaxes(lines: readonly CreditNoteLineItem[]): CreditNoteTax[] {
  const byRate = new Map<string, CreditNoteTax>();
  for (const line of lines) {
    for (const t of line.taxes) {
      const key = `${t.tax_rate_details.tax_rate}:${t.tax_behavior}`;
      const seen = byRate.get(key);
      if (seen) {
        seen.amount += t.amount;
        seen.taxable_amount += t.taxable_amount;
      } else byRate.set(key, { ...t, tax_rate_details: { ...t.tax_rate_details } });
    }
  }
  return [...byRate.values()];
}

function sumDiscounts(lines: readonly CreditNoteLineItem[]): CreditNoteDiscountAmount[] {
  const byDiscount = new Map<string, number>();
  for (const line of lines) {
    for (const d of line.discount_amounts) byDiscount.set(d.discount, (byDiscount.get(d.discount) ?? 0) + d.amount);
  }
  return [...byDiscount].map(([discount, amount]) => ({ amount, discount }));
}

/**
 * Refunds made before the credit note (`refunds[]`), linked to it: each must refund this invoice's
 * payment, and a refund can be accounted for only once across the invoice's credit notes.
 */
async function linkedRefunds(
  reader: Reader | Transaction,
  account: string,
  invoice: LoadedInvoice,
  given: NonNullable<ProposalInput['refunds']>,
  prior: PriorCredits,
): Promise<CreditNoteRefund[]> {
  const out: CreditNoteRefund[] = [];
  for (const [i, entry] of given.entries()) {
    const param = `refunds[${i}][refund]`;
    if (entry.type === 'payment_record_refund' || entry.payment_record_refund) {
      throw invalidRequest('Sandbank does not support payment records: link refunds of type `refund`.', {
        param: `refunds[${i}][type]`,
      });
    }
    if (!entry.refund) {
      throw invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
    }
    const refund = (await loadObject<Refund>(reader, account, entry.refund, REFUND, { param })).object;
    if (!invoice.state.paymentIntent || refund.payment_intent !== invoice.state.paymentIntent) {
      throw invalidRequest(`Refund ${refund.id} does not refund a payment of invoice ${invoice.invoice.id}.`, {
        param,
      });
    }
    const used = prior.refunds.get(refund.id) ?? 0;
    const amount = entry.amount_refunded ?? refund.amount - used;
    if (amount <= 0 || used + amount > refund.amount) {
      throw invalidRequest(
        `Refund ${refund.id} has ${money(Math.max(refund.amount - used, 0), refund.currency)} left to link to credit notes.`,
        { param: `refunds[${i}][amount_refunded]` },
      );
    }
    prior.refunds.set(refund.id, used + amount);
    out.push({ amount_refunded: amount, payment_record_refund: null, refund: refund.id, type: 'refund' });
  }
  return out;
}

/**
 * The credit note a request describes, checked against the invoice and its earlier credit notes,
 * and how it splits into what lowers the invoice and what is given back. Nothing is written.
 */
export async function propose(
  reader: Reader | Transaction,
  ctx: { account: { id: string }; origin: string; now: number; forUpdate?: boolean },
  input: ProposalInput,
): Promise<Proposal> {
  const account = ctx.account.id;
  const invoice = await loadInvoiceState(reader, account, input.invoice, {
    param: 'invoice',
    forUpdate: ctx.forUpdate ?? false,
  });
  const inv = invoice.invoice;
  if (!(CREDITABLE_STATUSES as readonly string[]).includes(inv.status)) throw notCreditable(inv);
  if (input.shipping_cost) {
    throw invalidRequest('Sandbank does not support shipping rates yet: leave `shipping_cost` unset.', {
      param: 'shipping_cost',
    });
  }
  const hasLines = (input.lines?.length ?? 0) > 0;
  if (!hasLines && (input.amount === undefined || input.amount === null)) throw nothingToCredit();

  const prior = await priorCredits(reader, account, inv.id);
  const lines: CreditNoteLineItem[] = [];
  for (const [i, line] of (input.lines ?? []).entries()) {
    const made =
      line.type === 'invoice_line_item'
        ? await invoiceLineCredit(reader, account, invoice, line, i, prior)
        : await customLineCredit(reader, account, line, i);
    // Later lines of the same request count what earlier ones credit.
    if (made.invoice_line_item) {
      const seen = prior.lines.get(made.invoice_line_item) ?? { amount: 0, quantity: 0 };
      seen.amount += made.amount;
      seen.quantity += line.quantity ?? 0;
      prior.lines.set(made.invoice_line_item, seen);
    }
    lines.push(made);
  }

  const currency = inv.currency;
  let subtotal: number;
  let discount = 0;
  let exclusiveTax = 0;
  let inclusiveTax = 0;
  const totalTaxes = sumTaxes(lines);
  if (hasLines) {
    subtotal = lines.reduce((sum, l) => sum + l.amount, 0);
    discount = lines.reduce((sum, l) => sum + l.discount_amount, 0);
    for (const t of totalTaxes) {
      if (t.tax_behavior === 'exclusive') exclusiveTax += t.amount;
      else inclusiveTax += t.amount;
    }
  } else {
    subtotal = input.amount as number;
  }
  const total = subtotal - discount + exclusiveTax;
  if (hasLines && input.amount !== undefined && input.amount !== null && input.amount !== total) {
    throw invalidRequest(
      `The credit note \`amount\` (${money(input.amount, currency)}) must equal the total of its lines (${money(total, currency)}).`,
      { param: 'amount' },
    );
  }
  if (total <= 0) {
    throw invalidRequest('The credit note must credit a positive amount.', { param: hasLines ? 'lines' : 'amount' });
  }
  const creditable = inv.total - prior.total;
  if (total > creditable) {
    throw invalidRequest(
      `The credit note total (${money(total, currency)}) is greater than the amount left to credit on invoice ${inv.id} (${money(Math.max(creditable, 0), currency)}): all credit notes of an invoice together cannot exceed its total (${money(inv.total, currency)}).`,
      { param: hasLines && input.amount === undefined ? 'lines' : 'amount' },
    );
  }

  const pre = inv.status === 'paid' ? 0 : Math.min(total, inv.amount_remaining);
  const post = total - pre;
  const refundAmount = input.refund_amount ?? 0;
  const creditAmount = input.credit_amount ?? 0;
  const outOfBand = input.out_of_band_amount ?? 0;
  const linked = await linkedRefunds(reader, account, invoice, input.refunds ?? [], prior);
  const linkedAmount = linked.reduce((sum, r) => sum + r.amount_refunded, 0);
  const given = refundAmount + linkedAmount + creditAmount + outOfBand;
  if (given !== post) {
    throw invalidRequest(
      `The sum of credit amount, refund amount (new and linked refunds) and out of band amount (${money(given, currency)}) must equal the credit note amount not applied to the invoice's amount remaining (post_payment_amount, ${money(post, currency)}).`,
      { param: refundAmount ? 'refund_amount' : creditAmount ? 'credit_amount' : 'out_of_band_amount' },
    );
  }
  if (refundAmount > 0 && !invoice.state.paymentIntent) {
    throw invalidRequest(
      `Invoice ${inv.id} was not paid through a PaymentIntent, so there is no payment to refund: use \`credit_amount\` or \`out_of_band_amount\` instead.`,
      { param: 'refund_amount' },
    );
  }

  const type: CreditNoteType = pre > 0 && post > 0 ? 'mixed' : pre > 0 ? 'pre_payment' : 'post_payment';
  const id = newId('cn', 24);
  const token = `cnst_${randomBase62(32)}`;
  const number = `${inv.number ?? inv.id}-CN-${String(prior.count + 1).padStart(2, '0')}`;
  const creditNote = sortFields<CreditNote>({
    id,
    object: 'credit_note',
    amount: total,
    amount_shipping: 0,
    created: ctx.now,
    currency,
    customer: inv.customer,
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: discount,
    discount_amounts: sumDiscounts(lines),
    effective_at: input.effective_at ?? ctx.now,
    invoice: inv.id,
    lines: {
      object: 'list',
      data: lines.slice(0, EMBEDDED_LINES),
      has_more: lines.length > EMBEDDED_LINES,
      url: `/v1/credit_notes/${id}/lines`,
    },
    livemode: false,
    memo: input.memo ?? null,
    metadata: applyMetadata({}, input.metadata),
    number,
    out_of_band_amount: input.out_of_band_amount ?? null,
    pdf: `${ctx.origin}/credit_notes/${account}/${token}/pdf`,
    post_payment_amount: post,
    pre_payment_amount: pre,
    pretax_credit_amounts: [],
    reason: input.reason ?? null,
    refunds: linked,
    shipping_cost: null,
    status: 'issued',
    subtotal,
    subtotal_excluding_tax: subtotal - inclusiveTax,
    total,
    total_excluding_tax: subtotal - discount - inclusiveTax,
    total_taxes: totalTaxes,
    type,
    voided_at: null,
  });
  return { creditNote, state: { lines, token, creditAmount }, invoice, refundAmount, creditAmount };
}

// ---- Effects on the invoice and the customer ----

/**
 * What a credit note's issue or void does to its invoice: `sign` +1 applies it, −1 takes it back.
 * An open invoice's PaymentIntent then asks for the new amount remaining; credited down to
 * nothing, the invoice has nothing left to collect and is paid (its PaymentIntent canceled, as
 * paying out of band does).
 */
async function adjustInvoice(ctx: MutationContext, cn: CreditNote, sign: 1 | -1): Promise<void> {
  const invoice = await loadInvoiceState(ctx.tx, ctx.account.id, cn.invoice, { forUpdate: true });
  const inv = invoice.invoice;
  const before = structuredClone(inv);
  inv.pre_payment_credit_notes_amount += sign * cn.pre_payment_amount;
  inv.post_payment_credit_notes_amount += sign * cn.post_payment_amount;
  inv.amount_due -= sign * cn.pre_payment_amount;
  inv.amount_remaining -= sign * cn.pre_payment_amount;
  await saveInvoice(ctx, invoice);
  await emitEvent(ctx, 'invoice.updated', inv, before);
  if (cn.pre_payment_amount === 0 || !invoice.state.paymentIntent) return;
  if (inv.amount_remaining === 0) {
    await cancelOpenPaymentIntent(ctx, invoice.state.paymentIntent);
    const fresh = await loadInvoiceState(ctx.tx, ctx.account.id, inv.id, { forUpdate: true });
    await markInvoicePaid(ctx, fresh, { paymentIntent: null });
    return;
  }
  const pi = await loadPaymentIntent(ctx, invoice.state.paymentIntent);
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) return;
  // Below the currency's minimum charge the intent keeps its amount: Stripe would not charge a card
  // for less, and the amount remaining on the invoice is what the customer is asked for.
  if (inv.amount_remaining < (currency(inv.currency)?.minimumCharge ?? 0)) return;
  await updatePaymentIntent(ctx, pi.id, { amount: inv.amount_remaining } as Parameters<typeof updatePaymentIntent>[2]);
}

async function moveCustomerBalance(ctx: MutationContext, cn: CreditNote, amount: number): Promise<string> {
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, cn.customer, CUSTOMER, { forUpdate: true }))
    .object;
  const before = structuredClone(customer);
  const txn = await recordBalanceChange(ctx, customer, {
    amount,
    currency: cn.currency,
    type: 'credit_note',
  });
  txn.credit_note = cn.id;
  txn.invoice = cn.invoice;
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER_BALANCE_TRANSACTION, txn, {
    update: true,
    fields: balanceTransactionFields(txn),
  });
  const data = sortFields(customer);
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER, data, { update: true, fields: customerIndexFields(data) });
  await emitEvent(ctx, 'customer.updated', data, before);
  return txn.id;
}

async function saveCreditNote(
  ctx: MutationContext,
  cn: CreditNote,
  state: CreditNoteState,
  opts: { insert?: boolean } = {},
): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, CREDIT_NOTE, cn, {
    update: !opts.insert,
    fields: creditNoteFields(cn, state),
    internal: state,
  });
}

async function customerClock(ctx: MutationContext, customerId: string): Promise<MutationContext> {
  const row = await ctx.tx.getObject(ctx.account.id, customerId);
  const customer = row && !row.deleted ? (JSON.parse(row.json) as Customer) : null;
  return customer ? onCustomerClock(ctx, customer) : ctx;
}

// ---- The operations ----

/** `POST /v1/credit_notes`: issues the credit note and applies it. */
export async function createCreditNote(ctx0: MutationContext, input: ProposalInput): Promise<CreditNote> {
  // The invoice's customer decides the clock (a test clock's frozen time stamps the note).
  const peek = await loadInvoiceState(ctx0.tx, ctx0.account.id, input.invoice, { param: 'invoice' });
  const ctx = await customerClock(ctx0, peek.invoice.customer);
  const proposal = await propose(
    ctx.tx,
    { account: ctx.account, origin: ctx.origin, now: ctx.clock.now(), forUpdate: true },
    input,
  );
  const { creditNote: cn, state, invoice } = proposal;
  if (proposal.refundAmount > 0) {
    // The rest of the Refunds parameters are left unset, as a request that names only these would.
    const refund = await createRefund(ctx, {
      payment_intent: invoice.state.paymentIntent as string,
      amount: proposal.refundAmount,
    } as Parameters<typeof createRefund>[1]);
    cn.refunds.push({ amount_refunded: refund.amount, payment_record_refund: null, refund: refund.id, type: 'refund' });
  }
  if (proposal.creditAmount > 0) {
    cn.customer_balance_transaction = await moveCustomerBalance(ctx, cn, -proposal.creditAmount);
  }
  await saveCreditNote(ctx, cn, state, { insert: true });
  await emitEvent(ctx, 'credit_note.created', cn);
  await adjustInvoice(ctx, cn, 1);
  return cn;
}

/** `GET /v1/credit_notes/preview`: the credit note create would issue, not stored. */
export async function previewCreditNote(
  reader: Reader,
  ctx: { account: { id: string }; origin: string; now: number },
  input: ProposalInput,
): Promise<CreditNote> {
  return (await propose(reader, ctx, input)).creditNote;
}

export async function loadCreditNote(
  reader: Reader | Transaction,
  account: string,
  id: string,
  forUpdate = false,
): Promise<{ object: CreditNote; internal: CreditNoteState }> {
  return loadObject<CreditNote, CreditNoteState>(reader, account, id, CREDIT_NOTE, { forUpdate });
}

/** `POST /v1/credit_notes/:id`: only the memo and metadata change; the amounts are issued. */
export async function updateCreditNote(ctx: MutationContext, id: string, input: UpdateInput): Promise<CreditNote> {
  const { object: cn, internal } = await loadCreditNote(ctx.tx, ctx.account.id, id, true);
  const before = structuredClone(cn);
  if (input.memo !== undefined) cn.memo = input.memo;
  if (input.metadata !== undefined) cn.metadata = applyMetadata(cn.metadata, input.metadata);
  await saveCreditNote(ctx, cn, internal);
  await emitEvent(ctx, 'credit_note.updated', cn, before);
  return cn;
}

/**
 * `POST /v1/credit_notes/:id/void`: takes the credit note back. Its pre-payment part returns to
 * the invoice's amount due (so the invoice must still be open to receive it), a balance credit is
 * debited again; a refund cannot be taken back, so a credit note that refunded stays issued.
 */
export async function voidCreditNote(ctx0: MutationContext, id: string): Promise<CreditNote> {
  const { object: cn, internal } = await loadCreditNote(ctx0.tx, ctx0.account.id, id, true);
  const ctx = await customerClock(ctx0, cn.customer);
  if (cn.status === 'void') {
    throw invalidRequest(`Credit note ${cn.id} has already been voided.`);
  }
  if (cn.refunds.length > 0) {
    throw invalidRequest(
      `Credit note ${cn.id} refunded a payment, and a refund cannot be undone: it cannot be voided.`,
    );
  }
  const invoice = await loadInvoiceState(ctx.tx, ctx.account.id, cn.invoice, { forUpdate: true });
  if (cn.pre_payment_amount > 0 && !['open', 'uncollectible'].includes(invoice.invoice.status)) {
    throw invalidRequest('You can only void a credit note if the associated invoice is open.');
  }
  if (internal.creditAmount > 0) {
    await moveCustomerBalance(ctx, cn, internal.creditAmount);
  }
  transitionCreditNote(cn, 'void');
  cn.voided_at = ctx.clock.now();
  await saveCreditNote(ctx, cn, internal);
  await emitEvent(ctx, 'credit_note.voided', cn);
  await adjustInvoice(ctx, cn, -1);
  return cn;
}

const CREDIT_NOTE_LINE_ITEM_LABEL = 'credit note line item';

/** One page of `lines` in their own order, by Stripe's cursor rules (ids of lines in the list). */
export function pageLines(lines: readonly CreditNoteLineItem[], url: string, input: ListInput): ListEnvelope {
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const limit = input.limit ?? 10;
  const at = (id: string, param: string) => {
    const i = lines.findIndex((l) => l.id === id);
    if (i === -1) throw resourceMissing(CREDIT_NOTE_LINE_ITEM_LABEL, id, param);
    return i;
  };
  let window: readonly CreditNoteLineItem[];
  let hasMore: boolean;
  if (input.ending_before) {
    const end = at(input.ending_before, 'ending_before');
    window = lines.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = input.starting_after ? at(input.starting_after, 'starting_after') + 1 : 0;
    window = lines.slice(start, start + limit);
    hasMore = start + limit < lines.length;
  }
  return {
    object: 'list',
    data: window as unknown as Record<string, unknown>[],
    has_more: hasMore,
    url,
  };
}
