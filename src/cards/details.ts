/**
 * The card sub-objects Stripe renders: `PaymentMethod.card` and `Charge.payment_method_details.card`,
 * with every field of the stripe package's declarations (keys alphabetical, null where unknown), and
 * the card fingerprint. Internal-only fields the API does not normally send (`description`, `iin`,
 * `issuer`) are left out.
 */
import { createHmac } from 'node:crypto';
import type { CardBrand, CardFunding, TestCard } from './network.js';

export interface CardChecks {
  address_line1_check: string | null;
  address_postal_code_check: string | null;
  cvc_check: string | null;
}

/** `PaymentMethod.card`. */
export interface PaymentMethodCard {
  brand: CardBrand;
  checks: CardChecks | null;
  country: string | null;
  display_brand: string | null;
  exp_month: number;
  exp_year: number;
  fingerprint: string | null;
  funding: CardFunding;
  generated_from: null;
  last4: string;
  networks: { available: string[]; preferred: string | null };
  regulated_status: 'regulated' | 'unregulated' | null;
  three_d_secure_usage: { supported: boolean } | null;
  wallet: null;
}

export type ThreeDSecureResult =
  | 'attempt_acknowledged'
  | 'authenticated'
  | 'exempted'
  | 'failed'
  | 'not_supported'
  | 'processing_error';

/** `Charge.payment_method_details.card.three_d_secure`. */
export interface ChargeThreeDSecure {
  authentication_flow: 'challenge' | 'frictionless' | null;
  electronic_commerce_indicator: string | null;
  exemption_indicator: 'low_risk' | 'none' | null;
  result: ThreeDSecureResult | null;
  result_reason: string | null;
  transaction_id: string | null;
  version: string | null;
}

/** `Charge.payment_method_details.card`. */
export interface ChargeCard {
  amount_authorized: number | null;
  authorization_code: string | null;
  brand: CardBrand;
  capture_before?: number;
  checks: CardChecks | null;
  country: string | null;
  electronic_commerce_indicator: string | null;
  exp_month: number;
  exp_year: number;
  extended_authorization: { status: 'disabled' | 'enabled' };
  fingerprint: string | null;
  funding: CardFunding;
  incremental_authorization: { status: 'available' | 'unavailable' };
  installments: null;
  last4: string;
  mandate: string | null;
  multicapture: { status: 'available' | 'unavailable' };
  network: string;
  network_token: { used: boolean };
  network_transaction_id: string | null;
  overcapture: { maximum_amount_capturable: number; status: 'available' | 'unavailable' };
  regulated_status: 'regulated' | 'unregulated' | null;
  three_d_secure: ChargeThreeDSecure | null;
  transaction_link_id: string | null;
  wallet: null;
}

// ---- fingerprint ----

/**
 * Keys the fingerprint HMAC together with the account id. A constant is enough: fingerprints only
 * need to be stable and differ between accounts, and test card numbers are public anyway.
 */
const FINGERPRINT_SECRET = 'sandbank-card-fingerprint-v1';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Stripe's `fingerprint`: 16 alphanumeric characters, the same for the same number within one
 * account and different across accounts. `number` must already be normalised (digits only).
 */
export function fingerprint(accountId: string, number: string): string {
  const digest = createHmac('sha256', `${FINGERPRINT_SECRET}:${accountId}`).update(number).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += BASE62[(digest[i] ?? 0) % 62];
  return out;
}

/** A 15-digit network transaction id derived from `seed` (e.g. the charge id), so replays agree. */
export function networkTransactionId(seed: string): string {
  const digest = createHmac('sha256', FINGERPRINT_SECRET).update(`ntid:${seed}`).digest();
  let out = '';
  for (let i = 0; i < 15; i++) out += String((digest[i] ?? 0) % 10);
  return out;
}

// ---- PaymentMethod.card ----

/** `display_brand` spells some brands differently from `brand`. */
const DISPLAY_BRAND: Record<CardBrand, string> = {
  amex: 'american_express',
  cartes_bancaires: 'cartes_bancaires',
  diners: 'diners_club',
  discover: 'discover',
  eftpos_au: 'eftpos_australia',
  interac: 'interac',
  jcb: 'jcb',
  link: 'other',
  mastercard: 'mastercard',
  unionpay: 'union_pay',
  visa: 'visa',
  unknown: 'other',
};

export interface PaymentMethodCardInput {
  card: TestCard;
  last4: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  cvcProvided: boolean;
  addressProvided: { line1: boolean; postal_code: boolean };
}

