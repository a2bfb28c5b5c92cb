/**
 * Automatic collection and dunning through the SDK: a draft with `auto_advance` finalises itself an
 * hour after creation and is charged; a failed automatic attempt is retried on the account's
 * schedule (jobs, driven here by advancing the account's clock) until it succeeds or the tries are
 * used up, when the invoice is left open or marked uncollectible per the account's setting; hard
 * declines are not retried. Also the settings endpoint itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

const exec = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const DAY = 86_400;

function account() {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

async function settings(key: string, body?: string) {
  return http(server, body === undefined ? 'GET' : 'POST', '/sandbank/v1/billing/settings', {
    key,
    ...(body === undefined ? {} : { body }),
  });
}

/** A customer paying invoices with test card `pm`, and an auto-advancing invoice of `amount`. */
async function autoInvoice(stripe: Stripe, pm: string, amount = 5000) {
  const customer = await stripe.customers.create();
  const method = await stripe.paymentMethods.attach(pm, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
  await stripe.invoiceItems.create({ customer: customer.id, amount, currency: 'usd' });
  const invoice = await stripe.invoices.create({
    customer: customer.id,
    auto_advance: true,
    pending_invoice_items_behavior: 'include',
  });
  return { customer, invoice };
}

async function invoiceEvents(stripe: Stripe, id: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data
    .filter((e) => e.type.startsWith('invoice.') && (e.data.object as { id?: string }).id === id)
    .map((e) => e.type)
    .reverse();
}

describe('billing settings', () => {
  it('shows Stripe’s recommended defaults and validates changes', async () => {
    const { key } = account();
    const shown = await settings(key);
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.json.payment_retries, { tries: 8, window_days: 14 });
    assert.equal(shown.json.subscription_end, 'cancel');
    assert.equal(shown.json.invoice_end, 'leave_open');
    const changed = await settings(
      key,
      'payment_retries[tries]=4&payment_retries[window_days]=7&invoice_end=mark_uncollectible',
    );
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(changed.json.payment_retries, { tries: 4, window_days: 7 });
    assert.equal((await settings(key)).json.invoice_end, 'mark_uncollectible');
    const bad = await settings(key, 'payment_retries[tries]=9');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'payment_retries[tries]');
    const badWindow = await settings(key, 'payment_retries[window_days]=10');
    assert.equal(badWindow.status, 400);
    const badEnd = await settings(key, 'subscription_end=explode');
    assert.equal(badEnd.status, 400);
  });
});

describe('sandbank billing settings', () => {
  it('shows and updates the settings of a running server; refusals exit 1, usage mistakes 2', async () => {
    const { key } = account();
    const cli = (...args: string[]) =>
      exec(process.execPath, [
        '--import',
        'tsx',
        MAIN,
        'billing',
        'settings',
        ...args,
        '--api-key',
        key,
        '--url',
        server.url,
      ]);
    const shown = JSON.parse((await cli('show')).stdout);
    assert.deepEqual(shown.payment_retries, { tries: 8, window_days: 14 });
    const updated = JSON.parse(
      (await cli('update', '--retries', '5', '--window-days', '21', '--subscription-end', 'unpaid')).stdout,
    );
    assert.deepEqual(updated.payment_retries, { tries: 5, window_days: 21 });
    assert.equal(updated.subscription_end, 'unpaid');
    assert.equal((await settings(key)).json.subscription_end, 'unpaid');
    await assert.rejects(cli('update', '--retries', '12'), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr ?? '', /between 1 and 8/);
      return true;
    });
    await assert.rejects(cli('update', '--retries', 'many'), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /invalid --retries/);
      return true;
    });
  });
});

