/**
 * Time. Domain code asks a clock for "now" and never calls `Date.now()` itself, so tests and (later)
 * test clocks can control what time it is.
 */
export interface Clock {
  /** Current time in Unix seconds. */
  now(): number;
}

export const systemClock: Clock = {
  now: () => Math.floor(Date.now() / 1000),
};

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  advanceTo(unixSeconds: number): void {
    this.current = unixSeconds;
  }
}

/**
 * The latest moment an account's clock may reach: 9998-12-31T23:59:59Z. Timestamps are Unix
 * seconds that SDKs turn into dates, and the latest date many of them can hold is
 * 9999-12-31T23:59:59Z (.NET's DateTime; four-digit ISO 8601 years — JavaScript writes
 * `+010000-01-01` after it). Everything Sandbank schedules runs at most weeks after the clock
 * (funds available, dispute deadlines, event retention), so stopping a year earlier keeps every
 * timestamp it writes a valid date, and far below 2^53, where timestamp and cursor arithmetic would
 * stop being exact. An account's clock stops there: real time keeps running after an advance to
 * the bound, and the clock must not run past it.
 */
export const MAX_ACCOUNT_TIME = 253_370_764_799;

/**
 * An account's clock: real time plus the account's offset. `sandbank time advance` (the
 * `/sandbank/v1/time/advance` endpoint) moves an account forward so that what Stripe does days
 * later — funds becoming available, payouts arriving, disputes closing — can be seen in seconds,
 * without touching any other account.
 */
export function accountClock(base: Clock, account: { clockOffset: number }): Clock {
  if (account.clockOffset === 0) return base;
  return { now: () => Math.min(base.now() + account.clockOffset, MAX_ACCOUNT_TIME) };
}
