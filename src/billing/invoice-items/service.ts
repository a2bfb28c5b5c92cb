/**
 * Invoice items: what they cost (an amount, a unit amount × quantity, or a price × quantity), which
 * invoice they sit on (a draft, or pending for the customer's next invoice), and keeping that
 * draft's line in step when an item changes. Only a pending item or one on a draft may change.
 *
 * Exported for other Billing services (subscriptions adds proration items through
 * `createInvoiceItem`, invoices pulls pending items through `pendingInvoiceItems`).
 */
import { CUSTOMER, type Customer, customerIndexFields } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { type DiscountInput, resolveDiscounts } from '../discounts/service.js';
import { removeItemLine, upsertItemLine } from '../invoices/lines.js';
import { INVOICE, type Invoice, NOT_EDITABLE } from '../invoices/object.js';
import { priceAmount, unitAmountDecimal } from '../prices/amounts.js';
import { mul, roundHalfUp, scaled, toScaled } from '../prices/decimal.js';
import { loadPrice } from '../prices/load.js';
import { TAX_RATE, type TaxRate } from '../tax-rates/object.js';
import { onCustomerClock } from '../test-clocks/context.js';
import { type DeletedInvoiceItem, INVOICE_ITEM, type InvoiceItem, invoiceItemFields } from './object.js';

/** What an item is made of (create, `add_lines`, previews). */
export interface ItemInput {
  amount?: number | null;
  currency?: string | null;
  description?: string | null;
  discountable?: boolean | null;
  discounts?: DiscountInput[] | null;
  metadata?: Record<string, string> | null;
  period?: { start: number; end: number } | null;
  price?: string | null;
  price_data?: {
    currency: string;
    product: string;
    unit_amount?: number | null;
    unit_amount_decimal?: string | null;
  } | null;
  pricing?: { price?: string | null } | null;
  quantity?: number | null;
  quantity_decimal?: string | null;
  tax_rates?: string[] | null;
  unit_amount?: number | null;
  unit_amount_decimal?: string | null;
}

export interface CreateItemInput extends ItemInput {
  customer?: string | null;
  invoice?: string | null;
  subscription?: string | null;
}

/** Options only other services set (not API parameters). */
export interface CreateItemOptions {
  /** A proration item made by a subscription change. */
  proration?: boolean;
  /** Create without events (previews build items in memory and roll back). */
  silent?: boolean;
  /** Where the item's parameters sit in the request, for errors (e.g. `lines[0]` in `add_lines`). */
  param?: string;
}

/** Stripe's wording when one customer would be billed in two currencies. */
export function currencyMismatch(customerCurrency: string): Error {
  return invalidRequest(
    `You cannot combine currencies on a single customer. This customer has had a subscription, coupon, or invoice item with currency ${customerCurrency}`,
    { param: 'currency' },
  );
}

export interface ItemPricing {
  amount: number;
  currency: string;
  quantity: number;
  pricing: InvoiceItem['pricing'];
}

/**
 * The amount of an item: `amount` as given (quantity 1), else unit amount × quantity, else the
 * price's amount for the quantity. `fallbackCurrency` applies when nothing names a currency.
 */
