/**
 * PaymentIntents end to end through the official SDK (and raw HTTP where the wire matters): every
 * move of the status table and Stripe's `payment_intent_unexpected_state` answer to each illegal
 * one, manual and asynchronous capture, 3-D Secure through the test helper, off-session payments,
 * incremental authorisation, lists and search, what a publishable key may do, amount and currency
 * limits, the events each scenario emits (in order, with their request), idempotent replays of a
 * decline, and the shape of every PaymentIntent and Charge on the way.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectError, expectInvalid } from '../support/customers.js';
import {
  accountIdOf,
  advance,
  authenticate,
  checkCharge,
  checkPaymentIntent,
  client,
  eventsFor,
  eventsOf,
  expectCardError,
  latestCharge,
  newAccount,
  pay,
  type StoredEvent,
  type TestAccount,
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

const CARD_ONLY = { allowed_payment_method_types: ['card'] };

/** A PaymentIntent that is not confirmed yet (cards only), shape-checked. */
async function draft(
  stripe: Stripe,
  params: Partial<Stripe.PaymentIntentCreateParams> = {},
): Promise<Stripe.PaymentIntent> {
  return checkPaymentIntent(
    await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...CARD_ONLY, ...params }),
  );
}

/** Stripe's `payment_intent_unexpected_state`: 400, the exact message, and the intent as it is now. */
async function expectUnexpectedState(
  promise: Promise<unknown>,
  pi: { id: string; status: string },
  message: string,
  param?: string,
): Promise<Stripe.errors.StripeInvalidRequestError> {
  const err = await expectInvalid(promise, {
    code: 'payment_intent_unexpected_state',
    message,
    ...(param ? { param } : {}),
  });
  const raw = err.raw as { type: string; doc_url: string };
  assert.equal(raw.type, 'invalid_request_error');
  assert.equal(raw.doc_url, 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state');
  const embedded = checkPaymentIntent((err.raw as { payment_intent: Stripe.PaymentIntent }).payment_intent);
  assert.equal(embedded.id, pi.id);
  assert.equal(embedded.status, pi.status);
  return err;
}

const MISSING_PM =
  "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.";
const CONFIRM_SUCCEEDED =
  'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.';
const cancelRefused = (status: string) =>
  `You cannot cancel this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`;
const captureRefused = (status: string) =>
  `This PaymentIntent could not be captured because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`;
const confirmRefused = (status: string) =>
  `You cannot confirm this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`;
const updateRefused = (field: string, status: string) =>
  `This PaymentIntent's ${field} could not be updated because it has a status of ${status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`;
const AUTHENTICATION_FAILURE =
  'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.';
const RETURN_URL_REQUIRED =
  'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.';

const types = (events: StoredEvent[]) => events.map((e) => e.type);

describe('status transitions', () => {
  it('create without a payment method → requires_payment_method', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe, { description: 'Order 1', metadata: { order: '1' } });
    assert.match(pi.id, /^pi_[0-9A-Za-z]{24}$/);
    assert.equal(pi.object, 'payment_intent');
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.amount, 2000);
    assert.equal(pi.currency, 'usd');
    assert.equal(pi.amount_capturable, 0);
    assert.equal(pi.amount_received, 0);
    assert.equal(pi.latest_charge, null);
    assert.equal(pi.payment_method, null);
    assert.equal(pi.last_payment_error, null);
    assert.equal(pi.next_action, null);
    assert.equal(pi.canceled_at, null);
    assert.equal(pi.confirmation_method, 'automatic');
    // Omitted capture_method means automatic_async (API 2024-04-10 and later).
    assert.equal(pi.capture_method, 'automatic_async');
    assert.equal(pi.livemode, false);
    assert.match(pi.client_secret ?? '', new RegExp(`^${pi.id}_secret_[0-9A-Za-z]+$`));
    assert.deepEqual(pi.metadata, { order: '1' });
    assert.deepEqual(checkPaymentIntent(await stripe.paymentIntents.retrieve(pi.id)), pi);
  });

  it('create with a payment method → requires_confirmation; confirm → succeeded', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe, { payment_method: 'pm_card_visa', capture_method: 'automatic' });
    assert.equal(pi.status, 'requires_confirmation');
    assert.match(pi.payment_method as string, /^pm_/);
    assert.notEqual(pi.payment_method, 'pm_card_visa', 'a test id becomes a real PaymentMethod');
    const done = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id));
    assert.equal(done.status, 'succeeded');
    assert.equal(done.amount_received, 2000);
    assert.equal(done.amount_capturable, 0);
    assert.equal(done.payment_method, pi.payment_method);
    const charge = await latestCharge(stripe, done);
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.paid, true);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount, 2000);
    assert.equal(charge.amount_captured, 2000);
    assert.equal(charge.payment_intent, pi.id);
    assert.equal(charge.payment_method, pi.payment_method);
    assert.match(charge.balance_transaction as string, /^txn_/);
    assert.match(charge.receipt_url ?? '', /^https:\/\/pay\.stripe\.com\/receipts\//);
  });

  it('update with a payment method: requires_payment_method → requires_confirmation', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    const updated = checkPaymentIntent(
      await stripe.paymentIntents.update(pi.id, { payment_method: 'pm_card_mastercard' }),
    );
    assert.equal(updated.status, 'requires_confirmation');
    const done = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id));
    assert.equal(done.status, 'succeeded');
    assert.equal((await latestCharge(stripe, done)).payment_method_details?.card?.brand, 'mastercard');
  });

  it('confirm with a payment method straight from requires_payment_method', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    const done = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_amex' }));
    assert.equal(done.status, 'succeeded');
  });

  it('refuses to confirm without a payment method', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    await expectUnexpectedState(stripe.paymentIntents.confirm(pi.id), pi, MISSING_PM);
    // create with confirm=true and nothing to pay with is refused the same way
    await expectInvalid(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...CARD_ONLY, confirm: true }), {
      code: 'payment_intent_unexpected_state',
      message: MISSING_PM,
    });
  });

  it('refuses to confirm, cancel or update the money of a succeeded PaymentIntent', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe);
    assert.equal(pi.status, 'succeeded');
    await expectUnexpectedState(stripe.paymentIntents.confirm(pi.id), pi, CONFIRM_SUCCEEDED);
    await expectUnexpectedState(stripe.paymentIntents.cancel(pi.id), pi, cancelRefused('succeeded'));
    await expectUnexpectedState(stripe.paymentIntents.capture(pi.id), pi, captureRefused('succeeded'));
    for (const [field, value] of [
      ['amount', { amount: 3000 }],
      ['currency', { currency: 'eur' }],
      ['payment_method', { payment_method: 'pm_card_visa' }],
      ['capture_method', { capture_method: 'manual' }],
    ] as const) {
      await expectUnexpectedState(
        stripe.paymentIntents.update(pi.id, value as Stripe.PaymentIntentUpdateParams),
        pi,
        updateRefused(field, 'succeeded'),
        field,
      );
    }
    // Descriptive fields stay editable after the payment.
    const updated = checkPaymentIntent(
      await stripe.paymentIntents.update(pi.id, { metadata: { shipped: 'yes' }, description: 'Shipped' }),
    );
    assert.equal(updated.status, 'succeeded');
    assert.deepEqual(updated.metadata, { shipped: 'yes' });
    assert.equal(updated.description, 'Shipped');
    assert.equal(updated.amount, 2000);
  });

  it('refuses to confirm, cancel, capture or update the amount of a canceled PaymentIntent', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    const canceled = checkPaymentIntent(
      await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' }),
    );
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'abandoned');
    assert.equal(typeof canceled.canceled_at, 'number');
    await expectUnexpectedState(stripe.paymentIntents.cancel(pi.id), canceled, cancelRefused('canceled'));
    await expectUnexpectedState(stripe.paymentIntents.confirm(pi.id), canceled, confirmRefused('canceled'));
    await expectUnexpectedState(stripe.paymentIntents.capture(pi.id), canceled, captureRefused('canceled'));
    await expectUnexpectedState(
      stripe.paymentIntents.update(pi.id, { amount: 3000 }),
      canceled,
      updateRefused('amount', 'canceled'),
      'amount',
    );
  });

  it('confirming a canceled PaymentIntent with a new payment method fails on the payment_method update first', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    const canceled = await stripe.paymentIntents.cancel(pi.id);
    await expectUnexpectedState(
      stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }),
      canceled,
      updateRefused('payment_method', 'canceled'),
    );
  });

  it('a new payment method on a requires_action intent sends it back to requires_confirmation', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(pi.status, 'requires_action');
    const updated = checkPaymentIntent(await stripe.paymentIntents.update(pi.id, { payment_method: 'pm_card_visa' }));
    assert.equal(updated.status, 'requires_confirmation');
    assert.equal(updated.next_action, null);
  });

  it('refuses to capture a PaymentIntent that is not requires_capture', async () => {
    const { stripe } = newAccount(server);
    const pi = await draft(stripe);
    await expectUnexpectedState(stripe.paymentIntents.capture(pi.id), pi, captureRefused('requires_payment_method'));
    const ready = await draft(stripe, { payment_method: 'pm_card_visa' });
    await expectUnexpectedState(
      stripe.paymentIntents.capture(ready.id),
      ready,
      captureRefused('requires_confirmation'),
    );
  });

  it('cancels from requires_payment_method, requires_confirmation and requires_action', async () => {
    const { stripe } = newAccount(server);
    const a = await draft(stripe);
    const b = await draft(stripe, { payment_method: 'pm_card_visa' });
    const c = await pay(stripe, { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(c.status, 'requires_action');
    for (const [pi, reason] of [
      [a, 'duplicate'],
      [b, 'fraudulent'],
      [c, 'requested_by_customer'],
    ] as const) {
      const canceled = checkPaymentIntent(await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: reason }));
      assert.equal(canceled.status, 'canceled');
      assert.equal(canceled.cancellation_reason, reason);
      assert.equal(canceled.next_action, null);
    }
    await expectInvalid(
      stripe.paymentIntents.cancel((await draft(stripe)).id, {
        cancellation_reason: 'bored' as Stripe.PaymentIntentCancelParams.CancellationReason,
      }),
      { param: 'cancellation_reason' },
    );
  });

  it('answers No such payment_intent for an unknown id', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentIntents.retrieve('pi_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such payment_intent: 'pi_nope'",
    });
  });
});

