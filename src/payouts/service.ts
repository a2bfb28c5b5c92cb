/**
 * Payout domain logic. A payout debits the available balance at once (a `payout` balance
 * transaction, with the instant payout fee on top for `method=instant`), then moves on the server's
 * clock through a `payout.advance` job:
 *
 * - standard: `pending` until the next midnight UTC (Stripe submits payouts to the bank once a day;
 *   until then it can be canceled), then `in_transit`, then `paid` on `arrival_date`, two days later;
 * - instant: `arrival_date` is now, and it becomes `paid` as soon as the job runs.
 *
 * There are no external accounts yet: every account pays out to one pseudo bank account
 * (`ba_sandbank…`), and a payout to `ba_<failure code>` (e.g. `ba_account_closed`) fails on its
 * arrival date with that code, Stripe's message, and a `payout_failure` balance transaction that
 * returns the money (and any fee). Cancelling returns it with a `payout_cancel` transaction.
 */
import {
  availableOnAfter,
  BALANCE_TRANSACTION,
  type BalanceTransaction,
  recordBalanceTransaction,
} from '../balance/transactions.js';
import { emitEvent } from '../events/outbox.js';
import { requireCurrency } from '../money/currencies.js';
import { instantPayoutFee } from '../money/pricing.js';
import { invalidRequest, resourceMissing, StripeError } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { allObjects, type ListEnvelope, listPage, listPageInMemory } from '../platform/list.js';
import { applyMetadata } from '../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext, WriteContext } from '../platform/operation.js';
import type { Range } from '../platform/params.js';
import { scheduleJob } from '../platform/scheduler.js';
import type { Account, Job, Reader } from '../store/store.js';
import { PAYOUT, type Payout, payoutIndexFields, transition } from './object.js';
import type { createPayoutParams, listPayoutsParams, updatePayoutParams } from './params.js';

type CreateInput = ReturnType<typeof createPayoutParams.parse>;
type UpdateInput = ReturnType<typeof updatePayoutParams.parse>;
type ListPayoutsInput = ReturnType<typeof listPayoutsParams.parse>;

export const PAYOUT_JOB = 'payout.advance';

/**
 * The failures a test destination `ba_<code>` simulates: the outcomes of Stripe's test bank account
 * numbers (000111111116 no_account, 000111111113 account_closed, 000222222227 insufficient_funds,
 * 000333333335 debit_not_authorized, 000444444440 invalid_currency), with the `failure_message`
 * texts of Stripe's API reference (the Payout object's `failure_code` values).
 */
export const PAYOUT_FAILURES = {
  no_account:
    'The bank account details on file are probably incorrect. No bank account could be located with those details.',
  account_closed: 'The bank account has been closed.',
  insufficient_funds: 'Your Stripe account has insufficient funds to cover the payout.',
  debit_not_authorized:
    'Debit transactions are not approved on the bank account. (Stripe requires bank accounts to be set up for both credit and debit payouts.)',
  invalid_currency:
    'The bank was unable to process this payout because of its currency. This is probably because the bank account cannot accept payments in that currency.',
} as const;

type FailureCode = keyof typeof PAYOUT_FAILURES;

/** The account's own pseudo bank account: where payouts go unless a test destination is named. */
export function defaultDestination(account: Account): string {
  return `ba_sandbank${account.id.replace(/^acct_/, '')}`;
}

function failureOf(destination: string | null): FailureCode | undefined {
  const code = destination?.startsWith('ba_') ? destination.slice(3) : '';
  return Object.hasOwn(PAYOUT_FAILURES, code) ? (code as FailureCode) : undefined;
}

function checkDestination(account: Account, destination: string): void {
  if (destination === defaultDestination(account) || failureOf(destination)) return;
  throw resourceMissing('external account', destination, 'destination');
}

/**
 * Stripe's refusal when the available balance cannot cover a payout. Stripe's wording names a
 * transfer for payouts too (the text, double space included, is what its API sends for transfers and
 * what replicas tested against it send for payouts).
 */
function balanceInsufficient(sourceType: string): StripeError {
  return new StripeError({
    kind: 'bad_request',
    type: 'invalid_request_error',
    code: 'balance_insufficient',
    message: `You have insufficient funds in your Stripe account for this transfer. Your ${sourceType} balance is too low.  You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).`,
  });
}

