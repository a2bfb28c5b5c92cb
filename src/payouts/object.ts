/**
 * The Payout object: money sent from the account's available balance to its bank account. Its
 * shape (Stripe's field order), its status machine as data, the fields lists filter on, and its
 * expandable references.
 */
import { invalidRequest, type StripeError } from '../platform/errors.js';
import { registerExpandable } from '../platform/expand.js';
import type { Metadata } from '../platform/metadata.js';

export const PAYOUT = 'payout';

export type PayoutStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
export type PayoutMethod = 'standard' | 'instant';
export type PayoutSourceType = 'card' | 'bank_account' | 'fpx';

export interface Payout {
  id: string;
  object: 'payout';
  amount: number;
  application_fee: string | null;
  application_fee_amount: number | null;
  arrival_date: number;
  automatic: boolean;
  balance_transaction: string | null;
  created: number;
  currency: string;
  description: string | null;
  destination: string | null;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  method: PayoutMethod;
  original_payout: string | null;
  payout_method: string | null;
  reconciliation_status: 'completed' | 'in_progress' | 'not_applicable';
  reversed_by: string | null;
  source_type: PayoutSourceType;
  statement_descriptor: string | null;
  status: PayoutStatus;
  trace_id: { status: 'pending' | 'supported' | 'unsupported'; value: string | null } | null;
  type: 'bank_account' | 'card';
}

/**
 * Where a payout may go next. A payout is `pending` until it is submitted to the bank (only then
 * can it be canceled), `in_transit` until it arrives, then `paid` or `failed`. An instant payout
 * goes from `pending` straight to its outcome.
 */
export const PAYOUT_TRANSITIONS = {
  pending: ['in_transit', 'paid', 'failed', 'canceled'],
  in_transit: ['paid', 'failed'],
  paid: [],
  failed: [],
  canceled: [],
} as const satisfies Record<PayoutStatus, readonly PayoutStatus[]>;

/** Moves `payout` to `to`, or throws Stripe's refusal for an illegal move. */
export function transition(payout: Payout, to: PayoutStatus): void {
  const allowed: readonly PayoutStatus[] = PAYOUT_TRANSITIONS[payout.status];
  if (!allowed.includes(to)) throw illegalTransition(payout, to);
  payout.status = to;
  // The bank's trace id is known once the payout leaves transit (Sandbank has none to give).
  if (to === 'paid' || to === 'failed' || to === 'canceled') payout.trace_id = { status: 'unsupported', value: null };
}

function illegalTransition(payout: Payout, to: PayoutStatus): StripeError {
  if (to === 'canceled') return invalidRequest('Payouts can only be canceled while they are pending.');
  return invalidRequest(`This payout is ${payout.status} and cannot become ${to}.`);
}

/** Indexed fields, for `GET /v1/payouts?status=…&destination=…`. */
export function payoutIndexFields(p: Payout) {
  return { status: p.status, destination: p.destination };
}

registerExpandable(PAYOUT, 'balance_transaction', { kind: 'reference', to: 'balance_transaction' });
registerExpandable(PAYOUT, 'failure_balance_transaction', { kind: 'reference', to: 'balance_transaction' });
registerExpandable(PAYOUT, 'original_payout', { kind: 'reference', to: PAYOUT });
registerExpandable(PAYOUT, 'reversed_by', { kind: 'reference', to: PAYOUT });
registerExpandable(PAYOUT, 'application_fee', { kind: 'reference', to: 'application_fee' });
// Sandbank keeps no external account objects yet, so expanding `destination` leaves its id.
registerExpandable(PAYOUT, 'destination', { kind: 'reference' });
