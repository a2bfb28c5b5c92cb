/**
 * Billing for integrations written against older API versions: a webhook endpoint pinned to
 * 2024-06-20 receives subscriptions with `current_period_end` and invoices with `paid`,
 * `payment_intent` and `subscription`; stripe-node 16 (2024-06-20) reads those fields, expands
 * `latest_invoice.payment_intent`, sends the older parameters (`coupon`, the Upcoming Invoice API);
 * stripe-node 18 (basil) sees basil's shapes with clover's embedded coupons; the newest version
 * refuses what it no longer has.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { LATEST_VERSION } from '../../src/platform/versions.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

// biome-ignore lint/suspicious/noExplicitAny: the older majors are loaded untyped; fields are checked one by one
type AnyJson = any;

const require = createRequire(import.meta.url);
const MAJORS = { 'stripe-v16': '2024-06-20', 'stripe-v18': '2025-08-27.basil' } as const;

let server: TestServer;

before(async () => {
  server = await startServer({ webhooks: { retrySchedule: [0.2], timeoutMs: 2000, pollMs: 50 } });
});
after(() => server?.close());

/** A client of an older major (loaded untyped: never `import 'stripe-v16'`), pinned to its version. */
function sdkOf(major: keyof typeof MAJORS, key: string): AnyJson {
  const mod = require(major) as AnyJson;
  const StripeOf = mod.default ?? mod;
  return new StripeOf(key, {
    apiVersion: MAJORS[major],
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** A customer paying with a Visa by default, a $15.00 monthly price, and a subscription to it (newest SDK). */
async function subscribe(stripe: Stripe, extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const customer = await stripe.customers.create({ email: 'old@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const price = await stripe.prices.create({
    currency: 'usd',
    unit_amount: 1500,
    recurring: { interval: 'month' },
    product_data: { name: 'Gold' },
  });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    ...extra,
  });
  return { customer, price, subscription };
}

describe('a webhook endpoint pinned to 2024-06-20', () => {
  let receiver: Server;
  const received: AnyJson[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  async function delivered(version: string, type: string, object: string): Promise<AnyJson> {
    for (let i = 0; i < 400; i++) {
      const found = received.find((e) => e.type === type && e.data.object.id === object && e.api_version === version);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no ${type} for ${object} at version ${version}`);
  }

  it('receives customer.subscription.created with a numeric current_period_end, and invoice.paid with paid and payment_intent', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await stripe.webhookEndpoints.create({
      url,
      enabled_events: ['customer.subscription.created', 'invoice.paid'],
      api_version: '2024-06-20',
    });
    await stripe.webhookEndpoints.create({ url, enabled_events: ['customer.subscription.created'] });
    const { subscription } = await subscribe(stripe);
    const item = subscription.items.data[0] as Stripe.SubscriptionItem;

    const created = await delivered('2024-06-20', 'customer.subscription.created', subscription.id);
    const old = created.data.object;
    assert.equal(typeof old.current_period_end, 'number');
    assert.equal(old.current_period_end, item.current_period_end);
    assert.equal(old.current_period_start, item.current_period_start);
    assert.equal('current_period_end' in old.items.data[0], false);
    assert.equal(old.discount, null);

    const newest = await delivered(LATEST_VERSION, 'customer.subscription.created', subscription.id);
    assert.equal(newest.id, created.id, 'one event, rendered for each endpoint');
    assert.equal('current_period_end' in newest.data.object, false);

    const invoiceId = subscription.latest_invoice as string;
    const paid = await delivered('2024-06-20', 'invoice.paid', invoiceId);
    const invoice = paid.data.object;
    assert.equal(invoice.paid, true);
    assert.equal(invoice.paid_out_of_band, false);
    assert.match(invoice.payment_intent, /^pi_/);
    assert.match(invoice.charge, /^ch_/);
    assert.equal(invoice.subscription, subscription.id);
    assert.equal('parent' in invoice, false);
    const pi = await stripe.paymentIntents.retrieve(invoice.payment_intent);
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.latest_charge, invoice.charge);
  });
});

describe('stripe-node 16 (2024-06-20)', () => {
  it('reads a subscription’s period and its invoice’s paid, payment_intent, charge, subscription and lines', async () => {
    const key = newSecretKey();
    const { subscription, price } = await subscribe(server.stripe(key));
    const old = sdkOf('stripe-v16', key);

    const sub = await old.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payment_intent'] });
    assert.equal(typeof sub.current_period_start, 'number');
    assert.equal(typeof sub.current_period_end, 'number');
    assert.ok(sub.current_period_end > sub.current_period_start);
    const invoice = sub.latest_invoice;
    assert.equal(invoice.paid, true);
    assert.equal(invoice.payment_intent.object, 'payment_intent');
    assert.equal(invoice.payment_intent.status, 'succeeded');
    // The older PaymentIntent names its invoice (basil removed it).
    assert.equal(invoice.payment_intent.invoice, invoice.id);

    const retrieved = await old.invoices.retrieve(invoice.id);
    assert.equal(retrieved.payment_intent, invoice.payment_intent.id);
    assert.match(retrieved.charge, /^ch_/);
    assert.equal(retrieved.subscription, subscription.id);
    assert.deepEqual(retrieved.subscription_details, { metadata: {} });
    assert.equal(retrieved.tax, null);
    assert.deepEqual(retrieved.total_tax_amounts, []);
    const line = retrieved.lines.data[0];
    assert.equal(line.type, 'subscription');
    assert.equal(line.price.id, price.id);
    assert.equal(line.price.unit_amount, 1500);
    assert.equal(line.plan.id, price.id);
    assert.equal(line.plan.amount, 1500);
    assert.equal(line.proration, false);
    assert.equal(line.amount_excluding_tax, 1500);
    assert.equal('pricing' in line, false);

    const charge = await old.charges.retrieve(retrieved.charge);
    assert.equal(charge.invoice, invoice.id);

    // A schedule's phases name their coupon (basil moved it to `discounts`).
    const schedule = await server.stripe(key).subscriptionSchedules.create({ from_subscription: subscription.id });
    const oldSchedule = await old.subscriptionSchedules.retrieve(schedule.id);
    assert.equal(oldSchedule.phases[0].coupon, null);
    assert.ok('coupon' in oldSchedule.phases[0]);

    const expanded = await old.invoices.retrieve(invoice.id, { expand: ['subscription', 'charge'] });
    assert.equal(expanded.subscription.id, subscription.id);
    assert.equal(typeof expanded.subscription.current_period_end, 'number');
    assert.equal(expanded.charge.id, retrieved.charge);
  });

  it('applies a coupon given as the older `coupon` parameter; the discount embeds the coupon', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'forever' });
    const { customer, price } = await subscribe(stripe);
    const old = sdkOf('stripe-v16', key);
    const sub = await old.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      coupon: coupon.id,
    });
    assert.equal(sub.discount.coupon.id, coupon.id);
    assert.equal(sub.discount.coupon.percent_off, 20);
    const invoice = await old.invoices.retrieve(sub.latest_invoice);
    assert.equal(invoice.total, 1200);
    assert.equal(invoice.discount.coupon.id, coupon.id);

    // A customer's coupon, the older way (basil removed `coupon` from customers).
    const discounted = await old.customers.create({ coupon: coupon.id });
    assert.equal(discounted.discount.coupon.id, coupon.id);

    // A promotion code created the older way (`coupon`, before clover's `promotion[coupon]`).
    const code = await old.promotionCodes.create({ coupon: coupon.id, code: 'OLDSCHOOL' });
    assert.equal(code.coupon.id, coupon.id);
    assert.equal('promotion' in code, false);
  });

  it('previews an invoice with the Upcoming Invoice API; a customer with nothing to bill has no upcoming invoice', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd', description: 'Setup' });
    const old = sdkOf('stripe-v16', key);
    const upcoming = await old.invoices.retrieveUpcoming({
      customer: customer.id,
      invoice_items: [{ amount: 300, currency: 'usd', description: 'Extra' }],
    });
    assert.equal(upcoming.object, 'invoice');
    assert.equal(upcoming.amount_due, 1000);
    assert.equal(upcoming.paid, false);
    assert.equal(upcoming.subscription, null);
    assert.deepEqual(upcoming.lines.data.map((l: AnyJson) => l.type).sort(), ['invoiceitem', 'invoiceitem']);

    const lines = await old.invoices.listUpcomingLines({
      customer: customer.id,
      invoice_items: [{ amount: 300, currency: 'usd', description: 'Extra' }],
      limit: 1,
    });
    assert.equal(lines.object, 'list');
    assert.equal(lines.data.length, 1);
    assert.equal(lines.has_more, true);

    // `coupon`, on the Upcoming Invoice API and on the preview before basil.
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const halved = await old.invoices.retrieveUpcoming({ customer: customer.id, coupon: coupon.id });
    assert.equal(halved.amount_due, 350);
    assert.equal(halved.total_discount_amounts[0].amount, 350);
    const preview = await old.invoices.createPreview({ customer: customer.id, coupon: coupon.id });
    assert.equal(preview.amount_due, 350);

    const nothing = await stripe.customers.create();
    await assert.rejects(old.invoices.retrieveUpcoming({ customer: nothing.id }), (err: AnyJson) => {
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'invoice_upcoming_none');
      assert.equal(err.message, `No upcoming invoices for customer: ${nothing.id}`);
      return true;
    });
  });

  it('previews a subscription’s next invoice with the Upcoming Invoice API', async () => {
    const key = newSecretKey();
    const { customer, subscription, price } = await subscribe(server.stripe(key));
    const old = sdkOf('stripe-v16', key);
    const upcoming = await old.invoices.retrieveUpcoming({ customer: customer.id });
    assert.equal(upcoming.subscription, subscription.id);
    assert.equal(upcoming.amount_due, 1500);
    assert.equal(upcoming.lines.data[0].price.id, price.id);
    // A proposed quantity change, in the flat parameters of the Upcoming Invoice API.
    const more = await old.invoices.retrieveUpcoming({
      customer: customer.id,
      subscription: subscription.id,
      subscription_items: [{ id: subscription.items.data[0]?.id, quantity: 2 }],
      subscription_proration_behavior: 'none',
    });
    assert.equal(more.amount_due, 3000);
  });
});

describe('stripe-node 18 (2025-08-27.basil)', () => {
  it('sees basil’s shapes, with the coupon still embedded in discounts and promotion codes', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const coupon = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const { customer, price } = await subscribe(stripe);
    const basil = sdkOf('stripe-v18', key);
    const sub = await basil.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ coupon: coupon.id }],
    });
    assert.equal('current_period_end' in sub, false);
    assert.equal(typeof sub.items.data[0].current_period_end, 'number');
    const invoice = await basil.invoices.retrieve(sub.latest_invoice, { expand: ['discounts'] });
    assert.equal(invoice.discounts[0].coupon.id, coupon.id);
    assert.equal(invoice.discounts[0].coupon.amount_off, 500);
    assert.equal('source' in invoice.discounts[0], false);
    assert.equal('paid' in invoice, false);
    assert.equal(invoice.parent.subscription_details.subscription, sub.id);

    const code = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } });
    const old = await basil.promotionCodes.retrieve(code.id);
    assert.equal(old.coupon.id, coupon.id);
  });
});

describe('before 2026-09-30.endive', () => {
  it('a subscription’s billing cycle anchor is reset with the string `now` (endive takes an object)', async () => {
    const key = newSecretKey();
    const { subscription } = await subscribe(server.stripe(key));
    const basil = sdkOf('stripe-v18', key);
    const reset = await basil.subscriptions.update(subscription.id, {
      billing_cycle_anchor: 'now',
      proration_behavior: 'none',
    });
    assert.ok(reset.billing_cycle_anchor >= subscription.billing_cycle_anchor);
    assert.equal(reset.status, 'active');
    // The newest version takes only the object form.
    const res = await fetch(`${server.url}/v1/subscriptions/${subscription.id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'billing_cycle_anchor=now&proration_behavior=none',
    });
    assert.equal(res.status, 400);
    const refused = (await res.json()) as AnyJson;
    assert.equal(refused.error.param, 'billing_cycle_anchor');
  });
});

describe('the newest version', () => {
  it('has no Upcoming Invoice API and cannot expand an invoice’s payment_intent', async () => {
    const key = newSecretKey();
    const { customer, subscription } = await subscribe(server.stripe(key));
    const res = await fetch(`${server.url}/v1/invoices/upcoming?customer=${customer.id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as AnyJson;
    assert.match(body.error.message, /^Unrecognized request URL \(GET: \/v1\/invoices\/upcoming\)/);

    await assert.rejects(
      server.stripe(key).invoices.retrieve(subscription.latest_invoice as string, { expand: ['payment_intent'] }),
      /This property cannot be expanded \(payment_intent\)/,
    );
  });
});