describe('manual capture', () => {
  it('authorises, refuses an over-capture, then captures part and releases the rest', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { capture_method: 'manual' });
    assert.equal(pi.status, 'requires_capture');
    assert.equal(pi.amount_capturable, 2000);
    assert.equal(pi.amount_received, 0);
    const auth = await latestCharge(stripe, pi);
    assert.equal(auth.status, 'succeeded');
    assert.equal(auth.paid, true);
    assert.equal(auth.captured, false);
    assert.equal(auth.amount_captured, 0);
    assert.equal(auth.balance_transaction, null);
    assert.equal(typeof auth.payment_method_details?.card?.capture_before, 'number');

    const over = await expectInvalid(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2001 }), {
      code: 'amount_too_large',
      param: 'amount_to_capture',
      message:
        'The payment could not be captured because the requested capture amount is greater than the authorized amount. If you are trying to collect a tip or over-capture, your account might not be configured for those features. Contact us via https://support.stripe.com/contact/',
    });
    assert.equal((over.raw as { type: string }).type, 'invalid_request_error');
    assert.equal(checkPaymentIntent(await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');

    const captured = checkPaymentIntent(await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 }));
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 1500);
    assert.equal(captured.amount_capturable, 0);
    assert.equal(captured.amount, 2000);
    const charge = await latestCharge(stripe, captured);
    assert.equal(charge.id, auth.id);
    assert.equal(charge.captured, true);
    assert.equal(charge.amount_captured, 1500);
    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    assert.equal(txn.amount, 1500);
    assert.equal(txn.source, charge.id);
    await expectUnexpectedState(stripe.paymentIntents.capture(pi.id), captured, captureRefused('succeeded'));
  });

  it('a partial capture shows the released remainder as refunded on the charge', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { capture_method: 'manual' });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
    const charge = await latestCharge(stripe, captured);
    assert.equal(charge.amount_captured, 1500);
    assert.equal(charge.amount_refunded, 500);
    assert.equal(charge.refunded, false);
  });

  it('captures the whole authorisation by default', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { capture_method: 'manual' });
    const captured = checkPaymentIntent(await stripe.paymentIntents.capture(pi.id));
    assert.equal(captured.amount_received, 2000);
    const charge = await latestCharge(stripe, captured);
    assert.equal(charge.amount_captured, 2000);
    assert.equal(charge.amount_refunded, 0);
  });

  it('cancel from requires_capture releases the authorisation', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { capture_method: 'manual' });
    const canceled = checkPaymentIntent(
      await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' }),
    );
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'requested_by_customer');
    assert.equal(typeof canceled.canceled_at, 'number');
    assert.equal(canceled.amount_capturable, 0);
    assert.equal(canceled.amount_received, 0);
    const charge = await latestCharge(stripe, canceled);
    assert.equal(charge.captured, false);
    assert.equal(charge.refunded, true);
    assert.equal(charge.amount_refunded, 2000);
    assert.equal(charge.amount_captured, 0);
    assert.equal(charge.balance_transaction, null);
  });
});

