/**
 * Flexible card capture through the official SDK: the four `payment_method_options[card][request_*]`
 * options, echoed on the PaymentIntent and granted by card brand (and, for incremental
 * authorisation, not between SCA countries), rendered on the charge as Stripe does
 * (`available`/`unavailable`, `enabled`/`disabled`); multicapture (`final_capture=false`, several
 * captures with decreasing `amount_capturable`, `charge.captured` each time, the last releasing the
 * rest, balance transactions per capture, refunds only once the authorisation is closed);
 * overcapture up to the charge's maximum; extended authorisation's later capture deadline;
 * incremental authorisation checked against what the network granted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, checkCharge, eventsFor, latestCharge, newAccount, pay } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

type CardOptions = Stripe.PaymentIntentCreateParams.PaymentMethodOptions.Card;

const ALL: CardOptions = {
  request_extended_authorization: 'if_available',
  request_incremental_authorization: 'if_available',
  request_multicapture: 'if_available',
  request_overcapture: 'if_available',
};

/** A manual-capture payment of `amount` asking for `card` options. */
function authorize(stripe: Stripe, card: CardOptions, pm = 'pm_card_visa', amount = 10000) {
  return pay(stripe, {
    amount,
    payment_method: pm,
    capture_method: 'manual',
    payment_method_options: { card },
  });
}

function features(charge: Stripe.Charge) {
  const card = charge.payment_method_details?.card;
  return {
    extended: card?.extended_authorization?.status,
    incremental: card?.incremental_authorization?.status,
    multicapture: card?.multicapture?.status,
    overcapture: card?.overcapture?.status,
  };
}

describe('what is requested and granted', () => {
  it('the PaymentIntent echoes the options; a Visa gets everything', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, ALL);
    assert.deepEqual(pi.payment_method_options?.card, {
      installments: null,
      mandate_options: null,
      network: null,
      request_extended_authorization: 'if_available',
      request_incremental_authorization: 'if_available',
      request_multicapture: 'if_available',
      request_overcapture: 'if_available',
      request_three_d_secure: 'automatic',
    });
    const charge = await latestCharge(stripe, pi);
    assert.deepEqual(features(charge), {
      extended: 'enabled',
      incremental: 'available',
      multicapture: 'available',
      overcapture: 'available',
    });
    assert.equal(charge.payment_method_details?.card?.overcapture?.maximum_amount_capturable, 12000);
    // An extended hold may be captured for 30 days instead of 7.
    assert.equal(charge.payment_method_details?.card?.capture_before, charge.created + 30 * 86_400);
  });

  it('nothing asked, nothing granted; never is never', async () => {
    const { stripe } = newAccount(server);
    const plain = await latestCharge(stripe, await authorize(stripe, {}));
    const disabled = {
      extended: 'disabled',
      incremental: 'unavailable',
      multicapture: 'unavailable',
      overcapture: 'unavailable',
    };
    assert.deepEqual(features(plain), disabled);
    assert.equal(plain.payment_method_details?.card?.overcapture?.maximum_amount_capturable, 10000);
    assert.equal(plain.payment_method_details?.card?.capture_before, plain.created + 7 * 86_400);
    const never = await authorize(stripe, {
      request_extended_authorization: 'never',
      request_incremental_authorization: 'never',
      request_multicapture: 'never',
      request_overcapture: 'never',
    });
    assert.equal(never.payment_method_options?.card?.request_multicapture, 'never');
    assert.deepEqual(features(await latestCharge(stripe, never)), disabled);
  });

  it('automatic capture gets none of them', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method_options: { card: ALL } });
    assert.equal(pi.status, 'succeeded');
    assert.equal(features(await latestCharge(stripe, pi)).multicapture, 'unavailable');
  });

  it('by brand: Amex has no incremental authorisation, JCB only multicapture', async () => {
    const { stripe } = newAccount(server);
    assert.deepEqual(features(await latestCharge(stripe, await authorize(stripe, ALL, 'pm_card_amex'))), {
      extended: 'enabled',
      incremental: 'unavailable',
      multicapture: 'available',
      overcapture: 'available',
    });
    assert.deepEqual(features(await latestCharge(stripe, await authorize(stripe, ALL, 'pm_card_jcb'))), {
      extended: 'disabled',
      incremental: 'unavailable',
      multicapture: 'available',
      overcapture: 'unavailable',
    });
  });

  it('no incremental authorisation when merchant and cardholder are both under SCA', async () => {
    const account = newAccount(server);
    const set = await http(server, 'POST', '/sandbank/v1/account', { key: account.key, body: 'country=FR' });
    assert.equal(set.status, 200, set.text);
    const fr = await pay(account.stripe, {
      currency: 'eur',
      payment_method: 'pm_card_fr',
      capture_method: 'manual',
      payment_method_options: { card: ALL },
    });
    assert.equal(features(await latestCharge(account.stripe, fr)).incremental, 'unavailable');
    const us = await pay(account.stripe, {
      currency: 'eur',
      payment_method: 'pm_card_visa',
      capture_method: 'manual',
      payment_method_options: { card: ALL },
    });
    assert.equal(features(await latestCharge(account.stripe, us)).incremental, 'available');
  });

  it('options set by update or at confirmation count too', async () => {
    const { stripe } = newAccount(server);
    const draft = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      capture_method: 'manual',
      allowed_payment_method_types: ['card'],
    });
    await stripe.paymentIntents.update(draft.id, {
      payment_method_options: { card: { request_multicapture: 'if_available' } },
    });
    const confirmed = await stripe.paymentIntents.confirm(draft.id, {
      payment_method: 'pm_card_visa',
      payment_method_options: { card: { request_overcapture: 'if_available' } },
    });
    const f = features(await latestCharge(stripe, confirmed));
    assert.equal(f.multicapture, 'available');
    assert.equal(f.overcapture, 'available');
    assert.equal(f.incremental, 'unavailable');
  });
});

