/** Parameters of the PaymentMethod endpoints, as the current `stripe` package's types declare them. */
import { addressParam } from '../../customers/params.js';
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

const ALLOW_REDISPLAY = ['always', 'limited', 'unspecified'] as const;

export const billingDetailsParam = p.hash({
  address: addressParam,
  email: p.string(),
  name: p.string(),
  phone: p.string(),
  tax_id: p.string(),
});

/** `card[...]`: raw details (test mode only, as Sandbank is) or a test token such as `tok_visa`. */
export const cardParam = p.hash({
  cvc: p.string(),
  exp_month: p.integer(),
  exp_year: p.integer(),
  networks: p.hash({ preferred: p.string() }),
  number: p.string(),
  token: p.string(),
});

/** The fields of `payment_method_data` (on intents) that create uses too. */
export const paymentMethodDataShape = {
  allow_redisplay: p.enum(ALLOW_REDISPLAY),
  billing_details: billingDetailsParam,
  card: cardParam,
  metadata: p.stringMap(),
  type: p.string({ required: true }),
};

export const createPaymentMethodParams = params({
  ...paymentMethodDataShape,
  type: p.string(),
  customer: p.string(),
  expand: expandParam,
  payment_method: p.string(),
});

export const updatePaymentMethodParams = params({
  allow_redisplay: p.enum(ALLOW_REDISPLAY),
  billing_details: billingDetailsParam,
  card: p.hash({ exp_month: p.integer(), exp_year: p.integer(), networks: p.hash({ preferred: p.string() }) }),
  expand: expandParam,
  metadata: p.stringMap(),
});

export const retrievePaymentMethodParams = params({ expand: expandParam });

export const listPaymentMethodsParams = params({
  ...listParams,
  allow_redisplay: p.enum(ALLOW_REDISPLAY),
  customer: p.string(),
  customer_account: p.string(),
  type: p.string(),
});

export const listCustomerPaymentMethodsParams = params({
  ...listParams,
  allow_redisplay: p.enum(ALLOW_REDISPLAY),
  type: p.string(),
});

export const attachPaymentMethodParams = params({
  customer: p.string(),
  customer_account: p.string(),
  expand: expandParam,
});

export const detachPaymentMethodParams = params({ expand: expandParam });
