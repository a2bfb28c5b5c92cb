/**
 * Invoices: creating drafts (with the customer's pending items when asked), editing them and their
 * lines, finalising (number, frozen customer details, the customer's balance, the PaymentIntent),
 * and the end states (void, uncollectible, deletion of drafts). Paying lives in payment.ts.
 *
 * This module is the API other Billing services build on (subscriptions creates, finalises and
 * pays its invoices through it); its exported signatures stay stable. Every function takes the
 * request's or job's context and moves onto the invoice customer's clock itself.
 */

import { balanceTransactionFields, CUSTOMER_BALANCE_TRANSACTION } from '../../customers/balance-transactions/object.js';
import { recordBalanceChange } from '../../customers/balance-transactions/service.js';
import { CUSTOMER, type Customer, customerIndexFields } from '../../customers/object.js';
import { TAX_ID, type TaxId } from '../../customers/tax-ids/object.js';
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import type { Reader, Transaction } from '../../store/store.js';
import { loadCoupon } from '../coupons/load.js';
import { type DiscountInput, deleteDiscount, resolveDiscounts } from '../discounts/service.js';
import { INVOICE_ITEM, type InvoiceItem } from '../invoice-items/object.js';
import {
  assignInvoiceItem,
  createInvoiceItem,
  deleteInvoiceItem,
  type ItemInput,
  loadInvoiceItem,
  loadTaxRates,
  pendingInvoiceItems,
  updateInvoiceItem,
} from '../invoice-items/service.js';
import { cancelInvoicePayment, createInvoicePayment } from '../invoice-payments/service.js';
import type { TaxRate } from '../tax-rates/object.js';
import { onTestClock } from '../test-clocks/context.js';
import { applyBalance } from './amounts.js';
import { notify } from './hooks.js';
import {
  type LoadedInvoice,
  lineFromItem,
  loadInvoiceState,
  pushLine,
  recomputeAmounts,
  type SubscriptionLineInput,
  saveChangedDraft,
  saveInvoice,
  subscriptionLine,
  upsertItemLine,
} from './lines.js';
import {
  type BillingReason,
  type CollectionMethod,
  INVOICE,
  type Invoice,
  type InvoiceState,
  requireInvoiceStatus,
  transitionInvoice,
} from './object.js';
import { markInvoicePaid } from './payment.js';
import { cancelOpenPaymentIntent, createInvoicePaymentIntent } from './payment-intent.js';

export type { LoadedInvoice, SubscriptionLineInput } from './lines.js';

/** Drafts with `auto_advance` are finalised this long after creation (Stripe: about an hour). */
export const AUTO_FINALIZE_DELAY = 3600;
/** `send_invoice` invoices without `days_until_due` or `due_date` are due this many days after finalisation. */
export const DEFAULT_DAYS_UNTIL_DUE = 30;
const DAY = 86_400;

export const JOB_AUTO_FINALIZE = 'invoice.auto_finalize';
export const JOB_ATTEMPT = 'invoice.attempt_payment';
export const JOB_OVERDUE = 'invoice.overdue';

/** `POST /v1/invoices` parameters (the subset services pass; routes pass the parsed request). */
export interface CreateInvoiceInput {
  customer?: string | null;
  auto_advance?: boolean | null;
  automatically_finalizes_at?: number | null;
  collection_method?: CollectionMethod | null;
  currency?: string | null;
  custom_fields?: { name: string; value: string }[] | null;
  days_until_due?: number | null;
  default_payment_method?: string | null;
  default_source?: string | null;
  default_tax_rates?: string[] | null;
  description?: string | null;
  discounts?: DiscountInput[] | null;
  due_date?: number | null;
  footer?: string | null;
  metadata?: Record<string, string> | null;
  number?: string | null;
  pending_invoice_items_behavior?: 'exclude' | 'include' | null;
  statement_descriptor?: string | null;
  subscription?: string | null;
}

/** What only services set when creating an invoice. */
export interface CreateInvoiceOptions {
  /** Default `manual`; subscriptions pass `subscription_create`, `subscription_cycle`, … */
  billingReason?: BillingReason;
  /** The subscription's metadata, shown in `parent.subscription_details.metadata`. */
  subscriptionMetadata?: Record<string, string> | null;
  /** Lines for subscription items, added before the pending items. */
  subscriptionLines?: SubscriptionLineInput[];
  /** `period_start` / `period_end` (default: the creation time, as for a one-off invoice). */
  period?: { start: number; end: number };
  /**
   * Which pending items to pull when `pending_invoice_items_behavior` is `include`: every pending
   * item of the customer (`all`, what a subscription's invoice does), or only those of
   * `input.subscription` (`subscription`, what the API does when `subscription` is given).
   */
  pendingItems?: 'all' | 'subscription';
  /** Do not emit `invoice.created` (never used by the API; for services that emit themselves). */
  silent?: boolean;
}

