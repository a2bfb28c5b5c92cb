/**
 * The legacy `Source` object (`src_…`), card sources only: the shape of the current `stripe`
 * package's `Source` with its `card` sub-object. A card source is chargeable as soon as it exists
 * (`flow: none`) and reusable; it is stored with customers' cards and bank accounts (type `source`)
 * so a customer it is attached to lists it among its sources. Like every card here, it keeps brand,
 * last4, expiry and a keyed fingerprint, never the number; the test card's key is server-only state.
 */
import { cardByKey } from '../cards/network.js';
import type { Metadata } from '../platform/metadata.js';
import type { Card } from '../tokens/object.js';

export interface SourceAddress {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface SourceOwner {
  address: SourceAddress | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  verified_address: SourceAddress | null;
  verified_email: string | null;
  verified_name: string | null;
  verified_phone: string | null;
}

/** `Source.card`: the card's details as the Sources API shows them. */
export interface SourceCard {
  address_line1_check: string | null;
  address_zip_check: string | null;
  brand: string;
  country: string | null;
  cvc_check: string | null;
  dynamic_last4: string | null;
  exp_month: number;
  exp_year: number;
  fingerprint: string | null;
  funding: string;
  last4: string;
  name: string | null;
  three_d_secure: 'not_supported' | 'optional' | 'required';
  tokenization_method: string | null;
}

/** Card sources are chargeable until charged unattached or detached (then `consumed`). */
export type SourceStatus = 'canceled' | 'chargeable' | 'consumed' | 'failed' | 'pending';

export interface Source {
  id: string;
  object: 'source';
  allow_redisplay: 'always' | 'limited' | 'unspecified' | null;
  amount: number | null;
  card: SourceCard;
  client_secret: string;
  created: number;
  currency: string | null;
  /** Present only once attached (the SDK declares it optional, not nullable); kept after detaching. */
  customer?: string;
  flow: 'none';
  livemode: false;
  metadata: Metadata;
  owner: SourceOwner;
  statement_descriptor: string | null;
  status: SourceStatus;
  type: 'card';
  usage: 'reusable' | 'single_use';
}

/**
 * Whether the card supports 3-D Secure, as `Source.card.three_d_secure` says it: `required` for
 * cards that insist on it, `not_supported` for those without it, `optional` otherwise.
 */
export function threeDSecureSupport(cardKey: string): SourceCard['three_d_secure'] {
  const behaviour = cardByKey(cardKey)?.behaviour.threeDSecure;
  if (behaviour === 'not_supported') return 'not_supported';
  if (behaviour?.startsWith('required')) return 'required';
  return 'optional';
}

export function sourceCard(card: Card, cardKey: string): SourceCard {
  return {
    address_line1_check: card.address_line1_check,
    address_zip_check: card.address_zip_check,
    brand: card.brand,
    country: card.country,
    cvc_check: card.cvc_check,
    dynamic_last4: card.dynamic_last4,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    fingerprint: card.fingerprint,
    funding: card.funding,
    last4: card.last4,
    name: card.name,
    three_d_secure: threeDSecureSupport(cardKey),
    tokenization_method: card.tokenization_method,
  };
}

/**
 * A card source seen as a legacy `Card` (its owner's name and address as the card's), so the
 * Charges API and PaymentIntents charge it through the same card paths as a customer's card.
 */
export function sourceAsCard(source: Source): Card {
  const address = source.owner.address;
  return {
    id: source.id,
    object: 'card',
    address_city: address?.city ?? null,
    address_country: address?.country ?? null,
    address_line1: address?.line1 ?? null,
    address_line1_check: source.card.address_line1_check,
    address_line2: address?.line2 ?? null,
    address_state: address?.state ?? null,
    address_zip: address?.postal_code ?? null,
    address_zip_check: source.card.address_zip_check,
    allow_redisplay: source.allow_redisplay,
    brand: source.card.brand,
    country: source.card.country,
    customer: source.customer ?? null,
    cvc_check: source.card.cvc_check,
    dynamic_last4: source.card.dynamic_last4,
    exp_month: source.card.exp_month,
    exp_year: source.card.exp_year,
    fingerprint: source.card.fingerprint,
    funding: source.card.funding,
    last4: source.card.last4,
    metadata: { ...source.metadata },
    name: source.owner.name,
    networks: { preferred: null },
    regulated_status: 'unregulated',
    tokenization_method: source.card.tokenization_method,
  };
}

/**
 * The indexed fields of a stored source: a consumed (detached) source keeps `customer` in its body,
 * as Stripe shows it, but no longer lists among the customer's sources.
 */
export function sourceObjectFields(source: Source): { customer: string | null; object: string } {
  return { customer: source.status === 'consumed' ? null : (source.customer ?? null), object: 'source' };
}