describe('3-D Secure', () => {
  it('requires_action → the cardholder completes → succeeded', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const pi = await pay(stripe, {
      payment_method: 'pm_card_authenticationRequired',
      return_url: 'https://shop.example/return?order=7',
    });
    assert.equal(pi.status, 'requires_action');
    assert.equal(pi.latest_charge, null);
    assert.equal(pi.next_action?.type, 'redirect_to_url');
    assert.equal(pi.next_action?.redirect_to_url?.return_url, 'https://shop.example/return?order=7');
    assert.match(pi.next_action?.redirect_to_url?.url ?? '', /^https?:\/\//);
    // Still confirmable (or cancelable) while the customer is away; not capturable.
    await expectUnexpectedState(stripe.paymentIntents.capture(pi.id), pi, captureRefused('requires_action'));

    const done = await authenticate(server, account.key, pi.id, 'complete');
    assert.equal(done.status, 'succeeded');
    assert.equal(done.next_action, null);
    assert.equal(done.amount_received, 2000);
    const charge = await latestCharge(stripe, done);
    assert.equal(charge.status, 'succeeded');
    const tds = charge.payment_method_details?.card?.three_d_secure;
    assert.equal(tds?.result, 'authenticated');
    assert.equal(tds?.authentication_flow, 'challenge');
    assert.equal(typeof tds?.version, 'string');
  });

  it('without a return_url the next action is use_stripe_sdk', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_threeDSecure2Required' });
    assert.equal(pi.status, 'requires_action');
    assert.equal(pi.next_action?.type, 'use_stripe_sdk');
    assert.equal(typeof pi.next_action?.use_stripe_sdk, 'object');
  });

  it('requires_action → the cardholder fails → requires_payment_method with payment_intent_authentication_failure', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const pi = await pay(stripe, { payment_method: 'pm_card_authenticationRequired' });
    const failed = await authenticate(server, account.key, pi.id, 'fail');
    assert.equal(failed.status, 'requires_payment_method');
    assert.equal(failed.payment_method, null);
    assert.equal(failed.next_action, null);
    assert.equal(failed.latest_charge, null);
    const lpe = failed.last_payment_error as Stripe.PaymentIntent.LastPaymentError;
    assert.equal(lpe.code, 'payment_intent_authentication_failure');
    assert.equal(lpe.type, 'invalid_request_error');
    assert.equal(lpe.message, AUTHENTICATION_FAILURE);
    assert.equal(lpe.doc_url, 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure');
    assert.equal(lpe.payment_method?.id, pi.payment_method);
    // A new payment method gets the payment through, and clears the error.
    const retried = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }));
    assert.equal(retried.status, 'succeeded');
    assert.equal(retried.last_payment_error, null);
  });

  it('the test helper refuses an intent that is not waiting for authentication', async () => {
    const account = newAccount(server);
    const pi = await pay(account.stripe);
    const res = await http(server, 'POST', `/sandbank/v1/payment_intents/${pi.id}/authenticate`, {
      key: account.key,
      body: 'outcome=complete',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, 'payment_intent_unexpected_state');
  });

  it('with confirmation_method=manual, authentication returns the intent to requires_confirmation', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const pi = await pay(stripe, { payment_method: 'pm_card_authenticationRequired', confirmation_method: 'manual' });
    assert.equal(pi.status, 'requires_action');
    const authenticated = await authenticate(server, account.key, pi.id, 'complete');
    assert.equal(authenticated.status, 'requires_confirmation');
    const done = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id));
    assert.equal(done.status, 'succeeded');
    assert.equal(
      (await latestCharge(stripe, done)).payment_method_details?.card?.three_d_secure?.result,
      'authenticated',
    );
  });

  it('off_session on a card that always authenticates fails with authentication_required', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create();
    const pm = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const err = await expectCardError(pay(stripe, { customer: customer.id, payment_method: pm.id, off_session: true }));
    assert.equal(err.code, 'authentication_required');
    assert.equal(err.decline_code, 'authentication_required');
    assert.equal(err.message, 'Your card was declined. This transaction requires authentication.');
    const raw = err.raw as { charge: string; payment_intent: Stripe.PaymentIntent };
    const pi = checkPaymentIntent(raw.payment_intent);
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.last_payment_error?.code, 'authentication_required');
    assert.equal(pi.last_payment_error?.decline_code, 'authentication_required');
    const charge = checkCharge(await stripe.charges.retrieve(raw.charge));
    assert.equal(charge.status, 'failed');
    assert.equal(charge.failure_code, 'authentication_required');
    assert.equal(charge.outcome?.type, 'issuer_declined');
    assert.equal(charge.outcome?.seller_message, 'The bank returned the decline code `authentication_required`.');
    // The customer comes back on session: the same intent asks for authentication and succeeds.
    const back = checkPaymentIntent(await stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }));
    assert.equal(back.status, 'requires_action');
  });

  it('saves a card with setup_future_usage=off_session, then charges it off session without action', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const first = await pay(stripe, {
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      setup_future_usage: 'off_session',
    });
    assert.equal(first.status, 'requires_action');
    assert.equal(first.setup_future_usage, 'off_session');
    const done = await authenticate(server, account.key, first.id, 'complete');
    assert.equal(done.status, 'succeeded');
    const saved = await stripe.paymentMethods.retrieve(done.payment_method as string);
    assert.equal(saved.customer, customer.id);
    const attached = (await eventsFor(server, accountId, saved.id)).filter((e) => e.type === 'payment_method.attached');
    assert.equal(attached.length, 1);
    assert.equal(attached[0]?.data.object.customer, customer.id);

    const later = await pay(stripe, { customer: customer.id, payment_method: saved.id, off_session: true });
    assert.equal(later.status, 'succeeded');
    assert.equal(later.next_action, null);
    assert.equal((await latestCharge(stripe, later)).payment_method_details?.card?.three_d_secure, null);

    // On session, the same card still asks the cardholder.
    const onSession = await pay(stripe, { customer: customer.id, payment_method: saved.id });
    assert.equal(onSession.status, 'requires_action');
  });

  it('a card that always authenticates fails off session even after it was saved', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const customer = await stripe.customers.create();
    const first = await pay(stripe, {
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequired',
      setup_future_usage: 'off_session',
    });
    const done = await authenticate(server, account.key, first.id, 'complete');
    assert.equal(done.status, 'succeeded');
    const err = await expectCardError(
      pay(stripe, { customer: customer.id, payment_method: done.payment_method as string, off_session: true }),
    );
    assert.equal(err.code, 'authentication_required');
  });

  it('error_on_requires_action lets a payment without authentication through', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { error_on_requires_action: true });
    assert.equal(pi.status, 'succeeded');
  });

  it('error_on_requires_action turns a needed authentication into a 402 authentication_required', async () => {
    const { stripe } = newAccount(server);
    const err = await expectCardError(
      pay(stripe, { payment_method: 'pm_card_authenticationRequired', error_on_requires_action: true }),
    );
    assert.equal(err.code, 'authentication_required');
    assert.equal(err.decline_code, 'authentication_not_handled');
    assert.equal(
      err.message,
      "This payment required an authentication action to complete, but `error_on_requires_action` was set. When you're ready, you can upgrade your integration to handle actions at https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions.",
    );
    const pi = (err.raw as { payment_intent: Stripe.PaymentIntent }).payment_intent;
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.last_payment_error?.code, 'authentication_required');
  });
});

