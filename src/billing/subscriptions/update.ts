/**
 * Changing a subscription: `POST /v1/subscriptions/:id`, cancellation (`DELETE`), `resume`, and
 * removing its discount.
 *
 * Item changes (price, quantity, added, removed) inside a period are prorated to the second
 * (proration.ts) by `proration_behavior`: `create_prorations` leaves the lines as pending invoice
 * items for the next invoice, `always_invoice` bills them now, `none` bills nothing. A change of
 * billing interval, `billing_cycle_anchor=now` and `trial_end=now` start a new period now and bill
 * it at once (crediting the unused time of the old one). With `payment_behavior=
 * pending_if_incomplete` a change that bills now only happens once its invoice is paid; until
 * then it waits in `pending_update` (23 hours at most).
 */
import type { Customer } from '../../customers/object.js';
import { CUSTOMER } from '../../customers/object.js';
import { invalidRequest, StripeError } from '../../platform/errors.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import type { DeletedDiscount } from '../discounts/object.js';
import { deleteDiscount, legacyDiscounts, resolveDiscounts } from '../discounts/service.js';
import { onCustomerClock } from '../test-clocks/context.js';
import { resolveCancelAt, rolledBack } from './create.js';
import { nthPeriodEnd, periodAround } from './cycle.js';
import { emitSubscriptionEvent, holdEvents, renderSubscription } from './events.js';
import {
  addPendingLines,
  checkPaymentMethod,
  collect,
  draftInvoice,
  meteredUsage,
  voidOpenInvoice,
} from './invoicing.js';
import { buildItem, checkItems, isMetered, itemPrice, loadTaxRates, productName } from './items.js';
import {
  beginCreation,
  currentPeriodEnd,
  endCreation,
  endSubscription,
  scheduleLifecycle,
  trialEndedWithoutPaymentMethod,
} from './lifecycle.js';
import { ENDED, planOf, type Subscription, type SubscriptionItem, transition } from './object.js';
import type { CancelSubscriptionInput, UpdateSubscriptionInput } from './params.js';
import { cycleLine, prorationLines, type SubscriptionLine, taxRateIds, usageLine } from './proration.js';
import { loadSubscription, saveSubscription } from './store.js';

const PENDING_UPDATE_EXPIRY = 23 * 3600;

async function open(ctx: MutationContext, id: string) {
  const loaded = await loadSubscription(ctx.tx, ctx.account.id, id, { forUpdate: true });
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, loaded.sub.customer, CUSTOMER)).object;
  return { ...loaded, customer, c: await onCustomerClock(ctx, customer) };
}

/** Stripe's refusal of any change to a subscription that has ended. */
function endedError() {
  return invalidRequest('You cannot update a subscription that is `canceled` or `incomplete_expired`.');
}

