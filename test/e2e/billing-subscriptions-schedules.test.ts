/**
 * Subscription schedules through the official SDK on test clocks: "change plan at the period end"
 * (a schedule from the subscription, a second phase with the new price, the renewal billing it,
 * then released), a schedule that starts in the future (not_started → active with its
 * subscription), cancel and release, and the subscription_schedule.* events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import {
  addMonths,
  advanceClock,
  allEvents,
  clockCustomer,
  DAY,
  invoicesOf,
  recurringPrice,
  T0,
} from '../support/billing-subscriptions.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function account(): Stripe {
  return server.stripe(newSecretKey());
}

function checkSchedule(s: Stripe.SubscriptionSchedule): Stripe.SubscriptionSchedule {
  assertShape(JSON.parse(JSON.stringify(s)), 'SubscriptionSchedule', 'subscription_schedule');
  assert.match(s.id, /^sub_sched_[0-9A-Za-z]{24}$/);
  return s;
}

describe('subscription schedules', () => {
  it('changes the plan at the period end: the renewal bills the new price, then the schedule releases', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const basic = await recurringPrice(stripe, { unit_amount: 1000, name: 'Basic' });
    const pro = await recurringPrice(stripe, { unit_amount: 2500, name: 'Pro' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    await advanceClock(stripe, clock.id, T0 + 5 * DAY);

    const schedule = checkSchedule(await stripe.subscriptionSchedules.create({ from_subscription: sub.id }));
    assert.equal(schedule.status, 'active');
    assert.equal(schedule.subscription, sub.id);
    assert.equal(schedule.phases.length, 1);
    assert.deepEqual(schedule.current_phase, { start_date: T0, end_date: addMonths(T0, 1) });
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).schedule, schedule.id);

    const phase = schedule.phases[0] as Stripe.SubscriptionSchedule.Phase;
    const updated = checkSchedule(
      await stripe.subscriptionSchedules.update(schedule.id, {
        end_behavior: 'release',
        phases: [
          { items: [{ price: basic.id, quantity: 1 }], start_date: phase.start_date, end_date: phase.end_date },
          { items: [{ price: pro.id, quantity: 1 }], duration: { interval: 'month', interval_count: 1 } },
        ],
      }),
    );
    assert.equal(updated.phases.length, 2);
    assert.equal(updated.phases[1]?.start_date, addMonths(T0, 1));
    assert.equal(updated.phases[1]?.end_date, addMonths(T0, 2));

    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 2 * 3600);
    const switched = await stripe.subscriptions.retrieve(sub.id);
    assert.deepEqual(
      switched.items.data.map((i) => i.price.id),
      [pro.id],
    );
    const renewal = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(renewal.billing_reason, 'subscription_cycle');
    assert.equal(renewal.amount_paid, 2500);
    assert.deepEqual((await stripe.subscriptionSchedules.retrieve(schedule.id)).current_phase, {
      start_date: addMonths(T0, 1),
      end_date: addMonths(T0, 2),
    });

    await advanceClock(stripe, clock.id, addMonths(T0, 2) + 2 * 3600);
    const released = checkSchedule(await stripe.subscriptionSchedules.retrieve(schedule.id));
    assert.equal(released.status, 'released');
    assert.equal(released.released_subscription, sub.id);
    assert.equal(released.released_at, addMonths(T0, 2));
    const after = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(after.schedule, null);
    assert.equal(after.status, 'active');
    assert.equal(((await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice).amount_paid, 2500);
    const types = (await allEvents(stripe)).map((e) => e.type).filter((t) => t.startsWith('subscription_schedule.'));
    assert.deepEqual(types, [
      'subscription_schedule.created',
      'subscription_schedule.updated',
      'subscription_schedule.updated',
      'subscription_schedule.released',
    ]);
  });

  it('a schedule that starts later creates its subscription then; cancel ends both', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 700 });
    const schedule = checkSchedule(
      await stripe.subscriptionSchedules.create({
        customer: customer.id,
        start_date: T0 + 3 * DAY,
        end_behavior: 'cancel',
        phases: [{ items: [{ price: price.id, quantity: 2 }], duration: { interval: 'month', interval_count: 2 } }],
      }),
    );
    assert.equal(schedule.status, 'not_started');
    assert.equal(schedule.subscription, null);
    assert.equal(schedule.phases[0]?.end_date, addMonths(T0 + 3 * DAY, 2));
    await advanceClock(stripe, clock.id, T0 + 4 * DAY);
    const started = await stripe.subscriptionSchedules.retrieve(schedule.id);
    assert.equal(started.status, 'active');
    const sub = await stripe.subscriptions.retrieve(started.subscription as string);
    assert.equal(sub.schedule, schedule.id);
    assert.equal(sub.start_date, T0 + 3 * DAY);
    assert.equal((await stripe.invoices.retrieve(sub.latest_invoice as string)).amount_paid, 1400);

    const canceled = checkSchedule(await stripe.subscriptionSchedules.cancel(schedule.id));
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.canceled_at, T0 + 4 * DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'canceled');
    const listed = await stripe.subscriptionSchedules.list({ customer: customer.id });
    assert.deepEqual(
      listed.data.map((s) => s.id),
      [schedule.id],
    );
  });

  it('end_behavior cancel cancels the subscription at the end of the last phase', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 700 });
    const schedule = await stripe.subscriptionSchedules.create({
      customer: customer.id,
      end_behavior: 'cancel',
      phases: [{ items: [{ price: price.id }], duration: { interval: 'month', interval_count: 1 } }],
    });
    assert.equal(schedule.status, 'active');
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 3600);
    const done = await stripe.subscriptionSchedules.retrieve(schedule.id);
    assert.equal(done.status, 'completed');
    const sub = await stripe.subscriptions.retrieve(schedule.subscription as string);
    assert.equal(sub.status, 'canceled');
    assert.equal(sub.ended_at, addMonths(T0, 1));
    assert.equal((await invoicesOf(stripe, customer.id)).length, 1);
  });
});