/** The hosted page token of a stored invoice (the page and PDF URLs end with it). */
export function invoicePageToken(loaded: { state: InvoiceState }): string {
  return loaded.state.token;
}

/** The account a hosted-page token belongs to (tokens carry it, so a URL alone finds the invoice). */
export function invoicePageAccount(token: string): string | null {
  const match = /^(acct_[A-Za-z0-9]+)_[A-Za-z0-9]+$/.exec(token);
  return match ? (match[1] as string) : null;
}

/** The invoice whose hosted page token is `token`, or undefined (never a draft: drafts have no page). */
export async function findInvoiceByPageToken(
  reader: Reader,
  account: string,
  token: string,
): Promise<LoadedInvoice | undefined> {
  const page = await reader.listObjects({ account, type: INVOICE, limit: 1, equals: { page_token: token } });
  const row = page.rows[0];
  if (!row) return undefined;
  return { invoice: JSON.parse(row.json) as Invoice, state: JSON.parse(row.internal ?? '{}') as InvoiceState };
}

export function invoicePageUrl(origin: string, token: string): string {
  return `${origin}/invoice/${token}`;
}

export function invoicePdfUrl(origin: string, token: string): string {
  return `${origin}/invoice/${token}/pdf`;
}

/** Loads an invoice for reading (routes, other services). */
export async function loadInvoice(reader: Reader | Transaction, account: string, id: string): Promise<Invoice> {
  return (await loadInvoiceState(reader, account, id)).invoice;
}

async function loadCustomer(ctx: MutationContext, id: string, param = 'customer'): Promise<Customer> {
  return (await loadObject<Customer>(ctx.tx, ctx.account.id, id, CUSTOMER, { param, forUpdate: true })).object;
}

/** The customer's details an invoice shows (refreshed on drafts, frozen at finalisation). */
function copyCustomerDetails(invoice: Invoice, customer: Customer): void {
  invoice.customer_address = customer.address ? { ...customer.address } : null;
  invoice.customer_email = customer.email;
  invoice.customer_name = customer.name;
  invoice.customer_phone = customer.phone;
  invoice.customer_shipping = customer.shipping ? structuredClone(customer.shipping) : null;
  invoice.customer_tax_exempt = customer.tax_exempt;
}

/** The customer's tax IDs as a finalised invoice freezes them (`{type, value}`, oldest first). */
async function customerTaxIds(ctx: MutationContext, customer: string): Promise<{ type: string; value: string }[]> {
  const page = await ctx.tx.listObjects({ account: ctx.account.id, type: TAX_ID, limit: 100, equals: { customer } });
  return page.rows
    .map((r) => JSON.parse(r.json) as TaxId)
    .reverse()
    .map((t) => ({ type: t.type, value: t.value }));
}

/** The customer's own discount (`customer.discount`), when the catalog has given it one. */
function customerDiscountId(customer: Customer): string | null {
  const d = customer.discount as unknown as { id?: string } | null;
  return d && typeof d.id === 'string' ? d.id : null;
}

function checkCollection(
  method: CollectionMethod,
  input: { days_until_due?: number | null; due_date?: number | null },
  creating: boolean,
): void {
  const dueGiven = input.days_until_due != null || input.due_date != null;
  if (method === 'charge_automatically' && dueGiven) {
    throw invalidRequest(
      "You can only specify 'due_date' or 'days_until_due' if invoice collection method is 'send_invoice'.",
    );
  }
  if (method === 'send_invoice' && creating && !dueGiven) {
    throw invalidRequest(
      "If invoice collection method is 'send_invoice', you must specify 'due_date' or 'days_until_due'.",
    );
  }
}

/**
 * A new draft's object (not stored): what `createInvoice` saves and previews show. Amounts are
 * zero until `recomputeAmounts` runs over its lines.
 */
