/**
 * Balance transactions: every movement of money in an account (a charge, a refund, a dispute, a
 * payout, a fee) is one `txn_` with its gross `amount`, `fee`, `fee_details` and `net`. Funds start
 * `pending` and become `available` on `available_on`: a `balance.release` job per account and day
 * flips them when the clock gets there, and emits `balance.available`. The account's balance is the
 * sum of the nets (see balance/routes.ts).
 */
import { emitEvent } from '../events/outbox.js';
import { newId } from '../platform/ids.js';
import { saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';
import { scheduleJob } from '../platform/scheduler.js';
import type { Account, IndexedFields, Job, Reader } from '../store/store.js';

export const BALANCE_TRANSACTION = 'balance_transaction';
export const RELEASE_JOB = 'balance.release';

export interface FeeDetail {
  amount: number;
  application: string | null;
  currency: string;
  description: string;
  type: string;
}

export interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  balance_type: 'payments';
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: number | null;
  fee: number;
  fee_details: FeeDetail[];
  net: number;
  reporting_category: string;
  source: string | null;
  status: 'available' | 'pending';
  type: string;
}

const DAY = 86_400;
/**
 * Days until a charge's funds are available: Stripe's standard payout timing for US accounts (two
 * business days, simplified to calendar days). Other countries vary between 2 and 7 days.
 */
const AVAILABILITY_DAYS = 2;

/** Midnight UTC, `days` days after `now`: Stripe's `available_on` falls on a day boundary. */
export function availableOnAfter(now: number, days = AVAILABILITY_DAYS): number {
  return Math.floor(now / DAY) * DAY + days * DAY;
}

export interface NewBalanceTransaction {
  /** Gross amount in minor units, negative for money leaving the balance. */
  amount: number;
  currency: string;
  type: string;
  reportingCategory: string;
  source: string | null;
  description?: string | null;
  fees?: { amount: number; currency: string; description: string; type?: string }[];
  /** When the funds become available; omitted means now (available immediately). */
  availableOn?: number;
}

/** Records one balance transaction (and schedules its release if it starts pending). */
export async function recordBalanceTransaction(
  ctx: MutationContext,
  input: NewBalanceTransaction,
): Promise<BalanceTransaction> {
  const now = ctx.clock.now();
  const feeDetails = (input.fees ?? [])
    .filter((f) => f.amount !== 0)
    .map((f) => ({
      amount: f.amount,
      application: null,
      currency: f.currency,
      description: f.description,
      type: f.type ?? 'stripe_fee',
    }));
  const fee = feeDetails.reduce((sum, f) => sum + f.amount, 0);
  const availableOn = input.availableOn ?? now;
  const pending = availableOn > now;
  const txn = sortFields<BalanceTransaction>({
    id: newId('txn', 24),
    object: 'balance_transaction',
    amount: input.amount,
    available_on: availableOn,
    balance_type: 'payments',
    created: now,
    currency: input.currency,
    description: input.description ?? null,
    exchange_rate: null,
    fee,
    fee_details: feeDetails,
    net: input.amount - fee,
    reporting_category: input.reportingCategory,
    source: input.source,
    status: pending ? 'pending' : 'available',
    type: input.type,
  });
  await saveObject(ctx.tx, ctx.account.id, BALANCE_TRANSACTION, txn, { fields: transactionFields(ctx, txn) });
  if (pending) await scheduleRelease(ctx, availableOn);
  // Funds that are available at once (e.g. pm_card_bypassPending) announce it at once.
  else if (txn.net > 0) await emitEvent(ctx, 'balance.available', await balanceObject(ctx.tx, ctx.account));
  return txn;
}

/**
 * A balance transaction's indexed fields. One made on a test clock (a Billing customer's payment)
 * also names the clock: its funds become available when that clock passes `available_on`, not when
 * real time does, and the account's own releases leave it alone.
 */
function transactionFields(ctx: MutationContext, txn: BalanceTransaction): IndexedFields {
  const fields: IndexedFields = { status: txn.status, type: txn.type, source: txn.source, currency: txn.currency };
  if (ctx.testClock) fields.test_clock = ctx.testClock;
  return fields;
}

/** One release job per account and `available_on` instant, however many transactions share it. */
async function scheduleRelease(ctx: MutationContext, availableOn: number): Promise<void> {
  const target = `balance:${availableOn}`;
  await scheduleJob(ctx, { dueAt: availableOn, kind: RELEASE_JOB, target, payload: {}, once: true });
}

/** The release job: pending transactions whose `available_on` has come become available. */
export async function releaseFunds(ctx: MutationContext, _job: Job): Promise<void> {
  const now = ctx.clock.now();
  let released = 0;
  let after: { created: number; seq: number } | undefined;
  for (;;) {
    const page = await ctx.tx.listObjects({
      account: ctx.account.id,
      type: BALANCE_TRANSACTION,
      limit: 100,
      // A test clock's release frees only that clock's funds; the account's frees only its own.
      equals: { status: 'pending', ...(ctx.testClock ? { test_clock: ctx.testClock } : {}) },
      ...(ctx.testClock ? {} : { absent: ['test_clock'] }),
      ...(after ? { after } : {}),
    });
    for (const row of page.rows) {
      const txn = JSON.parse(row.json) as BalanceTransaction;
      if (txn.available_on > now) continue;
      txn.status = 'available';
      await saveObject(ctx.tx, ctx.account.id, BALANCE_TRANSACTION, txn, {
        update: true,
        fields: transactionFields(ctx, txn),
      });
      released++;
    }
    const last = page.rows[page.rows.length - 1];
    if (!page.hasMore || !last) break;
    after = { created: last.created, seq: last.seq };
  }
  if (released > 0) await emitEvent(ctx, 'balance.available', await balanceObject(ctx.tx, ctx.account));
}

export interface BalanceAmount {
  amount: number;
  currency: string;
  source_types: { card: number };
}

export interface Balance {
  object: 'balance';
  available: BalanceAmount[];
  livemode: false;
  pending: BalanceAmount[];
  refund_and_dispute_prefunding: { available: BalanceAmount[]; pending: BalanceAmount[] };
}

/** The account's balance: nets summed per currency into available and pending. */
export async function balanceObject(reader: Reader, account: Account): Promise<Balance> {
  const totals = await reader.balanceTotals(account.id);
  const currencies = [...new Set([account.defaultCurrency, ...totals.map((t) => t.currency)])].sort();
  const sum = (currency: string, status: string) =>
    totals.filter((t) => t.currency === currency && t.status === status).reduce((s, t) => s + t.net, 0);
  const bucket = (status: string) =>
    currencies.map((currency) => {
      const amount = sum(currency, status);
      return { amount, currency, source_types: { card: amount } };
    });
  return {
    object: 'balance',
    available: bucket('available'),
    livemode: false,
    pending: bucket('pending'),
    refund_and_dispute_prefunding: { available: [], pending: [] },
  };
}
