/** The Billing meter endpoints: `/v1/billing/meters`, `/v1/billing/meter_events`, `/v1/billing/meter_event_adjustments`. */
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { METER } from './object.js';
import {
  createMeterEventAdjustmentParams,
  createMeterEventParams,
  createMeterParams,
  eventSummariesParams,
  listMetersParams,
  meterActionParams,
  retrieveMeterParams,
  updateMeterParams,
} from './params.js';
import {
  createMeter,
  createMeterEvent,
  createMeterEventAdjustment,
  eventSummaries,
  setMeterStatus,
  updateMeter,
} from './service.js';

export { meterUsage } from './usage.js';

const json = (o: object) => o as unknown as Json;

export const meterOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meters',
    name: 'billing.meters.create',
    params: createMeterParams,
    returns: { object: METER },
    handler: async (ctx, input) => json(await createMeter(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/billing/meters/:id',
    name: 'billing.meters.retrieve',
    type: METER,
    params: retrieveMeterParams,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meters/:id',
    name: 'billing.meters.update',
    params: updateMeterParams,
    returns: { object: METER },
    handler: async (ctx, input, { id }) => json(await updateMeter(ctx, id as string, input)),
  }),
  listOperation({
    path: '/v1/billing/meters',
    name: 'billing.meters.list',
    type: METER,
    params: listMetersParams,
    filters: { status: true },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meters/:id/deactivate',
    name: 'billing.meters.deactivate',
    params: meterActionParams,
    returns: { object: METER },
    handler: async (ctx, _input, { id }) => json(await setMeterStatus(ctx, id as string, 'inactive')),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meters/:id/reactivate',
    name: 'billing.meters.reactivate',
    params: meterActionParams,
    returns: { object: METER },
    handler: async (ctx, _input, { id }) => json(await setMeterStatus(ctx, id as string, 'active')),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/billing/meters/:id/event_summaries',
    name: 'billing.meters.list_event_summaries',
    params: eventSummariesParams,
    returns: { list: 'billing.meter_event_summary' },
    handler: async (ctx, input, { id }) => json(await eventSummaries(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meter_events',
    name: 'billing.meter_events.create',
    params: createMeterEventParams,
    returns: { object: 'billing.meter_event' },
    handler: async (ctx, input) => json(await createMeterEvent(ctx, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/billing/meter_event_adjustments',
    name: 'billing.meter_event_adjustments.create',
    params: createMeterEventAdjustmentParams,
    returns: { object: 'billing.meter_event_adjustment' },
    handler: async (ctx, input) => json(await createMeterEventAdjustment(ctx, input)),
  }),
];
