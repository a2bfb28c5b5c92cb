/**
 * `POST /v1/invoices/create_preview`: the invoice the customer would get, computed and never
 * stored — the customer's pending items, the `invoice_items` given, and whatever registered
 * contributors add (subscriptions adds the lines of `subscription` / `subscription_details`).
 * Discounts given here exist only in the preview: their coupons are applied under temporary ids.
 */
import { CUSTOMER, type Customer } from '../../customers/object.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest } from '../../platform/errors.js';
import { randomBase62 } from '../../platform/ids.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { loadCoupon } from '../coupons/load.js';
import type { Coupon } from '../coupons/object.js';
import { type DiscountInput, loadDiscount } from '../discounts/service.js';
import type { InvoiceItem } from '../invoice-items/object.js';
import {
  type ItemInput,
  loadInvoiceItem,
  loadTaxRates,
  pendingInvoiceItems,
  priceItem,
} from '../invoice-items/service.js';
import { loadPromotionCode } from '../promotion-codes/load.js';
import { onCustomerClock } from '../test-clocks/context.js';
import { type PreviewDraft, previewContributors } from './hooks.js';
import { type LoadedInvoice, lineFromItem, pushLine, recomputeAmounts } from './lines.js';
import { EMBEDDED_LINES, type Invoice } from './object.js';
import { draftInvoiceObject } from './service.js';

export interface PreviewInput {
  currency?: string | null;
  customer?: string | null;
  discounts?: DiscountInput[] | null;
  invoice_items?: (ItemInput & { invoiceitem?: string | null })[] | null;
  subscription?: string | null;
  [key: string]: unknown;
}

const tmpId = (prefix: string) => `${prefix}_tmp_${randomBase62(24)}`;

/** The discounts of the request as temporary ids with their coupons (nothing is redeemed). */
async function previewDiscounts(
  ctx: MutationContext,
  input: readonly DiscountInput[],
  param: string,
  coupons: Map<string, Coupon>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, d] of input.entries()) {
    if (d.discount) {
      const discount = await loadDiscount(ctx.tx, ctx.account.id, d.discount, `${param}[${i}][discount]`);
      coupons.set(discount.id, await loadCoupon(ctx.tx, ctx.account.id, discount.source.coupon));
      ids.push(discount.id);
      continue;
    }
    let couponId = d.coupon ?? null;
    if (d.promotion_code) {
      couponId = (await loadPromotionCode(ctx.tx, ctx.account.id, d.promotion_code, `${param}[${i}][promotion_code]`))
        .promotion.coupon;
    }
    if (!couponId) continue;
    const id = tmpId('di');
    coupons.set(id, await loadCoupon(ctx.tx, ctx.account.id, couponId, `${param}[${i}][coupon]`));
    ids.push(id);
  }
  return ids;
}