describe('return_url and automatic payment methods', () => {
  const base = { amount: 2000, currency: 'usd', payment_method: 'pm_card_visa' };

  it('requires a return_url to confirm when redirects are allowed', async () => {
    const { stripe } = newAccount(server);
    const err = await expectInvalid(stripe.paymentIntents.create({ ...base, confirm: true }), {
      message: RETURN_URL_REQUIRED,
    });
    assert.equal((err.raw as { type: string }).type, 'invalid_request_error');
    // On the confirm endpoint too.
    const pi = checkPaymentIntent(await stripe.paymentIntents.create(base));
    assert.equal(pi.automatic_payment_methods?.enabled, true);
    assert.equal(pi.status, 'requires_confirmation');
    await expectInvalid(stripe.paymentIntents.confirm(pi.id), { message: RETURN_URL_REQUIRED });
    const done = checkPaymentIntent(
      await stripe.paymentIntents.confirm(pi.id, { return_url: 'https://shop.example/done' }),
    );
    assert.equal(done.status, 'succeeded');
  });

  it('confirms without a return_url when allow_redirects=never or with allowed_payment_method_types', async () => {
    const { stripe } = newAccount(server);
    const never = checkPaymentIntent(
      await stripe.paymentIntents.create({
        ...base,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      }),
    );
    assert.equal(never.status, 'succeeded');
    assert.deepEqual(never.automatic_payment_methods, { allow_redirects: 'never', enabled: true });
    const withUrl = checkPaymentIntent(
      await stripe.paymentIntents.create({ ...base, confirm: true, return_url: 'https://shop.example/done' }),
    );
    assert.equal(withUrl.status, 'succeeded');
    const cards = checkPaymentIntent(await stripe.paymentIntents.create({ ...base, ...CARD_ONLY, confirm: true }));
    assert.equal(cards.status, 'succeeded');
    assert.equal(cards.automatic_payment_methods, null);
    assert.deepEqual(cards.allowed_payment_method_types, ['card']);
    assert.deepEqual(cards.payment_method_types, ['card']);
  });

  it('accepts payment_method_types as API versions before 2026-09-30 do', async () => {
    const { stripe } = newAccount(server);
    const legacy = (params: Record<string, unknown>) =>
      stripe.paymentIntents.create({ ...base, ...params } as Stripe.PaymentIntentCreateParams);
    const pi = checkPaymentIntent(await legacy({ payment_method_types: ['card'], confirm: true }));
    assert.equal(pi.status, 'succeeded', 'no return_url needed: the types were listed');
    assert.deepEqual(pi.payment_method_types, ['card']);
    assert.equal(pi.automatic_payment_methods, null);
    await expectInvalid(legacy({ payment_method_types: ['card'], automatic_payment_methods: { enabled: true } }), {
      message: 'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
    });
  });

  it('refuses listed types together with automatic_payment_methods, and unknown types', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(
      stripe.paymentIntents.create({ ...base, ...CARD_ONLY, automatic_payment_methods: { enabled: true } }),
      {
        message:
          'You may only specify one of these parameters: automatic_payment_methods, allowed_payment_method_types.',
      },
    );
    await expectInvalid(
      stripe.paymentIntents.create({ amount: 2000, currency: 'usd', allowed_payment_method_types: ['carrier_pigeon'] }),
      { message: /^The payment method type provided: carrier_pigeon is invalid\./ },
    );
  });
});