export function draftInvoiceObject(
  ctx: MutationContext,
  customer: Customer,
  input: CreateInvoiceInput,
  opts: CreateInvoiceOptions,
  fixed: {
    id: string;
    currency: string;
    discounts: string[];
    defaultTaxRates: TaxRate[];
    finalizesAt: number | null;
  },
): Invoice {
  const { id, currency, discounts, defaultTaxRates, finalizesAt } = fixed;
  const now = ctx.clock.now();
  const method = input.collection_method ?? 'charge_automatically';
  const autoAdvance = input.auto_advance ?? false;
  const invoice: Invoice = {
    id,
    object: 'invoice',
    account_country: ctx.account.country,
    account_name: null,
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: autoAdvance,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: finalizesAt,
    billing_reason: opts.billingReason ?? 'manual',
    collection_method: method,
    created: now,
    currency,
    custom_fields: input.custom_fields ?? null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: null,
    customer_tax_ids: [],
    default_payment_method: input.default_payment_method ?? null,
    default_source: input.default_source ?? null,
    default_tax_rates: defaultTaxRates as unknown as Record<string, unknown>[],
    description: input.description ?? null,
    discounts,
    due_date:
      method === 'send_invoice'
        ? (input.due_date ?? (input.days_until_due != null ? now + input.days_until_due * DAY : null))
        : null,
    effective_at: null,
    ending_balance: null,
    footer: input.footer ?? null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    next_payment_attempt: finalizesAt !== null && method === 'charge_automatically' ? finalizesAt : null,
    number: input.number ?? null,
    on_behalf_of: null,
    parent: input.subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: opts.subscriptionMetadata ?? null, subscription: input.subscription },
          type: 'subscription_details',
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: opts.period?.end ?? now,
    period_start: opts.period?.start ?? now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null },
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: input.statement_descriptor ?? null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: customer.test_clock,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    // No webhook gate in Sandbank yet: the draft counts as delivered when created.
    webhooks_delivered_at: now,
  };
  copyCustomerDetails(invoice, customer);
  return invoice;
}

/**
 * `POST /v1/invoices`: a draft for `customer`. API-created invoices default to `auto_advance:
 * false` (Stripe's current versions) and exclude pending items unless asked. Emits
 * `invoice.created`; with `auto_advance` the draft finalises itself an hour later (a job).
 */
export async function createInvoice(
  ctx: MutationContext,
  input: CreateInvoiceInput,
  opts: CreateInvoiceOptions = {},
): Promise<Invoice> {
  if (!input.customer) {
    throw invalidRequest('Missing required param: customer.', { param: 'customer', code: 'parameter_missing' });
  }
  const customer = await loadCustomer(ctx, input.customer);
  const cctx = await onTestClock(ctx, customer.test_clock);
  const now = cctx.clock.now();
  const method = input.collection_method ?? 'charge_automatically';
  checkCollection(method, input, true);
  const currency = requireCurrency(
    (input.currency ?? customer.currency ?? ctx.account.defaultCurrency).toLowerCase(),
  ).code;
  const id = newId('in', 24);
  const autoAdvance = input.auto_advance ?? false;
  const defaultTaxRates = await loadTaxRates(
    ctx.tx,
    ctx.account.id,
    input.default_tax_rates ?? [],
    'default_tax_rates',
  );
  const discounts =
    input.discounts !== undefined && input.discounts !== null
      ? (await resolveDiscounts(cctx, input.discounts, { customer: customer.id, invoice: id, currency })).map(
          (d) => d.id,
        )
      : [customerDiscountId(customer)].filter((d): d is string => d !== null);
  const finalizesAt = autoAdvance ? (input.automatically_finalizes_at ?? now + AUTO_FINALIZE_DELAY) : null;
  const invoice = draftInvoiceObject(cctx, customer, input, opts, {
    id,
    currency,
    discounts,
    defaultTaxRates,
    finalizesAt,
  });
  const state: InvoiceState = { lines: [], lineState: {}, token: `${ctx.account.id}_${randomBase62(24)}` };
  const loaded: LoadedInvoice = { invoice, state };
  for (const line of opts.subscriptionLines ?? []) {
    pushLine(state, subscriptionLine(line, id), { taxRates: line.taxRates ?? [] });
  }
  if (input.pending_invoice_items_behavior === 'include') {
    const which = opts.pendingItems === 'all' || !input.subscription ? undefined : input.subscription;
    const pending = await pendingInvoiceItems(ctx.tx, ctx.account.id, customer.id, which);
    // Stripe sweeps pending items newest first.
    for (const item of pending.reverse()) {
      if (item.currency !== currency) continue;
      await assignInvoiceItem(ctx, item, id);
      pushLine(state, lineFromItem(item, id), { taxRates: item.tax_rates.map((r) => r.id) });
    }
  }
  await recomputeAmounts(ctx.tx, ctx.account.id, loaded);
  const saved = await saveInvoice(cctx, loaded, { insert: true });
  if (!opts.silent) await emitEvent(cctx, 'invoice.created', saved);
  if (finalizesAt !== null) {
    await scheduleJob(cctx, { dueAt: finalizesAt, kind: JOB_AUTO_FINALIZE, target: id, payload: { at: finalizesAt } });
  }
  return saved;
}

/** Loads an invoice for a change, with the context moved onto its customer's clock. */
export async function openInvoice(
  ctx: MutationContext,
  id: string,
  param?: string,
): Promise<{ loaded: LoadedInvoice; ctx: MutationContext }> {
  const loaded = await loadInvoiceState(ctx.tx, ctx.account.id, id, { forUpdate: true, ...(param ? { param } : {}) });
  return { loaded, ctx: await onTestClock(ctx, loaded.invoice.test_clock) };
}

