/**
 * SetupIntents end to end through the official SDK: saving cards with and without a customer, the
 * 3-D Secure path (finished through Sandbank's test helper), declines, every illegal status move,
 * publishable-key access with the client secret, lists and SetupAttempts, and parameter checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectError, expectInvalid } from '../support/customers.js';
import { http, newSecretKey, sdk, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

interface Account {
  id: string;
  key: string;
  stripe: Stripe;
  /** The publishable key of the same account. */
  publishable: Stripe;
}

async function account(): Promise<Account> {
  const key = newSecretKey();
  const res = await http(server, 'GET', '/sandbank/v1/account', { key });
  assert.equal(res.status, 200, res.text);
  return {
    id: res.json.id as string,
    key,
    stripe: server.stripe(key),
    publishable: sdk(server.port, key.replace(/^sk_/, 'pk_')),
  };
}

function checkIntent<T extends Stripe.SetupIntent>(si: T): T {
  assertShape(si, 'SetupIntent', 'setup_intent');
  return si;
}

async function eventTypes(a: Account, object: string): Promise<string[]> {
  const page = await server.app.store.listEvents({ account: a.id, limit: 100 });
  return page.rows
    .map((r) => JSON.parse(r.json) as Stripe.Event)
    .filter((e) => (e.data.object as { id?: string }).id === object)
    .map((e) => e.type)
    .reverse();
}

async function attempts(a: Account, setupIntent: string): Promise<Stripe.SetupAttempt[]> {
  const list = await a.stripe.setupAttempts.list({ setup_intent: setupIntent });
  assertShape(list, 'ApiList<SetupAttempt>');
  return list.data;
}

/** Card-only intents: no `return_url` is needed to confirm them server-side. */
const CARD_ONLY: { allowed_payment_method_types: Stripe.SetupIntentCreateParams.AllowedPaymentMethodType[] } = {
  allowed_payment_method_types: ['card'],
};

/** The test helper that stands in for the cardholder on the hosted 3-D Secure page. */
async function authenticate(a: Account, id: string, outcome: string) {
  return http(server, 'POST', `/sandbank/v1/setup_intents/${id}/authenticate`, {
    key: a.key,
    body: `outcome=${outcome}`,
  });
}

describe('setup intents: create', () => {
  it('applies Stripe defaults to an empty create', async () => {
    const a = await account();
    const si = checkIntent(await a.stripe.setupIntents.create());
    assert.match(si.id, /^seti_[0-9A-Za-z]{24}$/);
    assert.equal(si.object, 'setup_intent');
    assert.deepEqual(Object.keys(si).slice(0, 2), ['id', 'object']);
    const rest = Object.keys(si).slice(2);
    assert.deepEqual(rest, [...rest].sort(), 'fields after id and object are alphabetical');
    assert.match(si.client_secret ?? '', new RegExp(`^${si.id}_secret_[0-9A-Za-z]{24}$`));
    assert.deepEqual(si.automatic_payment_methods, { allow_redirects: 'always', enabled: true });
    assert.deepEqual(si.payment_method_types, ['card']);
    assert.equal(si.status, 'requires_payment_method');
    assert.equal(si.usage, 'off_session');
    assert.equal(si.customer, null);
    assert.equal(si.payment_method, null);
    assert.equal(si.latest_attempt, null);
    assert.equal(si.last_setup_error, null);
    assert.equal(si.next_action, null);
    assert.equal(si.cancellation_reason, null);
    assert.equal(si.livemode, false);
    assert.deepEqual(si.metadata, {});
    assert.deepEqual(si.payment_method_options, {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    });
    assert.ok(Math.abs(si.created - Date.now() / 1000) < 60);
    assert.deepEqual(await eventTypes(a, si.id), ['setup_intent.created']);
  });

  it('keeps description, metadata, usage, payment_method_types and card options', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const si = checkIntent(
      await a.stripe.setupIntents.create({
        customer: customer.id,
        description: 'Save a card',
        metadata: { order: '42' },
        usage: 'on_session',
        allowed_payment_method_types: ['card', 'sepa_debit'],
        payment_method_options: { card: { request_three_d_secure: 'any' } },
        flow_directions: ['inbound'],
      }),
    );
    // Types Sandbank cannot set up are filtered out, as Stripe drops incompatible ones.
    assert.deepEqual(si.allowed_payment_method_types, ['card', 'sepa_debit']);
    assert.deepEqual(si.payment_method_types, ['card']);
    assert.equal(si.customer, customer.id);
    assert.equal(si.description, 'Save a card');
    assert.deepEqual(si.metadata, { order: '42' });
    assert.equal(si.usage, 'on_session');
    assert.equal(si.automatic_payment_methods, null);
    assert.deepEqual(si.flow_directions, ['inbound']);
    assert.equal(si.payment_method_options?.card?.request_three_d_secure, 'any');
    const again = checkIntent(await a.stripe.setupIntents.retrieve(si.id));
    assert.deepEqual(again, si);
  });

  it('takes a payment method at create: requires_confirmation, with a new pm_ for a test id', async () => {
    const a = await account();
    const si = checkIntent(await a.stripe.setupIntents.create({ payment_method: 'pm_card_visa', ...CARD_ONLY }));
    assert.equal(si.status, 'requires_confirmation');
    assert.match(String(si.payment_method), /^pm_[0-9A-Za-z]{24}$/);
  });
});

