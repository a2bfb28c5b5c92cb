/**
 * Disputes: opened by the card network (a `dispute.open` job the capture of a dispute test card
 * schedules), answered by the merchant with evidence, and decided a minute later. Stripe's test
 * mode decides by the magic `evidence[uncategorized_text]`:
 * - `winning_evidence`: a chargeback is won (its amount comes back); an inquiry closes;
 * - `losing_evidence`: a chargeback is lost; an inquiry closes;
 * - `escalate_inquiry_evidence`: an inquiry becomes a chargeback (funds withdrawn, new due date).
 * Any other evidence leaves the dispute under review, as Stripe's test mode does.
 *
 * Money: a chargeback withdraws the disputed amount plus the dispute fee in one `adjustment`
 * balance transaction (`reporting_category: dispute`); winning returns the amount in another
 * (`dispute_reversal`). Inquiries move no money until they escalate.
 */

import { recordBalanceTransaction } from '../../balance/transactions.js';
import { cardByKey, type DisputeReason } from '../../cards/network.js';
import { toAddress } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import type { StripeFile } from '../../files/object.js';
import { loadFileForParam } from '../../files/service.js';
import { disputeFee } from '../../money/pricing.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { JobHandler } from '../../platform/scheduler.js';
import { scheduleJob } from '../../platform/scheduler.js';
import { updateEarlyFraudWarningsOf } from '../../radar/early-fraud-warnings.js';
import { closeReviewOf } from '../../radar/reviews.js';
import type { Job } from '../../store/store.js';
import { DISPUTE_JOB, loadCharge, saveCharge, setDisputeOpener } from '../charges/service.js';
import {
  type CaseType,
  type CompellingEvidenceTransaction,
  DISPUTE,
  type Dispute,
  disputeFields,
  type EnhancedEligibility,
  type EnhancedEvidence,
  EVIDENCE_FIELDS,
  EVIDENCE_FILE_FIELDS,
  type Evidence,
  isClosed,
  isInquiry,
  transitionDispute,
} from './object.js';
import type { updateDisputeParams } from './params.js';

type UpdateInput = ReturnType<typeof updateDisputeParams.parse>;
type EvidenceInput = NonNullable<UpdateInput['evidence']>;

export const RESOLVE_DISPUTE_JOB = 'dispute.resolve';
export const DISPUTE_DUE_JOB = 'dispute.due';

const DAY = 86_400;
/**
 * Days the merchant has to respond. Stripe's `due_by` depends on the network and reason (roughly
 * 7 to 21 days) and falls at the end of a day (23:59:59 UTC); Sandbank uses the shortest, 7.
 */
const RESPONSE_DAYS = 7;
/** How long the network takes to decide once evidence is submitted (seconds on the server clock). */
const DECISION_DELAY = 60;

/** What a submission leads to, decided by the test-mode magic evidence. */
type Outcome = 'won' | 'lost' | 'warning_closed' | 'escalate';

function dueBy(now: number): number {
  return Math.floor(now / DAY) * DAY + (RESPONSE_DAYS + 1) * DAY - 1;
}

/** Network reason codes for the reasons test cards use (Visa's and Mastercard's numbering). */
const REASON_CODES: Readonly<Record<string, Partial<Record<DisputeReason, string>>>> = {
  visa: {
    credit_not_processed: '13.6',
    duplicate: '12.6.1',
    fraudulent: '10.4',
    product_not_received: '13.1',
    product_unacceptable: '13.3',
    subscription_canceled: '13.2',
  },
  mastercard: {
    credit_not_processed: '4860',
    duplicate: '4834',
    fraudulent: '4837',
    product_not_received: '4855',
    product_unacceptable: '4853',
    subscription_canceled: '4841',
  },
};

/** Visa Compelling Evidence 3.0: what a merchant must add before the dispute qualifies. */
const CE3_REQUIRED_ACTIONS = [
  'missing_customer_identifiers',
  'missing_disputed_transaction_description',
  'missing_merchandise_or_services',
  'missing_prior_undisputed_transaction_description',
  'missing_prior_undisputed_transactions',
];

function emptyEvidence(): Evidence {
  const evidence = Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])) as Record<string, unknown>;
  evidence.enhanced_evidence = {};
  return sortObject(evidence) as Evidence;
}

