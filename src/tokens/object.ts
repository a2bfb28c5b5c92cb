/**
 * The legacy card surfaces' objects: the Token, and the `Card` and `BankAccount` objects a token
 * carries and a customer keeps as a source. Shapes follow the current `stripe` package's `Token`,
 * `Card` and `BankAccount` declarations (fields alphabetical after `id` and `object`, as Stripe's
 * fixtures show them). Like PaymentMethods, a card keeps only brand, last4, expiry and a keyed
 * fingerprint; the test card's key (never its number) sits in the server-only state.
 */
import type { CardBrand, TestCard } from '../cards/network.js';
import { registerExpandable } from '../platform/expand.js';
import type { Metadata } from '../platform/metadata.js';

export const TOKEN = 'token';
/** Customer sources (cards and bank accounts) share one stored type, so one list pages over both. */
export const SOURCE = 'source';

export type TokenType = 'card' | 'bank_account' | 'pii' | 'cvc_update';

/** The legacy `Card` object (`Stripe.Card`). */
export interface Card {
  id: string;
  object: 'card';
  address_city: string | null;
  address_country: string | null;
  address_line1: string | null;
  address_line1_check: string | null;
  address_line2: string | null;
  address_state: string | null;
  address_zip: string | null;
  address_zip_check: string | null;
  allow_redisplay: 'always' | 'limited' | 'unspecified' | null;
  brand: string;
  country: string | null;
  customer: string | null;
  cvc_check: string | null;
  dynamic_last4: string | null;
  exp_month: number;
  exp_year: number;
  fingerprint: string | null;
  funding: string;
  last4: string;
  metadata: Metadata;
  name: string | null;
  networks: { preferred: string | null };
  regulated_status: 'regulated' | 'unregulated' | null;
  tokenization_method: string | null;
}

/** The legacy `BankAccount` object (`Stripe.BankAccount`) as a customer source. */
export interface BankAccount {
  id: string;
  object: 'bank_account';
  account_holder_name: string | null;
  account_holder_type: 'company' | 'individual' | null;
  account_type: string | null;
  bank_name: string | null;
  country: string;
  currency: string;
  customer: string | null;
  fingerprint: string | null;
  last4: string;
  metadata: Metadata;
  routing_number: string | null;
  status: 'new' | 'validated' | 'verified' | 'verification_failed' | 'errored';
}

export interface Token {
  id: string;
  object: 'token';
  bank_account?: BankAccount;
  card?: Card;
  client_ip: string | null;
  created: number;
  livemode: false;
  type: TokenType;
  used: boolean;
}

/** Server-only state of a card (token or source): which test card it is. */
export interface CardState {
  /** `TestCard.key`. */
  card: string;
}

/** Server-only state of a bank account: what the test account number does when debited. */
export interface BankAccountState {
  /** Failed microdeposit verifications so far (Stripe allows a few before refusing). */
  verifyAttempts?: number;
}

export type SourceObject = Card | BankAccount;

/** The legacy API spells brands for people ("Visa", "American Express"), unlike PaymentMethods. */
const LEGACY_BRAND: Record<CardBrand, string> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'Eftpos Australia',
  interac: 'Interac',
  jcb: 'JCB',
  link: 'Link',
  mastercard: 'MasterCard',
  unionpay: 'UnionPay',
  visa: 'Visa',
  unknown: 'Unknown',
};

/** The PaymentMethod spelling of a legacy brand (for `payment_method_details.card`). */
export function brandCode(legacy: string): CardBrand {
  const found = (Object.entries(LEGACY_BRAND) as [CardBrand, string][]).find(([, name]) => name === legacy);
  return found ? found[0] : 'unknown';
}

export interface CardAddress {
  address_city?: string | null;
  address_country?: string | null;
  address_line1?: string | null;
  address_line2?: string | null;
  address_state?: string | null;
  address_zip?: string | null;
}

export interface NewCardInput {
  id: string;
  card: TestCard;
  last4: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  cvcProvided: boolean;
  name?: string | null;
  address?: CardAddress;
}

/**
 * A Card object. A check is null when its value was not given, and otherwise `pass` unless the
 * card is one of the documented failing-check cards (the same rule PaymentMethods follow).
 */
export function newCard(input: NewCardInput): Card {
  const { card } = input;
  const checks = card.behaviour.checks ?? {};
  const a = input.address ?? {};
  return {
    id: input.id,
    object: 'card',
    address_city: a.address_city ?? null,
    address_country: a.address_country ?? null,
    address_line1: a.address_line1 ?? null,
    address_line1_check: a.address_line1 ? (checks.address_line1_check ?? 'pass') : null,
    address_line2: a.address_line2 ?? null,
    address_state: a.address_state ?? null,
    address_zip: a.address_zip ?? null,
    address_zip_check: a.address_zip ? (checks.address_postal_code_check ?? 'pass') : null,
    allow_redisplay: 'unspecified',
    brand: LEGACY_BRAND[card.brand],
    country: card.country,
    customer: null,
    cvc_check: input.cvcProvided ? (checks.cvc_check ?? 'pass') : null,
    dynamic_last4: null,
    exp_month: input.exp_month,
    exp_year: input.exp_year,
    fingerprint: input.fingerprint,
    funding: card.funding,
    last4: input.last4,
    metadata: {},
    name: input.name ?? null,
    networks: { preferred: null },
    regulated_status: 'unregulated',
    tokenization_method: null,
  };
}

// A source's `customer` expands to the customer, whichever kind the source is.
for (const type of [SOURCE, 'card', 'bank_account']) {
  registerExpandable(type, 'customer', { kind: 'reference', to: 'customer' });
}