describe('automatic collection', () => {
  it('finalises an auto_advance draft an hour after creation and charges it', async () => {
    const { key, stripe } = account();
    const { invoice } = await autoInvoice(stripe, 'pm_card_visa');
    assert.equal(invoice.auto_advance, true);
    assert.equal(invoice.automatically_finalizes_at, invoice.created + 3600);
    assert.equal(invoice.next_payment_attempt, invoice.created + 3600);
    await advance(key, 3000);
    assert.equal((await stripe.invoices.retrieve(invoice.id)).status, 'draft');
    await advance(key, 700);
    const paid = await stripe.invoices.retrieve(invoice.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.attempt_count, 1);
    assert.equal(paid.auto_advance, false);
    assert.equal(paid.automatically_finalizes_at, null);
    assert.equal(paid.next_payment_attempt, null);
    assert.deepEqual(await invoiceEvents(stripe, invoice.id), [
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
  });

  it('retries a declined automatic payment on the default schedule: days 2, 4, … 14 after the first try', async () => {
    const { key, stripe } = account();
    const { customer, invoice } = await autoInvoice(stripe, 'pm_card_chargeCustomerFail');
    await advance(key, 3600);
    const first = await stripe.invoices.retrieve(invoice.id);
    assert.equal(first.status, 'open');
    assert.equal(first.attempt_count, 1);
    const firstAt = first.status_transitions.finalized_at as number;
    assert.equal(first.next_payment_attempt, firstAt + 2 * DAY);
    // Each retry fails until the customer's card is replaced.
    await advance(key, 2 * DAY);
    const second = await stripe.invoices.retrieve(invoice.id);
    assert.equal(second.attempt_count, 2);
    assert.equal(second.next_payment_attempt, firstAt + 4 * DAY);
    const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: good.id } });
    await advance(key, 2 * DAY);
    const paid = await stripe.invoices.retrieve(invoice.id);
    assert.equal(paid.status, 'paid');
    assert.equal(paid.attempt_count, 3);
    assert.equal(paid.next_payment_attempt, null);
    assert.deepEqual(await invoiceEvents(stripe, invoice.id), [
      'invoice.created',
      'invoice.finalized',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
  });

  it('after the last of the account’s tries, marks the invoice uncollectible when so configured', async () => {
    const { key, stripe } = account();
    const set = await settings(
      key,
      'payment_retries[tries]=3&payment_retries[window_days]=7&invoice_end=mark_uncollectible',
    );
    assert.equal(set.status, 200, set.text);
    const { invoice } = await autoInvoice(stripe, 'pm_card_chargeCustomerFail');
    await advance(key, 3600);
    const first = await stripe.invoices.retrieve(invoice.id);
    const firstAt = first.status_transitions.finalized_at as number;
    // 3 tries in 7 days: retries at round(7 × 1/2) = 4 and 7 days after the first.
    assert.equal(first.next_payment_attempt, firstAt + 4 * DAY);
    await advance(key, 4 * DAY);
    const second = await stripe.invoices.retrieve(invoice.id);
    assert.equal(second.attempt_count, 2);
    assert.equal(second.next_payment_attempt, firstAt + 7 * DAY);
    await advance(key, 3 * DAY);
    const last = await stripe.invoices.retrieve(invoice.id);
    assert.equal(last.attempt_count, 3);
    assert.equal(last.next_payment_attempt, null);
    assert.equal(last.status, 'uncollectible');
    const types = await invoiceEvents(stripe, invoice.id);
    assert.deepEqual(types.slice(-2), ['invoice.payment_failed', 'invoice.marked_uncollectible']);
    // Nothing more is scheduled.
    await advance(key, 30 * DAY);
    assert.equal((await stripe.invoices.retrieve(invoice.id)).attempt_count, 3);
  });

  it('does not retry a hard decline (a lost card)', async () => {
    const { key, stripe } = account();
    const { invoice } = await autoInvoice(stripe, 'pm_card_visa_chargeCustomerFailLostCard');
    await advance(key, 3600);
    const failed = await stripe.invoices.retrieve(invoice.id);
    assert.equal(failed.status, 'open');
    assert.equal(failed.attempt_count, 1);
    assert.equal(failed.next_payment_attempt, null);
    await advance(key, 20 * DAY);
    assert.equal((await stripe.invoices.retrieve(invoice.id)).attempt_count, 1);
  });

  it('does not retry without a payment method, and leaves the invoice open by default', async () => {
    const { key, stripe } = account();
    const customer = await stripe.customers.create();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      auto_advance: true,
      pending_invoice_items_behavior: 'include',
    });
    await advance(key, 3600);
    const failed = await stripe.invoices.retrieve(invoice.id);
    assert.equal(failed.status, 'open');
    assert.equal(failed.attempted, true);
    assert.equal(failed.attempt_count, 1);
    assert.equal(failed.next_payment_attempt, null);
  });

  it('a send_invoice invoice still open on its due date is overdue', async () => {
    const { key, stripe } = account();
    const customer = await stripe.customers.create({ email: 'late@example.com' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: 'usd' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 3,
      pending_invoice_items_behavior: 'include',
    });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const auto = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 3,
      auto_advance: true,
    });
    await stripe.invoices.addLines(auto.id, { lines: [{ amount: 400 }] });
    // Automatic collection finalises it an hour later and sends it.
    await advance(key, 3600);
    assert.deepEqual(await invoiceEvents(stripe, auto.id), [
      'invoice.created',
      'invoice.updated',
      'invoice.finalized',
      'invoice.sent',
    ]);
    const paidOne = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 3,
    });
    await stripe.invoices.addLines(paidOne.id, { lines: [{ amount: 300 }] });
    await stripe.invoices.finalizeInvoice(paidOne.id);
    await stripe.invoices.pay(paidOne.id, { paid_out_of_band: true });
    await advance(key, 2 * DAY);
    assert.deepEqual((await invoiceEvents(stripe, invoice.id)).slice(-1), ['invoice.finalized']);
    await advance(key, DAY + 60);
    assert.deepEqual((await invoiceEvents(stripe, invoice.id)).slice(-1), ['invoice.overdue']);
    assert.ok(!(await invoiceEvents(stripe, paidOne.id)).includes('invoice.overdue'));
  });

  it('runs on the customer’s test clock: finalisation and retries wait for the clock', async () => {
    const { stripe } = account();
    const t0 = 1_800_000_000;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: t0 });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const method = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2500, currency: 'usd' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      auto_advance: true,
      pending_invoice_items_behavior: 'include',
    });
    assert.equal(invoice.created, t0);
    assert.equal(invoice.test_clock, clock.id);
    assert.equal(invoice.automatically_finalizes_at, t0 + 3600);
    const advanceTo = async (frozen_time: number) => {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time });
      for (let i = 0; i < 3000; i++) {
        const c = await stripe.testHelpers.testClocks.retrieve(clock.id);
        if (c.status !== 'advancing') return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('clock still advancing');
    };
    await advanceTo(t0 + 3600);
    const first = await stripe.invoices.retrieve(invoice.id);
    assert.equal(first.status, 'open');
    assert.equal(first.status_transitions.finalized_at, t0 + 3600);
    assert.equal(first.attempt_count, 1);
    assert.equal(first.next_payment_attempt, t0 + 3600 + 2 * DAY);
    await advanceTo(t0 + 3600 + 2 * DAY);
    const second = await stripe.invoices.retrieve(invoice.id);
    assert.equal(second.attempt_count, 2);
    assert.equal(second.next_payment_attempt, t0 + 3600 + 4 * DAY);
  });
});
