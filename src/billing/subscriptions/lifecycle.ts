/**
 * A subscription's life after creation, driven by jobs on its customer's clock and by its invoices'
 * payment outcomes:
 *
 * | when                                  | job / hook                    | effect                                             |
 * |---------------------------------------|-------------------------------|----------------------------------------------------|
 * | 3 days before `trial_end` (or at once) | `subscription.trial_will_end` | `customer.subscription.trial_will_end`             |
 * | each period end                        | `subscription.cycle`          | new period, trial → active (or paused / canceled   |
 * |                                        |                               | without a payment method), renewal invoice (draft, |
 * |                                        |                               | finalised ~1 h later by the invoices code); or the |
 * |                                        |                               | end for `cancel_at_period_end`                     |
 * | `cancel_at`                            | `subscription.cancel_at`      | canceled                                           |
 * | 23 h after an incomplete creation      | `subscription.expire`         | incomplete_expired, first invoice voided           |
 * | 3 days before a charged renewal         | `subscription.upcoming`       | `invoice.upcoming` (the preview, without an id)    |
 * | `pause_collection.resumes_at`          | `subscription.resume_collection` | `pause_collection` cleared                      |
 * | 23 h after a pending update            | `subscription.pending_update_expire` | `pending_update_expired`, invoice voided    |
 * | an invoice paid                        | `paid` hook                   | incomplete / past_due / unpaid → active            |
 * | a renewal payment failed / needs 3DS   | `paymentFailed` / `actionRequired` | active → past_due                             |
 * | retries used up                        | `retriesExhausted` hook       | canceled, unpaid or past_due (account setting)     |
 *
 * Every handler re-reads the subscription and checks that the job still describes it (a period
 * end moved by an update makes the old job stale), so jobs never need to be cancelled.
 */
import type { Customer } from '../../customers/object.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { type JobHandler, scheduleJob } from '../../platform/scheduler.js';
import type { Invoice } from '../invoices/object.js';
import { createInvoicePreview } from '../invoices/preview.js';
import { onCustomerClock } from '../test-clocks/context.js';
import { periodAround } from './cycle.js';
import { emitSubscriptionEvent, holdEvents } from './events.js';
import {
  draftInvoice,
  dunningEnd,
  hasPaymentMethod,
  invoicePaymentMethod,
  meteredUsage,
  voidOpenInvoice,
} from './invoicing.js';
import { isMetered, productName } from './items.js';
import { ENDED, type Subscription, type SubscriptionInternal, transition } from './object.js';
import { cycleLine, type SubscriptionLine, usageLine } from './proration.js';
import { loadSubscription, saveSubscription } from './store.js';

const DAY = 86_400;
/** `customer.subscription.trial_will_end` comes this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE = 3 * DAY;
const INCOMPLETE_EXPIRY = 23 * 3600;
/**
 * `invoice.upcoming` comes this long before a renewal (Stripe: the account's "upcoming renewal
 * events" setting, 3 days unless changed).
 */
export const UPCOMING_NOTICE = 3 * DAY;

/**
 * Subscriptions whose invoice is being collected by a request in this process (creation, an update
 * billed now, a resume): that request sets the status from the outcome, so the hooks stay out.
 */
const creating = new Set<string>();
export function beginCreation(id: string): void {
  creating.add(id);
}
export function endCreation(id: string): void {
  creating.delete(id);
}

