/**
 * What a subscription bills, as line specifications the invoices code turns into invoice lines or
 * pending invoice items (pure: the caller loads prices and product names).
 *
 * Prorations are to the second, as Stripe computes them: a change at `t` inside the period
 * `[start, end)` credits the unused time of what was billed, `−round(amount × (end − t) / (end −
 * start))` ("Unused time on … after …"), and charges the remaining time of what replaces it,
 * `round(amount × (end − t) / (end − start))` ("Remaining time on … after …"), where `amount` is
 * the whole period's amount for the item's price and quantity; rounding is half away from zero.
 */
import { formatAmount } from '../../money/currencies.js';
import { priceAmount } from '../prices/amounts.js';
import type { Price } from '../prices/object.js';
import { shortDate } from './cycle.js';
import type { SubscriptionItem } from './object.js';

/** One line a subscription puts on an invoice (or leaves pending for the next one). */
export interface SubscriptionLine {
  /** The item billed (its id); the price and quantity are the ones billed, maybe an item's former ones. */
  subscriptionItem: string;
  price: Price;
  /** Null for metered usage billed by aggregate (the usage total is the quantity). */
  quantity: number;
  amount: number;
  currency: string;
  description: string;
  period: { start: number; end: number };
  proration: boolean;
  /** `txr_` ids (the item's own tax rates; empty: the subscription's defaults apply). */
  taxRates: string[];
  /** `di_` ids of the item's discounts. */
  discounts: string[];
  metadata: Record<string, string>;
}

/** `2 × ` before a product's name when more than one unit is billed (Stripe's line wording). */
function units(quantity: number): string {
  return quantity === 1 ? '' : `${quantity} × `;
}

/** How Stripe describes an interval in a line: `month`, `3 months`, `year`. */
function every(price: Price): string {
  const r = price.recurring;
  if (!r) return '';
  return r.interval_count === 1 ? r.interval : `${r.interval_count} ${r.interval}s`;
}

/** A licensed item's amount for a whole period. */
export function periodAmount(price: Price, quantity: number): number {
  return priceAmount(price, quantity);
}

/** The line for a whole period of an item: "1 × Gold (at $10.00 / month)". */
export function cycleLine(
  item: SubscriptionItem,
  productName: string,
  period: { start: number; end: number },
): SubscriptionLine {
  const quantity = item.quantity ?? 1;
  const price = item.price;
  const at =
    price.billing_scheme === 'per_unit' && price.unit_amount !== null
      ? ` (at ${formatAmount(price.unit_amount, price.currency)} / ${every(price)})`
      : '';
  return {
    subscriptionItem: item.id,
    price,
    quantity,
    amount: periodAmount(price, quantity),
    currency: price.currency,
    description: `${quantity} × ${productName}${at}`,
    period,
    proration: false,
    taxRates: taxRateIds(item),
    discounts: item.discounts,
    metadata: {},
  };
}

/** The zero-amount line of a trial period: "Trial period for Gold". */
export function trialLine(item: SubscriptionItem, productName: string, period: { start: number; end: number }) {
  return {
    ...cycleLine(item, productName, period),
    amount: 0,
    description: `Trial period for ${productName}`,
  };
}

/** The usage of a metered item over the period that ended: "Usage of Gold". */
export function usageLine(
  item: SubscriptionItem,
  productName: string,
  period: { start: number; end: number },
  usage: number,
): SubscriptionLine {
  return {
    subscriptionItem: item.id,
    price: item.price,
    quantity: usage,
    amount: priceAmount(item.price, usage),
    currency: item.price.currency,
    description: `${usage} × ${productName} (usage)`,
    period,
    proration: false,
    taxRates: taxRateIds(item),
    discounts: item.discounts,
    metadata: {},
  };
}

/** `a × n / d` rounded half away from zero, exactly (no float error on large amounts). */
export function prorate(amount: number, numerator: number, denominator: number): number {
  if (denominator <= 0) return 0;
  const n = BigInt(Math.abs(amount)) * BigInt(numerator);
  const d = BigInt(denominator);
  const q = (2n * n + d) / (2n * d);
  return amount < 0 ? -Number(q) : Number(q);
}

/**
 * The two lines of changing `from` (price and quantity as billed) into `to` at `at` within
 * `period`: the credit for `from`'s unused time and the charge for `to`'s remaining time. Either
 * side may be absent (an item added or removed). Zero-amount sides are left out.
 */
export function prorationLines(opts: {
  itemId: string;
  from?: { price: Price; quantity: number; productName: string; taxRates: string[]; discounts: string[] };
  to?: { price: Price; quantity: number; productName: string; taxRates: string[]; discounts: string[] };
  at: number;
  period: { start: number; end: number };
}): SubscriptionLine[] {
  const { at, period } = opts;
  const remaining = Math.max(0, period.end - at);
  const length = period.end - period.start;
  const lines: SubscriptionLine[] = [];
  const when = { start: at, end: period.end };
  if (opts.from) {
    const full = periodAmount(opts.from.price, opts.from.quantity);
    const amount = -prorate(full, remaining, length);
    if (amount !== 0) {
      lines.push({
        subscriptionItem: opts.itemId,
        price: opts.from.price,
        quantity: opts.from.quantity,
        amount,
        currency: opts.from.price.currency,
        description: `Unused time on ${units(opts.from.quantity)}${opts.from.productName} after ${shortDate(at)}`,
        period: when,
        proration: true,
        taxRates: opts.from.taxRates,
        discounts: opts.from.discounts,
        metadata: {},
      });
    }
  }
  if (opts.to) {
    const full = periodAmount(opts.to.price, opts.to.quantity);
    const amount = prorate(full, remaining, length);
    if (amount !== 0) {
      lines.push({
        subscriptionItem: opts.itemId,
        price: opts.to.price,
        quantity: opts.to.quantity,
        amount,
        currency: opts.to.price.currency,
        description: `Remaining time on ${units(opts.to.quantity)}${opts.to.productName} after ${shortDate(at)}`,
        period: when,
        proration: true,
        taxRates: opts.to.taxRates,
        discounts: opts.to.discounts,
        metadata: {},
      });
    }
  }
  return lines;
}

export function taxRateIds(item: SubscriptionItem): string[] {
  return item.tax_rates.map((t) => (t as { id: string }).id);
}