describe('setup intents: confirm', () => {
  it('saves a card for a customer: succeeded, attached, a succeeded SetupAttempt, events', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const si = checkIntent(
      await a.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_visa',
        confirm: true,
        ...CARD_ONLY,
      }),
    );
    assert.equal(si.status, 'succeeded');
    assert.equal(si.next_action, null);
    assert.match(String(si.latest_attempt), /^setatt_[0-9A-Za-z]{24}$/);
    const pms = await a.stripe.customers.listPaymentMethods(customer.id);
    assert.deepEqual(
      pms.data.map((pm) => pm.id),
      [si.payment_method],
    );
    assert.equal(pms.data[0]?.customer, customer.id);

    const [attempt, ...more] = await attempts(a, si.id);
    assert.equal(more.length, 0);
    assert.ok(attempt);
    assert.equal(attempt.id, si.latest_attempt);
    assert.equal(attempt.status, 'succeeded');
    assert.equal(attempt.setup_intent, si.id);
    assert.equal(attempt.payment_method, si.payment_method);
    assert.equal(attempt.customer, customer.id);
    assert.equal(attempt.usage, 'off_session');
    assert.equal(attempt.setup_error, null);
    assert.equal(attempt.payment_method_details.type, 'card');
    assert.equal(attempt.payment_method_details.card?.brand, 'visa');
    assert.equal(attempt.payment_method_details.card?.last4, '4242');
    assert.equal(attempt.payment_method_details.card?.three_d_secure, null);

    assert.deepEqual(await eventTypes(a, si.id), ['setup_intent.created', 'setup_intent.succeeded']);
    assert.deepEqual(await eventTypes(a, String(si.payment_method)), ['payment_method.attached']);
  });

  it('confirms separately, after attaching the payment method by update', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const created = await a.stripe.setupIntents.create({ customer: customer.id });
    const pm = await a.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
    const updated = checkIntent(await a.stripe.setupIntents.update(created.id, { payment_method: pm.id }));
    assert.equal(updated.status, 'requires_confirmation');
    assert.equal(updated.payment_method, pm.id);
    const si = checkIntent(await a.stripe.setupIntents.confirm(created.id, { return_url: 'https://example.com/done' }));
    assert.equal(si.status, 'succeeded');
    assert.equal((await a.stripe.paymentMethods.retrieve(pm.id)).customer, customer.id);
  });

  it('makes the payment method from payment_method_data', async () => {
    const a = await account();
    const si = checkIntent(
      await a.stripe.setupIntents.create({
        confirm: true,
        payment_method_data: {
          type: 'card',
          card: { token: 'tok_visa' },
        } as Stripe.SetupIntentCreateParams.PaymentMethodData,
        ...CARD_ONLY,
      }),
    );
    assert.equal(si.status, 'succeeded');
    assert.match(String(si.payment_method), /^pm_/);
  });

  it('without a customer leaves the card unattached but usable: it can be attached later', async () => {
    const a = await account();
    const si = checkIntent(
      await a.stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY }),
    );
    assert.equal(si.status, 'succeeded');
    const pm = await a.stripe.paymentMethods.retrieve(String(si.payment_method));
    assert.equal(pm.customer, null);
    const customer = await a.stripe.customers.create();
    const attached = await a.stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    assert.equal(attached.customer, customer.id);
  });

  it('needs a return_url when redirect-based methods are allowed (the default)', async () => {
    const a = await account();
    await expectInvalid(a.stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true }), {
      message: /^A `return_url` must be specified because this Setup Intent is configured to automatically accept/,
    });
    const never = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    assert.equal(never.status, 'succeeded');
    const withUrl = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_visa',
      confirm: true,
      return_url: 'https://example.com/back',
    });
    assert.equal(withUrl.status, 'succeeded');
    await expectInvalid(a.stripe.setupIntents.create({ return_url: 'https://example.com/back' }), {
      param: 'return_url',
      message:
        'The parameter `return_url` cannot be passed when creating a SetupIntent unless `confirm` is set to true.',
    });
  });

  it('refuses to confirm without a payment method', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create(CARD_ONLY);
    const err = await expectInvalid(a.stripe.setupIntents.confirm(si.id), {
      code: 'setup_intent_unexpected_state',
      message:
        "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
    });
    assert.equal((err.raw as { setup_intent?: { id: string } }).setup_intent?.id, si.id);
  });
});

