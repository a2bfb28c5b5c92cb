/**
 * An invoice's lines and the amounts they add up to: building a line from an invoice item or a
 * subscription item, keeping a draft's lines in step with its items, and recomputing the totals
 * (amounts.ts) whenever a draft changes. Also the load/save pair every invoice change goes
 * through, so the embedded `lines` list and the indexed fields never drift from the state.
 */
import { emitEvent } from '../../events/outbox.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import { loadCoupon } from '../coupons/load.js';
import type { Coupon } from '../coupons/object.js';
import { DISCOUNT, type Discount } from '../discounts/object.js';
import { loadDiscount } from '../discounts/service.js';
import type { InvoiceItem } from '../invoice-items/object.js';
import { TAX_RATE, type TaxRate } from '../tax-rates/object.js';
import { computeAmounts } from './amounts.js';
import {
  EMBEDDED_LINES,
  INVOICE,
  type Invoice,
  type InvoiceLine,
  type InvoiceState,
  invoiceFields,
  type LineState,
} from './object.js';

export interface LoadedInvoice {
  invoice: Invoice;
  state: InvoiceState;
}

/** The invoice `id` (locked for update in a transaction), or Stripe's "No such invoice". */
export async function loadInvoiceState(
  reader: Reader | Transaction,
  account: string,
  id: string,
  opts: { param?: string; forUpdate?: boolean } = {},
): Promise<LoadedInvoice> {
  const loaded = await loadObject<Invoice, InvoiceState>(reader, account, id, INVOICE, {
    ...(opts.param ? { param: opts.param } : {}),
    forUpdate: opts.forUpdate ?? false,
  });
  return { invoice: loaded.object, state: loaded.internal };
}

/** Writes the invoice with its first lines embedded (Stripe's `lines` list) and its state. */
export async function saveInvoice(
  ctx: MutationContext,
  loaded: LoadedInvoice,
  opts: { insert?: boolean } = {},
): Promise<Invoice> {
  const { invoice, state } = loaded;
  invoice.lines = {
    object: 'list',
    data: state.lines.slice(0, EMBEDDED_LINES),
    has_more: state.lines.length > EMBEDDED_LINES,
    url: `/v1/invoices/${invoice.id}/lines`,
  };
  const data = sortFields(invoice);
  loaded.invoice = data;
  await saveObject(ctx.tx, ctx.account.id, INVOICE, data, {
    update: !opts.insert,
    fields: invoiceFields(data, state),
    internal: state,
  });
  return data;
}

/** The line an invoice item becomes on `invoice` (keeping `lineId` when the line exists). */
export function lineFromItem(item: InvoiceItem, invoice: string | null, lineId?: string): InvoiceLine {
  return {
    id: lineId ?? newId('il', 24),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [...item.discounts],
    invoice,
    livemode: false,
    metadata: { ...item.metadata },
    parent: {
      invoice_item_details: {
        invoice_item: item.id,
        proration: item.proration,
        proration_details: { credited_items: null },
        subscription: item.parent?.subscription_details.subscription ?? null,
      },
      subscription_item_details: null,
      type: 'invoice_item_details',
    },
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: item.pricing ? structuredClone(item.pricing) : null,
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription: item.parent?.subscription_details.subscription ?? null,
    subtotal: item.amount,
    taxes: [],
  };
}

/** A subscription item's charge for a period, as a line (subscriptions builds these through this). */
export interface SubscriptionLineInput {
  subscription: string;
  subscriptionItem: string;
  /** Minor units for the whole line (quantity × unit price, or a proration). */
  amount: number;
  currency: string;
  description: string | null;
  period: { start: number; end: number };
  quantity: number;
  price?: { id: string; product: string; unit_amount_decimal: string | null } | null;
  proration?: boolean;
  discountable?: boolean;
  /** Discount ids that apply to this line only (the subscription item's). */
  discounts?: string[];
  /** Tax rate ids for this line (the item's, else the subscription's defaults); empty: the invoice's defaults. */
  taxRates?: string[];
  metadata?: Record<string, string>;
}

export function subscriptionLine(input: SubscriptionLineInput, invoice: string | null): InvoiceLine {
  return {
    id: newId('il', 24),
    object: 'line_item',
    amount: input.amount,
    currency: input.currency,
    description: input.description,
    discount_amounts: [],
    discountable: input.discountable ?? !input.proration,
    discounts: [...(input.discounts ?? [])],
    invoice,
    livemode: false,
    metadata: { ...(input.metadata ?? {}) },
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: input.proration ?? false,
        proration_details: { credited_items: null },
        subscription: input.subscription,
        subscription_item: input.subscriptionItem,
      },
      type: 'subscription_item_details',
    },
    period: { ...input.period },
    pretax_credit_amounts: [],
    pricing: input.price
      ? {
          price_details: { price: input.price.id, product: input.price.product },
          type: 'price_details',
          unit_amount_decimal: input.price.unit_amount_decimal,
        }
      : null,
    quantity: input.quantity,
    quantity_decimal: String(input.quantity),
    subscription: input.subscription,
    subtotal: input.amount,
    taxes: [],
  };
}

