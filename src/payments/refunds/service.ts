/**
 * Refunds: returning captured money to the card, in full or in parts, never more than was captured.
 * The charge's row lock serialises refunds of one charge, and the remaining amount is read only
 * after that lock is held, so concurrent refunds cannot over-refund.
 *
 * Most cards refund at once (`succeeded`). Two test cards behave asynchronously, a minute later on
 * the server clock: `pm_card_pendingRefund` starts `pending` and succeeds (`refund.settle` job);
 * `pm_card_refundFail` starts `succeeded` and fails (`refund.fail` job), which gives the money back
 * to the balance and to the charge's refundable amount.
 */
import { recordBalanceTransaction } from '../../balance/transactions.js';
import { cardByKey } from '../../cards/network.js';
import { emitEvent } from '../../events/outbox.js';
import { formatAmount } from '../../money/currencies.js';
import { invalidRequest, type StripeError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { type Loaded, loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { JobHandler } from '../../platform/scheduler.js';
import { scheduleJob } from '../../platform/scheduler.js';
import { updateEarlyFraudWarningsOf } from '../../radar/early-fraud-warnings.js';
import { closeReviewOf } from '../../radar/reviews.js';
import type { Job } from '../../store/store.js';
import type { Charge } from '../charges/object.js';
import { type LoadedCharge, loadCharge, saveCharge } from '../charges/service.js';
import { DISPUTE, type Dispute } from '../disputes/object.js';
import { PAYMENT_INTENT } from '../payment-intents/object.js';
import { REFUND, type Refund, refundFields, transitionRefund } from './object.js';
import type { createRefundParams, updateRefundParams } from './params.js';

type CreateInput = ReturnType<typeof createRefundParams.parse>;
type UpdateInput = ReturnType<typeof updateRefundParams.parse>;

export const SETTLE_REFUND_JOB = 'refund.settle';
export const FAIL_REFUND_JOB = 'refund.fail';

/** How long the test cards' asynchronous refunds take to settle or fail (seconds on the server clock). */
const ASYNC_REFUND_DELAY = 60;

/** What refunds read of a PaymentIntent (the PaymentIntents module owns the full shape). */
interface PaymentIntentView {
  id: string;
  status: string;
  latest_charge: string | null;
}

// ---- Stripe's refusals ----

function noSuccessfulCharge(charge: Charge | undefined, paymentIntent: string | null, param: string): StripeError {
  const message = paymentIntent
    ? `This PaymentIntent (${paymentIntent}) does not have a successful charge to refund.`
    : `Charge ${charge?.id} does not have a successful payment to refund.`;
  return invalidRequest(message, { param });
}

function cancelInstead(paymentIntent: string | null, param: string): StripeError {
  return invalidRequest(
    `This PaymentIntent${paymentIntent ? ` (${paymentIntent})` : ''} could not be refunded because it has a status of requires_capture. You can cancel it instead with the PaymentIntents API.`,
    { code: 'payment_intent_unexpected_state', param },
  );
}

function connectNotSupported(param: 'refund_application_fee' | 'reverse_transfer'): StripeError {
  const what = param === 'reverse_transfer' ? 'a transfer to reverse' : 'an application fee to refund';
  return invalidRequest(`Sandbank does not support Connect: no charge has ${what}. Leave ${param} unset or false.`, {
    param,
  });
}

/** Whether a chargeback (not an inquiry) keeps the charge from being refunded. */
async function chargedBack(ctx: MutationContext, charge: Charge): Promise<boolean> {
  if (!charge.disputed) return false;
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: DISPUTE,
    limit: 100,
    equals: { charge: charge.id },
  });
  return page.rows.some((row) => !(JSON.parse(row.json) as Dispute).is_charge_refundable);
}

/**
 * The charge a refund request names (by `charge`, or by `payment_intent` through its latest
 * charge), locked for the rest of the transaction, checked to be captured and successful.
 */
async function chargeToRefund(ctx: MutationContext, input: CreateInput): Promise<LoadedCharge> {
  let intent: PaymentIntentView | undefined;
  if (input.payment_intent) {
    intent = (
      await loadObject<PaymentIntentView>(ctx.tx, ctx.account.id, input.payment_intent, PAYMENT_INTENT, {
        param: 'payment_intent',
      })
    ).object;
    if (intent.status === 'requires_capture') throw cancelInstead(intent.id, 'payment_intent');
  }
  const param = input.charge ? 'charge' : 'payment_intent';
  const chargeId = input.charge ?? intent?.latest_charge;
  if (!chargeId) throw noSuccessfulCharge(undefined, intent?.id ?? null, param);
  const loaded = await loadCharge(ctx, chargeId, param);
  const charge = loaded.object;
  if (intent && charge.payment_intent !== intent.id) {
    throw invalidRequest(`Charge ${charge.id} does not belong to PaymentIntent ${intent.id}.`, { param: 'charge' });
  }
  if (charge.status !== 'succeeded') throw noSuccessfulCharge(charge, charge.payment_intent, param);
  // Uncaptured, or a multicapture still holding part of its authorisation: cancelling the intent
  // releases it. An uncaptured legacy charge (no PaymentIntent to cancel) is released by refunding it.
  const holding = !charge.captured || charge.amount_captured + charge.amount_refunded < charge.amount;
  if (holding && charge.payment_intent) throw cancelInstead(charge.payment_intent, param);
  if (await chargedBack(ctx, charge)) {
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, {
      code: 'charge_disputed',
    });
  }
  return loaded;
}