export type UpdateInvoiceInput = Omit<
  CreateInvoiceInput,
  'customer' | 'currency' | 'pending_invoice_items_behavior' | 'subscription'
> & {
  effective_at?: number | null;
};

/** Fields a finalised invoice still accepts (Stripe: monetary fields and collection are frozen). */
const EDITABLE_WHEN_FINAL = new Set([
  'metadata',
  'auto_advance',
  'default_payment_method',
  'default_source',
  'due_date',
  'days_until_due',
  'expand',
]);

/** `POST /v1/invoices/:id`: drafts change freely; finalised invoices only in what Stripe allows. */
export async function updateInvoice(ctx: MutationContext, id: string, input: UpdateInvoiceInput): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  const { invoice } = loaded;
  const before = structuredClone(invoice);
  if (invoice.status !== 'draft') {
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined || EDITABLE_WHEN_FINAL.has(key)) continue;
      throw invalidRequest("Finalized invoices can't be updated in this way", { param: key });
    }
    const final = invoice.status === 'paid' || invoice.status === 'void';
    if (final && (input.auto_advance != null || input.due_date != null || input.days_until_due != null)) {
      const key = input.auto_advance != null ? 'auto_advance' : input.due_date != null ? 'due_date' : 'days_until_due';
      throw invalidRequest("Finalized invoices can't be updated in this way", { param: key });
    }
  }
  const method = input.collection_method ?? invoice.collection_method;
  checkCollection(
    method,
    input,
    input.collection_method === 'send_invoice' &&
      invoice.collection_method !== 'send_invoice' &&
      invoice.due_date === null,
  );
  if (input.collection_method) {
    invoice.collection_method = input.collection_method;
    if (method === 'charge_automatically') invoice.due_date = null;
  }
  if (input.due_date != null) invoice.due_date = input.due_date;
  if (input.days_until_due != null) {
    invoice.due_date = (invoice.status_transitions.finalized_at ?? cctx.clock.now()) + input.days_until_due * DAY;
  }
  if (input.auto_advance != null) {
    invoice.auto_advance = input.auto_advance;
    if (invoice.status === 'draft') {
      const at = input.auto_advance ? invoice.created + AUTO_FINALIZE_DELAY : null;
      invoice.automatically_finalizes_at = at !== null && at < cctx.clock.now() ? cctx.clock.now() : at;
      invoice.next_payment_attempt =
        at !== null && invoice.collection_method === 'charge_automatically' ? invoice.automatically_finalizes_at : null;
      if (invoice.automatically_finalizes_at !== null) {
        const dueAt = invoice.automatically_finalizes_at;
        await scheduleJob(cctx, { dueAt, kind: JOB_AUTO_FINALIZE, target: invoice.id, payload: { at: dueAt } });
      }
    } else if (!input.auto_advance) invoice.next_payment_attempt = null;
  }
  if (input.automatically_finalizes_at != null && invoice.status === 'draft') {
    invoice.automatically_finalizes_at = input.automatically_finalizes_at;
    const dueAt = input.automatically_finalizes_at;
    await scheduleJob(cctx, { dueAt, kind: JOB_AUTO_FINALIZE, target: invoice.id, payload: { at: dueAt } });
  }
  if (input.custom_fields !== undefined) invoice.custom_fields = input.custom_fields;
  if (input.default_payment_method !== undefined) invoice.default_payment_method = input.default_payment_method;
  if (input.default_source !== undefined) invoice.default_source = input.default_source;
  if (input.description !== undefined) invoice.description = input.description;
  if (input.footer !== undefined) invoice.footer = input.footer;
  if (input.number !== undefined) invoice.number = input.number;
  if (input.statement_descriptor !== undefined) invoice.statement_descriptor = input.statement_descriptor;
  if (input.metadata !== undefined) invoice.metadata = applyMetadata(invoice.metadata, input.metadata);
  if (input.default_tax_rates !== undefined) {
    invoice.default_tax_rates = (await loadTaxRates(
      ctx.tx,
      ctx.account.id,
      input.default_tax_rates ?? [],
      'default_tax_rates',
    )) as unknown as Record<string, unknown>[];
  }
  if (input.discounts !== undefined) {
    const discounts = await resolveDiscounts(cctx, input.discounts, {
      customer: invoice.customer,
      invoice: invoice.id,
      currency: invoice.currency,
    });
    invoice.discounts = discounts.map((d) => d.id);
  }
  if (invoice.status === 'draft') await recomputeAmounts(ctx.tx, ctx.account.id, loaded);
  if (invoice.status === 'open' && invoice.due_date !== null && invoice.due_date !== before.due_date) {
    const dueAt = Math.max(invoice.due_date, cctx.clock.now());
    await scheduleJob(cctx, { dueAt, kind: JOB_OVERDUE, target: invoice.id, payload: { at: invoice.due_date } });
  }
  const saved = await saveInvoice(cctx, loaded);
  await emitEvent(cctx, 'invoice.updated', saved, before);
  return saved;
}