function sortObject(o: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(o).sort()) sorted[key] = o[key];
  return sorted;
}

async function saveDispute(ctx: MutationContext, dispute: Dispute, update: boolean): Promise<Dispute> {
  const data = sortFields(dispute);
  await saveObject(ctx.tx, ctx.account.id, DISPUTE, data, { fields: disputeFields(data), update });
  return data;
}

async function loadDispute(ctx: MutationContext, id: string): Promise<Dispute> {
  return (await loadObject<Dispute>(ctx.tx, ctx.account.id, id, DISPUTE, { forUpdate: true })).object;
}

/** The chargeback's debit: the disputed amount and the dispute fee, available (that is, gone) at once. */
async function withdrawFunds(ctx: MutationContext, dispute: Dispute): Promise<void> {
  const txn = await recordBalanceTransaction(ctx, {
    amount: -dispute.amount,
    currency: dispute.currency,
    type: 'adjustment',
    reportingCategory: 'dispute',
    source: dispute.id,
    description: `Chargeback withdrawal for ${dispute.charge}`,
    fees: [disputeFee(ctx.account.country, dispute.currency)],
  });
  dispute.balance_transactions.push(txn);
}

/**
 * A won chargeback's credit: the disputed amount comes back. The dispute fee does not: recordings
 * of real test-mode disputes show the reversal with `fee: 0`, matching Stripe's current pricing
 * (the fee for receiving a dispute is kept whatever the outcome), although the testing docs still
 * say "the amount of the charge and related fees" are credited.
 */
async function reinstateFunds(ctx: MutationContext, dispute: Dispute): Promise<void> {
  const txn = await recordBalanceTransaction(ctx, {
    amount: dispute.amount,
    currency: dispute.currency,
    type: 'adjustment',
    reportingCategory: 'dispute_reversal',
    source: dispute.id,
    description: `Chargeback reversal for ${dispute.charge}`,
  });
  dispute.balance_transactions.push(txn);
}

async function scheduleDue(ctx: MutationContext, dispute: Dispute): Promise<void> {
  const dueAt = dispute.evidence_details.due_by;
  if (dueAt === null) return;
  await scheduleJob(ctx, { dueAt, kind: DISPUTE_DUE_JOB, target: dispute.id, payload: {} });
}

/**
 * `dispute.open`: the charge of a dispute test card is disputed. One dispute per charge: the
 * `createMultipleDisputes` card (which Stripe disputes more than once) gets one too.
 */
async function openDispute(ctx: MutationContext, job: Job): Promise<void> {
  const chargeId = (job.payload as { charge?: string }).charge ?? job.target;
  const loaded = await loadCharge(ctx, chargeId);
  const charge = loaded.object;
  const card = cardByKey(loaded.internal.card);
  const spec = card?.behaviour.dispute;
  if (!card || !spec || charge.disputed) return;
  const inquiry = spec.inquiry === true;
  const brand = charge.payment_method_details?.card.brand ?? card.brand;
  const compliance = spec.reason === 'noncompliant';
  const caseType: CaseType = inquiry ? 'inquiry' : compliance ? 'compliance' : 'chargeback';
  const reasonCode = compliance ? null : (REASON_CODES[brand]?.[spec.reason] ?? null);
  const now = ctx.clock.now();
  const eligibility: EnhancedEligibility = {};
  const eligibilityTypes: Dispute['enhanced_eligibility_types'] = [];
  if (card.key === 'createCe3EligibleDispute') {
    eligibilityTypes.push('visa_compelling_evidence_3');
    eligibility.visa_compelling_evidence_3 = { required_actions: CE3_REQUIRED_ACTIONS, status: 'requires_action' };
  } else if (compliance) {
    const type = brand === 'mastercard' ? 'mastercard_compliance' : 'visa_compliance';
    eligibilityTypes.push(type);
    eligibility[type] = { status: 'requires_fee_acknowledgement' };
  }
  const dispute: Dispute = {
    id: newId('dp', 24),
    object: 'dispute',
    amount: charge.amount_captured,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: eligibilityTypes,
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: dueBy(now),
      enhanced_eligibility: eligibility,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    // An inquiry can still be settled by refunding the charge; a chargeback already took the money.
    is_charge_refundable: inquiry,
    livemode: false,
    metadata: {},
    network_reason_code: reasonCode,
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: { brand, case_type: caseType, network: brand, network_reason_code: reasonCode },
      type: 'card',
    },
    reason: spec.reason,
    status: inquiry ? 'warning_needs_response' : 'needs_response',
  };
  if (!inquiry) await withdrawFunds(ctx, dispute);
  const saved = await saveDispute(ctx, dispute, false);
  charge.disputed = true;
  await saveCharge(ctx, loaded);
  await emitEvent(ctx, 'charge.dispute.created', saved);
  if (!inquiry) await emitEvent(ctx, 'charge.dispute.funds_withdrawn', saved);
  // Radar's pending questions about the payment are answered by the dispute.
  await closeReviewOf(ctx, charge, 'disputed');
  await updateEarlyFraudWarningsOf(ctx, loaded);
  await scheduleDue(ctx, saved);
}

