/**
 * Billing-cycle arithmetic (pure): where a period of a recurring price ends, given the anchor the
 * cycle counts from. Months and years are calendar months in UTC from the anchor, and a day of the
 * month the target month lacks becomes its last day (an anchor on 31 January renews on 28/29
 * February, then 31 March) — Stripe's rule; days and weeks are fixed lengths.
 */

export interface Interval {
  interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
}

const DAY = 86_400;

/** `ts` moved by `months` calendar months, keeping the anchor's day (clamped) and time of day. */
export function addMonths(ts: number, months: number, anchorDay?: number): number {
  const d = new Date(ts * 1000);
  const day = anchorDay ?? d.getUTCDate();
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return Math.floor(target.getTime() / 1000);
}

/** The end of the `n`th period counted from `anchor` (n = 1: one interval after it). */
export function nthPeriodEnd(anchor: number, r: Interval, n: number, anchorDay?: number): number {
  switch (r.interval) {
    case 'day':
      return anchor + n * r.interval_count * DAY;
    case 'week':
      return anchor + n * r.interval_count * 7 * DAY;
    case 'month':
      return addMonths(anchor, n * r.interval_count, anchorDay);
    case 'year':
      return addMonths(anchor, n * 12 * r.interval_count, anchorDay);
  }
}

/**
 * The period of the cycle anchored at `anchor` that contains `at`: `[start, end)` with
 * `start <= at < end`. For an anchor after `at` (a first period that runs up to a later anchor) the
 * period is the one that ends at the anchor.
 */
export function periodAround(
  anchor: number,
  r: Interval,
  at: number,
  anchorDay?: number,
): { start: number; end: number } {
  const day = anchorDay ?? new Date(anchor * 1000).getUTCDate();
  if (at < anchor) {
    // Walk back from the anchor: the period that ends at or after `at`.
    let n = 0;
    while (nthPeriodEnd(anchor, r, n - 1, day) > at) n--;
    return { start: nthPeriodEnd(anchor, r, n - 1, day), end: nthPeriodEnd(anchor, r, n, day) };
  }
  // Estimate, then correct (months vary in length).
  const approx = { day: DAY, week: 7 * DAY, month: 28 * DAY, year: 365 * DAY }[r.interval] * r.interval_count;
  let n = Math.max(0, Math.floor((at - anchor) / approx) - 1);
  while (nthPeriodEnd(anchor, r, n + 1, day) <= at) n++;
  while (n > 0 && nthPeriodEnd(anchor, r, n, day) > at) n--;
  return { start: nthPeriodEnd(anchor, r, n, day), end: nthPeriodEnd(anchor, r, n + 1, day) };
}

/** The period that starts at `start` on the cycle anchored at `anchor` (its end). */
export function periodEndAfter(anchor: number, r: Interval, start: number): number {
  return periodAround(anchor, r, start).end;
}

/**
 * An anchor from `billing_cycle_anchor_config`: the next time on or after `from` whose day of the
 * month (clamped to the month's length), month, hour, minute and second match the config; fields
 * left out take `from`'s values.
 */
export function anchorFromConfig(
  from: number,
  config: {
    day_of_month: number;
    month?: number | null;
    hour?: number | null;
    minute?: number | null;
    second?: number | null;
  },
): number {
  const d = new Date(from * 1000);
  const h = config.hour ?? d.getUTCHours();
  const mi = config.minute ?? d.getUTCMinutes();
  const s = config.second ?? d.getUTCSeconds();
  for (let add = 0; add < 24; add++) {
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + add;
    const first = new Date(Date.UTC(year, month, 1));
    if (config.month && first.getUTCMonth() + 1 !== config.month) continue;
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    const candidate =
      Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(config.day_of_month, last), h, mi, s) / 1000;
    if (candidate >= from) return candidate;
  }
  return from;
}

/** `dd Mon yyyy` (UTC), as Stripe's proration descriptions write a date ("after 16 May 2018"). */
export function shortDate(ts: number): string {
  const d = new Date(ts * 1000);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${String(d.getUTCDate()).padStart(2, '0')} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
