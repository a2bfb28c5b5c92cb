/**
 * A test clock's time stays its own in both directions that the payments side shares with it: its
 * funds release frees only the clock's payments (not the account's pending funds, which real time
 * releases), and its events — dated at the clock's simulated time, possibly years before the
 * webhook endpoint was created — still reach the account's endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { accountIdOf, eventsOf } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const DAY = 86_400;

async function settled(stripe: Stripe, id: string): Promise<Stripe.TestHelpers.TestClock> {
  for (let i = 0; i < 400; i++) {
    const c = await stripe.testHelpers.testClocks.retrieve(id);
    if (c.status !== 'advancing') return c;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`test clock ${id} still advancing`);
}

const usd = (list: Stripe.Balance.Available[]) => list.find((b) => b.currency === 'usd')?.amount ?? 0;

describe('test clock isolation', () => {
  it("a clock advanced years ahead leaves the account's pending funds pending", async () => {
    const stripe = server.stripe(newSecretKey());
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
    });
    // automatic_async settles just after the response; read the charge back.
    const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.balance_transaction'] });
    const txn = (paid.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    assert.equal(txn.status, 'pending');

    // A clock whose funds release falls years after the real payment's available_on.
    const now = Math.floor(Date.now() / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: now + 365 * DAY });
    const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: 'pm_card_visa' });
    const product = await stripe.products.create({ name: 'Plan' });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 1000,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id as string,
    });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: now + 365 * DAY + 10 * DAY });
    assert.equal((await settled(stripe, clock.id)).status, 'ready');

    assert.equal((await stripe.balanceTransactions.retrieve(txn.id)).status, 'pending', 'real-time funds stay pending');
    const balance = await stripe.balance.retrieve();
    assert.equal(usd(balance.pending), txn.net);
    assert.equal(usd(balance.available), 1000 - 59, 'the clock’s own payment (10.00 less 2.9% + 30¢) is available');
  });

  it('events dated at a clock time before the endpoint existed are still delivered', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    // An endpoint nobody answers: its deliveries stay pending, which `pending_webhooks` counts.
    await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] });
    const past = Math.floor(Date.UTC(2020, 0, 1) / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: past });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: 'usd' });
    await stripe.invoices.create({ customer: customer.id });

    const account = await accountIdOf(server, key);
    const created = (await eventsOf(server, account)).find(
      (e) => e.type === 'invoice.created' && e.data.object.customer === customer.id,
    );
    assert.ok(created, 'the invoice was announced');
    assert.equal(created.created, past, 'dated at the clock’s time');
    // (The events API itself shows 30 days back from real time, so the store is asked directly.)
    const pending = await server.app.store.pendingWebhooks(account, [created.id]);
    assert.equal(pending.get(created.id), 1, 'a delivery to the endpoint was written');
  });
});
