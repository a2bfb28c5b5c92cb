/**
 * PaymentMethods end to end through the official SDK: creating card PaymentMethods from details and
 * from test tokens (with the checks Stripe runs on what was provided), retrieving, updating,
 * listing, attaching and detaching (with their events), Stripe's reuse rules and their exact
 * messages, a customer's PaymentMethods and default, expansion, unknown parameters, and shapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, checkPaymentMethod, eventsFor, expectCardError, newAccount, pay } from '../support/payments.js';
import { startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const CARD = { number: '4242424242424242', exp_month: 12, exp_year: 2034 };
const ADDRESS = {
  city: 'San Francisco',
  country: 'US',
  line1: '510 Townsend St',
  postal_code: '94103',
  state: 'CA',
};

const ALREADY_ATTACHED = 'The payment method you provided has already been attached to a customer.';
const NOT_REUSABLE =
  'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.';
const NOT_ATTACHED = 'The payment method you provided is not attached to a customer so detachment is impossible.';

/** The SDK's parameter types forbid unknown names; these tests send them on purpose. */
const loose = <T>(params: Record<string, unknown>) => params as T;

describe('create and retrieve', () => {
  it('creates a card PaymentMethod from details, with billing details and checks on what was given', async () => {
    const { stripe } = newAccount(server);
    const pm = checkPaymentMethod(
      await stripe.paymentMethods.create({
        type: 'card',
        card: { ...CARD, cvc: '314' },
        billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com', phone: '+14155550123', address: ADDRESS },
        metadata: { source: 'checkout' },
      }),
    );
    assert.match(pm.id, /^pm_[0-9A-Za-z]{24}$/);
    assert.equal(pm.object, 'payment_method');
    assert.equal(pm.type, 'card');
    assert.equal(pm.customer, null);
    assert.equal(pm.livemode, false);
    assert.deepEqual(pm.metadata, { source: 'checkout' });
    assert.deepEqual(pm.billing_details, {
      address: { ...ADDRESS, line2: null },
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      phone: '+14155550123',
      tax_id: null,
    });
    const card = pm.card as Stripe.PaymentMethod.Card;
    assert.equal(card.brand, 'visa');
    assert.equal(card.last4, '4242');
    assert.equal(card.exp_month, 12);
    assert.equal(card.exp_year, 2034);
    assert.equal(card.funding, 'credit');
    assert.equal(card.country, 'US');
    assert.match(card.fingerprint ?? '', /^[0-9A-Za-z]{16}$/);
    assert.deepEqual(card.checks, {
      address_line1_check: 'pass',
      address_postal_code_check: 'pass',
      cvc_check: 'pass',
    });
    assert.deepEqual(card.networks, { available: ['visa'], preferred: null });
    assert.equal('number' in card, false, 'the number is never rendered');
    assert.equal('cvc' in card, false, 'the CVC is never rendered');
    assert.deepEqual(checkPaymentMethod(await stripe.paymentMethods.retrieve(pm.id)), pm);
  });

  it('leaves each check null when its value was not given', async () => {
    const { stripe } = newAccount(server);
    const bare = checkPaymentMethod(await stripe.paymentMethods.create({ type: 'card', card: CARD }));
    assert.deepEqual(bare.card?.checks, {
      address_line1_check: null,
      address_postal_code_check: null,
      cvc_check: null,
    });
    assert.deepEqual(bare.billing_details, {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    });
    const zipOnly = await stripe.paymentMethods.create({
      type: 'card',
      card: CARD,
      billing_details: { address: { postal_code: '94103' } },
    });
    assert.deepEqual(zipOnly.card?.checks, {
      address_line1_check: null,
      address_postal_code_check: 'pass',
      cvc_check: null,
    });
    // The documented failing-check cards fail the checks they run.
    const cvcFail = await stripe.paymentMethods.create({
      type: 'card',
      card: { ...CARD, number: '4000000000000101', cvc: '123' },
    });
    assert.equal(cvcFail.card?.checks?.cvc_check, 'fail');
    const avsFail = await stripe.paymentMethods.create({
      type: 'card',
      card: { ...CARD, number: '4000000000000010' },
      billing_details: { address: { line1: '1 Main St', postal_code: '94103' } },
    });
    assert.deepEqual(avsFail.card?.checks, {
      address_line1_check: 'fail',
      address_postal_code_check: 'fail',
      cvc_check: null,
    });
  });

  it('creates from a test token', async () => {
    const { stripe } = newAccount(server);
    const pm = checkPaymentMethod(
      await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } }),
    );
    assert.equal(pm.card?.brand, 'mastercard');
    assert.equal(pm.card?.last4, '4444');
    assert.equal(typeof pm.card?.exp_year, 'number');
    const visa = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    assert.equal(visa.card?.last4, '4242');
  });

  it('answers No such PaymentMethod for an unknown id', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentMethods.retrieve('pm_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such PaymentMethod: 'pm_nope'",
    });
  });

  it('refuses a missing type and unknown parameters', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentMethods.create(loose({ card: CARD })), {
      code: 'parameter_missing',
      param: 'type',
    });
    await expectInvalid(stripe.paymentMethods.create(loose({ type: 'card', card: CARD, colour: 'red' })), {
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
    await expectInvalid(stripe.paymentMethods.create(loose({ type: 'card', card: { ...CARD, pin: '0000' } })), {
      code: 'parameter_unknown',
      param: 'card[pin]',
    });
    const pm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    await expectInvalid(stripe.paymentMethods.update(pm.id, loose({ card: { number: '4242424242424242' } })), {
      code: 'parameter_unknown',
      param: 'card[number]',
    });
  });
});

