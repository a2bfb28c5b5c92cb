/**
 * Charges: built from a confirmation attempt (succeeded, authorised-but-uncaptured, or failed), then
 * captured, refunded or disputed. When money is captured the charge gets its balance transaction
 * with the account's fees — at once for `capture_method=automatic`, or a moment later (a
 * `charge.settle` job, then `charge.updated`) for `automatic_async`, as Stripe does.
 */

import { availableOnAfter, recordBalanceTransaction } from '../../balance/transactions.js';
import type { ThreeDSecureInput } from '../../cards/details.js';
import { chargeCardDetails, type PaymentMethodCard } from '../../cards/details.js';
import { cardByKey, type Decline, type TestCard } from '../../cards/network.js';
import { emitEvent } from '../../events/outbox.js';
import { cardProcessingFee } from '../../money/pricing.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { type Loaded, loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import type { Source } from '../../sources/object.js';
import type { Job } from '../../store/store.js';
import type { Card } from '../../tokens/object.js';
import type { PaymentMethod } from '../payment-methods/object.js';
import { CHARGE, type Charge, type ChargeState, chargeFields, type Outcome } from './object.js';

export const SETTLE_JOB = 'charge.settle';
export const DISPUTE_JOB = 'dispute.open';

/** Uncaptured charges are released after 7 days (most card networks). */
export const CAPTURE_WINDOW = 7 * 86_400;

export type LoadedCharge = Loaded<Charge, ChargeState>;

export interface ChargeSource {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** Null for a legacy charge (`POST /v1/charges`). */
  paymentIntent: string | null;
  receiptEmail: string | null;
  shipping: unknown;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
  transferGroup: string | null;
}

/**
 * Radar's risk score (0–99) for a card: the table's score for the risk test cards, otherwise a
 * stable low score derived from the last digit, so the same card always scores the same.
 */
export function radarRiskScore(card: TestCard): number {
  return card.behaviour.risk?.score ?? 20 + (card.last4.charCodeAt(3) % 40);
}

/** The descriptor that appears on the cardholder's statement: the account's, with any suffix. */
function statementDescriptor(source: ChargeSource): string {
  const base = source.statementDescriptor ?? 'SANDBANK';
  return (source.statementDescriptorSuffix ? `${base}* ${source.statementDescriptorSuffix}` : base)
    .toUpperCase()
    .slice(0, 22);
}

function authorizedOutcome(card: TestCard): Outcome {
  const elevated = card.behaviour.risk?.level === 'elevated';
  return {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: 'approved_by_network',
    reason: elevated ? 'elevated_risk_level' : null,
    risk_level: card.behaviour.risk?.level ?? 'normal',
    risk_score: radarRiskScore(card),
    seller_message: elevated
      ? 'Stripe evaluated this payment as having elevated risk, and placed it in your manual review queue.'
      : 'Payment complete.',
    type: elevated ? 'manual_review' : 'authorized',
  };
}

function declinedOutcome(decline: Decline, card: TestCard): Outcome {
  return {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: decline.outcome.network_status,
    reason: decline.outcome.reason,
    risk_level: decline.outcome.risk_level,
    risk_score: radarRiskScore(card),
    seller_message: decline.outcome.seller_message,
    type: decline.outcome.type,
  };
}

export interface NewCharge {
  source: ChargeSource;
  /** A PaymentMethod, or the legacy card's view of one (its `card_` id, billing details and card). */
  paymentMethod: Pick<PaymentMethod, 'id' | 'billing_details' | 'card'>;
  /** The legacy card charged, rendered as the charge's `source`. */
  legacySource?: Card | Source | null;
  card: TestCard;
  result: { authorized: true } | { authorized: false; decline: Decline };
  threeDSecure: ThreeDSecureInput | null;
  manualCapture: boolean;
  incrementalAuthorization?: boolean;
}

