/**
 * Credit notes end to end through the official SDK: pre-payment notes lowering an open invoice
 * (and its PaymentIntent), an open invoice credited in full becoming paid, post-payment notes on a
 * paid invoice refunding the card, crediting the customer's balance and settling out of band,
 * line credits by quantity and amount (with tax), custom lines, numbering, preview and preview
 * lines, update, list filters, lines pagination, void (and what it undoes), the events, and
 * Stripe's refusals for over-crediting and mismatched allocations.
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

function stripe(): Stripe {
  return server.stripe(newSecretKey());
}

interface Setup {
  s: Stripe;
  customer: Stripe.Customer;
  invoice: Stripe.Invoice;
}

/** A finalized `send_invoice` invoice of the given items (amount × quantity each), open. */
async function openInvoice(
  items: { unit_amount: number; quantity?: number; description?: string; tax_rates?: string[] }[],
  s = stripe(),
  existing?: Stripe.Customer,
): Promise<Setup> {
  const customer = existing ?? (await s.customers.create({ email: 'jenny@example.com', name: 'Jenny Rosen' }));
  const draft = await s.invoices.create({
    customer: customer.id,
    collection_method: 'send_invoice',
    days_until_due: 30,
  });
  for (const item of items) {
    // `unit_amount` is the older parameter the pinned SDK no longer declares; Stripe still takes it.
    await s.invoiceItems.create({
      customer: customer.id,
      invoice: draft.id,
      currency: 'usd',
      unit_amount: item.unit_amount,
      quantity: item.quantity ?? 1,
      description: item.description ?? 'Widget',
      ...(item.tax_rates ? { tax_rates: item.tax_rates } : {}),
    } as Stripe.InvoiceItemCreateParams);
  }
  const invoice = await s.invoices.finalizeInvoice(draft.id);
  assert.equal(invoice.status, 'open');
  return { s, customer, invoice };
}

/** The same, then paid with a card. */
async function paidInvoice(items: { unit_amount: number; quantity?: number }[]): Promise<Setup> {
  const setup = await openInvoice(items);
  const invoice = await setup.s.invoices.pay(setup.invoice.id, { payment_method: 'pm_card_visa' });
  assert.equal(invoice.status, 'paid');
  return { ...setup, invoice };
}

async function eventTypes(s: Stripe, since: number): Promise<string[]> {
  const events = await s.events.list({ limit: 100, created: { gte: since } });
  return events.data.map((e) => e.type).reverse();
}

