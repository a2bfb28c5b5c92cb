/**
 * Refunds end to end through the official SDK: full and partial refunds by charge and by
 * PaymentIntent, Stripe's over-refund and already-refunded refusals, concurrent refunds that must
 * never over-refund, refusals for uncaptured and unsuccessful payments, the asynchronous test cards
 * (`pm_card_pendingRefund`, `pm_card_refundFail`) with their events, the refunds' balance
 * transactions, updates, cancellation, lists and the legacy `/v1/charges/:id/refunds` reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

interface Account {
  key: string;
  stripe: Stripe;
}

function account(): Account {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

/** A succeeded, automatically captured payment of `amount` cents with the test card `pm`. */
async function pay(stripe: Stripe, amount: number, pm = 'pm_card_visa', description?: string) {
  const pi = await stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: pm,
    confirm: true,
    capture_method: 'automatic',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    ...(description ? { description } : {}),
  });
  assert.equal(pi.status, 'succeeded');
  return { pi, charge: pi.latest_charge as string };
}

function checkRefund(r: Stripe.Refund): Stripe.Refund {
  assertShape(r, 'Refund', 'refund');
  assert.match(r.id, /^re_[0-9A-Za-z]{24}$/);
  return r;
}

/** Moves the server clock forward and runs every job that became due. */
async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

interface EventRow {
  type: string;
  data: { object: { id: string; status?: string }; previous_attributes?: Record<string, unknown> };
}

/** The account's events, oldest first. */
async function events(key: string): Promise<EventRow[]> {
  const res = await http(server, 'GET', '/sandbank/v1/account', { key });
  const page = await server.app.store.listEvents({ account: res.json.id, limit: 100 });
  return page.rows.map((row) => JSON.parse(row.json) as EventRow).reverse();
}

async function eventTypes(key: string): Promise<string[]> {
  return (await events(key)).map((e) => e.type);
}

