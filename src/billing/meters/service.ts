/**
 * Billing meters: create, update, deactivate, reactivate; meter events (usage) with Stripe's
 * timestamp window and identifier deduplication; cancellation by identifier; and the event
 * summaries a customer's usage is read through.
 *
 * An event counts for the meter that is active for its `event_name` when it arrives, and for the
 * customer its payload names (by the meter's `customer_mapping`). Events Stripe accepts but then
 * reports as errors asynchronously (no active meter, unknown customer, value missing) are stored
 * and answered as Stripe answers them, but count for nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CUSTOMER, type Customer } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { ListEnvelope, ListInput } from '../../platform/list.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext, ReadContext } from '../../platform/operation.js';
import type { Reader } from '../../store/store.js';
import { onCustomerClock } from '../test-clocks/context.js';
import {
  type EventTimeWindow,
  METER,
  METER_EVENT,
  METER_TRANSITIONS,
  type Meter,
  type MeterEvent,
  type MeterEventAdjustment,
  type MeterEventInternal,
  type MeterEventSummary,
  type MeterFormula,
  type MeterStatus,
  meterEventRowId,
  meterFields,
  usageKey,
} from './object.js';
import { aggregate, usageEvents } from './usage.js';

const DEFAULT_CUSTOMER_KEY = 'stripe_customer_id';
const DEFAULT_VALUE_KEY = 'value';
/** Stripe's window for an event's `timestamp`: the past 35 calendar days, up to 5 minutes ahead. */
const PAST_WINDOW = 35 * 86_400;
const FUTURE_WINDOW = 5 * 60;
/** Events can be cancelled within 24 hours of their arrival. */
const CANCEL_WINDOW = 86_400;

// ---- meters ----

export async function loadMeter(reader: Reader, account: string, id: string, forUpdate = false): Promise<Meter> {
  return (await loadObject<Meter>(reader, account, id, METER, { forUpdate })).object;
}

async function saveMeter(ctx: MutationContext, meter: Meter, insert = false): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, METER, meter, { update: !insert, fields: meterFields(meter) });
}

/** The active meter for `eventName`, if any (there is at most one). */
async function activeMeter(reader: Reader, account: string, eventName: string): Promise<Meter | undefined> {
  const page = await reader.listObjects({ account, type: METER, limit: 1, equals: { active_event: eventName } });
  const row = page.rows[0];
  return row ? (JSON.parse(row.json) as Meter) : undefined;
}

async function requireEventNameFree(ctx: MutationContext, eventName: string, param: string): Promise<void> {
  const existing = await activeMeter(ctx.tx, ctx.account.id, eventName);
  if (existing) {
    throw invalidRequest(
      `An active meter with event_name \`${eventName}\` already exists (${existing.id}). Event names must be unique among active meters.`,
      { param },
    );
  }
}

export interface CreateMeterInput {
  default_aggregation: { formula: MeterFormula };
  display_name: string;
  event_name: string;
  customer_mapping?: { event_payload_key: string; type: 'by_id' } | null;
  event_time_window?: EventTimeWindow | null;
  value_settings?: { event_payload_key: string } | null;
}

export async function createMeter(ctx: MutationContext, input: CreateMeterInput): Promise<Meter> {
  if (input.event_name.trim() === '') {
    throw invalidRequest('Invalid event_name: must not be blank.', { param: 'event_name' });
  }
  await requireEventNameFree(ctx, input.event_name, 'event_name');
  const now = ctx.clock.now();
  const meter = sortFields<Meter>({
    id: newId('mtr_test', 32),
    object: 'billing.meter',
    created: now,
    customer_mapping: {
      event_payload_key: input.customer_mapping?.event_payload_key ?? DEFAULT_CUSTOMER_KEY,
      type: 'by_id',
    },
    default_aggregation: { formula: input.default_aggregation.formula },
    display_name: input.display_name,
    event_name: input.event_name,
    event_time_window: input.event_time_window ?? null,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: now,
    value_settings: { event_payload_key: input.value_settings?.event_payload_key ?? DEFAULT_VALUE_KEY },
  });
  await saveMeter(ctx, meter, true);
  await emitEvent(ctx, 'billing.meter.created', meter);
  return meter;
}

export async function updateMeter(
  ctx: MutationContext,
  id: string,
  input: { display_name?: string | null },
): Promise<Meter> {
  const meter = await loadMeter(ctx.tx, ctx.account.id, id, true);
  if (input.display_name === undefined || input.display_name === null || input.display_name === meter.display_name) {
    return meter;
  }
  const before = structuredClone(meter);
  meter.display_name = input.display_name;
  meter.updated = ctx.clock.now();
  await saveMeter(ctx, meter);
  await emitEvent(ctx, 'billing.meter.updated', meter, before);
  return meter;
}

