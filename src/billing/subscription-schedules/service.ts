/**
 * Subscription schedules: phases that change a subscription at set times ("change plan at the
 * period end" is a schedule from the subscription with a second phase), run as jobs on the
 * customer's clock. A phase boundary that coincides with the subscription's period end is applied
 * before the renewal is billed (subscriptions' `onBeforeRenewal`), so the renewal bills the new
 * phase. After the last phase the schedule releases the subscription (it runs on) or cancels it.
 */
import type { Customer } from '../../customers/object.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { type JobHandler, scheduleJob } from '../../platform/scheduler.js';
import { loadPrice } from '../prices/load.js';
import { createSubscription } from '../subscriptions/create.js';
import { nthPeriodEnd } from '../subscriptions/cycle.js';
import { emitSubscriptionEvent } from '../subscriptions/events.js';
import { onBeforeRenewal } from '../subscriptions/lifecycle.js';
import { ENDED } from '../subscriptions/object.js';
import type { CreateSubscriptionInput, UpdateSubscriptionInput } from '../subscriptions/params.js';
import { loadSubscription, saveSubscription } from '../subscriptions/store.js';
import { cancelSubscription, updateSubscription } from '../subscriptions/update.js';
import { onCustomerClock } from '../test-clocks/context.js';
import {
  type Phase,
  type PhaseItem,
  requireLive,
  SUBSCRIPTION_SCHEDULE,
  type SubscriptionSchedule,
  scheduleFields,
  transitionSchedule,
} from './object.js';
import type { CreateScheduleInput, PhaseInput, UpdateScheduleInput } from './params.js';

const JOB_PHASE = 'subscription_schedule.phase';

async function load(ctx: MutationContext, id: string) {
  const schedule = (
    await loadObject<SubscriptionSchedule>(ctx.tx, ctx.account.id, id, SUBSCRIPTION_SCHEDULE, { forUpdate: true })
  ).object;
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, schedule.customer, CUSTOMER)).object;
  return { schedule, c: await onCustomerClock(ctx, customer) };
}

async function save(ctx: MutationContext, s: SubscriptionSchedule, insert = false): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, SUBSCRIPTION_SCHEDULE, s, { update: !insert, fields: scheduleFields(s) });
}

/** Phases from parameters, each starting where the previous one ends (`start` for the first). */
async function buildPhases(
  ctx: MutationContext,
  inputs: PhaseInput[],
  start: number,
  currency: string | null,
): Promise<Phase[]> {
  const phases: Phase[] = [];
  let at = start;
  for (const [i, input] of inputs.entries()) {
    const param = `phases[${i}]`;
    if (input.items.length === 0) {
      throw invalidRequest(`Missing required param: ${param}[items].`, {
        code: 'parameter_missing',
        param: `${param}[items]`,
      });
    }
    const phaseStart = i === 0 && typeof input.start_date === 'number' ? input.start_date : at;
    const items: PhaseItem[] = [];
    let interval: { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number } | null = null;
    let phaseCurrency = currency;
    for (const [j, item] of input.items.entries()) {
      const id = item.price ?? item.plan;
      if (!id) {
        throw invalidRequest(`Missing required param: ${param}[items][${j}][price].`, {
          code: 'parameter_missing',
          param: `${param}[items][${j}][price]`,
        });
      }
      const price = await loadPrice(ctx.tx, ctx.account.id, id, `${param}[items][${j}][price]`);
      interval ??= price.recurring;
      phaseCurrency ??= price.currency;
      const out: PhaseItem = {
        billing_thresholds: null,
        discounts: [],
        metadata: item.metadata ?? {},
        plan: price.id,
        price: price.id,
        tax_rates: [],
      };
      if (price.recurring?.usage_type !== 'metered') out.quantity = item.quantity ?? 1;
      items.push(out);
    }
    let end: number;
    if (typeof input.end_date === 'number') end = input.end_date;
    else if (input.duration) {
      end = nthPeriodEnd(
        phaseStart,
        { interval: input.duration.interval, interval_count: input.duration.interval_count ?? 1 },
        1,
      );
    } else if (interval) {
      end = nthPeriodEnd(phaseStart, interval, input.iterations ?? 1);
    } else end = phaseStart;
    if (end <= phaseStart) {
      throw invalidRequest(`The phase end_date must be after its start_date.`, { param: `${param}[end_date]` });
    }
    phases.push({
      add_invoice_items: [],
      application_fee_percent: null,
      billing_cycle_anchor: input.billing_cycle_anchor ?? null,
      billing_thresholds: null,
      collection_method: input.collection_method ?? null,
      currency: phaseCurrency ?? 'usd',
      default_payment_method: input.default_payment_method ?? null,
      default_tax_rates: [],
      description: input.description ?? null,
      discounts: [],
      end_date: end,
      invoice_settings: null,
      items,
      metadata: input.metadata ?? {},
      on_behalf_of: null,
      proration_behavior: input.proration_behavior ?? 'create_prorations',
      start_date: phaseStart,
      transfer_data: null,
      trial_end: typeof input.trial_end === 'number' ? input.trial_end : null,
    });
    at = end;
  }
  return phases;
}