/** The tax rates that apply to each line: its own, else the invoice's `default_tax_rates`. */
async function lineTaxRates(
  reader: Reader | Transaction,
  account: string,
  invoice: Invoice,
  state: InvoiceState,
): Promise<Map<string, TaxRate[]>> {
  const cache = new Map<string, TaxRate>();
  for (const r of invoice.default_tax_rates) cache.set(String(r.id), r as unknown as TaxRate);
  const defaults = invoice.default_tax_rates as unknown as TaxRate[];
  const out = new Map<string, TaxRate[]>();
  for (const line of state.lines) {
    const own = state.lineState[line.id]?.taxRates ?? [];
    if (own.length === 0) {
      out.set(line.id, defaults);
      continue;
    }
    const rates: TaxRate[] = [];
    for (const id of own) {
      let rate = cache.get(id);
      if (!rate) {
        rate = (await loadObject<TaxRate>(reader, account, id, TAX_RATE, { label: 'tax rate' })).object;
        cache.set(id, rate);
      }
      rates.push(rate);
    }
    out.set(line.id, rates);
  }
  return out;
}

/** The coupon behind every discount the invoice or its lines refer to. */
async function discountCoupons(
  reader: Reader | Transaction,
  account: string,
  invoice: Invoice,
  state: InvoiceState,
  known: ReadonlyMap<string, Coupon>,
): Promise<Map<string, Coupon>> {
  const ids = new Set<string>(invoice.discounts);
  for (const line of state.lines) for (const d of line.discounts) ids.add(d);
  const out = new Map<string, Coupon>(known);
  for (const id of ids) {
    if (out.has(id)) continue;
    // A discount removed since (a customer's, a subscription's) still discounts the invoices it
    // was applied to: its stored tombstone keeps the coupon.
    const row = await reader.getObject(account, id);
    const discount =
      row && row.type === DISCOUNT ? (JSON.parse(row.json) as Discount) : await loadDiscount(reader, account, id);
    out.set(id, await loadCoupon(reader, account, discount.source.coupon));
  }
  return out;
}

/**
 * Recomputes every amount of a draft (or a preview) from its lines. Before finalisation the
 * customer's balance is not applied yet: `amount_due` is the total (never below zero).
 */
export async function recomputeAmounts(
  reader: Reader | Transaction,
  account: string,
  loaded: LoadedInvoice,
  /** Coupons of discounts that exist only in memory (a preview's), by their temporary ids. */
  knownCoupons: ReadonlyMap<string, Coupon> = new Map(),
): Promise<void> {
  const { invoice, state } = loaded;
  const totals = computeAmounts(state.lines, {
    currency: invoice.currency,
    invoiceDiscounts: invoice.discounts,
    coupons: await discountCoupons(reader, account, invoice, state, knownCoupons),
    lineTaxRates: await lineTaxRates(reader, account, invoice, state),
  });
  Object.assign(invoice, totals);
  invoice.amount_due = Math.max(0, invoice.total + invoice.starting_balance);
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
}

/** Adds a line (with its tax rates) to a draft's state, without saving. */
export function pushLine(state: InvoiceState, line: InvoiceLine, lineState: LineState): void {
  state.lines.push(line);
  state.lineState[line.id] = lineState;
}

/** Recomputes and saves a draft whose lines changed, with `invoice.updated` for what moved. */
export async function saveChangedDraft(ctx: MutationContext, loaded: LoadedInvoice, before: Invoice): Promise<Invoice> {
  await recomputeAmounts(ctx.tx, ctx.account.id, loaded);
  const saved = await saveInvoice(ctx, loaded);
  await emitEvent(ctx, 'invoice.updated', saved, before);
  return saved;
}

/** Puts an invoice item's line on draft `invoiceId` (new, or replacing the item's existing line). */
export async function upsertItemLine(ctx: MutationContext, invoiceId: string, item: InvoiceItem): Promise<void> {
  const loaded = await loadInvoiceState(ctx.tx, ctx.account.id, invoiceId, { forUpdate: true });
  const before = structuredClone(loaded.invoice);
  const index = loaded.state.lines.findIndex((l) => l.parent.invoice_item_details?.invoice_item === item.id);
  const existing = index >= 0 ? loaded.state.lines[index] : undefined;
  const line = lineFromItem(item, invoiceId, existing?.id);
  // A new item's line lands first, as Stripe lists a draft's newest item first.
  if (existing) loaded.state.lines[index] = line;
  else loaded.state.lines.unshift(line);
  loaded.state.lineState[line.id] = { taxRates: item.tax_rates.map((r) => r.id) };
  await saveChangedDraft(ctx, loaded, before);
}

/** Takes an invoice item's line off draft `invoiceId`. */
export async function removeItemLine(ctx: MutationContext, invoiceId: string, itemId: string): Promise<void> {
  const loaded = await loadInvoiceState(ctx.tx, ctx.account.id, invoiceId, { forUpdate: true });
  const before = structuredClone(loaded.invoice);
  const line = loaded.state.lines.find((l) => l.parent.invoice_item_details?.invoice_item === itemId);
  if (!line) return;
  loaded.state.lines = loaded.state.lines.filter((l) => l !== line);
  delete loaded.state.lineState[line.id];
  await saveChangedDraft(ctx, loaded, before);
}
