/**
 * How a subscription's payments move its status, through the official SDK on test clocks:
 * `default_incomplete` with a 3-D Secure card completed (→ active) and abandoned (→
 * incomplete_expired after 23 hours, its invoice voided); `error_if_incomplete` (402, nothing
 * created); a renewal that fails into past_due and dunning that ends in canceled or unpaid (the
 * Sandbank billing settings); a past_due subscription recovered with a working card; trials that
 * end without a payment method; pause and resume; and metered usage billed at the period's end.
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
import { authenticate } from '../support/payments.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function account(): { key: string; stripe: Stripe } {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

/** The PaymentIntent id behind an invoice's `confirmation_secret`. */
function intentOf(invoice: Stripe.Invoice): string {
  const secret = invoice.confirmation_secret?.client_secret;
  assert.ok(secret, `invoice ${invoice.id} has no confirmation_secret`);
  return secret.split('_secret_')[0] as string;
}

describe('default_incomplete with a 3-D Secure card', () => {
  it('completed: the client confirms the invoice PaymentIntent, authenticates, and the subscription becomes active', async () => {
    const { key, stripe } = account();
    const { customer } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice.confirmation_secret'],
    });
    assert.equal(sub.status, 'incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.amount_due, 1000);
    const piId = intentOf(invoice);
    const pi = await stripe.paymentIntents.confirm(piId, {
      payment_method: 'pm_card_threeDSecure2Required',
      client_secret: invoice.confirmation_secret?.client_secret,
    } as Stripe.PaymentIntentConfirmParams);
    assert.equal(pi.status, 'requires_action');
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'incomplete');
    const done = await authenticate(server, key, piId, 'complete');
    assert.equal(done.status, 'succeeded');

    const active = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(active.status, 'active');
    assert.equal(active.default_payment_method, done.payment_method);
    assert.equal((await stripe.invoices.retrieve(invoice.id)).status, 'paid');
    const types = (await allEvents(stripe))
      .map((e) => e.type)
      .filter((t) => t.startsWith('customer.subscription') || t.startsWith('invoice.'));
    assert.deepEqual(types, [
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
  });

  it('abandoned: after 23 hours the subscription is incomplete_expired and its invoice void', async () => {
    const { stripe } = account();
    const { customer, clock } = await clockCustomer(stripe, { card: 'pm_card_threeDSecure2Required' });
    const price = await recurringPrice(stripe);
    // allow_incomplete with a card that needs 3-D Secure: the attempt leaves the invoice waiting for it.
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(sub.status, 'incomplete');
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(invoice.status, 'open');
    await advanceClock(stripe, clock.id, T0 + 23 * 3600 - 1);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'incomplete');
    await advanceClock(stripe, clock.id, T0 + 23 * 3600);
    const expired = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(expired.status, 'incomplete_expired');
    assert.equal(expired.ended_at, T0 + 23 * 3600);
    assert.equal((await stripe.invoices.retrieve(invoice.id)).status, 'void');
    // Nothing more is billed.
    await advanceClock(stripe, clock.id, addMonths(T0, 2));
    assert.equal((await invoicesOf(stripe, customer.id)).length, 1);
    const last = (await allEvents(stripe)).filter((e) => e.type === 'customer.subscription.updated').at(-1);
    assert.ok(last);
    assert.equal((last.data.previous_attributes as { status?: string }).status, 'incomplete');
  });

  it('error_if_incomplete answers a decline with 402 and creates nothing', async () => {
    const { stripe } = account();
    const { customer } = await clockCustomer(stripe, { card: 'pm_card_chargeCustomerFail' });
    const price = await recurringPrice(stripe);
    await assert.rejects(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        payment_behavior: 'error_if_incomplete',
      }),
      (err: Stripe.errors.StripeError) => {
        assert.equal(err.statusCode, 402);
        assert.equal(err.type, 'StripeCardError');
        assert.equal(err.code, 'card_declined');
        return true;
      },
    );
    assert.deepEqual((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data, []);
    assert.deepEqual(await invoicesOf(stripe, customer.id), []);
  });
});