// ---- evidence ----

type TransactionInput = { [K in keyof CompellingEvidenceTransaction]?: unknown };

function transaction(t: TransactionInput): CompellingEvidenceTransaction {
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    customer_account_id: s(t.customer_account_id),
    customer_device_fingerprint: s(t.customer_device_fingerprint),
    customer_device_id: s(t.customer_device_id),
    customer_email_address: s(t.customer_email_address),
    customer_purchase_ip: s(t.customer_purchase_ip),
    product_description: s(t.product_description),
    shipping_address: toAddress(t.shipping_address as Record<string, string | null> | null | undefined),
  };
}

function enhancedEvidence(
  current: EnhancedEvidence,
  input: EvidenceInput['enhanced_evidence'],
  dispute: Dispute,
): EnhancedEvidence {
  if (input === undefined) return current;
  if (input === null) return {};
  const next: EnhancedEvidence = { ...current };
  const eligibility = dispute.evidence_details.enhanced_eligibility;
  for (const key of ['mastercard_compliance', 'visa_compliance'] as const) {
    const given = input[key];
    if (given === undefined) continue;
    const acknowledged = given?.fee_acknowledged === true;
    next[key] = { fee_acknowledged: acknowledged };
    const status = eligibility[key];
    if (status) status.status = acknowledged ? 'fee_acknowledged' : 'requires_fee_acknowledgement';
  }
  const ce3 = input.visa_compelling_evidence_3;
  if (ce3 !== undefined) {
    const disputed = ce3?.disputed_transaction;
    next.visa_compelling_evidence_3 = {
      disputed_transaction: disputed
        ? { ...transaction(disputed), merchandise_or_services: disputed.merchandise_or_services ?? null }
        : null,
      prior_undisputed_transactions: (ce3?.prior_undisputed_transactions ?? []).map((t) => ({
        charge: t.charge,
        ...transaction(t),
      })),
    };
  }
  return sortObject(next as Record<string, unknown>) as EnhancedEvidence;
}

function applyEvidence(dispute: Dispute, input: EvidenceInput): void {
  const evidence = dispute.evidence;
  for (const field of EVIDENCE_FIELDS) {
    const value = input[field];
    if (value !== undefined) evidence[field] = value;
  }
  if (input.appeal === null) delete evidence.appeal;
  else if (input.appeal !== undefined) {
    const card = input.appeal.card;
    evidence.appeal = card
      ? {
          card: {
            ...(card.reason_for_filing ? { reason_for_filing: card.reason_for_filing } : {}),
            ...(card.supporting_files ? { supporting_files: card.supporting_files } : {}),
          },
        }
      : {};
  }
  evidence.enhanced_evidence = enhancedEvidence(evidence.enhanced_evidence, input.enhanced_evidence, dispute);
  dispute.evidence = sortObject(evidence) as Evidence;
  dispute.evidence_details.has_evidence = EVIDENCE_FIELDS.some((f) => dispute.evidence[f] !== null);
}

/** Stripe's cap on the files of one dispute's evidence together (its dispute evidence guidelines: 5 MB). */
const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;