/**
 * The amount to refund: what was asked, or everything not yet refunded. Pending refunds count as
 * refunded (they are part of `amount_refunded`); failed ones do not. After a partial capture the
 * released remainder is part of `amount_refunded` too (as Stripe shows it), so what is left is the
 * authorised amount less everything refunded or released.
 */
function refundAmount(charge: Charge, requested: number | null | undefined): number {
  const remaining = refundableTotal(charge) - charge.amount_refunded;
  if (requested == null) {
    if (remaining <= 0) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    }
    return remaining;
  }
  if (requested > remaining) {
    const money = (n: number) => formatAmount(n, charge.currency);
    // Stripe sends no `code` for these two.
    throw invalidRequest(
      charge.amount_refunded === charge.amount - charge.amount_captured
        ? `Refund amount (${money(requested)}) is greater than charge amount (${money(charge.amount_captured)})`
        : `Refund amount (${money(requested)}) is greater than unrefunded amount on charge (${money(remaining)})`,
      { param: 'amount' },
    );
  }
  return requested;
}

/**
 * What refunds and releases may add up to: the authorisation, or more after an overcapture (which
 * captured beyond it and released nothing).
 */
function refundableTotal(charge: Charge): number {
  return Math.max(charge.amount, charge.amount_captured);
}

/** The refund's debit: the refunded amount leaves the balance at once, and no fee is returned. */
async function recordRefundFunds(ctx: MutationContext, refund: Refund, charge: Charge): Promise<string> {
  const txn = await recordBalanceTransaction(ctx, {
    amount: -refund.amount,
    currency: refund.currency,
    type: 'refund',
    reportingCategory: 'refund',
    source: refund.id,
    description: charge.description ? `REFUND FOR CHARGE (${charge.description})` : 'REFUND FOR CHARGE',
  });
  return txn.id;
}

async function saveRefund(ctx: MutationContext, refund: Refund, opts: { update?: boolean } = {}): Promise<Refund> {
  const data = sortFields(refund);
  await saveObject(ctx.tx, ctx.account.id, REFUND, data, { fields: refundFields(data), ...opts });
  return data;
}

/** Recomputes `refunded` after `amount_refunded` changed: true only when everything captured is refunded. */
function setRefunded(charge: Charge): void {
  // A released (never captured) authorisation counts as refunded too.
  const released = !charge.captured && charge.amount_refunded === charge.amount;
  charge.refunded = released || (charge.amount_captured > 0 && charge.amount_refunded === refundableTotal(charge));
}

export async function createRefund(ctx: MutationContext, input: CreateInput): Promise<Refund> {
  if (!input.charge && !input.payment_intent) {
    // Stripe answers this one without a code or a param.
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
  }
  if (input.refund_application_fee) throw connectNotSupported('refund_application_fee');
  if (input.reverse_transfer) throw connectNotSupported('reverse_transfer');
  const loaded = await chargeToRefund(ctx, input);
  const charge = loaded.object;
  const amount = refundAmount(charge, input.amount);
  const behaviour = cardByKey(loaded.internal.card)?.behaviour.refund;
  let refund: Refund = {
    id: newId('re', 24),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: ctx.clock.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: applyMetadata({}, input.metadata),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    // A pending refund has not moved money yet: its balance transaction comes when it succeeds.
    status: behaviour === 'pending' ? 'pending' : 'succeeded',
    transfer_reversal: null,
  };
  // Releasing an authorisation moves no money, so it has no balance transaction.
  if (refund.status === 'succeeded' && charge.captured) {
    refund.balance_transaction = await recordRefundFunds(ctx, refund, charge);
  }
  refund = await saveRefund(ctx, refund);

  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  setRefunded(charge);
  await saveCharge(ctx, loaded);

  await emitEvent(ctx, 'refund.created', refund);
  // Partial refunds emit `charge.refunded` too.
  await emitEvent(ctx, 'charge.refunded', charge, before);
  // A refund settles what Radar flagged: the review closes, a fully refunded warning is moot.
  await closeReviewOf(ctx, charge, refund.reason === 'fraudulent' ? 'refunded_as_fraud' : 'refunded');
  await updateEarlyFraudWarningsOf(ctx, loaded);
  if (behaviour) {
    await scheduleJob(ctx, {
      dueAt: ctx.clock.now() + ASYNC_REFUND_DELAY,
      kind: behaviour === 'pending' ? SETTLE_REFUND_JOB : FAIL_REFUND_JOB,
      target: refund.id,
      payload: {},
    });
  }
  return refund;
}

async function loadRefund(ctx: MutationContext, id: string): Promise<Loaded<Refund, Record<string, never>>> {
  return loadObject<Refund>(ctx.tx, ctx.account.id, id, REFUND, { forUpdate: true });
}

