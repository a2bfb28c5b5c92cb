/** Parameters of the Billing meter endpoints, as the pinned SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const FORMULAS = ['count', 'last', 'sum'] as const;
export const TIME_WINDOWS = ['day', 'hour'] as const;

export const createMeterParams = params({
  default_aggregation: p.hash({ formula: p.enum(FORMULAS, { required: true }) }, { required: true }),
  display_name: p.string({ required: true, maxLength: 250 }),
  event_name: p.string({ required: true, maxLength: 100 }),
  customer_mapping: p.hash({
    event_payload_key: p.string({ required: true, maxLength: 100 }),
    type: p.enum(['by_id'] as const, { required: true }),
  }),
  event_time_window: p.enum(TIME_WINDOWS),
  value_settings: p.hash({ event_payload_key: p.string({ required: true, maxLength: 100 }) }),
  expand: expandParam,
});

export const updateMeterParams = params({
  display_name: p.string({ maxLength: 250 }),
  expand: expandParam,
});

export const meterActionParams = params({ expand: expandParam });
export const retrieveMeterParams = params({ expand: expandParam });
export const listMetersParams = params({ ...listParams, status: p.enum(['active', 'inactive'] as const) });

export const eventSummariesParams = params({
  ...listParams,
  customer: p.string({ required: true }),
  start_time: p.integer({ required: true, min: 0 }),
  end_time: p.integer({ required: true, min: 0 }),
  value_grouping_window: p.enum(TIME_WINDOWS),
});

export const createMeterEventParams = params({
  event_name: p.string({ required: true, maxLength: 100 }),
  payload: p.stringMap({ required: true }),
  identifier: p.string({ maxLength: 100 }),
  timestamp: p.integer({ min: 0 }),
  expand: expandParam,
});

export const createMeterEventAdjustmentParams = params({
  event_name: p.string({ required: true, maxLength: 100 }),
  type: p.enum(['cancel'] as const, { required: true }),
  cancel: p.hash({ identifier: p.string({ maxLength: 100 }) }),
  expand: expandParam,
});