/** `DELETE /v1/invoices/:id`: drafts only; their invoice items go with them. */
export async function deleteInvoice(
  ctx: MutationContext,
  id: string,
): Promise<{ id: string; object: 'invoice'; deleted: true }> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  requireInvoiceStatus(loaded.invoice, 'delete');
  // Stripe keeps the draft's invoice items on it (they are not released to pending): they go with it.
  const tombstone = { id: loaded.invoice.id, object: 'invoice' as const, deleted: true as const };
  await ctx.tx.markDeleted(ctx.account.id, loaded.invoice.id, tombstone);
  await emitEvent(cctx, 'invoice.deleted', loaded.invoice);
  return tombstone;
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

/**
 * `POST /v1/invoices/:id/finalize`: `draft` → `open`. Assigns the number (`<customer
 * invoice_prefix>-<0001>`), freezes the customer's details, applies the customer's balance
 * (`starting_balance`/`ending_balance`, an `applied_to_invoice` balance transaction), sets the
 * due date of `send_invoice` invoices, the hosted page and PDF URLs, and creates the
 * PaymentIntent for what is due. An invoice with nothing due is `paid` at once. With
 * `auto_advance` and automatic collection, the first payment attempt follows right after (a job
 * due now, so the response still shows the invoice as finalised and open, as Stripe's does).
 */
export async function finalizeInvoice(
  ctx: MutationContext,
  id: string,
  opts: { auto_advance?: boolean | null } = {},
): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  const { invoice, state } = loaded;
  requireInvoiceStatus(invoice, 'finalize');
  const now = cctx.clock.now();
  if (opts.auto_advance != null) invoice.auto_advance = opts.auto_advance;
  const customer = await loadCustomer(ctx, invoice.customer);
  await recomputeAmounts(ctx.tx, ctx.account.id, loaded);

  if (invoice.number === null) {
    invoice.number = `${customer.invoice_prefix}-${pad(customer.next_invoice_sequence)}`;
    state.sequence = customer.next_invoice_sequence;
    customer.next_invoice_sequence += 1;
  }
  copyCustomerDetails(invoice, customer);
  invoice.customer_tax_ids = await customerTaxIds(ctx, customer.id);

  // The customer's balance settles against the total: credit lowers what is due, a debit adds to it.
  invoice.starting_balance = customer.balance;
  const settled = applyBalance(invoice.total, customer.balance);
  invoice.amount_due = settled.amountDue;
  invoice.amount_remaining = settled.amountDue;
  invoice.ending_balance = settled.endingBalance;
  if (settled.change !== 0) {
    const txn = await recordInvoiceBalanceChange(cctx, customer, invoice, settled.change, 'applied_to_invoice');
    state.balanceTransaction = txn.id;
  }
  // Below the currency's minimum charge nothing can be collected: Stripe moves the amount onto
  // the customer's balance (`invoice_too_small`, billed with the next invoice) and the invoice is paid.
  const tooSmall = settled.amountDue > 0 && settled.amountDue < requireCurrency(invoice.currency).minimumCharge;
  if (tooSmall) {
    await recordInvoiceBalanceChange(cctx, customer, invoice, settled.amountDue, 'invoice_too_small');
    invoice.ending_balance = customer.balance;
  }
  // The customer's own discount with a `once` coupon is used up by this invoice.
  const own = customer.discount;
  let usedUp: typeof own = null;
  if (own && invoice.discounts.includes(own.id)) {
    const coupon = await loadCoupon(ctx.tx, ctx.account.id, own.source.coupon);
    if (coupon.duration === 'once') {
      await deleteDiscount(cctx, own.id);
      customer.discount = null;
      usedUp = own;
    }
  }
  const customerData = sortFields(customer);
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER, customerData, {
    update: true,
    fields: customerIndexFields(customerData),
  });
  if (usedUp) await emitEvent(cctx, 'customer.discount.deleted', usedUp);

  transitionInvoice(invoice, 'open');
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  invoice.hosted_invoice_url = invoicePageUrl(cctx.origin, state.token);
  invoice.invoice_pdf = invoicePdfUrl(cctx.origin, state.token);
  if (invoice.collection_method === 'send_invoice' && invoice.due_date === null) {
    invoice.due_date = now + DEFAULT_DAYS_UNTIL_DUE * DAY;
  }
  const collectsNow = invoice.auto_advance && invoice.collection_method === 'charge_automatically';
  invoice.next_payment_attempt = collectsNow && invoice.amount_due > 0 && !tooSmall ? now : null;

  if (invoice.amount_due === 0 || tooSmall) {
    // Settled at once: Stripe shows it attempted, with no attempt counted.
    invoice.attempted = true;
    await saveInvoice(cctx, loaded);
    await emitEvent(cctx, 'invoice.finalized', loaded.invoice);
    await markInvoicePaid(cctx, loaded, { paymentIntent: null });
    await notify('finalized', cctx, loaded.invoice);
    return loaded.invoice;
  }
  await saveInvoice(cctx, loaded);
  await emitEvent(cctx, 'invoice.finalized', loaded.invoice);
  const pi = await createInvoicePaymentIntent(cctx, loaded.invoice);
  state.paymentIntent = pi.id;
  state.invoicePayment = (await createInvoicePayment(cctx, loaded.invoice, pi.id)).id;
  await saveInvoice(cctx, loaded);
  if (collectsNow) {
    await scheduleJob(cctx, {
      dueAt: now,
      kind: JOB_ATTEMPT,
      target: invoice.id,
      payload: { at: now, automatic: true },
    });
  }
  const dueDate = loaded.invoice.due_date;
  if (loaded.invoice.collection_method === 'send_invoice' && dueDate !== null) {
    const dueAt = Math.max(dueDate, now);
    await scheduleJob(cctx, { dueAt, kind: JOB_OVERDUE, target: invoice.id, payload: { at: dueDate } });
  }
  // With automatic collection Stripe emails a send_invoice invoice once it is finalised.
  if (loaded.invoice.collection_method === 'send_invoice' && loaded.invoice.auto_advance) {
    await emitEvent(cctx, 'invoice.sent', loaded.invoice);
  }
  await notify('finalized', cctx, loaded.invoice);
  return loaded.invoice;
}

