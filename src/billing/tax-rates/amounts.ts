/**
 * The tax Tax Rates put on an amount, as invoice lines show it (`taxes[]` on a line and the
 * invoice's `total_taxes`). Inclusive rates are already inside the amount, which holds the net
 * plus every inclusive rate, so each one's share is `net × p` with `net = amount / (1 + Σ inclusive
 * p)`; exclusive rates add `net × p` on top (with no inclusive rate, the net is the amount). Each tax is rounded half up to the minor unit, per rate, as
 * Stripe rounds tax per line and rate (0.025 → 0.03, 0.024 → 0.02).
 */
import { div, mul, roundHalfUp, scaled, toScaled } from '../prices/decimal.js';
import type { TaxRate } from './object.js';

export interface TaxAmount {
  /** The tax in minor units. */
  amount: number;
  inclusive: boolean;
  /** The Tax Rate's id. */
  tax_rate: string;
  /** The amount the rate was applied to: the amount net of inclusive taxes. */
  taxable_amount: number;
  taxability_reason: null;
}

/**
 * The taxes of `rates` on `amount` (minor units, after discounts), one entry per rate in the order
 * given. `taxable_amount` is the net amount: `amount` minus the inclusive taxes it contains.
 */
export function taxAmounts(rates: readonly TaxRate[], amount: number): TaxAmount[] {
  const gross = scaled(amount);
  const fractions = rates.map((r) => toScaled(r.percentage) / 100n);
  const inclusiveSum = rates.reduce((sum, r, i) => (r.inclusive ? sum + (fractions[i] as bigint) : sum), 0n);
  // The net amount, exactly, then each tax on it. The displayed taxable amount is the gross less
  // the rounded inclusive taxes, so that net + inclusive taxes always adds back to the amount.
  const net = div(gross, scaled(1) + inclusiveSum);
  const taxes = rates.map((_r, i) => roundHalfUp(mul(net, fractions[i] as bigint)));
  const inclusiveTotal = taxes.reduce((sum, t, i) => (rates[i]?.inclusive ? sum + t : sum), 0);
  const taxable = amount - inclusiveTotal;
  return rates.map((r, i) => ({
    amount: taxes[i] as number,
    inclusive: r.inclusive,
    tax_rate: r.id,
    taxable_amount: taxable,
    taxability_reason: null,
  }));
}
