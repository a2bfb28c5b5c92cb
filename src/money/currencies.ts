/**
 * The currency table: which currencies Stripe accepts, how many decimals each has in the API, the
 * minimum and maximum charge amounts, and how Stripe writes amounts in its error messages.
 * Pure data and functions, no I/O. Amounts are integers in the currency's minor unit throughout.
 *
 * Sources (found with the project's reference search):
 * - The accepted codes and their order are the list Stripe prints in its own error
 *   (`Invalid currency: x. Stripe currently supports these currencies: usd, aed, …`), as captured
 *   from live responses in public repositories (Oct 2024, with `xcg` added in 2025). The tail
 *   (`usdc` … `mro`) is legacy or non-presentment codes Stripe still prints; we accept them too,
 *   because the message says it does.
 * - Zero- and three-decimal lists, the special cases and the minimums: docs.stripe.com/currencies
 *   and the fact sheet (/work/shared/stripe-facts.md §6).
 * - ISK: support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds (the exact
 *   error below). UGX: Stripe lists it as zero-decimal but the API reads its amounts as two-decimal
 *   (a 100 UGX charge is reported as "1.00 USh", odoo/odoo#227688), so it is modelled like ISK.
 */

import { invalidRequest } from '../platform/errors.js';

export interface CurrencyInfo {
  /** Lower-case ISO 4217 code, as Stripe writes it. */
  code: string;
  /** Digits after the decimal point in API amounts (`1000` usd = $10.00, `500` jpy = ¥500). */
  decimals: 0 | 2 | 3;
  /** The smallest amount a charge may have, in minor units. */
  minimumCharge: number;
  /** The symbol Stripe prints in messages, when we know it (see `formatAmount`). */
  symbol?: string;
  /** True when the symbol follows the number (`1.00 USh`). */
  symbolAfter?: boolean;
  /**
   * True for currencies that are two-decimal in the API but only accept whole units, i.e. amounts
   * divisible by 100 (ISK since April 2023, UGX).
   */
  wholeUnitsOnly?: boolean;
}

/** Every code Stripe accepts, in the order Stripe lists them in its invalid-currency error. */
export const SUPPORTED_CURRENCIES: readonly string[] = (
  'usd, aed, afn, all, amd, ang, aoa, ars, aud, awg, azn, bam, bbd, bdt, bgn, bhd, bif, bmd, bnd, ' +
  'bob, brl, bsd, bwp, byn, bzd, cad, cdf, chf, clp, cny, cop, crc, cve, czk, djf, dkk, dop, dzd, ' +
  'egp, etb, eur, fjd, fkp, gbp, gel, gip, gmd, gnf, gtq, gyd, hkd, hnl, hrk, htg, huf, idr, ils, ' +
  'inr, isk, jmd, jod, jpy, kes, kgs, khr, kmf, krw, kwd, kyd, kzt, lak, lbp, lkr, lrd, lsl, mad, ' +
  'mdl, mga, mkd, mmk, mnt, mop, mur, mvr, mwk, mxn, myr, mzn, nad, ngn, nio, nok, npr, nzd, omr, ' +
  'pab, pen, pgk, php, pkr, pln, pyg, qar, ron, rsd, rub, rwf, sar, sbd, scr, sek, sgd, shp, sle, ' +
  'sos, srd, std, szl, thb, tjs, tnd, top, try, ttd, twd, tzs, uah, ugx, uyu, uzs, vnd, vuv, wst, ' +
  'xaf, xcd, xcg, xof, xpf, yer, zar, zmw, usdc, btn, ghs, eek, lvl, svc, vef, ltl, sll, mro'
).split(', ');

/**
 * Stripe's zero-decimal list (docs.stripe.com/currencies#zero-decimal). `ugx` is on it, but the API
 * treats UGX amounts as two-decimal whole units (see the module header), so `currency('ugx')` says 2.
 */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] =
  'bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' ');

