/**
 * PaymentIntent actions that only act on non-card intents: applying a customer's cash balance to a
 * `customer_balance` intent, and verifying the microdeposits of a bank-debit intent.
 *
 * Sandbank's intents are card-only today, so neither state can be reached and both actions answer
 * Stripe's `payment_intent_unexpected_state`. The checks are the ones Stripe applies; the
 * non-card payment-method work plugs the real flows in below them (marked PLUG-IN), and nothing
 * here pretends to succeed meanwhile.
 */
import { invalidRequest, StripeError } from '../../platform/errors.js';
import type { MutationContext } from '../../platform/operation.js';
import { awaitingMicrodeposits, checkVerificationInput } from '../microdeposits.js';
import { type PaymentIntent, publishableView, unexpectedState } from './object.js';
import { loadIntent } from './service.js';

export const NOT_CUSTOMER_BALANCE =
  'You can only apply a customer balance to a PaymentIntent with a `payment_method` of type `customer_balance`.';
export const NOT_AWAITING_MICRODEPOSITS =
  'This PaymentIntent is not awaiting microdeposit verification: it must have a status of `requires_action` and a `next_action` of type `verify_with_microdeposits`.';

/** A state the checks above rule out until a non-card flow can produce it (a 500 if ever reached). */
function unreachableUntilNonCardFlows(action: string): Error {
  return new Error(`${action}: no Sandbank flow puts a PaymentIntent into this state yet`);
}

/**
 * `apply_customer_balance`: Stripe applies the customer's cash balance (up to `amount`, in the
 * intent's currency) to an intent funded by bank transfer, i.e. one whose payment method is
 * `customer_balance` and which is waiting for funds (`requires_action`).
 */
export async function applyCustomerBalance(
  ctx: MutationContext,
  id: string,
  input: { amount?: number | null; currency?: string | null },
): Promise<PaymentIntent> {
  const { object: pi } = await loadIntent(ctx, id);
  if (!pi.payment_method_types.includes('customer_balance')) throw unexpectedState(pi, NOT_CUSTOMER_BALANCE);
  if (input.currency != null && input.currency.toLowerCase() !== pi.currency) {
    throw invalidRequest(`The currency must match the PaymentIntent's currency (${pi.currency}).`, {
      param: 'currency',
    });
  }
  if (input.amount != null && input.amount > pi.amount) {
    throw invalidRequest('The amount to apply cannot be greater than the amount of the PaymentIntent.', {
      param: 'amount',
    });
  }
  // PLUG-IN: the customer_balance payment method moves min(amount, cash balance) from the
  // customer's cash balance to this intent here (partially funding or succeeding it).
  throw unreachableUntilNonCardFlows('apply_customer_balance');
}

/**
 * `verify_microdeposits`: checks the two amounts or the descriptor code a bank-debit intent's
 * microdeposits carried. Exactly one of `amounts` (two integers) or `descriptor_code` is required.
 */
export async function verifyPaymentIntentMicrodeposits(
  ctx: MutationContext,
  id: string,
  input: { amounts?: number[] | null; descriptor_code?: string | null },
  caller: { publishable: boolean },
): Promise<PaymentIntent> {
  const { object: pi } = await loadIntent(ctx, id);
  checkVerificationInput(input);
  if (!awaitingMicrodeposits(pi)) {
    // Stripe.js calls this with a publishable key: the intent in the error is its redacted view.
    throw new StripeError({
      kind: 'bad_request',
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: NOT_AWAITING_MICRODEPOSITS,
      extra: { payment_intent: caller.publishable ? publishableView(pi) : pi },
    });
  }
  // PLUG-IN: the us_bank_account / acss_debit payment methods compare the amounts or descriptor
  // code with the deposits they sent here, then move the intent to `processing`.
  throw unreachableUntilNonCardFlows('verify_microdeposits');
}
