/**
 * The fee table: what Stripe charges for card payments, disputes and instant payouts, per account
 * country, as data in one place with the source of each figure. Pure functions, no I/O. Amounts are
 * integers in minor units; a fee is computed in the charge's (or payout's) currency.
 *
 * Rounding: the percentage part is rounded to the nearest minor unit, halves up (what `Math.round`
 * does for positive amounts; computed with integers so 2.9% of 50 is exactly 1.45 → 1). Stripe
 * rounds to the nearest unit and does not document its tie rule.
 *
 * Refunds return no fees and standard payouts are free, so neither has a function here.
 */

import { currency } from './currencies.js';

export interface CustomPricing {
  /** Percentage of the amount, e.g. `2.4` for 2.4%. */
  percent: number;
  /** Fixed part in minor units of the account's pricing currency (usd for US accounts, …). */
  fixed: number;
}

export interface FeeDetail {
  amount: number;
  currency: string;
  description: string;
  type: 'stripe_fee';
}

interface Rate {
  percent: number;
  /** Minor units of the pricing currency. */
  fixed: number;
}

interface Pricing {
  /** The currency the fixed fees are defined in. */
  currency: string;
  domestic: Rate;
  international: Rate;
  /** Minor units of the pricing currency. */
  dispute: number;
}

/**
 * The European Economic Area: EU members plus Norway, Iceland and Liechtenstein. For an account in
 * any of them a card issued anywhere in the EEA is domestic.
 */
const EEA = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE NO IS LI'.split(' '),
);

/**
 * Standard pricing by region. The card rates are the ones this project fixes (the table);
 * Stripe's current public prices differ and are noted beside them.
 * Dispute fees are what Stripe charges when a dispute is received:
 * - US: $15 ("15.00 USD (or local equivalent)", support.stripe.com/questions/dispute-fees-faq);
 * - EEA: €20 since 10 April 2023 (support.stripe.com/questions/pricing-updates-for-businesses-based-in-
 *   the-european-economic-area-(eea); real EUR dispute balance transactions show a 2000 fee);
 * - GB: £20 since 10 April 2023 (support.stripe.com/questions/pricing-updates-for-businesses-in-the-
 *   united-kingdom);
 * - AU: A$25 (third-party help pages, e.g. help.amodo.com; Stripe's own table was not retrievable).
 */
const STANDARD: Readonly<Record<'US' | 'EEA' | 'GB' | 'AU', Pricing>> = {
  // stripe.com/us/pricing: 2.9% + 30¢ domestic. International: the issue fixes 3.4% + 30¢ (Stripe
  // itself adds 1.5%, i.e. 4.4%).
  US: {
    currency: 'usd',
    domestic: { percent: 2.9, fixed: 30 },
    international: { percent: 3.4, fixed: 30 },
    dispute: 1500,
  },
  // EEA pricing before 10 April 2023: 1.4% + €0.25 EEA cards, 2.9% + €0.25 international (since then
  // 1.5%/1.9% standard/premium EEA cards and 3.25% international).
  EEA: {
    currency: 'eur',
    domestic: { percent: 1.4, fixed: 25 },
    international: { percent: 2.9, fixed: 25 },
    dispute: 2000,
  },
  // UK pricing before 10 April 2023: 1.4% + 20p UK cards, 2.9% + 20p international (since then
  // 1.5%/1.9% standard/premium UK cards, 2.5% EEA cards, 3.25% international).
  GB: {
    currency: 'gbp',
    domestic: { percent: 1.4, fixed: 20 },
    international: { percent: 2.9, fixed: 20 },
    dispute: 2000,
  },
  // 1.75% + A$0.30 domestic; the issue fixes international at 3.4% + A$0.30 (since 15 October 2023
  // Stripe charges 3.5% + A$0.30, support.stripe.com/questions/october-2023-pricing-updates-…).
  AU: {
    currency: 'aud',
    domestic: { percent: 1.75, fixed: 30 },
    international: { percent: 3.4, fixed: 30 },
    dispute: 2500,
  },
};

/**
 * Stripe's published €0.25 fixed fee in the local currencies of EEA countries outside the euro
 * (same EEA support page): BGN 0.50, CZK 6.50, DKK 1.80, HUF 85, CHF 0.30 (Liechtenstein), PLN 1,
 * RON 1, SEK 1.80. Used instead of converting €0.25 when an EEA-priced charge is in one of them.
 */
const EEA_LOCAL_FIXED: Readonly<Record<string, number>> = {
  bgn: 50,
  czk: 650,
  dkk: 180,
  huf: 8500,
  chf: 30,
  pln: 100,
  ron: 100,
  sek: 180,
};

