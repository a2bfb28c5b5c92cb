/**
 * The Refund object: money returned to the card of a captured charge. Its state machine (a table,
 * as every stateful object has) and the references `expand[]` may follow.
 */
import { invalidRequest } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';

export const REFUND = 'refund';

export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
export type RefundReason = 'duplicate' | 'expired_uncaptured_charge' | 'fraudulent' | 'requested_by_customer';
export type RefundFailureReason = 'expired_or_canceled_card' | 'declined' | 'lost_or_stolen_card' | 'unknown';

/**
 * Where the refund goes on the card network. `reference` (the acquirer reference number) comes once
 * the network has the refund; Sandbank never gets that far, so it stays `pending` (or `unavailable`
 * after a failure).
 */
export interface RefundDestinationDetails {
  card: { reference_status: 'pending' | 'unavailable'; reference_type: 'acquirer_reference_number'; type: 'refund' };
  type: 'card';
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  destination_details: RefundDestinationDetails;
  /** Present once the refund failed: the balance transaction that gave the money back. */
  failure_balance_transaction?: string;
  /** Present once the refund failed. */
  failure_reason?: RefundFailureReason;
  metadata: Metadata;
  payment_intent: string | null;
  payment_method: string | null;
  reason: RefundReason | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
}

/**
 * Which status may follow which. Card refunds are never `requires_action` (that is for methods whose
 * refunds need the customer's bank details), but the state exists and may be canceled.
 */
export const REFUND_TRANSITIONS = {
  requires_action: ['pending', 'succeeded', 'failed', 'canceled'],
  pending: ['succeeded', 'failed', 'canceled'],
  // A card refund can still fail after it succeeded (a closed card account): `pm_card_refundFail`.
  succeeded: ['failed'],
  failed: [],
  canceled: [],
} as const satisfies Record<RefundStatus, readonly RefundStatus[]>;

/** Moves `refund` to `to`, or refuses a move the table does not allow. */
export function transitionRefund(refund: Refund, to: RefundStatus): void {
  const allowed: readonly RefundStatus[] = REFUND_TRANSITIONS[refund.status];
  if (!allowed.includes(to)) {
    throw invalidRequest(`Refund ${refund.id} cannot move from status ${refund.status} to ${to}.`);
  }
  refund.status = to;
}

/** Indexed fields, for `GET /v1/refunds?charge=` and `?payment_intent=`. */
export const refundFields = (r: Refund) => ({ charge: r.charge, payment_intent: r.payment_intent });

registerExpandable(REFUND, 'balance_transaction', { kind: 'reference', to: 'balance_transaction' });
registerExpandable(REFUND, 'charge', { kind: 'reference', to: 'charge' });
registerExpandable(REFUND, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(REFUND, 'failure_balance_transaction', { kind: 'reference', to: 'balance_transaction' });
registerExpandable(REFUND, 'payment_intent', { kind: 'reference', to: 'payment_intent' });
registerExpandable(REFUND, 'payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(REFUND, 'source_transfer_reversal', { kind: 'reference' });
registerExpandable(REFUND, 'transfer_reversal', { kind: 'reference' });