/** A subscription paid with a working card whose card is then swapped for one that declines. */
async function failingRenewal(stripe: Stripe) {
  const { customer, clock } = await clockCustomer(stripe);
  const price = await recurringPrice(stripe);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  assert.equal(sub.status, 'active');
  const bad = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: bad.id } });
  // The renewal's draft finalises an hour after the period ends and its payment fails.
  await advanceClock(stripe, clock.id, addMonths(T0, 1) + 2 * 3600);
  const pastDue = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(pastDue.status, 'past_due');
  const renewal = await stripe.invoices.retrieve(pastDue.latest_invoice as string);
  assert.equal(renewal.status, 'open');
  assert.equal(renewal.attempt_count, 1);
  assert.ok(renewal.next_payment_attempt);
  return { customer, clock, sub, renewal };
}

describe('dunning', () => {
  it('retries used up: the subscription is canceled (Stripe default), reason payment_failed', async () => {
    const { stripe } = account();
    const { clock, sub, renewal } = await failingRenewal(stripe);
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 20 * DAY);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.cancellation_details?.reason, 'payment_failed');
    const inv = await stripe.invoices.retrieve(renewal.id);
    assert.equal(inv.attempt_count, 8);
    const types = (await allEvents(stripe)).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'invoice.payment_failed').length, 8);
    assert.equal(types.at(-1), 'customer.subscription.deleted');
  });

  it('retries used up with subscription_end=unpaid: unpaid, and later renewals are not attempted', async () => {
    const { key, stripe } = account();
    const res = await http(server, 'POST', '/sandbank/v1/billing/settings', { key, body: 'subscription_end=unpaid' });
    assert.equal(res.status, 200, res.text);
    const { clock, sub, customer } = await failingRenewal(stripe);
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 20 * DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'unpaid');
    await advanceClock(stripe, clock.id, addMonths(T0, 2) + 3 * 3600);
    const next = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(next.billing_reason, 'subscription_cycle');
    assert.equal(next.status, 'draft');
    assert.equal(next.attempted, false);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'unpaid');
  });

  it('a past_due subscription recovers when the customer card is swapped for a working one', async () => {
    const { stripe } = account();
    const { customer, clock, sub, renewal } = await failingRenewal(stripe);
    const good = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: good.id } });
    // The next automatic retry uses the new default card.
    const retryAt = renewal.next_payment_attempt as number;
    await advanceClock(stripe, clock.id, retryAt);
    assert.equal((await stripe.invoices.retrieve(renewal.id)).status, 'paid');
    const recovered = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(recovered.status, 'active');
    const updates = (await allEvents(stripe)).filter((e) => e.type === 'customer.subscription.updated');
    const last = updates.at(-1) as Stripe.Event;
    assert.equal((last.data.previous_attributes as { status?: string }).status, 'past_due');
  });

  it('a past_due subscription recovers through invoices.pay with a new card', async () => {
    const { stripe } = account();
    const { customer, sub, renewal } = await failingRenewal(stripe);
    const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const paid = await stripe.invoices.pay(renewal.id, { payment_method: good.id });
    assert.equal(paid.status, 'paid');
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  });
});

describe('trials without a payment method', () => {
  it('end_behavior pause: paused at trial end, no invoice, resumed later with a new period', async () => {
    const { stripe } = account();
    const { customer, clock } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    await advanceClock(stripe, clock.id, T0 + 8 * DAY);
    const paused = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(paused.status, 'paused');
    assert.equal((await invoicesOf(stripe, customer.id)).length, 1);
    const types = (await allEvents(stripe)).map((e) => e.type);
    assert.ok(types.includes('customer.subscription.paused'));

    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    const resumed = await stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: { type: 'now' } });
    assert.equal(resumed.status, 'active');
    assert.equal(resumed.items.data[0]?.current_period_start, T0 + 8 * DAY);
    assert.equal(resumed.items.data[0]?.current_period_end, addMonths(T0 + 8 * DAY, 1));
    assert.equal((await stripe.invoices.retrieve(resumed.latest_invoice as string)).amount_paid, 1000);
    assert.ok((await allEvents(stripe)).some((e) => e.type === 'customer.subscription.resumed'));
  });

  it('trial_end=now ends the trial early with the same behaviour: pause (no invoice) or cancel', async () => {
    const { stripe } = account();
    const { customer } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const trial = (missing: 'pause' | 'cancel') =>
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        trial_period_days: 7,
        trial_settings: { end_behavior: { missing_payment_method: missing } },
      });
    const toPause = await trial('pause');
    const paused = await stripe.subscriptions.update(toPause.id, { trial_end: 'now' });
    assert.equal(paused.status, 'paused');
    assert.equal(paused.trial_end, T0);
    assert.equal(paused.latest_invoice, toPause.latest_invoice, 'no new invoice');
    const events = (await allEvents(stripe)).filter((e) => (e.data.object as { id?: string }).id === toPause.id);
    assert.deepEqual(events.map((e) => e.type).slice(-2), [
      'customer.subscription.updated',
      'customer.subscription.paused',
    ]);

    const canceled = await stripe.subscriptions.update((await trial('cancel')).id, { trial_end: 'now' });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.ended_at, T0);
  });

  it('end_behavior cancel: canceled at trial end', async () => {
    const { stripe } = account();
    const { customer, clock } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_end: T0 + 2 * DAY,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
    // Less than three days of trial: trial_will_end at once.
    assert.ok((await allEvents(stripe)).some((e) => e.type === 'customer.subscription.trial_will_end'));
    await advanceClock(stripe, clock.id, T0 + 3 * DAY);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.ended_at, T0 + 2 * DAY);
  });
});

