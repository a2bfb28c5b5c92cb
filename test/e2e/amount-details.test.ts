/**
 * PaymentIntent `amount_details` (payment line items) end to end through the official SDK: the
 * details on create, update, confirm and capture, `line_items` only when expanded, the paginated
 * `amount_details_line_items` list with `uli_` ids, Stripe's arithmetic check (and
 * `enforce_arithmetic_validation=false` reporting it in `amount_details.error` instead), the
 * mutual exclusions, the parameter limits, and clearing with an empty value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { checkPaymentIntent, newAccount } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const CARD_ONLY = { allowed_payment_method_types: ['card'] };

/** Stripe's documented example: 2000 + 2000 − 200 discount + 400 tax + 400 shipping = 4600. */
const EXAMPLE: Stripe.PaymentIntentCreateParams.AmountDetails = {
  discount_amount: 200,
  tax: { total_tax_amount: 400 },
  shipping: { amount: 400, from_postal_code: '94110', to_postal_code: '94117' },
  line_items: [
    {
      product_code: 'SKU001',
      product_name: 'Product 001',
      unit_cost: 2000,
      quantity: 1,
      unit_of_measure: 'feet',
      payment_method_options: { card: { commodity_code: '123123' } },
    },
    { product_code: 'SKU002', product_name: 'Product 002', unit_cost: 2000, quantity: 1, unit_of_measure: 'gallons' },
  ],
};

function lineItems(pi: Stripe.PaymentIntent): Stripe.PaymentIntentAmountDetailsLineItem[] {
  const list = pi.amount_details?.line_items;
  assert.ok(list, 'line_items expanded');
  return list.data;
}

describe('amount_details on create and retrieve', () => {
  it('stores discount, shipping and tax, renders them, and includes line items only when expanded', async () => {
    const { stripe } = newAccount(server);
    const pi = checkPaymentIntent(
      await stripe.paymentIntents.create({ amount: 4600, currency: 'usd', ...CARD_ONLY, amount_details: EXAMPLE }),
    );
    assert.deepEqual(pi.amount_details, {
      discount_amount: 200,
      shipping: { amount: 400, from_postal_code: '94110', to_postal_code: '94117' },
      tax: { total_tax_amount: 400 },
      tip: {},
    });
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['amount_details.line_items'] });
    const items = lineItems(expanded);
    assert.equal(expanded.amount_details?.line_items?.url, `/v1/payment_intents/${pi.id}/amount_details_line_items`);
    assert.equal(items.length, 2);
    assert.match(items[0]?.id ?? '', /^uli_[0-9A-Za-z]{14}$/);
    assert.deepEqual(
      { ...items[0], id: undefined },
      {
        id: undefined,
        object: 'payment_intent_amount_details_line_item',
        discount_amount: null,
        payment_method_options: { card: { commodity_code: '123123' } },
        product_code: 'SKU001',
        product_name: 'Product 001',
        quantity: 1,
        tax: null,
        unit_cost: 2000,
        unit_of_measure: 'feet',
      },
    );
    assert.equal(items[1]?.product_name, 'Product 002');
  });

  it('an intent without details renders only the tip, and expands to an empty list', async () => {
    const { stripe } = newAccount(server);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    assert.deepEqual(pi.amount_details, { tip: {} });
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['amount_details.line_items'] });
    assert.deepEqual(lineItems(expanded), []);
    const list = await stripe.paymentIntents.listAmountDetailsLineItems(pi.id);
    assert.deepEqual(list.data, []);
    assert.equal(list.has_more, false);
  });
});

describe('GET /v1/payment_intents/:id/amount_details_line_items', () => {
  it('pages the line items in the order they were sent, by uli_ cursors', async () => {
    const { stripe } = newAccount(server);
    const line_items = Array.from({ length: 5 }, (_, i) => ({
      product_name: `Item ${i}`,
      unit_cost: 100 * (i + 1),
      quantity: 1,
      tax: { total_tax_amount: 10 },
    }));
    const pi = await stripe.paymentIntents.create({
      amount: 1550,
      currency: 'usd',
      ...CARD_ONLY,
      amount_details: { line_items },
    });
    const first = await stripe.paymentIntents.listAmountDetailsLineItems(pi.id, { limit: 2 });
    assert.deepEqual(
      first.data.map((i) => i.product_name),
      ['Item 0', 'Item 1'],
    );
    assert.equal(first.has_more, true);
    assert.equal(first.url, `/v1/payment_intents/${pi.id}/amount_details_line_items`);
    const all: string[] = [];
    for await (const item of stripe.paymentIntents.listAmountDetailsLineItems(pi.id, { limit: 2 })) {
      all.push(item.product_name);
    }
    assert.deepEqual(all, ['Item 0', 'Item 1', 'Item 2', 'Item 3', 'Item 4']);
    const last = first.data[1]?.id as string;
    const before = await stripe.paymentIntents.listAmountDetailsLineItems(pi.id, { ending_before: last });
    assert.deepEqual(
      before.data.map((i) => i.product_name),
      ['Item 0'],
    );
    assert.equal(before.has_more, false);
  });

  it('answers 404 for an unknown intent and 400 for a foreign cursor', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(stripe.paymentIntents.listAmountDetailsLineItems('pi_doesnotexist'), {
      statusCode: 404,
      code: 'resource_missing',
    });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    await expectInvalid(stripe.paymentIntents.listAmountDetailsLineItems(pi.id, { starting_after: 'uli_nope' }), {
      code: 'resource_missing',
      param: 'starting_after',
    });
  });
});