describe('refunds: create', () => {
  it('refunds a whole payment by payment_intent, with its balance transaction and events', async () => {
    const { key, stripe } = account();
    const { pi, charge } = await pay(stripe, 2000, 'pm_card_visa', 'Rocket ride');
    const refund = checkRefund(
      await stripe.refunds.create({
        payment_intent: pi.id,
        reason: 'requested_by_customer',
        metadata: { order: '42' },
        expand: ['balance_transaction'],
      }),
    );
    assert.equal(refund.object, 'refund');
    assert.equal(refund.amount, 2000);
    assert.equal(refund.currency, 'usd');
    assert.equal(refund.charge, charge);
    assert.equal(refund.payment_intent, pi.id);
    assert.equal(refund.payment_method, pi.payment_method);
    assert.equal(refund.status, 'succeeded');
    assert.equal(refund.reason, 'requested_by_customer');
    assert.deepEqual(refund.metadata, { order: '42' });
    assert.equal(refund.destination_details?.type, 'card');

    const txn = refund.balance_transaction as Stripe.BalanceTransaction;
    assertShape(txn, 'BalanceTransaction', 'balance_transaction');
    assert.equal(txn.type, 'refund');
    assert.equal(txn.reporting_category, 'refund');
    assert.equal(txn.amount, -2000);
    assert.equal(txn.fee, 0);
    assert.deepEqual(txn.fee_details, []);
    assert.equal(txn.net, -2000);
    assert.equal(txn.source, refund.id);
    assert.equal(txn.status, 'available');
    assert.equal(txn.description, 'REFUND FOR CHARGE (Rocket ride)');

    const ch = await stripe.charges.retrieve(charge);
    assert.equal(ch.amount_refunded, 2000);
    assert.equal(ch.refunded, true);

    const all = await events(key);
    const types = all.map((e) => e.type);
    const created = types.indexOf('refund.created');
    assert.ok(created >= 0, types.join());
    assert.equal(types[created + 1], 'charge.refunded');
    const refunded = all[created + 1];
    assert.equal(refunded?.data.object.id, charge);
    assert.deepEqual(refunded?.data.previous_attributes, { amount_refunded: 0, refunded: false });
    assert.ok(!types.includes('charge.refund.updated'));
  });

  it('refunds in parts by charge, each part emitting charge.refunded; refunded only when all is back', async () => {
    const { key, stripe } = account();
    const { pi, charge } = await pay(stripe, 1000);
    const first = checkRefund(await stripe.refunds.create({ charge, amount: 300 }));
    assert.equal(first.amount, 300);
    assert.equal(first.payment_intent, pi.id);
    let ch = await stripe.charges.retrieve(charge);
    assert.equal(ch.amount_refunded, 300);
    assert.equal(ch.refunded, false);

    // The default amount is what remains.
    const rest = checkRefund(await stripe.refunds.create({ charge, payment_intent: pi.id }));
    assert.equal(rest.amount, 700);
    ch = await stripe.charges.retrieve(charge);
    assert.equal(ch.amount_refunded, 1000);
    assert.equal(ch.refunded, true);
    assert.equal((await eventTypes(key)).filter((t) => t === 'charge.refunded').length, 2);

    const byCharge = await stripe.refunds.list({ charge });
    assert.deepEqual(
      byCharge.data.map((r) => r.id),
      [rest.id, first.id],
    );
    // A charge's refunds are not included since 2022-11-15, but expand[]=refunds still lists them.
    assert.equal(ch.refunds, undefined);
    const expanded = await stripe.charges.retrieve(charge, { expand: ['refunds'] });
    assert.deepEqual(
      expanded.refunds?.data.map((r) => r.id),
      [rest.id, first.id],
    );
    assert.equal(expanded.refunds?.url, `/v1/charges/${charge}/refunds`);
    const byIntent = await stripe.refunds.list({ payment_intent: pi.id, limit: 1 });
    assert.equal(byIntent.data.length, 1);
    assert.equal(byIntent.has_more, true);
    assert.equal((await stripe.refunds.list()).data.length, 2);
  });

  it("refuses over-refunds with Stripe's messages, and a fully refunded charge", async () => {
    const { stripe } = account();
    const { pi, charge } = await pay(stripe, 100);
    await expectInvalid(stripe.refunds.create({ charge, amount: 150 }), {
      code: undefined,
      param: 'amount',
      message: 'Refund amount ($1.50) is greater than charge amount ($1.00)',
    });
    await stripe.refunds.create({ charge, amount: 60 });
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id, amount: 50 }), {
      code: undefined,
      param: 'amount',
      message: 'Refund amount ($0.50) is greater than unrefunded amount on charge ($0.40)',
    });
    await stripe.refunds.create({ charge });
    await expectInvalid(stripe.refunds.create({ charge }), {
      code: 'charge_already_refunded',
      message: `Charge ${charge} has already been refunded.`,
    });
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id }), { code: 'charge_already_refunded' });
    await expectInvalid(stripe.refunds.create({ charge, amount: 2000 }), {
      param: 'amount',
      message: 'Refund amount ($20.00) is greater than unrefunded amount on charge ($0.00)',
    });
  });

  it('never over-refunds under concurrent requests', async () => {
    const { key, stripe } = account();
    const { charge } = await pay(stripe, 1000);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => stripe.refunds.create({ charge, amount: 300 })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 3);
    for (const r of refused) {
      assert.ok(r.reason instanceof Stripe.errors.StripeInvalidRequestError, String(r.reason));
      assert.match(r.reason.message, /is greater than unrefunded amount on charge \(\$1\.00\)/);
    }
    const ch = await stripe.charges.retrieve(charge);
    assert.equal(ch.amount_refunded, 900);
    assert.equal(ch.refunded, false);
    assert.equal((await stripe.refunds.list({ charge })).data.length, 3);
    assert.equal((await eventTypes(key)).filter((t) => t === 'refund.created').length, 3);
  });

  it('refuses an uncaptured payment: cancel the PaymentIntent instead', async () => {
    const { stripe } = account();
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      capture_method: 'manual',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    assert.equal(pi.status, 'requires_capture');
    const message = `This PaymentIntent (${pi.id}) could not be refunded because it has a status of requires_capture. You can cancel it instead with the PaymentIntents API.`;
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id }), {
      code: 'payment_intent_unexpected_state',
      param: 'payment_intent',
      message,
    });
    await expectInvalid(stripe.refunds.create({ charge: pi.latest_charge as string }), {
      code: 'payment_intent_unexpected_state',
      param: 'charge',
      message,
    });
  });

  it('refuses payments without a successful charge', async () => {
    const { stripe } = account();
    const unconfirmed = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    await expectInvalid(stripe.refunds.create({ payment_intent: unconfirmed.id }), {
      param: 'payment_intent',
      message: `This PaymentIntent (${unconfirmed.id}) does not have a successful charge to refund.`,
    });
    let declined: Stripe.PaymentIntent | undefined;
    try {
      await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      });
    } catch (err) {
      assert.ok(err instanceof Stripe.errors.StripeCardError);
      declined = err.payment_intent;
    }
    assert.ok(declined?.latest_charge, 'the declined attempt left a failed charge');
    const failedCharge =
      typeof declined.latest_charge === 'string' ? declined.latest_charge : declined.latest_charge.id;
    await expectInvalid(stripe.refunds.create({ payment_intent: declined.id }), {
      message: `This PaymentIntent (${declined.id}) does not have a successful charge to refund.`,
    });
    await expectInvalid(stripe.refunds.create({ charge: failedCharge }), {
      param: 'charge',
      message: `This PaymentIntent (${declined.id}) does not have a successful charge to refund.`,
    });
  });

  it('validates its parameters', async () => {
    const { stripe } = account();
    const { pi, charge } = await pay(stripe, 1000);
    const other = await pay(stripe, 500);
    await expectInvalid(stripe.refunds.create({ amount: 100 }), {
      code: undefined,
      param: undefined,
      message: 'One of the following params should be provided for this request: payment_intent or charge.',
    });
    await expectInvalid(stripe.refunds.create({ charge: 'ch_missing' }), {
      code: 'resource_missing',
      param: 'charge',
      message: "No such charge: 'ch_missing'",
    });
    await expectInvalid(stripe.refunds.create({ payment_intent: 'pi_missing' }), {
      code: 'resource_missing',
      param: 'payment_intent',
      message: "No such payment_intent: 'pi_missing'",
    });
    await expectInvalid(stripe.refunds.create({ charge, payment_intent: other.pi.id }), {
      message: `Charge ${charge} does not belong to PaymentIntent ${other.pi.id}.`,
    });
    await expectInvalid(stripe.refunds.create({ charge, amount: 0 }), {
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
    await expectInvalid(stripe.refunds.create({ charge, reason: 'because' as 'duplicate' }), { param: 'reason' });
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id, refund_application_fee: true }), {
      param: 'refund_application_fee',
    });
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id, reverse_transfer: true }), {
      param: 'reverse_transfer',
    });
    // Nothing was refunded by the refusals; false Connect flags are fine.
    const refund = await stripe.refunds.create({ payment_intent: pi.id, reverse_transfer: false });
    assert.equal(refund.amount, 1000);
  });
});

