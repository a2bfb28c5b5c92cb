/**
 * The legacy Charges API end to end through the official SDK: `POST /v1/charges` with a token, a
 * `tok_` alias, a customer's card or the customer's default source; declines answered with 402 and
 * the failed charge kept; uncaptured charges captured in full or in part, or released after seven
 * days; the balance transaction and fees of a PaymentIntent charge; refunds, disputes and events in
 * Stripe's order; Stripe's error bodies over raw HTTP.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import {
  accountIdOf,
  advance,
  checkCharge,
  eventsFor,
  expectCardError,
  latestCharge,
  newAccount,
  pay,
} from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const YEAR = new Date().getUTCFullYear() + 3;

async function balanceTransaction(stripe: Stripe, charge: Stripe.Charge): Promise<Stripe.BalanceTransaction> {
  assert.equal(typeof charge.balance_transaction, 'string', `${charge.id} has a balance transaction`);
  return stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
}

describe('charging a card', () => {
  it('charges a tok_ alias: payment_intent null, the card as source, fees as for a PaymentIntent charge', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const charge = checkCharge(
      await stripe.charges.create({
        amount: 2000,
        currency: 'usd',
        source: 'tok_visa',
        description: 'Order 42',
        metadata: { order: '42' },
        receipt_email: 'jenny@example.com',
        statement_descriptor_suffix: 'ORDER 42',
        transfer_group: 'group_42',
        shipping: { name: 'Jenny Rosen', address: { line1: '1 Main St', country: 'US' } },
      }),
    );
    assert.match(charge.id, /^ch_/);
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.paid, true);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount_captured, 2000);
    assert.equal(charge.payment_intent, null);
    assert.equal(charge.customer, null);
    assert.equal(charge.description, 'Order 42');
    assert.deepEqual(charge.metadata, { order: '42' });
    assert.equal(charge.receipt_email, 'jenny@example.com');
    assert.equal(charge.transfer_group, 'group_42');
    assert.equal(charge.statement_descriptor_suffix, 'ORDER 42');
    assert.equal(charge.shipping?.name, 'Jenny Rosen');
    const source = charge.source as Stripe.Card;
    assertShape(source, 'Card', 'card');
    assert.match(source.id, /^card_/);
    assert.equal(source.brand, 'Visa');
    assert.equal(source.last4, '4242');
    assert.equal(charge.payment_method, source.id);
    assert.equal(charge.payment_method_details?.type, 'card');
    assert.equal(charge.payment_method_details?.card?.brand, 'visa');
    assert.equal(charge.payment_method_details?.card?.last4, '4242');
    assert.equal(charge.outcome?.type, 'authorized');

    // The balance transaction and fee are those of the same payment made with a PaymentIntent.
    const txn = await balanceTransaction(stripe, charge);
    const viaIntent = await balanceTransaction(stripe, await latestCharge(stripe, await pay(stripe, { amount: 2000 })));
    assert.equal(txn.amount, 2000);
    assert.equal(txn.fee, viaIntent.fee);
    assert.equal(txn.net, 2000 - viaIntent.fee);
    assert.equal(txn.source, charge.id);

    const events = await eventsFor(server, await accountIdOf(server, account.key), charge.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['charge.succeeded'],
    );
    assert.equal(events[0]?.data.object.balance_transaction, charge.balance_transaction);
    // Listed and retrievable like any charge.
    assert.deepEqual(checkCharge(await stripe.charges.retrieve(charge.id)), charge);
  });

  it('spends a real token once', async () => {
    const { stripe, key } = newAccount(server);
    const token = await stripe.tokens.create({
      card: { number: '5555555555554444', exp_month: '12', exp_year: String(YEAR), cvc: '123', address_zip: '94103' },
    });
    const charge = checkCharge(await stripe.charges.create({ amount: 1500, currency: 'usd', source: token.id }));
    const card = charge.source as Stripe.Card;
    assert.equal(card.id, token.card?.id);
    assert.equal(card.brand, 'MasterCard');
    assert.equal(charge.payment_method_details?.card?.checks?.cvc_check, 'pass');
    assert.equal(charge.payment_method_details?.card?.checks?.address_postal_code_check, 'pass');
    const again = await http(server, 'POST', '/v1/charges', {
      key,
      body: `amount=1500&currency=usd&source=${token.id}`,
    });
    assert.equal(again.status, 400);
    assert.equal(again.json.error.code, 'token_already_used');
    assert.equal(again.json.error.message, `You cannot use a Stripe token more than once: ${token.id}.`);
    assert.equal((await stripe.charges.list()).data.length, 1, 'the refused request stored nothing');
  });

  it("charges a customer's default source, or a named card of the customer", async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create({ source: 'tok_mastercard' });
    const amex = await stripe.customers.createSource(customer.id, { source: 'tok_amex' });
    const byDefault = checkCharge(
      await stripe.charges.create({ amount: 1000, currency: 'usd', customer: customer.id }),
    );
    assert.equal(byDefault.customer, customer.id);
    assert.equal((byDefault.source as Stripe.Card).id, customer.default_source);
    assert.equal((byDefault.source as Stripe.Card).customer, customer.id);
    const named = checkCharge(
      await stripe.charges.create({ amount: 1000, currency: 'usd', customer: customer.id, source: amex.id }),
    );
    assert.equal(named.payment_method, amex.id);
    assert.equal(named.payment_method_details?.card?.brand, 'amex');
    // The customer's cards are reusable.
    await stripe.charges.create({ amount: 1000, currency: 'usd', customer: customer.id, source: amex.id });
    assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 3);

    // A saved card without its customer, another customer's card, a customer without cards.
    await expectInvalid(stripe.charges.create({ amount: 1000, currency: 'usd', source: amex.id }), { param: 'source' });
    const other = await stripe.customers.create();
    await expectInvalid(stripe.charges.create({ amount: 1000, currency: 'usd', customer: other.id, source: amex.id }), {
      code: 'resource_missing',
      param: 'source',
    });
    const noCard = await http(server, 'POST', '/v1/charges', {
      key,
      body: `amount=1000&currency=usd&customer=${other.id}`,
    });
    assert.equal(noCard.status, 402);
    assert.equal(noCard.json.error.type, 'card_error');
    assert.equal(noCard.json.error.code, 'missing');
    assert.equal(noCard.json.error.param, 'card');
    assert.equal(noCard.json.error.message, 'Cannot charge a customer that has no active card');
  });

  it('refuses bad requests cleanly: missing params, Connect, no source', async () => {
    const { stripe, key } = newAccount(server);
    const none = await http(server, 'POST', '/v1/charges', { key, body: 'amount=1000&currency=usd' });
    assert.equal(none.status, 400);
    assert.equal(none.json.error.message, 'Must provide source or customer.');
    await expectInvalid(stripe.charges.create({ currency: 'usd', source: 'tok_visa' }), {
      code: 'parameter_missing',
      param: 'amount',
    });
    await expectInvalid(stripe.charges.create({ amount: 1000, source: 'tok_visa' }), {
      code: 'parameter_missing',
      param: 'currency',
    });
    await expectInvalid(
      stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', on_behalf_of: 'acct_1' }),
      {
        param: 'on_behalf_of',
      },
    );
    await expectInvalid(
      stripe.charges.create({
        amount: 1000,
        currency: 'usd',
        source: 'tok_visa',
        transfer_data: { destination: 'acct_1' },
      }),
      { param: 'transfer_data' },
    );
    await expectInvalid(stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_nope' }), {
      code: 'resource_missing',
      message: "No such token: 'tok_nope'",
    });
    assert.equal((await stripe.charges.list()).data.length, 0);
  });
});

describe('declines', () => {
  it('answers 402 with the charge id, and keeps the failed charge with its outcome', async () => {
    const account = newAccount(server);
    const { stripe, key } = account;
    const res = await http(server, 'POST', '/v1/charges', {
      key,
      body: 'amount=2000&currency=usd&source=tok_chargeDeclinedInsufficientFunds',
    });
    assert.equal(res.status, 402);
    const error = res.json.error;
    assert.match(error.charge, /^ch_/);
    assert.deepEqual(
      { ...error, charge: 'ch', request_log_url: 'url' },
      {
        charge: 'ch',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        message: 'Your card has insufficient funds.',
        request_log_url: 'url',
        type: 'card_error',
      },
    );
    const failed = checkCharge(await stripe.charges.retrieve(error.charge));
    assert.equal(failed.status, 'failed');
    assert.equal(failed.paid, false);
    assert.equal(failed.captured, false);
    assert.equal(failed.balance_transaction, null);
    assert.equal(failed.failure_code, 'card_declined');
    assert.equal(failed.failure_message, 'Your card has insufficient funds.');
    assert.equal(failed.outcome?.type, 'issuer_declined');
    assert.equal(failed.outcome?.reason, 'insufficient_funds');
    assert.equal(failed.payment_intent, null);
    const events = await eventsFor(server, await accountIdOf(server, key), failed.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['charge.failed'],
    );

    // Through the SDK: a StripeCardError naming the charge.
    const err = await expectCardError(
      stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' }),
    );
    assert.equal(err.decline_code, 'generic_decline');
    assert.match((err.raw as { charge: string }).charge, /^ch_/);
    // A card that attaches but fails when charged, through the customer's default.
    const customer = await stripe.customers.create({ source: 'tok_chargeCustomerFail' });
    const customerErr = await expectCardError(
      stripe.charges.create({ amount: 2000, currency: 'usd', customer: customer.id }),
    );
    assert.equal(customerErr.code, 'card_declined');
    // Radar blocks, and cards that need 3-D Secure (nobody can authenticate a legacy charge).
    const blocked = await expectCardError(
      stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_radarBlock' }),
    );
    assert.equal(blocked.decline_code, 'fraudulent');
    const blockedCharge = await stripe.charges.retrieve((blocked.raw as { charge: string }).charge);
    assert.equal(blockedCharge.outcome?.type, 'blocked');
    const tds = await expectCardError(
      stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_threeDSecure2Required' }),
    );
    assert.equal(tds.code, 'authentication_required');
  });
});

describe('capture', () => {
  it('captures part of an uncaptured charge and releases the rest', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const charge = checkCharge(
      await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', capture: false }),
    );
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.captured, false);
    assert.equal(charge.amount_captured, 0);
    assert.equal(charge.balance_transaction, null);
    assert.equal(typeof charge.payment_method_details?.card?.capture_before, 'number');
    const captured = checkCharge(await stripe.charges.capture(charge.id, { amount: 600 }));
    assert.equal(captured.captured, true);
    assert.equal(captured.amount_captured, 600);
    assert.equal(captured.amount_refunded, 400);
    assert.equal(captured.refunded, false);
    const txn = await balanceTransaction(stripe, captured);
    assert.equal(txn.amount, 600);
    await expectInvalid(stripe.charges.capture(charge.id), { code: 'charge_already_captured' });
    const events = await eventsFor(server, await accountIdOf(server, account.key), charge.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['charge.succeeded', 'charge.captured'],
    );
    // More than was authorised is refused.
    const other = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', capture: false });
    await expectInvalid(stripe.charges.capture(other.id, { amount: 1001 }), {
      code: 'amount_too_large',
      param: 'amount',
    });
    assert.equal(checkCharge(await stripe.charges.capture(other.id)).amount_captured, 1000);
  });

  it('releases an uncaptured charge after seven days (charge.expired), after which it cannot be captured', async () => {
    const account = newAccount(server);
    const { stripe, key } = account;
    const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', capture: false });
    await advance(server, key, 6 * 86_400);
    assert.equal((await stripe.charges.retrieve(charge.id)).refunded, false);
    await advance(server, key, 86_400 + 1);
    const expired = checkCharge(await stripe.charges.retrieve(charge.id));
    assert.equal(expired.refunded, true);
    assert.equal(expired.amount_refunded, 1000);
    assert.equal(expired.captured, false);
    await expectInvalid(stripe.charges.capture(charge.id), { code: 'charge_expired_for_capture' });
    const events = await eventsFor(server, await accountIdOf(server, key), charge.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['charge.succeeded', 'charge.expired'],
    );
  });
});

describe('refunds and disputes', () => {
  it('refunds a legacy charge through the refunds API, and releases an uncaptured one', async () => {
    const { stripe } = newAccount(server);
    const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa' });
    const refund = await stripe.refunds.create({ charge: charge.id, amount: 500 });
    assert.equal(refund.status, 'succeeded');
    assert.equal(refund.payment_intent, null);
    assert.equal(refund.charge, charge.id);
    const partly = await stripe.charges.retrieve(charge.id);
    assert.equal(partly.amount_refunded, 500);
    assert.equal(partly.refunded, false);
    await stripe.refunds.create({ charge: charge.id });
    assert.equal((await stripe.charges.retrieve(charge.id)).refunded, true);

    const uncaptured = await stripe.charges.create({
      amount: 800,
      currency: 'usd',
      source: 'tok_visa',
      capture: false,
    });
    const release = await stripe.refunds.create({ charge: uncaptured.id });
    assert.equal(release.amount, 800);
    assert.equal(release.balance_transaction, null, 'nothing was captured, so no money moves');
    const released = await stripe.charges.retrieve(uncaptured.id);
    assert.equal(released.refunded, true);
    await expectInvalid(stripe.charges.capture(uncaptured.id), { code: 'charge_already_refunded' });
  });

  it('opens the dispute of a dispute test card charged this way', async () => {
    const { stripe } = newAccount(server);
    const charge = await stripe.charges.create({ amount: 3000, currency: 'usd', source: 'tok_createDispute' });
    const disputes = await stripe.disputes.list({ charge: charge.id });
    assert.equal(disputes.data.length, 1);
    assert.equal(disputes.data[0]?.reason, 'fraudulent');
    assert.equal(disputes.data[0]?.payment_intent, null);
    assert.equal((await stripe.charges.retrieve(charge.id)).disputed, true);
  });
});

describe('Radar on legacy charges', () => {
  it('opens a review for an elevated-risk card and raises the early fraud warning of the issuer-fraud card', async () => {
    const { stripe } = newAccount(server);
    const risky = await stripe.charges.create({ amount: 3000, currency: 'usd', source: 'tok_riskLevelElevated' });
    assert.match(String(risky.review), /^prv_/);
    const review = await stripe.reviews.retrieve(String(risky.review));
    assert.equal(review.charge, risky.id);
    assert.equal(review.open, true);
    assert.equal(review.payment_intent, undefined);
    const reported = await stripe.charges.create({
      amount: 3000,
      currency: 'usd',
      source: 'tok_createIssuerFraudRecord',
    });
    const warnings = await stripe.radar.earlyFraudWarnings.list({ charge: reported.id });
    assert.equal(warnings.data.length, 1);
    const types = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
    assert.ok(types.indexOf('review.opened') < types.indexOf('charge.succeeded'), types.join());
    assert.ok(types.includes('radar.early_fraud_warning.created'), types.join());
  });
});

describe('source on PaymentIntents', () => {
  /** `source` left the SDK's PaymentIntent types; older integrations still send it. */
  const withSource = (params: Record<string, unknown>) => params as unknown as Stripe.PaymentIntentCreateParams;

  it("pays with the customer's default source when no payment method is given", async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const pi = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      customer: customer.id,
      allowed_payment_method_types: ['card'],
      confirm: true,
      capture_method: 'automatic',
    });
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.payment_method, customer.default_source);
    assert.equal(pi.source, customer.default_source);
    const charge = await latestCharge(stripe, pi);
    assert.equal(charge.payment_intent, pi.id);
    assert.equal((charge.source as Stripe.Card).id, customer.default_source);
    assert.equal(charge.payment_method_details?.card?.brand, 'visa');
  });

  it('pays with source=card_… of the customer, or a token spent into a new PaymentMethod', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const mc = await stripe.customers.createSource(customer.id, { source: 'tok_mastercard' });
    const pi = await stripe.paymentIntents.create(
      withSource({
        amount: 1200,
        currency: 'usd',
        customer: customer.id,
        source: mc.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
        capture_method: 'automatic',
      }),
    );
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.source, mc.id);
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['source'] });
    assert.equal((expanded.source as Stripe.Card).brand, 'MasterCard');
    assert.equal((await latestCharge(stripe, pi)).payment_method_details?.card?.brand, 'mastercard');

    const token = await stripe.tokens.create({
      card: { number: '4242424242424242', exp_month: '12', exp_year: String(YEAR) },
    });
    const viaToken = await stripe.paymentIntents.create(
      withSource({
        amount: 900,
        currency: 'usd',
        source: token.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
      }),
    );
    assert.equal(viaToken.status, 'succeeded');
    assert.match(viaToken.payment_method as string, /^pm_/);
    const again = await http(server, 'POST', '/v1/payment_intents', {
      key,
      body: `amount=900&currency=usd&source=${token.id}&allowed_payment_method_types[]=card&confirm=true`,
    });
    assert.equal(again.status, 400);
    assert.equal(again.json.error.code, 'token_already_used');
    // A customer's card needs its customer on the intent.
    await expectInvalid(
      stripe.paymentIntents.create(
        withSource({
          amount: 900,
          currency: 'usd',
          source: mc.id,
          confirm: true,
          allowed_payment_method_types: ['card'],
        }),
      ),
      { param: 'source' },
    );
  });
});

describe('older SDKs', () => {
  it('stripe-node 8 (2020-08-27) adds a card source and charges it', async () => {
    // Loaded untyped: its declarations would redeclare the `stripe` module for the whole program.
    const StripeV8 = createRequire(import.meta.url)('stripe-v8') as new (key: string, opts: object) => Stripe;
    const key = newAccount(server).key;
    const old = new StripeV8(key, {
      host: '127.0.0.1',
      port: server.port,
      protocol: 'http',
      apiVersion: '2020-08-27',
      telemetry: false,
    });
    const customer = await old.customers.create({ source: 'tok_visa', email: 'old@example.com' });
    const card = (await old.customers.createSource(customer.id, { source: 'tok_mastercard' })) as Stripe.Card;
    assert.equal(card.object, 'card');
    const charge = await old.charges.create({ amount: 2000, currency: 'usd', customer: customer.id, source: card.id });
    assert.equal(charge.status, 'succeeded');
    assert.equal((charge.source as Stripe.Card).id, card.id);
    const declined = await old.charges
      .create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' })
      .catch((e) => e);
    assert.equal(declined.type, 'StripeCardError');
    assert.match(declined.raw.charge, /^ch_/);
  });
});