export async function createInvoicePreview(ctx: MutationContext, input: PreviewInput): Promise<Invoice> {
  let customerId = input.customer ?? null;
  if (!customerId && input.subscription) {
    const row = await ctx.tx.getObject(ctx.account.id, input.subscription);
    if (row && !row.deleted) customerId = (JSON.parse(row.json) as { customer: string }).customer;
  }
  if (!customerId) {
    throw invalidRequest('Missing required param: customer.', { param: 'customer', code: 'parameter_missing' });
  }
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, customerId, CUSTOMER, { param: 'customer' }))
    .object;
  const cctx = await onCustomerClock(ctx, customer);
  const currency = requireCurrency(
    (input.currency ?? customer.currency ?? ctx.account.defaultCurrency).toLowerCase(),
  ).code;
  const coupons = new Map<string, Coupon>();
  const discounts = input.discounts
    ? await previewDiscounts(cctx, input.discounts, 'discounts', coupons)
    : [customer.discount as unknown as { id?: string } | null]
        .map((d) => d?.id)
        .filter((d): d is string => typeof d === 'string');
  const id = `upcoming_in_${randomBase62(24)}`;
  const invoice = draftInvoiceObject(
    cctx,
    customer,
    { customer: customer.id, ...(input.subscription ? { subscription: input.subscription } : {}) },
    {},
    { id, currency, discounts, defaultTaxRates: [], finalizesAt: null },
  );
  const loaded: LoadedInvoice = { invoice, state: { lines: [], lineState: {}, token: '' } };
  const addItemLine = (item: InvoiceItem) =>
    pushLine(loaded.state, lineFromItem(item, null, tmpId('il')), { taxRates: item.tax_rates.map((r) => r.id) });

  for (const item of await pendingInvoiceItems(ctx.tx, ctx.account.id, customer.id)) {
    if (item.currency === currency) addItemLine(item);
  }
  for (const [i, given] of (input.invoice_items ?? []).entries()) {
    const param = `invoice_items[${i}]`;
    const existing = given.invoiceitem ? await loadInvoiceItem(ctx.tx, ctx.account.id, given.invoiceitem) : null;
    const repriced = [
      'amount',
      'price',
      'pricing',
      'price_data',
      'unit_amount',
      'unit_amount_decimal',
      'quantity',
    ].some((k) => (given as Record<string, unknown>)[k] != null);
    const priced =
      existing && !repriced
        ? {
            amount: existing.amount,
            currency: existing.currency,
            quantity: existing.quantity,
            pricing: existing.pricing,
          }
        : await priceItem(ctx.tx, ctx.account.id, { ...given, currency: given.currency ?? currency }, currency, param);
    const itemDiscounts = given.discounts
      ? await previewDiscounts(cctx, given.discounts, `${param}[discounts]`, coupons)
      : (existing?.discounts ?? []);
    const taxRates = given.tax_rates
      ? await loadTaxRates(ctx.tx, ctx.account.id, given.tax_rates, `${param}[tax_rates]`)
      : (existing?.tax_rates ?? []);
    const now = cctx.clock.now();
    const item: InvoiceItem = {
      id: existing?.id ?? tmpId('ii'),
      object: 'invoiceitem',
      amount: priced.amount,
      currency: priced.currency,
      customer: customer.id,
      customer_account: null,
      date: now,
      description: given.description ?? existing?.description ?? null,
      discountable: given.discountable ?? existing?.discountable ?? priced.amount >= 0,
      discounts: itemDiscounts,
      invoice: null,
      livemode: false,
      metadata: { ...(existing?.metadata ?? {}), ...(given.metadata ?? {}) },
      net_amount: priced.amount,
      parent: null,
      period: given.period ?? existing?.period ?? { end: now, start: now },
      pricing: priced.pricing,
      proration: false,
      quantity: priced.quantity,
      quantity_decimal: String(priced.quantity),
      tax_rates: taxRates,
      test_clock: customer.test_clock,
    };
    if (existing) {
      const index = loaded.state.lines.findIndex((l) => l.parent.invoice_item_details?.invoice_item === existing.id);
      if (index >= 0) loaded.state.lines.splice(index, 1);
    }
    addItemLine(item);
  }
  const draft: PreviewDraft = {
    invoice,
    customer,
    input: input as Record<string, unknown>,
    addLine: (line, taxRates = []) => pushLine(loaded.state, line, { taxRates }),
  };
  for (const contribute of previewContributors()) await contribute(cctx, draft);
  invoice.starting_balance = customer.balance;
  await recomputeAmounts(ctx.tx, ctx.account.id, loaded, coupons);
  invoice.amount_due = Math.max(0, invoice.total + customer.balance);
  invoice.amount_remaining = invoice.amount_due;
  invoice.lines = {
    object: 'list',
    data: loaded.state.lines.slice(0, EMBEDDED_LINES),
    has_more: loaded.state.lines.length > EMBEDDED_LINES,
    url: `/v1/invoices/${id}/lines`,
  };
  return invoice;
}