function emptySchedule(id: string, customer: Customer, now: number): SubscriptionSchedule {
  return {
    id,
    object: 'subscription_schedule',
    application: null,
    billing_mode: { flexible: null, type: 'classic' },
    canceled_at: null,
    completed_at: null,
    created: now,
    current_phase: null,
    customer: customer.id,
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: 'automatic',
      billing_thresholds: null,
      collection_method: 'charge_automatically',
      default_payment_method: null,
      description: null,
      invoice_settings: {
        account_tax_ids: null,
        custom_fields: null,
        days_until_due: null,
        description: null,
        footer: null,
        issuer: { type: 'self' },
      },
      on_behalf_of: null,
      transfer_data: null,
    },
    end_behavior: 'release',
    livemode: false,
    metadata: {},
    pause_schedules: [],
    phases: [],
    released_at: null,
    released_subscription: null,
    status: 'not_started',
    subscription: null,
    test_clock: customer.test_clock ?? null,
  };
}

/** One job per future phase boundary (the last phase's end included). */
async function scheduleBoundaries(ctx: MutationContext, s: SubscriptionSchedule): Promise<void> {
  const now = ctx.clock.now();
  const boundaries = new Set<number>();
  for (const phase of s.phases) {
    if (phase.start_date > now) boundaries.add(phase.start_date);
    if (phase.end_date > now) boundaries.add(phase.end_date);
  }
  for (const at of boundaries) {
    await scheduleJob(ctx, { dueAt: at, kind: JOB_PHASE, target: s.id, payload: { at } });
  }
}

/** Starts a not-started schedule: its subscription is created with the first phase. */
async function start(ctx: MutationContext, s: SubscriptionSchedule): Promise<void> {
  const phase = s.phases[0] as Phase;
  const input = {
    customer: s.customer,
    items: phase.items.map((i) => ({ price: i.price, ...(i.quantity !== undefined ? { quantity: i.quantity } : {}) })),
    ...(phase.trial_end ? { trial_end: phase.trial_end } : {}),
    ...(phase.default_payment_method ? { default_payment_method: phase.default_payment_method } : {}),
    collection_method: phase.collection_method ?? s.default_settings.collection_method,
    ...((phase.collection_method ?? s.default_settings.collection_method) === 'send_invoice'
      ? { days_until_due: s.default_settings.invoice_settings.days_until_due ?? 30 }
      : {}),
    metadata: phase.metadata,
  } as unknown as CreateSubscriptionInput;
  const sub = await createSubscription(ctx, input, { schedule: s.id });
  transitionSchedule(s, 'active');
  s.subscription = sub.id;
  s.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
}