describe('refunds: asynchronous test cards', () => {
  it('pm_card_pendingRefund: pending, then succeeded with its balance transaction', async () => {
    const { key, stripe } = account();
    const { charge } = await pay(stripe, 1500, 'pm_card_pendingRefund');
    const refund = checkRefund(await stripe.refunds.create({ charge }));
    assert.equal(refund.status, 'pending');
    assert.equal(refund.balance_transaction, null);
    // A pending refund counts as refunded: nothing more can be refunded meanwhile.
    assert.equal((await stripe.charges.retrieve(charge)).amount_refunded, 1500);
    await expectInvalid(stripe.refunds.create({ charge }), { code: 'charge_already_refunded' });

    await advance(key, 61);
    const settled = checkRefund(await stripe.refunds.retrieve(refund.id, { expand: ['balance_transaction'] }));
    assert.equal(settled.status, 'succeeded');
    const txn = settled.balance_transaction as Stripe.BalanceTransaction;
    assert.equal(txn.amount, -1500);
    assert.equal(txn.fee, 0);
    assert.equal(txn.net, -1500);

    const all = await events(key);
    const types = all.map((e) => e.type);
    assert.deepEqual(types.slice(-4), ['refund.created', 'charge.refunded', 'refund.updated', 'charge.refund.updated']);
    const updated = all.at(-2);
    assert.equal(updated?.data.object.status, 'succeeded');
    assert.deepEqual(updated?.data.previous_attributes, { balance_transaction: null, status: 'pending' });
  });

  it('pm_card_refundFail: succeeded, then failed with the money back', async () => {
    const { key, stripe } = account();
    const { charge } = await pay(stripe, 1200, 'pm_card_refundFail');
    const refund = checkRefund(await stripe.refunds.create({ charge, amount: 1000 }));
    assert.equal(refund.status, 'succeeded');
    assert.ok(refund.balance_transaction);
    assert.equal((await stripe.charges.retrieve(charge)).amount_refunded, 1000);

    await advance(key, 61);
    const failed = checkRefund(await stripe.refunds.retrieve(refund.id, { expand: ['failure_balance_transaction'] }));
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failure_reason, 'expired_or_canceled_card');
    assert.equal(failed.balance_transaction, refund.balance_transaction);
    const back = failed.failure_balance_transaction as Stripe.BalanceTransaction;
    assertShape(back, 'BalanceTransaction', 'balance_transaction');
    assert.equal(back.type, 'refund_failure');
    assert.equal(back.reporting_category, 'refund_failure');
    assert.equal(back.amount, 1000);
    assert.equal(back.net, 1000);
    assert.equal(back.source, refund.id);

    const ch = await stripe.charges.retrieve(charge);
    assert.equal(ch.amount_refunded, 0);
    assert.equal(ch.refunded, false);
    const types = await eventTypes(key);
    assert.deepEqual(types.slice(-3), ['refund.failed', 'refund.updated', 'charge.refund.updated']);

    // The whole charge may be refunded again.
    const again = await stripe.refunds.create({ charge });
    assert.equal(again.amount, 1200);
  });
});

