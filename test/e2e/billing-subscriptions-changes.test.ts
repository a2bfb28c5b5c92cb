/**
 * Changing subscriptions through the official SDK, checked to the cent: an annual plan upgraded
 * mid-cycle (prorations computed to the second, written out below), quantity changes billed at once
 * with `always_invoice`, multi-item subscriptions with items added and removed through
 * `/v1/subscription_items`, tiered (graduated and volume) prices, coupons, promotion codes and tax
 * rates on subscription invoices, cancellation at period end and now, and `cancel_at`.
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

async function pendingItems(stripe: Stripe, customer: string): Promise<Stripe.InvoiceItem[]> {
  const out: Stripe.InvoiceItem[] = [];
  for await (const ii of stripe.invoiceItems.list({ customer, pending: true, limit: 100 })) out.push(ii);
  return out.reverse();
}

/** Stripe's proration: amount × remaining / period, to the second, rounded half away from zero. */
function prorated(amount: number, remaining: number, period: number): number {
  return Math.sign(amount) * Math.round((Math.abs(amount) * remaining) / period);
}

describe('prorations', () => {
  it('an annual plan upgraded mid-cycle credits the unused time and charges the remaining time, to the cent', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const basic = await recurringPrice(stripe, { unit_amount: 12_000, recurring: { interval: 'year' }, name: 'Basic' });
    const premium = await recurringPrice(stripe, {
      unit_amount: 30_000,
      recurring: { interval: 'year' },
      name: 'Premium',
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const periodEnd = T0 + 365 * DAY; // 2031-01-01: 2030 is not a leap year
    assert.equal(item.current_period_end, periodEnd);

    // 100 days, 7 hours and 13 seconds in: 10 Apr 2030.
    const at = T0 + 100 * DAY + 7 * 3600 + 13;
    await advanceClock(stripe, clock.id, at);
    const upgraded = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: premium.id }] });
    assert.equal(upgraded.items.data[0]?.price.id, premium.id);
    assert.equal(upgraded.items.data[0]?.id, item.id);
    assert.equal(upgraded.items.data[0]?.current_period_end, periodEnd);

    const period = 365 * DAY;
    const remaining = periodEnd - at; // 264 days, 16 h, 46 min, 47 s
    assert.equal(remaining, 22_870_787);
    const credit = -prorated(12_000, remaining, period); // −12000 × 22870787 / 31536000 = −8702.73… → −8703
    const charge = prorated(30_000, remaining, period); // 30000 × 22870787 / 31536000 = 21756.84… → 21757
    assert.equal(credit, -8703);
    assert.equal(charge, 21757);
    const pending = await pendingItems(stripe, customer.id);
    assert.deepEqual(
      pending.map((ii) => [ii.amount, ii.description, ii.proration, ii.period.start, ii.period.end]),
      [
        [credit, 'Unused time on Basic after 11 Apr 2030', true, at, periodEnd],
        [charge, 'Remaining time on Premium after 11 Apr 2030', true, at, periodEnd],
      ],
    );

    // A quantity change billed at once: the new prorations and the pending ones on one invoice.
    const later = at + 30 * DAY;
    await advanceClock(stripe, clock.id, later);
    const more = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 3 }],
      proration_behavior: 'always_invoice',
    });
    const left = periodEnd - later;
    const credit2 = -prorated(30_000, left, period);
    const charge2 = prorated(90_000, left, period);
    const invoice = await stripe.invoices.retrieve(more.latest_invoice as string);
    assert.equal(invoice.billing_reason, 'subscription_update');
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.amount_paid, credit + charge + credit2 + charge2);
    assert.deepEqual(
      invoice.lines.data.map((l) => l.amount).sort((a, b) => a - b),
      [credit, charge, credit2, charge2].sort((a, b) => a - b),
    );
    assert.deepEqual(await pendingItems(stripe, customer.id), []);

    // The renewal bills the new plan and quantity in full.
    await advanceClock(stripe, clock.id, addMonths(later, 2));
    await advanceClock(stripe, clock.id, periodEnd + 2 * 3600);
    const invoices = await invoicesOf(stripe, customer.id);
    const renewal = invoices.at(-1) as Stripe.Invoice;
    assert.equal(renewal.billing_reason, 'subscription_cycle');
    assert.equal(renewal.amount_paid, 90_000);
    assert.equal(renewal.lines.data[0]?.description, '3 × Premium (at $300.00 / year)');
  });

  it('no prorations with proration_behavior=none; an interval change restarts the cycle and bills now', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const monthly = await recurringPrice(stripe, { unit_amount: 1000 });
    const yearly = await recurringPrice(stripe, { unit_amount: 10_000, recurring: { interval: 'year' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    await advanceClock(stripe, clock.id, T0 + 10 * DAY);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 2 }],
      proration_behavior: 'none',
    });
    assert.deepEqual(await pendingItems(stripe, customer.id), []);

    const switched = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: yearly.id, quantity: 1 }],
    });
    const now = T0 + 10 * DAY;
    assert.equal(switched.billing_cycle_anchor, now);
    assert.equal(switched.items.data[0]?.current_period_start, now);
    assert.equal(switched.items.data[0]?.current_period_end, now + 365 * DAY);
    const invoice = await stripe.invoices.retrieve(switched.latest_invoice as string);
    // Credit for 21 unused days of January at quantity 2, and the new year in full.
    const credit = -prorated(2000, 21 * DAY, 31 * DAY);
    assert.equal(invoice.amount_paid, 10_000 + credit);
  });
});

