/**
 * The legacy Charges API: `POST /v1/charges` charges a card directly — a token (or a `tok_` alias),
 * a customer's saved card, or the customer's default source — without a PaymentIntent, and
 * `POST /v1/charges/:id/capture` captures what it authorised. Such charges have `payment_intent:
 * null` and the card in `source`, and otherwise are the charges PaymentIntents make: the same card
 * network decisions, balance transaction and fees, refunds and disputes.
 *
 * Nobody is present to authenticate a legacy charge, so a card that insists on 3-D Secure is
 * declined (`authentication_required`), as the Charges API does. An uncaptured charge is released
 * after seven days (`charge.expire` job, then `charge.expired`).
 */
import { cardByKey } from '../../cards/network.js';
import { loadSource } from '../../customers/sources/service.js';
import { emitEvent } from '../../events/outbox.js';
import { checkChargeAmount, requireCurrency } from '../../money/currencies.js';
import { invalidRequest, resourceMissing, StripeError } from '../../platform/errors.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import { raiseEarlyFraudWarningIfReported } from '../../radar/early-fraud-warnings.js';
import { openReviewIfElevated } from '../../radar/reviews.js';
import { cardOfSource, chargeableSource, consumeAfterCharge, type LoadedSourceObject } from '../../sources/service.js';
import type { Job } from '../../store/store.js';
import type { Card, CardState } from '../../tokens/object.js';
import { spendToken } from '../../tokens/service.js';
import { authorizePayment, declinedError } from '../authorization.js';
import { cardBillingDetails, legacyCardDetails } from '../payment-methods/service.js';
import { type Charge, toChargeShipping } from './object.js';
import { afterCapture, CAPTURE_WINDOW, createCharge, type LoadedCharge, loadCharge, saveCharge } from './service.js';

export const EXPIRE_JOB = 'charge.expire';

export interface LegacyChargeInput {
  amount?: number | null;
  currency?: string | null;
  source?: string | null;
  customer?: string | null;
  capture?: boolean | null;
  description?: string | null;
  metadata?: Record<string, string> | null;
  receipt_email?: string | null;
  shipping?: unknown;
  statement_descriptor?: string | null;
  statement_descriptor_suffix?: string | null;
  transfer_group?: string | null;
  on_behalf_of?: unknown;
  transfer_data?: unknown;
  destination?: unknown;
  application_fee?: unknown;
  application_fee_amount?: unknown;
}

const CONNECT_PARAMS = [
  'application_fee',
  'application_fee_amount',
  'destination',
  'on_behalf_of',
  'transfer_data',
] as const;

