/**
 * The SubscriptionSchedule object (`sub_sched_`, shape of the pinned SDK's
 * `Stripe.SubscriptionSchedule`): a subscription's planned changes as phases, each with its items
 * and dates, and what happens after the last one (`end_behavior`: release the subscription to run
 * on, or cancel it). Status moves by the table below.
 */
import { invalidRequest } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';

export const SUBSCRIPTION_SCHEDULE = 'subscription_schedule';

export type ScheduleStatus = 'not_started' | 'active' | 'completed' | 'released' | 'canceled';

/** A schedule starts (its subscription exists), then completes, is released or is canceled. */
export const SCHEDULE_TRANSITIONS = {
  not_started: ['active', 'canceled', 'released'],
  active: ['completed', 'released', 'canceled'],
  completed: [],
  released: [],
  canceled: [],
} as const satisfies Record<ScheduleStatus, readonly ScheduleStatus[]>;

/** Stripe's refusal of a change to a schedule that has ended. */
export function requireLive(s: SubscriptionSchedule, action: string): void {
  if (s.status === 'not_started' || s.status === 'active') return;
  throw invalidRequest(`You cannot ${action} a subscription schedule that is currently in the \`${s.status}\` status.`);
}

export function transitionSchedule(s: SubscriptionSchedule, to: ScheduleStatus): void {
  const allowed = SCHEDULE_TRANSITIONS[s.status] as readonly ScheduleStatus[];
  if (!allowed.includes(to)) requireLive(s, to === 'canceled' ? 'cancel' : 'release');
  s.status = to;
}

export interface PhaseItem {
  billing_thresholds: null;
  discounts: [];
  metadata: Record<string, string>;
  plan: string;
  price: string;
  quantity?: number;
  tax_rates: object[];
}

export interface Phase {
  add_invoice_items: [];
  application_fee_percent: null;
  billing_cycle_anchor: 'automatic' | 'phase_start' | null;
  billing_thresholds: null;
  collection_method: 'charge_automatically' | 'send_invoice' | null;
  currency: string;
  default_payment_method: string | null;
  default_tax_rates: object[];
  description: string | null;
  discounts: [];
  end_date: number;
  invoice_settings: null;
  items: PhaseItem[];
  metadata: Record<string, string>;
  on_behalf_of: null;
  proration_behavior: 'always_invoice' | 'create_prorations' | 'none';
  start_date: number;
  transfer_data: null;
  trial_end: number | null;
}

export interface SubscriptionSchedule {
  id: string;
  object: 'subscription_schedule';
  application: null;
  billing_mode: { flexible: null; type: 'classic' };
  canceled_at: number | null;
  completed_at: number | null;
  created: number;
  current_phase: { end_date: number; start_date: number } | null;
  customer: string;
  customer_account: null;
  default_settings: {
    application_fee_percent: null;
    automatic_tax: { disabled_reason: null; enabled: false; liability: null };
    billing_cycle_anchor: 'automatic' | 'phase_start';
    billing_thresholds: null;
    collection_method: 'charge_automatically' | 'send_invoice';
    default_payment_method: string | null;
    description: string | null;
    invoice_settings: {
      account_tax_ids: null;
      custom_fields: null;
      days_until_due: number | null;
      description: null;
      footer: null;
      issuer: { type: 'self' };
    };
    on_behalf_of: null;
    transfer_data: null;
  };
  end_behavior: 'cancel' | 'release';
  livemode: false;
  metadata: Record<string, string>;
  pause_schedules: [];
  phases: Phase[];
  released_at: number | null;
  released_subscription: string | null;
  status: ScheduleStatus;
  subscription: string | null;
  test_clock: string | null;
}

export const scheduleFields = (s: SubscriptionSchedule) => ({
  customer: s.customer,
  status: s.status,
  subscription: s.subscription,
});

registerExpandable(SUBSCRIPTION_SCHEDULE, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(SUBSCRIPTION_SCHEDULE, 'subscription', { kind: 'reference', to: 'subscription' });
registerExpandable(SUBSCRIPTION_SCHEDULE, 'test_clock', { kind: 'reference' });
