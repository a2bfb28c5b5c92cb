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
 * An account's clock: real time plus the account's offset. `sandbank time advance` (the
 * `/sandbank/v1/time/advance` endpoint) moves an account forward so that what Stripe does days
 * later — funds becoming available, payouts arriving, disputes closing — can be seen in seconds,
 * without touching any other account.
 */
export function accountClock(base: Clock, account: { clockOffset: number }): Clock {
  return account.clockOffset === 0 ? base : { now: () => base.now() + account.clockOffset };
}
