/**
 * Test clocks: creation, the asynchronous advance, deletion (with everything on the clock), and
 * the customers attached to a clock.
 *
 * An advance answers at once with the clock `advancing`; the work runs afterwards as a real-time
 * job (`test_clock.advance`) that runs the clock's due jobs in (due_at, seq) order, each at its due
 * time on the clock, a bounded batch per transaction, rescheduling itself until none is due at or
 * before the target. Jobs those jobs schedule within the target run in the same advance. Then the
 * clock's frozen_time moves to the target and it is `ready` again. A job that throws stops the
 * advance in `internal_failure` (Stripe's status for an advance that failed; such a clock can only
 * be deleted).
 */

import { CUSTOMER, type Customer, customerIndexFields } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { allObjects } from '../../platform/list.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { type JobHandler, scheduleDetached, scheduleJob } from '../../platform/scheduler.js';
import type { Job } from '../../store/store.js';
import { SUBSCRIPTION, type Subscription, subscriptionFields } from '../subscriptions/object.js';
import { requireReady } from './context.js';
import {
  CUSTOMERS_PER_CLOCK,
  type DeletedTestClock,
  TEST_CLOCK,
  TEST_CLOCK_LIFETIME,
  TEST_CLOCK_TRANSITIONS,
  type TestClock,
  type TestClockInternal,
  type TestClockStatus,
} from './object.js';

export const ADVANCE_JOB = 'test_clock.advance';
export const EXPIRE_JOB = 'test_clock.expire';

/** How Stripe names a clock in "No such test_clock: 'clock_…'". */
const LABEL = 'test_clock';

/**
 * Clock jobs per transaction during an advance: large enough that a year of a thousand monthly
 * subscriptions takes few commits, small enough that no transaction holds the database for long.
 */
export const CLOCK_BATCH = 250;

/** Subscriptions that no longer bill (and no longer bound an advance). */
const ENDED_SUBSCRIPTIONS = new Set(['canceled', 'incomplete_expired']);

function move(clock: TestClock, to: TestClockStatus): void {
  if (!(TEST_CLOCK_TRANSITIONS[clock.status] as readonly TestClockStatus[]).includes(to)) {
    throw new Error(`test clock ${clock.id}: ${clock.status} cannot become ${to}`);
  }
  clock.status = to;
  clock.status_details = {};
}

export async function loadClock(
  ctx: { tx: MutationContext['tx']; account: MutationContext['account'] },
  id: string,
  opts: { param?: string; forUpdate?: boolean } = {},
): Promise<{ clock: TestClock; internal: TestClockInternal }> {
  const loaded = await loadObject<TestClock, TestClockInternal>(ctx.tx, ctx.account.id, id, TEST_CLOCK, {
    label: LABEL,
    forUpdate: opts.forUpdate ?? true,
    ...(opts.param ? { param: opts.param } : {}),
  });
  return { clock: loaded.object, internal: loaded.internal };
}

async function saveClock(ctx: MutationContext, clock: TestClock, internal: TestClockInternal, insert = false) {
  await saveObject(ctx.tx, ctx.account.id, TEST_CLOCK, clock, { update: !insert, internal });
}

export async function createTestClock(
  ctx: MutationContext,
  input: { frozen_time: number; name?: string | null; customer?: string | null },
): Promise<TestClock> {
  const created = ctx.clock.now();
  const clock: TestClock = sortFields({
    id: newId('clock', 24),
    object: 'test_helpers.test_clock',
    created,
    deletes_after: created + TEST_CLOCK_LIFETIME,
    frozen_time: input.frozen_time,
    livemode: false,
    name: input.name ?? null,
    status: 'ready',
    status_details: {},
  });
  const internal: TestClockInternal = { customers: 0 };
  await saveClock(ctx, clock, internal, true);
  // Stripe deletes a clock at `deletes_after` (on the account's clock, not the test clock's).
  await scheduleJob(ctx, { dueAt: clock.deletes_after, kind: EXPIRE_JOB, target: clock.id, payload: {} });
  await emitEvent(ctx, 'test_helpers.test_clock.created', clock);
  if (input.customer) await attachExisting(ctx, clock, internal, input.customer);
  return clock;
}

/**
 * `customer` on create: an existing customer joins the new clock. One that has subscriptions is
 * refused: their renewals are already scheduled on the account's clock and would not follow.
 */