describe('setup intents: 3-D Secure', () => {
  it('asks for authentication with a redirect, and completes through the test helper', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const si = checkIntent(
      await a.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_authenticationRequiredOnSetup',
        confirm: true,
        return_url: 'https://example.com/return?x=1',
      }),
    );
    assert.equal(si.status, 'requires_action');
    assert.equal(si.next_action?.type, 'redirect_to_url');
    assert.equal(si.next_action?.redirect_to_url?.return_url, 'https://example.com/return?x=1');
    assert.equal(
      si.next_action?.redirect_to_url?.url,
      `${server.url}/sandbank/3ds/${a.id}/${si.id}?client_secret=${encodeURIComponent(String(si.client_secret))}`,
    );
    const [pending] = await attempts(a, si.id);
    assert.equal(pending?.status, 'requires_action');
    assert.deepEqual((await a.stripe.customers.listPaymentMethods(customer.id)).data, [], 'not attached yet');

    const res = await authenticate(a, si.id, 'complete');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'setup_intent');
    assert.equal(res.json.status, 'succeeded');
    assert.equal(res.json.next_action, null);

    const done = checkIntent(await a.stripe.setupIntents.retrieve(si.id));
    assert.equal(done.status, 'succeeded');
    const [attempt] = await attempts(a, si.id);
    assert.equal(attempt?.status, 'succeeded');
    assert.equal(attempt?.payment_method_details.card?.three_d_secure?.result, 'authenticated');
    assert.equal(attempt?.payment_method_details.card?.three_d_secure?.authentication_flow, 'challenge');
    const pms = await a.stripe.customers.listPaymentMethods(customer.id);
    assert.deepEqual(
      pms.data.map((pm) => pm.id),
      [si.payment_method],
    );
    assert.deepEqual(await eventTypes(a, si.id), [
      'setup_intent.created',
      'setup_intent.requires_action',
      'setup_intent.succeeded',
    ]);
  });

  it('gives Stripe.js a use_stripe_sdk action when there is no return_url', async () => {
    const a = await account();
    const si = checkIntent(
      await a.stripe.setupIntents.create({
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
        ...CARD_ONLY,
      }),
    );
    assert.equal(si.status, 'requires_action');
    assert.equal(si.next_action?.type, 'use_stripe_sdk');
    const sdkAction = si.next_action?.use_stripe_sdk as { type: string; stripe_js: string; source: string };
    assert.equal(sdkAction.type, 'three_d_secure_redirect');
    assert.match(sdkAction.stripe_js, new RegExp(`^${server.url}/sandbank/3ds/${a.id}/${si.id}\\?client_secret=`));
    assert.match(sdkAction.source, /^src_[0-9A-Za-z]{24}$/);
  });

  it('fails authentication: requires_payment_method with last_setup_error, then succeeds with another card', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      confirm: true,
      ...CARD_ONLY,
    });
    const pmId = String(si.payment_method);
    const res = await authenticate(a, si.id, 'fail');
    assert.equal(res.status, 200, res.text);
    const failed = checkIntent(await a.stripe.setupIntents.retrieve(si.id));
    assert.equal(failed.status, 'requires_payment_method');
    assert.equal(failed.payment_method, null);
    assert.equal(failed.next_action, null);
    const error = failed.last_setup_error;
    assert.equal(error?.code, 'setup_intent_authentication_failure');
    assert.equal(error?.type, 'invalid_request_error');
    assert.equal(
      error?.message,
      'The latest attempt to set up the payment method has failed because authentication failed.',
    );
    assert.equal(error?.doc_url, 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure');
    assert.equal(error?.payment_method?.id, pmId);
    const [attempt] = await attempts(a, si.id);
    assert.equal(attempt?.status, 'failed');
    assert.equal(attempt?.setup_error?.code, 'setup_intent_authentication_failure');
    assert.equal(attempt?.payment_method_details.card?.three_d_secure?.result, 'failed');
    assert.deepEqual(await eventTypes(a, si.id), [
      'setup_intent.created',
      'setup_intent.requires_action',
      'setup_intent.setup_failed',
    ]);

    const retried = await a.stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    assert.equal(retried.status, 'succeeded');
    assert.equal(retried.last_setup_error, null);
    assert.equal((await attempts(a, si.id)).length, 2);
  });

  it('abandons the waiting attempt when confirmed again', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      confirm: true,
      ...CARD_ONLY,
    });
    const again = await a.stripe.setupIntents.confirm(si.id);
    assert.equal(again.status, 'requires_action');
    assert.notEqual(again.latest_attempt, si.latest_attempt);
    const list = await attempts(a, si.id);
    assert.deepEqual(
      list.map((x) => x.status),
      ['requires_action', 'abandoned'],
    );
  });

  it('authenticates when the merchant asks for it on a card that supports 3-D Secure', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_threeDSecureOptional',
      confirm: true,
      payment_method_options: { card: { request_three_d_secure: 'any' } },
      ...CARD_ONLY,
    });
    assert.equal(si.status, 'requires_action');
    const plain = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_threeDSecureOptional',
      confirm: true,
      ...CARD_ONLY,
    });
    assert.equal(plain.status, 'succeeded');
  });

  it('the test helper checks its input, the state, and the key', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
    let res = await http(server, 'POST', `/sandbank/v1/setup_intents/${si.id}/authenticate`, { key: a.key });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'parameter_missing');
    assert.equal(res.json.error.param, 'outcome');
    res = await authenticate(a, si.id, 'maybe');
    assert.equal(res.status, 400);
    assert.equal(res.json.error.param, 'outcome');
    res = await authenticate(a, si.id, 'complete');
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'setup_intent_unexpected_state');
    assert.equal(res.json.error.setup_intent.status, 'succeeded');
    res = await authenticate(a, 'seti_nope', 'complete');
    assert.equal(res.status, 404);
    res = await http(server, 'POST', `/sandbank/v1/setup_intents/${si.id}/authenticate`, {
      key: a.key.replace(/^sk_/, 'pk_'),
      body: 'outcome=complete',
    });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'secret_key_required');
  });
});

