/**
 * `GET /v1/customers/:customer/payment_methods` with the filters the current SDK declares (`type`,
 * `allow_redisplay`), the same `allow_redisplay` filter on `GET /v1/payment_methods`, and
 * `customers.retrievePaymentMethod`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

async function attached(
  stripe: Stripe,
  customer: string,
  allow_redisplay?: Stripe.PaymentMethodCreateParams.AllowRedisplay,
): Promise<Stripe.PaymentMethod> {
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { token: 'tok_visa' },
    ...(allow_redisplay ? { allow_redisplay } : {}),
  });
  return stripe.paymentMethods.attach(pm.id, { customer });
}

describe("a customer's payment methods", () => {
  it('filters by allow_redisplay and type', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const always = await attached(stripe, customer.id, 'always');
    const limited = await attached(stripe, customer.id, 'limited');
    const unspecified = await attached(stripe, customer.id);
    assert.equal(unspecified.allow_redisplay, 'unspecified');

    const ids = async (params: Stripe.CustomerListPaymentMethodsParams) =>
      (await stripe.customers.listPaymentMethods(customer.id, params)).data.map((pm) => pm.id);
    assert.deepEqual(await ids({}), [unspecified.id, limited.id, always.id]);
    assert.deepEqual(await ids({ allow_redisplay: 'always' }), [always.id]);
    assert.deepEqual(await ids({ allow_redisplay: 'limited', type: 'card' }), [limited.id]);
    assert.deepEqual(await ids({ allow_redisplay: 'unspecified' }), [unspecified.id]);
    assert.deepEqual(await ids({ type: 'us_bank_account' }), []);

    // An update moves it between the filters.
    await stripe.paymentMethods.update(unspecified.id, { allow_redisplay: 'always' });
    assert.deepEqual(await ids({ allow_redisplay: 'always' }), [unspecified.id, always.id]);
    assert.deepEqual(
      (await stripe.paymentMethods.list({ customer: customer.id, allow_redisplay: 'limited' })).data.map((pm) => pm.id),
      [limited.id],
    );

    await expectInvalid(
      stripe.customers.listPaymentMethods(customer.id, { allow_redisplay: 'sometimes' as 'always' }),
      {
        param: 'allow_redisplay',
      },
    );
  });

  it('retrieves only a payment method of that customer', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const other = await stripe.customers.create();
    const pm = await attached(stripe, customer.id);
    assert.equal((await stripe.customers.retrievePaymentMethod(customer.id, pm.id)).id, pm.id);
    await expectInvalid(stripe.customers.retrievePaymentMethod(other.id, pm.id), {
      code: 'resource_missing',
      message: `No such PaymentMethod: '${pm.id}'`,
    });
  });
});