/** An evidence file: a file of this account, uploaded for dispute evidence. */
async function evidenceFile(ctx: MutationContext, id: string, param: string): Promise<StripeFile> {
  const file = await loadFileForParam(ctx, id, param);
  if (file.purpose !== 'dispute_evidence') {
    throw invalidRequest(
      `The file ${id} has purpose ${file.purpose}, but dispute evidence must be a file uploaded with purpose dispute_evidence.`,
      { param },
    );
  }
  return file;
}

/** Every file the evidence names, with the parameter that names it. */
function evidenceFileIds(evidence: Evidence): { id: string; param: string }[] {
  const ids: { id: string; param: string }[] = [];
  for (const field of EVIDENCE_FILE_FIELDS) {
    const id = evidence[field];
    if (id !== null) ids.push({ id, param: `evidence[${field}]` });
  }
  (evidence.appeal?.card?.supporting_files ?? []).forEach((id, i) => {
    ids.push({ id, param: `evidence[appeal][card][supporting_files][${i}]` });
  });
  return ids;
}

/**
 * Checks the files the evidence names once the update is applied: each must be this account's
 * dispute evidence, and together they must fit Stripe's size limit for one dispute.
 */
async function checkEvidenceFiles(ctx: MutationContext, evidence: Evidence): Promise<void> {
  let total = 0;
  for (const { id, param } of evidenceFileIds(evidence)) total += (await evidenceFile(ctx, id, param)).size;
  if (total > MAX_EVIDENCE_BYTES) {
    throw invalidRequest(
      "The files you've attached to this dispute as evidence will exceed the limit for a dispute's total size. Try using smaller files as evidence. Hint: if you've attached images, you might want to try providing them in lower resolutions.",
      { param: 'evidence' },
    );
  }
}

/** The decision the magic evidence asks for; `undefined` keeps the dispute under review. */
function outcomeOf(dispute: Dispute): Outcome | undefined {
  const text = dispute.evidence.uncategorized_text;
  if (isInquiry(dispute.status)) {
    if (text === 'escalate_inquiry_evidence') return 'escalate';
    return text === 'winning_evidence' || text === 'losing_evidence' ? 'warning_closed' : undefined;
  }
  if (text === 'winning_evidence') return 'won';
  return text === 'losing_evidence' ? 'lost' : undefined;
}

/** Submits the evidence: the dispute goes under review and, for magic evidence, is decided shortly. */
async function submitEvidence(ctx: MutationContext, dispute: Dispute): Promise<void> {
  const outcome = outcomeOf(dispute);
  dispute.evidence_details.submission_count += 1;
  dispute.evidence_details.submission_method = 'manual';
  transitionDispute(dispute, isInquiry(dispute.status) ? 'warning_under_review' : 'under_review');
  if (outcome) {
    await scheduleJob(ctx, {
      dueAt: ctx.clock.now() + DECISION_DELAY,
      kind: RESOLVE_DISPUTE_JOB,
      target: dispute.id,
      payload: { outcome },
    });
  }
}

function alreadyClosed() {
  return invalidRequest('This dispute is already closed.');
}

/**
 * Updates evidence, metadata and the intended submission method, and submits the evidence unless
 * `submit=false`. A closed dispute accepts only metadata; one under review no longer accepts evidence.
 */
export async function updateDispute(ctx: MutationContext, id: string, input: UpdateInput): Promise<Dispute> {
  const dispute = await loadDispute(ctx, id);
  const before = structuredClone(dispute);
  const reviewing = dispute.status === 'under_review' || dispute.status === 'warning_under_review';
  if (isClosed(dispute.status) && (input.evidence || input.submit === true || input.intended_submission_method)) {
    throw alreadyClosed();
  }
  if (reviewing && input.evidence) {
    throw invalidRequest(
      'This dispute is under review: its evidence has been submitted and can no longer be changed.',
      { param: 'evidence' },
    );
  }
  if (input.evidence) {
    applyEvidence(dispute, input.evidence);
    await checkEvidenceFiles(ctx, dispute.evidence);
  }
  dispute.metadata = applyMetadata(dispute.metadata, input.metadata);
  if (input.intended_submission_method !== undefined) {
    dispute.intended_submission_method = input.intended_submission_method;
  }
  if (!isClosed(dispute.status) && !reviewing && input.submit !== false) await submitEvidence(ctx, dispute);
  const saved = await saveDispute(ctx, dispute, true);
  if (JSON.stringify(before) !== JSON.stringify(saved)) await emitEvent(ctx, 'charge.dispute.updated', saved, before);
  return saved;
}

