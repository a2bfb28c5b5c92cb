/**
 * The intent actions that only act on non-card intents — PaymentIntent `apply_customer_balance`
 * and `verify_microdeposits`, SetupIntent `verify_microdeposits` — through the official SDK and raw
 * HTTP. Sandbank's intents are card-only, so none is ever in the state these act on: each answers
 * Stripe's unexpected-state error with the intent attached, after validating its parameters, and
 * never pretends to succeed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectError, expectInvalid } from '../support/customers.js';
import { client, newAccount } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const CARD_ONLY = { allowed_payment_method_types: ['card'] };

/**
 * Stripe.js sends the client secret with a publishable key; the server-side SDK's types no longer
 * declare it, so the test adds it to the params as Stripe.js would.
 */
function withSecret<T>(params: T, clientSecret: string): T {
  return { ...params, client_secret: clientSecret };
}
const NOT_AWAITING_PI =
  'This PaymentIntent is not awaiting microdeposit verification: it must have a status of `requires_action` and a `next_action` of type `verify_with_microdeposits`.';
const NOT_AWAITING_SI =
  'This SetupIntent is not awaiting microdeposit verification: it must have a status of `requires_action` and a `next_action` of type `verify_with_microdeposits`.';
const NOT_CUSTOMER_BALANCE =
  'You can only apply a customer balance to a PaymentIntent with a `payment_method` of type `customer_balance`.';

describe('POST /v1/payment_intents/:id/apply_customer_balance', () => {
  it('refuses a card intent with payment_intent_unexpected_state, the intent attached', async () => {
    const { stripe, key } = newAccount(server);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    await expectInvalid(stripe.paymentIntents.applyCustomerBalance(pi.id, { amount: 500, currency: 'usd' }), {
      code: 'payment_intent_unexpected_state',
      message: NOT_CUSTOMER_BALANCE,
    });
    const raw = await http(server, 'POST', `/v1/payment_intents/${pi.id}/apply_customer_balance`, { key, body: '' });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.type, 'invalid_request_error');
    assert.equal(raw.json.error.code, 'payment_intent_unexpected_state');
    assert.equal(raw.json.error.payment_intent.id, pi.id);
    assert.equal(raw.json.error.payment_intent.status, 'requires_payment_method');
    const after = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(after.status, 'requires_payment_method', 'nothing changed');
  });

  it('validates its parameters and the intent id', async () => {
    const { stripe } = newAccount(server);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    await expectInvalid(stripe.paymentIntents.applyCustomerBalance(pi.id, { amount: 0 }), { param: 'amount' });
    await expectInvalid(
      stripe.paymentIntents.applyCustomerBalance(pi.id, { bogus: 1 } as Stripe.PaymentIntentApplyCustomerBalanceParams),
      { code: 'parameter_unknown', param: 'bogus' },
    );
    await expectInvalid(stripe.paymentIntents.applyCustomerBalance('pi_missing'), {
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});

describe('POST /v1/payment_intents/:id/verify_microdeposits', () => {
  it('refuses an intent that is not awaiting microdeposits, in every card status', async () => {
    const { stripe } = newAccount(server);
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    const paid = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      ...CARD_ONLY,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const threeDs = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      ...CARD_ONLY,
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
    });
    assert.equal(threeDs.status, 'requires_action', 'requires_action alone is not enough');
    for (const pi of [open, paid, threeDs]) {
      const err = await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45] }), {
        code: 'payment_intent_unexpected_state',
        message: NOT_AWAITING_PI,
      });
      assert.equal((err.raw as { payment_intent?: { status: string } }).payment_intent?.status, pi.status);
    }
  });

  it('wants either both amounts or the descriptor code', async () => {
    const { stripe } = newAccount(server);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id), {
      message: 'You must provide either `amounts` or `descriptor_code`, but not both.',
    });
    await expectInvalid(
      stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45], descriptor_code: 'SM11AA' }),
      { message: /either `amounts` or `descriptor_code`/ },
    );
    await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32] }), { param: 'amounts' });
    await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45, 1] }), {
      param: 'amounts',
    });
    await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [0, 45] }), {
      param: 'amounts[0]',
    });
    await expectInvalid(stripe.paymentIntents.verifyMicrodeposits(pi.id, { descriptor_code: 'SM11AA' }), {
      code: 'payment_intent_unexpected_state',
    });
  });

  it('a publishable key needs the client secret (Stripe.js verifyMicrodepositsForPayment)', async () => {
    const { stripe, publishableKey } = newAccount(server);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    const browser = client(server, publishableKey);
    await expectInvalid(browser.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45] }), {
      code: 'parameter_missing',
      param: 'client_secret',
    });
    await expectInvalid(
      browser.paymentIntents.verifyMicrodeposits(pi.id, withSecret({ amounts: [32, 45] }, `${pi.id}_secret_wrong`)),
      { param: 'client_secret' },
    );
    await expectInvalid(
      browser.paymentIntents.verifyMicrodeposits(pi.id, withSecret({ amounts: [32, 45] }, pi.client_secret as string)),
      { code: 'payment_intent_unexpected_state', message: NOT_AWAITING_PI },
    );
    const raw = await http(server, 'POST', `/v1/payment_intents/${pi.id}/verify_microdeposits`, {
      key: publishableKey,
      body: `amounts[]=32&amounts[]=45&client_secret=${pi.client_secret}`,
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.payment_intent.id, pi.id);
    assert.equal(raw.json.error.payment_intent.customer, undefined, 'a publishable key sees the redacted intent');
  });
});