/** Schedules the work a subscription's current state calls for (see the module's table). */
export async function scheduleLifecycle(
  ctx: MutationContext,
  sub: Subscription,
  _internal: SubscriptionInternal,
  opts: { created?: boolean } = {},
): Promise<void> {
  if (ENDED.has(sub.status)) return;
  const periodEnd = currentPeriodEnd(sub);
  if (sub.status !== 'paused') {
    await scheduleJob(ctx, {
      dueAt: periodEnd,
      kind: 'subscription.cycle',
      target: sub.id,
      payload: { at: periodEnd },
    });
  }
  if (sub.status === 'trialing' && sub.trial_end !== null) {
    await scheduleJob(ctx, {
      dueAt: Math.max(sub.trial_end - TRIAL_WILL_END_NOTICE, ctx.clock.now()),
      kind: 'subscription.trial_will_end',
      target: sub.id,
      payload: { trial_end: sub.trial_end },
    });
  }
  // `invoice.upcoming` a few days before an automatically charged renewal.
  if (sub.status !== 'paused' && sub.collection_method === 'charge_automatically') {
    const notice = periodEnd - UPCOMING_NOTICE;
    if (notice > ctx.clock.now()) {
      // One notice per renewal however often the subscription is rescheduled (`once` per target).
      await scheduleJob(ctx, {
        dueAt: notice,
        kind: 'subscription.upcoming',
        target: `upcoming:${sub.id}:${periodEnd}`,
        payload: { subscription: sub.id, at: periodEnd },
        once: true,
      });
    }
  }
  if (sub.cancel_at !== null && sub.cancel_at < periodEnd) {
    await scheduleJob(ctx, {
      dueAt: sub.cancel_at,
      kind: 'subscription.cancel_at',
      target: sub.id,
      payload: { at: sub.cancel_at },
    });
  }
  if (opts.created && sub.status === 'incomplete') {
    await scheduleJob(ctx, {
      dueAt: sub.created + INCOMPLETE_EXPIRY,
      kind: 'subscription.expire',
      target: sub.id,
      payload: { invoice: sub.latest_invoice },
    });
  }
  if (sub.pause_collection?.resumes_at) {
    await scheduleJob(ctx, {
      dueAt: sub.pause_collection.resumes_at,
      kind: 'subscription.resume_collection',
      target: sub.id,
      payload: { at: sub.pause_collection.resumes_at },
    });
  }
}

/** The end of the subscription's current period (all items share it in classic billing mode). */
export function currentPeriodEnd(sub: Subscription): number {
  return Math.min(...sub.items.data.map((i) => i.current_period_end));
}

async function customerOf(ctx: MutationContext, sub: Subscription): Promise<Customer> {
  return (await loadObject<Customer>(ctx.tx, ctx.account.id, sub.customer, CUSTOMER)).object;
}

/**
 * Ends `sub` now (`ended_at` = the clock's now): canceled, with `customer.subscription.deleted`.
 * `canceled_at` keeps the time a cancellation was requested (cancel_at_period_end / cancel_at).
 */
export async function endSubscription(
  ctx: MutationContext,
  sub: Subscription,
  internal: SubscriptionInternal,
  details: {
    reason: 'cancellation_requested' | 'payment_failed' | 'payment_disputed' | null;
    comment?: string | null;
    feedback?: string | null;
  },
): Promise<void> {
  const now = ctx.clock.now();
  transition(sub, 'canceled');
  sub.canceled_at = sub.canceled_at ?? now;
  sub.ended_at = now;
  sub.cancellation_details = {
    comment: details.comment ?? sub.cancellation_details?.comment ?? null,
    feedback: details.feedback ?? sub.cancellation_details?.feedback ?? null,
    feedback_option: sub.cancellation_details?.feedback_option ?? null,
    reason: details.reason,
  };
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'deleted', sub);
}

/** The lines of a renewal: usage of the period that ended (metered), then each licensed item's new period. */
async function renewalLines(
  ctx: MutationContext,
  sub: Subscription,
  ended: { start: number; end: number },
): Promise<SubscriptionLine[]> {
  const usage: SubscriptionLine[] = [];
  const licensed: SubscriptionLine[] = [];
  for (const item of sub.items.data) {
    const name = await productName(ctx, item.price);
    if (isMetered(item.price)) {
      const quantity = await meteredUsage(ctx, sub, item, ended);
      usage.push(usageLine(item, name, ended, quantity));
    } else {
      licensed.push(cycleLine(item, name, { start: item.current_period_start, end: item.current_period_end }));
    }
  }
  return [...usage, ...licensed];
}

/**
 * Work that must happen at a period end before the renewal is billed: a subscription schedule's
 * next phase (its new prices are what the renewal bills). Registered by the schedules code.
 */
const beforeRenewal: ((ctx: MutationContext, subscription: string, at: number) => Promise<void>)[] = [];
export function onBeforeRenewal(fn: (ctx: MutationContext, subscription: string, at: number) => Promise<void>): void {
  beforeRenewal.push(fn);
}