async function attachExisting(
  ctx: MutationContext,
  clock: TestClock,
  internal: TestClockInternal,
  customerId: string,
): Promise<void> {
  const loaded = await loadObject<Customer>(ctx.tx, ctx.account.id, customerId, CUSTOMER, {
    param: 'customer',
    forUpdate: true,
  });
  const customer = loaded.object;
  if (customer.test_clock) {
    throw invalidRequest(`The customer ${customerId} is already attached to a test clock.`, { param: 'customer' });
  }
  const subs = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: SUBSCRIPTION,
    limit: 1,
    equals: { customer: customerId },
  });
  if (subs.rows.length > 0) {
    throw invalidRequest(
      `The customer ${customerId} has subscriptions and cannot be attached to a test clock. Create a new customer with \`test_clock\` instead.`,
      { param: 'customer' },
    );
  }
  await countCustomer(ctx, clock, internal, 'customer');
  const before = structuredClone(customer);
  customer.test_clock = clock.id;
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id: customer.id,
    type: CUSTOMER,
    created: customer.created,
    data: customer,
    fields: customerIndexFields(customer),
  });
  await emitEvent(ctx, 'customer.updated', customer, before);
}

/** Counts one more customer on `clock` (saved), within the per-clock limit. */
async function countCustomer(
  ctx: MutationContext,
  clock: TestClock,
  internal: TestClockInternal,
  param: string,
): Promise<void> {
  const count = internal.customers ?? 0;
  if (count >= CUSTOMERS_PER_CLOCK) {
    throw invalidRequest(
      `The test clock ${clock.id} already has the maximum number of customers (${CUSTOMERS_PER_CLOCK}).`,
      { param },
    );
  }
  internal.customers = count + 1;
  await saveClock(ctx, clock, internal);
}

/**
 * For `POST /v1/customers` with `test_clock`: the clock must exist and be ready, and have room.
 * Returns the clock's frozen time (the new customer's `created`).
 */
export async function attachNewCustomer(ctx: MutationContext, clockId: string): Promise<number> {
  const { clock, internal } = await loadClock(ctx, clockId, { param: 'test_clock' });
  requireReady(clock, 'test_clock');
  await countCustomer(ctx, clock, internal, 'test_clock');
  return clock.frozen_time;
}

/** A customer left its clock (deleted): it no longer counts toward the limit. */
export async function detachCustomer(ctx: MutationContext, clockId: string): Promise<void> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, clockId);
  if (!row || row.type !== TEST_CLOCK || row.deleted) return;
  const internal = (row.internal ? JSON.parse(row.internal) : {}) as TestClockInternal;
  internal.customers = Math.max(0, (internal.customers ?? 1) - 1);
  await saveClock(ctx, JSON.parse(row.json) as TestClock, internal);
}

// ---- advance ----

const DAY = 86_400;

/** `ts` moved `count` intervals later in UTC, months clamped to their last day (Jan 31 + 1 month = Feb 28/29). */
export function addInterval(ts: number, interval: string, count: number): number {
  if (interval === 'day') return ts + count * DAY;
  if (interval === 'week') return ts + count * 7 * DAY;
  const months = interval === 'year' ? count * 12 : count;
  const d = new Date(ts * 1000);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

interface RecurringLike {
  interval: string;
  interval_count: number;
}

/**
 * The furthest one advance may go from `frozen`: two intervals of the shortest subscription on the
 * clock, or two years when it has none (Stripe's documented limit).
 */
async function advanceLimit(ctx: MutationContext, clock: TestClock): Promise<{ max: number; reason: string }> {
  const subs = await allObjects(ctx.tx, {
    account: ctx.account.id,
    type: SUBSCRIPTION,
    equals: { test_clock: clock.id },
  });
  let best: { max: number; reason: string } | undefined;
  for (const { object } of subs) {
    if (ENDED_SUBSCRIPTIONS.has(object.status as string)) continue;
    const items = ((object.items as { data?: { price?: { recurring?: RecurringLike | null } }[] } | undefined)?.data ??
      []) as { price?: { recurring?: RecurringLike | null } }[];
    for (const item of items) {
      const r = item.price?.recurring;
      if (!r) continue;
      const max = addInterval(clock.frozen_time, r.interval, 2 * r.interval_count);
      if (!best || max < best.max) {
        const unit = r.interval_count === 1 ? r.interval : `${r.interval_count} ${r.interval}s`;
        best = { max, reason: `two intervals of its shortest subscription (${unit})` };
      }
    }
  }
  return best ?? { max: addInterval(clock.frozen_time, 'year', 2), reason: 'two years (it has no subscriptions)' };
}

export async function advanceTestClock(ctx: MutationContext, id: string, frozenTime: number): Promise<TestClock> {
  const { clock, internal } = await loadClock(ctx, id);
  requireReady(clock);
  if (frozenTime <= clock.frozen_time) {
    throw invalidRequest(
      `The frozen_time (${frozenTime}) must be after the test clock's current frozen_time (${clock.frozen_time}).`,
      { param: 'frozen_time' },
    );
  }
  const limit = await advanceLimit(ctx, clock);
  if (frozenTime > limit.max) {
    throw invalidRequest(
      `Cannot advance the test clock to ${frozenTime}: one advance may go at most ${limit.reason} past its frozen_time, to ${limit.max}.`,
      { param: 'frozen_time' },
    );
  }
  move(clock, 'advancing');
  clock.status_details = { advancing: { target_frozen_time: frozenTime } };
  await saveClock(ctx, clock, internal);
  await emitEvent(ctx, 'test_helpers.test_clock.advancing', clock);
  // The work runs after this request commits, in transactions of its own (see the module comment).
  await scheduleDetached(ctx, { kind: ADVANCE_JOB, target: clock.id, payload: { target: frozenTime } });
  return clock;
}

/** One step of an advance: up to CLOCK_BATCH of the clock's due jobs, then finish or go on. */
const runAdvance: JobHandler = async (ctx, job, runner) => {
  const target = (job.payload as { target: number }).target;
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, job.target);
  if (!row || row.type !== TEST_CLOCK || row.deleted) return;
  const clock = JSON.parse(row.json) as TestClock;
  // A stale step (the clock was deleted and its id reused never happens; a second advance cannot
  // start before this one ends), but be strict: only the advance this job belongs to goes on.
  if (clock.status !== 'advancing' || clock.status_details.advancing?.target_frozen_time !== target) return;
  const internal = (row.internal ? JSON.parse(row.internal) : {}) as TestClockInternal;
  let budget = CLOCK_BATCH;
  while (budget > 0) {
    const batch = await runner.runClockJobs(ctx, clock.id, target, budget);
    if (batch.failed) {
      move(clock, 'internal_failure');
      await saveClock(ctx, clock, internal);
      await emitEvent(ctx, 'test_helpers.test_clock.internal_failure', clock);
      return;
    }
    if (batch.claimed === 0) {
      clock.frozen_time = target;
      move(clock, 'ready');
      await saveClock(ctx, clock, internal);
      await emitEvent(ctx, 'test_helpers.test_clock.ready', clock);
      return;
    }
    budget -= batch.claimed;
  }
  // More may be due: the next step runs in a transaction of its own.
  await scheduleDetached(ctx, { kind: ADVANCE_JOB, target: clock.id, payload: { target } });
};

