/**
 * Flexible card capture: what a manual-capture card payment may do besides one capture of at most
 * what was authorised, when the merchant asks for it in `payment_method_options[card]`
 * (`request_incremental_authorization`, `request_multicapture`, `request_overcapture`,
 * `request_extended_authorization`, each `if_available` or `never`), and whether the network grants
 * it. The answer is rendered on the charge (`payment_method_details.card.*.status`) and checked when
 * the intent is incremented or captured.
 *
 * Availability follows Stripe's published rules by card brand (docs.stripe.com/payments/
 * incremental-authorization, /multicapture, /overcapture, /extended-authorization); merchant-category
 * and pricing-plan conditions do not exist in Sandbank, so every account qualifies.
 */
import type { ChargeCard } from '../../cards/details.js';
import type { CardBrand } from '../../cards/network.js';
import type { CardOptions } from './object.js';

export type CaptureOptionName =
  | 'request_extended_authorization'
  | 'request_incremental_authorization'
  | 'request_multicapture'
  | 'request_overcapture';

export const CAPTURE_OPTIONS: readonly CaptureOptionName[] = [
  'request_extended_authorization',
  'request_incremental_authorization',
  'request_multicapture',
  'request_overcapture',
];

/** Brands whose networks support each feature online. */
const BRANDS = {
  incremental: ['visa', 'mastercard', 'discover'],
  multicapture: ['amex', 'visa', 'discover', 'mastercard', 'cartes_bancaires', 'diners', 'jcb', 'unionpay'],
  overcapture: ['visa', 'mastercard', 'amex', 'discover'],
  extended: ['visa', 'mastercard', 'amex', 'discover'],
} as const satisfies Record<string, readonly CardBrand[]>;

/**
 * Incremental authorisation is "not available if you and the cardholder are in a country with
 * Strong Customer Authentication requirements": the EEA and the United Kingdom.
 */
const SCA_COUNTRIES = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE NO IS LI GB'.split(' '),
);

/**
 * How far beyond the authorised amount a capture may go. The networks' limits differ by merchant
 * category (Stripe's table: mostly 15–20 %); Sandbank applies 20 % to every brand (Sandbank).
 */
export const OVERCAPTURE_PERCENT = 20;

/** Days an extended authorisation stays capturable (Stripe: up to 30 days) instead of the usual 7. */
export const EXTENDED_CAPTURE_DAYS = 30;

/** Stripe's maximum number of captures of one multicapture PaymentIntent. */
export const MAX_CAPTURES = 50;

export interface CaptureFeatures {
  incremental: boolean;
  multicapture: boolean;
  overcapture: boolean;
  extended: boolean;
}

/**
 * The intent's card options with the capture options a request sends (`never` included), keys in
 * Stripe's alphabetical order.
 */
export function withCaptureOptions(
  card: CardOptions,
  input: Partial<Record<CaptureOptionName, 'if_available' | 'never' | null>> | null | undefined,
): CardOptions {
  const next: Record<string, unknown> = { ...card };
  for (const name of CAPTURE_OPTIONS) {
    const value = input?.[name];
    if (value) next[name] = value;
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(next).sort()) sorted[key] = next[key];
  return sorted as unknown as CardOptions;
}

/** What the network grants a manual-capture payment with this card, given what was asked. */
export function captureFeatures(
  options: CardOptions,
  card: { brand: CardBrand; country: string | null },
  accountCountry: string,
  manualCapture: boolean,
): CaptureFeatures {
  const asked = (name: CaptureOptionName, brands: readonly CardBrand[]) =>
    manualCapture && options[name] === 'if_available' && brands.includes(card.brand);
  const bothSca = SCA_COUNTRIES.has(accountCountry) && SCA_COUNTRIES.has(card.country ?? '');
  return {
    incremental: asked('request_incremental_authorization', BRANDS.incremental) && !bothSca,
    multicapture: asked('request_multicapture', BRANDS.multicapture),
    overcapture: asked('request_overcapture', BRANDS.overcapture),
    extended: asked('request_extended_authorization', BRANDS.extended),
  };
}

/** The largest capture overcapture allows on `authorized` minor units. */
export function maximumCapturable(authorized: number): number {
  return Math.floor((authorized * (100 + OVERCAPTURE_PERCENT)) / 100);
}

/**
 * Renders granted features on the charge's card details, as Stripe does: `available` /
 * `unavailable` (`enabled` / `disabled` for the extended hold), the overcapture ceiling, and a
 * capture deadline 30 days out for an extended authorisation.
 */
export function renderCaptureFeatures(details: ChargeCard, features: CaptureFeatures, created: number): void {
  details.incremental_authorization = { status: features.incremental ? 'available' : 'unavailable' };
  details.multicapture = { status: features.multicapture ? 'available' : 'unavailable' };
  const authorized = details.amount_authorized ?? 0;
  details.overcapture = features.overcapture
    ? { maximum_amount_capturable: maximumCapturable(authorized), status: 'available' }
    : { maximum_amount_capturable: authorized, status: 'unavailable' };
  details.extended_authorization = { status: features.extended ? 'enabled' : 'disabled' };
  if (features.extended && details.capture_before !== undefined) {
    details.capture_before = created + EXTENDED_CAPTURE_DAYS * 86_400;
  }
}
