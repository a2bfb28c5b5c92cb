/**
 * The Dispute object: a cardholder contesting a charge with their bank, either as an inquiry (a
 * request for information, `warning_*` statuses, no money moves) or as a chargeback (the amount and
 * a dispute fee are withdrawn at once). Its state machine is the table below.
 */

import type { BalanceTransaction } from '../../balance/transactions.js';
import type { Address } from '../../customers/object.js';
import { invalidRequest } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';

export const DISPUTE = 'dispute';

/** Stripe's statuses, without the appeal ones (`appeal_*`): Sandbank's disputes are never appealed. */
export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost'
  | 'prevented';

/**
 * Which status may follow which. An inquiry (`warning_*`) closes, or escalates into a chargeback
 * (`needs_response`); a chargeback is won or lost, after evidence (`under_review`) or without it
 * (closing it accepts the loss; the due date passing without evidence loses it).
 */
export const DISPUTE_TRANSITIONS = {
  warning_needs_response: ['warning_under_review', 'warning_closed', 'needs_response'],
  warning_under_review: ['warning_closed', 'needs_response'],
  warning_closed: [],
  needs_response: ['under_review', 'lost'],
  under_review: ['won', 'lost'],
  won: [],
  lost: [],
  prevented: [],
} as const satisfies Record<DisputeStatus, readonly DisputeStatus[]>;

/** Statuses after which nothing about the dispute changes any more (except its metadata). */
export function isClosed(status: DisputeStatus): boolean {
  return DISPUTE_TRANSITIONS[status].length === 0;
}

export function isInquiry(status: DisputeStatus): boolean {
  return status.startsWith('warning_');
}

/** Moves `dispute` to `to`, or refuses a move the table does not allow. */
export function transitionDispute(dispute: Dispute, to: DisputeStatus): void {
  const allowed: readonly DisputeStatus[] = DISPUTE_TRANSITIONS[dispute.status];
  if (!allowed.includes(to)) {
    throw invalidRequest(
      isClosed(dispute.status)
        ? 'This dispute is already closed.'
        : `Dispute ${dispute.id} cannot move from status ${dispute.status} to ${to}.`,
    );
  }
  dispute.status = to;
}

export interface CompellingEvidenceTransaction {
  customer_account_id: string | null;
  customer_device_fingerprint: string | null;
  customer_device_id: string | null;
  customer_email_address: string | null;
  customer_purchase_ip: string | null;
  product_description: string | null;
  shipping_address: Address | null;
}

export interface EnhancedEvidence {
  mastercard_compliance?: { fee_acknowledged: boolean };
  visa_compelling_evidence_3?: {
    disputed_transaction: (CompellingEvidenceTransaction & { merchandise_or_services: string | null }) | null;
    prior_undisputed_transactions: (CompellingEvidenceTransaction & { charge: string })[];
  };
  visa_compliance?: { fee_acknowledged: boolean };
}

/** The text and file fields of `evidence` (files are `file_` ids), in Stripe's order. */
export const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];

/**
 * The evidence fields that name an uploaded file (`file_…` of purpose `dispute_evidence`), as the
 * SDK's `DisputeUpdateParams.Evidence` marks them ("ID of a file upload").
 */
export const EVIDENCE_FILE_FIELDS = [
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
] as const satisfies readonly EvidenceField[];

export type Evidence = Record<EvidenceField, string | null> & {
  appeal?: { card?: { reason_for_filing?: string; supporting_files?: string[] } } | null;
  enhanced_evidence: EnhancedEvidence;
};

export interface EnhancedEligibility {
  mastercard_compliance?: { status: 'fee_acknowledged' | 'requires_fee_acknowledgement' };
  visa_compelling_evidence_3?: {
    required_actions: string[];
    status: 'not_qualified' | 'qualified' | 'requires_action';
  };
  visa_compliance?: { status: 'fee_acknowledged' | 'requires_fee_acknowledgement' };
}

export interface EvidenceDetails {
  due_by: number | null;
  enhanced_eligibility: EnhancedEligibility;
  has_evidence: boolean;
  past_due: boolean;
  submission_count: number;
  submission_method: 'manual' | 'not_submitted';
}

export type CaseType = 'chargeback' | 'compliance' | 'inquiry';

export interface Dispute {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: BalanceTransaction[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: ('mastercard_compliance' | 'visa_compelling_evidence_3' | 'visa_compliance')[];
  evidence: Evidence;
  evidence_details: EvidenceDetails;
  intended_submission_method: 'manual' | 'prefer_manual' | 'prefer_smart_disputes' | 'smart_disputes' | null;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Metadata;
  network_reason_code: string | null;
  payment_intent: string | null;
  payment_method_details: {
    card: { brand: string; case_type: CaseType; network: string; network_reason_code: string | null };
    type: 'card';
  };
  reason: string;
  status: DisputeStatus;
}

/** Indexed fields, for `GET /v1/disputes?charge=` and `?payment_intent=`. */
export const disputeFields = (d: Dispute) => ({ charge: d.charge, payment_intent: d.payment_intent });

// `balance_transactions` are always full objects; expanding their `source` is not supported (arrays).
registerExpandable(DISPUTE, 'charge', { kind: 'reference', to: 'charge' });
registerExpandable(DISPUTE, 'payment_intent', { kind: 'reference', to: 'payment_intent' });
