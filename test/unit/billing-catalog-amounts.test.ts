/**
 * Unit tests of the Billing catalog's arithmetic: what a price costs for a quantity (per unit,
 * fractional cents, transform_quantity, graduated and volume tiers, currency_options), what a
 * coupon takes off, the taxes Tax Rates add or contain, and exact decimal rounding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCouponCurrency, couponAppliesTo, couponDiscount } from '../../src/billing/coupons/amounts.js';
import type { Coupon } from '../../src/billing/coupons/object.js';
import { addMonths } from '../../src/billing/discounts/months.js';
import { billedQuantity, priceAmount, unitAmountDecimal } from '../../src/billing/prices/amounts.js';
import { roundDirected, roundHalfUp, scaledText, toScaled } from '../../src/billing/prices/decimal.js';
import type { Price, Tier } from '../../src/billing/prices/object.js';
import { taxAmounts } from '../../src/billing/tax-rates/amounts.js';
import type { TaxRate } from '../../src/billing/tax-rates/object.js';
import { StripeError } from '../../src/platform/errors.js';

function price(over: Partial<Price> = {}): Price {
  return {
    id: 'price_1',
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: 1,
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: 'prod_1',
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: 1000,
    unit_amount_decimal: '1000',
    ...over,
  };
}

const tier = (up_to: number | null, unit_amount: number | null, flat_amount: number | null = null): Tier => ({
  up_to,
  unit_amount,
  unit_amount_decimal: unit_amount === null ? null : String(unit_amount),
  flat_amount,
  flat_amount_decimal: flat_amount === null ? null : String(flat_amount),
});

function coupon(over: Partial<Coupon> = {}): Coupon {
  return {
    id: 'co_1',
    object: 'coupon',
    amount_off: null,
    created: 1,
    currency: null,
    duration: 'once',
    duration_in_months: null,
    livemode: false,
    max_redemptions: null,
    metadata: {},
    name: null,
    percent_off: null,
    redeem_by: null,
    times_redeemed: 0,
    valid: true,
    ...over,
  };
}

function rate(id: string, percentage: number, inclusive: boolean): TaxRate {
  return {
    id,
    object: 'tax_rate',
    active: true,
    country: null,
    created: 1,
    description: null,
    display_name: 'VAT',
    effective_percentage: percentage,
    flat_amount: null,
    inclusive,
    jurisdiction: null,
    jurisdiction_level: null,
    livemode: false,
    metadata: {},
    percentage,
    rate_type: 'percentage',
    state: null,
    tax_type: null,
  };
}

describe('decimal arithmetic', () => {
  it('parses decimal text exactly and rounds halves away from zero', () => {
    assert.equal(scaledText(toScaled('0.1')), '0.1');
    assert.equal(scaledText(toScaled('12.500')), '12.5');
    assert.equal(scaledText(toScaled(8.25)), '8.25');
    assert.equal(roundHalfUp(toScaled('2.5')), 3);
    assert.equal(roundHalfUp(toScaled('2.4999')), 2);
    assert.equal(roundHalfUp(toScaled('-2.5')), -3);
    assert.equal(roundDirected(toScaled('2.01'), 'up'), 3);
    assert.equal(roundDirected(toScaled('2.99'), 'down'), 2);
    assert.throws(() => toScaled('1e5'));
  });
});

describe('priceAmount', () => {
  it('multiplies a per-unit amount by the quantity', () => {
    assert.equal(priceAmount(price(), 3), 3000);
    assert.equal(priceAmount(price(), 0), 0);
  });

  it('sums fractional cents exactly and rounds the line total half up', () => {
    const p = price({ unit_amount: null, unit_amount_decimal: '0.125' });
    assert.equal(priceAmount(p, 1), 0); // 0.125
    assert.equal(priceAmount(p, 4), 1); // 0.5 rounds up
    assert.equal(priceAmount(p, 3), 0); // 0.375
    assert.equal(priceAmount(p, 100), 13); // 12.5
    assert.equal(priceAmount(price({ unit_amount_decimal: '33.333333333333' }), 3), 100);
  });

  it('applies transform_quantity before the unit amount', () => {
    const up = price({
      unit_amount: 500,
      unit_amount_decimal: '500',
      transform_quantity: { divide_by: 1000, round: 'up' },
    });
    assert.equal(billedQuantity(up, 1), 1);
    assert.equal(priceAmount(up, 1001), 1000);
    const down = price({
      unit_amount: 500,
      unit_amount_decimal: '500',
      transform_quantity: { divide_by: 1000, round: 'down' },
    });
    assert.equal(priceAmount(down, 1999), 500);
    assert.equal(priceAmount(down, 999), 0);
  });

  it('bills graduated tiers unit by unit, with each reached tier’s flat amount', () => {
    const p = price({
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      unit_amount: null,
      unit_amount_decimal: null,
      tiers: [tier(5, 500), tier(10, 400), tier(null, 300, 100)],
    });
    assert.equal(priceAmount(p, 3), 1500);
    assert.equal(priceAmount(p, 5), 2500);
    assert.equal(priceAmount(p, 7), 2500 + 800);
    assert.equal(priceAmount(p, 12), 2500 + 2000 + 600 + 100);
  });

  it('charges the first graduated tier’s flat fee at quantity 0 (a base fee)', () => {
    const p = price({
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      unit_amount: null,
      unit_amount_decimal: null,
      tiers: [tier(10, 0, 2000), tier(null, 100)],
    });
    assert.equal(priceAmount(p, 0), 2000);
    assert.equal(priceAmount(p, 15), 2500);
  });

  it('bills volume tiers at the tier the whole quantity falls in', () => {
    const p = price({
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      unit_amount: null,
      unit_amount_decimal: null,
      tiers: [tier(5, 500), tier(10, 400, 50), tier(null, 300)],
    });
    assert.equal(priceAmount(p, 5), 2500);
    assert.equal(priceAmount(p, 6), 2450);
    assert.equal(priceAmount(p, 11), 3300);
  });

  it('uses tier decimals and flat decimals exactly', () => {
    const p = price({
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      unit_amount: null,
      unit_amount_decimal: null,
      tiers: [
        { up_to: null, unit_amount: null, unit_amount_decimal: '0.25', flat_amount: null, flat_amount_decimal: '0.25' },
      ],
    });
    assert.equal(priceAmount(p, 1), 1); // 0.5
    assert.equal(priceAmount(p, 2), 1); // 0.75
  });

  it('bills in another currency through currency_options, and refuses one it has none for', () => {
    const p = price({
      currency_options: {
        usd: { custom_unit_amount: null, tax_behavior: null, unit_amount: 1000, unit_amount_decimal: '1000' },
        eur: { custom_unit_amount: null, tax_behavior: null, unit_amount: 900, unit_amount_decimal: '900' },
      },
    });
    assert.equal(priceAmount(p, 2, 'eur'), 1800);
    assert.equal(priceAmount(p, 2, 'USD'), 2000);
    assert.throws(
      () => priceAmount(p, 1, 'gbp'),
      (e: unknown) => e instanceof StripeError && e.status === 400,
    );
  });

  it('refuses a customer-chosen (custom_unit_amount) price', () => {
    const p = price({
      unit_amount: null,
      unit_amount_decimal: null,
      custom_unit_amount: { maximum: null, minimum: null, preset: null },
    });
    assert.throws(() => priceAmount(p, 1), StripeError);
  });

  it('labels the unit amount of per-unit prices only', () => {
    assert.equal(unitAmountDecimal(price()), '1000');
    assert.equal(unitAmountDecimal(price({ billing_scheme: 'tiered', tiers: [] })), null);
  });
});

describe('couponDiscount', () => {
  it('takes percent_off of the amount, rounded half up', () => {
    assert.equal(couponDiscount(coupon({ percent_off: 25 }), 1000, 'usd'), 250);
    assert.equal(couponDiscount(coupon({ percent_off: 12.5 }), 999, 'usd'), 125); // 124.875
    assert.equal(couponDiscount(coupon({ percent_off: 50 }), 5, 'usd'), 3); // 2.5
    assert.equal(couponDiscount(coupon({ percent_off: 100 }), 777, 'usd'), 777);
  });

  it('takes amount_off in the coupon’s currency or its currency_options, capped at the amount', () => {
    const c = coupon({ amount_off: 500, currency: 'usd', currency_options: { eur: { amount_off: 400 } } });
    assert.equal(couponDiscount(c, 1000, 'usd'), 500);
    assert.equal(couponDiscount(c, 300, 'usd'), 300);
    assert.equal(couponDiscount(c, 1000, 'eur'), 400);
    assert.equal(couponDiscount(c, 1000, 'gbp'), 0);
    assert.equal(couponDiscount(c, 0, 'usd'), 0);
    assert.throws(() => assertCouponCurrency(c, 'gbp', 'coupon'), StripeError);
    assert.doesNotThrow(() => assertCouponCurrency(c, 'EUR'));
  });

  it('applies to every product unless applies_to names some', () => {
    assert.equal(couponAppliesTo(coupon(), 'prod_a'), true);
    const c = coupon({ applies_to: { products: ['prod_a'] } });
    assert.equal(couponAppliesTo(c, 'prod_a'), true);
    assert.equal(couponAppliesTo(c, 'prod_b'), false);
    assert.equal(couponAppliesTo(c, null), false);
  });
});

describe('taxAmounts', () => {
  it('adds exclusive taxes on top, rounded half up per rate', () => {
    assert.deepEqual(taxAmounts([rate('txr_a', 15, false)], 43), [
      { amount: 6, inclusive: false, tax_rate: 'txr_a', taxable_amount: 43, taxability_reason: null },
    ]); // 6.45
    assert.equal(taxAmounts([rate('txr_a', 15, false)], 484)[0]?.amount, 73); // 72.6
    assert.equal(taxAmounts([rate('txr_a', 8.25, false)], 1000)[0]?.amount, 83); // 82.5
    assert.equal(taxAmounts([rate('txr_a', 7.0625, false)], 10000)[0]?.amount, 706); // 706.25
  });

  it('finds inclusive taxes inside the amount', () => {
    const [vat] = taxAmounts([rate('txr_v', 20, true)], 1200);
    assert.deepEqual(vat, {
      amount: 200,
      inclusive: true,
      tax_rate: 'txr_v',
      taxable_amount: 1000,
      taxability_reason: null,
    });
    const [ten] = taxAmounts([rate('txr_t', 10, true)], 60000);
    assert.equal(ten?.amount, 5455); // 60000 - 60000/1.1 = 5454.55
    assert.equal(ten?.taxable_amount, 54545);
  });

  it('splits several inclusive rates over one net amount and adds exclusive ones on the net', () => {
    const taxes = taxAmounts([rate('txr_a', 10, true), rate('txr_b', 5, true), rate('txr_c', 10, false)], 1150);
    assert.deepEqual(
      taxes.map((t) => [t.tax_rate, t.amount, t.taxable_amount]),
      [
        ['txr_a', 100, 1000],
        ['txr_b', 50, 1000],
        ['txr_c', 100, 1000],
      ],
    );
    assert.deepEqual(taxAmounts([], 100), []);
  });
});

describe('addMonths', () => {
  it('adds calendar months, clamping the day', () => {
    const jan31 = Date.UTC(2026, 0, 31, 12, 30, 0) / 1000;
    assert.equal(addMonths(jan31, 1), Date.UTC(2026, 1, 28, 12, 30, 0) / 1000);
    assert.equal(addMonths(jan31, 13), Date.UTC(2027, 1, 28, 12, 30, 0) / 1000);
    assert.equal(addMonths(Date.UTC(2026, 4, 15) / 1000, 3), Date.UTC(2026, 7, 15) / 1000);
  });
});
