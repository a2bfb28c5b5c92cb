/**
 * An invoice's amounts, from its lines: discounts per line (the line's own first, then the
 * invoice's on discountable lines), taxes per line (the line's rates, else the invoice's
 * `default_tax_rates`), and the totals Stripe shows. Pure: the caller loads the coupons and tax
 * rates and passes them in.
 *
 * Rules (Stripe's, as its documentation states them):
 * - `line.amount` is quantity × unit price, before discounts, excluding exclusive tax (an
 *   inclusive tax is inside it).
 * - A percentage coupon takes its share of each line's remaining amount, rounded half up per line;
 *   an invoice-level `amount_off` coupon is spread over the discountable lines in proportion to
 *   their remaining amounts (each share rounded half up, any rounding residual on the largest
 *   line), capped at what they add up to.
 * - Tax is computed per line and rate on the amount after discounts (tax-rates/amounts.ts).
 * - `subtotal` = Σ line amounts; `total` = subtotal − discounts + exclusive tax;
 *   `total_excluding_tax` = subtotal − discounts − inclusive tax; `subtotal_excluding_tax` =
 *   subtotal − inclusive tax.
 */
import { couponAppliesTo, couponDiscount } from '../coupons/amounts.js';
import type { Coupon } from '../coupons/object.js';
import { taxAmounts } from '../tax-rates/amounts.js';
import type { TaxRate } from '../tax-rates/object.js';
import type { DiscountAmount, InvoiceLine, PretaxCreditAmount, TaxAmount } from './object.js';

/** What amounts need to know about the discounts and tax rates an invoice refers to. */
export interface AmountInputs {
  currency: string;
  /** The invoice-level discounts (`invoice.discounts`), in order. */
  invoiceDiscounts: readonly string[];
  /** Coupon of every discount referred to (invoice-level and line-level), by discount id. */
  coupons: ReadonlyMap<string, Coupon>;
  /** Tax rates of each line (its own, else the invoice's defaults), by line id. */
  lineTaxRates: ReadonlyMap<string, readonly TaxRate[]>;
}

export interface InvoiceTotals {
  subtotal: number;
  subtotal_excluding_tax: number;
  total: number;
  total_excluding_tax: number;
  total_discount_amounts: DiscountAmount[];
  total_pretax_credit_amounts: PretaxCreditAmount[];
  total_taxes: TaxAmount[];
}

function productOf(line: InvoiceLine): string | null {
  return line.pricing?.price_details?.product ?? null;
}

/**
 * Fills each line's `discount_amounts`, `pretax_credit_amounts` and `taxes` (in place) and returns
 * the invoice's totals.
 */
