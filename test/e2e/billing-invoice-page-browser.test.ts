/**
 * The hosted invoice page in a real browser (Debian's Chromium driven by playwright-core): a
 * `send_invoice` invoice with `days_until_due`, made through the SDK (customer, invoice items,
 * invoice, finalize, send), opened at `hosted_invoice_url` and paid by typing a test card — 4242…,
 * a card that needs 3-D Secure (completed and failed on the hosted 3-D Secure page, which comes back
 * to the invoice), and a declined card. Screenshots are kept under the OS temp directory
 * (sandbank-invoice-page/*.png) for a person to look at. Raw-HTTP checks cover the PDF, the
 * headers, unknown links, and pages of void invoices.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type Stripe from 'stripe';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';
// Skipped only outside CI: in CI (.ci/run installs it) a missing browser must fail, not pass quietly.
const noBrowser =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `Chromium is not installed (${CHROMIUM}: apt-get install chromium)`;
export const SCREENSHOTS = join(tmpdir(), 'sandbank-invoice-page');

let server: TestServer;
let browser: Browser | undefined;

before(async () => {
  server = await startServer();
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!noBrowser) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }
});

after(async () => {
  await browser?.close();
  await server?.close();
});

interface Sent {
  s: Stripe;
  key: string;
  invoice: Stripe.Invoice;
  customer: Stripe.Customer;
}

/** A merchant with a business name, and a sent `send_invoice` invoice of two items, due in 30 days. */
async function sentInvoice(): Promise<Sent> {
  const key = newSecretKey();
  const s = server.stripe(key);
  const profile = await http(server, 'POST', '/v1/account', {
    key,
    body: 'business_profile[name]=Sandbank+Coffee&business_profile[support_email]=billing%40coffee.test',
  });
  assert.equal(profile.status, 200);
  const customer = await s.customers.create({
    name: 'Jenny Rosen',
    email: 'jenny@example.com',
    address: { line1: '1 Main St', city: 'Springfield', state: 'IL', postal_code: '62701', country: 'US' },
  });
  const draft = await s.invoices.create({
    customer: customer.id,
    collection_method: 'send_invoice',
    days_until_due: 30,
    description: 'Thanks for your order!',
  });
  // `unit_amount` is the older parameter the pinned SDK no longer declares; Stripe still takes it.
  await s.invoiceItems.create({
    customer: customer.id,
    invoice: draft.id,
    currency: 'usd',
    unit_amount: 1500,
    quantity: 2,
    description: 'Espresso beans, 1 kg',
  } as Stripe.InvoiceItemCreateParams);
  await s.invoiceItems.create({
    customer: customer.id,
    invoice: draft.id,
    currency: 'usd',
    amount: 1250,
    description: 'Grinder service',
  });
  await s.invoices.finalizeInvoice(draft.id);
  const invoice = await s.invoices.sendInvoice(draft.id);
  assert.equal(invoice.status, 'open');
  assert.equal(invoice.amount_due, 4250);
  assert.ok(invoice.due_date);
  assert.ok(invoice.hosted_invoice_url);
  assert.ok(invoice.invoice_pdf);
  return { s, key, invoice, customer };
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function typeCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiration').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
}

