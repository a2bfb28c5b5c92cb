/**
 * `POST /v1/setup_intents/:id/verify_microdeposits`. Sandbank's SetupIntents are card-only today,
 * so none is ever waiting for microdeposits and the call is refused with Stripe's
 * `setup_intent_unexpected_state`; the bank-debit payment methods plug the real verification in
 * below the state check (PLUG-IN), and nothing here pretends to succeed meanwhile.
 */
import { StripeError } from '../../platform/errors.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { params } from '../../platform/params.js';
import { awaitingMicrodeposits, checkVerificationInput, verifyMicrodepositsShape } from '../microdeposits.js';
import { SETUP_INTENT, type SetupIntent } from './object.js';
import { checkClientSecret, present } from './service.js';

/** `SetupIntentVerifyMicrodepositsParams`. */
export const verifySetupIntentMicrodepositsParams = params(verifyMicrodepositsShape);

export const SETUP_NOT_AWAITING_MICRODEPOSITS =
  'This SetupIntent is not awaiting microdeposit verification: it must have a status of `requires_action` and a `next_action` of type `verify_with_microdeposits`.';

export async function verifySetupIntentMicrodeposits(
  ctx: MutationContext,
  id: string,
  input: { amounts?: number[] | null; client_secret?: string | null; descriptor_code?: string | null },
): Promise<SetupIntent> {
  const { object: si } = await loadObject<SetupIntent>(ctx.tx, ctx.account.id, id, SETUP_INTENT, { forUpdate: true });
  checkClientSecret(ctx, si, input.client_secret);
  checkVerificationInput(input);
  if (!awaitingMicrodeposits(si)) {
    throw new StripeError({
      kind: 'bad_request',
      type: 'invalid_request_error',
      code: 'setup_intent_unexpected_state',
      message: SETUP_NOT_AWAITING_MICRODEPOSITS,
      extra: { setup_intent: present(ctx, si) },
    });
  }
  // PLUG-IN: the us_bank_account / acss_debit payment methods compare the amounts or descriptor
  // code with the deposits they sent here, then succeed the intent and attach its payment method.
  throw new Error('verify_microdeposits: no Sandbank flow puts a SetupIntent into this state yet');
}
