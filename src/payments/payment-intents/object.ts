/**
 * The PaymentIntent object, its status machine as a transition table, and what may be searched
 * and expanded. Stripe's status rules live here, in one place; services call `transition`.
 */
import { StripeError } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import type { SearchableResource } from '../../platform/search.js';
import type { AmountDetails } from './amount-details.js';

export const PAYMENT_INTENT = 'payment_intent';

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

/** Every legal move (facts §3.3). Anything else is `payment_intent_unexpected_state`. */
export const TRANSITIONS = {
  requires_payment_method: [
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'requires_payment_method',
    'canceled',
  ],
  requires_confirmation: [
    'requires_payment_method',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  requires_action: [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  processing: ['requires_payment_method', 'requires_capture', 'succeeded', 'canceled'],
  requires_capture: ['succeeded', 'canceled'],
  succeeded: [],
  canceled: [],
} as const satisfies Record<PaymentIntentStatus, readonly PaymentIntentStatus[]>;

/** The statuses each action starts from, in the order Stripe's messages list them. */
export const ALLOWED_FROM = {
  confirm: ['requires_confirmation', 'requires_payment_method', 'requires_action'],
  cancel: ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'],
  capture: ['requires_capture'],
  update: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  increment_authorization: ['requires_capture'],
} as const satisfies Record<string, readonly PaymentIntentStatus[]>;

export interface LastPaymentError {
  charge?: string;
  code: string;
  decline_code?: string;
  doc_url: string;
  message: string;
  payment_method: object;
  type: 'card_error' | 'invalid_request_error';
}

export type NextAction =
  | { type: 'redirect_to_url'; redirect_to_url: { return_url: string; url: string } }
  | { type: 'use_stripe_sdk'; use_stripe_sdk: Record<string, unknown> };

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_details: AmountDetails;
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: { allow_redirects?: 'always' | 'never'; enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  client_secret: string;
  confirmation_method: 'automatic' | 'manual';
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: string[] | null;
  last_payment_error: LastPaymentError | null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Record<string, string>;
  next_action: NextAction | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: { id: string; parent: string | null } | null;
  payment_method_options: { card: CardOptions };
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  /** The Radar review of its charge (radar/reviews.ts). */
  review: string | null;
  setup_future_usage: 'off_session' | 'on_session' | null;
  shipping: unknown;
  /** The customer's legacy card the intent pays with (`source=card_…`, or the default source). */
  source: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: string | null;
}

export interface CardOptions {
  installments: null;
  mandate_options: null;
  network: string | null;
  request_extended_authorization?: 'if_available' | 'never';
  request_incremental_authorization?: 'if_available' | 'never';
  request_multicapture?: 'if_available' | 'never';
  request_overcapture?: 'if_available' | 'never';
  request_three_d_secure: 'any' | 'automatic' | 'challenge';
}

/** Server-only state of an attempt in progress. */
export interface PaymentIntentState {
  /** Where to send the customer after authentication (`return_url` of the confirmation). */
  returnUrl?: string | null;
  offSession?: boolean;
  /** The cardholder authenticated (3-D Secure) for the current payment method. */
  authenticated?: boolean;
  /** Captures made so far of a multicapture payment (Stripe allows at most 50). */
  captures?: number;
}

/** The fields a publishable key (Stripe.js, with the client secret) may see. */
export const PUBLISHABLE_FIELDS = [
  'id',
  'object',
  'amount',
  'amount_details',
  'automatic_payment_methods',
  'canceled_at',
  'cancellation_reason',
  'capture_method',
  'client_secret',
  'confirmation_method',
  'created',
  'currency',
  'description',
  'excluded_payment_method_types',
  'last_payment_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_configuration_details',
  'payment_method_types',
  'processing',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'source',
  'status',
] as const;

export function publishableView(pi: PaymentIntent): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const key of PUBLISHABLE_FIELDS) view[key] = pi[key];
  return view;
}

export function unexpectedState(pi: PaymentIntent, message: string, param?: string): StripeError {
  return new StripeError({
    kind: 'bad_request',
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message,
    ...(param ? { param } : {}),
    extra: { payment_intent: pi },
  });
}

/** Stripe's wording when an action is refused in the current status. */
export function refusedInStatus(pi: PaymentIntent, action: keyof typeof ALLOWED_FROM): StripeError {
  const allowed = ALLOWED_FROM[action].join(', ');
  switch (action) {
    case 'confirm':
      if (pi.status === 'succeeded') {
        return unexpectedState(
          pi,
          'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
        );
      }
      return unexpectedState(
        pi,
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${allowed}.`,
      );
    case 'cancel':
      return unexpectedState(
        pi,
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${allowed}.`,
      );
    case 'capture':
      return unexpectedState(
        pi,
        `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: ${allowed}.`,
      );
    case 'increment_authorization':
      return unexpectedState(
        pi,
        `This PaymentIntent's authorization could not be incremented because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be incremented: ${allowed}.`,
      );
    case 'update':
      return unexpectedState(pi, `This PaymentIntent could not be updated because it has a status of ${pi.status}.`);
  }
}

/** Stripe's per-field refusal to change a field once the payment is under way or done. */
export function lockedFieldError(pi: PaymentIntent, field: string): StripeError {
  return unexpectedState(
    pi,
    `This PaymentIntent's ${field} could not be updated because it has a status of ${pi.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${ALLOWED_FROM.update.join(', ')}.`,
    field,
  );
}

/** Refuses `action` unless the intent's status allows it. */
export function requireStatus(pi: PaymentIntent, action: keyof typeof ALLOWED_FROM): void {
  if (!(ALLOWED_FROM[action] as readonly string[]).includes(pi.status)) throw refusedInStatus(pi, action);
}

/** Moves the intent to `to`, or throws if the table has no such move (a bug, not a client error). */
export function transition(pi: PaymentIntent, to: PaymentIntentStatus): void {
  if (!(TRANSITIONS[pi.status] as readonly string[]).includes(to)) {
    throw new Error(`illegal PaymentIntent transition ${pi.status} → ${to}`);
  }
  pi.status = to;
}

export const paymentIntentFields = (pi: PaymentIntent) => ({ customer: pi.customer });

export const paymentIntentSearch: SearchableResource = {
  resource: 'payment_intents',
  metadata: true,
  fields: {
    amount: { kind: 'numeric', target: { json: ['amount'], numeric: true } },
    created: { kind: 'numeric', target: { column: 'created' } },
    currency: { kind: 'token', target: { json: ['currency'], numeric: false } },
    customer: { kind: 'token', target: { json: ['customer'], numeric: false } },
    status: { kind: 'token', target: { json: ['status'], numeric: false } },
  },
};

registerExpandable(PAYMENT_INTENT, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(PAYMENT_INTENT, 'latest_charge', { kind: 'reference', to: 'charge' });
registerExpandable(PAYMENT_INTENT, 'payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(PAYMENT_INTENT, 'source', { kind: 'reference' });