/**
 * Units of each currency per 1 USD: approximate reference rates (mid-2025), offline and static,
 * used only to convert fixed fees and minimums into another currency. They are not FX rates and
 * nothing is ever charged at them. A currency missing here is converted as if pegged 1:1 to USD.
 */
// biome-ignore format: a table reads best as a table
const REFERENCE_RATES: Readonly<Record<string, number>> = {
  usd: 1, eur: 0.92, gbp: 0.79, aud: 1.52, cad: 1.37, chf: 0.88, jpy: 150, cny: 7.2, hkd: 7.8, sgd: 1.34,
  nzd: 1.65, sek: 10.5, nok: 10.7, dkk: 6.9, isk: 138, pln: 3.95, czk: 23, huf: 360, ron: 4.6, bgn: 1.8,
  try: 32, rub: 90, uah: 40, inr: 83, pkr: 280, bdt: 118, lkr: 300, npr: 133, idr: 16000, myr: 4.6,
  php: 57, thb: 35, vnd: 25000, krw: 1350, twd: 32, brl: 5.2, mxn: 18, ars: 900, clp: 930, cop: 4000,
  pen: 3.7, uyu: 39, aed: 3.6725, sar: 3.75, qar: 3.64, ils: 3.7, egp: 48, mad: 10, zar: 18.5, ngn: 1500,
  kes: 130, ghs: 15, ugx: 3750, xaf: 605, xof: 605, xpf: 110, bhd: 0.376, jod: 0.709, kwd: 0.307,
  omr: 0.385, tnd: 3.1, usdc: 1,
};

/** US-style card prices and the US dispute fee, converted for accounts outside the table. */
const FALLBACK_USD = { domestic: 2.9, international: 3.4, fixed: 30, dispute: 1500 } as const;

/** Instant payouts: 1.5% with a minimum of 50¢ (stripe.com/pricing), the minimum converted. */
const INSTANT_PAYOUT = { percent: 1.5, minimumUsd: 50 } as const;

/**
 * Each supported account country's default (settlement) currency. Bulgaria adopted the euro on
 * 1 January 2026. Countries Stripe does not support are absent (`defaultCurrencyForCountry` says usd).
 */
// biome-ignore format: a table reads best as a table
const COUNTRY_CURRENCY: Readonly<Record<string, string>> = {
  US: 'usd', GB: 'gbp', GI: 'gbp', AU: 'aud', CA: 'cad', NZ: 'nzd', JP: 'jpy', SG: 'sgd', HK: 'hkd',
  MY: 'myr', TH: 'thb', IN: 'inr', ID: 'idr', AE: 'aed', MX: 'mxn', BR: 'brl', ZA: 'zar', NG: 'ngn',
  KE: 'kes', GH: 'ghs', CH: 'chf', LI: 'chf', NO: 'nok', SE: 'sek', DK: 'dkk', PL: 'pln', CZ: 'czk',
  HU: 'huf', RO: 'ron',
  AT: 'eur', BE: 'eur', BG: 'eur', HR: 'eur', CY: 'eur', EE: 'eur', FI: 'eur', FR: 'eur', DE: 'eur',
  GR: 'eur', IE: 'eur', IT: 'eur', LV: 'eur', LT: 'eur', LU: 'eur', MT: 'eur', NL: 'eur', PT: 'eur',
  SK: 'eur', SI: 'eur', ES: 'eur',
};

/**
 * Countries where a Stripe account can be opened, as ISO 3166-1 alpha-2 codes: the keys of the table
 * above, after stripe.com/global (not re-checked against the live page).
 */
const SUPPORTED_ACCOUNT_COUNTRIES = new Set(Object.keys(COUNTRY_CURRENCY));

export function isSupportedAccountCountry(country: string): boolean {
  return SUPPORTED_ACCOUNT_COUNTRIES.has(country.toUpperCase());
}

/**
 * Currencies some Stripe account country settles in: the default currencies above. Multi-currency
 * settlement (docs.stripe.com/payouts/alternative-currencies: AE, AU, CH, the EU, GB, HK, LI, NO, SG,
 * US) lets an account settle in other countries' currencies too, and its per-region lists are not
 * in this table, so Sandbank refuses only what no country settles in (`afn`, `usdc`, retired codes).
 */
const SETTLEMENT_CURRENCIES = new Set(Object.values(COUNTRY_CURRENCY));

/** Whether any Stripe account country settles in `code` (lower-case), so an account may default to it. */
export function isSettlementCurrency(code: string): boolean {
  return SETTLEMENT_CURRENCIES.has(code.toLowerCase());
}

/** The account country's default currency (`US` → `usd`, `FR` → `eur`, …); `usd` for unknown countries. */
export function defaultCurrencyForCountry(country: string): string {
  return COUNTRY_CURRENCY[country.toUpperCase()] ?? 'usd';
}