/**
 * A trial ends (at its time, or early with `trial_end=now`) for a charged subscription with no
 * payment method: `trial_settings.end_behavior.missing_payment_method` decides. `cancel` ends it,
 * `pause` pauses it (no invoice until resumed); both answer true. `create_invoice` (the default)
 * answers false: the caller bills the first period as usual, and that invoice will fail.
 */
export async function trialEndedWithoutPaymentMethod(
  ctx: MutationContext,
  sub: Subscription,
  internal: SubscriptionInternal,
  customer: Customer,
  before: Subscription,
): Promise<boolean> {
  if (sub.collection_method !== 'charge_automatically' || (await hasPaymentMethod(ctx, sub, customer))) return false;
  const behavior = sub.trial_settings.end_behavior.missing_payment_method;
  if (behavior === 'cancel') {
    await endSubscription(ctx, sub, internal, { reason: null });
    return true;
  }
  if (behavior === 'pause') {
    transition(sub, 'paused');
    for (const item of sub.items.data) item.current_trial = null;
    await saveSubscription(ctx, sub, internal);
    await emitSubscriptionEvent(ctx, 'updated', sub, before);
    await emitSubscriptionEvent(ctx, 'paused', sub);
    return true;
  }
  return false;
}

/** `subscription.cycle`: the period ends (see the module's table). */
const cycle: JobHandler = async (jobCtx, job) => {
  const at = (job.payload as { at: number }).at;
  for (const hook of beforeRenewal) await hook(jobCtx, job.target, at);
  const loaded = await loadSubscription(jobCtx.tx, jobCtx.account.id, job.target, { forUpdate: true });
  const { sub, internal } = loaded;
  if (ENDED.has(sub.status) || sub.status === 'paused' || currentPeriodEnd(sub) !== at) return;
  const customer = await customerOf(jobCtx, sub);
  const ctx = await onCustomerClock(jobCtx, customer);
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= at)) {
    await endSubscription(ctx, sub, internal, { reason: 'cancellation_requested' });
    return;
  }
  if (sub.status === 'incomplete') return; // it is paid or expires; it does not renew
  const before = structuredClone(sub);
  if (sub.status === 'trialing' && sub.trial_end !== null && sub.trial_end <= at) {
    if (await trialEndedWithoutPaymentMethod(ctx, sub, internal, customer, before)) return;
    transition(sub, 'active');
  }
  const ended = { start: Math.min(...sub.items.data.map((i) => i.current_period_start)), end: at };
  for (const item of sub.items.data) {
    const r = item.price.recurring as NonNullable<typeof item.price.recurring>;
    item.current_period_start = at;
    item.current_period_end = periodAround(sub.billing_cycle_anchor, r, at).end;
    item.current_trial = null;
  }
  // The renewal invoice's events follow the subscription's `updated`, as Stripe sends them.
  const held = holdEvents(ctx);
  const lines = await renewalLines(held.ctx, sub, ended);
  const pause = sub.pause_collection?.behavior ?? null;
  const invoice = await draftInvoice(held.ctx, sub, {
    billingReason: 'subscription_cycle',
    lines,
    period: ended,
    includePending: true,
    addInvoiceItems: [],
    autoAdvance: pause === null && sub.status !== 'unpaid',
    pause,
  });
  sub.latest_invoice = invoice.id;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
  await held.release();
  await scheduleLifecycle(ctx, sub, internal);
};

/** `subscription.trial_will_end`: three days before the trial ends (at once when it ends sooner). */
const trialWillEnd: JobHandler = async (ctx, job) => {
  const trialEnd = (job.payload as { trial_end: number }).trial_end;
  const { sub, internal } = await loadSubscription(ctx.tx, ctx.account.id, job.target, { forUpdate: true });
  if (sub.status !== 'trialing' || sub.trial_end !== trialEnd || internal.trialWillEndFor === trialEnd) return;
  internal.trialWillEndFor = trialEnd;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'trial_will_end', sub);
};