describe('automatic_async capture', () => {
  it('fills the balance transaction after the payment, with charge.updated', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const pi = checkPaymentIntent(
      await stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        ...CARD_ONLY,
        payment_method: 'pm_card_visa',
        confirm: true,
        expand: ['latest_charge'],
      }),
    );
    assert.equal(pi.capture_method, 'automatic_async');
    assert.equal(pi.status, 'succeeded');
    const atConfirm = checkCharge(pi.latest_charge as Stripe.Charge);
    assert.equal(atConfirm.balance_transaction, null, 'not settled in the confirm response');
    assert.equal(atConfirm.captured, true);

    await advance(server, account.key, 0);
    const settled = checkCharge(await stripe.charges.retrieve(atConfirm.id));
    assert.match(settled.balance_transaction as string, /^txn_/);
    const events = await eventsFor(server, accountId, atConfirm.id);
    assert.deepEqual(types(events), ['charge.succeeded', 'charge.updated']);
    assert.equal(events[0]?.data.object.balance_transaction, null);
    const updated = events[1] as StoredEvent;
    assert.equal(updated.data.object.balance_transaction, settled.balance_transaction);
    assert.deepEqual(updated.data.previous_attributes, { balance_transaction: null });
    assert.deepEqual(updated.request, { id: null, idempotency_key: null }, 'no request caused it');
    // The PaymentIntent's events came first.
    const all = types(await eventsOf(server, accountId));
    assert.deepEqual(all, ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'charge.updated']);
  });
});

