/**
 * Version changes on the request side: defaults that changed meaning with a version. Routes read
 * them from the request's resolved version (`ctx.version`) and hand them to the services, which
 * stay version-free.
 */
import { isBefore } from '../platform/versions.js';

/** What a PaymentIntent or SetupIntent created without saying otherwise gets. */
export interface IntentDefaults {
  /**
   * Without `payment_method_types`: dynamic payment methods (`automatic_payment_methods[enabled]`)
   * from 2023-08-16 (https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods);
   * before, cards only (`payment_method_types: ["card"]`, no `automatic_payment_methods`).
   */
  automaticPaymentMethods: boolean;
  /**
   * `capture_method` when none is given: `automatic_async` from 2024-04-10
   * (https://docs.stripe.com/changelog/2024-04-10/automatic-sync-default-paymentintents), `automatic` before.
   */
  captureMethod: 'automatic' | 'automatic_async';
}

export const AUTOMATIC_PAYMENT_METHODS_BY_DEFAULT = '2023-08-16';
export const ASYNC_CAPTURE_BY_DEFAULT = '2024-04-10';

/** The defaults of intents created by a request made with `version`. */
export function intentDefaults(version: string): IntentDefaults {
  return {
    automaticPaymentMethods: !isBefore(version, AUTOMATIC_PAYMENT_METHODS_BY_DEFAULT),
    captureMethod: isBefore(version, ASYNC_CAPTURE_BY_DEFAULT) ? 'automatic' : 'automatic_async',
  };
}

/** The newest version's defaults, for intents created without a request (and by default). */
export const LATEST_INTENT_DEFAULTS: IntentDefaults = {
  automaticPaymentMethods: true,
  captureMethod: 'automatic_async',
};
