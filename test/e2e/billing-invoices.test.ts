/**
 * Invoices end to end through the official SDK: invoice items pending and on drafts, a draft
 * finalised (number, status transitions, hosted URLs, PaymentIntent, InvoicePayment) and paid with
 * a card, the events in Stripe's order, numbering per customer, paying out of band, voiding,
 * marking uncollectible and paying afterwards, the line endpoints, deletion, search and lists, and
 * Stripe's refusals (editing a finalised invoice, paying a paid one, deleting an open one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
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

const keys = new WeakMap<Stripe, string>();

function client(): Stripe {
  const key = newSecretKey();
  const stripe = server.stripe(key);
  keys.set(stripe, key);
  return stripe;
}

/** A 400 with Stripe's `code`, and the exact `message` / `param` when given. */
function refused(promise: Promise<unknown>, code?: string, message?: string, param?: string) {
  return expectInvalid(promise, {
    ...(code !== undefined ? { code } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(param !== undefined ? { param } : {}),
  });
}

/** A customer whose default payment method for invoices is `pm` (a test card id). */
async function customerWithCard(stripe: Stripe, pm = 'pm_card_visa', extra: Stripe.CustomerCreateParams = {}) {
  const customer = await stripe.customers.create({ email: 'jenny@example.com', name: 'Jenny Rosen', ...extra });
  const method = await stripe.paymentMethods.attach(pm, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
  return { customer, method };
}

async function eventTypes(
  stripe: Stripe,
  since: number,
  filter = /^(invoice|invoiceitem|invoice_payment|payment_intent|charge)\./,
) {
  const events = await stripe.events.list({ limit: 100, created: { gte: since } });
  return events.data
    .map((e) => e.type)
    .reverse()
    .filter((t) => filter.test(t));
}

function checkInvoice(inv: Stripe.Invoice): Stripe.Invoice {
  assertShape(inv, 'Invoice', 'invoice');
  assert.match(inv.id, /^in_[0-9A-Za-z]{24}$/);
  return inv;
}

describe('invoice items', () => {
  it('creates pending items, lists them by customer and pending, updates and deletes them', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 1500,
      currency: 'usd',
      description: 'Setup fee',
    });
    assertShape(item, 'InvoiceItem', 'invoiceitem');
    assert.match(item.id, /^ii_/);
    assert.equal(item.amount, 1500);
    assert.equal(item.quantity, 1);
    assert.equal(item.invoice, null);
    assert.equal(item.discountable, true);
    assert.equal(item.proration, false);
    const unit = await stripe.invoiceItems.create({
      customer: customer.id,
      unit_amount_decimal: '250.5' as unknown as Stripe.Decimal,
      quantity: 3,
      currency: 'usd',
    });
    // 250.5 × 3 = 751.5, rounded half up to 752.
    assert.equal(unit.amount, 752);
    assert.equal(String(unit.pricing?.unit_amount_decimal), '250.5');

    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    assert.deepEqual(
      pending.data.map((i) => i.id),
      [unit.id, item.id],
    );
    const updated = await stripe.invoiceItems.update(item.id, { amount: 1700, metadata: { k: 'v' } });
    assert.equal(updated.amount, 1700);
    assert.deepEqual(updated.metadata, { k: 'v' });
    const deleted = await stripe.invoiceItems.del(unit.id);
    assert.deepEqual(deleted, { id: unit.id, object: 'invoiceitem', deleted: true });
    const after = await stripe.invoiceItems.list({ customer: customer.id });
    assert.deepEqual(
      after.data.map((i) => i.id),
      [item.id],
    );
    // Stripe has no invoiceitem.updated event any more.
    assert.deepEqual(await eventTypes(stripe, 0, /^invoiceitem\./), [
      'invoiceitem.created',
      'invoiceitem.created',
      'invoiceitem.deleted',
    ]);
    // A second currency on the same customer is refused.
    await refused(
      stripe.invoiceItems.create({ customer: customer.id, amount: 100, currency: 'eur' }),
      undefined,
      'You cannot combine currencies on a single customer. This customer has had a subscription, coupon, or invoice item with currency usd',
      'currency',
    );
  });
});