describe('increment_authorization', () => {
  it('raises an authorisation that asked for it, and captures the new amount', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const pi = await pay(stripe, {
      capture_method: 'manual',
      payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
    });
    assert.equal(pi.status, 'requires_capture');
    const raised = checkPaymentIntent(await stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 3000 }));
    assert.equal(raised.status, 'requires_capture');
    assert.equal(raised.amount, 3000);
    assert.equal(raised.amount_capturable, 3000);
    const charge = await latestCharge(stripe, raised);
    assert.equal(charge.amount, 3000);
    assert.equal(charge.payment_method_details?.card?.amount_authorized, 3000);
    const capturable = (await eventsFor(server, accountId, pi.id)).filter(
      (e) => e.type === 'payment_intent.amount_capturable_updated',
    );
    assert.deepEqual(
      capturable.map((e) => e.data.object.amount_capturable),
      [2000, 3000],
    );
    await expectInvalid(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 2500 }), { param: 'amount' });
    const captured = checkPaymentIntent(await stripe.paymentIntents.capture(pi.id));
    assert.equal(captured.amount_received, 3000);
    await expectUnexpectedState(
      stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 4000 }),
      captured,
      "This PaymentIntent's authorization could not be incremented because it has a status of succeeded. Only a PaymentIntent with one of the following statuses may be incremented: requires_capture.",
    );
  });

  it('refuses an authorisation that did not ask for incremental authorisation', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { capture_method: 'manual' });
    await expectInvalid(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 3000 }), {
      code: 'payment_intent_incremental_authorization_failed',
    });
  });

  it('the charge says incremental authorisation is available when it was requested', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, {
      capture_method: 'manual',
      payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
    });
    const charge = await latestCharge(stripe, pi);
    assert.equal(charge.payment_method_details?.card?.incremental_authorization?.status, 'available');
  });
});

describe('list and search', () => {
  it('lists newest first, filters by customer, and paginates', async () => {
    const { stripe } = newAccount(server);
    const [alice, bob] = await Promise.all([stripe.customers.create(), stripe.customers.create()]);
    const ofAlice: Stripe.PaymentIntent[] = [];
    for (let i = 0; i < 3; i++) ofAlice.push(await draft(stripe, { customer: alice.id }));
    await draft(stripe, { customer: bob.id });
    await draft(stripe);
    const all = await stripe.paymentIntents.list({ limit: 10 });
    assertShape(all, 'ApiList<PaymentIntent>');
    assert.equal(all.data.length, 5);
    assert.equal(all.url, '/v1/payment_intents');
    const mine = await stripe.paymentIntents.list({ customer: alice.id });
    assert.deepEqual(
      mine.data.map((p) => p.id),
      ofAlice.map((p) => p.id).reverse(),
    );
    const page1 = await stripe.paymentIntents.list({ customer: alice.id, limit: 2 });
    assert.equal(page1.has_more, true);
    const page2 = await stripe.paymentIntents.list({
      customer: alice.id,
      limit: 2,
      starting_after: page1.data[1]?.id as string,
    });
    assert.equal(page2.has_more, false);
    assert.deepEqual(
      [...page1.data, ...page2.data].map((p) => p.id),
      mine.data.map((p) => p.id),
    );
  });

  it('searches by status and metadata', async () => {
    const { stripe } = newAccount(server);
    const paid = await pay(stripe, { metadata: { order: '42' } });
    const paidOther = await pay(stripe, { metadata: { order: '43' } });
    const open = await draft(stripe, { metadata: { order: '42' } });
    const succeeded = await stripe.paymentIntents.search({ query: 'status:"succeeded"' });
    assertShape(succeeded, 'ApiSearchResult<PaymentIntent>');
    assert.deepEqual(succeeded.data.map((p) => p.id).sort(), [paid.id, paidOther.id].sort());
    const order42 = await stripe.paymentIntents.search({ query: 'metadata["order"]:"42"' });
    assert.deepEqual(order42.data.map((p) => p.id).sort(), [paid.id, open.id].sort());
    const both = await stripe.paymentIntents.search({ query: 'status:"succeeded" AND metadata["order"]:"42"' });
    assert.deepEqual(
      both.data.map((p) => p.id),
      [paid.id],
    );
  });
});