/** Three-decimal currencies: card amounts must end in 0 (docs.stripe.com/currencies#three-decimal). */
export const THREE_DECIMAL_CURRENCIES: readonly string[] = 'bhd jod kwd omr tnd'.split(' ');

/** Two-decimal in the API, whole units only (amounts divisible by 100). */
const WHOLE_UNIT_CURRENCIES: readonly string[] = ['isk', 'ugx'];

/**
 * Minimum charge amounts in minor units (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts,
 * fact sheet §6). Stripe defines the minimum on the settlement currency: a charge presented in another
 * currency must convert to at least the settlement currency's minimum ("Amount must convert to at
 * least 50 cents. ¥5 converts to approximately $0.03."). Sandbank has no exchange rates offline, so it
 * checks the presentment currency's own minimum and never converts.
 */
// biome-ignore format: a table reads best as a table
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, ars: 50, aud: 50, brl: 50, cad: 50, chf: 50, cop: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, idr: 50, ils: 50, inr: 50, jpy: 50, krw: 50, mxn: 1000, myr: 200, nok: 300,
  nzd: 50, php: 50, pln: 200, ron: 200, rub: 50, sek: 300, sgd: 50, thb: 1000, zar: 50,
};

/**
 * Symbols as Stripe prints them in messages. Verified in real responses: `$0.50 usd`, `$0.50 cad`
 * (dollar currencies all print a bare `$`, hence the code after the amount in minimum errors),
 * `€0.50 eur`, `£0.30 gbp`, `¥50 jpy`, `₨50.00` (pkr), `د.إ0.66` (aed), `ر.س0.55` (sar), `1.00 USh`
 * (ugx, after the number). The rest of this table follows the same convention (the Ruby `money`
 * gem's symbols, which every verified case matches) and is unverified.
 */
const SYMBOLS: Readonly<Record<string, { symbol: string; after?: true }>> = {
  usd: { symbol: '$' },
  aud: { symbol: '$' },
  cad: { symbol: '$' },
  nzd: { symbol: '$' },
  hkd: { symbol: '$' },
  sgd: { symbol: '$' },
  mxn: { symbol: '$' },
  eur: { symbol: '€' },
  gbp: { symbol: '£' },
  jpy: { symbol: '¥' },
  cny: { symbol: '¥' },
  inr: { symbol: '₹' },
  krw: { symbol: '₩' },
  brl: { symbol: 'R$' },
  ils: { symbol: '₪' },
  php: { symbol: '₱' },
  thb: { symbol: '฿' },
  pkr: { symbol: '₨' },
  aed: { symbol: 'د.إ' },
  sar: { symbol: 'ر.س' },
  ugx: { symbol: 'USh', after: true },
};

/** PaymentIntents accept "up to eight digits" (docs.stripe.com/currencies). */
export const MAX_AMOUNT = 99_999_999;
/** Card charges accept up to 12 digits (Amex 9); not enforced by `checkChargeAmount`. */
export const MAX_CARD_AMOUNT = 999_999_999_999;

function buildInfo(code: string): CurrencyInfo {
  const wholeUnitsOnly = WHOLE_UNIT_CURRENCIES.includes(code);
  const decimals = wholeUnitsOnly
    ? 2
    : ZERO_DECIMAL_CURRENCIES.includes(code)
      ? 0
      : THREE_DECIMAL_CURRENCIES.includes(code)
        ? 3
        : 2;
  // Currencies without a published minimum: 50 minor units (1 unit for zero-decimal currencies,
  // one whole unit for whole-unit currencies), because a USD-equivalent needs exchange rates.
  const fallbackMinimum = wholeUnitsOnly ? 100 : decimals === 0 ? 1 : 50;
  const info: CurrencyInfo = { code, decimals, minimumCharge: MINIMUM_CHARGE[code] ?? fallbackMinimum };
  const symbol = SYMBOLS[code];
  if (symbol !== undefined) {
    info.symbol = symbol.symbol;
    if (symbol.after) info.symbolAfter = true;
  }
  if (wholeUnitsOnly) info.wholeUnitsOnly = true;
  return info;
}

