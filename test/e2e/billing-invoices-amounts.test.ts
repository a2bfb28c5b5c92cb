/**
 * Invoice amounts through the SDK, checked to the cent against arithmetic written out here: line
 * and invoice discounts (percentage and fixed amount, spread over discountable lines), exclusive
 * and inclusive tax rates (the line's own, else the invoice's defaults), the customer's credit
 * balance applied at finalisation (`applied_to_invoice`) and given back when the invoice is voided,
 * and `create_preview`, which computes the same without storing or redeeming anything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { newSecretKey, sdk, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function client(): Stripe {
  return server.stripe(newSecretKey());
}

const idOf = (d: string | { id: string }) => (typeof d === 'string' ? d : d.id);

describe('invoice amounts', () => {
  it('discounts, tax rates and a credit balance add up to the cent', async () => {
    const stripe = client();
    const customer = await stripe.customers.create({ balance: -500 });
    const tenOff = await stripe.coupons.create({ percent_off: 10, duration: 'once' });
    const fiveDollars = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const lineTax = await stripe.taxRates.create({ display_name: 'Sales tax', percentage: 8.25, inclusive: false });
    const defaultTax = await stripe.taxRates.create({ display_name: 'VAT', percentage: 10, inclusive: false });

    const l1 = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 1000,
      currency: 'usd',
      tax_rates: [lineTax.id],
      discounts: [{ coupon: tenOff.id }],
    });
    // 999.5 × 3 = 2998.5 → 2999 (half up).
    await stripe.invoiceItems.create({
      customer: customer.id,
      unit_amount_decimal: '999.5' as unknown as Stripe.Decimal,
      quantity: 3,
      currency: 'usd',
    });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
      default_tax_rates: [defaultTax.id],
      discounts: [{ coupon: fiveDollars.id }],
    });
    // Newest item first.
    const [line2, line1] = draft.lines.data as [Stripe.InvoiceLineItem, Stripe.InvoiceLineItem];
    assert.equal(line1.parent?.invoice_item_details?.invoice_item, l1.id);

    // Line 1: 1000 − 10% (100) = 900. Line 2: 2999.
    // Invoice $5 off spread by remaining amounts: line 1 round(500 × 900 / 3899 = 115.4) = 115,
    // line 2 round(500 × 2999 / 3899 = 384.6) = 385; together 500.
    // Line 1: 900 − 115 = 785, taxed 8.25% = 64.7625 → 65. Line 2: 2999 − 385 = 2614, taxed 10% = 261.4 → 261.
    const lineDiscount = l1.discounts?.[0] as string;
    const invoiceDiscount = idOf(draft.discounts[0] as string);
    assert.deepEqual(
      line1.discount_amounts?.map((d) => [d.amount, idOf(d.discount as string)]),
      [
        [100, lineDiscount],
        [115, invoiceDiscount],
      ],
    );
    assert.deepEqual(
      line2.discount_amounts?.map((d) => [d.amount, idOf(d.discount as string)]),
      [[385, invoiceDiscount]],
    );
    assert.deepEqual(
      line1.taxes?.map((t) => [t.amount, t.taxable_amount, t.tax_behavior, t.tax_rate_details?.tax_rate]),
      [[65, 785, 'exclusive', lineTax.id]],
    );
    assert.deepEqual(
      line2.taxes?.map((t) => [t.amount, t.taxable_amount, t.tax_behavior, t.tax_rate_details?.tax_rate]),
      [[261, 2614, 'exclusive', defaultTax.id]],
    );
    assert.equal(draft.subtotal, 1000 + 2999);
    assert.equal(draft.subtotal_excluding_tax, 3999);
    assert.deepEqual(draft.total_discount_amounts?.map((d) => [d.amount, idOf(d.discount as string)]).sort(), [
      [100, lineDiscount],
      [500, invoiceDiscount],
    ]);
    assert.deepEqual(draft.total_taxes?.map((t) => [t.amount, t.taxable_amount]).sort(), [
      [261, 2614],
      [65, 785],
    ]);
    assert.equal(draft.total_excluding_tax, 3999 - 600);
    assert.equal(draft.total, 3999 - 600 + 65 + 261);
    assert.equal(draft.amount_due, 3725);

    // At finalisation the $5 credit is applied: 3725 − 500 = 3225 due, nothing left on the balance.
    const open = await stripe.invoices.finalizeInvoice(draft.id);
    assert.equal(open.starting_balance, -500);
    assert.equal(open.ending_balance, 0);
    assert.equal(open.amount_due, 3225);
    assert.equal(open.amount_remaining, 3225);
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.equal(after.balance, 0);
    const ledger = await stripe.customers.listBalanceTransactions(customer.id);
    const applied = ledger.data.find((t) => t.type === 'applied_to_invoice');
    assert.ok(applied);
    assert.equal(applied.amount, 500);
    assert.equal(applied.ending_balance, 0);
    assert.equal(applied.invoice, open.id);

    // Voiding gives the credit back.
    await stripe.invoices.voidInvoice(open.id);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance, -500);
    const back = (await stripe.customers.listBalanceTransactions(customer.id)).data[0];
    assert.equal(back?.type, 'unapplied_from_invoice');
    assert.equal(back?.amount, -500);
  });

  it('an inclusive tax is inside the amount; a credit larger than the total leaves the rest', async () => {
    const stripe = client();
    const customer = await stripe.customers.create({ balance: -5000 });
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 18, inclusive: true });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1180, currency: 'usd', tax_rates: [vat.id] });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    // 1180 / 1.18 = 1000 net, 180 tax inside the amount.
    assert.equal(draft.subtotal, 1180);
    assert.equal(draft.total, 1180);
    assert.equal(draft.total_excluding_tax, 1000);
    assert.equal(draft.subtotal_excluding_tax, 1000);
    assert.deepEqual(
      draft.total_taxes?.map((t) => [t.amount, t.taxable_amount, t.tax_behavior]),
      [[180, 1000, 'inclusive']],
    );
    const done = await stripe.invoices.finalizeInvoice(draft.id);
    // −5000 credit against 1180: nothing due, −3820 left; paid at finalisation.
    assert.equal(done.amount_due, 0);
    assert.equal(done.ending_balance, -3820);
    assert.equal(done.status, 'paid');
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance, -3820);
  });
});

describe('the customer’s discount', () => {
  it('applies to the next invoice; a once coupon is used up by it', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    // Customer-level coupons are set through the older API (basil removed the parameter).
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as Stripe.LatestApiVersion });
    const once = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
    const customer = await old.customers.create({ coupon: once.id } as Stripe.CustomerCreateParams);
    const discount = (customer as unknown as { discount: { id: string } }).discount;
    assert.ok(discount?.id);
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2500, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    assert.deepEqual(draft.discounts, [discount.id]);
    // 2500 − 20% = 2000.
    assert.equal(draft.total, 2000);
    const open = await stripe.invoices.finalizeInvoice(draft.id);
    assert.equal(open.total, 2000);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).discount, null);
    // The next invoice has no discount.
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2500, currency: 'usd' });
    const next = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    assert.deepEqual(next.discounts, []);
    assert.equal(next.total, 2500);
  });
});

describe('invoices below the minimum charge', () => {
  it('moves the amount onto the customer’s balance (invoice_too_small) and pays the invoice', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 30, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    const done = await stripe.invoices.finalizeInvoice(draft.id);
    assert.equal(done.status, 'paid');
    assert.equal(done.amount_due, 30);
    assert.equal(done.amount_remaining, 0);
    assert.equal(done.ending_balance, 30);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance, 30);
    const txn = (await stripe.customers.listBalanceTransactions(customer.id)).data[0];
    assert.equal(txn?.type, 'invoice_too_small');
    assert.equal(txn?.amount, 30);
    assert.equal(txn?.invoice, done.id);
    // The next invoice bills it: 1000 + 30 owed.
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
    const next = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    const open = await stripe.invoices.finalizeInvoice(next.id);
    assert.equal(open.starting_balance, 30);
    assert.equal(open.amount_due, 1030);
    assert.equal(open.ending_balance, 0);
  });
});

describe('create_preview', () => {
  it('previews pending and given items with a coupon, storing and redeeming nothing', async () => {
    const stripe = client();
    const customer = await stripe.customers.create();
    const half = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const tax = await stripe.taxRates.create({ display_name: 'Tax', percentage: 5, inclusive: false });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      invoice_items: [{ amount: 501, currency: 'usd', description: 'Extra', tax_rates: [tax.id] }],
      discounts: [{ coupon: half.id }],
    });
    assert.equal(preview.object, 'invoice');
    assert.equal(preview.status, 'draft');
    assert.equal(preview.lines.data.length, 2);
    // 1000 − 500 = 500; 501 − 250.5 → 251 off (half up) = 250, taxed 5% = 12.5 → 13.
    assert.equal(preview.subtotal, 1501);
    assert.deepEqual(
      preview.total_discount_amounts?.map((d) => d.amount),
      [751],
    );
    assert.equal(preview.total, 1501 - 751 + 13);
    assert.equal(preview.amount_due, 763);
    assert.equal((await stripe.invoices.list({ customer: customer.id })).data.length, 0);
    assert.equal((await stripe.coupons.retrieve(half.id)).times_redeemed, 0);
    assert.equal((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.length, 1);
  });

  it('needs a customer', async () => {
    const stripe = client();
    await assert.rejects(stripe.invoices.createPreview({}), (err: Stripe.errors.StripeError) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.param, 'customer');
      return true;
    });
  });
});