/** Available funds in `currency` (minor units). Sandbank's balance holds card funds only. */
async function availableFor(reader: Reader, account: string, currency: string, sourceType: string): Promise<number> {
  if (sourceType !== 'card') return 0;
  const totals = await reader.balanceTotals(account);
  return totals.filter((t) => t.currency === currency && t.status === 'available').reduce((s, t) => s + t.net, 0);
}

async function save(ctx: MutationContext, payout: Payout, update = true): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, PAYOUT, payout, { update, fields: payoutIndexFields(payout) });
}

async function loadForUpdate(ctx: MutationContext, id: string): Promise<Payout> {
  return (await loadObject<Payout>(ctx.tx, ctx.account.id, id, PAYOUT, { forUpdate: true })).object;
}

/** Creates a payout of `amount` minor units from the available balance; 400 `balance_insufficient` if it cannot. */
export async function createPayout(ctx: WriteContext, input: CreateInput): Promise<Payout> {
  const currency = requireCurrency(input.currency).code;
  if (input.payout_method) {
    throw invalidRequest('Sandbank does not support payouts to v2 financial accounts; use `destination` instead.', {
      param: 'payout_method',
    });
  }
  const destination = input.destination ?? defaultDestination(ctx.account);
  checkDestination(ctx.account, destination);
  const method = input.method ?? 'standard';
  const sourceType = input.source_type ?? 'card';

  // Two payouts must not both spend the same funds: the balance check and the debit are atomic.
  await ctx.tx.lockAccount(ctx.account.id);
  const fee = method === 'instant' ? instantPayoutFee(input.amount, currency) : undefined;
  const available = await availableFor(ctx.tx, ctx.account.id, currency, sourceType);
  if (available < input.amount + (fee?.amount ?? 0)) throw balanceInsufficient(sourceType);

  const now = ctx.clock.now();
  const id = newId('po', 24);
  const txn = await recordBalanceTransaction(ctx, {
    amount: -input.amount,
    currency,
    type: 'payout',
    reportingCategory: 'payout',
    source: id,
    description: input.description ?? null,
    fees: fee ? [fee] : [],
  });
  const payout = sortFields<Payout>({
    id,
    object: 'payout',
    amount: input.amount,
    application_fee: null,
    application_fee_amount: null,
    // Standard: submitted at the next midnight UTC, arriving two days later; instant: now.
    arrival_date: method === 'instant' ? now : availableOnAfter(now, 3),
    automatic: false,
    balance_transaction: txn.id,
    created: now,
    currency,
    description: input.description ?? null,
    destination,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    source_type: sourceType,
    statement_descriptor: input.statement_descriptor ?? null,
    status: 'pending',
    trace_id: { status: 'pending', value: null },
    type: 'bank_account',
  });
  await save(ctx, payout, false);
  await emitEvent(ctx, 'payout.created', payout);
  await scheduleJob(ctx, {
    dueAt: method === 'instant' ? now : availableOnAfter(now, 1),
    kind: PAYOUT_JOB,
    target: id,
    payload: {},
  });
  return payout;
}

/** Sets metadata (the only thing Stripe lets you change on a payout). */
export async function updatePayout(ctx: WriteContext, id: string, input: UpdateInput): Promise<Payout> {
  const payout = await loadForUpdate(ctx, id);
  const before = structuredClone(payout);
  payout.metadata = applyMetadata(payout.metadata, input.metadata);
  if (JSON.stringify(before.metadata) !== JSON.stringify(payout.metadata)) {
    await save(ctx, payout);
    await emitEvent(ctx, 'payout.updated', payout, before);
  }
  return payout;
}

/**
 * Returns the payout's balance transaction (amount and fee) to the balance: a `payout_cancel` or
 * `payout_failure` transaction, available at once, recorded as the payout's
 * `failure_balance_transaction`.
 */