export async function priceItem(
  reader: Reader | Transaction,
  account: string,
  input: ItemInput,
  fallbackCurrency: string | null,
  param = '',
): Promise<ItemPricing> {
  const at = (name: string) => (param ? `${param}[${name}]` : name);
  const priceId = input.pricing?.price ?? input.price ?? null;
  const sources = [
    input.amount != null ? 'amount' : null,
    priceId ? (input.pricing?.price ? 'pricing' : 'price') : null,
    input.price_data ? 'price_data' : null,
    input.unit_amount != null ? 'unit_amount' : null,
    input.unit_amount_decimal != null ? 'unit_amount_decimal' : null,
  ].filter((s): s is string => s !== null);
  if (sources.length === 0) {
    throw invalidRequest(`Missing required param: ${at('amount')}.`, {
      param: at('amount'),
      code: 'parameter_missing',
    });
  }
  if (input.amount != null && input.quantity != null) {
    throw invalidRequest('You may only specify one of these parameters: amount, quantity.', { param: at('amount') });
  }
  if (sources.length > 1) {
    throw invalidRequest(`You may only specify one of these parameters: ${sources.map(at).join(', ')}.`, {
      param: at(sources[1] as string),
    });
  }
  const quantity = input.quantity ?? (input.quantity_decimal ? Number(input.quantity_decimal) : 1);
  if (priceId) {
    const price = await loadPrice(reader, account, priceId, at(input.pricing?.price ? 'pricing[price]' : 'price'));
    const currency = (input.currency ?? price.currency).toLowerCase();
    return {
      amount: priceAmount(price, quantity, currency),
      currency,
      quantity,
      pricing: {
        price_details: { price: price.id, product: price.product },
        type: 'price_details',
        unit_amount_decimal: unitAmountDecimal(price, currency),
      },
    };
  }
  const currencyCode = input.price_data?.currency ?? input.currency ?? fallbackCurrency;
  if (!currencyCode) {
    throw invalidRequest(`Missing required param: ${at('currency')}.`, {
      param: at('currency'),
      code: 'parameter_missing',
    });
  }
  const currency = requireCurrency(currencyCode.toLowerCase(), at('currency')).code;
  if (input.amount != null) {
    return {
      amount: input.amount,
      currency,
      quantity: 1,
      pricing: { type: 'price_details', unit_amount_decimal: String(input.amount) },
    };
  }
  const unit =
    input.price_data?.unit_amount_decimal ??
    (input.price_data?.unit_amount != null ? String(input.price_data.unit_amount) : null) ??
    input.unit_amount_decimal ??
    String(input.unit_amount);
  return {
    amount: roundHalfUp(mul(toScaled(unit), scaled(quantity))),
    currency,
    quantity,
    pricing: { type: 'price_details', unit_amount_decimal: unit },
  };
}

/** The Tax Rates `ids` as full objects (items and invoices embed them), in order. */
export async function loadTaxRates(
  reader: Reader | Transaction,
  account: string,
  ids: readonly string[],
  param: string,
): Promise<TaxRate[]> {
  const out: TaxRate[] = [];
  for (const [i, id] of ids.entries()) {
    out.push(
      (await loadObject<TaxRate>(reader, account, id, TAX_RATE, { label: 'tax rate', param: `${param}[${i}]` })).object,
    );
  }
  return out;
}

/** Sets the customer's currency on its first billing object, or refuses a second currency. */
export async function claimCustomerCurrency(ctx: MutationContext, customer: Customer, currency: string): Promise<void> {
  if (customer.currency === currency) return;
  if (customer.currency !== null) throw currencyMismatch(customer.currency);
  customer.currency = currency;
  const data = sortFields(customer);
  await saveObject(ctx.tx, ctx.account.id, CUSTOMER, data, { update: true, fields: customerIndexFields(data) });
}

async function loadDraftInvoice(ctx: MutationContext, id: string, param: string): Promise<Invoice> {
  const invoice = (await loadObject<Invoice>(ctx.tx, ctx.account.id, id, INVOICE, { param, forUpdate: true })).object;
  if (invoice.status !== 'draft') {
    throw invalidRequest(NOT_EDITABLE, { param, code: 'invoice_not_editable' });
  }
  return invoice;
}

/**
 * `POST /v1/invoiceitems`: a new item, pending or on a draft invoice (whose line it becomes).
 * Emits `invoiceitem.created`.
 */