export async function updateSubscription(
  ctx: MutationContext,
  id: string,
  input: UpdateSubscriptionInput,
): Promise<Subscription> {
  const { sub, internal, customer, c } = await open(ctx, id);
  const before = structuredClone(sub);
  const now = c.clock.now();
  if (ENDED.has(sub.status)) throw endedError();

  // Plain fields.
  if (input.metadata !== undefined) sub.metadata = applyMetadata(sub.metadata, input.metadata);
  if (input.description !== undefined) sub.description = input.description;
  if (input.default_payment_method !== undefined) {
    if (input.default_payment_method) {
      await checkPaymentMethod(c, customer, input.default_payment_method, 'default_payment_method');
    }
    sub.default_payment_method = input.default_payment_method;
  }
  if (input.default_source !== undefined) sub.default_source = input.default_source;
  if (input.collection_method) {
    sub.collection_method = input.collection_method;
    if (input.collection_method === 'charge_automatically') sub.days_until_due = null;
  }
  if (input.days_until_due != null) sub.days_until_due = input.days_until_due;
  if (sub.collection_method === 'send_invoice' && sub.days_until_due === null) {
    throw invalidRequest('Missing required param: days_until_due.', {
      code: 'parameter_missing',
      param: 'days_until_due',
    });
  }
  if (input.default_tax_rates !== undefined) {
    sub.default_tax_rates = await loadTaxRates(c, input.default_tax_rates ?? [], 'default_tax_rates');
  }
  if (input.trial_settings) {
    sub.trial_settings = {
      end_behavior: {
        billing_cycle_anchor: sub.trial_settings.end_behavior.billing_cycle_anchor,
        missing_payment_method: input.trial_settings.end_behavior.missing_payment_method,
      },
    };
  }
  if (input.payment_settings) {
    sub.payment_settings = {
      payment_method_options: null,
      payment_method_types: input.payment_settings.payment_method_types ?? sub.payment_settings.payment_method_types,
      save_default_payment_method:
        input.payment_settings.save_default_payment_method ?? sub.payment_settings.save_default_payment_method,
    };
  }
  if (input.cancellation_details) {
    sub.cancellation_details = {
      comment: input.cancellation_details.comment ?? sub.cancellation_details?.comment ?? null,
      feedback: input.cancellation_details.feedback ?? sub.cancellation_details?.feedback ?? null,
      feedback_option: sub.cancellation_details?.feedback_option ?? null,
      reason: sub.cancellation_details?.reason ?? null,
    };
  }
  if (input.cancel_at_period_end != null) {
    sub.cancel_at_period_end = input.cancel_at_period_end;
    if (input.cancel_at_period_end) {
      sub.cancel_at = currentPeriodEnd(sub);
      sub.canceled_at = now;
    } else {
      sub.cancel_at = null;
      sub.canceled_at = null;
    }
  }
  if (input.cancel_at !== undefined) {
    sub.cancel_at = input.cancel_at === null ? null : resolveCancelAt(sub, input.cancel_at);
    sub.cancel_at_period_end = sub.cancel_at !== null && sub.cancel_at === currentPeriodEnd(sub);
    sub.canceled_at = sub.cancel_at === null ? null : now;
  }
  if (input.pause_collection !== undefined) {
    sub.pause_collection = input.pause_collection
      ? { behavior: input.pause_collection.behavior, resumes_at: input.pause_collection.resumes_at ?? null }
      : null;
  }
  const discountInput = input.discounts !== undefined ? input.discounts : legacyDiscounts(input);
  if (discountInput !== undefined) {
    const discounts = await resolveDiscounts(
      c,
      discountInput ?? [],
      { customer: sub.customer, subscription: sub.id, currency: sub.currency },
      input.discounts !== undefined ? 'discounts' : input.coupon !== undefined ? 'coupon' : 'promotion_code',
      { legacy: input.discounts === undefined },
    );
    sub.discounts = discounts.map((d) => d.id);
  }

  // Items, and what they bill.
  const at = input.proration_date ?? now;
  const prorationBehavior = input.proration_behavior ?? 'create_prorations';
  const removed: SubscriptionItem[] = [];
  const lines: SubscriptionLine[] = [];
  const trialing = sub.status === 'trialing';
  const oldInterval = sub.items.data[0]?.price.recurring;
  if (input.items) {
    for (const [i, change] of input.items.entries()) {
      const param = `items[${i}]`;
      const existing = change.id ? sub.items.data.find((it) => it.id === change.id) : undefined;
      if (change.id && !existing) {
        throw invalidRequest(`No such subscription item: '${change.id}'`, {
          code: 'resource_missing',
          param: `${param}[id]`,
        });
      }
      if (existing && change.deleted) {
        if (isMetered(existing.price) && !change.clear_usage) {
          // Usage so far is billed on the next invoice unless cleared.
          const usage = await meteredUsage(c, sub, existing, { start: existing.current_period_start, end: at });
          if (usage > 0) {
            lines.push(
              usageLine(
                existing,
                await productName(c, existing.price),
                { start: existing.current_period_start, end: at },
                usage,
              ),
            );
          }
        }
        removed.push(existing);
        sub.items.data = sub.items.data.filter((it) => it !== existing);
        if (!trialing) lines.push(...(await prorate(c, existing, undefined, at)));
        continue;
      }
      if (existing) {
        const was = structuredClone(existing);
        if (change.price || change.plan || change.price_data) {
          existing.price = await itemPrice(c, change, param);
          existing.plan = planOf(existing.price);
        }
        if (change.quantity != null) {
          if (isMetered(existing.price)) {
            throw invalidRequest(
              `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${param}\`.`,
              { param: `${param}[quantity]` },
            );
          }
          existing.quantity = change.quantity;
        } else if (isMetered(existing.price)) delete existing.quantity;
        else if (existing.quantity === undefined) existing.quantity = 1;
        if (change.metadata !== undefined) existing.metadata = applyMetadata(existing.metadata, change.metadata);
        if (change.tax_rates !== undefined) {
          existing.tax_rates = await loadTaxRates(c, change.tax_rates ?? [], `${param}[tax_rates]`);
        }
        if (change.discounts !== undefined) {
          const ds = await resolveDiscounts(
            c,
            change.discounts ?? [],
            { customer: sub.customer, subscription: sub.id, subscription_item: existing.id, currency: sub.currency },
            `${param}[discounts]`,
          );
          existing.discounts = ds.map((d) => d.id);
        }
        const changed = was.price.id !== existing.price.id || was.quantity !== existing.quantity;
        if (changed && !trialing) lines.push(...(await prorate(c, was, existing, at)));
        continue;
      }
      const period = {
        start: sub.items.data[0]?.current_period_start ?? now,
        end: sub.items.data[0]?.current_period_end ?? now,
      };
      const item = await buildItem(c, sub, change, param, period);
      sub.items.data.push(item);
      if (!trialing) lines.push(...(await prorate(c, undefined, item, at)));
    }
    checkItems(sub.items.data);
  }
  const newInterval = sub.items.data[0]?.price.recurring;
  const intervalChanged =
    oldInterval !== undefined &&
    (oldInterval?.interval !== newInterval?.interval || oldInterval?.interval_count !== newInterval?.interval_count);

  // Trials and anchors that start a new period now.
  let resetCycle = input.billing_cycle_anchor?.type === 'now' || intervalChanged;
  if (input.trial_end === 'now') {
    if (sub.status === 'trialing') {
      sub.trial_end = now;
      if (await trialEndedWithoutPaymentMethod(c, sub, internal, customer, before)) return renderSubscription(sub);
      transition(sub, 'active');
      resetCycle = true;
    }
  } else if (typeof input.trial_end === 'number') {
    if (input.trial_end <= now) {
      throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'trial_end',
      });
    }
    sub.trial_end = input.trial_end;
    sub.trial_start = sub.status === 'trialing' ? sub.trial_start : now;
    if (sub.status !== 'trialing') transition(sub, 'trialing');
    sub.billing_cycle_anchor = input.trial_end;
    for (const item of sub.items.data) {
      item.current_period_end = input.trial_end;
    }
    lines.length = 0;
  }

  let billNow = prorationBehavior === 'always_invoice' && lines.length > 0;
  if (resetCycle) {
    // Credit for the unused time of the old period, then the new period in full, invoiced now.
    const credits =
      prorationBehavior === 'none' || before.status === 'trialing' ? [] : await unusedCredits(c, before, now);
    lines.length = 0;
    lines.push(...credits);
    sub.billing_cycle_anchor = now;
    for (const item of sub.items.data) {
      const r = item.price.recurring as NonNullable<typeof item.price.recurring>;
      item.current_period_start = now;
      item.current_period_end = nthPeriodEnd(now, r, 1);
      item.current_trial = null;
      if (!isMetered(item.price))
        lines.push(cycleLine(item, await productName(c, item.price), { start: now, end: item.current_period_end }));
    }
    billNow = true;
  }
  if (prorationBehavior === 'none' && !resetCycle) lines.length = 0;

  const behavior = input.payment_behavior ?? 'allow_incomplete';
  const held = holdEvents(c);
  if (billNow && !ENDED.has(sub.status)) {
    const invoice = await draftInvoice(held.ctx, sub, {
      billingReason: 'subscription_update',
      lines,
      period: { start: now, end: now },
      includePending: true,
      addInvoiceItems: input.add_invoice_items ?? [],
    });
    // This change decides the subscription's status from the outcome itself (not the invoice hooks).
    beginCreation(sub.id);
    const outcome = await collect(held.ctx, invoice, {
      attempt: behavior !== 'default_incomplete',
      offSession: input.off_session ?? false,
    }).finally(() => endCreation(sub.id));
    if (outcome.invoice.status !== 'paid' && sub.collection_method === 'charge_automatically') {
      if (behavior === 'error_if_incomplete') {
        throw (
          (outcome.error && rolledBack(outcome.error)) ??
          new StripeError({
            kind: 'payment_failed',
            type: 'card_error',
            message: 'Your card was declined.',
            code: 'card_declined',
          })
        );
      }
      if (behavior === 'pending_if_incomplete') {
        // The change waits for its invoice: the subscription keeps its state, `pending_update` shows the change.
        const pending = sub;
        const kept = structuredClone(before);
        kept.latest_invoice = invoice.id;
        kept.metadata = pending.metadata;
        kept.pending_update = {
          billing_cycle_anchor: resetCycle ? now : null,
          expires_at: now + PENDING_UPDATE_EXPIRY,
          subscription_items: pending.items.data.map((it) => structuredClone(it)),
          trial_end: typeof input.trial_end === 'number' ? input.trial_end : null,
          trial_from_plan: null,
        };
        internal.pendingInvoice = invoice.id;
        internal.pendingSubscription = structuredClone(pending);
        await saveSubscription(c, kept, internal);
        await emitSubscriptionEvent(c, 'updated', kept, before);
        await held.release();
        await scheduleJob(c, {
          dueAt: kept.pending_update.expires_at,
          kind: 'subscription.pending_update_expire',
          target: kept.id,
          payload: { invoice: invoice.id },
        });
        return renderSubscription(kept);
      }
      if (sub.status === 'active' || sub.status === 'trialing') transition(sub, 'past_due');
    }
    sub.latest_invoice = invoice.id;
  } else if (lines.length > 0 && prorationBehavior === 'create_prorations') {
    await addPendingLines(held.ctx, sub, lines);
  }
  await saveSubscription(c, sub, internal, { removed });
  if (JSON.stringify(before) !== JSON.stringify(sub)) await emitSubscriptionEvent(c, 'updated', sub, before);
  await held.release();
  await scheduleLifecycle(c, sub, internal);
  return renderSubscription(sub);
}