describe('POST /v1/setup_intents/:id/verify_microdeposits', () => {
  it('refuses a card SetupIntent with setup_intent_unexpected_state, the intent attached', async () => {
    const { stripe, key } = newAccount(server);
    const si = await stripe.setupIntents.create({ allowed_payment_method_types: ['card'] });
    await expectError(
      stripe.setupIntents.verifyMicrodeposits(si.id, { descriptor_code: 'SM11AA' }),
      Stripe.errors.StripeInvalidRequestError,
      { statusCode: 400, code: 'setup_intent_unexpected_state', message: NOT_AWAITING_SI },
    );
    const raw = await http(server, 'POST', `/v1/setup_intents/${si.id}/verify_microdeposits`, {
      key,
      body: 'amounts[]=32&amounts[]=45',
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.code, 'setup_intent_unexpected_state');
    assert.equal(raw.json.error.setup_intent.id, si.id);
    const succeeded = await stripe.setupIntents.create({
      allowed_payment_method_types: ['card'],
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    assert.equal(succeeded.status, 'succeeded');
    await expectInvalid(stripe.setupIntents.verifyMicrodeposits(succeeded.id, { amounts: [32, 45] }), {
      code: 'setup_intent_unexpected_state',
    });
  });

  it('validates parameters, the client secret of a publishable key, and the id', async () => {
    const { stripe, publishableKey } = newAccount(server);
    const si = await stripe.setupIntents.create({ allowed_payment_method_types: ['card'] });
    await expectInvalid(stripe.setupIntents.verifyMicrodeposits(si.id, { amounts: [32] }), { param: 'amounts' });
    const browser = client(server, publishableKey);
    await expectInvalid(browser.setupIntents.verifyMicrodeposits(si.id, { amounts: [32, 45] }), {
      code: 'parameter_missing',
      param: 'client_secret',
    });
    await expectInvalid(
      browser.setupIntents.verifyMicrodeposits(si.id, withSecret({ amounts: [32, 45] }, si.client_secret as string)),
      { code: 'setup_intent_unexpected_state', message: NOT_AWAITING_SI },
    );
    await expectInvalid(stripe.setupIntents.verifyMicrodeposits('seti_missing', { amounts: [32, 45] }), {
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});