describe('invoice lifecycle', () => {
  it('invoice items → draft → finalize → pay with a card, with Stripe’s events', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe);
    const since = Math.floor(Date.now() / 1000) - 5;
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2000, currency: 'usd', description: 'A' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: 'usd', description: 'B' });
    const draft = checkInvoice(
      await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' }),
    );
    assert.equal(draft.status, 'draft');
    assert.equal(draft.auto_advance, false);
    assert.equal(draft.billing_reason, 'manual');
    assert.equal(draft.collection_method, 'charge_automatically');
    assert.equal(draft.number, null);
    assert.equal(draft.hosted_invoice_url, null);
    assert.equal(draft.subtotal, 2500);
    assert.equal(draft.total, 2500);
    assert.equal(draft.amount_due, 2500);
    assert.equal(draft.lines.data.length, 2);
    assert.deepEqual(
      draft.lines.data.map((l) => [l.amount, l.description, l.parent?.type]),
      // Stripe sweeps pending items newest first.
      [
        [500, 'B', 'invoice_item_details'],
        [2000, 'A', 'invoice_item_details'],
      ],
    );
    assert.equal(draft.customer_email, 'jenny@example.com');
    const stillPending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    assert.equal(stillPending.data.length, 0);

    const open = checkInvoice(await stripe.invoices.finalizeInvoice(draft.id));
    assert.equal(open.status, 'open');
    assert.match(open.number ?? '', /^[0-9A-Z]+-0001$/);
    assert.equal(open.number?.split('-')[0], customer.invoice_prefix);
    assert.ok(open.status_transitions.finalized_at);
    assert.equal(open.effective_at, open.status_transitions.finalized_at);
    assert.match(open.hosted_invoice_url ?? '', /\/invoice\/acct_[0-9A-Za-z]+_[0-9A-Za-z]+$/);
    assert.equal(open.invoice_pdf, `${open.hosted_invoice_url}/pdf`);
    assert.equal(open.starting_balance, 0);
    assert.equal(open.ending_balance, 0);
    assert.equal(open.attempted, false);

    const withSecret = await stripe.invoices.retrieve(open.id, { expand: ['confirmation_secret', 'payments'] });
    assert.equal(withSecret.confirmation_secret?.type, 'payment_intent');
    assert.match(withSecret.confirmation_secret?.client_secret ?? '', /^pi_[0-9A-Za-z]+_secret_/);
    const payment = withSecret.payments?.data[0];
    assert.ok(payment);
    assertShape(payment, 'InvoicePayment', 'invoice_payment');
    assert.match(payment.id, /^inpay_/);
    assert.equal(payment.status, 'open');
    assert.equal(payment.amount_requested, 2500);
    const piId = payment.payment.payment_intent as string;
    const pi = await stripe.paymentIntents.retrieve(piId);
    assert.equal(pi.amount, 2500);
    assert.equal(pi.customer, customer.id);
    assert.equal(pi.status, 'requires_payment_method');

    const paid = checkInvoice(await stripe.invoices.pay(open.id));
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 2500);
    assert.equal(paid.amount_remaining, 0);
    assert.equal(paid.attempted, true);
    assert.equal(paid.attempt_count, 1);
    assert.ok(paid.status_transitions.paid_at);
    assert.equal((await stripe.paymentIntents.retrieve(piId)).status, 'succeeded');
    const paidPayment = await stripe.invoicePayments.retrieve(payment.id);
    assert.equal(paidPayment.status, 'paid');
    assert.equal(paidPayment.amount_paid, 2500);
    const listed = await stripe.invoicePayments.list({ invoice: open.id });
    assert.deepEqual(
      listed.data.map((p) => p.id),
      [payment.id],
    );

    assert.deepEqual(await eventTypes(stripe, since), [
      'invoiceitem.created',
      'invoiceitem.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'payment_intent.succeeded',
      'charge.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice_payment.paid',
      // The charge's balance transaction, recorded once the payment settles (payments' own event).
      'charge.updated',
    ]);
  });

  it('numbers invoices per customer: <prefix>-0001, -0002', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe);
    const numbers: string[] = [];
    for (let i = 0; i < 2; i++) {
      await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
      const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
      numbers.push((await stripe.invoices.finalizeInvoice(inv.id)).number as string);
    }
    assert.deepEqual(numbers, [`${customer.invoice_prefix}-0001`, `${customer.invoice_prefix}-0002`]);
    // Finalisation freezes the customer's tax IDs on the invoice.
    await stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE123456789' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
    const third = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    assert.deepEqual(third.customer_tax_ids, []);
    const final = await stripe.invoices.finalizeInvoice(third.id);
    assert.deepEqual(final.customer_tax_ids, [{ type: 'eu_vat', value: 'DE123456789' }]);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).next_invoice_sequence, 4);
  });

  it('an invoice with nothing due is paid at finalisation', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    const inv = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    const done = await stripe.invoices.finalizeInvoice(inv.id);
    assert.equal(done.status, 'paid');
    assert.equal(done.amount_due, 0);
    assert.equal(done.amount_paid, 0);
    assert.ok(done.status_transitions.paid_at);
  });

  it('a declined card leaves the invoice open with invoice.payment_failed and Stripe’s 402', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe, 'pm_card_chargeCustomerFail');
    const since = Math.floor(Date.now() / 1000) - 5;
    await stripe.invoiceItems.create({ customer: customer.id, amount: 3000, currency: 'usd' });
    const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(inv.id);
    await assert.rejects(stripe.invoices.pay(inv.id), (err: Stripe.errors.StripeError) => {
      assert.equal(err.type, 'StripeCardError');
      assert.equal(err.code, 'card_declined');
      return true;
    });
    const after = await stripe.invoices.retrieve(inv.id);
    assert.equal(after.status, 'open');
    assert.equal(after.attempted, true);
    assert.equal(after.attempt_count, 1);
    // A manual attempt schedules no retry.
    assert.equal(after.next_payment_attempt, null);
    const types = await eventTypes(stripe, since, /^invoice\.payment_failed$/);
    assert.deepEqual(types, ['invoice.payment_failed']);
    // Paying again with a good card works; a manual retry does not count on the schedule.
    const paid = await stripe.invoices.pay(inv.id, { payment_method: 'pm_card_visa' });
    assert.equal(paid.status, 'paid');
    assert.equal(paid.attempt_count, 1);
  });

  it('3-D Secure leaves the invoice open until the customer completes the PaymentIntent', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 4200, currency: 'usd' });
    const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(inv.id);
    const since = Math.floor(Date.now() / 1000) - 5;
    const open = await stripe.invoices.pay(inv.id, {
      payment_method: 'pm_card_authenticationRequired',
      off_session: false,
    });
    assert.equal(open.status, 'open');
    // Attempted, but an attempt waiting for the customer is not counted (as Stripe shows it).
    assert.equal(open.attempted, true);
    assert.equal(open.attempt_count, 0);
    assert.equal(open.next_payment_attempt, null);
    const expanded = await stripe.invoices.retrieve(inv.id, { expand: ['payments'] });
    const piId = expanded.payments?.data[0]?.payment.payment_intent as string;
    const pi = await stripe.paymentIntents.retrieve(piId);
    assert.equal(pi.status, 'requires_action');
    assert.deepEqual(await eventTypes(stripe, since, /^invoice\./), [
      'invoice.created',
      'invoice.finalized',
      'invoice.payment_action_required',
    ]);
    // Paying again without a new payment method is refused while the action is pending.
    await refused(stripe.invoices.pay(inv.id), 'invoice_payment_intent_requires_action');

    const key = keys.get(stripe) as string;
    const res = await fetch(`${server.url}/sandbank/v1/payment_intents/${piId}/authenticate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'outcome=complete',
    });
    assert.equal(res.status, 200, await res.text());
    const paid = await stripe.invoices.retrieve(inv.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 4200);
    assert.deepEqual(await eventTypes(stripe, since, /^invoice(_payment)?\./), [
      'invoice.created',
      'invoice.finalized',
      'invoice.payment_action_required',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice_payment.paid',
    ]);
  });

  it('paying a draft finalises and pays it in one call; without a payment method it is refused', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe);
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1234, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    const paid = await stripe.invoices.pay(draft.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.status_transitions.finalized_at, paid.status_transitions.paid_at);
    assert.equal(paid.amount_paid, 1234);

    const bare = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: bare.id, amount: 999, currency: 'usd' });
    const unpaid = await stripe.invoices.create({ customer: bare.id, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(unpaid.id);
    await refused(
      stripe.invoices.pay(unpaid.id),
      'resource_missing',
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    );
    assert.equal((await stripe.invoices.retrieve(unpaid.id)).attempted, false);
  });

  it('confirming the invoice’s PaymentIntent directly (as Elements does with confirmation_secret) pays it', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2100, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(draft.id);
    const open = await stripe.invoices.retrieve(draft.id, { expand: ['confirmation_secret'] });
    const piId = open.confirmation_secret?.client_secret.split('_secret_')[0] as string;
    // A decline first: the invoice records the failed attempt and stays open.
    await assert.rejects(stripe.paymentIntents.confirm(piId, { payment_method: 'pm_card_chargeDeclined' }));
    const failed = await stripe.invoices.retrieve(draft.id);
    assert.equal(failed.status, 'open');
    assert.equal(failed.attempt_count, 1);
    const pi = await stripe.paymentIntents.confirm(piId, { payment_method: 'pm_card_visa' });
    assert.equal(pi.status, 'succeeded');
    const paid = await stripe.invoices.retrieve(draft.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 2100);
    assert.equal((await stripe.invoicePayments.list({ invoice: draft.id })).data[0]?.status, 'paid');
  });

  it('pays out of band, voids, and pays an uncollectible invoice later', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe);
    const make = async (amount: number) => {
      await stripe.invoiceItems.create({ customer: customer.id, amount, currency: 'usd' });
      const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
      return stripe.invoices.finalizeInvoice(inv.id);
    };
    const oob = await make(1000);
    const paidOob = await stripe.invoices.pay(oob.id, { paid_out_of_band: true });
    assert.equal(paidOob.status, 'paid');
    assert.equal(paidOob.amount_paid, 1000);
    const oobPayments = await stripe.invoicePayments.list({ invoice: oob.id });
    assert.equal(oobPayments.data[0]?.status, 'canceled');
    const oobPi = await stripe.paymentIntents.retrieve(oobPayments.data[0]?.payment.payment_intent as string);
    assert.equal(oobPi.status, 'canceled');

    const toVoid = await make(1100);
    const voided = await stripe.invoices.voidInvoice(toVoid.id);
    assert.equal(voided.status, 'void');
    assert.ok(voided.status_transitions.voided_at);
    await refused(stripe.invoices.pay(toVoid.id));
    await refused(
      stripe.invoices.voidInvoice(toVoid.id),
      undefined,
      "You can only pass in open invoices. This invoice isn't open.",
    );

    const bad = await make(1200);
    const uncollectible = await stripe.invoices.markUncollectible(bad.id);
    assert.equal(uncollectible.status, 'uncollectible');
    assert.ok(uncollectible.status_transitions.marked_uncollectible_at);
    const late = await stripe.invoices.pay(bad.id);
    assert.equal(late.status, 'paid');
    assert.equal(late.amount_paid, 1200);
  });

  it('send emits invoice.sent for send_invoice invoices and sets the due date', async () => {
    const stripe = client();
    const customer = await stripe.customers.create({ email: 'a@example.com' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 900, currency: 'usd' });
    const inv = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 10,
      pending_invoice_items_behavior: 'include',
    });
    assert.equal(inv.due_date, inv.created + 10 * 86400);
    const since = Math.floor(Date.now() / 1000) - 5;
    const sent = await stripe.invoices.sendInvoice(inv.id);
    assert.equal(sent.status, 'open');
    assert.deepEqual(await eventTypes(stripe, since, /^invoice\./), [
      'invoice.created',
      'invoice.finalized',
      'invoice.sent',
    ]);
    const auto = await stripe.customers.create();
    const charge = await stripe.invoices.create({ customer: auto.id, currency: 'usd' });
    await refused(
      stripe.invoices.sendInvoice(charge.id),
      undefined,
      "You can only manually send an invoice if its collection method is 'send_invoice'.",
    );
    await refused(
      stripe.invoices.create({ customer: auto.id, days_until_due: 3 }),
      undefined,
      "You can only specify 'due_date' or 'days_until_due' if invoice collection method is 'send_invoice'.",
    );
    await refused(
      stripe.invoices.create({ customer: auto.id, collection_method: 'send_invoice' }),
      undefined,
      "If invoice collection method is 'send_invoice', you must specify 'due_date' or 'days_until_due'.",
    );
  });
});

describe('drafts, lines and refusals', () => {
  it('adds, updates and removes lines of a draft; the lines endpoint pages them', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    const inv = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    const pending = await stripe.invoiceItems.create({ customer: customer.id, amount: 300, currency: 'usd' });
    const withLines = await stripe.invoices.addLines(inv.id, {
      lines: [{ amount: 1000, description: 'One' }, { invoice_item: pending.id }],
      invoice_metadata: { batch: '1' },
    });
    assert.equal(withLines.lines.data.length, 2);
    assert.equal(withLines.total, 1300);
    assert.deepEqual(withLines.metadata, { batch: '1' });
    // The newest item's line comes first (the pending item was added after the new one was made).
    const [first, second] = withLines.lines.data as [Stripe.InvoiceLineItem, Stripe.InvoiceLineItem];
    assert.equal(first.parent?.invoice_item_details?.invoice_item, pending.id);
    assert.equal(second.description, 'One');
    assertShape(second, 'InvoiceLineItem', 'line_item');
    assert.match(second.id, /^il_/);
    const updated = await stripe.invoices.updateLines(inv.id, {
      lines: [{ id: second.id, amount: 1500, description: 'One, bigger' }],
    });
    assert.equal(updated.total, 1800);
    assert.equal(updated.lines.data[1]?.description, 'One, bigger');
    assert.equal(updated.lines.data[1]?.id, second.id);
    const single = await stripe.invoices.updateLineItem(inv.id, second.id, { metadata: { note: 'x' } });
    assert.equal(single.object, 'line_item');
    assert.equal(single.id, second.id);
    assert.deepEqual(single.metadata, { note: 'x' });
    assert.equal(single.amount, 1500);
    const page = await stripe.invoices.listLineItems(inv.id, { limit: 1 });
    assert.equal(page.data.length, 1);
    assert.equal(page.has_more, true);
    const next = await stripe.invoices.listLineItems(inv.id, { limit: 1, starting_after: page.data[0]?.id as string });
    assert.equal(next.data[0]?.id, second.id);
    const back = await stripe.invoices.listLineItems(inv.id, { ending_before: second.id });
    assert.deepEqual(
      back.data.map((l) => l.id),
      [first.id],
    );
    assert.equal(back.has_more, false);
    const removed = await stripe.invoices.removeLines(inv.id, { lines: [{ id: first.id, behavior: 'unassign' }] });
    assert.equal(removed.total, 1500);
    assert.equal((await stripe.invoiceItems.retrieve(pending.id)).invoice, null);
    const items = await stripe.invoiceItems.list({ invoice: inv.id });
    assert.equal(items.data.length, 1);
    await refused(
      stripe.invoices.addLines(inv.id, { lines: [{ amount: 1, quantity: 2 }] }),
      undefined,
      'You may only specify one of these parameters: amount, quantity.',
      'lines[0][amount]',
    );
    const deleted = await stripe.invoices.del(inv.id);
    assert.deepEqual(deleted, { id: inv.id, object: 'invoice', deleted: true });
    // Stripe does not release a deleted draft's items to pending: they are gone with it.
    assert.equal((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.length, 1);
    await refused(
      stripe.invoiceItems.update(items.data[0]?.id as string, { amount: 5 }),
      undefined,
      'This invoice item has been deleted.',
    );
  });

  it('refuses changes Stripe refuses on finalised invoices', async () => {
    const stripe = client();
    const { customer } = await customerWithCard(stripe);
    await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    const open = await stripe.invoices.finalizeInvoice(inv.id);
    await refused(
      stripe.invoices.finalizeInvoice(inv.id),
      undefined,
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
    );
    await refused(stripe.invoices.del(inv.id), undefined, 'You can only delete draft invoices.');
    await refused(
      stripe.invoices.update(inv.id, { collection_method: 'send_invoice', days_until_due: 3 }),
      undefined,
      "Finalized invoices can't be updated in this way",
      'collection_method',
    );
    await refused(
      stripe.invoices.update(inv.id, { description: 'Thanks' }),
      undefined,
      "Finalized invoices can't be updated in this way",
      'description',
    );
    await refused(
      stripe.invoices.addLines(inv.id, { lines: [{ amount: 100 }] }),
      'invoice_not_editable',
      'Invalid invoice: This invoice is no longer editable',
    );
    const itemId = open.lines.data[0]?.parent?.invoice_item_details?.invoice_item as string;
    await refused(stripe.invoiceItems.update(itemId, { amount: 1 }), 'invoice_not_editable');
    // Metadata still changes.
    const meta = await stripe.invoices.update(inv.id, { metadata: { order: '42' } });
    assert.deepEqual(meta.metadata, { order: '42' });
    await stripe.invoices.pay(inv.id);
    await refused(stripe.invoices.pay(inv.id), undefined, 'Invoice is already paid');
    await refused(stripe.invoices.voidInvoice(inv.id), undefined, 'Invoices with `paid` payments cannot be voided.');
    await refused(
      stripe.invoices.markUncollectible(inv.id),
      undefined,
      "You can only pass in open invoices. This invoice isn't open.",
    );
    await assert.rejects(stripe.invoices.retrieve('in_missing'), (err: Stripe.errors.StripeError) => {
      assert.equal(err.statusCode, 404);
      assert.equal(err.message, "No such invoice: 'in_missing'");
      return true;
    });
  });

  it('lists by customer, status and collection method, and searches', async () => {
    const stripe = client();
    const a = await stripe.customers.create();
    const b = await stripe.customers.create();
    const draft = await stripe.invoices.create({ customer: a.id, currency: 'usd', metadata: { tag: 'x1' } });
    const sent = await stripe.invoices.create({
      customer: b.id,
      currency: 'usd',
      collection_method: 'send_invoice',
      days_until_due: 5,
    });
    await stripe.invoices.addLines(sent.id, { lines: [{ amount: 800 }] });
    await stripe.invoices.finalizeInvoice(sent.id);
    const byCustomer = await stripe.invoices.list({ customer: a.id });
    assert.deepEqual(
      byCustomer.data.map((i) => i.id),
      [draft.id],
    );
    const open = await stripe.invoices.list({ status: 'open' });
    assert.deepEqual(
      open.data.map((i) => i.id),
      [sent.id],
    );
    const sendInvoice = await stripe.invoices.list({ collection_method: 'send_invoice' });
    assert.deepEqual(
      sendInvoice.data.map((i) => i.id),
      [sent.id],
    );
    const due = await stripe.invoices.list({ due_date: { gt: 0 } });
    assert.deepEqual(
      due.data.map((i) => i.id),
      [sent.id],
    );
    const found = await stripe.invoices.search({ query: `metadata["tag"]:"x1"` });
    assert.deepEqual(
      found.data.map((i) => i.id),
      [draft.id],
    );
    const byStatus = await stripe.invoices.search({ query: `status:"open" AND total>700` });
    assert.deepEqual(
      byStatus.data.map((i) => i.id),
      [sent.id],
    );
  });
});