describe('credit notes on an open invoice (pre-payment)', () => {
  it('lowers the amount due and the PaymentIntent, numbered after the invoice', async () => {
    const { s, invoice } = await openInvoice([{ unit_amount: 1000, quantity: 3 }]);
    const before = await s.events.list({ limit: 1 });
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 500, reason: 'order_change', memo: 'Sorry' });
    assertShape(cn, 'CreditNote', 'credit_note');
    assert.match(cn.id, /^cn_/);
    assert.equal(cn.object, 'credit_note');
    assert.equal(cn.number, `${invoice.number}-CN-01`);
    assert.equal(cn.amount, 500);
    assert.equal(cn.total, 500);
    assert.equal(cn.subtotal, 500);
    assert.equal(cn.pre_payment_amount, 500);
    assert.equal(cn.post_payment_amount, 0);
    assert.equal(cn.type, 'pre_payment');
    assert.equal(cn.status, 'issued');
    assert.equal(cn.reason, 'order_change');
    assert.equal(cn.memo, 'Sorry');
    assert.equal(cn.customer, invoice.customer);
    assert.equal(cn.invoice, invoice.id);
    assert.equal(cn.effective_at, cn.created);
    assert.equal(cn.voided_at, null);
    assert.deepEqual(cn.refunds, []);
    assert.match(cn.pdf, /\/credit_notes\/acct_[A-Za-z0-9]+\/cnst_[A-Za-z0-9]+\/pdf$/);
    assert.equal(cn.lines.url, `/v1/credit_notes/${cn.id}/lines`);

    const after = await s.invoices.retrieve(invoice.id);
    assert.equal(after.status, 'open');
    assert.equal(after.pre_payment_credit_notes_amount, 500);
    assert.equal(after.post_payment_credit_notes_amount, 0);
    assert.equal(after.amount_due, 2500);
    assert.equal(after.amount_remaining, 2500);
    assert.equal(after.total, 3000, 'the invoice total is what was billed');

    // The invoice's PaymentIntent asks for what is left.
    const payments = await s.invoicePayments.list({ invoice: invoice.id });
    const piId = payments.data[0]?.payment.payment_intent;
    assert.ok(typeof piId === 'string');
    assert.equal((await s.paymentIntents.retrieve(piId)).amount, 2500);

    const second = await s.creditNotes.create({ invoice: invoice.id, amount: 100 });
    assert.equal(second.number, `${invoice.number}-CN-02`);

    const types = await eventTypes(s, before.data[0]?.created ?? 0);
    const created = types.indexOf('credit_note.created');
    assert.ok(created !== -1, types.join(', '));
    assert.ok(types.indexOf('invoice.updated', created) > created, types.join(', '));
  });

  it('marks the invoice paid when credited in full', async () => {
    const { s, invoice } = await openInvoice([{ unit_amount: 2000 }]);
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 2000 });
    assert.equal(cn.pre_payment_amount, 2000);
    const paid = await s.invoices.retrieve(invoice.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_remaining, 0);
    assert.equal(paid.amount_paid, 0);
    assert.equal(paid.pre_payment_credit_notes_amount, 2000);
    const events = await s.events.list({ type: 'invoice.paid' });
    assert.ok(events.data.some((e) => (e.data.object as Stripe.Invoice).id === invoice.id));
  });

  it('refuses more than the invoice total, and allocations on the pre-payment part', async () => {
    const { s, invoice } = await openInvoice([{ unit_amount: 1000 }]);
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id, amount: 1001 }), {
      param: 'amount',
      message: /greater than the amount left to credit/,
    });
    await s.creditNotes.create({ invoice: invoice.id, amount: 600 });
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id, amount: 500 }), {
      param: 'amount',
      message: /\$4\.00/,
    });
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id, amount: 100, credit_amount: 100 }), {
      param: 'credit_amount',
      message: /must equal/,
    });
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id }), {
      message: 'One of `amount`, `lines`, or `shipping_cost` must be provided.',
    });
    await expectInvalid(s.creditNotes.create({ invoice: 'in_nope', amount: 1 }), {
      code: 'resource_missing',
      param: 'invoice',
    });
  });

  it('refuses drafts and void invoices', async () => {
    const s = stripe();
    const customer = await s.customers.create();
    const draft = await s.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 7,
    });
    await expectInvalid(s.creditNotes.create({ invoice: draft.id, amount: 1 }), { param: 'invoice' });
  });
});