export function computeAmounts(lines: InvoiceLine[], inputs: AmountInputs): InvoiceTotals {
  const remaining = new Map<string, number>();
  const perLine = new Map<string, DiscountAmount[]>();
  for (const line of lines) {
    let left = Math.max(line.amount, 0);
    const amounts: DiscountAmount[] = [];
    for (const id of line.discounts) {
      const coupon = inputs.coupons.get(id);
      if (!coupon || !couponAppliesTo(coupon, productOf(line))) continue;
      const off = couponDiscount(coupon, left, inputs.currency);
      amounts.push({ amount: off, discount: id });
      left -= off;
    }
    remaining.set(line.id, left);
    perLine.set(line.id, amounts);
  }
  for (const id of inputs.invoiceDiscounts) {
    const coupon = inputs.coupons.get(id);
    if (!coupon) continue;
    const eligible = lines.filter((l) => l.discountable && couponAppliesTo(coupon, productOf(l)));
    if (coupon.percent_off !== null) {
      for (const line of eligible) {
        const left = remaining.get(line.id) ?? 0;
        const off = couponDiscount(coupon, left, inputs.currency);
        perLine.get(line.id)?.push({ amount: off, discount: id });
        remaining.set(line.id, left - off);
      }
      continue;
    }
    const base = eligible.reduce((sum, l) => sum + (remaining.get(l.id) ?? 0), 0);
    const off = couponDiscount(coupon, base, inputs.currency);
    // Shares in proportion, each rounded half up; the rounding residual goes to the largest line,
    // so the split does not depend on the lines' order.
    const shares = eligible.map((l) => (base === 0 ? 0 : Math.round((off * (remaining.get(l.id) ?? 0)) / base)));
    const residual = off - shares.reduce((a, b) => a + b, 0);
    if (residual !== 0 && eligible.length > 0) {
      let largest = 0;
      eligible.forEach((l, i) => {
        if ((remaining.get(l.id) ?? 0) > (remaining.get(eligible[largest]?.id ?? '') ?? 0)) largest = i;
      });
      shares[largest] = (shares[largest] ?? 0) + residual;
    }
    eligible.forEach((line, i) => {
      const share = shares[i] ?? 0;
      perLine.get(line.id)?.push({ amount: share, discount: id });
      remaining.set(line.id, (remaining.get(line.id) ?? 0) - share);
    });
  }

  const discountTotals = new Map<string, number>();
  const taxTotals = new Map<string, TaxAmount>();
  let subtotal = 0;
  let discountTotal = 0;
  let inclusiveTax = 0;
  let exclusiveTax = 0;
  for (const line of lines) {
    subtotal += line.amount;
    const amounts = perLine.get(line.id) ?? [];
    line.discount_amounts = amounts;
    line.pretax_credit_amounts = amounts
      .filter((a) => a.amount !== 0)
      .map((a) => ({ amount: a.amount, discount: a.discount, type: 'discount' as const }));
    for (const a of amounts) {
      discountTotal += a.amount;
      discountTotals.set(a.discount, (discountTotals.get(a.discount) ?? 0) + a.amount);
    }
    const after = line.amount - amounts.reduce((s, a) => s + a.amount, 0);
    const rates = inputs.lineTaxRates.get(line.id) ?? [];
    line.taxes = taxAmounts(rates, after).map((t) => ({
      amount: t.amount,
      tax_behavior: t.inclusive ? 'inclusive' : 'exclusive',
      tax_rate_details: { tax_rate: t.tax_rate },
      taxability_reason: 'standard_rated',
      taxable_amount: t.taxable_amount,
      type: 'tax_rate_details',
    }));
    for (const t of line.taxes) {
      if (t.tax_behavior === 'inclusive') inclusiveTax += t.amount;
      else exclusiveTax += t.amount;
      const key = t.tax_rate_details.tax_rate;
      const sum = taxTotals.get(key);
      if (sum) {
        sum.amount += t.amount;
        sum.taxable_amount += t.taxable_amount;
      } else taxTotals.set(key, { ...t, tax_rate_details: { ...t.tax_rate_details } });
    }
  }
  const totalDiscounts = [...discountTotals].map(([discount, amount]) => ({ amount, discount }));
  return {
    subtotal,
    subtotal_excluding_tax: subtotal - inclusiveTax,
    total: subtotal - discountTotal + exclusiveTax,
    total_excluding_tax: subtotal - discountTotal - inclusiveTax,
    total_discount_amounts: totalDiscounts,
    total_pretax_credit_amounts: totalDiscounts
      .filter((d) => d.amount !== 0)
      .map((d) => ({ amount: d.amount, discount: d.discount, type: 'discount' as const })),
    total_taxes: [...taxTotals.values()],
  };
}

/**
 * How a customer's balance (`starting_balance`; negative is credit) settles against `total` at
 * finalisation: the amount due (never negative), the balance left, and the change to record as
 * an `applied_to_invoice` balance transaction (0: nothing to record).
 */
export function applyBalance(
  total: number,
  startingBalance: number,
): {
  amountDue: number;
  endingBalance: number;
  change: number;
} {
  const owed = total + startingBalance;
  const amountDue = Math.max(0, owed);
  const endingBalance = owed - amountDue;
  return { amountDue, endingBalance, change: endingBalance - startingBalance };
}
