/** Parameters of the Subscription Schedule endpoints, as the pinned SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

const phaseItemParam = p.hash({
  price: p.string(),
  plan: p.string(),
  price_data: p.opaque(),
  quantity: p.integer({ min: 0 }),
  metadata: p.stringMap(),
  tax_rates: p.array(p.string(), { emptyable: true }),
  discounts: p.opaque(),
  billing_thresholds: p.opaque(),
});

const phaseParam = p.hash({
  items: p.array(phaseItemParam, { required: true }),
  add_invoice_items: p.opaque(),
  application_fee_percent: p.opaque(),
  automatic_tax: p.opaque(),
  billing_cycle_anchor: p.enum(['automatic', 'phase_start'] as const),
  billing_thresholds: p.opaque(),
  collection_method: p.enum(['charge_automatically', 'send_invoice'] as const),
  currency: p.string(),
  default_payment_method: p.string(),
  default_tax_rates: p.array(p.string(), { emptyable: true }),
  description: p.string({ emptyable: true }),
  discounts: p.opaque(),
  duration: p.hash({ interval: p.enum(INTERVALS, { required: true }), interval_count: p.integer({ min: 1 }) }),
  end_date: p.timestamp({ allowNow: true }),
  invoice_settings: p.opaque(),
  iterations: p.integer({ min: 1 }),
  metadata: p.stringMap(),
  on_behalf_of: p.opaque(),
  proration_behavior: p.enum(['always_invoice', 'create_prorations', 'none'] as const),
  start_date: p.timestamp({ allowNow: true }),
  transfer_data: p.opaque(),
  trial: p.boolean(),
  trial_end: p.timestamp({ allowNow: true }),
});

const defaultSettingsParam = p.hash({
  application_fee_percent: p.opaque(),
  automatic_tax: p.opaque(),
  billing_cycle_anchor: p.enum(['automatic', 'phase_start'] as const),
  billing_thresholds: p.opaque(),
  collection_method: p.enum(['charge_automatically', 'send_invoice'] as const),
  default_payment_method: p.string(),
  description: p.string({ emptyable: true }),
  invoice_settings: p.hash({
    days_until_due: p.integer({ min: 0 }),
    account_tax_ids: p.opaque(),
    custom_fields: p.opaque(),
    description: p.opaque(),
    footer: p.opaque(),
    issuer: p.opaque(),
  }),
  on_behalf_of: p.opaque(),
  transfer_data: p.opaque(),
});

export const createScheduleParams = params({
  billing_mode: p.opaque(),
  customer: p.string(),
  customer_account: p.string(),
  default_settings: defaultSettingsParam,
  end_behavior: p.enum(['cancel', 'none', 'release', 'renew'] as const),
  expand: expandParam,
  from_subscription: p.string(),
  metadata: p.stringMap({ emptyable: true }),
  pause_schedules: p.opaque(),
  phases: p.array(phaseParam),
  start_date: p.timestamp({ allowNow: true }),
});

export const updateScheduleParams = params({
  default_settings: defaultSettingsParam,
  end_behavior: p.enum(['cancel', 'none', 'release', 'renew'] as const),
  expand: expandParam,
  metadata: p.stringMap({ emptyable: true }),
  pause_schedules: p.opaque(),
  phases: p.array(phaseParam),
  proration_behavior: p.enum(['always_invoice', 'create_prorations', 'none'] as const),
});

export const cancelScheduleParams = params({ expand: expandParam, invoice_now: p.boolean(), prorate: p.boolean() });
export const releaseScheduleParams = params({ expand: expandParam, preserve_cancel_date: p.boolean() });
export const retrieveScheduleParams = params({ expand: expandParam });
export const listSchedulesParams = params({
  ...listParams,
  canceled_at: p.range(),
  completed_at: p.range(),
  created: p.range(),
  customer: p.string(),
  customer_account: p.string(),
  released_at: p.range(),
  scheduled: p.boolean(),
});

export type CreateScheduleInput = ReturnType<typeof createScheduleParams.parse>;
export type UpdateScheduleInput = ReturnType<typeof updateScheduleParams.parse>;
export type PhaseInput = ReturnType<typeof phaseParam.parse>;