/** Creates the charge for one confirmation attempt. A succeeded, captured charge also settles (see `settle`). */
export async function createCharge(ctx: MutationContext, input: NewCharge): Promise<LoadedCharge> {
  const now = ctx.clock.now();
  const { source, paymentMethod: pm, card, result } = input;
  const authorized = result.authorized;
  const captured = authorized && !input.manualCapture;
  const charge = sortFields<Charge>({
    id: newId('ch', 24),
    object: 'charge',
    amount: source.amount,
    amount_captured: captured ? source.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: statementDescriptor(source),
    captured,
    created: now,
    currency: source.currency,
    customer: source.customer,
    description: source.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: result.authorized ? null : result.decline.code,
    failure_message: result.authorized ? null : result.decline.message,
    fraud_details: {},
    livemode: false,
    metadata: { ...source.metadata },
    on_behalf_of: null,
    outcome: result.authorized ? authorizedOutcome(card) : declinedOutcome(result.decline, card),
    paid: authorized,
    payment_intent: source.paymentIntent,
    payment_method: pm.id,
    payment_method_details: {
      card: chargeCardDetails({
        pmCard: pm.card as PaymentMethodCard,
        amount: source.amount,
        authorized,
        manualCapture: input.manualCapture,
        incrementalAuthorization: input.incrementalAuthorization ?? false,
        captureBefore: now + CAPTURE_WINDOW,
        threeDSecure: input.threeDSecure,
      }),
      type: 'card',
    },
    radar_options: {},
    receipt_email: source.receiptEmail,
    receipt_number: null,
    receipt_url: authorized ? `https://pay.stripe.com/receipts/payment/${randomBase62(64)}` : null,
    refunded: false,
    review: null,
    shipping: source.shipping ?? null,
    source: input.legacySource ?? null,
    source_transfer: null,
    statement_descriptor: source.statementDescriptor,
    statement_descriptor_suffix: source.statementDescriptorSuffix,
    status: authorized ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: source.transferGroup,
  });
  const state: ChargeState = { card: card.key };
  await saveObject(ctx.tx, ctx.account.id, CHARGE, charge, { fields: chargeFields(charge), internal: state });
  return { object: charge, internal: state };
}

export async function loadCharge(ctx: MutationContext, id: string, param = 'id'): Promise<LoadedCharge> {
  return loadObject<Charge, ChargeState>(ctx.tx, ctx.account.id, id, CHARGE, { param, forUpdate: true });
}

/** Writes a changed charge; with `before`, emits `charge.updated` with what changed. */
export async function saveCharge(ctx: MutationContext, loaded: LoadedCharge, before?: Charge): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, CHARGE, loaded.object, {
    update: true,
    fields: chargeFields(loaded.object),
    internal: loaded.internal,
  });
  if (before) await emitEvent(ctx, 'charge.updated', loaded.object, before);
}

/**
 * Money has been captured: record the balance transaction now (`sync`) or schedule it, and start
 * what the card does afterwards (a dispute).
 */
export async function afterCapture(ctx: MutationContext, loaded: LoadedCharge, sync: boolean): Promise<void> {
  const card = cardByKey(loaded.internal.card);
  // Funds of a bypass-pending card are available at once, so they are recorded at once too: a
  // payout made right after the payment (as `stripe trigger payout.created` does) can spend them.
  if (sync || card?.behaviour.bypassPending) await recordChargeFunds(ctx, loaded);
  else {
    await scheduleJob(ctx, { dueAt: ctx.clock.now(), kind: SETTLE_JOB, target: loaded.object.id, payload: {} });
  }
  if (card?.behaviour.dispute && disputeOpener) await disputeOpener(ctx, loaded.object.id);
}

/**
 * Opens the dispute of a charge made with a dispute card. The disputes module (which depends on
 * charges) provides it; the dispute exists when the payment's response is sent, so a client that
 * lists disputes right away (as `stripe trigger` does) finds it.
 */
let disputeOpener: ((ctx: MutationContext, chargeId: string) => Promise<void>) | undefined;

export function setDisputeOpener(open: (ctx: MutationContext, chargeId: string) => Promise<void>): void {
  disputeOpener = open;
}

/** The charge's balance transaction: the captured amount less the account's card fee. */
async function recordChargeFunds(ctx: MutationContext, loaded: LoadedCharge): Promise<void> {
  const charge = loaded.object;
  const card = cardByKey(loaded.internal.card);
  const fee = cardProcessingFee({
    accountCountry: ctx.account.country,
    cardCountry: charge.payment_method_details?.card.country ?? null,
    currency: charge.currency,
    amount: charge.amount_captured,
    custom: ctx.account.pricing,
  });
  const now = ctx.clock.now();
  const txn = await recordBalanceTransaction(ctx, {
    amount: charge.amount_captured,
    currency: charge.currency,
    type: 'charge',
    reportingCategory: 'charge',
    source: charge.id,
    description: charge.description,
    fees: [fee],
    availableOn: card?.behaviour.bypassPending ? now : availableOnAfter(now),
  });
  charge.balance_transaction = txn.id;
  await saveCharge(ctx, loaded);
}

/** The `charge.settle` job: an asynchronously captured charge gets its balance transaction. */
export async function settleCharge(ctx: MutationContext, job: Job): Promise<void> {
  const loaded = await loadCharge(ctx, job.target);
  if (loaded.object.balance_transaction) return;
  const before = structuredClone(loaded.object);
  await recordChargeFunds(ctx, loaded);
  await emitEvent(ctx, 'charge.updated', loaded.object, before);
}