// ---- deletion ----

/**
 * Deletes the clock and everything on it, as Stripe does: its customers are deleted, their
 * subscriptions end (canceled now, on the clock's time), and the clock's pending work is dropped so
 * nothing more happens to them.
 */
export async function deleteTestClock(ctx: MutationContext, id: string): Promise<DeletedTestClock> {
  const { clock } = await loadClock(ctx, id);
  await removeClock(ctx, clock);
  return { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
}

async function removeClock(ctx: MutationContext, clock: TestClock): Promise<void> {
  const account = ctx.account.id;
  // What happens to its objects happens at the clock's time.
  const onClock: MutationContext = { ...ctx, clock: { now: () => clock.frozen_time }, testClock: clock.id };
  for (const { object } of await allObjects(ctx.tx, {
    account,
    type: SUBSCRIPTION,
    equals: { test_clock: clock.id },
  })) {
    await endSubscription(onClock, object.id as string);
  }
  for (const { object } of await allObjects(ctx.tx, { account, type: CUSTOMER, equals: { test_clock: clock.id } })) {
    const id = object.id as string;
    await ctx.tx.markDeleted(account, id, { id, object: 'customer', deleted: true });
    await emitEvent(onClock, 'customer.deleted', object as { object: string; id: string });
  }
  await ctx.tx.deleteClockJobs(account, clock.id);
  for (const job of await ctx.tx.jobsFor(account, clock.id)) await ctx.tx.deleteJob(job.seq);
  await ctx.tx.markDeleted(account, clock.id, { id: clock.id, object: 'test_helpers.test_clock', deleted: true });
  await emitEvent(ctx, 'test_helpers.test_clock.deleted', clock);
}

/** A subscription on a deleted clock ends: canceled at the clock's time, `customer.subscription.deleted`. */
async function endSubscription(ctx: MutationContext, id: string): Promise<void> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, id);
  if (!row || row.type !== SUBSCRIPTION) return;
  const sub = JSON.parse(row.json) as Subscription;
  if (ENDED_SUBSCRIPTIONS.has(sub.status)) return;
  const now = ctx.clock.now();
  sub.status = 'canceled';
  sub.canceled_at ??= now;
  sub.ended_at = now;
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id,
    type: SUBSCRIPTION,
    created: sub.created,
    data: sub,
    fields: subscriptionFields(sub),
  });
  await emitEvent(ctx, 'customer.subscription.deleted', sub);
}

/** `deletes_after` came: the clock goes as if deleted by request (Stripe's automatic deletion). */
const expireClock: JobHandler = async (ctx, job: Job) => {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, job.target);
  if (!row || row.type !== TEST_CLOCK || row.deleted) return;
  await removeClock(ctx, JSON.parse(row.json) as TestClock);
};

export const testClockJobHandlers: Record<string, JobHandler> = {
  [ADVANCE_JOB]: runAdvance,
  [EXPIRE_JOB]: expireClock,
};