function pdftotext(pdf: Buffer): string | null {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const file = join(SCREENSHOTS, `check-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(file, { force: true });
  }
}

describe('hosted invoice page in a browser', { skip: noBrowser }, () => {
  it('shows the invoice and takes a 4242 card payment', async () => {
    const { s, invoice } = await sentInvoice();
    const page = await (browser as Browser).newPage({ viewport: { width: 900, height: 900 } });
    try {
      await page.goto(invoice.hosted_invoice_url as string);
      assert.equal(await page.title(), `Invoice ${invoice.number} from Sandbank Coffee`);
      const shown = await text(page, 'main');
      for (const expected of [
        'Sandbank Coffee',
        String(invoice.number),
        '$42.50',
        'Espresso beans, 1 kg',
        '$15.00',
        '$30.00',
        'Grinder service',
        '$12.50',
        'Jenny Rosen',
        'jenny@example.com',
        'Thanks for your order!',
        'Amount due',
        'Download invoice',
      ]) {
        assert.ok(shown.includes(expected), `the page shows ${JSON.stringify(expected)}:\n${shown}`);
      }
      assert.match(await text(page, '#headline'), /^Due [A-Z][a-z]+ \d{1,2}, \d{4}$/);
      assert.equal(await text(page, '.pill'), 'Open');
      await shot(page, 'invoice-open');
      // On a phone: one column, nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
      await shot(page, 'invoice-open-phone');
      await page.setViewportSize({ width: 900, height: 900 });

      await typeCard(page, '4242 4242 4242 4242');
      await Promise.all([
        page.waitForURL(invoice.hosted_invoice_url as string),
        page.getByRole('button', { name: 'Pay $42.50' }).click(),
      ]);
      assert.equal(await text(page, '.pill'), 'Paid');
      assert.match(await text(page, '#headline'), /^Paid on /);
      assert.equal(await page.getByRole('button', { name: /^Pay / }).count(), 0, 'a paid invoice has no form');
      await shot(page, 'invoice-paid');
    } finally {
      await page.close();
    }
    const paid = await s.invoices.retrieve(invoice.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 4250);
    assert.equal(paid.amount_remaining, 0);
    const payments = await s.invoicePayments.list({ invoice: invoice.id });
    const pi = await s.paymentIntents.retrieve(payments.data[0]?.payment.payment_intent as string);
    assert.equal(pi.status, 'succeeded');
    const pm = await s.paymentMethods.retrieve(pi.payment_method as string);
    assert.equal(pm.card?.last4, '4242');
    assert.equal(pm.billing_details.name, 'Jenny Rosen');
    const events = await s.events.list({ type: 'invoice.paid' });
    assert.ok(events.data.some((e) => (e.data.object as Stripe.Invoice).id === invoice.id));
  });

  it('sends a 3-D Secure card through authentication and back to the paid invoice', async () => {
    const { s, invoice } = await sentInvoice();
    const page = await (browser as Browser).newPage({ viewport: { width: 900, height: 900 } });
    try {
      await page.goto(invoice.hosted_invoice_url as string);
      await typeCard(page, '4000 0027 6000 3184');
      await Promise.all([page.waitForURL('**/sandbank/3ds/**'), page.getByRole('button', { name: /^Pay / }).click()]);
      assert.match(await text(page, 'main'), /Authenticate this payment/);
      assert.match(await text(page, 'main'), /\$42\.50/);
      await shot(page, 'invoice-3ds');
      await Promise.all([
        page.waitForURL(`${invoice.hosted_invoice_url}?**`),
        page.getByRole('button', { name: 'Complete authentication' }).click(),
      ]);
      assert.equal(await text(page, '.pill'), 'Paid');
      assert.match(await text(page, '[role=status]'), /Payment complete/);
      await shot(page, 'invoice-3ds-paid');
    } finally {
      await page.close();
    }
    const paid = await s.invoices.retrieve(invoice.id);
    assert.equal(paid.status, 'paid');
    const types = (await s.events.list({ limit: 100 })).data.map((e) => e.type);
    assert.ok(types.includes('invoice.payment_action_required'), types.join(', '));
  });

  it('lets the customer authenticate a payment already waiting for 3-D Secure', async () => {
    const s = server.stripe(newSecretKey());
    const customer = await s.customers.create({ name: 'Erika Mustermann', email: 'erika@example.com' });
    const draft = await s.invoices.create({ customer: customer.id, collection_method: 'charge_automatically' });
    await s.invoiceItems.create({
      customer: customer.id,
      invoice: draft.id,
      currency: 'usd',
      amount: 2000,
      description: 'Workshop',
    });
    await s.invoices.finalizeInvoice(draft.id);
    const waiting = await s.invoices.pay(draft.id, {
      payment_method: 'pm_card_authenticationRequired',
      off_session: false,
    });
    assert.equal(waiting.status, 'open');
    const page = await (browser as Browser).newPage({ viewport: { width: 900, height: 900 } });
    try {
      await page.goto(waiting.hosted_invoice_url as string);
      assert.match(await text(page, '#auth-heading'), /Confirm your payment/);
      await shot(page, 'invoice-awaiting-authentication');
      await Promise.all([
        page.waitForURL('**/sandbank/3ds/**'),
        page.getByRole('button', { name: 'Authenticate payment' }).click(),
      ]);
      await Promise.all([
        page.waitForURL(`${waiting.hosted_invoice_url}?**`),
        page.getByRole('button', { name: 'Complete authentication' }).click(),
      ]);
      assert.equal(await text(page, '.pill'), 'Paid');
      assert.equal(await page.locator('#auth-heading').count(), 0);
    } finally {
      await page.close();
    }
    assert.equal((await s.invoices.retrieve(draft.id)).status, 'paid');
  });

  it('shows a failed authentication and a decline with Stripe’s messages, and the invoice stays open', async () => {
    const { s, invoice } = await sentInvoice();
    const page = await (browser as Browser).newPage({ viewport: { width: 900, height: 900 } });
    try {
      await page.goto(invoice.hosted_invoice_url as string);
      await typeCard(page, '4000 0027 6000 3184');
      await Promise.all([page.waitForURL('**/sandbank/3ds/**'), page.getByRole('button', { name: /^Pay / }).click()]);
      await Promise.all([
        page.waitForURL(`${invoice.hosted_invoice_url}?**`),
        page.getByRole('button', { name: 'Fail authentication' }).click(),
      ]);
      assert.equal(await text(page, '.pill'), 'Open');
      assert.match(await text(page, '[role=alert]'), /unable to authenticate your payment method/);

      await typeCard(page, '4000 0000 0000 0002');
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.waitForSelector('[role=alert]');
      assert.equal(await text(page, '[role=alert]'), 'Your card was declined.');
      // The number and CVC typed are not written back into the page; the expiry is kept.
      assert.equal(await page.getByLabel('Card number').inputValue(), '');
      assert.equal(await page.getByLabel('CVC').inputValue(), '');
      assert.equal(await page.getByLabel('Expiration').inputValue(), '12 / 34');
      assert.doesNotMatch(await page.content(), /4000 0000 0000 0002|4000000000000002/);
      await shot(page, 'invoice-declined');

      // Incomplete details never reach the card network.
      await page.getByLabel('Card number').fill('4242');
      await page.getByLabel('CVC').fill('');
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.waitForSelector('.field .error');
      const errors = await page.locator('.field .error').allTextContents();
      assert.deepEqual(errors, ['Your card number is incomplete.', "Your card's security code is incomplete."]);
      assert.equal(await page.getByLabel('Card number').getAttribute('aria-invalid'), 'true');
      await shot(page, 'invoice-incomplete');
    } finally {
      await page.close();
    }
    const open = await s.invoices.retrieve(invoice.id);
    assert.equal(open.status, 'open');
    assert.equal(open.amount_paid, 0);
    const types = (await s.events.list({ limit: 100 })).data.map((e) => e.type);
    assert.ok(types.includes('invoice.payment_failed'), types.join(', '));
  });
});

describe('invoice page over HTTP', () => {
  it('serves the invoice PDF with the same content', async () => {
    const { invoice } = await sentInvoice();
    const res = await fetch(invoice.invoice_pdf as string);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="Invoice-[A-Za-z0-9_-]+\.pdf"$/);
    const pdf = Buffer.from(await res.arrayBuffer());
    assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.4');
    assert.match(pdf.subarray(-6).toString('latin1'), /%%EOF\n$/);
    const extracted = pdftotext(pdf);
    if (extracted !== null) {
      for (const expected of [
        String(invoice.number),
        'Sandbank Coffee',
        'Espresso beans, 1 kg',
        '$42.50',
        'Jenny Rosen',
      ]) {
        assert.ok(extracted.includes(expected), `the PDF says ${JSON.stringify(expected)}:\n${extracted}`);
      }
    }
  });

  it('sends the page with strict headers and no script', async () => {
    const { invoice } = await sentInvoice();
    const res = await fetch(invoice.hosted_invoice_url as string);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, / style="/, 'no inline style attributes (the CSP would block them)');
  });

  it('answers 404 for unknown links and shows a void invoice without a form', async () => {
    const { s, invoice } = await sentInvoice();
    const base = invoice.hosted_invoice_url as string;
    assert.equal((await fetch(`${base}x`)).status, 404);
    assert.equal((await fetch(`${server.url}/invoice/acct_nope_abc`)).status, 404);
    assert.equal((await fetch(`${server.url}/invoice/`)).status, 404);
    assert.equal((await fetch(`${base}/pay`)).status, 405);
    await s.invoices.voidInvoice(invoice.id);
    const res = await fetch(base);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /This invoice has been voided/);
    assert.doesNotMatch(html, /<form/);
    const pay = await fetch(`${base}/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'number=4242424242424242&exp=12%2F34&cvc=123',
      redirect: 'manual',
    });
    assert.equal(pay.status, 409);
    assert.equal((await s.invoices.retrieve(invoice.id)).status, 'void');
  });

  it('shows discounts and tax in the totals, on the page and in the PDF', async () => {
    const s = server.stripe(newSecretKey());
    const coupon = await s.coupons.create({ name: 'Loyalty', percent_off: 10, duration: 'once' });
    const rate = await s.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false });
    const customer = await s.customers.create({ name: 'Max Mustermann', email: 'max@example.com' });
    const draft = await s.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
      discounts: [{ coupon: coupon.id }],
      default_tax_rates: [rate.id],
    });
    await s.invoiceItems.create({
      customer: customer.id,
      invoice: draft.id,
      currency: 'usd',
      amount: 10000,
      description: 'Roastery tour',
    });
    const invoice = await s.invoices.finalizeInvoice(draft.id);
    // 100.00 − 10% = 90.00; VAT 20% on 90.00 = 18.00; total 108.00.
    assert.equal(invoice.total, 10800);
    const html = await (await fetch(invoice.hosted_invoice_url as string)).text();
    for (const expected of [
      'Loyalty (10% off)',
      '-$10.00',
      'Total excluding tax',
      '$90.00',
      'VAT (20%) on $90.00',
      '$18.00',
      '$108.00',
    ]) {
      assert.ok(html.includes(expected), `the page shows ${JSON.stringify(expected)}`);
    }
    const pdf = Buffer.from(await (await fetch(invoice.invoice_pdf as string)).arrayBuffer());
    const extracted = pdftotext(pdf);
    if (extracted !== null) {
      for (const expected of ['Loyalty (10% off)', '-$10.00', 'VAT (20%) on $90.00', '$108.00 due']) {
        assert.ok(extracted.includes(expected), `the PDF says ${JSON.stringify(expected)}:\n${extracted}`);
      }
    }
    // A credit note for half the line takes half its discount and its tax on what is left.
    const line = invoice.lines.data[0] as Stripe.InvoiceLineItem;
    const cn = await s.creditNotes.create({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: line.id, amount: 5000 }],
    });
    assert.equal(cn.subtotal, 5000);
    assert.equal(cn.discount_amount, 500);
    assert.equal(cn.total_taxes?.[0]?.amount, 900);
    assert.equal(cn.total, 5400);
    assert.equal(cn.total_excluding_tax, 4500);
    assert.equal((await s.invoices.retrieve(invoice.id)).amount_remaining, 5400);
  });

  it('serves a credit note PDF at credit_note.pdf', async () => {
    const { s, invoice } = await sentInvoice();
    const cn = await s.creditNotes.create({ invoice: invoice.id, amount: 500, memo: 'Late delivery' });
    const res = await fetch(cn.pdf);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    const extracted = pdftotext(pdf);
    if (extracted !== null) {
      for (const expected of ['Credit note', cn.number, '$5.00 credited', 'Late delivery']) {
        assert.ok(extracted.includes(expected), `the PDF says ${JSON.stringify(expected)}:\n${extracted}`);
      }
    }
    // The invoice page shows the credit.
    const html = await (await fetch(invoice.hosted_invoice_url as string)).text();
    assert.match(html, /Credit notes/);
    assert.match(html, /\$37\.50/);
  });
});