export async function createInvoiceItem(
  ctx: MutationContext,
  input: CreateItemInput,
  opts: CreateItemOptions = {},
): Promise<InvoiceItem> {
  const invoice = input.invoice ? await loadDraftInvoice(ctx, input.invoice, 'invoice') : null;
  const customerId = input.customer ?? invoice?.customer;
  if (!customerId) {
    throw invalidRequest('Missing required param: customer.', { param: 'customer', code: 'parameter_missing' });
  }
  if (invoice && invoice.customer !== customerId) {
    throw invalidRequest(`The invoice ${invoice.id} belongs to customer ${invoice.customer}, not ${customerId}.`, {
      param: 'invoice',
    });
  }
  const customer = (
    await loadObject<Customer>(ctx.tx, ctx.account.id, customerId, CUSTOMER, { param: 'customer', forUpdate: true })
  ).object;
  const cctx = await onCustomerClock(ctx, customer);
  const priced = await priceItem(ctx.tx, ctx.account.id, input, invoice?.currency ?? customer.currency, opts.param);
  if (invoice && priced.currency !== invoice.currency) {
    throw invalidRequest(
      `The currency of the invoice item (${priced.currency}) must match the currency of the invoice (${invoice.currency}).`,
      { param: 'currency' },
    );
  }
  if (!invoice) await claimCustomerCurrency(ctx, customer, priced.currency);
  const taxRates = await loadTaxRates(ctx.tx, ctx.account.id, input.tax_rates ?? [], 'tax_rates');
  const id = newId('ii', 24);
  const now = cctx.clock.now();
  const discounts = await resolveDiscounts(cctx, input.discounts, {
    customer: customer.id,
    invoice_item: id,
    currency: priced.currency,
    amount: priced.amount,
  });
  const item = sortFields<InvoiceItem>({
    id,
    object: 'invoiceitem',
    amount: priced.amount,
    currency: priced.currency,
    customer: customer.id,
    customer_account: null,
    date: now,
    description: input.description ?? null,
    // Stripe: false by default for prorations and negative items, true otherwise.
    discountable: input.discountable ?? !(opts.proration || priced.amount < 0),
    discounts: discounts.map((d) => d.id),
    invoice: invoice?.id ?? null,
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    net_amount: priced.amount,
    parent: input.subscription
      ? { subscription_details: { subscription: input.subscription }, type: 'subscription_details' }
      : null,
    period: input.period ? { end: input.period.end, start: input.period.start } : { end: now, start: now },
    pricing: priced.pricing,
    proration: opts.proration ?? false,
    quantity: priced.quantity,
    quantity_decimal: String(priced.quantity),
    tax_rates: taxRates,
    test_clock: customer.test_clock,
  });
  await saveObject(ctx.tx, ctx.account.id, INVOICE_ITEM, item, { fields: invoiceItemFields(item) });
  if (!opts.silent) await emitEvent(cctx, 'invoiceitem.created', item);
  if (invoice) await upsertItemLine(cctx, invoice.id, item);
  return item;
}

export async function loadInvoiceItem(
  reader: Reader | Transaction,
  account: string,
  id: string,
  forUpdate = false,
): Promise<InvoiceItem> {
  return (await loadObject<InvoiceItem>(reader, account, id, INVOICE_ITEM, { label: 'Invoice Item', forUpdate }))
    .object;
}

/** An item may change only while pending or on a draft (Stripe's message otherwise). */
async function requireEditable(ctx: MutationContext, item: InvoiceItem): Promise<void> {
  if (!item.invoice) return;
  const row = await ctx.tx.getObject(ctx.account.id, item.invoice);
  // A deleted draft keeps its items (Stripe does not release them to pending): they are gone with it.
  if (!row || row.deleted) throw invalidRequest('This invoice item has been deleted.');
  const invoice = JSON.parse(row.json) as Invoice;
  if (invoice.status !== 'draft') throw invalidRequest(NOT_EDITABLE, { code: 'invoice_not_editable' });
}

export type UpdateItemInput = Omit<ItemInput, 'currency'>;

/**
 * `POST /v1/invoiceitems/:id`: reprices, redescribes, retaxes. No event of its own: Stripe has no
 * `invoiceitem.updated` any more (its event list has only `.created` and `.deleted`); a draft it
 * sits on announces the change with `invoice.updated`.
 */