describe('arithmetic validation', () => {
  it('refuses line items that do not add up to the amount', async () => {
    const { stripe } = newAccount(server);
    const err = await expectInvalid(
      stripe.paymentIntents.create({ amount: 5000, currency: 'usd', ...CARD_ONLY, amount_details: EXAMPLE }),
      { code: 'amount_details_amount_mismatch', param: 'amount_details' },
    );
    assert.match(err.message, /4600/);
  });

  it('refuses tax, shipping and discount above the amount when there are no line items', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        ...CARD_ONLY,
        amount_details: { tax: { total_tax_amount: 800 }, shipping: { amount: 300 } },
      }),
      { code: 'amount_details_tax_shipping_discount_greater_than_amount', param: 'amount_details' },
    );
  });

  it('with enforce_arithmetic_validation=false, reports the mismatch in amount_details.error and proceeds', async () => {
    const { stripe } = newAccount(server);
    const pi = checkPaymentIntent(
      await stripe.paymentIntents.create({
        amount: 5000,
        currency: 'usd',
        ...CARD_ONLY,
        amount_details: { ...EXAMPLE, enforce_arithmetic_validation: false },
      }),
    );
    assert.equal(pi.amount_details?.error?.code, 'amount_details_amount_mismatch');
    assert.equal(typeof pi.amount_details?.error?.message, 'string');
    const list = await stripe.paymentIntents.listAmountDetailsLineItems(pi.id);
    assert.equal(list.data.length, 2);
  });

  it('re-checks stored details when only the amount is updated', async () => {
    const { stripe } = newAccount(server);
    const pi = await stripe.paymentIntents.create({
      amount: 4600,
      currency: 'usd',
      ...CARD_ONLY,
      amount_details: EXAMPLE,
    });
    await expectInvalid(stripe.paymentIntents.update(pi.id, { amount: 4700 }), {
      code: 'amount_details_amount_mismatch',
    });
    const shipping100More = await stripe.paymentIntents.update(pi.id, {
      amount: 4700,
      amount_details: { shipping: { amount: 500 } },
    });
    assert.equal(shipping100More.amount, 4700);
    assert.deepEqual(shipping100More.amount_details?.shipping, {
      amount: 500,
      from_postal_code: null,
      to_postal_code: null,
    });
    assert.equal(shipping100More.amount_details?.discount_amount, 200, 'fields not sent are kept');
  });
});

describe('mutual exclusions and limits', () => {
  it('a total discount excludes line item discounts, a total tax excludes line item taxes', async () => {
    const { stripe } = newAccount(server);
    await expectInvalid(
      stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        ...CARD_ONLY,
        amount_details: {
          discount_amount: 50,
          line_items: [{ product_name: 'A', unit_cost: 1000, quantity: 1, discount_amount: 50 }],
        },
      }),
      { param: 'amount_details[discount_amount]', message: /You may only specify one of these parameters/ },
    );
    await expectInvalid(
      stripe.paymentIntents.create({
        amount: 1200,
        currency: 'usd',
        ...CARD_ONLY,
        amount_details: {
          tax: { total_tax_amount: 100 },
          line_items: [{ product_name: 'A', unit_cost: 1000, quantity: 1, tax: { total_tax_amount: 100 } }],
        },
      }),
      { param: 'amount_details[tax][total_tax_amount]' },
    );
  });

  it('enforces the documented limits on each field', async () => {
    const { stripe } = newAccount(server);
    const create = (amount_details: Stripe.PaymentIntentCreateParams.AmountDetails) =>
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY, amount_details });
    const item = { product_name: 'A', unit_cost: 1000, quantity: 1 };
    await expectInvalid(create({ line_items: [{ ...item, product_code: 'X'.repeat(13) }] }), {
      param: 'amount_details[line_items][0][product_code]',
    });
    await expectInvalid(create({ line_items: [{ ...item, product_name: 'X'.repeat(1025) }] }), {
      param: 'amount_details[line_items][0][product_name]',
    });
    await expectInvalid(create({ line_items: [{ ...item, quantity: 0 }] }), {
      param: 'amount_details[line_items][0][quantity]',
    });
    await expectInvalid(create({ line_items: [{ ...item, discount_amount: 0 }] }), {
      param: 'amount_details[line_items][0][discount_amount]',
    });
    await expectInvalid(create({ shipping: { to_postal_code: '12345678901' } }), {
      param: 'amount_details[shipping][to_postal_code]',
    });
    await expectInvalid(create({ shipping: { to_postal_code: '941#7' } }), {
      param: 'amount_details[shipping][to_postal_code]',
    });
    await expectInvalid(create({ line_items: [{ unit_cost: 1000, quantity: 1 } as typeof item] }), {
      code: 'parameter_missing',
      param: 'amount_details[line_items][0][product_name]',
    });
    const tooMany = Array.from({ length: 201 }, () => ({ product_name: 'A', unit_cost: 0, quantity: 1 }));
    await expectInvalid(create({ line_items: tooMany }), { param: 'amount_details[line_items]' });
  });
});