describe('setup intents: declines', () => {
  for (const [pm, declineCode, message] of [
    ['pm_card_visa_chargeDeclined', 'generic_decline', 'Your card was declined.'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds', 'Your card has insufficient funds.'],
  ] as const) {
    it(`${pm}: 402 card_error with the intent back in requires_payment_method`, async () => {
      const a = await account();
      const customer = await a.stripe.customers.create();
      const err = await expectError(
        a.stripe.setupIntents.create({ customer: customer.id, payment_method: pm, confirm: true, ...CARD_ONLY }),
        Stripe.errors.StripeCardError,
        { statusCode: 402, type: 'StripeCardError', code: 'card_declined', message },
      );
      assert.equal(err.decline_code, declineCode);
      const raw = err.raw as { setup_intent?: Stripe.SetupIntent; payment_method?: Stripe.PaymentMethod };
      const embedded = raw.setup_intent;
      assert.ok(embedded);
      checkIntent(embedded);
      assert.equal(embedded.status, 'requires_payment_method');
      assert.equal(embedded.payment_method, null);
      assert.equal(embedded.last_setup_error?.code, 'card_declined');
      assert.equal(embedded.last_setup_error?.decline_code, declineCode);
      assert.equal(embedded.last_setup_error?.type, 'card_error');
      assert.equal(embedded.last_setup_error?.payment_method?.id, raw.payment_method?.id);

      // The failure is kept: the intent exists, with a failed attempt, and nothing was attached.
      const si = checkIntent(await a.stripe.setupIntents.retrieve(embedded.id));
      assert.deepEqual(si, embedded);
      const [attempt] = await attempts(a, si.id);
      assert.equal(attempt?.status, 'failed');
      assert.equal(attempt?.setup_error?.decline_code, declineCode);
      assert.deepEqual((await a.stripe.customers.listPaymentMethods(customer.id)).data, []);
      assert.deepEqual(await eventTypes(a, si.id), ['setup_intent.created', 'setup_intent.setup_failed']);
    });
  }
});

describe('setup intents: state machine', () => {
  async function succeeded(a: Account) {
    return a.stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
  }

  it('refuses to confirm a succeeded intent', async () => {
    const a = await account();
    const si = await succeeded(a);
    const err = await expectInvalid(a.stripe.setupIntents.confirm(si.id), {
      code: 'setup_intent_unexpected_state',
      message: 'You cannot confirm this SetupIntent because it has already succeeded.',
    });
    const embedded = (err.raw as { setup_intent?: Stripe.SetupIntent }).setup_intent;
    assert.equal(embedded?.status, 'succeeded');
    assert.equal(err.doc_url, 'https://stripe.com/docs/error-codes/setup-intent-unexpected-state');
  });

  it('refuses to cancel a succeeded intent', async () => {
    const a = await account();
    const si = await succeeded(a);
    await expectInvalid(a.stripe.setupIntents.cancel(si.id), {
      code: 'setup_intent_unexpected_state',
      message:
        'You cannot cancel this SetupIntent because it has a status of succeeded. Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action.',
    });
  });

  it('cancels with a reason, then refuses to cancel or confirm again', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create(CARD_ONLY);
    const canceled = checkIntent(
      await a.stripe.setupIntents.cancel(si.id, { cancellation_reason: 'requested_by_customer' }),
    );
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'requested_by_customer');
    await expectInvalid(a.stripe.setupIntents.cancel(si.id), {
      code: 'setup_intent_unexpected_state',
      message: /^You cannot cancel this SetupIntent because it has a status of canceled\./,
    });
    await expectInvalid(a.stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' }), {
      code: 'setup_intent_unexpected_state',
      message: 'You cannot confirm this SetupIntent because it has been canceled.',
    });
    assert.deepEqual(await eventTypes(a, si.id), ['setup_intent.created', 'setup_intent.canceled']);
  });

  it('cancels an intent waiting for authentication and abandons its attempt', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...CARD_ONLY,
    });
    const canceled = await a.stripe.setupIntents.cancel(si.id, { cancellation_reason: 'abandoned' });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.next_action, null);
    const [attempt] = await attempts(a, si.id);
    assert.equal(attempt?.status, 'abandoned');
  });

  it('locks the payment method once succeeded, but not metadata', async () => {
    const a = await account();
    const si = await succeeded(a);
    await expectInvalid(a.stripe.setupIntents.update(si.id, { payment_method: 'pm_card_visa' }), {
      code: 'setup_intent_unexpected_state',
      param: 'payment_method',
      message:
        "This SetupIntent's payment_method could not be updated because it has a status of succeeded. You may only update the payment_method of a SetupIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.",
    });
    const updated = checkIntent(
      await a.stripe.setupIntents.update(si.id, { metadata: { note: 'kept' }, description: 'd' }),
    );
    assert.deepEqual(updated.metadata, { note: 'kept' });
    assert.equal(updated.description, 'd');
    assert.equal(updated.status, 'succeeded');
  });
});

