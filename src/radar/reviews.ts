/**
 * Radar reviews: a payment Radar placed in the manual review queue. Sandbank's Radar opens one when
 * a charge succeeds on a card whose risk level is `elevated` (the `riskLevelElevated` test card and
 * the `*ElevatedRisk` check cards), as Stripe's default "review if elevated risk" rule does; the
 * charge's outcome then says `manual_review`. A review closes when it is approved, or by what
 * happens to its payment: a refund (`refunded`, or `refunded_as_fraud` with `reason=fraudulent`), a
 * dispute (`disputed`), a canceled authorisation (`canceled`).
 *
 * The payment flows call `openReviewIfElevated` and `closeReviewOf`; nothing else here knows them.
 */
import { cardByKey } from '../cards/network.js';
import { emitEvent } from '../events/outbox.js';
import type { Charge } from '../payments/charges/object.js';
import { type LoadedCharge, saveCharge } from '../payments/charges/service.js';
import { invalidRequest } from '../platform/errors.js';
import { registerExpandable } from '../platform/expand.js';
import { newId } from '../platform/ids.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';

export const REVIEW = 'review';

export type ReviewClosedReason =
  | 'acknowledged'
  | 'approved'
  | 'canceled'
  | 'disputed'
  | 'payment_never_settled'
  | 'redacted'
  | 'refunded'
  | 'refunded_as_fraud';

export interface Review {
  id: string;
  object: 'review';
  billing_zip: string | null;
  charge: string | null;
  closed_reason: ReviewClosedReason | null;
  created: number;
  ip_address: string | null;
  ip_address_location: null;
  livemode: false;
  open: boolean;
  opened_reason: 'manual' | 'rule';
  payment_intent?: string;
  /** While open, why it opened (`rule`, `manual`); once closed, why it closed. */
  reason: string;
  session: null;
}

/** Indexed: `GET /v1/reviews` lists open reviews only; a charge finds its review. */
const reviewFields = (r: Review) => ({ open: r.open ? 'true' : 'false', charge: r.charge });

async function saveReview(ctx: MutationContext, review: Review, update: boolean): Promise<Review> {
  const data = sortFields(review);
  await saveObject(ctx.tx, ctx.account.id, REVIEW, data, { update, fields: reviewFields(data) });
  return data;
}

/**
 * Opens a review for a charge that just succeeded, when its card's risk level is elevated. Sets
 * `charge.review` (and saves the charge) and emits `review.opened`; returns the review's id, for
 * the PaymentIntent's `review`, or null when the payment needs no review.
 */
export async function openReviewIfElevated(ctx: MutationContext, loaded: LoadedCharge): Promise<string | null> {
  const charge = loaded.object;
  if (charge.status !== 'succeeded' || charge.review) return null;
  if (cardByKey(loaded.internal.card)?.behaviour.risk?.level !== 'elevated') return null;
  const review = await saveReview(
    ctx,
    {
      id: newId('prv', 24),
      object: 'review',
      billing_zip: charge.billing_details.address?.postal_code ?? null,
      charge: charge.id,
      closed_reason: null,
      created: ctx.clock.now(),
      ip_address: null,
      ip_address_location: null,
      livemode: false,
      open: true,
      opened_reason: 'rule',
      ...(charge.payment_intent ? { payment_intent: charge.payment_intent } : {}),
      reason: 'rule',
      session: null,
    },
    false,
  );
  charge.review = review.id;
  await saveCharge(ctx, loaded);
  await emitEvent(ctx, 'review.opened', review);
  return review.id;
}

async function close(ctx: MutationContext, review: Review, reason: ReviewClosedReason): Promise<Review> {
  review.open = false;
  review.closed_reason = reason;
  review.reason = reason;
  const saved = await saveReview(ctx, review, true);
  await emitEvent(ctx, 'review.closed', saved);
  return saved;
}

/**
 * Closes the open review of `charge`, if it has one, because of what happened to the payment
 * (refunded, disputed, canceled…). A closed review stays as it is.
 */
export async function closeReviewOf(ctx: MutationContext, charge: Charge, reason: ReviewClosedReason): Promise<void> {
  if (!charge.review) return;
  const { object: review } = await loadObject<Review>(ctx.tx, ctx.account.id, charge.review, REVIEW, {
    forUpdate: true,
  });
  if (review.open) await close(ctx, review, reason);
}

/** `POST /v1/reviews/:id/approve`: the merchant lets the payment through; only an open review. */
export async function approveReview(ctx: MutationContext, id: string): Promise<Review> {
  const { object: review } = await loadObject<Review>(ctx.tx, ctx.account.id, id, REVIEW, { forUpdate: true });
  if (!review.open) {
    throw invalidRequest(
      `This review (${review.id}) is already closed (reason: ${review.closed_reason}). Only open reviews can be approved.`,
    );
  }
  return close(ctx, review, 'approved');
}

registerExpandable(REVIEW, 'charge', { kind: 'reference', to: 'charge' });
registerExpandable(REVIEW, 'payment_intent', { kind: 'reference', to: 'payment_intent' });
registerExpandable('charge', 'review', { kind: 'reference', to: REVIEW });
registerExpandable('payment_intent', 'review', { kind: 'reference', to: REVIEW });