const TABLE: ReadonlyMap<string, CurrencyInfo> = new Map(
  SUPPORTED_CURRENCIES.map((code) => [code, Object.freeze(buildInfo(code))]),
);

/** The currency's entry, or `undefined` when Stripe does not accept it. Case-insensitive, as Stripe is. */
export function currency(code: string): CurrencyInfo | undefined {
  return TABLE.get(code.toLowerCase());
}

/**
 * The currency's entry, or Stripe's invalid-currency error (400 `invalid_request_error`, no `code`,
 * `param` as given): `Invalid currency: xyz. Stripe currently supports these currencies: usd, aed, …`.
 */
export function requireCurrency(code: string, param = 'currency'): CurrencyInfo {
  const info = currency(code);
  if (info === undefined) {
    throw invalidRequest(
      `Invalid currency: ${code.toLowerCase()}. Stripe currently supports these currencies: ${SUPPORTED_CURRENCIES.join(', ')}`,
      { param },
    );
  }
  return info;
}

/**
 * Checks a charge amount (minor units) against the currency's rules, throwing Stripe's error:
 * - below the minimum: `amount_too_small`, `Amount must be at least $0.50 usd` (verified for usd,
 *   eur, gbp, jpy, cad);
 * - above eight digits: `amount_too_large`, `Amount must be no more than $999,999.99` (seen in
 *   replicas and quoted by users without the trailing code; not verified against Stripe itself);
 * - ISK/UGX not in whole units: `invalid_charge_amount_no_decimal_compatible` (ISK text verified);
 * - three-decimal currencies not ending in 0: `invalid_charge_amount` (text unverified).
 * An unsupported currency throws the invalid-currency error with `param: 'currency'`.
 */
export function checkChargeAmount(amount: number, code: string, param = 'amount'): void {
  const info = requireCurrency(code);
  if (amount < info.minimumCharge) {
    throw invalidRequest(`Amount must be at least ${formatAmount(info.minimumCharge, info.code)} ${info.code}`, {
      code: 'amount_too_small',
      param,
    });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${formatAmount(MAX_AMOUNT, info.code)}`, {
      code: 'amount_too_large',
      param,
    });
  }
  const upper = info.code.toUpperCase();
  if (info.wholeUnitsOnly && amount % 100 !== 0) {
    throw invalidRequest(
      `Invalid amount. Currency ${upper} has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.`,
      { code: 'invalid_charge_amount_no_decimal_compatible', param },
    );
  }
  if (info.decimals === 3 && amount % 10 !== 0) {
    throw invalidRequest(
      `Invalid amount. Currency ${upper} is a three-decimal currency and charged amounts must be evenly divisible by 10. See https://stripe.com/docs/currencies#three-decimal for more information.`,
      { code: 'invalid_charge_amount', param },
    );
  }
}

/**
 * Formats an amount in minor units the way Stripe writes amounts in messages: the symbol before the
 * number without a space (`$20.00`, `€5.00`, `¥500`), or after it with a space (`1.00 USh`), US
 * digit grouping (`$999,999.99`) and the currency's decimals. Currencies without a known symbol
 * (and unknown codes, read as two-decimal) print the upper-case code first: `CHF 5.00`, `KWD 5.120`.
 */
export function formatAmount(amount: number, code: string): string {
  const info = currency(code);
  const decimals = info?.decimals ?? 2;
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const scale = 10 ** decimals;
  const whole = Math.floor(abs / scale)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const number = decimals === 0 ? whole : `${whole}.${(abs % scale).toString().padStart(decimals, '0')}`;
  if (info?.symbol === undefined) return `${sign}${code.toUpperCase()} ${number}`;
  return info.symbolAfter ? `${sign}${number} ${info.symbol}` : `${sign}${info.symbol}${number}`;
}