describe('update', () => {
  it('updates billing details (merging the address), metadata and the expiry', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: CARD,
      billing_details: { name: 'Jenny Rosen', address: { city: 'Oakland', country: 'US' } },
      metadata: { a: '1', b: '2' },
    });
    const updated = checkPaymentMethod(
      await stripe.paymentMethods.update(pm.id, {
        billing_details: { email: 'jenny@example.com', address: { line1: '1 Broadway' } },
        metadata: { a: '', c: '3' },
        card: { exp_month: 6, exp_year: 2031 },
      }),
    );
    assert.equal(updated.billing_details.name, 'Jenny Rosen');
    assert.equal(updated.billing_details.email, 'jenny@example.com');
    assert.equal(updated.billing_details.address?.city, 'Oakland');
    assert.equal(updated.billing_details.address?.line1, '1 Broadway');
    assert.deepEqual(updated.metadata, { b: '2', c: '3' });
    assert.equal(updated.card?.exp_month, 6);
    assert.equal(updated.card?.exp_year, 2031);
    assert.equal(updated.card?.last4, '4242');
    assert.deepEqual(checkPaymentMethod(await stripe.paymentMethods.retrieve(pm.id)), updated);
    const events = await eventsFor(server, accountId, pm.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['payment_method.updated'],
    );
    assert.equal(
      events[0]?.data.previous_attributes?.metadata && typeof events[0].data.previous_attributes.metadata,
      'object',
    );
  });
});