async function returnFunds(
  ctx: MutationContext,
  payout: Payout,
  type: 'payout_cancel' | 'payout_failure',
  availableOn?: number,
) {
  const original = payout.balance_transaction
    ? (await loadObject<BalanceTransaction>(ctx.tx, ctx.account.id, payout.balance_transaction, BALANCE_TRANSACTION))
        .object
    : undefined;
  const txn = await recordBalanceTransaction(ctx, {
    amount: payout.amount,
    currency: payout.currency,
    type,
    reportingCategory: 'payout_reversal',
    source: payout.id,
    description: payout.description,
    fees: (original?.fee_details ?? []).map((f) => ({
      amount: -f.amount,
      currency: f.currency,
      description: f.description,
      type: f.type,
    })),
    ...(availableOn !== undefined ? { availableOn } : {}),
  });
  payout.failure_balance_transaction = txn.id;
}

/** Cancels a pending payout and returns its funds; anything else is Stripe's 400. */
export async function cancelPayout(ctx: WriteContext, id: string): Promise<Payout> {
  await ctx.tx.lockAccount(ctx.account.id);
  const payout = await loadForUpdate(ctx, id);
  const before = structuredClone(payout);
  transition(payout, 'canceled');
  await returnFunds(ctx, payout, 'payout_cancel');
  for (const job of await ctx.tx.jobsFor(ctx.account.id, id)) await ctx.tx.deleteJob(job.seq);
  await save(ctx, payout);
  await emitEvent(ctx, 'payout.canceled', payout);
  await emitEvent(ctx, 'payout.updated', payout, before);
  return payout;
}

// ---- reversals ----

/** How long after its arrival a payout may still be reversed (Stripe: less than 90 days). */
const REVERSAL_WINDOW = 90 * 86_400;

/** Where Stripe can debit a bank account back: the US and Canada. */
const REVERSIBLE_COUNTRIES = ['US', 'CA'];

/** Stripe's reasons a payout cannot be reversed, checked in this order. */
function checkReversible(ctx: WriteContext, payout: Payout): void {
  const refuse = (message: string) => invalidRequest(message);
  if (payout.original_payout)
    throw refuse(`Payout ${payout.id} reverses another payout and cannot itself be reversed.`);
  if (payout.reversed_by) throw refuse(`Payout ${payout.id} has already been reversed by ${payout.reversed_by}.`);
  if (payout.method === 'instant') throw refuse('Instant payouts cannot be reversed.');
  if (payout.status === 'pending') {
    throw refuse(`Payout ${payout.id} is still pending: cancel it instead with /v1/payouts/${payout.id}/cancel.`);
  }
  if (payout.status !== 'in_transit' && payout.status !== 'paid') {
    throw refuse(
      `Payout ${payout.id} cannot be reversed because it has a status of ${payout.status}. Only payouts that are in_transit or paid can be reversed.`,
    );
  }
  if (!REVERSIBLE_COUNTRIES.includes(ctx.account.country)) {
    throw refuse('Only payouts to bank accounts in the US or Canada can be reversed.');
  }
  if (ctx.clock.now() - payout.arrival_date >= REVERSAL_WINDOW) {
    throw refuse(`Payout ${payout.id} arrived more than 90 days ago and can no longer be reversed.`);
  }
}

/**
 * `POST /v1/payouts/:id/reverse`: debits the destination bank account back. The reversal is a new
 * payout of the negated amount (`original_payout`; the original gets `reversed_by`), `pending`
 * until its arrival date, when it is `paid` and its credit to the balance becomes available.
 * Events: `payout.updated` (the original), then `payout.created` (the reversal).
 */
export async function reversePayout(
  ctx: WriteContext,
  id: string,
  input: { metadata?: Record<string, string> | null },
): Promise<Payout> {
  await ctx.tx.lockAccount(ctx.account.id);
  const original = await loadForUpdate(ctx, id);
  checkReversible(ctx, original);
  const now = ctx.clock.now();
  const reversalId = newId('po', 24);
  const arrival = availableOnAfter(now, 3);
  const txn = await recordBalanceTransaction(ctx, {
    amount: original.amount,
    currency: original.currency,
    type: 'payout',
    reportingCategory: 'payout_reversal',
    source: reversalId,
    description: original.description,
    availableOn: arrival,
  });
  const reversal = sortFields<Payout>({
    ...original,
    id: reversalId,
    amount: -original.amount,
    arrival_date: arrival,
    automatic: false,
    balance_transaction: txn.id,
    created: now,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    metadata: applyMetadata({}, input.metadata),
    original_payout: original.id,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    status: 'pending',
    trace_id: { status: 'pending', value: null },
  });
  const before = structuredClone(original);
  original.reversed_by = reversal.id;
  await save(ctx, original);
  await save(ctx, reversal, false);
  await emitEvent(ctx, 'payout.updated', original, before);
  await emitEvent(ctx, 'payout.created', reversal);
  await scheduleJob(ctx, { dueAt: arrival, kind: PAYOUT_JOB, target: reversal.id, payload: {} });
  return reversal;
}

