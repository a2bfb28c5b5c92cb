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
