/**
 * What a price costs for a quantity: the amount a line item, invoice item or subscription item is
 * billed, in the currency's minor unit. Pure functions over the stored price (with its `tiers` and
 * `currency_options`), shared by invoices and subscriptions.
 *
 * Fractional minor units (`unit_amount_decimal`, `flat_amount_decimal`) are summed exactly and the
 * line total is rounded once, halves away from zero, as Stripe rounds a line's amount.
 */
import { invalidRequest } from '../../platform/errors.js';
import { mul, roundDirected, roundHalfUp, scaled, toScaled } from './decimal.js';
import type { Price, Tier } from './object.js';

/** The amounts of `price` in `currency`: the price's own, or its `currency_options` entry. */
export interface PriceTerms {
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  tiers: Tier[] | undefined;
  custom_unit_amount: unknown;
}

/**
 * The terms of `price` in `currency` (default: the price's currency). A currency the price has no
 * `currency_options` entry for is refused as Stripe refuses billing a price in it.
 */
export function priceTerms(price: Price, currency?: string): PriceTerms {
  const wanted = currency?.toLowerCase();
  if (wanted === undefined || wanted === price.currency) {
    return {
      unit_amount: price.unit_amount,
      unit_amount_decimal: price.unit_amount_decimal,
      tiers: price.tiers,
      custom_unit_amount: price.custom_unit_amount,
    };
  }
  const option = price.currency_options?.[wanted];
  if (!option) {
    throw invalidRequest(
      `The price specified (${price.id}) does not support the currency \`${wanted}\`. Please create a new price with this currency or add it to the price's currency_options.`,
    );
  }
  return {
    unit_amount: option.unit_amount,
    unit_amount_decimal: option.unit_amount_decimal,
    tiers: option.tiers,
    custom_unit_amount: option.custom_unit_amount,
  };
}

/** A unit or flat amount, exactly: the decimal text when set, else the integer. */
function exact(integer: number | null, decimal: string | null): bigint {
  if (decimal !== null && decimal !== undefined) return toScaled(decimal);
  return scaled(integer ?? 0);
}

/** The quantity billed after `transform_quantity` (e.g. per 1000 units, rounded up). */
export function billedQuantity(price: Price, quantity: number): number {
  const t = price.transform_quantity;
  if (!t) return quantity;
  return roundDirected(scaled(quantity) / BigInt(t.divide_by), t.round);
}

/** The tier a quantity falls in for `volume` pricing (the first whose `up_to` is at least it). */
function volumeTier(tiers: Tier[], quantity: number): Tier {
  const tier = tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1];
  if (!tier) throw new Error('a tiered price has at least one tier');
  return tier;
}

/** The exact (scaled) total of a tiered price for `quantity` units. */
function tieredTotal(tiers: Tier[], mode: string | null, quantity: number): bigint {
  if (mode === 'volume') {
    const tier = volumeTier(tiers, quantity);
    return (
      mul(exact(tier.unit_amount, tier.unit_amount_decimal), scaled(quantity)) +
      exact(tier.flat_amount, tier.flat_amount_decimal)
    );
  }
  // Graduated: each tier bills the units that fall within it, plus its flat fee once any unit
  // reaches it. The first tier's flat fee applies even at quantity 0 (a base fee with usage on top).
  let total = 0n;
  let previous = 0;
  for (const [i, tier] of tiers.entries()) {
    const upper = tier.up_to === null ? Number.POSITIVE_INFINITY : tier.up_to;
    const units = Math.max(0, Math.min(quantity, upper) - previous);
    if (units > 0 || i === 0) {
      total += mul(exact(tier.unit_amount, tier.unit_amount_decimal), scaled(units));
      total += exact(tier.flat_amount, tier.flat_amount_decimal);
    }
    if (quantity <= upper) break;
    previous = upper;
  }
  return total;
}

/**
 * The amount in minor units for `quantity` units of `price` (in `currency`, default the price's
 * own). Per-unit prices apply `transform_quantity` first; tiered prices bill by their
 * `tiers_mode`. A `custom_unit_amount` price has no amount of its own and is refused.
 */
export function priceAmount(price: Price, quantity: number, currency?: string): number {
  const terms = priceTerms(price, currency);
  if (price.billing_scheme === 'tiered') {
    return roundHalfUp(tieredTotal(terms.tiers ?? [], price.tiers_mode, quantity));
  }
  if (terms.custom_unit_amount && terms.unit_amount === null && terms.unit_amount_decimal === null) {
    throw invalidRequest(
      `The price \`${price.id}\` has a custom unit amount: its amount is chosen by the customer in Checkout and cannot be billed here.`,
    );
  }
  const units = billedQuantity(price, quantity);
  return roundHalfUp(mul(exact(terms.unit_amount, terms.unit_amount_decimal), scaled(units)));
}

/**
 * The amount of one unit as a line item shows it (`unit_amount_decimal` on invoice lines): the
 * decimal text of a per-unit price; `null` for a tiered price, whose unit amount depends on the tier.
 */
export function unitAmountDecimal(price: Price, currency?: string): string | null {
  const terms = priceTerms(price, currency);
  if (price.billing_scheme === 'per_unit') {
    if (terms.unit_amount_decimal !== null) return terms.unit_amount_decimal;
    return terms.unit_amount === null ? null : String(terms.unit_amount);
  }
  return null;
}
