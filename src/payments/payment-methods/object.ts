/** The PaymentMethod object (cards only, for now) and its private state. */

import type { PaymentMethodCard } from '../../cards/details.js';
import type { Address } from '../../customers/object.js';
import { registerExpandable } from '../../platform/expand.js';

export const PAYMENT_METHOD = 'payment_method';
/** How Stripe names PaymentMethods in "No such …" messages. */
export const PAYMENT_METHOD_LABEL = 'PaymentMethod';

export interface BillingDetails {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
}

export interface PaymentMethod {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'always' | 'limited' | 'unspecified';
  billing_details: BillingDetails;
  card: PaymentMethodCard;
  created: number;
  customer: string | null;
  customer_account: string | null;
  livemode: false;
  metadata: Record<string, string>;
  type: 'card';
}

/** Server-only state: which test card this is (never its number) and whether it may be used again. */
export interface PaymentMethodState {
  /** `TestCard.key` of the card. */
  card: string;
  /** Used for a payment without being attached to a customer, or detached: unusable from now on. */
  consumed?: boolean;
  /** Authenticated for off-session use (a SetupIntent or `setup_future_usage=off_session` succeeded). */
  setUpForOffSession?: boolean;
}

/** Indexed fields: the list filters `customer`, `type` and `allow_redisplay`. */
export const paymentMethodFields = (pm: PaymentMethod) => ({
  customer: pm.customer,
  type: pm.type,
  allow_redisplay: pm.allow_redisplay,
});

registerExpandable(PAYMENT_METHOD, 'customer', { kind: 'reference', to: 'customer' });