/** The two sides of an item change, from the item as billed (`from`) to what it becomes (`to`). */
async function prorate(
  ctx: MutationContext,
  from: SubscriptionItem | undefined,
  to: SubscriptionItem | undefined,
  at: number,
): Promise<SubscriptionLine[]> {
  const base = (to ?? from) as SubscriptionItem;
  if (isMetered(base.price)) return [];
  const side = async (it: SubscriptionItem | undefined) =>
    it && !isMetered(it.price)
      ? {
          price: it.price,
          quantity: it.quantity ?? 1,
          productName: await productName(ctx, it.price),
          taxRates: taxRateIds(it),
          discounts: it.discounts,
        }
      : undefined;
  const fromSide = await side(from);
  const toSide = await side(to);
  return prorationLines({
    itemId: base.id,
    ...(fromSide ? { from: fromSide } : {}),
    ...(toSide ? { to: toSide } : {}),
    at,
    period: { start: base.current_period_start, end: base.current_period_end },
  });
}

/** Credits for the unused rest of every licensed item's current period (a cycle reset or a prorated cancel). */
async function unusedCredits(ctx: MutationContext, sub: Subscription, at: number): Promise<SubscriptionLine[]> {
  const out: SubscriptionLine[] = [];
  for (const item of sub.items.data) out.push(...(await prorate(ctx, item, undefined, at)));
  return out;
}

