/** Parameters of the PaymentIntent endpoints, as the current `stripe` package's types declare them. */
import { addressParam } from '../../customers/params.js';
import { expandParam, listParams, searchParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';
import { verifyMicrodepositsShape } from '../microdeposits.js';
import { paymentMethodDataShape } from '../payment-methods/params.js';
import { amountDetailsParam } from './amount-details.js';

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const SETUP_FUTURE_USAGE = ['off_session', 'on_session'] as const;

const shippingParam = p.hash({
  address: p.hash(addressParam.shape ?? {}, { required: true }),
  carrier: p.string(),
  name: p.string({ required: true }),
  phone: p.string(),
  tracking_number: p.string(),
});

const paymentMethodOptionsParam = p.hash({
  card: p.hash({
    capture_method: p.enum(['manual']),
    cvc_token: p.string(),
    installments: p.opaque(),
    mandate_options: p.opaque(),
    network: p.string(),
    request_extended_authorization: p.enum(['if_available', 'never']),
    request_incremental_authorization: p.enum(['if_available', 'never']),
    request_multicapture: p.enum(['if_available', 'never']),
    request_overcapture: p.enum(['if_available', 'never']),
    request_three_d_secure: p.enum(['any', 'automatic', 'challenge']),
    require_cvc_recollection: p.boolean(),
    setup_future_usage: p.enum(['none', 'off_session', 'on_session']),
    statement_descriptor_suffix_kana: p.string(),
    statement_descriptor_suffix_kanji: p.string(),
    three_d_secure: p.opaque(),
  }),
});

/** What a confirmation may carry (also accepted on create with `confirm=true`). */
const confirmShape = {
  error_on_requires_action: p.boolean(),
  mandate: p.string(),
  mandate_data: p.opaque(),
  off_session: p.opaque(),
  payment_method: p.string(),
  payment_method_data: p.hash(paymentMethodDataShape),
  payment_method_options: paymentMethodOptionsParam,
  radar_options: p.opaque(),
  receipt_email: p.string(),
  return_url: p.string(),
  setup_future_usage: p.enum(SETUP_FUTURE_USAGE),
  shipping: shippingParam,
  // Gone from the SDK's types, still accepted by Stripe (a token or a customer's card): older
  // integrations migrating from Charges send it.
  source: p.string(),
  use_stripe_sdk: p.boolean(),
  confirmation_token: p.string(),
  capture_method: p.enum(CAPTURE_METHODS),
  amount_details: amountDetailsParam,
  hooks: p.opaque(),
  payment_details: p.opaque(),
  excluded_payment_method_types: p.array(p.string()),
  allowed_payment_method_types: p.array(p.string()),
  expand: expandParam,
};

export const createPaymentIntentParams = params({
  ...confirmShape,
  amount: p.integer({ required: true }),
  currency: p.string({ required: true }),
  application_fee_amount: p.integer(),
  automatic_payment_methods: p.hash({
    allow_redirects: p.enum(['always', 'never']),
    enabled: p.boolean({ required: true }),
  }),
  confirm: p.boolean(),
  confirmation_method: p.enum(['automatic', 'manual']),
  customer: p.string(),
  customer_account: p.string(),
  description: p.string({ maxLength: 1000 }),
  metadata: p.stringMap(),
  on_behalf_of: p.string(),
  payment_method_configuration: p.string(),
  payment_method_types: p.array(p.string()),
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  transfer_data: p.opaque(),
  transfer_group: p.string(),
});

export const updatePaymentIntentParams = params({
  allowed_payment_method_types: p.array(p.string()),
  amount: p.integer(),
  amount_details: amountDetailsParam,
  application_fee_amount: p.integer(),
  capture_method: p.enum(CAPTURE_METHODS),
  currency: p.string(),
  customer: p.string(),
  customer_account: p.string(),
  description: p.string({ maxLength: 1000 }),
  excluded_payment_method_types: p.array(p.string()),
  expand: expandParam,
  hooks: p.opaque(),
  metadata: p.stringMap(),
  payment_details: p.opaque(),
  payment_method: p.string(),
  payment_method_configuration: p.string(),
  payment_method_data: p.hash(paymentMethodDataShape),
  payment_method_options: paymentMethodOptionsParam,
  payment_method_types: p.array(p.string()),
  receipt_email: p.string(),
  setup_future_usage: p.enum(SETUP_FUTURE_USAGE),
  shipping: shippingParam,
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  transfer_data: p.opaque(),
  transfer_group: p.string(),
});

export const confirmPaymentIntentParams = params({
  ...confirmShape,
  amount_to_confirm: p.integer(),
  /** Sent by Stripe.js with a publishable key. */
  client_secret: p.string(),
});

export const capturePaymentIntentParams = params({
  amount_details: amountDetailsParam,
  amount_to_capture: p.integer({ min: 1 }),
  application_fee_amount: p.integer(),
  expand: expandParam,
  final_capture: p.boolean(),
  hooks: p.opaque(),
  metadata: p.stringMap(),
  payment_details: p.opaque(),
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  transfer_data: p.opaque(),
});

export const cancelPaymentIntentParams = params({
  cancellation_reason: p.enum(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer']),
  expand: expandParam,
});

export const incrementAuthorizationParams = params({
  amount: p.integer({ required: true }),
  amount_details: amountDetailsParam,
  application_fee_amount: p.integer(),
  description: p.string(),
  expand: expandParam,
  hooks: p.opaque(),
  metadata: p.stringMap(),
  payment_details: p.opaque(),
  statement_descriptor: p.string(),
  transfer_data: p.opaque(),
});

export const retrievePaymentIntentParams = params({ client_secret: p.string(), expand: expandParam });

export const listPaymentIntentsParams = params({
  ...listParams,
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
});

export const searchPaymentIntentsParams = params(searchParams);

/** `POST /v1/payment_intents/:id/apply_customer_balance` (`PaymentIntentApplyCustomerBalanceParams`). */
export const applyCustomerBalanceParams = params({
  amount: p.integer({ min: 1 }),
  currency: p.string(),
  expand: expandParam,
});

/** `POST /v1/payment_intents/:id/verify_microdeposits` (`PaymentIntentVerifyMicrodepositsParams`). */
export const verifyPaymentIntentMicrodepositsParams = params(verifyMicrodepositsShape);