/**
 * `PaymentMethod.card` for a card profile. A check is null when its value was not provided, and
 * otherwise `pass` unless the card is one of the documented failing-check cards.
 */
export function paymentMethodCard(input: PaymentMethodCardInput): PaymentMethodCard {
  const { card } = input;
  const checks = card.behaviour.checks ?? {};
  const networks = card.coBrand === undefined ? [card.brand] : [card.brand, card.coBrand].sort();
  return {
    brand: card.brand,
    checks: {
      address_line1_check: input.addressProvided.line1 ? (checks.address_line1_check ?? 'pass') : null,
      address_postal_code_check: input.addressProvided.postal_code
        ? (checks.address_postal_code_check ?? 'pass')
        : null,
      cvc_check: input.cvcProvided ? (checks.cvc_check ?? 'pass') : null,
    },
    country: card.country,
    display_brand: DISPLAY_BRAND[card.brand],
    exp_month: input.exp_month,
    exp_year: input.exp_year,
    fingerprint: input.fingerprint,
    funding: card.funding,
    generated_from: null,
    last4: input.last4,
    networks: { available: networks, preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: card.behaviour.threeDSecure !== 'not_supported' },
    wallet: null,
  };
}

// ---- Charge.payment_method_details.card ----

export interface ThreeDSecureInput {
  result: ThreeDSecureResult;
  /** Defaults to 2.2.0, the version Stripe's test cards authenticate with. */
  version?: string;
  authenticationFlow?: 'challenge' | 'frictionless' | null;
  resultReason?: string | null;
  transactionId?: string | null;
}

export interface ChargeCardInput {
  pmCard: PaymentMethodCard;
  /** The charge amount, in the currency's minor unit. */
  amount: number;
  /** False for a declined charge: nothing was authorized and the network returned no id. */
  authorized: boolean;
  manualCapture: boolean;
  /** The merchant asked for incremental authorisation (`request_incremental_authorization=if_available`). */
  incrementalAuthorization?: boolean;
  /** Unix seconds after which an uncaptured charge is released; rendered only with manual capture. */
  captureBefore: number;
  threeDSecure: ThreeDSecureInput | null;
  networkTransactionId?: string | null;
  authorizationCode?: string | null;
}

/** The ECI a network returns for an authentication result (Mastercard numbers its own scale). */
function eci(brand: CardBrand, result: ThreeDSecureResult): string | null {
  const mastercard = brand === 'mastercard';
  if (result === 'authenticated') return mastercard ? '02' : '05';
  if (result === 'attempt_acknowledged') return mastercard ? '01' : '06';
  return null;
}

/** `Charge.payment_method_details.card` for a charge on a card PaymentMethod. */
export function chargeCardDetails(input: ChargeCardInput): ChargeCard {
  const { pmCard: pm, threeDSecure: tds } = input;
  const indicator = tds === null ? null : eci(pm.brand, tds.result);
  return {
    amount_authorized: input.authorized ? input.amount : null,
    authorization_code: input.authorizationCode ?? null,
    brand: pm.brand,
    // Present only on manual-capture charges; spread here to keep the key order.
    ...(input.manualCapture ? { capture_before: input.captureBefore } : {}),
    checks: pm.checks === null ? null : { ...pm.checks },
    country: pm.country,
    electronic_commerce_indicator: indicator,
    exp_month: pm.exp_month,
    exp_year: pm.exp_year,
    extended_authorization: { status: 'disabled' },
    fingerprint: pm.fingerprint,
    funding: pm.funding,
    incremental_authorization: {
      status: input.manualCapture && input.incrementalAuthorization ? 'available' : 'unavailable',
    },
    installments: null,
    last4: pm.last4,
    mandate: null,
    multicapture: { status: 'unavailable' },
    network: pm.brand,
    network_token: { used: false },
    network_transaction_id: input.authorized ? (input.networkTransactionId ?? null) : null,
    overcapture: { maximum_amount_capturable: input.amount, status: 'unavailable' },
    regulated_status: pm.regulated_status,
    three_d_secure:
      tds === null
        ? null
        : {
            authentication_flow: tds.authenticationFlow ?? null,
            electronic_commerce_indicator: indicator,
            exemption_indicator: null,
            result: tds.result,
            result_reason: tds.resultReason ?? null,
            transaction_id: tds.transactionId ?? null,
            version: tds.version ?? '2.2.0',
          },
    transaction_link_id: null,
    wallet: null,
  };
}