describe('items', () => {
  it('a multi-item subscription gains and loses items through /v1/subscription_items with prorations', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const seats = await recurringPrice(stripe, { unit_amount: 500, name: 'Seat' });
    const storage = await recurringPrice(stripe, { unit_amount: 300, name: 'Storage' });
    const support = await recurringPrice(stripe, { unit_amount: 3100, name: 'Support' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [
        { price: seats.id, quantity: 4 },
        { price: storage.id, quantity: 1 },
      ],
    });
    assert.equal(sub.items.data.length, 2);
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(first.amount_paid, 4 * 500 + 300);

    // 1 January + 10 days: 21 of January's 31 days remain.
    const at = T0 + 10 * DAY;
    await advanceClock(stripe, clock.id, at);
    const added = await stripe.subscriptionItems.create({ subscription: sub.id, price: support.id });
    assert.equal(added.subscription, sub.id);
    assert.equal(added.current_period_end, addMonths(T0, 1));
    const storageItem = sub.items.data.find((i) => i.price.id === storage.id) as Stripe.SubscriptionItem;
    const deleted = await stripe.subscriptionItems.del(storageItem.id);
    assert.deepEqual(deleted, { id: storageItem.id, object: 'subscription_item', deleted: true });
    const seatItem = sub.items.data.find((i) => i.price.id === seats.id) as Stripe.SubscriptionItem;
    const updated = await stripe.subscriptionItems.update(seatItem.id, { quantity: 6 });
    assert.equal(updated.quantity, 6);

    const listed = await stripe.subscriptionItems.list({ subscription: sub.id });
    assert.deepEqual(listed.data.map((i) => i.price.id).sort(), [seats.id, support.id].sort());

    const remaining = 21 * DAY;
    const period = 31 * DAY;
    const pending = await pendingItems(stripe, customer.id);
    assert.deepEqual(
      pending.map((ii) => ii.amount),
      [
        prorated(3100, remaining, period), // Support added: 2100
        -prorated(300, remaining, period), // Storage removed: −203
        -prorated(2000, remaining, period), // 4 seats credited: −1355
        prorated(3000, remaining, period), // 6 seats charged: 2032
      ],
    );
    assert.deepEqual(
      pending.map((ii) => ii.description),
      [
        'Remaining time on Support after 11 Jan 2030',
        'Unused time on Storage after 11 Jan 2030',
        'Unused time on 4 × Seat after 11 Jan 2030',
        'Remaining time on 6 × Seat after 11 Jan 2030',
      ],
    );

    // The renewal carries the prorations and the new items in full.
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 7200);
    const renewal = (await invoicesOf(stripe, customer.id)).at(-1) as Stripe.Invoice;
    assert.equal(renewal.billing_reason, 'subscription_cycle');
    const prorations = pending.reduce((sum, ii) => sum + ii.amount, 0);
    assert.equal(renewal.amount_paid, 6 * 500 + 3100 + prorations);
  });
});