const DESCRIPTOR_FORBIDDEN = /[<>'"*\\]/;

function checkDescriptor(value: string | null | undefined, param: string): void {
  if (!value) return;
  if (value.length > 22 || DESCRIPTOR_FORBIDDEN.test(value) || /^\d+$/.test(value)) {
    throw invalidRequest(
      `Invalid ${param}: statement descriptors must be at most 22 characters, contain at least one letter, and must not contain any of < > \\ ' " *`,
      { param },
    );
  }
}

function missing(param: string): StripeError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

/** Stripe's answer when a customer is charged without a card to charge (a 402 `card_error`). */
function noActiveCard(): StripeError {
  return new StripeError({
    kind: 'payment_failed',
    type: 'card_error',
    code: 'missing',
    message: 'Cannot charge a customer that has no active card',
    param: 'card',
  });
}

/**
 * The card a legacy charge is made with: the spent token's, the customer's named card or card Source,
 * or its default. A card Source (`src_…`) is also returned, since it shows as the charge's `source`.
 */
async function cardToCharge(
  ctx: MutationContext,
  input: LegacyChargeInput,
): Promise<{ card: Card; state: CardState; sourceObject?: LoadedSourceObject }> {
  const customer = input.customer ?? null;
  let sourceId = input.source ?? null;
  if (!sourceId) {
    if (!customer) throw invalidRequest('Must provide source or customer.');
    const { object } = await loadObject<{ default_source: string | null }>(
      ctx.tx,
      ctx.account.id,
      customer,
      'customer',
      {
        param: 'customer',
      },
    );
    if (!object.default_source) throw noActiveCard();
    sourceId = object.default_source;
  }
  if (sourceId.startsWith('src_')) {
    const sourceObject = await chargeableSource(ctx, sourceId, customer, 'source');
    return { ...cardOfSource(sourceObject), sourceObject };
  }
  if (sourceId.startsWith('card_') || sourceId.startsWith('ba_')) {
    // A saved card is charged through its customer; without one the id names no token.
    if (!customer) throw resourceMissing('token', sourceId, 'source');
    const loaded = await loadSource(ctx, customer, sourceId, 'source');
    if (loaded.object.object !== 'card' || !loaded.internal.card) throw bankAccountsRefused();
    return { card: loaded.object, state: { card: loaded.internal.card } };
  }
  const spent = await spendToken(ctx, sourceId, 'source');
  if (spent.kind !== 'card') throw bankAccountsRefused();
  return { card: spent.card, state: spent.state };
}

function bankAccountsRefused(): StripeError {
  return invalidRequest(
    'Sandbank charges cards only through the Charges API so far; ACH debits from bank account sources are not available yet.',
    { param: 'source' },
  );
}

/** `POST /v1/charges`. A decline answers 402 with the failed charge's id, and the failed charge stays. */
export async function createLegacyCharge(ctx: MutationContext, input: LegacyChargeInput): Promise<Charge> {
  if (input.amount == null) throw missing('amount');
  if (!input.currency) throw missing('currency');
  const currency = requireCurrency(input.currency).code;
  checkChargeAmount(input.amount, currency);
  for (const param of CONNECT_PARAMS) {
    if (input[param] != null) {
      throw invalidRequest(`\`${param}\` needs Connect, which Sandbank does not support yet.`, { param });
    }
  }
  checkDescriptor(input.statement_descriptor, 'statement_descriptor');
  checkDescriptor(input.statement_descriptor_suffix, 'statement_descriptor_suffix');
  if (input.customer) await loadObject(ctx.tx, ctx.account.id, input.customer, 'customer', { param: 'customer' });
  const { card, state, sourceObject } = await cardToCharge(ctx, input);
  const testCard = cardByKey(state.card);
  if (!testCard) throw new Error(`card ${card.id} has no test card`);
  const decision = authorizePayment(testCard, {
    offSession: true,
    setUpForOffSession: false,
    authenticated: false,
    requestThreeDSecure: 'automatic',
  });
  if (decision.result === 'requires_action') throw new Error('an off-session attempt asked for authentication');
  const pmCard = legacyCardDetails(card, testCard);
  const manual = input.capture === false;
  const loaded = await createCharge(ctx, {
    source: {
      amount: input.amount,
      currency,
      customer: input.customer ?? null,
      description: input.description ?? null,
      metadata: applyMetadata({}, input.metadata),
      paymentIntent: null,
      receiptEmail: input.receipt_email ?? null,
      shipping: toChargeShipping(input.shipping as Parameters<typeof toChargeShipping>[0]),
      statementDescriptor: input.statement_descriptor ?? null,
      statementDescriptorSuffix: input.statement_descriptor_suffix ?? null,
      transferGroup: input.transfer_group ?? null,
    },
    paymentMethod: { id: card.id, billing_details: cardBillingDetails(card), card: pmCard },
    legacySource: sourceObject?.object ?? card,
    card: testCard,
    result: decision.result === 'authorized' ? { authorized: true } : { authorized: false, decline: decision.decline },
    threeDSecure: null,
    manualCapture: manual,
  });
  const charge = loaded.object;
  if (decision.result === 'declined') {
    await emitEvent(ctx, 'charge.failed', charge);
    const { decline } = decision;
    throw declinedError(decline, { extra: { charge: charge.id }, keepChanges: true });
  }
  // A reusable Source charged without being attached to a customer is used up (Stripe: `consumed`).
  if (sourceObject) await consumeAfterCharge(ctx, sourceObject);
  // Radar looks at every successful charge, legacy ones too: an elevated-risk card opens a review.
  await openReviewIfElevated(ctx, loaded);
  if (manual) {
    await scheduleJob(ctx, {
      dueAt: charge.created + CAPTURE_WINDOW,
      kind: EXPIRE_JOB,
      target: charge.id,
      payload: {},
    });
  } else {
    await afterCapture(ctx, loaded, true);
  }
  await emitEvent(ctx, 'charge.succeeded', charge);
  await raiseEarlyFraudWarningIfReported(ctx, loaded);
  return charge;
}

export interface LegacyCaptureInput {
  amount?: number | null;
  receipt_email?: string | null;
  statement_descriptor?: string | null;
  statement_descriptor_suffix?: string | null;
}

/**
 * Captures an uncaptured legacy charge, in full or in part; the rest of the authorisation is
 * released and shows as refunded, as Stripe shows it.
 */
export async function captureLegacyCharge(
  ctx: MutationContext,
  loaded: LoadedCharge,
  input: LegacyCaptureInput,
): Promise<Charge> {
  const charge = loaded.object;
  if (loaded.internal.expired) {
    throw invalidRequest(`Charge ${charge.id} has expired and can no longer be captured.`, {
      code: 'charge_expired_for_capture',
    });
  }
  if (charge.refunded) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  }
  const amount = input.amount ?? charge.amount;
  if (amount > charge.amount) {
    throw invalidRequest(
      'The payment could not be captured because the requested capture amount is greater than the authorized amount.',
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  checkDescriptor(input.statement_descriptor, 'statement_descriptor');
  checkDescriptor(input.statement_descriptor_suffix, 'statement_descriptor_suffix');
  charge.captured = true;
  charge.amount_captured = amount;
  charge.amount_refunded = charge.amount - amount;
  if (input.receipt_email != null) charge.receipt_email = input.receipt_email;
  if (input.statement_descriptor != null) charge.statement_descriptor = input.statement_descriptor;
  if (input.statement_descriptor_suffix != null) charge.statement_descriptor_suffix = input.statement_descriptor_suffix;
  await saveCharge(ctx, loaded);
  await afterCapture(ctx, loaded, true);
  await emitEvent(ctx, 'charge.captured', charge);
  return charge;
}

/** `charge.expire`: an authorisation left uncaptured for seven days is released. */
export async function expireCharge(ctx: MutationContext, job: Job): Promise<void> {
  const loaded = await loadCharge(ctx, job.target);
  const charge = loaded.object;
  if (charge.captured || charge.refunded || charge.status !== 'succeeded') return;
  charge.amount_refunded = charge.amount;
  charge.refunded = true;
  loaded.internal.expired = true;
  await saveCharge(ctx, loaded);
  await emitEvent(ctx, 'charge.expired', charge);
}
