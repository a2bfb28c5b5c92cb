/**
 * Radar payment evaluations end to end through the official SDK: the evaluation's shape (checked
 * against the SDK's `Radar.PaymentEvaluation` type), the fraudulent_payment signal and
 * recommended action taken deterministically from the card network table (normal, elevated,
 * highest), test ids materialised into PaymentMethods, and the validation of every reference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { newAccount } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function evaluate(
  stripe: Stripe,
  paymentMethod: string,
  extra: Partial<Stripe.Radar.PaymentEvaluationCreateParams> = {},
) {
  return stripe.radar.paymentEvaluations.create({
    customer_details: { email: 'jenny@example.com', name: 'Jenny Rosen' },
    payment_details: {
      amount: 2500,
      currency: 'usd',
      payment_method_details: { payment_method: paymentMethod },
    },
    ...extra,
  });
}

describe('POST /v1/radar/payment_evaluations', () => {
  it('evaluates a normal card: continue, normal risk, the details echoed in Stripe shape', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    const evaluation = await stripe.radar.paymentEvaluations.create({
      client_device_metadata_details: { radar_session: 'rse_test_123' },
      customer_details: { customer: customer.id, email: 'jenny@example.com', phone: '+15555550100' },
      metadata: { order: '42' },
      payment_details: {
        amount: 2500,
        currency: 'USD',
        description: 'Order 42',
        statement_descriptor: 'SHOP 42',
        money_movement_details: {
          money_movement_type: 'card',
          card: { customer_presence: 'on_session', payment_type: 'one_off' },
        },
        payment_method_details: {
          payment_method: 'pm_card_visa',
          billing_details: { name: 'Jenny Rosen', address: { country: 'US', postal_code: '94110' } },
        },
        shipping_details: { name: 'Jenny Rosen', address: { line1: '1 Main St', country: 'US' } },
      },
    });
    assertShape(evaluation, 'Radar.PaymentEvaluation', 'radar.payment_evaluation');
    assert.match(evaluation.id, /^payeval_[0-9A-Za-z]{24}$/);
    assert.equal(evaluation.object, 'radar.payment_evaluation');
    assert.equal(evaluation.livemode, false);
    assert.equal(evaluation.recommended_action, 'continue');
    assert.equal(evaluation.signals.fraudulent_payment.risk_level, 'normal');
    assert.equal(evaluation.signals.fraudulent_payment.evaluated_at, evaluation.created_at);
    assert.equal(typeof evaluation.signals.fraudulent_payment.score, 'number');
    assert.equal(evaluation.signals.fraudulent_dispute, null);
    assert.equal(evaluation.signals.early_fraud_warning, null);
    assert.deepEqual(evaluation.events, []);
    assert.equal(evaluation.outcome, null);
    assert.deepEqual(evaluation.metadata, { order: '42' });
    assert.deepEqual(evaluation.client_device_metadata_details, { radar_session: 'rse_test_123' });
    assert.deepEqual(evaluation.customer_details, {
      customer: customer.id,
      customer_account: null,
      email: 'jenny@example.com',
      name: null,
      phone: '+15555550100',
    });
    const details = evaluation.payment_details;
    assert.equal(details?.amount, 2500);
    assert.equal(details?.currency, 'usd');
    assert.equal(details?.description, 'Order 42');
    assert.equal(details?.statement_descriptor, 'SHOP 42');
    assert.deepEqual(details?.money_movement_details, {
      card: { customer_presence: 'on_session', payment_type: 'one_off' },
      money_movement_type: 'card',
    });
    const pm = details?.payment_method_details?.payment_method as string;
    assert.match(pm, /^pm_/, 'the test id became a PaymentMethod');
    assert.equal((await stripe.paymentMethods.retrieve(pm)).card?.last4, '4242');
    assert.deepEqual(details?.payment_method_details?.billing_details, {
      address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94110', state: null },
      email: null,
      name: 'Jenny Rosen',
      phone: null,
    });
    assert.deepEqual(details?.shipping_details, {
      address: { city: null, country: 'US', line1: '1 Main St', line2: null, postal_code: null, state: null },
      name: 'Jenny Rosen',
      phone: null,
    });
  });

  it('takes the risk from the card table: elevated continues, highest is blocked; the same card scores the same', async () => {
    const { stripe } = newAccount(server);
    const elevated = await evaluate(stripe, 'pm_card_riskLevelElevated');
    assert.equal(elevated.signals.fraudulent_payment.risk_level, 'elevated');
    assert.equal(elevated.recommended_action, 'continue');
    const highest = await evaluate(stripe, 'pm_card_riskLevelHighest');
    assert.equal(highest.signals.fraudulent_payment.risk_level, 'highest');
    assert.equal(highest.recommended_action, 'block');
    assert.ok(
      (highest.signals.fraudulent_payment.score ?? 0) > (elevated.signals.fraudulent_payment.score ?? 0),
      'a riskier card scores higher',
    );
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const first = await evaluate(stripe, pm.id);
    const second = await evaluate(stripe, pm.id);
    assert.equal(first.payment_details?.payment_method_details?.payment_method, pm.id);
    assert.equal(first.signals.fraudulent_payment.score, second.signals.fraudulent_payment.score);
    assert.notEqual(first.id, second.id);
  });

  it('the evaluation of a card agrees with the Radar outcome of a charge on it', async () => {
    const { stripe } = newAccount(server);
    const evaluation = await evaluate(stripe, 'pm_card_riskLevelElevated');
    const pi = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      allowed_payment_method_types: ['card'],
      payment_method: 'pm_card_riskLevelElevated',
      confirm: true,
      expand: ['latest_charge'],
    });
    const outcome = (pi.latest_charge as Stripe.Charge).outcome;
    assert.equal(outcome?.risk_level, evaluation.signals.fraudulent_payment.risk_level);
    assert.equal(outcome?.risk_score, evaluation.signals.fraudulent_payment.score);
  });

  it('validates required details, references, currency and enums', async () => {
    const { stripe, key } = newAccount(server);
    await expectInvalid(
      stripe.radar.paymentEvaluations.create({
        payment_details: { amount: 100, currency: 'usd', payment_method_details: { payment_method: 'pm_card_visa' } },
      } as Stripe.Radar.PaymentEvaluationCreateParams),
      { code: 'parameter_missing', param: 'customer_details' },
    );
    await expectInvalid(evaluate(stripe, 'pm_doesnotexist'), {
      code: 'resource_missing',
      param: 'payment_details[payment_method_details][payment_method]',
    });
    await expectInvalid(evaluate(stripe, 'pm_card_visa', { customer_details: { customer: 'cus_nope' } }), {
      code: 'resource_missing',
      param: 'customer_details[customer]',
    });
    await expectInvalid(
      stripe.radar.paymentEvaluations.create({
        customer_details: { email: 'jenny@example.com' },
        payment_details: { amount: 100, currency: 'zzz', payment_method_details: { payment_method: 'pm_card_visa' } },
      }),
      { param: 'payment_details[currency]' },
    );
    await expectInvalid(
      stripe.radar.paymentEvaluations.create({
        customer_details: { email: 'jenny@example.com' },
        payment_details: {
          amount: 100,
          currency: 'usd',
          payment_method_details: { payment_method: 'pm_card_visa' },
          money_movement_details: { money_movement_type: 'bank' as 'card' },
        },
      }),
      { param: 'payment_details[money_movement_details][money_movement_type]' },
    );
    const raw = await http(server, 'POST', '/v1/radar/payment_evaluations', {
      key,
      body: 'customer_details[email]=a@b.c&payment_details[amount]=0&payment_details[currency]=usd&payment_details[payment_method_details][payment_method]=pm_card_visa',
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.type, 'invalid_request_error');
    assert.equal(raw.json.error.param, 'payment_details[amount]');
  });
});