describe('metered usage', () => {
  it('meter events over a period are billed on the invoice at its end', async () => {
    const { stripe } = account();
    const { customer, clock } = await clockCustomer(stripe);
    const meter = await stripe.billing.meters.create({
      display_name: 'API calls',
      event_name: 'api_call',
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    });
    const product = await stripe.products.create({ name: 'Calls' });
    const metered = await stripe.prices.create({
      currency: 'usd',
      product: product.id,
      unit_amount: 3,
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
    });
    const base = await recurringPrice(stripe, { unit_amount: 1000, name: 'Base' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: base.id }, { price: metered.id }],
    });
    const meteredItem = sub.items.data.find((i) => i.price.id === metered.id) as Stripe.SubscriptionItem;
    assert.equal(meteredItem.quantity, undefined);
    // The first invoice bills only the licensed item in advance.
    assert.equal((await stripe.invoices.retrieve(sub.latest_invoice as string)).amount_paid, 1000);

    await advanceClock(stripe, clock.id, T0 + 10 * DAY);
    for (const [value, at] of [
      [120, T0 + 10 * DAY - 60],
      [80, T0 + 10 * DAY - 30],
    ] as const) {
      await stripe.billing.meterEvents.create({
        event_name: 'api_call',
        payload: { stripe_customer_id: customer.id, value: String(value) },
        timestamp: at,
      });
    }
    await advanceClock(stripe, clock.id, T0 + 20 * DAY);
    await stripe.billing.meterEvents.create({
      event_name: 'api_call',
      payload: { stripe_customer_id: customer.id, value: '300' },
      timestamp: T0 + 20 * DAY,
    });
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 2 * 3600);
    const renewal = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(renewal.billing_reason, 'subscription_cycle');
    assert.equal(renewal.period_start, T0);
    assert.equal(renewal.period_end, addMonths(T0, 1));
    const usage = renewal.lines.data.find(
      (l) => l.pricing?.price_details?.price === metered.id,
    ) as Stripe.InvoiceLineItem;
    assert.equal(usage.quantity, 500);
    assert.equal(usage.amount, 1500);
    assert.deepEqual(usage.period, { start: T0, end: addMonths(T0, 1) });
    assert.equal(renewal.amount_paid, 1000 + 1500);
  });
});

describe('pause_collection', () => {
  it('voids or keeps as draft the invoices of a paused collection, and clears itself at resumes_at', async () => {
    const { stripe } = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const paused = await stripe.subscriptions.update(sub.id, {
      pause_collection: { behavior: 'void', resumes_at: addMonths(T0, 2) - DAY },
    });
    assert.equal(paused.status, 'active');
    assert.deepEqual(paused.pause_collection, { behavior: 'void', resumes_at: addMonths(T0, 2) - DAY });
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 2 * 3600);
    const voided = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(voided.billing_reason, 'subscription_cycle');
    assert.equal(voided.status, 'void');
    await advanceClock(stripe, clock.id, addMonths(T0, 2) - DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).pause_collection, null);
    await advanceClock(stripe, clock.id, addMonths(T0, 2) + 2 * 3600);
    assert.equal(((await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice).status, 'paid');

    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
    await advanceClock(stripe, clock.id, addMonths(T0, 3) + 2 * 3600);
    const draft = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(draft.status, 'draft');
    assert.equal(draft.auto_advance, false);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  });
});