describe('credit notes on a paid invoice (post-payment)', () => {
  it('refunds the card with refund_amount', async () => {
    const { s, invoice } = await paidInvoice([{ unit_amount: 5000 }]);
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 1500, refund_amount: 1500 });
    assert.equal(cn.type, 'post_payment');
    assert.equal(cn.pre_payment_amount, 0);
    assert.equal(cn.post_payment_amount, 1500);
    assert.equal(cn.refunds.length, 1);
    const entry = cn.refunds[0] as Stripe.CreditNote.Refund;
    assert.equal(entry.amount_refunded, 1500);
    assert.equal(entry.type, 'refund');
    const refund = await s.refunds.retrieve(entry.refund as string);
    assert.equal(refund.amount, 1500);
    assert.equal(refund.status, 'succeeded');
    const after = await s.invoices.retrieve(invoice.id);
    assert.equal(after.status, 'paid');
    assert.equal(after.post_payment_credit_notes_amount, 1500);
    assert.equal(after.amount_paid, 5000);
    // A refund cannot be taken back.
    await expectInvalid(s.creditNotes.voidCreditNote(cn.id), { message: /cannot be voided/ });
  });

  it('credits the customer balance with credit_amount, and void debits it again', async () => {
    const { s, invoice, customer } = await paidInvoice([{ unit_amount: 3000 }]);
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 1200, credit_amount: 1200 });
    assert.ok(cn.customer_balance_transaction);
    const txn = await s.customers.retrieveBalanceTransaction(customer.id, cn.customer_balance_transaction as string);
    assert.equal(txn.amount, -1200);
    assert.equal(txn.type, 'credit_note');
    assert.equal(txn.credit_note, cn.id);
    assert.equal(txn.invoice, invoice.id);
    assert.equal(((await s.customers.retrieve(customer.id)) as Stripe.Customer).balance, -1200);

    const voided = await s.creditNotes.voidCreditNote(cn.id);
    assert.equal(voided.status, 'void');
    assert.ok(voided.voided_at);
    assert.equal(((await s.customers.retrieve(customer.id)) as Stripe.Customer).balance, 0);
    assert.equal((await s.invoices.retrieve(invoice.id)).post_payment_credit_notes_amount, 0);
    await expectInvalid(s.creditNotes.voidCreditNote(cn.id), { message: /already been voided/ });
    const events = await s.events.list({ type: 'credit_note.voided' });
    assert.equal((events.data[0]?.data.object as Stripe.CreditNote | undefined)?.id, cn.id);
  });

  it('puts credit_amount toward the customer’s next invoice', async () => {
    const { s, invoice, customer } = await paidInvoice([{ unit_amount: 3000 }]);
    await s.creditNotes.create({ invoice: invoice.id, amount: 1200, credit_amount: 1200 });
    const next = await openInvoice([{ unit_amount: 2000 }], s, customer);
    assert.equal(next.invoice.starting_balance, -1200);
    assert.equal(next.invoice.amount_due, 800);
    assert.equal(((await s.customers.retrieve(customer.id)) as Stripe.Customer).balance, 0);
  });

  it('links a refund made before, once', async () => {
    const { s, invoice } = await paidInvoice([{ unit_amount: 4000 }]);
    const payments = await s.invoicePayments.list({ invoice: invoice.id });
    const refund = await s.refunds.create({
      payment_intent: payments.data[0]?.payment.payment_intent as string,
      amount: 700,
    });
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 700, refunds: [{ refund: refund.id }] });
    assert.deepEqual(
      cn.refunds.map((r) => [r.refund, r.amount_refunded, r.type]),
      [[refund.id, 700, 'refund']],
    );
    await expectInvalid(
      s.creditNotes.create({
        invoice: invoice.id,
        amount: 100,
        refunds: [{ refund: refund.id, amount_refunded: 100 }],
      }),
      { param: 'refunds[0][amount_refunded]', message: /\$0\.00 left/ },
    );
    const other = await paidInvoice([{ unit_amount: 1000 }]);
    const foreign = await other.s.refunds.create({
      payment_intent: (await other.s.invoicePayments.list({ invoice: other.invoice.id })).data[0]?.payment
        .payment_intent as string,
    });
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id, amount: 100, refunds: [{ refund: foreign.id }] }), {
      code: 'resource_missing',
      param: 'refunds[0][refund]',
    });
  });

  it('records out_of_band_amount, and requires the allocation to add up', async () => {
    const { s, invoice } = await paidInvoice([{ unit_amount: 2500 }]);
    await expectInvalid(s.creditNotes.create({ invoice: invoice.id, amount: 1000 }), { message: /must equal/ });
    await expectInvalid(
      s.creditNotes.create({ invoice: invoice.id, amount: 1000, refund_amount: 400, credit_amount: 500 }),
      {
        message: /\$9\.00/,
      },
    );
    const cn = await s.creditNotes.create({
      invoice: invoice.id,
      amount: 1000,
      refund_amount: 400,
      credit_amount: 500,
      out_of_band_amount: 100,
    });
    assert.equal(cn.out_of_band_amount, 100);
    assert.equal(cn.refunds[0]?.amount_refunded, 400);
    assert.ok(cn.customer_balance_transaction);
  });
});