/**
 * Whether a card counts as domestic for an account: issued in the account's country, or for an EEA
 * account anywhere in the EEA. A card of unknown country (`null`) is priced as domestic.
 */
export function isDomesticCard(accountCountry: string, cardCountry: string | null): boolean {
  if (cardCountry === null) return true;
  const account = accountCountry.toUpperCase();
  const card = cardCountry.toUpperCase();
  return EEA.has(account) ? EEA.has(card) : card === account;
}

/**
 * The Stripe processing fee for a card payment of `amount` minor units of `currency`:
 * `round(amount × percent) + fixed`, with the fixed part converted from the pricing currency when
 * the charge is in another one. `custom` (volume pricing) replaces both the domestic and the
 * international rate; its fixed part is in the account's pricing currency.
 * Example: 10000 usd on a US account with a US card → 290 + 30 = 320 (net 9680).
 */
export function cardProcessingFee(input: {
  accountCountry: string;
  cardCountry: string | null;
  currency: string;
  amount: number;
  custom?: CustomPricing | null;
}): FeeDetail {
  const charged = known(input.currency);
  checkAmount(input.amount);
  const pricing = pricingFor(input.accountCountry);
  const rate =
    input.custom ??
    (isDomesticCard(input.accountCountry, input.cardCountry) ? pricing.domestic : pricing.international);
  const eeaLocal = input.custom == null && pricing.currency === 'eur' ? EEA_LOCAL_FIXED[charged] : undefined;
  const fixed = eeaLocal ?? convertApprox(rate.fixed, pricing.currency, charged);
  return stripeFee(percentOf(input.amount, rate.percent) + fixed, charged, 'Stripe processing fees');
}

/** The fee Stripe debits when a dispute is received, in `currency` (converted when it differs). */
export function disputeFee(accountCountry: string, currency: string): FeeDetail {
  const charged = known(currency);
  const pricing = pricingFor(accountCountry);
  return stripeFee(convertApprox(pricing.dispute, pricing.currency, charged), charged, 'Dispute fee');
}

/** The instant payout fee for a payout of `amount` minor units: 1.5%, at least the equivalent of 50¢. */
export function instantPayoutFee(amount: number, currency: string): FeeDetail {
  const paid = known(currency);
  checkAmount(amount);
  const minimum = convertApprox(INSTANT_PAYOUT.minimumUsd, 'usd', paid);
  return stripeFee(Math.max(percentOf(amount, INSTANT_PAYOUT.percent), minimum), paid, 'Instant payout fee');
}

// ---- internals ----

function pricingFor(accountCountry: string): Pricing {
  const country = accountCountry.toUpperCase();
  if (country === 'US' || country === 'GB' || country === 'AU') return STANDARD[country];
  if (EEA.has(country)) return STANDARD.EEA;
  // Other account countries: US-style 2.9% / 3.4% with the local equivalent of 30¢ (and of the $15
  // dispute fee) in the country's default currency, the way Stripe quotes "30¢ or local equivalent".
  const local = defaultCurrencyForCountry(country);
  const fixed = convertApprox(FALLBACK_USD.fixed, 'usd', local);
  return {
    currency: local,
    domestic: { percent: FALLBACK_USD.domestic, fixed },
    international: { percent: FALLBACK_USD.international, fixed },
    dispute: convertApprox(FALLBACK_USD.dispute, 'usd', local),
  };
}

/**
 * Converts minor units of `from` into minor units of `to` through the reference rates, rounding to
 * the nearest minor unit of `to` (so a zero-decimal target such as jpy gets whole yen).
 */
function convertApprox(amount: number, from: string, to: string): number {
  if (from === to) return amount;
  const source = currency(from);
  const target = currency(to);
  if (source === undefined || target === undefined) throw new RangeError(`unknown currency ${from} or ${to}`);
  const usd = amount / 10 ** source.decimals / (REFERENCE_RATES[from] ?? 1);
  return Math.round(usd * (REFERENCE_RATES[to] ?? 1) * 10 ** target.decimals);
}

/** `amount × percent / 100`, rounded half up, exact for any safe integer amount. */
function percentOf(amount: number, percent: number): number {
  const millionths = BigInt(Math.round(percent * 10_000)); // 2.9% → 29000 parts per million
  return Number((BigInt(amount) * millionths + 500_000n) / 1_000_000n);
}

function stripeFee(amount: number, feeCurrency: string, description: string): FeeDetail {
  return { amount, currency: feeCurrency, description, type: 'stripe_fee' };
}

/** Lower-cases a code Stripe accepts; anything else is a bug in the caller (validation comes first). */
function known(code: string): string {
  const info = currency(code);
  if (info === undefined) throw new RangeError(`unsupported currency: ${code}`);
  return info.code;
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`amount must be a non-negative integer of minor units, got ${amount}`);
  }
}
