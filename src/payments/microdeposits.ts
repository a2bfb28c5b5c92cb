/**
 * Microdeposit verification, shared by PaymentIntents and SetupIntents: the request schema (from
 * the SDK's `…VerifyMicrodepositsParams`) and the one state question both intents ask before
 * verifying — is this intent waiting for microdeposits?
 *
 * Sandbank's intents are card-only today, so no intent ever has a `verify_with_microdeposits`
 * next action and every call is refused with Stripe's unexpected-state error. The bank-debit
 * payment methods (us_bank_account, acss_debit) will put intents into that state and plug the
 * amount/descriptor check in where `verifyIntentMicrodeposits` callers say so.
 */
import { invalidRequest } from '../platform/errors.js';
import { expandParam } from '../platform/list.js';
import { p } from '../platform/params.js';

/** `amounts` are the two deposits in cents; `descriptor_code` the six-character `SM…` code. */
export const verifyMicrodepositsShape = {
  amounts: p.array(p.integer({ min: 1 }), { maxItems: 2 }),
  client_secret: p.string(),
  descriptor_code: p.string(),
  expand: expandParam,
};

/** The only state in which Stripe verifies microdeposits: `requires_action` awaiting them. */
export function awaitingMicrodeposits(intent: { status: string; next_action: { type: string } | null }): boolean {
  return intent.status === 'requires_action' && intent.next_action?.type === 'verify_with_microdeposits';
}

/** Stripe wants either both deposit amounts or the descriptor code. */
export function checkVerificationInput(input: { amounts?: number[] | null; descriptor_code?: string | null }): void {
  const hasAmounts = input.amounts != null;
  const hasCode = input.descriptor_code != null;
  if (hasAmounts === hasCode) {
    throw invalidRequest('You must provide either `amounts` or `descriptor_code`, but not both.');
  }
  if (hasAmounts && input.amounts?.length !== 2) {
    throw invalidRequest('`amounts` must contain exactly two positive integers.', { param: 'amounts' });
  }
}
