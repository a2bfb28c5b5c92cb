/**
 * Deleting a customer cancels its subscriptions at once (Stripe: "also immediately cancels any
 * active subscriptions on the customer"), each announced before the customer's own deletion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountIdOf, eventsOf } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

describe('deleting a customer', () => {
  it('cancels its active and trialing subscriptions, leaving ended ones alone', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create({
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const price = await stripe.prices.create({
      product_data: { name: 'Seat' },
      unit_amount: 1200,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const active = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const trialing = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 7,
    });
    const ended = await stripe.subscriptions.cancel(
      (await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })).id,
    );
    assert.equal(active.status, 'active');
    assert.equal(trialing.status, 'trialing');

    await stripe.customers.del(customer.id);

    for (const id of [active.id, trialing.id]) {
      const sub = await stripe.subscriptions.retrieve(id);
      assert.equal(sub.status, 'canceled');
      assert.equal(sub.cancellation_details?.reason, 'cancellation_requested');
      assert.ok(sub.ended_at);
    }
    assert.equal((await stripe.subscriptions.retrieve(ended.id)).ended_at, ended.ended_at, 'an ended one is untouched');

    const types = (await eventsOf(server, await accountIdOf(server, key)))
      .filter((e) => e.type === 'customer.subscription.deleted' || e.type === 'customer.deleted')
      .map((e) => (e.type === 'customer.deleted' ? e.type : `${e.type} ${e.data.object.id}`));
    assert.equal(types.at(-1), 'customer.deleted', 'the customer goes last');
    assert.equal(types[0], `customer.subscription.deleted ${ended.id}`);
    assert.deepEqual(
      types.slice(1, -1).sort(),
      [`customer.subscription.deleted ${active.id}`, `customer.subscription.deleted ${trialing.id}`].sort(),
    );
  });
});
