/**
 * A `send_invoice` subscription starts active (nothing is charged), and goes past_due when its
 * invoice is still open on the due date — `invoice.overdue`, then `customer.subscription.updated`
 * — and back to active once the invoice is paid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { advanceClock, allEvents, clockCustomer, DAY, recurringPrice, T0 } from '../support/billing-subscriptions.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

describe('send_invoice subscriptions', () => {
  it('go past_due when the invoice is open on its due date, and active again when it is paid', async () => {
    const stripe = server.stripe(newSecretKey());
    const { clock, customer } = await clockCustomer(stripe, { card: null });
    const price = await recurringPrice(stripe);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      collection_method: 'send_invoice',
      days_until_due: 7,
    });
    assert.equal(sub.status, 'active');
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    assert.equal(invoice.status, 'open');
    assert.equal(invoice.due_date, T0 + 7 * DAY);

    await advanceClock(stripe, clock.id, T0 + 6 * DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active', 'not yet due');

    await advanceClock(stripe, clock.id, T0 + 8 * DAY);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'past_due');
    const types = (await allEvents(stripe)).map((e) => e.type);
    const overdue = types.indexOf('invoice.overdue');
    assert.ok(overdue >= 0, 'invoice.overdue was sent');
    assert.equal(types.lastIndexOf('customer.subscription.updated') > overdue, true, 'then the subscription update');

    await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  });
});