describe('credit note lines', () => {
  it('credits invoice lines by quantity and by amount, with their tax, and custom lines', async () => {
    const s = stripe();
    const rate = await s.taxRates.create({ display_name: 'VAT', percentage: 10, inclusive: false });
    const { invoice } = await openInvoice(
      [
        { unit_amount: 1000, quantity: 4, description: 'Seats', tax_rates: [rate.id] },
        { unit_amount: 500, description: 'Setup' },
      ],
      s,
    );
    assert.equal(invoice.total, 4000 + 400 + 500);
    const byDescription = (d: string) => {
      const line = invoice.lines.data.find((l) => l.description === d);
      assert.ok(line, d);
      return line;
    };
    const seats = byDescription('Seats');
    const setup = byDescription('Setup');
    const params: Stripe.CreditNoteCreateParams = {
      invoice: invoice.id,
      lines: [
        { type: 'invoice_line_item', invoice_line_item: seats.id, quantity: 1 },
        { type: 'invoice_line_item', invoice_line_item: setup.id, amount: 200 },
        { type: 'custom_line_item', description: 'Goodwill', quantity: 2, unit_amount: 50 },
      ],
    };
    const preview = await s.creditNotes.preview(params);
    assert.equal(preview.total, 1000 + 100 + 200 + 100);
    const previewLines = await s.creditNotes.listPreviewLineItems({ ...params, limit: 2 });
    assert.equal(previewLines.data.length, 2);
    assert.equal(previewLines.has_more, true);

    const cn = await s.creditNotes.create(params);
    assert.equal(cn.subtotal, 1300);
    assert.equal(cn.total, 1400);
    assert.equal(cn.total_excluding_tax, 1300);
    assert.deepEqual(
      cn.total_taxes?.map((t) => [t.amount, t.tax_behavior, t.tax_rate_details?.tax_rate]),
      [[100, 'exclusive', rate.id]],
    );
    const [l1, l2, l3] = cn.lines.data as [
      Stripe.CreditNoteLineItem,
      Stripe.CreditNoteLineItem,
      Stripe.CreditNoteLineItem,
    ];
    // The SDK turns decimal strings into its Decimal class; the shape is checked as sent on the wire.
    assertShape(JSON.parse(JSON.stringify(l1)), 'CreditNoteLineItem');
    assert.match(l1.id, /^cnli_/);
    assert.equal(l1.type, 'invoice_line_item');
    assert.equal(l1.invoice_line_item, seats.id);
    assert.equal(l1.quantity, 1);
    assert.equal(l1.unit_amount, 1000);
    assert.equal(l1.amount, 1000);
    assert.equal(l1.taxes?.[0]?.amount, 100);
    assert.equal((l1.tax_rates[0] as Stripe.TaxRate).id, rate.id);
    assert.equal(l2.amount, 200);
    assert.equal(l2.invoice_line_item, setup.id);
    assert.equal(l3.type, 'custom_line_item');
    assert.equal(l3.description, 'Goodwill');
    assert.equal(l3.amount, 100);
    assert.equal(l3.unit_amount, 50);

    // Lines: paginated in their own order.
    const page1 = await s.creditNotes.listLineItems(cn.id, { limit: 2 });
    assert.deepEqual(
      page1.data.map((l) => l.id),
      [l1.id, l2.id],
    );
    assert.equal(page1.has_more, true);
    const page2 = await s.creditNotes.listLineItems(cn.id, { limit: 2, starting_after: l2.id });
    assert.deepEqual(
      page2.data.map((l) => l.id),
      [l3.id],
    );
    assert.equal(page2.has_more, false);

    // Three seats are left to credit, and the setup line's remaining 300.
    await expectInvalid(
      s.creditNotes.create({
        invoice: invoice.id,
        lines: [{ type: 'invoice_line_item', invoice_line_item: seats.id, quantity: 4 }],
      }),
      { param: 'lines[0][quantity]', message: /\(3\)/ },
    );
    await expectInvalid(
      s.creditNotes.create({
        invoice: invoice.id,
        lines: [{ type: 'invoice_line_item', invoice_line_item: setup.id, amount: 301 }],
      }),
      { param: 'lines[0][amount]' },
    );
    await expectInvalid(
      s.creditNotes.create({
        invoice: invoice.id,
        lines: [{ type: 'invoice_line_item', invoice_line_item: 'il_nope', amount: 1 }],
      }),
      { code: 'resource_missing', param: 'lines[0][invoice_line_item]' },
    );
    await expectInvalid(
      s.creditNotes.create({
        invoice: invoice.id,
        amount: 999,
        lines: [{ type: 'invoice_line_item', invoice_line_item: setup.id, amount: 100 }],
      }),
      { param: 'amount' },
    );
  });
});

