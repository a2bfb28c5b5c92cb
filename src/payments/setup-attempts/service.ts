/**
 * SetupAttempts are written by the SetupIntent service: one per confirmation, recording the card,
 * the 3-D Secure result and the error, and settled later when authentication finishes or the
 * intent moves on without it.
 */
import { chargeCardDetails, type PaymentMethodCard, type ThreeDSecureInput } from '../../cards/details.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { PaymentMethod } from '../payment-methods/object.js';
import type { SetupError, SetupIntent } from '../setup-intents/object.js';
import {
  SETUP_ATTEMPT,
  type SetupAttempt,
  type SetupAttemptCard,
  type SetupAttemptStatus,
  setupAttemptFields,
} from './object.js';

function attemptCard(card: PaymentMethodCard, threeDSecure: ThreeDSecureInput | null): SetupAttemptCard {
  // The same 3-D Secure block (and electronic commerce indicator) a charge on this card would carry.
  const tds = chargeCardDetails({
    pmCard: card,
    amount: 0,
    authorized: true,
    manualCapture: false,
    captureBefore: 0,
    threeDSecure,
  }).three_d_secure;
  return {
    brand: card.brand,
    checks: card.checks,
    country: card.country,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    fingerprint: card.fingerprint,
    funding: card.funding,
    last4: card.last4,
    network: card.brand,
    three_d_secure: tds && {
      authentication_flow: tds.authentication_flow,
      electronic_commerce_indicator: tds.electronic_commerce_indicator,
      result: tds.result,
      result_reason: tds.result_reason,
      transaction_id: tds.transaction_id,
      version: tds.version,
    },
    wallet: null,
  };
}

export interface AttemptResult {
  status: SetupAttemptStatus;
  threeDSecure: ThreeDSecureInput | null;
  error: SetupError | null;
}

/** Records the attempt a confirmation of `si` with `pm` made. */
export async function recordAttempt(
  ctx: MutationContext,
  si: SetupIntent,
  pm: PaymentMethod,
  result: AttemptResult,
): Promise<SetupAttempt> {
  const attempt = sortFields<SetupAttempt>({
    id: newId('setatt', 24),
    object: 'setup_attempt',
    application: null,
    created: ctx.clock.now(),
    customer: si.customer,
    customer_account: null,
    flow_directions: si.flow_directions,
    livemode: false,
    on_behalf_of: null,
    payment_method: pm.id,
    payment_method_details: { card: attemptCard(pm.card, result.threeDSecure), type: 'card' },
    setup_error: result.error,
    setup_intent: si.id,
    status: result.status,
    usage: si.usage,
  });
  await saveObject(ctx.tx, ctx.account.id, SETUP_ATTEMPT, attempt, { fields: setupAttemptFields(attempt) });
  return attempt;
}

/**
 * Settles an attempt that was waiting for authentication: its final status, and the 3-D Secure
 * result when authentication happened. Attempts already settled are left alone.
 */
export async function settleAttempt(
  ctx: MutationContext,
  id: string | null,
  pmCard: PaymentMethodCard | null,
  result: AttemptResult,
): Promise<void> {
  if (id === null) return;
  const { object: attempt } = await loadObject<SetupAttempt>(ctx.tx, ctx.account.id, id, SETUP_ATTEMPT, {
    forUpdate: true,
  });
  if (attempt.status !== 'requires_action') return;
  attempt.status = result.status;
  attempt.setup_error = result.error;
  if (pmCard && result.threeDSecure) attempt.payment_method_details.card = attemptCard(pmCard, result.threeDSecure);
  await saveObject(ctx.tx, ctx.account.id, SETUP_ATTEMPT, attempt, {
    update: true,
    fields: setupAttemptFields(attempt),
  });
}