/** `DELETE /v1/subscriptions/:id`: cancels now, maybe crediting unused time and billing a final invoice. */
export async function cancelSubscription(
  ctx: MutationContext,
  id: string,
  input: CancelSubscriptionInput,
): Promise<Subscription> {
  const { sub, internal, c } = await open(ctx, id);
  if (ENDED.has(sub.status)) throw endedError();
  const now = c.clock.now();
  const wasIncomplete = sub.status === 'incomplete';
  const lines: SubscriptionLine[] = [];
  if (input.prorate && sub.status !== 'trialing' && sub.status !== 'incomplete') {
    lines.push(...(await unusedCredits(c, sub, now)));
  }
  if (input.invoice_now) {
    for (const item of sub.items.data) {
      if (!isMetered(item.price)) continue;
      const period = { start: item.current_period_start, end: now };
      const usage = await meteredUsage(c, sub, item, period);
      lines.push(usageLine(item, await productName(c, item.price), period, usage));
    }
  }
  sub.canceled_at = now;
  await endSubscription(c, sub, internal, {
    reason: 'cancellation_requested',
    comment: input.cancellation_details?.comment ?? null,
    feedback: input.cancellation_details?.feedback ?? null,
  });
  if (input.invoice_now) {
    const invoice = await draftInvoice(c, sub, {
      billingReason: 'subscription_cycle',
      lines,
      period: { start: Math.min(...sub.items.data.map((i) => i.current_period_start)), end: now },
      includePending: true,
      addInvoiceItems: [],
    });
    await collect(c, invoice, { attempt: sub.collection_method === 'charge_automatically', offSession: true });
    sub.latest_invoice = invoice.id;
    await saveSubscription(c, sub, internal);
  } else if (lines.length > 0) {
    await addPendingLines(c, sub, lines);
  }
  // An incomplete subscription's unpaid first invoice has nothing left to collect.
  if (wasIncomplete && sub.latest_invoice) await voidOpenInvoice(c, sub.latest_invoice);
  return renderSubscription(sub);
}