describe('amount_details through the lifecycle', () => {
  it('confirm and capture accept amount details; a partial capture re-describes what is captured', async () => {
    const { stripe } = newAccount(server);
    const pi = await stripe.paymentIntents.create({
      amount: 4600,
      currency: 'usd',
      ...CARD_ONLY,
      capture_method: 'manual',
    });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, {
      payment_method: 'pm_card_visa',
      amount_details: EXAMPLE,
    });
    assert.equal(confirmed.status, 'requires_capture');
    assert.equal(confirmed.amount_details?.discount_amount, 200);
    const captured = await stripe.paymentIntents.capture(pi.id, {
      amount_to_capture: 2000,
      amount_details: {
        discount_amount: '' as unknown as number,
        tax: '' as unknown as Stripe.PaymentIntentCaptureParams.AmountDetails.Tax,
        shipping: '' as unknown as Stripe.PaymentIntentCaptureParams.AmountDetails.Shipping,
        line_items: [{ product_code: 'SKU001', product_name: 'Product 001', unit_cost: 2000, quantity: 1 }],
      },
      expand: ['amount_details.line_items'],
    });
    assert.equal(captured.status, 'succeeded');
    assert.deepEqual(
      lineItems(captured).map((i) => i.product_code),
      ['SKU001'],
    );
    assert.deepEqual({ ...captured.amount_details, line_items: undefined }, { line_items: undefined, tip: {} });
    await expectInvalid(
      stripe.paymentIntents.capture(
        (
          await stripe.paymentIntents.create({
            amount: 1000,
            currency: 'usd',
            ...CARD_ONLY,
            capture_method: 'manual',
            payment_method: 'pm_card_visa',
            confirm: true,
          })
        ).id,
        { amount_details: { line_items: [{ product_name: 'A', unit_cost: 999, quantity: 1 }] } },
      ),
      { code: 'amount_details_amount_mismatch' },
    );
  });

  it('create with confirm=true stores the details once; updating line items replaces them; empty clears', async () => {
    const { stripe, key } = newAccount(server);
    const pi = await stripe.paymentIntents.create({
      amount: 4600,
      currency: 'usd',
      ...CARD_ONLY,
      amount_details: EXAMPLE,
    });
    const before = (await stripe.paymentIntents.listAmountDetailsLineItems(pi.id)).data.map((i) => i.id);
    const updated = await stripe.paymentIntents.update(pi.id, {
      amount_details: {
        line_items: [{ product_name: 'Bundle', unit_cost: 4000, quantity: 1 }],
      },
      expand: ['amount_details.line_items'],
    });
    const after = lineItems(updated);
    assert.equal(after.length, 1);
    assert.ok(!before.includes(after[0]?.id as string), 'replaced items get new ids');
    const cleared = await http(server, 'POST', `/v1/payment_intents/${pi.id}`, {
      key,
      body: 'amount_details=',
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.deepEqual(cleared.json.amount_details, { tip: {} });
    assert.deepEqual((await stripe.paymentIntents.listAmountDetailsLineItems(pi.id)).data, []);

    const paid = await stripe.paymentIntents.create({
      amount: 4600,
      currency: 'usd',
      ...CARD_ONLY,
      payment_method: 'pm_card_visa',
      confirm: true,
      amount_details: EXAMPLE,
    });
    assert.equal(paid.status, 'succeeded');
    assert.equal((await stripe.paymentIntents.listAmountDetailsLineItems(paid.id)).data.length, 2);
  });

  it('amount_details is locked once the payment is made', async () => {
    const { stripe } = newAccount(server);
    const paid = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      ...CARD_ONLY,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await expectInvalid(stripe.paymentIntents.update(paid.id, { amount_details: { tax: { total_tax_amount: 10 } } }), {
      code: 'payment_intent_unexpected_state',
      param: 'amount_details',
    });
  });
});
