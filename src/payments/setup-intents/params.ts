/**
 * Parameters of the SetupIntent and SetupAttempt endpoints, as the current `stripe` package's types
 * declare them (card payment methods only), plus `client_secret`, which Stripe.js sends to confirm,
 * and `payment_method_types`, which API versions before 2026-09-30 accept.
 */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { paymentMethodDataShape } from '../payment-methods/params.js';

const USAGE = ['off_session', 'on_session'] as const;
const FLOW_DIRECTIONS = ['inbound', 'outbound'] as const;
export const CANCELLATION_REASONS = ['abandoned', 'duplicate', 'requested_by_customer'] as const;
const REQUEST_THREE_D_SECURE = ['any', 'automatic', 'challenge'] as const;

const paymentMethodOptionsParam = p.hash({
  card: p.hash({
    moto: p.boolean(),
    network: p.string(),
    request_three_d_secure: p.enum(REQUEST_THREE_D_SECURE),
  }),
});

/** Accepted as Stripe.js and the SDKs send it; Sandbank keeps no mandates for cards. */
const mandateDataParam = p.hash({
  customer_acceptance: p.hash(
    {
      accepted_at: p.timestamp(),
      offline: p.hash({}),
      online: p.hash({ ip_address: p.string(), user_agent: p.string() }),
      type: p.enum(['offline', 'online'] as const, { required: true }),
    },
    { required: true },
  ),
});

const paymentMethodDataParam = p.hash(paymentMethodDataShape);
const paymentMethodTypesParam = p.array(p.string());
const flowDirectionsParam = p.array(p.enum(FLOW_DIRECTIONS));

export const createSetupIntentParams = params({
  allowed_payment_method_types: paymentMethodTypesParam,
  automatic_payment_methods: p.hash({
    allow_redirects: p.enum(['always', 'never'] as const),
    enabled: p.boolean({ required: true }),
  }),
  confirm: p.boolean(),
  customer: p.string(),
  description: p.string(),
  excluded_payment_method_types: paymentMethodTypesParam,
  expand: expandParam,
  flow_directions: flowDirectionsParam,
  mandate_data: mandateDataParam,
  metadata: p.stringMap(),
  payment_method: p.string(),
  payment_method_data: paymentMethodDataParam,
  payment_method_options: paymentMethodOptionsParam,
  payment_method_types: paymentMethodTypesParam,
  return_url: p.string(),
  single_use: p.hash({ amount: p.integer({ required: true }), currency: p.string({ required: true }) }),
  usage: p.enum(USAGE),
  use_stripe_sdk: p.boolean(),
});

export const retrieveSetupIntentParams = params({ client_secret: p.string(), expand: expandParam });

export const updateSetupIntentParams = params({
  allowed_payment_method_types: paymentMethodTypesParam,
  customer: p.string(),
  description: p.string(),
  excluded_payment_method_types: paymentMethodTypesParam,
  expand: expandParam,
  flow_directions: flowDirectionsParam,
  metadata: p.stringMap(),
  payment_method: p.string(),
  payment_method_data: paymentMethodDataParam,
  payment_method_options: paymentMethodOptionsParam,
  payment_method_types: paymentMethodTypesParam,
});

export const confirmSetupIntentParams = params({
  allowed_payment_method_types: paymentMethodTypesParam,
  client_secret: p.string(),
  expand: expandParam,
  mandate_data: mandateDataParam,
  payment_method: p.string(),
  payment_method_data: paymentMethodDataParam,
  payment_method_options: paymentMethodOptionsParam,
  return_url: p.string(),
  use_stripe_sdk: p.boolean(),
});

export const cancelSetupIntentParams = params({
  cancellation_reason: p.enum(CANCELLATION_REASONS),
  expand: expandParam,
});

export const listSetupIntentsParams = params({
  ...listParams,
  created: p.range(),
  customer: p.string(),
  payment_method: p.string(),
});

export const listSetupAttemptsParams = params({
  ...listParams,
  created: p.range(),
  setup_intent: p.string({ required: true }),
});

export type CreateSetupIntentInput = ReturnType<typeof createSetupIntentParams.parse>;
export type UpdateSetupIntentInput = ReturnType<typeof updateSetupIntentParams.parse>;
export type ConfirmSetupIntentInput = ReturnType<typeof confirmSetupIntentParams.parse>;
export type CancelSetupIntentInput = ReturnType<typeof cancelSetupIntentParams.parse>;