/**
 * `POST /v1/invoices/:id/send`: `invoice.sent` (Sandbank sends no email). Only for
 * `send_invoice` invoices; a draft is finalised first.
 */
export async function sendInvoice(ctx: MutationContext, id: string): Promise<Invoice> {
  const current = await loadInvoice(ctx.tx, ctx.account.id, id);
  if (current.collection_method !== 'send_invoice') {
    throw invalidRequest("You can only manually send an invoice if its collection method is 'send_invoice'.");
  }
  if (current.status === 'draft') {
    const finalized = await finalizeInvoice(ctx, id);
    // An auto-advancing invoice was sent by its finalisation (or paid, with nothing due).
    if (finalized.auto_advance || finalized.status !== 'open') return finalized;
  }
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  requireInvoiceStatus(loaded.invoice, 'send');
  await emitEvent(cctx, 'invoice.sent', loaded.invoice);
  return loaded.invoice;
}

/**
 * `POST /v1/invoices/:id/void`: `open`/`uncollectible` → `void`. The PaymentIntent is canceled,
 * credit the invoice took from the customer's balance goes back (`unapplied_from_invoice`), and
 * `invoice.voided` is emitted.
 */
export async function voidInvoice(ctx: MutationContext, id: string): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  const { invoice, state } = loaded;
  requireInvoiceStatus(invoice, 'void');
  if (state.paymentIntent) await cancelOpenPaymentIntent(cctx, state.paymentIntent);
  if (state.invoicePayment) await cancelInvoicePayment(cctx, state.invoicePayment);
  if (state.balanceTransaction && invoice.ending_balance !== null) {
    const change = invoice.ending_balance - invoice.starting_balance;
    if (change !== 0) {
      const customer = await loadCustomer(ctx, invoice.customer);
      const txn = await recordBalanceChange(cctx, customer, {
        amount: -change,
        currency: invoice.currency,
        type: 'unapplied_from_invoice',
      });
      txn.invoice = invoice.id;
      await saveObject(ctx.tx, ctx.account.id, CUSTOMER_BALANCE_TRANSACTION, txn, {
        update: true,
        fields: balanceTransactionFields(txn),
      });
      const data = sortFields(customer);
      await saveObject(ctx.tx, ctx.account.id, CUSTOMER, data, { update: true, fields: customerIndexFields(data) });
    }
  }
  transitionInvoice(invoice, 'void');
  invoice.status_transitions.voided_at = cctx.clock.now();
  invoice.auto_advance = false;
  invoice.next_payment_attempt = null;
  const saved = await saveInvoice(cctx, loaded);
  await emitEvent(cctx, 'invoice.voided', saved);
  await notify('voided', cctx, saved);
  return saved;
}

