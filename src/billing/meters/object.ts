/**
 * Billing meters (`billing.meter`) and the usage reported to them: meter events
 * (`billing.meter_event`), their cancellations (`billing.meter_event_adjustment`) and the
 * aggregated usage a customer has on a meter over a time range (`billing.meter_event_summary`).
 */

export const METER = 'billing.meter';
export const METER_EVENT = 'billing.meter_event';

export type MeterFormula = 'count' | 'last' | 'sum';
export type MeterStatus = 'active' | 'inactive';
export type EventTimeWindow = 'day' | 'hour';

export interface Meter {
  id: string;
  object: 'billing.meter';
  created: number;
  customer_mapping: { event_payload_key: string; type: 'by_id' };
  default_aggregation: { formula: MeterFormula };
  display_name: string;
  event_name: string;
  event_time_window: EventTimeWindow | null;
  livemode: false;
  status: MeterStatus;
  status_transitions: { deactivated_at: number | null };
  updated: number;
  value_settings: { event_payload_key: string };
}

/**
 * Which status may follow which: deactivate and reactivate move between the two (Stripe refuses the
 * move to the status a meter already has).
 */
export const METER_TRANSITIONS = {
  active: ['inactive'],
  inactive: ['active'],
} as const satisfies Record<MeterStatus, readonly MeterStatus[]>;

/** Indexed fields: `status` for the list filter, `active_event` for "one active meter per event name". */
export function meterFields(m: Meter) {
  return { status: m.status, active_event: m.status === 'active' ? m.event_name : null };
}

export interface MeterEvent {
  object: 'billing.meter_event';
  created: number;
  event_name: string;
  identifier: string;
  livemode: false;
  payload: Record<string, string>;
  timestamp: number;
}

/**
 * Server-only state of a stored meter event: the meter and customer it counts for (resolved when it
 * arrived, as Stripe's ingestion does) and its numeric value; absent when it counts for nothing
 * (no active meter, unknown customer, value missing) — Stripe reports those asynchronously.
 */
export interface MeterEventInternal {
  meter: string | null;
  customer: string | null;
  value: number | null;
}

/** The row id of the event with `identifier` (meter events have no id of their own; one per identifier). */
export const meterEventRowId = (identifier: string) => `mtrevt:${identifier}`;

/** The indexed key that finds one customer's events on one meter, ordered by event time. */
export const usageKey = (meter: string, customer: string) => `${meter} ${customer}`;

export interface MeterEventAdjustment {
  object: 'billing.meter_event_adjustment';
  cancel: { identifier: string | null } | null;
  event_name: string;
  livemode: false;
  status: 'complete' | 'pending';
  type: 'cancel';
}

export interface MeterEventSummary {
  id: string;
  object: 'billing.meter_event_summary';
  aggregated_value: number;
  end_time: number;
  livemode: false;
  meter: string;
  start_time: number;
}