describe('prices, discounts and taxes', () => {
  it('bills graduated and volume tiered prices by their tiers', async () => {
    const stripe = account();
    const { customer } = await clockCustomer(stripe);
    const product = await stripe.products.create({ name: 'API' });
    const tiers = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 'inf' as const, unit_amount: 50, flat_amount: 200 },
    ];
    const graduated = await stripe.prices.create({
      currency: 'usd',
      product: product.id,
      recurring: { interval: 'month' },
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers,
    });
    const volume = await stripe.prices.create({
      currency: 'usd',
      product: product.id,
      recurring: { interval: 'month' },
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      tiers,
    });
    const g = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: graduated.id, quantity: 15 }],
    });
    // 10 × 1.00 + 5 × 0.50 + 2.00 flat.
    assert.equal((await stripe.invoices.retrieve(g.latest_invoice as string)).amount_paid, 1000 + 250 + 200);
    const v = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: volume.id, quantity: 15 }] });
    // All 15 at the second tier's 0.50, plus its flat 2.00.
    assert.equal((await stripe.invoices.retrieve(v.latest_invoice as string)).amount_paid, 750 + 200);
  });

  it('applies coupons, promotion codes and tax rates to subscription invoices', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 2000 });
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'repeating', duration_in_months: 2 });
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ coupon: coupon.id }],
      default_tax_rates: [vat.id],
    });
    assert.equal(sub.discounts.length, 1);
    assert.deepEqual(
      sub.default_tax_rates?.map((t) => t.id),
      [vat.id],
    );
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    // 20.00 − 25% = 15.00, + 20% VAT = 18.00.
    assert.equal(first.subtotal, 2000);
    assert.equal(first.total, 1800);
    assert.equal(first.amount_paid, 1800);
    assert.equal(first.total_taxes?.[0]?.amount, 300);

    // A promotion code on a second subscription: 5.00 off once.
    const fiveOff = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const code = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: fiveOff.id },
      code: 'FIVEOFF',
    });
    const other = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await recurringPrice(stripe, { unit_amount: 1200 })).id, tax_rates: [vat.id] }],
      discounts: [{ promotion_code: code.id }],
    });
    const otherInvoice = await stripe.invoices.retrieve(other.latest_invoice as string);
    // 12.00 − 5.00 = 7.00, + 20% = 8.40.
    assert.equal(otherInvoice.total, 840);

    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 7200);
    const renewals = (await invoicesOf(stripe, customer.id)).filter((i) => i.billing_reason === 'subscription_cycle');
    const bySub = new Map(renewals.map((i) => [i.parent?.subscription_details?.subscription, i]));
    // The repeating coupon still applies in the second month; the once coupon does not.
    assert.equal(bySub.get(sub.id)?.total, 1800);
    assert.equal(bySub.get(other.id)?.total, 1440);
    const removed = await stripe.subscriptions.deleteDiscount(sub.id);
    assert.equal(removed.object, 'discount');
    assert.deepEqual((await stripe.subscriptions.retrieve(sub.id)).discounts, []);
  });
});

describe('cancellation', () => {
  it('cancel_at_period_end ends the subscription at the period end; DELETE ends it now', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await advanceClock(stripe, clock.id, T0 + 5 * DAY);
    const pending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    assert.equal(pending.status, 'active');
    assert.equal(pending.cancel_at_period_end, true);
    assert.equal(pending.cancel_at, addMonths(T0, 1));
    assert.equal(pending.canceled_at, T0 + 5 * DAY);
    await advanceClock(stripe, clock.id, addMonths(T0, 1) + 3600);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(ended.status, 'canceled');
    assert.equal(ended.ended_at, addMonths(T0, 1));
    assert.equal(ended.cancellation_details?.reason, 'cancellation_requested');
    // No renewal invoice for a subscription that ended.
    assert.equal((await invoicesOf(stripe, customer.id)).length, 1);

    const now = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const canceled = await stripe.subscriptions.cancel(now.id, {
      cancellation_details: { comment: 'Too pricey', feedback: 'too_expensive' },
    });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.canceled_at, addMonths(T0, 1) + 3600);
    assert.equal(canceled.cancellation_details?.feedback, 'too_expensive');
    await expectInvalid(stripe.subscriptions.update(now.id, { metadata: { a: 'b' } }), {
      message: 'You cannot update a subscription that is `canceled` or `incomplete_expired`.',
    });
    const types = (await allEvents(stripe)).map((e) => e.type).filter((t) => t === 'customer.subscription.deleted');
    assert.equal(types.length, 2);
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    assert.deepEqual(listed.data, []);
    const all = await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    assert.equal(all.data.length, 2);
    const endedList = await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' });
    assert.equal(endedList.data.length, 2);
  });
});

describe('pending_if_incomplete', () => {
  it('keeps the change in pending_update until its invoice is paid, then applies it', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 3100 });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const bad = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: bad.id } });
    await advanceClock(stripe, clock.id, T0 + 10 * DAY);

    const pending = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 2 }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
    });
    assert.equal(pending.status, 'active');
    assert.equal(pending.items.data[0]?.quantity, 1);
    assert.equal(pending.pending_update?.subscription_items?.[0]?.quantity, 2);
    assert.equal(pending.pending_update?.expires_at, T0 + 10 * DAY + 23 * 3600);
    const invoice = await stripe.invoices.retrieve(pending.latest_invoice as string);
    assert.equal(invoice.status, 'open');
    // 21 of January's 31 days at one more seat.
    assert.equal(invoice.amount_due, prorated(3100, 21 * DAY, 31 * DAY));

    const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.invoices.pay(invoice.id, { payment_method: good.id });
    const applied = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(applied.pending_update, null);
    assert.equal(applied.items.data[0]?.quantity, 2);
    const subEvents = async () =>
      (await allEvents(stripe)).map((e) => e.type).filter((t) => t.startsWith('customer.subscription.'));
    assert.deepEqual((await subEvents()).slice(-2), [
      'customer.subscription.updated',
      'customer.subscription.pending_update_applied',
    ]);

    // A second pending update left unpaid expires after 23 hours; its invoice is voided.
    const again = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 5 }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
    });
    assert.equal(again.pending_update?.subscription_items?.[0]?.quantity, 5);
    await advanceClock(stripe, clock.id, T0 + 11 * DAY);
    const expired = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(expired.pending_update, null);
    assert.equal(expired.items.data[0]?.quantity, 2);
    assert.equal((await stripe.invoices.retrieve(again.latest_invoice as string)).status, 'void');
    assert.equal((await subEvents()).at(-1), 'customer.subscription.pending_update_expired');
  });
});