/** `POST /v1/invoices/:id/mark_uncollectible`: `open` → `uncollectible`; it can still be paid or voided. */
export async function markInvoiceUncollectible(ctx: MutationContext, id: string): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  const { invoice } = loaded;
  requireInvoiceStatus(invoice, 'mark_uncollectible');
  transitionInvoice(invoice, 'uncollectible');
  invoice.status_transitions.marked_uncollectible_at = cctx.clock.now();
  invoice.auto_advance = false;
  invoice.next_payment_attempt = null;
  const saved = await saveInvoice(cctx, loaded);
  await emitEvent(cctx, 'invoice.marked_uncollectible', saved);
  await notify('markedUncollectible', cctx, saved);
  return saved;
}

/**
 * Adds subscription lines to a draft (subscriptions' renewal and update invoices), recomputing
 * its amounts, with `invoice.updated`.
 */
export async function addSubscriptionLines(
  ctx: MutationContext,
  id: string,
  lines: SubscriptionLineInput[],
): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  requireInvoiceStatus(loaded.invoice, 'edit');
  const before = structuredClone(loaded.invoice);
  for (const line of lines) pushLine(loaded.state, subscriptionLine(line, id), { taxRates: line.taxRates ?? [] });
  return saveChangedDraft(cctx, loaded, before);
}

interface LineEdit extends ItemInput {
  invoice_item?: string | null;
  id?: string;
}

function applyInvoiceMetadata(loaded: LoadedInvoice, metadata: Record<string, string> | null | undefined): void {
  if (metadata !== undefined) loaded.invoice.metadata = applyMetadata(loaded.invoice.metadata, metadata);
}

async function requireDraft(ctx: MutationContext, id: string): Promise<Invoice> {
  const invoice = await loadInvoice(ctx.tx, ctx.account.id, id);
  requireInvoiceStatus(invoice, 'edit');
  return invoice;
}

/** Saves the invoice metadata change of a lines call and returns the invoice as it now is. */
async function finishLinesCall(
  ctx: MutationContext,
  id: string,
  metadata: Record<string, string> | null | undefined,
): Promise<Invoice> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  if (metadata === undefined) return loaded.invoice;
  const before = structuredClone(loaded.invoice);
  applyInvoiceMetadata(loaded, metadata);
  const saved = await saveInvoice(cctx, loaded);
  await emitEvent(cctx, 'invoice.updated', saved, before);
  return saved;
}

/**
 * `POST /v1/invoices/:id/add_lines`: each line is an existing pending invoice item
 * (`invoice_item`) moved onto the draft, or a new invoice item created on it.
 */
export async function addLines(
  ctx: MutationContext,
  id: string,
  input: { lines: LineEdit[]; invoice_metadata?: Record<string, string> | null },
): Promise<Invoice> {
  const invoice = await requireDraft(ctx, id);
  for (const [i, line] of input.lines.entries()) {
    if (line.invoice_item) {
      const item = await loadInvoiceItem(ctx.tx, ctx.account.id, line.invoice_item, true);
      if (item.invoice !== null || item.customer !== invoice.customer) {
        throw invalidRequest(
          `The invoice item ${item.id} cannot be added to this invoice: it must be pending and belong to the invoice's customer.`,
          { param: `lines[${i}][invoice_item]` },
        );
      }
      await assignInvoiceItem(ctx, item, id);
      await upsertItemLine(await onTestClock(ctx, invoice.test_clock), id, item);
      continue;
    }
    await createInvoiceItem(
      ctx,
      { ...line, customer: invoice.customer, invoice: id, currency: invoice.currency },
      { param: `lines[${i}]` },
    );
  }
  return finishLinesCall(ctx, id, input.invoice_metadata);
}

function findLine(loaded: LoadedInvoice, lineId: string, param: string) {
  const line = loaded.state.lines.find((l) => l.id === lineId);
  if (!line)
    throw invalidRequest(`No such line item on invoice ${loaded.invoice.id}: '${lineId}'`, {
      param,
      code: 'resource_missing',
    });
  return line;
}

/**
 * `POST /v1/invoices/:id/update_lines`: an invoice item's line changes its item; a subscription
 * line accepts only descriptive changes (description, metadata, discountable, discounts, tax rates).
 */