describe('setup intents: publishable key', () => {
  it('retrieves the client-side subset with the right client secret', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const si = await a.stripe.setupIntents.create({ customer: customer.id, metadata: { secret: 'x' } });
    const seen = await a.publishable.setupIntents.retrieve(si.id, { client_secret: String(si.client_secret) });
    assert.deepEqual(Object.keys(seen).sort(), [
      'cancellation_reason',
      'client_secret',
      'created',
      'description',
      'id',
      'last_setup_error',
      'livemode',
      'next_action',
      'object',
      'payment_method',
      'payment_method_types',
      'status',
      'usage',
    ]);
    assert.equal(seen.id, si.id);
    assert.equal('metadata' in seen, false);
    assert.equal('customer' in seen, false);
    // A secret key sees everything.
    checkIntent(await a.stripe.setupIntents.retrieve(si.id));
  });

  it('refuses a wrong or missing client secret', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create();
    await expectInvalid(a.publishable.setupIntents.retrieve(si.id, { client_secret: `${si.id}_secret_wrong` }), {
      param: 'client_secret',
      message: 'The client_secret provided does not match any associated SetupIntent on this account.',
    });
    await expectInvalid(a.publishable.setupIntents.retrieve(si.id), {
      code: 'parameter_missing',
      param: 'client_secret',
    });
    const other = await account();
    await expectInvalid(a.publishable.setupIntents.retrieve(si.id, { client_secret: String(other.id) }), {
      param: 'client_secret',
    });
  });

  it('confirms with the client secret, and may do nothing else', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create(CARD_ONLY);
    // Stripe.js sends `client_secret`; the SDK's types leave it out.
    const confirmParams = {
      payment_method: 'pm_card_visa',
      client_secret: String(si.client_secret),
    } as Stripe.SetupIntentConfirmParams;
    await expectInvalid(
      a.publishable.setupIntents.confirm(si.id, {
        ...confirmParams,
        client_secret: `${si.id}_secret_nope`,
      } as Stripe.SetupIntentConfirmParams),
      { message: 'The client_secret provided does not match any associated SetupIntent on this account.' },
    );
    const done = await a.publishable.setupIntents.confirm(si.id, confirmParams);
    assert.equal(done.status, 'succeeded');
    assert.equal('metadata' in done, false);
    await expectError(a.publishable.setupIntents.create(), Stripe.errors.StripeAuthenticationError, {
      statusCode: 401,
      code: 'secret_key_required',
    });
    await expectError(a.publishable.setupIntents.list(), Stripe.errors.StripeAuthenticationError, {
      statusCode: 401,
    });
  });
});