describe('invoice previews', () => {
  it('create_preview shows the next renewal, and a proposed change with its prorations', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 1000, name: 'Basic' });
    const pricier = await recurringPrice(stripe, { unit_amount: 2000, name: 'Plus' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const at = T0 + 10 * DAY;
    await advanceClock(stripe, clock.id, at);

    const next = await stripe.invoices.createPreview({ subscription: sub.id });
    assert.equal(next.billing_reason, 'upcoming');
    assert.equal(next.total, 1000);
    assert.deepEqual(next.lines.data[0]?.period, { start: addMonths(T0, 1), end: addMonths(T0, 2) });

    const change = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, price: pricier.id }], proration_date: at },
    });
    const credit = -prorated(1000, 21 * DAY, 31 * DAY);
    const charge = prorated(2000, 21 * DAY, 31 * DAY);
    assert.deepEqual(
      change.lines.data.map((l) => [l.amount, l.description]),
      [
        [credit, 'Unused time on Basic after 11 Jan 2030'],
        [charge, 'Remaining time on Plus after 11 Jan 2030'],
        [2000, '1 × Plus (at $20.00 / month)'],
      ],
    );
    assert.equal(change.total, credit + charge + 2000);
    // Nothing changed.
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.price.id, price.id);
    assert.deepEqual(await pendingItems(stripe, customer.id), []);
  });
});

describe('more changes', () => {
  it('billing_cycle_anchor=now starts a new period now, crediting the unused time', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 3100 });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const at = T0 + 10 * DAY;
    await advanceClock(stripe, clock.id, at);
    const reset = await stripe.subscriptions.update(sub.id, { billing_cycle_anchor: { type: 'now' } });
    assert.equal(reset.billing_cycle_anchor, at);
    assert.equal(reset.items.data[0]?.current_period_start, at);
    assert.equal(reset.items.data[0]?.current_period_end, addMonths(at, 1));
    const invoice = await stripe.invoices.retrieve(reset.latest_invoice as string);
    assert.equal(invoice.billing_reason, 'subscription_update');
    assert.equal(invoice.amount_paid, 3100 - prorated(3100, 21 * DAY, 31 * DAY));
  });

  it('trial_end=now ends a trial at once and bills the first period', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 900 });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 30,
    });
    await advanceClock(stripe, clock.id, T0 + 2 * DAY);
    const ended = await stripe.subscriptions.update(sub.id, { trial_end: 'now' });
    assert.equal(ended.status, 'active');
    assert.equal(ended.trial_end, T0 + 2 * DAY);
    assert.equal(ended.items.data[0]?.current_period_end, addMonths(T0 + 2 * DAY, 1));
    assert.equal((await stripe.invoices.retrieve(ended.latest_invoice as string)).amount_paid, 900);
  });

  it('cancel with prorate and invoice_now credits the unused time on a final invoice', async () => {
    const stripe = account();
    const { customer, clock } = await clockCustomer(stripe);
    const price = await recurringPrice(stripe, { unit_amount: 3100 });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await advanceClock(stripe, clock.id, T0 + 10 * DAY);
    const canceled = await stripe.subscriptions.cancel(sub.id, { prorate: true, invoice_now: true });
    assert.equal(canceled.status, 'canceled');
    const final = await stripe.invoices.retrieve(canceled.latest_invoice as string);
    assert.equal(final.total, -prorated(3100, 21 * DAY, 31 * DAY));
    assert.equal(final.status, 'paid');
    // The credit goes to the customer's balance.
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance, final.total);
  });

  it('send_invoice subscriptions are active at once with an open invoice due in days_until_due', async () => {
    const stripe = account();
    const { customer } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      collection_method: 'send_invoice',
      days_until_due: 14,
    });
    assert.equal(sub.status, 'active');
    assert.equal(sub.days_until_due, 14);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.collection_method, 'send_invoice');
    assert.equal(invoice.due_date, T0 + 14 * DAY);
  });
});