/** `subscription.upcoming`: the renewal's invoice as it would be now, without an id (Stripe's `invoice.upcoming`). */
const upcoming: JobHandler = async (jobCtx, job) => {
  const { subscription, at } = job.payload as { subscription: string; at: number };
  const { sub } = await loadSubscription(jobCtx.tx, jobCtx.account.id, subscription);
  if (ENDED.has(sub.status) || sub.status === 'paused' || currentPeriodEnd(sub) !== at) return;
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= at)) return;
  const ctx = await onCustomerClock(jobCtx, await customerOf(jobCtx, sub));
  const preview = (await createInvoicePreview(ctx, { subscription: sub.id })) as unknown as Record<string, unknown>;
  const { id: _id, ...withoutId } = preview;
  await emitEvent(ctx, 'invoice.upcoming', withoutId as { object: string });
};

/** `subscription.cancel_at`: the requested cancellation time came (inside a period). */
const cancelAt: JobHandler = async (jobCtx, job) => {
  const at = (job.payload as { at: number }).at;
  const { sub, internal } = await loadSubscription(jobCtx.tx, jobCtx.account.id, job.target, { forUpdate: true });
  if (ENDED.has(sub.status) || sub.cancel_at !== at) return;
  const ctx = await onCustomerClock(jobCtx, await customerOf(jobCtx, sub));
  await endSubscription(ctx, sub, internal, { reason: 'cancellation_requested' });
};

/** `subscription.expire`: 23 hours without a paid first invoice; the invoice is voided. */
const expire: JobHandler = async (jobCtx, job) => {
  const invoiceId = (job.payload as { invoice: string | null }).invoice;
  const { sub, internal } = await loadSubscription(jobCtx.tx, jobCtx.account.id, job.target, { forUpdate: true });
  if (sub.status !== 'incomplete') return;
  const ctx = await onCustomerClock(jobCtx, await customerOf(jobCtx, sub));
  if (invoiceId) await voidOpenInvoice(ctx, invoiceId);
  const before = structuredClone(sub);
  transition(sub, 'incomplete_expired');
  sub.ended_at = ctx.clock.now();
  delete internal.paymentBehavior;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
};

/** `subscription.resume_collection`: `pause_collection.resumes_at` came. */
const resumeCollection: JobHandler = async (jobCtx, job) => {
  const at = (job.payload as { at: number }).at;
  const { sub, internal } = await loadSubscription(jobCtx.tx, jobCtx.account.id, job.target, { forUpdate: true });
  if (ENDED.has(sub.status) || sub.pause_collection?.resumes_at !== at) return;
  const ctx = await onCustomerClock(jobCtx, await customerOf(jobCtx, sub));
  const before = structuredClone(sub);
  sub.pause_collection = null;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
};

/** `subscription.pending_update_expire`: a pending update's invoice went unpaid for 23 hours. */
const pendingUpdateExpire: JobHandler = async (jobCtx, job) => {
  const invoiceId = (job.payload as { invoice: string }).invoice;
  const { sub, internal } = await loadSubscription(jobCtx.tx, jobCtx.account.id, job.target, { forUpdate: true });
  if (!sub.pending_update || internal.pendingInvoice !== invoiceId) return;
  const ctx = await onCustomerClock(jobCtx, await customerOf(jobCtx, sub));
  await voidOpenInvoice(ctx, invoiceId);
  const before = structuredClone(sub);
  sub.pending_update = null;
  internal.pendingInvoice = null;
  internal.pendingSubscription = null;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
  await emitSubscriptionEvent(ctx, 'pending_update_expired', sub);
};

export const subscriptionJobHandlers: Record<string, JobHandler> = {
  'subscription.pending_update_expire': pendingUpdateExpire,
  'subscription.cycle': cycle,
  'subscription.trial_will_end': trialWillEnd,
  'subscription.upcoming': upcoming,
  'subscription.cancel_at': cancelAt,
  'subscription.expire': expire,
  'subscription.resume_collection': resumeCollection,
};

// ---- invoice outcomes ----

/** The subscription an invoice bills, loaded for update; undefined for other invoices. */
async function subscriptionOf(ctx: MutationContext, invoice: Invoice) {
  const id = invoice.parent?.subscription_details?.subscription;
  if (!id || creating.has(id)) return undefined;
  return loadSubscription(ctx.tx, ctx.account.id, id, { forUpdate: true });
}