describe('attach and detach', () => {
  it('attaches to a customer and detaches, with payment_method.attached and .detached', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const customer = await stripe.customers.create();
    const pm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    const attached = checkPaymentMethod(await stripe.paymentMethods.attach(pm.id, { customer: customer.id }));
    assert.equal(attached.customer, customer.id);
    // Attaching again to the same customer changes nothing.
    const again = checkPaymentMethod(await stripe.paymentMethods.attach(pm.id, { customer: customer.id }));
    assert.equal(again.customer, customer.id);
    const detached = checkPaymentMethod(await stripe.paymentMethods.detach(pm.id));
    assert.equal(detached.customer, null);
    const events = await eventsFor(server, accountId, pm.id);
    assert.deepEqual(
      events.map((e) => e.type),
      ['payment_method.attached', 'payment_method.detached'],
    );
    assert.equal(events[0]?.data.object.customer, customer.id);
    assert.equal(events[1]?.data.object.customer, null);
    assert.equal(events[1]?.data.previous_attributes?.customer, customer.id);
    // A detached PaymentMethod may not be used again.
    await expectInvalid(stripe.paymentMethods.attach(pm.id, { customer: customer.id }), { message: NOT_REUSABLE });
  });

  it('payment_method.detached lists only the customer in previous_attributes', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const customer = await stripe.customers.create();
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.paymentMethods.detach(pm.id);
    const events = await eventsFor(server, await accountIdOf(server, account.key), pm.id);
    const detached = events.find((e) => e.type === 'payment_method.detached');
    assert.deepEqual(detached?.data.previous_attributes, { customer: customer.id });
  });

  it('attaches a test id as a new PaymentMethod', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create();
    const pm = checkPaymentMethod(await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }));
    assert.match(pm.id, /^pm_[0-9A-Za-z]{24}$/);
    assert.notEqual(pm.id, 'pm_card_visa');
    assert.equal(pm.customer, customer.id);
  });

  it('refuses to attach a card its issuer declines', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create();
    const err = await expectCardError(
      stripe.paymentMethods.attach('pm_card_visa_chargeDeclined', { customer: customer.id }),
    );
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    assert.equal(err.message, 'Your card was declined.');
    assert.deepEqual((await stripe.customers.listPaymentMethods(customer.id)).data, []);
    // The charge-time failure card attaches fine (and declines only when charged).
    const late = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    assert.equal(late.customer, customer.id);
    const decline = await expectCardError(pay(stripe, { customer: customer.id, payment_method: late.id }));
    assert.equal(decline.code, 'card_declined');
  });

  it('refuses to attach to a second customer', async () => {
    const { stripe } = newAccount(server);
    const [a, b] = await Promise.all([stripe.customers.create(), stripe.customers.create()]);
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: a.id });
    await expectInvalid(stripe.paymentMethods.attach(pm.id, { customer: b.id }), { message: ALREADY_ATTACHED });
    assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, a.id);
  });

  it('refuses to attach to a customer that does not exist, or without a customer', async () => {
    const { stripe } = newAccount(server);
    const pm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    await expectInvalid(stripe.paymentMethods.attach(pm.id, { customer: 'cus_nope' }), {
      code: 'resource_missing',
      param: 'customer',
      message: "No such customer: 'cus_nope'",
    });
    await expectInvalid(stripe.paymentMethods.attach(pm.id, loose({})), {
      code: 'parameter_missing',
      param: 'customer',
    });
  });

  it('refuses to reuse a PaymentMethod consumed by a payment without a customer', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create();
    const pm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    const paid = await pay(stripe, { payment_method: pm.id });
    assert.equal(paid.status, 'succeeded');
    await expectInvalid(stripe.paymentMethods.attach(pm.id, { customer: customer.id }), {
      param: 'payment_method',
      message: NOT_REUSABLE,
    });
    await expectInvalid(pay(stripe, { payment_method: pm.id }), { param: 'payment_method', message: NOT_REUSABLE });
    // A declined attempt does not consume it.
    const declined = await stripe.paymentMethods.create({
      type: 'card',
      card: { ...CARD, number: '4000000000000341' },
    });
    await expectCardError(pay(stripe, { payment_method: declined.id }));
    const attached = await stripe.paymentMethods.attach(declined.id, { customer: customer.id });
    assert.equal(attached.customer, customer.id);
  });

  it('refuses to detach a PaymentMethod that is not attached', async () => {
    const { stripe } = newAccount(server);
    const pm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    const err = await expectInvalid(stripe.paymentMethods.detach(pm.id), { message: NOT_ATTACHED });
    assert.equal(err.code, undefined, 'Stripe sends no code for this one');
  });
});

