/**
 * Which clock Billing work runs on. A customer created with `test_clock` lives on that clock: its
 * subscriptions, invoices and payments happen at the clock's frozen time, and the work they schedule
 * (renewals, retries, trial ends, funds becoming available) waits for the clock to be advanced.
 * Everything else runs on the account's clock. While a clock advances, requests may not change
 * what lives on it (`onTestClock` refuses them with Stripe's error); the advance's jobs may.
 */
import { invalidRequest } from '../../platform/errors.js';
import type { MutationContext } from '../../platform/operation.js';

/** The stored type of a test clock (`test_helpers.test_clock` on the wire). */
export const TEST_CLOCK = 'test_helpers.test_clock';

interface ClockedCustomer {
  test_clock?: string | null;
}

/**
 * `ctx` moved onto `clockId`'s time: `clock.now()` is the clock's frozen time and jobs scheduled
 * through the result belong to the clock. Unchanged when `clockId` is null or the clock is gone.
 */
export async function onTestClock(ctx: MutationContext, clockId: string | null | undefined): Promise<MutationContext> {
  if (!clockId || ctx.testClock === clockId) return ctx;
  const row = await ctx.tx.getObject(ctx.account.id, clockId);
  if (!row || row.type !== TEST_CLOCK || row.deleted) return ctx;
  const clock = JSON.parse(row.json) as ClockState;
  // A request may not change what lives on a clock while it advances (or after its advance
  // failed), as on Stripe; the advance's own jobs run on the clock already (`testClock` set above).
  if (ctx.request) requireReady(clock);
  const frozen = clock.frozen_time;
  return { ...ctx, clock: { now: () => frozen }, testClock: clockId };
}

interface ClockState {
  id: string;
  frozen_time: number;
  status: string;
}

/** Refuses to change a clock (or what lives on it) while it advances or after its advance failed. */
export function requireReady(clock: ClockState, param?: string): void {
  if (clock.status === 'advancing') {
    throw invalidRequest(
      `The test clock ${clock.id} is advancing. You can make changes to it and its objects once its status is ready.`,
      param ? { param } : {},
    );
  }
  if (clock.status === 'internal_failure') {
    throw invalidRequest(
      `The test clock ${clock.id} failed to advance (status internal_failure). It can only be deleted.`,
      param ? { param } : {},
    );
  }
}

/** `ctx` on the clock of `customer` (an object with `test_clock`), for Billing work on its behalf. */
export function onCustomerClock(ctx: MutationContext, customer: ClockedCustomer): Promise<MutationContext> {
  return onTestClock(ctx, customer.test_clock ?? null);
}
