/**
 * A customer's usage on a meter over a time range, aggregated by the meter's formula: what a
 * metered price bills (`meterUsage`, for invoices and subscriptions) and what
 * `GET /v1/billing/meters/:id/event_summaries` shows.
 */
import type { Reader } from '../../store/store.js';
import { METER, METER_EVENT, type Meter, type MeterEventInternal, type MeterFormula, usageKey } from './object.js';

/** One counted event: its time, value and arrival order (ties in time are broken by arrival). */
export interface UsageEvent {
  timestamp: number;
  seq: number;
  value: number | null;
}

/**
 * The events counted for `customer` on `meter` with `start <= timestamp < end`, oldest first.
 * Cancelled events are gone from the index (their rows are marked deleted).
 */
export async function usageEvents(
  reader: Reader,
  account: string,
  meter: string,
  customer: string,
  start: number,
  end: number,
): Promise<UsageEvent[]> {
  const out: UsageEvent[] = [];
  let after: { created: number; seq: number } | undefined;
  for (;;) {
    const page = await reader.listObjects({
      account,
      type: METER_EVENT,
      limit: 100,
      equals: { usage: usageKey(meter, customer) },
      created: { gte: start, lt: end },
      ...(after ? { after } : {}),
    });
    for (const row of page.rows) {
      const internal = (row.internal ? JSON.parse(row.internal) : {}) as MeterEventInternal;
      out.push({ timestamp: row.created, seq: row.seq, value: internal.value ?? null });
    }
    const last = page.rows[page.rows.length - 1];
    if (!page.hasMore || !last) break;
    after = { created: last.created, seq: last.seq };
  }
  return out.reverse();
}

/**
 * `events` (oldest first) aggregated by `formula`: `sum` of the values, `count` of the events,
 * `last` the value of the latest (0 when there is none). Sums are rounded to 12 decimal places so
 * that decimal values (0.1 + 0.2) add up as decimals do.
 */
export function aggregate(formula: MeterFormula, events: UsageEvent[]): number {
  if (formula === 'count') return events.length;
  if (formula === 'last') {
    for (let i = events.length - 1; i >= 0; i--) {
      const v = events[i]?.value;
      if (v !== null && v !== undefined) return v;
    }
    return 0;
  }
  let sum = 0;
  for (const e of events) sum += e.value ?? 0;
  return Math.round(sum * 1e12) / 1e12;
}

/**
 * The usage of `customerId` on meter `meterId` over `[start, end)` (Unix seconds, on the
 * customer's clock), by the meter's `default_aggregation.formula`. An unknown meter is a bug in
 * the caller (a metered price names an existing meter), so it throws.
 */
export async function meterUsage(
  reader: Reader,
  account: string,
  meterId: string,
  customerId: string,
  start: number,
  end: number,
): Promise<number> {
  const row = await reader.getObject(account, meterId);
  if (!row || row.type !== METER) throw new Error(`meterUsage: no meter ${meterId}`);
  const meter = JSON.parse(row.json) as Meter;
  if (end <= start) return 0;
  return aggregate(
    meter.default_aggregation.formula,
    await usageEvents(reader, account, meterId, customerId, start, end),
  );
}