describe('customers and PaymentIntents', () => {
  it("lists a customer's PaymentMethods and retrieves one through the customer", async () => {
    const { stripe } = newAccount(server);
    const [a, b] = await Promise.all([stripe.customers.create(), stripe.customers.create()]);
    const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: a.id });
    const second = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: a.id });
    const other = await stripe.paymentMethods.attach('pm_card_amex', { customer: b.id });
    await stripe.paymentMethods.create({ type: 'card', card: CARD }); // attached to nobody

    const list = await stripe.customers.listPaymentMethods(a.id, { type: 'card' });
    assertShape(list, 'ApiList<PaymentMethod>');
    assert.deepEqual(
      list.data.map((p) => p.id),
      [second.id, first.id],
    );
    assert.equal(list.url, `/v1/customers/${a.id}/payment_methods`);
    const noType = await stripe.customers.listPaymentMethods(a.id);
    assert.equal(noType.data.length, 2);
    const page = await stripe.customers.listPaymentMethods(a.id, { limit: 1 });
    assert.equal(page.has_more, true);

    const viaList = await stripe.paymentMethods.list({ customer: a.id, type: 'card' });
    assertShape(viaList, 'ApiList<PaymentMethod>');
    assert.deepEqual(
      viaList.data.map((p) => p.id),
      [second.id, first.id],
    );
    assert.deepEqual(
      (await stripe.paymentMethods.list({ customer: b.id })).data.map((p) => p.id),
      [other.id],
    );
    assert.deepEqual((await stripe.paymentMethods.list({ customer: a.id, type: 'sepa_debit' })).data, []);
    await expectInvalid(stripe.paymentMethods.list({ customer: 'cus_nope' }), { code: 'resource_missing' });

    const one = checkPaymentMethod(await stripe.customers.retrievePaymentMethod(a.id, first.id));
    assert.equal(one.id, first.id);
    await expectInvalid(stripe.customers.retrievePaymentMethod(a.id, other.id), {
      code: 'resource_missing',
      message: `No such PaymentMethod: '${other.id}'`,
    });
    await expectInvalid(stripe.customers.listPaymentMethods('cus_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such customer: 'cus_nope'",
    });
  });

  it("sets a customer's default PaymentMethod only to one attached to it, and clears it on detach", async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const accountId = await accountIdOf(server, account.key);
    const [a, b] = await Promise.all([stripe.customers.create(), stripe.customers.create()]);
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: a.id });
    const updated = await stripe.customers.update(a.id, { invoice_settings: { default_payment_method: pm.id } });
    assert.equal(updated.invoice_settings.default_payment_method, pm.id);
    const expanded = await stripe.customers.retrieve(a.id, { expand: ['invoice_settings.default_payment_method'] });
    assert.equal(
      ((expanded as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).id,
      pm.id,
    );
    await expectInvalid(stripe.customers.update(b.id, { invoice_settings: { default_payment_method: pm.id } }), {
      param: 'invoice_settings[default_payment_method]',
      message: `The customer does not have a payment method with the ID ${pm.id}. The payment method must be attached to the customer.`,
    });
    const loosePm = await stripe.paymentMethods.create({ type: 'card', card: CARD });
    await expectInvalid(stripe.customers.update(b.id, { invoice_settings: { default_payment_method: loosePm.id } }), {
      param: 'invoice_settings[default_payment_method]',
    });

    await stripe.paymentMethods.detach(pm.id);
    const after = (await stripe.customers.retrieve(a.id)) as Stripe.Customer;
    assert.equal(after.invoice_settings.default_payment_method, null);
    const customerEvents = (await eventsFor(server, accountId, a.id)).filter((e) => e.type === 'customer.updated');
    assert.equal(customerEvents.at(-1)?.data.object.invoice_settings.default_payment_method, null);
  });

  it("refuses another customer's PaymentMethod on a PaymentIntent, and a customer's without the customer", async () => {
    const { stripe } = newAccount(server);
    const [a, b] = await Promise.all([stripe.customers.create(), stripe.customers.create()]);
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: a.id });
    await expectInvalid(pay(stripe, { payment_method: pm.id }), {
      param: 'payment_method',
      message: `The payment method supplied (${pm.id}) belongs to the Customer ${a.id}. Please include the Customer in the \`customer\` parameter on the PaymentIntent.`,
    });
    await expectInvalid(pay(stripe, { customer: b.id, payment_method: pm.id }), {
      param: 'payment_method',
      message: `The PaymentMethod ${pm.id} does not belong to the Customer you supplied ${b.id}. Please use this PaymentMethod with the Customer that it belongs to instead.`,
    });
    // With its own customer it pays, and stays usable (attached PaymentMethods are not consumed).
    for (let i = 0; i < 2; i++) {
      const paid = await pay(stripe, { customer: a.id, payment_method: pm.id });
      assert.equal(paid.status, 'succeeded');
    }
  });

  it('expands the customer of a PaymentMethod', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create({ email: 'pm-owner@example.com' });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const expanded = await stripe.paymentMethods.retrieve(pm.id, { expand: ['customer'] });
    assertShape(expanded, 'PaymentMethod');
    assert.equal((expanded.customer as Stripe.Customer).id, customer.id);
    assert.equal((expanded.customer as Stripe.Customer).email, 'pm-owner@example.com');
    const unattached = await stripe.paymentMethods.create({ type: 'card', card: CARD, expand: ['customer'] });
    assert.equal(unattached.customer, null);
    await expectInvalid(stripe.paymentMethods.retrieve(pm.id, { expand: ['card'] }), {
      message: /^This property cannot be expanded \(card\)/,
    });
  });
});