describe('multicapture', () => {
  it('captures several times, then the final capture releases the rest', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const pi = await authorize(stripe, { request_multicapture: 'if_available' });
    const first = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000, final_capture: false });
    assert.equal(first.status, 'requires_capture');
    assert.equal(first.amount_capturable, 7000);
    assert.equal(first.amount_received, 3000);
    let charge = await latestCharge(stripe, first);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount_captured, 3000);
    assert.equal(charge.amount_refunded, 0);

    // While the authorisation is open, refunds are refused (cancel releases it instead).
    await expectInvalid(stripe.refunds.create({ charge: charge.id, amount: 100 }), {
      code: 'payment_intent_unexpected_state',
    });
    await expectInvalid(stripe.refunds.create({ payment_intent: pi.id, amount: 100 }), {
      code: 'payment_intent_unexpected_state',
    });

    const second = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2000, final_capture: false });
    assert.equal(second.amount_capturable, 5000);
    assert.equal(second.amount_received, 5000);
    await expectInvalid(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 6000, final_capture: false }), {
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    const last = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1000 });
    assert.equal(last.status, 'succeeded');
    assert.equal(last.amount_capturable, 0);
    assert.equal(last.amount_received, 6000);
    charge = checkCharge(await latestCharge(stripe, last));
    assert.equal(charge.amount_captured, 6000);
    assert.equal(charge.amount_refunded, 4000, 'the uncaptured 40.00 is released');
    assert.equal(charge.refunded, false);

    // Each capture has its balance transaction.
    const txns = await stripe.balanceTransactions.list({ source: charge.id } as Stripe.BalanceTransactionListParams);
    assert.deepEqual(txns.data.map((t) => t.amount).sort(), [1000, 2000, 3000]);

    const events = await eventsFor(server, await accountIdOf(server, account.key), charge.id);
    assert.deepEqual(
      events.filter((e) => e.type === 'charge.captured').map((e) => e.data.object.amount_captured),
      [3000, 5000, 6000],
    );
    const piEvents = await eventsFor(server, await accountIdOf(server, account.key), pi.id);
    assert.deepEqual(
      piEvents
        .filter((e) => e.type === 'payment_intent.amount_capturable_updated')
        .map((e) => e.data.object.amount_capturable),
      [10000, 7000, 5000],
    );
    assert.equal(piEvents.filter((e) => e.type === 'payment_intent.succeeded').length, 1);

    // Now closed: the captured 60.00 can be refunded, and no more.
    await expectInvalid(stripe.refunds.create({ charge: charge.id, amount: 6001 }), { param: 'amount' });
    const refund = await stripe.refunds.create({ charge: charge.id });
    assert.equal(refund.amount, 6000);
    assert.equal((await stripe.charges.retrieve(charge.id)).refunded, true);
  });

  it('capturing everything with final_capture=false still succeeds', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, { request_multicapture: 'if_available' });
    const done = await stripe.paymentIntents.capture(pi.id, { final_capture: false });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.amount_received, 10000);
  });

  it('canceling after a partial capture releases only the rest', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, { request_multicapture: 'if_available' });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2500, final_capture: false });
    const canceled = await stripe.paymentIntents.cancel(pi.id);
    assert.equal(canceled.status, 'canceled');
    const charge = await latestCharge(stripe, canceled);
    assert.equal(charge.amount_captured, 2500);
    assert.equal(charge.amount_refunded, 7500);
    assert.equal(charge.refunded, false);
  });

  it('final_capture=false needs multicapture', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, {});
    await expectInvalid(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1000, final_capture: false }), {
      param: 'final_capture',
    });
    // Incremental authorisation ends once captures have begun.
    const both = await authorize(stripe, {
      request_multicapture: 'if_available',
      request_incremental_authorization: 'if_available',
    });
    await stripe.paymentIntents.capture(both.id, { amount_to_capture: 1000, final_capture: false });
    await expectInvalid(stripe.paymentIntents.incrementAuthorization(both.id, { amount: 20000 }), {
      code: 'payment_intent_incremental_authorization_failed',
    });
  });
});