/** Deactivate (`to` inactive) or reactivate (`to` active), with their events. */
export async function setMeterStatus(ctx: MutationContext, id: string, to: MeterStatus): Promise<Meter> {
  const meter = await loadMeter(ctx.tx, ctx.account.id, id, true);
  if (!(METER_TRANSITIONS[meter.status] as readonly MeterStatus[]).includes(to)) {
    throw invalidRequest(
      to === 'inactive'
        ? `Meter ${id} is already inactive and cannot be deactivated.`
        : `Meter ${id} is already active and cannot be reactivated.`,
    );
  }
  // Reactivating takes the event name back: another active meter may have taken it meanwhile.
  if (to === 'active') await requireEventNameFree(ctx, meter.event_name, 'id');
  const now = ctx.clock.now();
  meter.status = to;
  meter.status_transitions = { deactivated_at: to === 'inactive' ? now : null };
  meter.updated = now;
  await saveMeter(ctx, meter);
  await emitEvent(ctx, to === 'inactive' ? 'billing.meter.deactivated' : 'billing.meter.reactivated', meter);
  return meter;
}

// ---- meter events ----

export interface MeterEventInput {
  event_name: string;
  payload: Record<string, string>;
  identifier?: string | null;
  timestamp?: number | null;
}

/** A decimal number as written in a payload (`"25"`, `"0.5"`, `"-3"`), or null. */
function parseValue(raw: string | undefined): number | null {
  if (raw === undefined || !/^-?(\d+(\.\d*)?|\.\d+)$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

export async function createMeterEvent(ctx: MutationContext, input: MeterEventInput): Promise<MeterEvent> {
  const account = ctx.account.id;
  const meter = await activeMeter(ctx.tx, account, input.event_name);
  const customerKey = meter?.customer_mapping.event_payload_key ?? DEFAULT_CUSTOMER_KEY;
  const customerId = input.payload[customerKey];
  const row = customerId ? await ctx.tx.getObject(account, customerId) : undefined;
  const customer = row && row.type === CUSTOMER && !row.deleted ? (JSON.parse(row.json) as Customer) : undefined;
  // Usage of a customer on a test clock happens at the clock's time (Stripe checks the window there).
  const onClock = customer ? await onCustomerClock(ctx, customer) : ctx;
  const now = onClock.clock.now();
  const timestamp = input.timestamp ?? now;
  if (timestamp < now - PAST_WINDOW) {
    throw invalidRequest(
      `The timestamp ${timestamp} is too far in the past: meter events must be within the past 35 calendar days.`,
      { param: 'timestamp' },
    );
  }
  if (timestamp > now + FUTURE_WINDOW) {
    throw invalidRequest(
      `The timestamp ${timestamp} is too far in the future: meter events can be at most 5 minutes in the future.`,
      { param: 'timestamp' },
    );
  }
  const identifier = input.identifier ?? randomUUID();
  const rowId = meterEventRowId(identifier);
  if (await ctx.tx.getObject(account, rowId)) {
    throw invalidRequest(`An event with identifier ${identifier} already exists.`, { param: 'identifier' });
  }
  const value = meter ? parseValue(input.payload[meter.value_settings.event_payload_key]) : null;
  const counts =
    meter !== undefined && customer !== undefined && (meter.default_aggregation.formula === 'count' || value !== null);
  const event: MeterEvent = {
    object: 'billing.meter_event',
    created: now,
    event_name: input.event_name,
    identifier,
    livemode: false,
    payload: { ...input.payload },
    timestamp,
  };
  const internal: MeterEventInternal = {
    meter: counts ? (meter?.id ?? null) : null,
    customer: counts ? (customer?.id ?? null) : null,
    value: counts ? value : null,
  };
  // The row's `created` is the event's time, so the usage index finds a range of time directly.
  await ctx.tx.insertObject({
    account,
    id: rowId,
    type: METER_EVENT,
    created: timestamp,
    data: event,
    fields: { usage: counts && meter && customer ? usageKey(meter.id, customer.id) : null },
    internal,
  });
  return event;
}

export interface AdjustmentInput {
  event_name: string;
  type: 'cancel';
  cancel?: { identifier?: string | null } | null;
}

/** Cancels the event with `cancel.identifier`: it stops counting (Stripe allows this for 24 hours). */
export async function createMeterEventAdjustment(
  ctx: MutationContext,
  input: AdjustmentInput,
): Promise<MeterEventAdjustment> {
  const identifier = input.cancel?.identifier;
  if (!identifier) {
    throw invalidRequest('Missing required param: cancel[identifier].', {
      code: 'parameter_missing',
      param: 'cancel[identifier]',
    });
  }
  const account = ctx.account.id;
  const rowId = meterEventRowId(identifier);
  const row = await ctx.tx.getObjectForUpdate(account, rowId);
  const event = row && row.type === METER_EVENT && !row.deleted ? (JSON.parse(row.json) as MeterEvent) : undefined;
  if (!event || event.event_name !== input.event_name) {
    throw invalidRequest(`No meter event with identifier ${identifier} was found for event_name ${input.event_name}.`, {
      code: 'resource_missing',
      param: 'cancel[identifier]',
    });
  }
  // The window runs from the event's arrival, on the clock it arrived on.
  const internal = (row?.internal ? JSON.parse(row.internal) : {}) as MeterEventInternal;
  const customerRow = internal.customer ? await ctx.tx.getObject(account, internal.customer) : undefined;
  const customer = customerRow && !customerRow.deleted ? (JSON.parse(customerRow.json) as Customer) : undefined;
  const now = (customer ? await onCustomerClock(ctx, customer) : ctx).clock.now();
  if (now > event.created + CANCEL_WINDOW) {
    throw invalidRequest(
      `The meter event with identifier ${identifier} can no longer be cancelled: events can only be cancelled within 24 hours of being received.`,
      { param: 'cancel[identifier]' },
    );
  }
  await ctx.tx.markDeleted(account, rowId, event);
  return {
    object: 'billing.meter_event_adjustment',
    cancel: { identifier },
    event_name: input.event_name,
    livemode: false,
    status: 'complete',
    type: 'cancel',
  };
}

// ---- event summaries ----

const WINDOW_SECONDS: Record<EventTimeWindow, number> = { hour: 3600, day: 86_400 };

function summaryId(meter: string, customer: string, start: number, end: number): string {
  const digest = createHash('sha256').update(`${meter}|${customer}|${start}|${end}`).digest('base64url');
  return `mtrusg_${digest.replace(/[-_]/g, '').slice(0, 24)}`;
}

export interface SummaryInput extends ListInput {
  customer: string;
  start_time: number;
  end_time: number;
  value_grouping_window?: EventTimeWindow | null;
}

/**
 * The customer's usage on the meter over `[start_time, end_time)`: one summary, or one per hour or
 * day with `value_grouping_window` (aligned to UTC hours or days), newest first, paginated by id.
 */
export async function eventSummaries(ctx: ReadContext, meterId: string, input: SummaryInput): Promise<ListEnvelope> {
  const account = ctx.account.id;
  const meter = await loadMeter(ctx.reader, account, meterId);
  await loadObject(ctx.reader, account, input.customer, CUSTOMER, { param: 'customer' });
  const step = input.value_grouping_window ? WINDOW_SECONDS[input.value_grouping_window] : 60;
  const unit = input.value_grouping_window ?? 'minute';
  for (const param of ['start_time', 'end_time'] as const) {
    if (input[param] % step !== 0) {
      throw invalidRequest(`${param} must be aligned with ${unit} boundaries.`, { param });
    }
  }
  if (input.end_time <= input.start_time) {
    throw invalidRequest('end_time must be after start_time.', { param: 'end_time' });
  }
  const windows = input.value_grouping_window ? (input.end_time - input.start_time) / step : 1;
  if (windows > 10_000) {
    throw invalidRequest(`The time range holds ${windows} ${unit} windows; at most 10000 may be summarised at once.`, {
      param: 'end_time',
    });
  }
  const events = await usageEvents(ctx.reader, account, meter.id, input.customer, input.start_time, input.end_time);
  const formula = meter.default_aggregation.formula;
  const summaries: MeterEventSummary[] = [];
  const width = input.value_grouping_window ? step : input.end_time - input.start_time;
  for (let start = input.start_time; start < input.end_time; start += width) {
    const end = start + width;
    const inWindow = events.filter((e) => e.timestamp >= start && e.timestamp < end);
    summaries.push({
      id: summaryId(meter.id, input.customer, start, end),
      object: 'billing.meter_event_summary',
      aggregated_value: aggregate(formula, inWindow),
      end_time: end,
      livemode: false,
      meter: meter.id,
      start_time: start,
    });
  }
  summaries.reverse();
  return pageById(summaries, input, `/v1/billing/meters/${meter.id}/event_summaries`);
}

/** Stripe's cursor rules over an in-memory list of objects with ids. */
function pageById(items: MeterEventSummary[], input: ListInput, url: string): ListEnvelope {
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const limit = input.limit ?? 10;
  const at = (id: string, param: string) => {
    const i = items.findIndex((s) => s.id === id);
    if (i < 0) throw resourceMissing('billing.meter_event_summary', id, param);
    return i;
  };
  let window: MeterEventSummary[];
  let hasMore: boolean;
  if (input.ending_before) {
    const i = at(input.ending_before, 'ending_before');
    window = items.slice(Math.max(0, i - limit), i);
    hasMore = i - limit > 0;
  } else {
    const from = input.starting_after ? at(input.starting_after, 'starting_after') + 1 : 0;
    window = items.slice(from, from + limit);
    hasMore = from + limit < items.length;
  }
  return { object: 'list', data: window as unknown as Record<string, unknown>[], has_more: hasMore, url };
}