describe('publishable key', () => {
  /** A PaymentIntent with secret-key-only fields set, and the account's publishable key. */
  async function setup(): Promise<{ account: TestAccount; pi: Stripe.PaymentIntent }> {
    const account = newAccount(server);
    const customer = await account.stripe.customers.create();
    const pi = await draft(account.stripe, { customer: customer.id, metadata: { secret: 'yes' } });
    return { account, pi };
  }

  it('retrieves only with the right client secret, and sees the redacted view', async () => {
    const { account, pi } = await setup();
    const pk = account.publishableKey;
    const none = await http(server, 'GET', `/v1/payment_intents/${pi.id}`, { key: pk });
    assert.ok([400, 401].includes(none.status), none.text);
    assert.equal(none.json.error.type, 'invalid_request_error');
    const wrong = await http(server, 'GET', `/v1/payment_intents/${pi.id}?client_secret=${pi.id}_secret_wrong`, {
      key: pk,
    });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(
      wrong.json.error.message,
      'The client_secret provided does not match any associated PaymentIntent on this account.',
    );
    const right = await http(server, 'GET', `/v1/payment_intents/${pi.id}?client_secret=${pi.client_secret}`, {
      key: pk,
    });
    assert.equal(right.status, 200, right.text);
    assert.equal(right.json.id, pi.id);
    assert.equal(right.json.status, 'requires_payment_method');
    assert.equal(right.json.client_secret, pi.client_secret);
    assert.equal(right.json.amount, 2000);
    for (const hidden of ['metadata', 'customer', 'latest_charge', 'amount_received', 'amount_capturable']) {
      assert.equal(hidden in right.json, false, `${hidden} is for secret keys only`);
    }
  });

  it('refuses to create, capture, cancel or list with a publishable key', async () => {
    const { account, pi } = await setup();
    const stripePk = client(server, account.publishableKey);
    const expected = {
      statusCode: 401,
      code: 'secret_key_required',
      message:
        'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    };
    await expectError(
      stripePk.paymentIntents.create({ amount: 2000, currency: 'usd' }),
      Stripe.errors.StripeAuthenticationError,
      expected,
    );
    await expectError(stripePk.paymentIntents.cancel(pi.id), Stripe.errors.StripeAuthenticationError, expected);
    await expectError(stripePk.paymentIntents.capture(pi.id), Stripe.errors.StripeAuthenticationError, expected);
    await expectError(stripePk.paymentIntents.list(), Stripe.errors.StripeAuthenticationError, expected);
    await expectError(
      stripePk.paymentIntents.update(pi.id, { amount: 1 }),
      Stripe.errors.StripeAuthenticationError,
      expected,
    );
  });

  it('confirms with the client secret (as Stripe.js does) and answers the redacted view', async () => {
    const { account, pi } = await setup();
    const pk = account.publishableKey;
    const wrong = await http(server, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
      key: pk,
      body: `client_secret=${pi.id}_secret_nope&payment_method=pm_card_visa`,
    });
    assert.equal(wrong.status, 400, wrong.text);
    const none = await http(server, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
      key: pk,
      body: 'payment_method=pm_card_visa',
    });
    assert.ok([400, 401].includes(none.status), none.text);
    const res = await http(server, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
      key: pk,
      body: `client_secret=${pi.client_secret}&payment_method=pm_card_visa`,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'succeeded');
    assert.equal('metadata' in res.json, false);
    assert.equal('customer' in res.json, false);
    const full = checkPaymentIntent(await account.stripe.paymentIntents.retrieve(pi.id));
    assert.equal(full.status, 'succeeded');
    assert.deepEqual(full.metadata, { secret: 'yes' });
  });

  it('refuses to confirm a confirmation_method=manual intent with a publishable key', async () => {
    const account = newAccount(server);
    const pi = await draft(account.stripe, { confirmation_method: 'manual', payment_method: 'pm_card_visa' });
    const res = await http(server, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
      key: account.publishableKey,
      body: `client_secret=${pi.client_secret}`,
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(
      checkPaymentIntent(await account.stripe.paymentIntents.retrieve(pi.id)).status,
      'requires_confirmation',
    );
  });
});

describe('amounts and currencies', () => {
  const tooSmall: [string, number, string][] = [
    ['usd', 49, 'Amount must be at least $0.50 usd'],
    ['eur', 49, 'Amount must be at least €0.50 eur'],
    ['gbp', 29, 'Amount must be at least £0.30 gbp'],
    ['jpy', 49, 'Amount must be at least ¥50 jpy'],
  ];

  it('refuses amounts below each currency minimum with amount_too_small', async () => {
    const { stripe } = newAccount(server);
    await Promise.all(
      tooSmall.map(([currency, amount, message]) =>
        expectInvalid(stripe.paymentIntents.create({ amount, currency, ...CARD_ONLY }), {
          code: 'amount_too_small',
          param: 'amount',
          message,
        }),
      ),
    );
    // The minimum itself passes, and pays.
    const minimums = await Promise.all(
      tooSmall.map(([currency, amount]) => pay(stripe, { amount: amount + 1, currency })),
    );
    assert.deepEqual(
      minimums.map((p) => [p.currency, p.amount, p.status]),
      [
        ['usd', 50, 'succeeded'],
        ['eur', 50, 'succeeded'],
        ['gbp', 30, 'succeeded'],
        ['jpy', 50, 'succeeded'],
      ],
    );
    // An update below the minimum is refused the same way.
    const pi = await draft(stripe);
    await expectInvalid(stripe.paymentIntents.update(pi.id, { amount: 10 }), {
      code: 'amount_too_small',
      message: 'Amount must be at least $0.50 usd',
    });
  });

  it('refuses amounts above eight digits with amount_too_large', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentIntents.create({ amount: 100_000_000, currency: 'usd', ...CARD_ONLY }), {
      code: 'amount_too_large',
      param: 'amount',
      message: 'Amount must be no more than $999,999.99',
    });
    const max = await draft(stripe, { amount: 99_999_999 });
    assert.equal(max.amount, 99_999_999);
  });

  it('refuses an unsupported currency and lower-cases a supported one', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentIntents.create({ amount: 2000, currency: 'xyz', ...CARD_ONLY }), {
      param: 'currency',
      message: /^Invalid currency: xyz\. Stripe currently supports these currencies: usd, aed, afn, /,
    });
    const pi = await draft(stripe, { currency: 'EUR' });
    assert.equal(pi.currency, 'eur');
  });
});