describe('setup intents: list and expand', () => {
  it('lists newest first, filtered by customer, payment_method and created', async () => {
    const a = await account();
    const [c1, c2] = await Promise.all([a.stripe.customers.create(), a.stripe.customers.create()]);
    assert.ok(c1 && c2);
    const first = await a.stripe.setupIntents.create({ customer: c1.id });
    const second = await a.stripe.setupIntents.create({
      customer: c1.id,
      payment_method: 'pm_card_visa',
      ...CARD_ONLY,
    });
    const third = await a.stripe.setupIntents.create({ customer: c2.id });

    const all = await a.stripe.setupIntents.list();
    assertShape(all, 'ApiList<SetupIntent>');
    assert.deepEqual(
      all.data.map((s) => s.id),
      [third.id, second.id, first.id],
    );
    assert.equal(all.url, '/v1/setup_intents');
    const byCustomer = await a.stripe.setupIntents.list({ customer: c1.id });
    assert.deepEqual(
      byCustomer.data.map((s) => s.id),
      [second.id, first.id],
    );
    const byPm = await a.stripe.setupIntents.list({ payment_method: String(second.payment_method) });
    assert.deepEqual(
      byPm.data.map((s) => s.id),
      [second.id],
    );
    const future = await a.stripe.setupIntents.list({ created: { gt: Math.floor(Date.now() / 1000) + 3600 } });
    assert.deepEqual(future.data, []);
    const page = await a.stripe.setupIntents.list({ limit: 2 });
    assert.equal(page.has_more, true);
    const auto: string[] = [];
    for await (const s of a.stripe.setupIntents.list({ limit: 1 })) auto.push(s.id);
    assert.deepEqual(auto, [third.id, second.id, first.id]);
  });

  it('expands customer, payment_method and latest_attempt', async () => {
    const a = await account();
    const customer = await a.stripe.customers.create();
    const si = await a.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      ...CARD_ONLY,
    });
    const expanded = await a.stripe.setupIntents.retrieve(si.id, {
      expand: ['customer', 'payment_method', 'latest_attempt'],
    });
    checkIntent(expanded);
    assert.equal((expanded.customer as Stripe.Customer).id, customer.id);
    assert.equal((expanded.payment_method as Stripe.PaymentMethod).object, 'payment_method');
    assert.equal((expanded.latest_attempt as Stripe.SetupAttempt).object, 'setup_attempt');
    const list = await a.stripe.setupAttempts.list({ setup_intent: si.id, expand: ['data.setup_intent'] });
    assert.equal((list.data[0]?.setup_intent as Stripe.SetupIntent | undefined)?.id, si.id);
  });

  it('lists SetupAttempts only for an existing setup_intent', async () => {
    const a = await account();
    let res = await http(server, 'GET', '/v1/setup_attempts', { key: a.key });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'parameter_missing');
    assert.equal(res.json.error.param, 'setup_intent');
    res = await http(server, 'GET', '/v1/setup_attempts?setup_intent=seti_nope', { key: a.key });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'resource_missing');
    assert.equal(res.json.error.message, "No such setup_intent: 'seti_nope'");
    const si = await a.stripe.setupIntents.create(CARD_ONLY);
    res = await http(server, 'GET', `/v1/setup_attempts?setup_intent=${si.id}`, { key: a.key });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.data, []);
  });
});