export async function updateInvoiceItem(
  ctx: MutationContext,
  id: string,
  input: UpdateItemInput,
): Promise<InvoiceItem> {
  const item = await loadInvoiceItem(ctx.tx, ctx.account.id, id, true);
  await requireEditable(ctx, item);
  const cctx = await onCustomerClock(ctx, { test_clock: item.test_clock });
  const repriced =
    input.amount != null ||
    input.price != null ||
    input.pricing != null ||
    input.price_data != null ||
    input.unit_amount != null ||
    input.unit_amount_decimal != null ||
    input.quantity != null;
  if (repriced) {
    const unit = item.pricing?.unit_amount_decimal ?? String(item.amount);
    const hasSource =
      input.amount != null ||
      input.price != null ||
      input.pricing != null ||
      input.price_data != null ||
      input.unit_amount != null ||
      input.unit_amount_decimal != null;
    const source: ItemInput = hasSource
      ? { ...input, currency: item.currency }
      : item.pricing?.price_details
        ? { pricing: { price: item.pricing.price_details.price }, quantity: input.quantity, currency: item.currency }
        : { unit_amount_decimal: unit, quantity: input.quantity, currency: item.currency };
    const priced = await priceItem(ctx.tx, ctx.account.id, source, item.currency);
    if (priced.currency !== item.currency) throw currencyMismatch(item.currency);
    item.amount = priced.amount;
    item.net_amount = priced.amount;
    item.quantity = priced.quantity;
    item.quantity_decimal = String(priced.quantity);
    item.pricing = priced.pricing;
  }
  if (input.description !== undefined) item.description = input.description;
  if (input.discountable != null) item.discountable = input.discountable;
  if (input.period) item.period = { end: input.period.end, start: input.period.start };
  if (input.metadata !== undefined) item.metadata = applyMetadata(item.metadata, input.metadata);
  if (input.tax_rates !== undefined) {
    item.tax_rates = await loadTaxRates(ctx.tx, ctx.account.id, input.tax_rates ?? [], 'tax_rates');
  }
  if (input.discounts !== undefined) {
    const discounts = await resolveDiscounts(cctx, input.discounts, {
      customer: item.customer,
      invoice_item: item.id,
      currency: item.currency,
      amount: item.amount,
    });
    item.discounts = discounts.map((d) => d.id);
  }
  await saveObject(ctx.tx, ctx.account.id, INVOICE_ITEM, item, { update: true, fields: invoiceItemFields(item) });
  if (item.invoice) await upsertItemLine(cctx, item.invoice, item);
  return item;
}

/** `DELETE /v1/invoiceitems/:id`: only while pending or on a draft; `invoiceitem.deleted`. */
export async function deleteInvoiceItem(ctx: MutationContext, id: string): Promise<DeletedInvoiceItem> {
  const item = await loadInvoiceItem(ctx.tx, ctx.account.id, id, true);
  await requireEditable(ctx, item);
  const cctx = await onCustomerClock(ctx, { test_clock: item.test_clock });
  const tombstone: DeletedInvoiceItem = { id: item.id, object: 'invoiceitem', deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, item.id, tombstone);
  await emitEvent(cctx, 'invoiceitem.deleted', item);
  if (item.invoice) await removeItemLine(cctx, item.invoice, item.id);
  return tombstone;
}

/** Moves an item onto a draft invoice (or back to pending with `invoice` null), without events. */
export async function assignInvoiceItem(
  ctx: MutationContext,
  item: InvoiceItem,
  invoice: string | null,
): Promise<void> {
  item.invoice = invoice;
  await saveObject(ctx.tx, ctx.account.id, INVOICE_ITEM, item, { update: true, fields: invoiceItemFields(item) });
}

/**
 * The customer's pending items (on no invoice yet), oldest first, optionally only those of one
 * subscription (`null`: only those of no subscription).
 */
export async function pendingInvoiceItems(
  reader: Reader | Transaction,
  account: string,
  customer: string,
  subscription?: string | null,
): Promise<InvoiceItem[]> {
  const out: InvoiceItem[] = [];
  let after: { created: number; seq: number } | undefined;
  for (;;) {
    const page = await reader.listObjects({
      account,
      type: INVOICE_ITEM,
      limit: 100,
      equals: { customer, pending: 'true' },
      ...(after ? { after } : {}),
    });
    for (const row of page.rows) out.push(JSON.parse(row.json) as InvoiceItem);
    const last = page.rows[page.rows.length - 1];
    if (!page.hasMore || !last) break;
    after = { created: last.created, seq: last.seq };
  }
  out.reverse();
  if (subscription === undefined) return out;
  return out.filter((ii) => (ii.parent?.subscription_details.subscription ?? null) === subscription);
}