/** A refund changed after its creation: `refund.updated`, and the legacy `charge.refund.updated`. */
async function emitRefundUpdated(ctx: MutationContext, refund: Refund, before: Refund): Promise<void> {
  await emitEvent(ctx, 'refund.updated', refund, before);
  await emitEvent(ctx, 'charge.refund.updated', refund, before);
}

export async function updateRefund(ctx: MutationContext, id: string, input: UpdateInput): Promise<Refund> {
  const { object: refund } = await loadRefund(ctx, id);
  const before = structuredClone(refund);
  refund.metadata = applyMetadata(refund.metadata, input.metadata);
  if (JSON.stringify(before.metadata) === JSON.stringify(refund.metadata)) return refund;
  const saved = await saveRefund(ctx, refund, { update: true });
  await emitRefundUpdated(ctx, saved, before);
  return saved;
}

/**
 * Ends a `requires_action` refund without paying it (`canceled`): the money never left, so the
 * charge may be refunded again for that amount. `action` names what ended it in the refusal.
 */
async function endWaitingRefund(ctx: MutationContext, id: string, action: 'canceled' | 'expired'): Promise<Refund> {
  const { object: refund } = await loadRefund(ctx, id);
  if (refund.status !== 'requires_action') {
    throw invalidRequest(
      `Refund ${refund.id} cannot be ${action} because it has a status of ${refund.status}. Only refunds with a status of requires_action can be ${action}.`,
    );
  }
  const before = structuredClone(refund);
  transitionRefund(refund, 'canceled');
  const loaded = await loadCharge(ctx, refund.charge);
  loaded.object.amount_refunded -= refund.amount;
  setRefunded(loaded.object);
  await saveCharge(ctx, loaded);
  const saved = await saveRefund(ctx, refund, { update: true });
  await emitRefundUpdated(ctx, saved, before);
  return saved;
}

/**
 * Only `requires_action` refunds can be canceled, and card refunds never are, so for Sandbank this
 * always refuses. (Stripe has been seen answering a card refund's cancellation with the unrelated
 * "Charges must be refunded using the /v1/charges/{CHARGE_ID}/refunds endpoint."; the message here
 * says what is wrong instead.)
 */
export async function cancelRefund(ctx: MutationContext, id: string): Promise<Refund> {
  return endWaitingRefund(ctx, id, 'canceled');
}

/**
 * `POST /v1/test_helpers/refunds/:id/expire`: the customer never gave the details a
 * `requires_action` refund waits for, and it lapses (`canceled`). Card refunds never wait, so for
 * Sandbank's card refunds this refuses like a cancellation.
 */
export async function expireRefund(ctx: MutationContext, id: string): Promise<Refund> {
  return endWaitingRefund(ctx, id, 'expired');
}

// ---- jobs ----

/** `refund.settle`: a pending refund succeeds, and its money leaves the balance now. */
async function settleRefund(ctx: MutationContext, job: Job): Promise<void> {
  const { object: refund } = await loadRefund(ctx, job.target);
  if (refund.status !== 'pending') return;
  const { object: charge } = await loadCharge(ctx, refund.charge);
  const before = structuredClone(refund);
  transitionRefund(refund, 'succeeded');
  refund.balance_transaction = await recordRefundFunds(ctx, refund, charge);
  const saved = await saveRefund(ctx, refund, { update: true });
  await emitRefundUpdated(ctx, saved, before);
}

/**
 * `refund.fail`: the card could not take the refund (Stripe's test card fails it as an expired or
 * canceled card). The money comes back to the balance (`refund_failure`) and the charge may be
 * refunded again for that amount.
 */
async function failRefund(ctx: MutationContext, job: Job): Promise<void> {
  const { object: refund } = await loadRefund(ctx, job.target);
  if (refund.status !== 'succeeded') return;
  const loaded = await loadCharge(ctx, refund.charge);
  const before = structuredClone(refund);
  transitionRefund(refund, 'failed');
  refund.failure_reason = 'expired_or_canceled_card';
  refund.destination_details.card.reference_status = 'unavailable';
  const txn = await recordBalanceTransaction(ctx, {
    amount: refund.amount,
    currency: refund.currency,
    type: 'refund_failure',
    reportingCategory: 'refund_failure',
    source: refund.id,
    description: 'REFUND FAILURE',
  });
  refund.failure_balance_transaction = txn.id;
  const saved = await saveRefund(ctx, refund, { update: true });

  loaded.object.amount_refunded -= refund.amount;
  setRefunded(loaded.object);
  await saveCharge(ctx, loaded);

  await emitEvent(ctx, 'refund.failed', saved);
  await emitRefundUpdated(ctx, saved, before);
  await updateEarlyFraudWarningsOf(ctx, loaded);
}

/** What runs when a refund's scheduled job comes due, by job kind. */
export const refundJobHandlers: Record<string, JobHandler> = {
  [SETTLE_REFUND_JOB]: settleRefund,
  [FAIL_REFUND_JOB]: failRefund,
};