describe('setup intents: parameters', () => {
  it('accepts payment_method_types as API versions before 2026-09-30 do', async () => {
    const a = await account();
    const legacy = (params: Record<string, unknown>) =>
      a.stripe.setupIntents.create(params as Stripe.SetupIntentCreateParams);
    const si = checkIntent(await legacy({ payment_method_types: ['card'] }));
    assert.deepEqual(si.payment_method_types, ['card']);
    assert.equal(si.automatic_payment_methods, null);
    assert.equal(si.allowed_payment_method_types, null);
    await expectInvalid(legacy({ payment_method_types: ['sepa_debit'] }), { param: 'payment_method_types[0]' });
    await expectInvalid(legacy({ payment_method_types: ['card'], automatic_payment_methods: { enabled: true } }), {
      message: 'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
    });
  });

  it('rejects unknown and invalid parameters, and unknown ids', async () => {
    const a = await account();
    await expectInvalid(a.stripe.setupIntents.create({ colour: 'blue' } as Stripe.SetupIntentCreateParams), {
      code: 'parameter_unknown',
      param: 'colour',
    });
    await expectInvalid(
      a.stripe.setupIntents.create({ usage: 'sometimes' } as unknown as Stripe.SetupIntentCreateParams),
      { param: 'usage' },
    );
    await expectInvalid(a.stripe.setupIntents.create({ allowed_payment_method_types: ['sepa_debit'] }), {
      param: 'allowed_payment_method_types',
    });
    await expectInvalid(a.stripe.setupIntents.create({ ...CARD_ONLY, automatic_payment_methods: { enabled: true } }), {
      message: 'You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods.',
    });
    await expectInvalid(a.stripe.setupIntents.create({ customer: 'cus_nope' }), {
      code: 'resource_missing',
      param: 'customer',
      message: "No such customer: 'cus_nope'",
    });
    await expectInvalid(a.stripe.setupIntents.create({ payment_method: 'pm_nope' }), {
      code: 'resource_missing',
      param: 'payment_method',
    });
    await expectInvalid(a.stripe.setupIntents.retrieve('seti_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such setup_intent: 'seti_nope'",
    });
    await expectInvalid(
      a.stripe.setupIntents.create({
        payment_method: 'pm_card_visa',
        payment_method_data: { type: 'card' } as Stripe.SetupIntentCreateParams.PaymentMethodData,
      }),
      { message: 'You may only specify one of these parameters: payment_method, payment_method_data.' },
    );
    await expectInvalid(
      a.stripe.setupIntents.cancel((await a.stripe.setupIntents.create()).id, {
        cancellation_reason: 'bored' as Stripe.SetupIntentCancelParams.CancellationReason,
      }),
      { param: 'cancellation_reason' },
    );
  });

  it('accepts mandate_data and ignores it', async () => {
    const a = await account();
    const si = await a.stripe.setupIntents.create({
      payment_method: 'pm_card_visa',
      confirm: true,
      mandate_data: { customer_acceptance: { type: 'online', online: { ip_address: '127.0.0.1', user_agent: 'x' } } },
      ...CARD_ONLY,
    });
    assert.equal(si.status, 'succeeded');
    assert.equal(si.mandate, null);
  });

  it('refuses a payment method that belongs to another customer', async () => {
    const a = await account();
    const [c1, c2] = await Promise.all([a.stripe.customers.create(), a.stripe.customers.create()]);
    assert.ok(c1 && c2);
    const pm = await a.stripe.paymentMethods.attach('pm_card_visa', { customer: c1.id });
    await expectInvalid(a.stripe.setupIntents.create({ customer: c2.id, payment_method: pm.id }), {
      param: 'payment_method',
      message: `The PaymentMethod ${pm.id} does not belong to the Customer you supplied ${c2.id}. Please use this PaymentMethod with the Customer that it belongs to instead.`,
    });
  });
});