/** `POST /v1/subscription_schedules`: from an existing subscription, or for a customer with phases. */
export async function createSchedule(ctx: MutationContext, input: CreateScheduleInput): Promise<SubscriptionSchedule> {
  if (input.from_subscription) {
    if (input.phases || input.customer) {
      throw invalidRequest('You cannot set `phases` or `customer` if `from_subscription` is set.', {
        param: 'from_subscription',
      });
    }
    const { sub, internal } = await loadSubscription(ctx.tx, ctx.account.id, input.from_subscription, {
      param: 'from_subscription',
      forUpdate: true,
    });
    if (sub.schedule) {
      throw invalidRequest(`The subscription \`${sub.id}\` is already attached to a schedule.`, {
        param: 'from_subscription',
      });
    }
    if (ENDED.has(sub.status)) {
      throw invalidRequest('You cannot create a schedule from a subscription that has ended.', {
        param: 'from_subscription',
      });
    }
    const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, sub.customer, CUSTOMER)).object;
    const c = await onCustomerClock(ctx, customer);
    const s = emptySchedule(newId('sub_sched', 24), customer, c.clock.now());
    const first = sub.items.data[0];
    const period = {
      start: first?.current_period_start ?? sub.start_date,
      end: first?.current_period_end ?? sub.start_date,
    };
    s.phases = [
      {
        add_invoice_items: [],
        application_fee_percent: null,
        billing_cycle_anchor: null,
        billing_thresholds: null,
        collection_method: sub.collection_method,
        currency: sub.currency,
        default_payment_method: sub.default_payment_method,
        default_tax_rates: [],
        description: sub.description,
        discounts: [],
        end_date: period.end,
        invoice_settings: null,
        items: sub.items.data.map((i) => {
          const out: PhaseItem = {
            billing_thresholds: null,
            discounts: [],
            metadata: i.metadata,
            plan: i.price.id,
            price: i.price.id,
            tax_rates: [],
          };
          if (i.quantity !== undefined) out.quantity = i.quantity;
          return out;
        }),
        metadata: {},
        on_behalf_of: null,
        proration_behavior: 'create_prorations',
        start_date: period.start,
        transfer_data: null,
        trial_end: sub.trial_end,
      },
    ];
    s.status = 'active';
    s.subscription = sub.id;
    s.current_phase = { start_date: period.start, end_date: period.end };
    s.metadata = applyMetadata({}, input.metadata);
    if (input.end_behavior === 'cancel') s.end_behavior = 'cancel';
    await save(c, s, true);
    const before = structuredClone(sub);
    sub.schedule = s.id;
    await saveSubscription(c, sub, internal);
    await emitEvent(c, 'subscription_schedule.created', s);
    await emitSubscriptionEvent(c, 'updated', sub, before);
    await scheduleBoundaries(c, s);
    return s;
  }
  if (!input.customer) {
    throw invalidRequest('Missing required param: customer.', { code: 'parameter_missing', param: 'customer' });
  }
  if (!input.phases || input.phases.length === 0) {
    throw invalidRequest('Missing required param: phases.', { code: 'parameter_missing', param: 'phases' });
  }
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' }))
    .object;
  const c = await onCustomerClock(ctx, customer);
  const now = c.clock.now();
  const s = emptySchedule(newId('sub_sched', 24), customer, now);
  const startAt = typeof input.start_date === 'number' ? input.start_date : now;
  s.phases = await buildPhases(c, input.phases, startAt, null);
  s.metadata = applyMetadata({}, input.metadata);
  if (input.end_behavior === 'cancel') s.end_behavior = 'cancel';
  if (input.default_settings?.collection_method) {
    s.default_settings.collection_method = input.default_settings.collection_method;
  }
  if (input.default_settings?.invoice_settings?.days_until_due != null) {
    s.default_settings.invoice_settings.days_until_due = input.default_settings.invoice_settings.days_until_due;
  }
  await save(c, s, true);
  if (startAt <= now) {
    await start(c, s);
    await save(c, s);
  }
  await emitEvent(c, 'subscription_schedule.created', s);
  await scheduleBoundaries(c, s);
  return s;
}

/** `POST /v1/subscription_schedules/:id`: new phases (the current one kept by its start), settings, metadata. */
export async function updateSchedule(
  ctx: MutationContext,
  id: string,
  input: UpdateScheduleInput,
): Promise<SubscriptionSchedule> {
  const { schedule: s, c } = await load(ctx, id);
  requireLive(s, 'update');
  const before = structuredClone(s);
  if (input.metadata !== undefined) s.metadata = applyMetadata(s.metadata, input.metadata);
  if (input.end_behavior) s.end_behavior = input.end_behavior === 'cancel' ? 'cancel' : 'release';
  if (input.phases) {
    const startAt =
      typeof input.phases[0]?.start_date === 'number'
        ? input.phases[0].start_date
        : (s.current_phase?.start_date ?? s.phases[0]?.start_date ?? c.clock.now());
    s.phases = await buildPhases(c, input.phases, startAt, s.phases[0]?.currency ?? null);
    if (s.current_phase) {
      const now = c.clock.now();
      const current = s.phases.find((ph) => ph.start_date <= now && now < ph.end_date);
      s.current_phase = current ? { start_date: current.start_date, end_date: current.end_date } : s.current_phase;
    }
  }
  await save(c, s);
  await emitEvent(c, 'subscription_schedule.updated', s, before);
  await scheduleBoundaries(c, s);
  return s;
}

/** Detaches the subscription from the schedule (it runs on by itself). */
async function detach(ctx: MutationContext, s: SubscriptionSchedule): Promise<void> {
  if (!s.subscription) return;
  const { sub, internal } = await loadSubscription(ctx.tx, ctx.account.id, s.subscription, { forUpdate: true });
  if (sub.schedule !== s.id) return;
  const before = structuredClone(sub);
  sub.schedule = null;
  await saveSubscription(ctx, sub, internal);
  if (!ENDED.has(sub.status)) await emitSubscriptionEvent(ctx, 'updated', sub, before);
}

/** `POST /v1/subscription_schedules/:id/release`. */
export async function releaseSchedule(ctx: MutationContext, id: string): Promise<SubscriptionSchedule> {
  const { schedule: s, c } = await load(ctx, id);
  requireLive(s, 'release');
  await release(c, s);
  return s;
}