/** The original payout failed while its reversal was still pending: Stripe cancels the reversal. */
async function cancelPendingReversal(ctx: MutationContext, id: string): Promise<void> {
  const reversal = await loadForUpdate(ctx, id);
  if (reversal.status !== 'pending') return;
  const before = structuredClone(reversal);
  transition(reversal, 'canceled');
  // The credit was never available: its undoing becomes available when the credit would have.
  await returnFunds(ctx, reversal, 'payout_cancel', reversal.arrival_date);
  for (const job of await ctx.tx.jobsFor(ctx.account.id, id)) await ctx.tx.deleteJob(job.seq);
  await save(ctx, reversal);
  await emitEvent(ctx, 'payout.canceled', reversal);
  await emitEvent(ctx, 'payout.updated', reversal, before);
}

/**
 * The `payout.advance` job: a pending standard payout goes in transit (and is scheduled again for
 * its arrival date); an in-transit (or pending instant) payout is paid, or fails if its destination
 * names a failure. Payouts that were canceled meanwhile are left alone.
 */
export async function advancePayout(ctx: MutationContext, job: Job): Promise<void> {
  await ctx.tx.lockAccount(ctx.account.id);
  const payout = await loadForUpdate(ctx, job.target);
  const before = structuredClone(payout);
  // A reversal is a debit the bank completes on its arrival date: it has no in-transit stage.
  if (payout.status === 'pending' && payout.method === 'standard' && !payout.original_payout) {
    transition(payout, 'in_transit');
    await save(ctx, payout);
    await emitEvent(ctx, 'payout.updated', payout, before);
    await scheduleJob(ctx, { dueAt: payout.arrival_date, kind: PAYOUT_JOB, target: payout.id, payload: {} });
    return;
  }
  if (payout.status !== 'pending' && payout.status !== 'in_transit') return;
  const failure = failureOf(payout.destination);
  if (failure) {
    transition(payout, 'failed');
    payout.failure_code = failure;
    payout.failure_message = PAYOUT_FAILURES[failure];
    await returnFunds(ctx, payout, 'payout_failure');
    await save(ctx, payout);
    await emitEvent(ctx, 'payout.failed', payout);
    if (payout.reversed_by) await cancelPendingReversal(ctx, payout.reversed_by);
  } else {
    transition(payout, 'paid');
    await save(ctx, payout);
    await emitEvent(ctx, 'payout.paid', payout);
  }
  await emitEvent(ctx, 'payout.updated', payout, before);
}

function inRange(value: number, range: Range): boolean {
  return (
    (range.gt == null || value > range.gt) &&
    (range.gte == null || value >= range.gte) &&
    (range.lt == null || value < range.lt) &&
    (range.lte == null || value <= range.lte)
  );
}

/**
 * Lists payouts, newest first. `status` and `destination` are indexed; `arrival_date` is not, so a
 * list filtered on it reads the account's matching payouts and pages through them in memory (a
 * sandbox account holds few payouts).
 */
export async function listPayouts(reader: Reader, account: string, input: ListPayoutsInput): Promise<ListEnvelope> {
  const url = '/v1/payouts';
  const equals: Record<string, string> = {};
  if (input.status) equals.status = input.status;
  if (input.destination) equals.destination = input.destination;
  const filters = Object.keys(equals).length > 0 ? { equals } : {};
  const arrival = input.arrival_date;
  if (!arrival) return listPage(reader, { account, type: PAYOUT, url, input, ...filters });
  const rows = await allObjects(reader, {
    account,
    type: PAYOUT,
    ...filters,
    ...(input.created ? { created: input.created } : {}),
  });
  const items = rows.filter((r) => inRange((r.object as unknown as Payout).arrival_date, arrival));
  return listPageInMemory(reader, { account, type: PAYOUT, url, input, items });
}