describe('overcapture', () => {
  it('captures more than authorised, up to the maximum, and refunds all of it', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, { request_overcapture: 'if_available' });
    await expectInvalid(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 12001 }), {
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 11500 });
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 11500);
    const charge = await latestCharge(stripe, captured);
    assert.equal(charge.amount, 10000);
    assert.equal(charge.amount_captured, 11500);
    assert.equal(charge.amount_refunded, 0);
    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    assert.equal(txn.amount, 11500);
    const refund = await stripe.refunds.create({ charge: charge.id });
    assert.equal(refund.amount, 11500);
    assert.equal((await stripe.charges.retrieve(charge.id)).refunded, true);
  });

  it('without overcapture the authorisation is the ceiling', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, { request_overcapture: 'if_available' }, 'pm_card_jcb');
    await expectInvalid(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 10001 }), {
      code: 'amount_too_large',
    });
  });

  it('an increment raises the overcapture ceiling', async () => {
    const { stripe } = newAccount(server);
    const pi = await authorize(stripe, {
      request_overcapture: 'if_available',
      request_incremental_authorization: 'if_available',
    });
    await stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 15000 });
    const charge = await latestCharge(stripe, pi);
    assert.equal(charge.payment_method_details?.card?.overcapture?.maximum_amount_capturable, 18000);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 18000 });
    assert.equal(captured.amount_received, 18000);
  });
});

describe('incremental authorisation', () => {
  it('asking is not enough: the network must grant it', async () => {
    const { stripe } = newAccount(server);
    const amex = await authorize(stripe, { request_incremental_authorization: 'if_available' }, 'pm_card_amex');
    await expectInvalid(stripe.paymentIntents.incrementAuthorization(amex.id, { amount: 20000 }), {
      code: 'payment_intent_incremental_authorization_failed',
      message: /did not grant it/,
    });
    const visa = await authorize(stripe, { request_incremental_authorization: 'if_available' });
    const raised = await stripe.paymentIntents.incrementAuthorization(visa.id, { amount: 20000 });
    assert.equal(raised.amount_capturable, 20000);
    const charge = await latestCharge(stripe, raised);
    assert.equal(charge.amount, 20000);
    assert.equal(charge.payment_method_details?.card?.amount_authorized, 20000);
    assert.equal(charge.payment_method_details?.card?.incremental_authorization?.status, 'available');
  });
});