describe('credit note reads and updates', () => {
  it('retrieves, updates memo and metadata, and lists by customer and invoice', async () => {
    const { s, invoice, customer } = await openInvoice([{ unit_amount: 4000 }]);
    const a = await s.creditNotes.create({ invoice: invoice.id, amount: 100 });
    const b = await s.creditNotes.create({ invoice: invoice.id, amount: 200, metadata: { k: 'v' } });
    const other = await openInvoice([{ unit_amount: 1000 }], s);
    const c = await s.creditNotes.create({ invoice: other.invoice.id, amount: 300 });

    const got = await s.creditNotes.retrieve(a.id, { expand: ['invoice', 'customer'] });
    assert.equal((got.invoice as Stripe.Invoice).id, invoice.id);
    assert.equal((got.customer as Stripe.Customer).id, customer.id);

    const before = await s.events.list({ limit: 1 });
    const updated = await s.creditNotes.update(b.id, { memo: 'Updated', metadata: { k: '', n: '1' } });
    assert.equal(updated.memo, 'Updated');
    assert.deepEqual(updated.metadata, { n: '1' });
    const events = await s.events.list({ type: 'credit_note.updated', created: { gte: before.data[0]?.created ?? 0 } });
    const event = events.data.find((e) => (e.data.object as Stripe.CreditNote).id === b.id);
    assert.ok(event);
    assert.deepEqual(event.data.previous_attributes, { memo: null, metadata: { k: 'v', n: null } });

    const byInvoice = await s.creditNotes.list({ invoice: invoice.id });
    assert.deepEqual(
      byInvoice.data.map((n) => n.id),
      [b.id, a.id],
    );
    const byCustomer = await s.creditNotes.list({ customer: other.customer.id });
    assert.deepEqual(
      byCustomer.data.map((n) => n.id),
      [c.id],
    );
    const all = await s.creditNotes.list();
    assert.equal(all.data.length, 3);
    await expectInvalid(s.creditNotes.retrieve('cn_nope'), { statusCode: 404, code: 'resource_missing' });
  });

  it('void gives the pre-payment part back to an open invoice', async () => {
    const { s, invoice } = await openInvoice([{ unit_amount: 3000 }]);
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 1000 });
    assert.equal((await s.invoices.retrieve(invoice.id)).amount_remaining, 2000);
    const voided = await s.creditNotes.voidCreditNote(cn.id);
    assert.equal(voided.status, 'void');
    const after = await s.invoices.retrieve(invoice.id);
    assert.equal(after.amount_remaining, 3000);
    assert.equal(after.amount_due, 3000);
    assert.equal(after.pre_payment_credit_notes_amount, 0);
    // A void note no longer counts toward the invoice's limit, but keeps its number.
    const again = await s.creditNotes.create({ invoice: invoice.id, amount: 3000 });
    assert.equal(again.number, `${invoice.number}-CN-02`);
  });
});