describe('refunds: retrieve, update, cancel, legacy reads', () => {
  it('retrieves and expands, and answers 404 for an unknown refund', async () => {
    const { stripe } = account();
    const { charge } = await pay(stripe, 800);
    const refund = await stripe.refunds.create({ charge, amount: 100 });
    const got = checkRefund(await stripe.refunds.retrieve(refund.id, { expand: ['charge', 'payment_intent'] }));
    assert.equal((got.charge as Stripe.Charge).id, charge);
    assert.equal((got.charge as Stripe.Charge).amount_refunded, 100);
    assert.equal((got.payment_intent as Stripe.PaymentIntent).object, 'payment_intent');
    await expectInvalid(stripe.refunds.retrieve('re_missing'), {
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such refund: 're_missing'",
    });
    // Another account cannot see it.
    await expectInvalid(account().stripe.refunds.retrieve(refund.id), { statusCode: 404 });
  });

  it('updates metadata (refund.updated and charge.refund.updated), nothing else', async () => {
    const { key, stripe } = account();
    const { charge } = await pay(stripe, 800);
    const refund = await stripe.refunds.create({ charge, metadata: { a: '1' } });
    const updated = checkRefund(await stripe.refunds.update(refund.id, { metadata: { b: '2', a: '' } }));
    assert.deepEqual(updated.metadata, { b: '2' });
    const all = await events(key);
    assert.deepEqual(
      all.slice(-2).map((e) => e.type),
      ['refund.updated', 'charge.refund.updated'],
    );
    assert.deepEqual(all.at(-1)?.data.previous_attributes, { metadata: { a: '1', b: null } });
    await expectInvalid(stripe.refunds.update(refund.id, { amount: 5 } as Stripe.RefundUpdateParams), {
      code: 'parameter_unknown',
      param: 'amount',
    });
  });

  it('refuses to cancel a card refund', async () => {
    const { stripe } = account();
    const { charge } = await pay(stripe, 800);
    const refund = await stripe.refunds.create({ charge });
    await expectInvalid(stripe.refunds.cancel(refund.id), {
      message: `Refund ${refund.id} cannot be canceled because it has a status of succeeded. Only refunds with a status of requires_action can be canceled.`,
    });
    assert.equal((await stripe.refunds.retrieve(refund.id)).status, 'succeeded');
  });

  it('lists and retrieves a charge’s refunds under /v1/charges/:charge/refunds', async () => {
    const { key, stripe } = account();
    const { charge } = await pay(stripe, 800);
    const other = await pay(stripe, 800);
    const a = await stripe.refunds.create({ charge, amount: 100 });
    const b = await stripe.refunds.create({ charge, amount: 200 });
    const elsewhere = await stripe.refunds.create({ charge: other.charge, amount: 100 });
    const list = await http(server, 'GET', `/v1/charges/${charge}/refunds`, { key });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.url, `/v1/charges/${charge}/refunds`);
    assert.deepEqual(
      list.json.data.map((r: { id: string }) => r.id),
      [b.id, a.id],
    );
    const one = await http(server, 'GET', `/v1/charges/${charge}/refunds/${a.id}`, { key });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, a.id);
    const wrong = await http(server, 'GET', `/v1/charges/${charge}/refunds/${elsewhere.id}`, { key });
    assert.equal(wrong.status, 404);
    assert.equal(wrong.json.error.message, `No such refund: '${elsewhere.id}'`);
    const missing = await http(server, 'GET', '/v1/charges/ch_missing/refunds', { key });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.message, "No such charge: 'ch_missing'");
    await expectInvalid(stripe.refunds.list({ charge: 'ch_missing' }), { param: 'charge' });
  });
});