export async function updateLines(
  ctx: MutationContext,
  id: string,
  input: { lines: (LineEdit & { id: string })[]; invoice_metadata?: Record<string, string> | null },
): Promise<Invoice> {
  await requireDraft(ctx, id);
  for (const [i, edit] of input.lines.entries()) {
    const { loaded, ctx: cctx } = await openInvoice(ctx, id);
    const line = findLine(loaded, edit.id, `lines[${i}][id]`);
    const itemId = line.parent.invoice_item_details?.invoice_item;
    const { id: _lineId, invoice_item: _item, ...fields } = edit;
    if (itemId) {
      await updateInvoiceItem(ctx, itemId, fields);
      continue;
    }
    const before = structuredClone(loaded.invoice);
    const priced = ['amount', 'price_data', 'pricing', 'quantity', 'quantity_decimal'].find(
      (k) => (fields as Record<string, unknown>)[k] != null,
    );
    if (priced) {
      throw invalidRequest(`You cannot update the ${priced} of a subscription line item.`, {
        param: `lines[${i}][${priced}]`,
      });
    }
    if (fields.description !== undefined) line.description = fields.description;
    if (fields.metadata !== undefined) line.metadata = applyMetadata(line.metadata, fields.metadata);
    if (fields.discountable != null) line.discountable = fields.discountable;
    if (fields.period) line.period = { end: fields.period.end, start: fields.period.start };
    if (fields.tax_rates !== undefined) {
      const rates = await loadTaxRates(ctx.tx, ctx.account.id, fields.tax_rates ?? [], `lines[${i}][tax_rates]`);
      loaded.state.lineState[line.id] = { taxRates: rates.map((r) => r.id) };
    }
    if (fields.discounts !== undefined) {
      const discounts = await resolveDiscounts(cctx, fields.discounts, {
        customer: loaded.invoice.customer,
        invoice: id,
        currency: loaded.invoice.currency,
      });
      line.discounts = discounts.map((d) => d.id);
    }
    await saveChangedDraft(cctx, loaded, before);
  }
  return finishLinesCall(ctx, id, input.invoice_metadata);
}

/**
 * `POST /v1/invoices/:id/remove_lines`: an invoice item's line is deleted with its item
 * (`behavior: delete`) or the item goes back to pending (`unassign`). Subscription lines stay.
 */
export async function removeLines(
  ctx: MutationContext,
  id: string,
  input: { lines: { id: string; behavior: 'delete' | 'unassign' }[]; invoice_metadata?: Record<string, string> | null },
): Promise<Invoice> {
  await requireDraft(ctx, id);
  for (const [i, edit] of input.lines.entries()) {
    const { loaded, ctx: cctx } = await openInvoice(ctx, id);
    const line = findLine(loaded, edit.id, `lines[${i}][id]`);
    const itemId = line.parent.invoice_item_details?.invoice_item;
    if (!itemId) {
      throw invalidRequest('Subscription line items cannot be removed from an invoice.', { param: `lines[${i}][id]` });
    }
    if (edit.behavior === 'delete') {
      await deleteInvoiceItem(ctx, itemId);
      continue;
    }
    const item = await loadInvoiceItem(ctx.tx, ctx.account.id, itemId, true);
    await assignInvoiceItem(ctx, item, null);
    const before = structuredClone(loaded.invoice);
    loaded.state.lines = loaded.state.lines.filter((l) => l.id !== line.id);
    delete loaded.state.lineState[line.id];
    await saveChangedDraft(cctx, loaded, before);
  }
  return finishLinesCall(ctx, id, input.invoice_metadata);
}

/** The items of an invoice (for tests and other services). */
export async function invoiceItemsOf(
  reader: Reader | Transaction,
  account: string,
  invoice: string,
): Promise<InvoiceItem[]> {
  const page = await reader.listObjects({ account, type: INVOICE_ITEM, limit: 100, equals: { invoice } });
  return page.rows.map((r) => JSON.parse(r.json) as InvoiceItem);
}

/** A change of the customer's balance made by `invoice` (credit applied, or an amount too small to charge), linked to it. */
async function recordInvoiceBalanceChange(
  ctx: MutationContext,
  customer: Parameters<typeof recordBalanceChange>[1],
  invoice: Invoice,
  amount: number,
  type: 'applied_to_invoice' | 'invoice_too_small',
) {
  const txn = await recordBalanceChange(ctx, customer, { amount, currency: invoice.currency, type });
  txn.invoice = invoice.id;
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER_BALANCE_TRANSACTION, txn, {
    update: true,
    fields: balanceTransactionFields(txn),
  });
  return txn;
}

/**
 * Job `invoice.overdue`: a `send_invoice` invoice still open when its due date arrives is overdue
 * (`invoice.overdue`; Stripe's default automation sends it on the due date). A changed due date
 * or a settled invoice makes the job stale.
 */
export async function runOverdueJob(ctx: MutationContext, invoiceId: string, at: number): Promise<void> {
  const row = await ctx.tx.getObject(ctx.account.id, invoiceId);
  if (!row || row.deleted || row.type !== INVOICE) return;
  const invoice = JSON.parse(row.json) as Invoice;
  if (invoice.status !== 'open' || invoice.due_date !== at) return;
  const c = await onTestClock(ctx, invoice.test_clock);
  await emitEvent(c, 'invoice.overdue', invoice);
  await notify('overdue', c, invoice);
}
