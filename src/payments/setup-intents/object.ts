/**
 * The SetupIntent object, its state machine, and the private state kept beside it. A SetupIntent
 * saves a card for later payments: confirming it runs the issuer's setup check (3-D Secure when the
 * card asks for it) and, on success, attaches the card to the intent's customer.
 */
import { registerExpandable } from '../../platform/expand.js';
import type { PaymentMethod } from '../payment-methods/object.js';

export const SETUP_INTENT = 'setup_intent';

export type SetupIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

/**
 * Every legal status change. Confirming moves an intent to `succeeded`, `requires_action` (3-D
 * Secure) or back to `requires_payment_method` (declined); attaching a payment method by update
 * moves it to `requires_confirmation`; `succeeded` and `canceled` are final.
 */
export const SETUP_INTENT_TRANSITIONS = {
  requires_payment_method: [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'succeeded',
    'canceled',
  ],
  requires_confirmation: [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'succeeded',
    'canceled',
  ],
  requires_action: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'succeeded', 'canceled'],
  processing: ['requires_payment_method', 'succeeded'],
  succeeded: [],
  canceled: [],
} as const satisfies Record<SetupIntentStatus, readonly SetupIntentStatus[]>;

export type CancellationReason = 'abandoned' | 'duplicate' | 'requested_by_customer';
export type RequestThreeDSecure = 'any' | 'automatic' | 'challenge';

/** `last_setup_error`: Stripe's error object, kept on the intent after a failed attempt. */
export interface SetupError {
  code: string;
  decline_code?: string;
  doc_url: string;
  message: string;
  payment_method?: PaymentMethod;
  type: 'card_error' | 'invalid_request_error';
}

export type NextAction =
  | { type: 'redirect_to_url'; redirect_to_url: { return_url: string; url: string } }
  | {
      type: 'use_stripe_sdk';
      use_stripe_sdk: { source: string; stripe_js: string; type: 'three_d_secure_redirect' };
    };

export interface SetupIntent {
  id: string;
  object: 'setup_intent';
  allowed_payment_method_types: string[] | null;
  application: null;
  automatic_payment_methods: { allow_redirects: 'always' | 'never'; enabled: true } | null;
  cancellation_reason: CancellationReason | null;
  client_secret: string;
  created: number;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  flow_directions: ('inbound' | 'outbound')[] | null;
  last_setup_error: SetupError | null;
  latest_attempt: string | null;
  livemode: false;
  mandate: null;
  metadata: Record<string, string>;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: {
    card: { mandate_options: null; network: string | null; request_three_d_secure: RequestThreeDSecure };
  };
  payment_method_types: string[];
  single_use_mandate: null;
  status: SetupIntentStatus;
  usage: 'off_session' | 'on_session';
}

/** Server-only state: where the cardholder returns after authenticating. */
export interface SetupIntentState {
  /** The `return_url` of the latest confirmation (the object itself does not show it). */
  returnUrl?: string | null;
}

export const setupIntentFields = (si: SetupIntent) => ({ customer: si.customer, payment_method: si.payment_method });

/**
 * What a publishable key (with the client secret) may see: the fields Stripe's reference marks
 * "retrievable with publishable key" (Stripe.js's SetupIntent type has exactly these).
 */
export const PUBLISHABLE_FIELDS = [
  'id',
  'object',
  'cancellation_reason',
  'client_secret',
  'created',
  'description',
  'last_setup_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_types',
  'status',
  'usage',
] as const;

registerExpandable(SETUP_INTENT, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(SETUP_INTENT, 'payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(SETUP_INTENT, 'latest_attempt', { kind: 'reference', to: 'setup_attempt' });
registerExpandable(SETUP_INTENT, 'mandate', { kind: 'reference' });
registerExpandable(SETUP_INTENT, 'single_use_mandate', { kind: 'reference' });
registerExpandable(SETUP_INTENT, 'application', { kind: 'reference' });
registerExpandable(SETUP_INTENT, 'on_behalf_of', { kind: 'reference' });