describe('events', () => {
  /** Runs `fn` in a fresh account and returns its events, oldest first. */
  async function eventsAfter(fn: (account: TestAccount) => Promise<void>): Promise<StoredEvent[]> {
    const account = newAccount(server);
    await fn(account);
    return eventsOf(server, await accountIdOf(server, account.key));
  }

  it('a successful payment: created, succeeded, charge.succeeded — each naming its request', async () => {
    let requestId = '';
    const key = randomUUID();
    let pi: Stripe.PaymentIntent | undefined;
    const events = await eventsAfter(async ({ stripe }) => {
      const res = await pay(stripe, {}, { idempotencyKey: key });
      requestId = res.lastResponse.requestId;
      pi = res;
    });
    assert.deepEqual(types(events), ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded']);
    for (const e of events) {
      assert.deepEqual(e.request, { id: requestId, idempotency_key: key }, e.type);
      assert.match(e.id, /^evt_/);
    }
    const [, succeeded, charge] = events as [StoredEvent, StoredEvent, StoredEvent];
    checkPaymentIntent(succeeded.data.object);
    assert.equal(succeeded.data.object.status, 'succeeded');
    assert.equal(succeeded.data.object.id, pi?.id);
    checkCharge(charge.data.object);
    assert.equal(charge.data.object.id, pi?.latest_charge);
    assert.equal(charge.data.object.status, 'succeeded');
  });

  it('a decline: created, charge.failed, payment_intent.payment_failed', async () => {
    let requestId = '';
    const events = await eventsAfter(async ({ stripe }) => {
      const err = await expectCardError(
        pay(stripe, { payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'decline-1' }),
      );
      requestId = err.requestId as string;
    });
    assert.deepEqual(types(events), ['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
    for (const e of events) assert.deepEqual(e.request, { id: requestId, idempotency_key: 'decline-1' }, e.type);
    const failed = events[2] as StoredEvent;
    assert.equal(failed.data.object.status, 'requires_payment_method');
    assert.equal(failed.data.object.last_payment_error.code, 'card_declined');
    assert.equal(events[1]?.data.object.status, 'failed');
  });

  it('manual capture: amount_capturable_updated and charge.succeeded, then charge.captured and succeeded', async () => {
    const ids = { confirm: '', capture: '' };
    const events = await eventsAfter(async ({ stripe }) => {
      const pi = await pay(stripe, { capture_method: 'manual' });
      ids.confirm = pi.lastResponse.requestId;
      ids.capture = (
        await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'capture-1' })
      ).lastResponse.requestId;
    });
    assert.deepEqual(types(events), [
      'payment_intent.created',
      'payment_intent.amount_capturable_updated',
      'charge.succeeded',
      'charge.captured',
      'payment_intent.succeeded',
    ]);
    assert.equal(events[1]?.data.object.amount_capturable, 2000);
    assert.equal(events[2]?.data.object.captured, false);
    assert.equal(events[3]?.data.object.captured, true);
    assert.equal(events[4]?.data.object.amount_received, 2000);
    assert.deepEqual(
      events.map((e) => e.request.id),
      [ids.confirm, ids.confirm, ids.confirm, ids.capture, ids.capture],
    );
    assert.equal(events[3]?.request.idempotency_key, 'capture-1');
  });

  it('3-D Secure: requires_action, then succeeded and charge.succeeded from the authentication', async () => {
    const events = await eventsAfter(async (account) => {
      const pi = await pay(account.stripe, { payment_method: 'pm_card_authenticationRequired' });
      await authenticate(server, account.key, pi.id, 'complete');
    });
    assert.deepEqual(types(events), [
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.succeeded',
      'charge.succeeded',
    ]);
    assert.equal(events[1]?.data.object.status, 'requires_action');
    assert.notEqual(events[2]?.request.id, events[1]?.request.id, 'the authentication is its own request');
  });

  it('cancel: payment_intent.canceled; releasing an authorisation also refunds its charge', async () => {
    const events = await eventsAfter(async ({ stripe }) => {
      await stripe.paymentIntents.cancel((await draft(stripe)).id);
      await stripe.paymentIntents.cancel((await pay(stripe, { capture_method: 'manual' })).id);
    });
    assert.deepEqual(types(events), [
      'payment_intent.created',
      'payment_intent.canceled',
      'payment_intent.created',
      'payment_intent.amount_capturable_updated',
      'charge.succeeded',
      'charge.refunded',
      'payment_intent.canceled',
    ]);
  });
});

describe('idempotency', () => {
  it('replays a declined confirmation byte for byte, without charging again', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const pi = await draft(stripe);
    const send = () =>
      http(server, 'POST', `/v1/payment_intents/${pi.id}/confirm`, {
        key: account.key,
        body: 'payment_method=pm_card_visa_chargeDeclinedInsufficientFunds',
        headers: { 'Idempotency-Key': 'confirm-once' },
      });
    const first = await send();
    const second = await send();
    assert.equal(first.status, 402);
    assert.equal(second.status, 402);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.json.error.decline_code, 'insufficient_funds');
    assert.equal(first.json.error.payment_intent.status, 'requires_payment_method');
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    assert.equal(charges.data.length, 1);
    const failed = (await eventsOf(server, accountId)).filter((e) => e.type === 'charge.failed');
    assert.equal(failed.length, 1);
    // The decline stands: the intent is back to requires_payment_method with the error.
    const now = checkPaymentIntent(await stripe.paymentIntents.retrieve(pi.id));
    assert.equal(now.status, 'requires_payment_method');
    assert.equal(now.last_payment_error?.decline_code, 'insufficient_funds');
    assert.equal(now.latest_charge, charges.data[0]?.id);
  });
});