/** Accepts the dispute: a chargeback is lost, an inquiry closes. */
export async function closeDispute(ctx: MutationContext, id: string): Promise<Dispute> {
  const dispute = await loadDispute(ctx, id);
  if (isClosed(dispute.status)) throw alreadyClosed();
  if (dispute.status === 'under_review' || dispute.status === 'warning_under_review') {
    throw invalidRequest('This dispute is under review and can no longer be closed.');
  }
  const before = structuredClone(dispute);
  transitionDispute(dispute, isInquiry(dispute.status) ? 'warning_closed' : 'lost');
  const saved = await saveDispute(ctx, dispute, true);
  await emitEvent(ctx, 'charge.dispute.closed', saved, before);
  return saved;
}

// ---- jobs ----

/** `dispute.resolve`: the network decides a submitted dispute. */
async function resolveDispute(ctx: MutationContext, job: Job): Promise<void> {
  const dispute = await loadDispute(ctx, job.target);
  if (dispute.status !== 'under_review' && dispute.status !== 'warning_under_review') return;
  const before = structuredClone(dispute);
  const outcome = (job.payload as { outcome?: Outcome }).outcome;
  if (outcome === 'escalate') {
    // The inquiry becomes a chargeback: the money goes now, and the merchant may respond again.
    transitionDispute(dispute, 'needs_response');
    dispute.is_charge_refundable = false;
    dispute.payment_method_details.card.case_type = 'chargeback';
    dispute.evidence_details.due_by = dueBy(ctx.clock.now());
    dispute.evidence_details.past_due = false;
    await withdrawFunds(ctx, dispute);
    const saved = await saveDispute(ctx, dispute, true);
    await emitEvent(ctx, 'charge.dispute.updated', saved, before);
    await emitEvent(ctx, 'charge.dispute.funds_withdrawn', saved);
    await scheduleDue(ctx, saved);
    return;
  }
  if (outcome === 'won') {
    transitionDispute(dispute, 'won');
    await reinstateFunds(ctx, dispute);
  } else if (outcome === 'lost' || outcome === 'warning_closed') transitionDispute(dispute, outcome);
  else return;
  const saved = await saveDispute(ctx, dispute, true);
  if (outcome === 'won') await emitEvent(ctx, 'charge.dispute.funds_reinstated', saved);
  await emitEvent(ctx, 'charge.dispute.closed', saved, before);
}

/**
 * `dispute.due`: the response window closed. Evidence saved but not submitted is submitted now;
 * without evidence a chargeback is lost and an inquiry closes (Sandbank does not escalate it).
 */
async function disputeDue(ctx: MutationContext, job: Job): Promise<void> {
  const dispute = await loadDispute(ctx, job.target);
  const due = dispute.evidence_details.due_by;
  if (due === null || due > ctx.clock.now()) return;
  if (dispute.status !== 'needs_response' && dispute.status !== 'warning_needs_response') return;
  const before = structuredClone(dispute);
  dispute.evidence_details.past_due = true;
  if (dispute.evidence_details.has_evidence) {
    await submitEvidence(ctx, dispute);
    const saved = await saveDispute(ctx, dispute, true);
    await emitEvent(ctx, 'charge.dispute.updated', saved, before);
    return;
  }
  transitionDispute(dispute, isInquiry(dispute.status) ? 'warning_closed' : 'lost');
  const saved = await saveDispute(ctx, dispute, true);
  await emitEvent(ctx, 'charge.dispute.closed', saved, before);
}

/** What runs when a dispute's scheduled job comes due, by job kind. */
setDisputeOpener((ctx, charge) =>
  openDispute(ctx, {
    seq: 0,
    attempts: 0,
    account: ctx.account.id,
    dueAt: 0,
    kind: DISPUTE_JOB,
    target: charge,
    payload: { charge },
  }),
);

export const disputeJobHandlers: Record<string, JobHandler> = {
  [DISPUTE_JOB]: openDispute,
  [RESOLVE_DISPUTE_JOB]: resolveDispute,
  [DISPUTE_DUE_JOB]: disputeDue,
};