async function release(ctx: MutationContext, s: SubscriptionSchedule): Promise<void> {
  const before = structuredClone(s);
  transitionSchedule(s, 'released');
  s.released_at = ctx.clock.now();
  s.released_subscription = s.subscription;
  s.current_phase = null;
  await detach(ctx, s);
  s.subscription = null;
  await save(ctx, s);
  await emitEvent(ctx, 'subscription_schedule.released', s, before);
}

/** `POST /v1/subscription_schedules/:id/cancel`: the schedule and its subscription end now. */
export async function cancelSchedule(
  ctx: MutationContext,
  id: string,
  input: { invoice_now?: boolean | null; prorate?: boolean | null },
): Promise<SubscriptionSchedule> {
  const { schedule: s, c } = await load(ctx, id);
  requireLive(s, 'cancel');
  const before = structuredClone(s);
  transitionSchedule(s, 'canceled');
  s.canceled_at = c.clock.now();
  s.current_phase = null;
  await save(c, s);
  if (s.subscription) {
    const { sub } = await loadSubscription(c.tx, c.account.id, s.subscription);
    if (!ENDED.has(sub.status)) {
      await cancelSubscription(c, sub.id, {
        invoice_now: input.invoice_now ?? false,
        prorate: input.prorate ?? true,
      } as Parameters<typeof cancelSubscription>[2]);
    }
  }
  await emitEvent(c, 'subscription_schedule.canceled', s, before);
  return s;
}

/**
 * The schedule at its boundary `at`: it starts, moves to the phase that begins at `at` (the
 * subscription takes its items), or, past its last phase, releases or cancels its subscription.
 */
async function reachBoundary(ctx: MutationContext, id: string, at: number): Promise<void> {
  const { schedule: s, c } = await load(ctx, id);
  if (s.status !== 'not_started' && s.status !== 'active') return;
  if (s.current_phase?.start_date === at) return; // already moved (the renewal applied it)
  const before = structuredClone(s);
  if (s.status === 'not_started') {
    if (s.phases[0]?.start_date !== at) return;
    await start(c, s);
    await save(c, s);
    await emitEvent(c, 'subscription_schedule.updated', s, before);
    return;
  }
  const next = s.phases.find((ph) => ph.start_date === at);
  const last = s.phases[s.phases.length - 1];
  if (next && s.subscription) {
    const { sub } = await loadSubscription(c.tx, c.account.id, s.subscription);
    if (ENDED.has(sub.status)) return;
    const items: NonNullable<UpdateSubscriptionInput['items']> = [];
    const wanted = new Set(next.items.map((i) => i.price));
    for (const existing of sub.items.data) {
      if (!wanted.has(existing.price.id)) items.push({ id: existing.id, deleted: true } as (typeof items)[number]);
    }
    for (const item of next.items) {
      const existing = sub.items.data.find((i) => i.price.id === item.price);
      const quantity = item.quantity !== undefined ? { quantity: item.quantity } : {};
      items.push(
        (existing ? { id: existing.id, ...quantity } : { price: item.price, ...quantity }) as (typeof items)[number],
      );
    }
    s.current_phase = { start_date: next.start_date, end_date: next.end_date };
    await save(c, s);
    await updateSubscription(c, sub.id, {
      items,
      proration_behavior: next.proration_behavior,
    } as UpdateSubscriptionInput);
    await emitEvent(c, 'subscription_schedule.updated', s, before);
    return;
  }
  if (last && at === last.end_date) {
    if (s.end_behavior === 'cancel') {
      transitionSchedule(s, 'completed');
      s.completed_at = at;
      s.current_phase = null;
      await save(c, s);
      if (s.subscription) {
        const { sub } = await loadSubscription(c.tx, c.account.id, s.subscription);
        if (!ENDED.has(sub.status)) {
          await cancelSubscription(c, sub.id, {} as Parameters<typeof cancelSubscription>[2]);
        }
      }
      await emitEvent(c, 'subscription_schedule.completed', s, before);
    } else {
      await release(c, s);
    }
  }
}

const phaseJob: JobHandler = async (ctx, job) => {
  await reachBoundary(ctx, job.target, (job.payload as { at: number }).at);
};

export const scheduleJobHandlers: Record<string, JobHandler> = { [JOB_PHASE]: phaseJob };

// A boundary at the subscription's period end is applied before the renewal bills it.
onBeforeRenewal(async (ctx, subscription, at) => {
  const row = await ctx.tx.getObject(ctx.account.id, subscription);
  const schedule = row ? (JSON.parse(row.json) as { schedule?: string | null }).schedule : null;
  if (schedule) await reachBoundary(ctx, schedule, at);
});