/** An invoice of the subscription was paid: it is active again (or for the first time). */
export async function invoicePaid(ctx: MutationContext, invoice: Invoice): Promise<void> {
  const loaded = await subscriptionOf(ctx, invoice);
  if (!loaded || ENDED.has(loaded.sub.status)) return;
  const { internal } = loaded;
  if (internal.pendingInvoice === invoice.id && internal.pendingSubscription && loaded.sub.pending_update) {
    await applyPendingUpdate(ctx, loaded.sub, internal, invoice);
    return;
  }
  const { sub } = loaded;
  const before = structuredClone(sub);
  if (sub.status === 'incomplete' || sub.status === 'past_due' || sub.status === 'unpaid') {
    if (sub.status !== 'incomplete' || invoice.id === sub.latest_invoice) transition(sub, 'active');
  }
  if (
    invoice.billing_reason === 'subscription_create' &&
    sub.payment_settings.save_default_payment_method === 'on_subscription'
  ) {
    const pm = await invoicePaymentMethod(ctx, invoice);
    if (pm) sub.default_payment_method = pm;
  }
  delete internal.paymentBehavior;
  if (JSON.stringify(before) === JSON.stringify(sub)) return;
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
}

/** The invoice of a `pending_if_incomplete` update was paid: the change happens now. */
async function applyPendingUpdate(
  ctx: MutationContext,
  current: Subscription,
  internal: SubscriptionInternal,
  invoice: Invoice,
): Promise<void> {
  const applied = internal.pendingSubscription as Subscription;
  applied.pending_update = null;
  applied.latest_invoice = invoice.id;
  applied.metadata = current.metadata;
  const kept = new Set(applied.items.data.map((i) => i.id));
  const removed = current.items.data.filter((i) => !kept.has(i.id));
  internal.pendingInvoice = null;
  internal.pendingSubscription = null;
  await saveSubscription(ctx, applied, internal, { removed });
  await emitSubscriptionEvent(ctx, 'updated', applied, current);
  await emitSubscriptionEvent(ctx, 'pending_update_applied', applied);
  await scheduleLifecycle(ctx, applied, internal);
}

/** A renewal's payment failed or needs the customer: past_due (a first invoice leaves it incomplete). */
export async function invoiceUnpaid(ctx: MutationContext, invoice: Invoice): Promise<void> {
  const loaded = await subscriptionOf(ctx, invoice);
  if (!loaded) return;
  const { sub, internal } = loaded;
  if (sub.status !== 'active' && sub.status !== 'trialing') return;
  if (invoice.billing_reason === 'subscription_create') return;
  const before = structuredClone(sub);
  transition(sub, 'past_due');
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
}

/**
 * A `send_invoice` subscription whose invoice is still open on its due date is past_due, its first
 * invoice included (such a subscription starts active: nothing is charged at creation).
 */
export async function invoiceOverdue(ctx: MutationContext, invoice: Invoice): Promise<void> {
  const loaded = await subscriptionOf(ctx, invoice);
  if (!loaded) return;
  const { sub, internal } = loaded;
  if (sub.status !== 'active' || sub.collection_method !== 'send_invoice') return;
  const before = structuredClone(sub);
  transition(sub, 'past_due');
  await saveSubscription(ctx, sub, internal);
  await emitSubscriptionEvent(ctx, 'updated', sub, before);
}

/** Dunning is over: the account's setting decides between canceled, unpaid and staying past_due. */
export async function retriesExhausted(ctx: MutationContext, invoice: Invoice): Promise<void> {
  const loaded = await subscriptionOf(ctx, invoice);
  if (!loaded) return;
  const { sub, internal } = loaded;
  if (ENDED.has(sub.status) || sub.status === 'incomplete') return;
  const end = await dunningEnd(ctx);
  if (end === 'cancel') {
    await endSubscription(ctx, sub, internal, { reason: 'payment_failed' });
  } else if (end === 'unpaid' && sub.status !== 'unpaid') {
    const before = structuredClone(sub);
    transition(sub, 'unpaid');
    await saveSubscription(ctx, sub, internal);
    await emitSubscriptionEvent(ctx, 'updated', sub, before);
  }
}
