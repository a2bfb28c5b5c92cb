/**
 * The Test Clock object (`test_helpers.test_clock`): a frozen time that the customers attached to it
 * (and everything Billing does for them) live at, moved only forward by an asynchronous advance.
 */
import { TEST_CLOCK } from './context.js';

export { TEST_CLOCK };

export type TestClockStatus = 'advancing' | 'internal_failure' | 'ready';

export interface TestClock {
  id: string;
  object: 'test_helpers.test_clock';
  created: number;
  deletes_after: number;
  frozen_time: number;
  livemode: false;
  name: string | null;
  status: TestClockStatus;
  status_details: { advancing?: { target_frozen_time: number } };
}

export interface DeletedTestClock {
  id: string;
  object: 'test_helpers.test_clock';
  deleted: true;
}

/** Server-only state of a clock. */
export interface TestClockInternal {
  /** Customers attached so far (the per-clock limit counts them without reading them all). */
  customers?: number;
}

/**
 * Which status may follow which: an advance moves a ready clock to advancing, and it ends ready
 * or, when a job fails, in internal_failure, from which a clock can only be deleted (as on Stripe).
 */
export const TEST_CLOCK_TRANSITIONS = {
  ready: ['advancing'],
  advancing: ['ready', 'internal_failure'],
  internal_failure: [],
} as const satisfies Record<TestClockStatus, readonly TestClockStatus[]>;

/**
 * How long a clock lives: Stripe deletes a test clock 30 days after its creation (`deletes_after`
 * is `created` + 2,592,000 in Stripe's own events).
 */
export const TEST_CLOCK_LIFETIME = 30 * 86_400;

/**
 * Customers one clock may hold. Stripe documents 3 per clock; Sandbank allows far more so that a
 * benchmark can run a thousand subscriptions (one per customer) on a single clock. A deliberate
 * difference, documented in docs/test-clocks-and-meters.md.
 */
export const CUSTOMERS_PER_CLOCK = 10_000;
