/**
 * Subscriptions end to end through the official SDK, on test clocks: creation (card on file,
 * trials, anchors), a monthly subscription with a 14-day trial advanced 13 months (every invoice's
 * amount and period, and the event sequence), cancellation at period end and now, lists, search
 * and the subscription item endpoints.
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
import { expectInvalid } from '../support/customers.js';
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

function checkSubscription(s: Stripe.Subscription): Stripe.Subscription {
  // The wire form: the SDK turns `_decimal` strings into `Stripe.Decimal` objects.
  assertShape(JSON.parse(JSON.stringify(s)), 'Subscription', 'subscription');
  assert.match(s.id, /^sub_[0-9A-Za-z]{24}$/);
  for (const item of s.items.data) assert.match(item.id, /^si_[0-9A-Za-z]{14}$/);
  return s;
}

describe('creating a subscription', () => {
  it('charges the first period at once with the customer default card: active, with a paid invoice', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe);
    const sub = checkSubscription(
      await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] }),
    );
    assert.equal(sub.status, 'active');
    assert.equal(sub.test_clock, clock.id);
    assert.equal(sub.start_date, T0);
    assert.equal(sub.billing_cycle_anchor, T0);
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    assert.equal(item.quantity, 2);
    assert.equal(item.current_period_start, T0);
    assert.equal(item.current_period_end, addMonths(T0, 1));
    assert.equal(item.price.id, price.id);
    assert.equal(item.plan.id, price.id);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.billing_reason, 'subscription_create');
    assert.equal(invoice.amount_paid, 2000);
    assert.equal(invoice.parent?.subscription_details?.subscription, sub.id);
    const line = invoice.lines.data[0] as Stripe.InvoiceLineItem;
    assert.equal(line.description, '2 × Gold (at $10.00 / month)');
    assert.deepEqual(line.period, { start: T0, end: addMonths(T0, 1) });

    const types = (await allEvents(stripe))
      .map((e) => e.type)
      .filter(
        (t) => (!t.startsWith('test_helpers') && !t.startsWith('customer.')) || t.startsWith('customer.subscription'),
      );
    const from = types.indexOf('customer.subscription.created');
    assert.ok(from >= 0, types.join());
    assert.deepEqual(
      types.slice(from).filter((t) => t.startsWith('customer.subscription') || t.startsWith('invoice.')),
      [
        'customer.subscription.created',
        'invoice.created',
        'invoice.finalized',
        'invoice.paid',
        'invoice.payment_succeeded',
      ],
    );
    const listed = await stripe.subscriptionItems.list({ subscription: sub.id });
    assert.deepEqual(
      listed.data.map((i) => i.id),
      [item.id],
    );
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
    const expanded = await stripe.subscriptions.retrieve(sub.id, {
      expand: ['customer', 'latest_invoice', 'items.data.price.product'],
    });
    assert.equal((expanded.customer as Stripe.Customer).id, customer.id);
    assert.equal((expanded.latest_invoice as Stripe.Invoice).id, invoice.id);
    assert.equal(((expanded.items.data[0] as Stripe.SubscriptionItem).price.product as Stripe.Product).name, 'Gold');
  });

  it('refuses what Stripe refuses', async () => {
    const stripe = account();
    const { customer } = await clockCustomer(stripe);
    const oneTime = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 500,
      product_data: { name: 'Once' },
    });
    await expectInvalid(stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] }), {
      message:
        'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
    });
    const bare = await stripe.customers.create({ email: 'no-card@example.com' });
    const monthly = await recurringPrice(stripe);
    await expectInvalid(stripe.subscriptions.create({ customer: bare.id, items: [{ price: monthly.id }] }), {
      code: 'resource_missing',
      message:
        'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    });
    assert.deepEqual((await stripe.subscriptions.list({ customer: bare.id, status: 'all' })).data, []);
    await expectInvalid(stripe.subscriptions.create({ customer: 'cus_missing', items: [{ price: oneTime.id }] }), {
      message: "No such customer: 'cus_missing'",
      param: 'customer',
    });
  });
});

describe('a monthly subscription with a 14-day trial, advanced 13 months', () => {
  it('bills a zero trial invoice, then every month on the trial end day, with Stripe event sequence', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 1500, name: 'Pro' });
    const sub = checkSubscription(
      await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        trial_period_days: 14,
      }),
    );
    const trialEnd = T0 + 14 * DAY;
    assert.equal(sub.status, 'trialing');
    assert.equal(sub.trial_start, T0);
    assert.equal(sub.trial_end, trialEnd);
    assert.equal(sub.billing_cycle_anchor, trialEnd);
    assert.equal(sub.items.data[0]?.current_period_end, trialEnd);
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(first.status, 'paid');
    assert.equal(first.amount_due, 0);
    assert.equal(first.lines.data[0]?.description, 'Trial period for Pro');

    // Advance month by month (one advance may go at most two intervals) to 13 months after the start.
    const end = addMonths(T0, 13);
    let at = T0;
    while (at < end) {
      at = Math.min(addMonths(at, 1), end);
      await advanceClock(stripe, clock.id, at);
    }

    const invoices = await invoicesOf(stripe, customer.id);
    // The trial's invoice, then one per period start: the trial end and 12 monthly anniversaries.
    assert.equal(invoices.length, 14);
    assert.equal(invoices[0]?.billing_reason, 'subscription_create');
    for (let n = 0; n < 13; n++) {
      const inv = invoices[n + 1] as Stripe.Invoice;
      const start = addMonths(trialEnd, n);
      assert.equal(inv.billing_reason, 'subscription_cycle', `invoice ${n + 1}`);
      assert.equal(inv.status, 'paid', `invoice ${n + 1}`);
      assert.equal(inv.amount_paid, 1500);
      assert.equal(inv.created, start);
      // Stripe finalises a renewal about an hour after creating it.
      assert.equal(inv.status_transitions.finalized_at, start + 3600);
      const line = inv.lines.data[0] as Stripe.InvoiceLineItem;
      assert.deepEqual(line.period, { start, end: addMonths(trialEnd, n + 1) });
      assert.equal(line.description, '1 × Pro (at $15.00 / month)');
    }
    const now = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(now.status, 'active');
    assert.equal(now.items.data[0]?.current_period_start, addMonths(trialEnd, 12));
    assert.equal(now.items.data[0]?.current_period_end, addMonths(trialEnd, 13));
    assert.equal(now.latest_invoice, invoices[13]?.id);

    const events = (await allEvents(stripe)).filter(
      (e) => e.type.startsWith('customer.subscription.') || e.type.startsWith('invoice.'),
    );
    const types = events.map((e) => e.type);
    const cycle = [
      'invoice.upcoming',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ];
    assert.deepEqual(types.slice(0, 6), [
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.trial_will_end',
    ]);
    assert.deepEqual(types.slice(6), Array.from({ length: 13 }, () => cycle).flat());
    // `invoice.upcoming` three days before each renewal: the invoice to come, without an id.
    const upcoming = events[6] as Stripe.Event;
    assert.equal(upcoming.created, trialEnd - 3 * DAY);
    const preview = upcoming.data.object as Stripe.Invoice;
    assert.equal(preview.id, undefined);
    assert.equal(preview.amount_due, 1500);
    assert.equal(preview.parent?.subscription_details?.subscription, sub.id);
    const willEnd = events[5] as Stripe.Event;
    assert.equal(willEnd.created, trialEnd - 3 * DAY);
    const trialOver = events[7] as Stripe.Event;
    assert.equal(trialOver.created, trialEnd);
    assert.equal((trialOver.data.object as Stripe.Subscription).status, 'active');
    assert.equal((trialOver.data.previous_attributes as { status?: string }).status, 'trialing');
  });
});

describe('billing cycle anchors', () => {
  it('billing_cycle_anchor_config bills a prorated first period up to the anchor day, then whole months', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 1000 });
    const sub = checkSubscription(
      await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        billing_cycle_anchor_config: { day_of_month: 15 },
      }),
    );
    const anchor = T0 + 14 * DAY; // 15 January 2030, 00:00 (the start's time of day)
    assert.equal(sub.billing_cycle_anchor, anchor);
    assert.equal(sub.billing_cycle_anchor_config?.day_of_month, 15);
    assert.deepEqual([sub.items.data[0]?.current_period_start, sub.items.data[0]?.current_period_end], [T0, anchor]);
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    // 14 of the 31 days from 15 December to 15 January: 1000 × 14 / 31 = 451.6… → 452.
    assert.equal(first.amount_paid, 452);
    await advanceClock(stripe, clock.id, anchor + 2 * 3600);
    const renewal = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(renewal.amount_paid, 1000);
    assert.deepEqual(renewal.lines.data[0]?.period, { start: anchor, end: addMonths(anchor, 1) });
  });

  it('a month-end anchor renews on the last day of shorter months', async () => {
    const stripe = account();
    const jan31 = T0 + 30 * DAY;
    const { customer, clock } = await clockCustomer(stripe, { at: jan31 });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const feb28 = Date.UTC(2030, 1, 28) / 1000;
    assert.equal(sub.items.data[0]?.current_period_end, feb28);
    await advanceClock(stripe, clock.id, feb28 + 2 * 3600);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(renewed.items.data[0]?.current_period_end, Date.UTC(2030, 2, 31) / 1000);
  });
});

describe('lists and search', () => {
  it('lists by customer, price, status, test clock and period; searches by status and metadata', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const a = await recurringPrice(stripe);
    const b = await recurringPrice(stripe, { unit_amount: 2000 });
    const s1 = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: a.id }],
      metadata: { plan: 'starter' },
    });
    const s2 = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: b.id }],
      trial_period_days: 5,
    });
    const ids = async (params: Stripe.SubscriptionListParams) =>
      (await stripe.subscriptions.list(params)).data.map((s) => s.id);
    assert.deepEqual(await ids({ customer: customer.id }), [s2.id, s1.id]);
    assert.deepEqual(await ids({ price: b.id }), [s2.id]);
    assert.deepEqual(await ids({ status: 'trialing' }), [s2.id]);
    assert.deepEqual(await ids({ test_clock: clock.id }), [s2.id, s1.id]);
    assert.deepEqual(await ids({ current_period_end: { lte: T0 + 6 * DAY } }), [s2.id]);
    await stripe.subscriptions.cancel(s1.id);
    assert.deepEqual(await ids({ customer: customer.id }), [s2.id]);
    assert.deepEqual(await ids({ customer: customer.id, status: 'ended' }), [s1.id]);
    assert.deepEqual(await ids({ customer: customer.id, status: 'all' }), [s2.id, s1.id]);

    const found = await stripe.subscriptions.search({ query: "status:'canceled' AND metadata['plan']:'starter'" });
    assert.deepEqual(
      found.data.map((s) => s.id),
      [s1.id],
    );
    const trialing = await stripe.subscriptions.search({ query: "status:'trialing'" });
    assert.deepEqual(
      trialing.data.map((s) => s.id),
      [s2.id],
    );
  });
});