/** `POST /v1/subscriptions/:id/resume`: a paused subscription starts a new period now and bills it. */
export async function resumeSubscription(
  ctx: MutationContext,
  id: string,
  input: { billing_cycle_anchor?: { type: 'now' | 'unchanged' } | null; proration_behavior?: string | null },
): Promise<Subscription> {
  const { sub, internal, c } = await open(ctx, id);
  if (sub.status !== 'paused') {
    throw invalidRequest('Only subscriptions with `status=paused` can be resumed.', { param: 'subscription' });
  }
  const before = structuredClone(sub);
  const now = c.clock.now();
  transition(sub, 'active');
  sub.trial_end = sub.trial_end && sub.trial_end > now ? now : sub.trial_end;
  const lines: SubscriptionLine[] = [];
  if ((input.billing_cycle_anchor?.type ?? 'now') === 'now') sub.billing_cycle_anchor = now;
  for (const item of sub.items.data) {
    const r = item.price.recurring as NonNullable<typeof item.price.recurring>;
    item.current_period_start = now;
    item.current_period_end =
      sub.billing_cycle_anchor > now ? sub.billing_cycle_anchor : periodAround(sub.billing_cycle_anchor, r, now).end;
    if (!isMetered(item.price)) {
      lines.push(cycleLine(item, await productName(c, item.price), { start: now, end: item.current_period_end }));
    }
  }
  const held = holdEvents(c);
  const invoice = await draftInvoice(held.ctx, sub, {
    billingReason: 'subscription_update',
    lines,
    period: { start: now, end: now },
    includePending: true,
    addInvoiceItems: [],
  });
  beginCreation(sub.id);
  const outcome = await collect(held.ctx, invoice, { attempt: true, offSession: true }).finally(() =>
    endCreation(sub.id),
  );
  sub.latest_invoice = invoice.id;
  if (outcome.invoice.status !== 'paid' && sub.collection_method === 'charge_automatically')
    transition(sub, 'past_due');
  await saveSubscription(c, sub, internal);
  await emitSubscriptionEvent(c, 'updated', sub, before);
  await emitSubscriptionEvent(c, 'resumed', sub);
  await held.release();
  await scheduleLifecycle(c, sub, internal);
  return renderSubscription(sub);
}

/** `DELETE /v1/subscriptions/:id/discount`: the subscription's own discounts are removed. */
export async function deleteSubscriptionDiscount(ctx: MutationContext, id: string): Promise<DeletedDiscount> {
  const { sub, internal, c } = await open(ctx, id);
  const first = sub.discounts[0];
  if (!first) {
    throw invalidRequest(`The subscription ${sub.id} has no discount.`, { code: 'resource_missing' });
  }
  const before = structuredClone(sub);
  let deleted: DeletedDiscount | undefined;
  for (const d of sub.discounts) {
    const tombstone = await deleteDiscount(c, d);
    deleted ??= tombstone;
  }
  sub.discounts = [];
  await saveSubscription(c, sub, internal);
  await emitSubscriptionEvent(c, 'updated', sub, before);
  return deleted as DeletedDiscount;
}
