/**
 * Test clocks with real subscriptions on them: Stripe's advance limit (two intervals of the
 * shortest subscription), renewals that happen during an advance at the clock's time (their events
 * dated in simulated time), deleting a clock with live subscriptions (they end, nothing more happens
 * to them), and a batch of subscriptions on one clock advanced by a year in Stripe-sized steps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { addMonths, clockCustomer, recurringPrice, T0 } from '../support/billing-subscriptions.js';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, eventsOf } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function account() {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

/** Polls until the clock is no longer advancing. */
async function settled(stripe: Stripe, id: string, timeoutMs = 60_000): Promise<Stripe.TestHelpers.TestClock> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = await stripe.testHelpers.testClocks.retrieve(id);
    if (c.status !== 'advancing') return c;
    if (Date.now() > until) throw new Error(`test clock ${id} still advancing`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function invoicesOf(stripe: Stripe, subscription: string): Promise<Stripe.Invoice[]> {
  const out: Stripe.Invoice[] = [];
  for await (const invoice of stripe.invoices.list({ subscription, limit: 100 })) out.push(invoice);
  return out;
}

describe('test clocks with subscriptions', () => {
  it('limits an advance to two intervals of the shortest subscription, and renews on the way', async () => {
    const { key, stripe } = account();
    const { clock, customer } = await clockCustomer(stripe);
    const monthly = await recurringPrice(stripe);
    const weekly = await recurringPrice(stripe, { name: 'Weekly', recurring: { interval: 'week' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    assert.equal(sub.status, 'active');

    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(T0, 2) + 1 }), {
      param: 'frozen_time',
      message: /two intervals of its shortest subscription \(month\)/,
    });
    // A second, weekly subscription tightens the limit to two weeks.
    const other = await stripe.customers.create({ test_clock: clock.id });
    await stripe.paymentMethods
      .attach('pm_card_visa', { customer: other.id })
      .then((pm) => stripe.customers.update(other.id, { invoice_settings: { default_payment_method: pm.id } }));
    const weeklySub = await stripe.subscriptions.create({ customer: other.id, items: [{ price: weekly.id }] });
    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 14 * 86_400 + 1 }), {
      param: 'frozen_time',
      message: /\(week\)/,
    });
    await stripe.subscriptions.cancel(weeklySub.id);

    // Exactly two months is allowed: both renewals happen during the advance, at their time.
    const target = addMonths(T0, 2);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: target });
    const ready = await settled(stripe, clock.id);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.frozen_time, target);

    const invoices = await invoicesOf(stripe, sub.id);
    assert.deepEqual(
      invoices.map((i) => [i.billing_reason, i.status, i.created]).sort((a, b) => Number(a[2]) - Number(b[2])),
      [
        ['subscription_create', 'paid', T0],
        ['subscription_cycle', 'paid', addMonths(T0, 1)],
        // Stripe finalizes a renewal invoice an hour after creating it: at the target it is a draft.
        ['subscription_cycle', 'draft', addMonths(T0, 2)],
      ],
    );
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: target + 2 * 3600 });
    await settled(stripe, clock.id);
    const last = (await invoicesOf(stripe, sub.id)).find((i) => i.created === target);
    assert.equal(last?.status, 'paid');
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(renewed.items.data[0]?.current_period_start, addMonths(T0, 2));

    // The renewal events are dated at the clock's time, between the clock's advancing and ready.
    const events = await eventsOf(server, await accountIdOf(server, key));
    const created = events.filter((e) => e.type === 'invoice.created').map((e) => e.created);
    assert.ok(created.includes(addMonths(T0, 1)), `invoice.created at ${addMonths(T0, 1)}: ${created}`);
    assert.ok(created.includes(addMonths(T0, 2)));
    const types = events.map((e) => e.type);
    const advancing = types.lastIndexOf('test_helpers.test_clock.advancing');
    const readyAt = types.lastIndexOf('test_helpers.test_clock.ready');
    assert.ok(advancing >= 0 && readyAt > advancing);
  });

  it('deleting a clock ends its subscriptions and deletes its customers; nothing renews afterwards', async () => {
    const { key, stripe } = account();
    const { clock, customer } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const before = (await invoicesOf(stripe, sub.id)).length;
    await stripe.testHelpers.testClocks.del(clock.id);

    const ended = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.ended_at, T0);
    assert.equal((await stripe.customers.retrieve(customer.id)).deleted, true);
    const accountId = await accountIdOf(server, key);
    const events = await eventsOf(server, accountId);
    const deleted = events.find((e) => e.type === 'customer.subscription.deleted' && e.data.object.id === sub.id);
    assert.ok(deleted);
    assert.equal(deleted.data.object.status, 'canceled');
    assert.deepEqual(
      events.filter((e) => e.data.object.id === clock.id).map((e) => e.type),
      ['test_helpers.test_clock.created', 'test_helpers.test_clock.deleted'],
    );
    // Its renewal was dropped with the clock: the scheduler finds nothing more for it.
    await server.app.scheduler.runDue();
    assert.equal((await invoicesOf(stripe, sub.id)).length, before);
    assert.deepEqual(
      await server.app.store.transaction((tx) => tx.claimClockJobs(accountId, clock.id, Number.MAX_SAFE_INTEGER, 10)),
      [],
    );
  });

  it('advances many subscriptions on one clock by a year in two-month steps', async () => {
    const { stripe } = account();
    const count = 25;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const price = await recurringPrice(stripe);
    const subs: string[] = [];
    for (let i = 0; i < count; i++) {
      const customer = await stripe.customers.create({ test_clock: clock.id });
      const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
      subs.push((await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })).id);
    }
    const started = Date.now();
    for (let months = 2; months <= 12; months += 2) {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(T0, months) });
      assert.equal((await settled(stripe, clock.id)).status, 'ready');
    }
    // Past the hour after which the last renewal invoice is finalized and paid.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(T0, 12) + 7200 });
    assert.equal((await settled(stripe, clock.id)).status, 'ready');
    const seconds = (Date.now() - started) / 1000;
    for (const id of [subs[0], subs[count - 1]] as string[]) {
      const invoices = await invoicesOf(stripe, id);
      assert.equal(invoices.length, 13, 'the first invoice and twelve renewals');
      assert.ok(invoices.every((i) => i.status === 'paid'));
    }
    // Not a benchmark (see bench/billing.ts), a guard against an advance that stalls or polls.
    assert.ok(seconds < 60, `a year of ${count} subscriptions took ${seconds}s`);
  });
});
