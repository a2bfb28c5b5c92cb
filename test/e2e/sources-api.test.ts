/**
 * The legacy Sources API end to end, for card sources: create from a token, a `tok_` alias or raw
 * card details (never echoing the number), retrieve (publishable key with the client secret),
 * update, verify (refused: a card has nothing to verify), source transactions (none), other types
 * refused; a source attached to a customer (listed, the default source, detached → consumed),
 * charged through the Charges API (consumed when charged unattached) and used on PaymentIntents as
 * `source` and as `payment_method`; the events; and stripe-node 8's `stripe.sources.*`.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import {
  accountIdOf,
  checkCharge,
  checkPaymentIntent,
  client,
  eventsOf,
  expectCardError,
  newAccount,
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

function checkSource<T extends Stripe.Source>(source: T): T {
  assertShape(source, 'Source', 'source');
  assert.equal(source.object, 'source');
  assert.match(source.id, /^src_[0-9A-Za-z]{24}$/);
  return source;
}

/** Raw card details as `POST /v1/sources` takes them (the SDK's typed params omit `card`). */
function rawCard(number: string, extra: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    type: 'card',
    'card[number]': number,
    'card[exp_month]': '8',
    'card[exp_year]': String(YEAR),
    'card[cvc]': '123',
    ...extra,
  };
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

describe('POST /v1/sources (type=card)', () => {
  it('makes a chargeable, reusable card source from a tok_ alias, and emits source.chargeable', async () => {
    const { stripe, key } = newAccount(server);
    const source = checkSource(
      await stripe.sources.create({
        type: 'card',
        token: 'tok_visa',
        owner: { email: 'jenny@example.com' },
        metadata: { order: '42' },
      }),
    );
    assert.equal(source.type, 'card');
    assert.equal(source.flow, 'none');
    assert.equal(source.status, 'chargeable');
    assert.equal(source.usage, 'reusable');
    assert.equal(source.livemode, false);
    assert.equal(source.amount, null);
    assert.equal(source.currency, null);
    assert.match(source.client_secret, /^src_client_secret_[0-9A-Za-z]{24}$/);
    assert.deepEqual(source.metadata, { order: '42' });
    assert.equal(source.owner?.email, 'jenny@example.com');
    assert.equal(source.owner?.verified_email, null);
    assert.equal(source.customer, undefined, 'an unattached source has no customer field');
    const card = source.card as Stripe.Source.Card;
    assert.equal(card.brand, 'Visa');
    assert.equal(card.last4, '4242');
    assert.equal(card.funding, 'credit');
    assert.equal(card.country, 'US');
    assert.equal(card.three_d_secure, 'optional');
    assert.equal(card.cvc_check, null);
    assert.equal(card.exp_month, 12);
    assert.equal(typeof card.fingerprint, 'string');

    const events = (await eventsOf(server, await accountIdOf(server, key))).map((e) => [e.type, e.data.object.id]);
    assert.deepEqual(events, [['source.chargeable', source.id]]);
  });

  it('spends a stored token (once), and takes raw card details without keeping the number', async () => {
    const { stripe, key } = newAccount(server);
    const token = await stripe.tokens.create({
      card: { number: '4000000000003220', exp_month: '3', exp_year: String(YEAR), cvc: '314', name: 'Jenny Rosen' },
    });
    const fromToken = checkSource(await stripe.sources.create({ type: 'card', token: token.id }));
    assert.equal(fromToken.card?.last4, '3220');
    assert.equal(fromToken.card?.three_d_secure, 'required');
    assert.equal(fromToken.card?.cvc_check, 'pass');
    assert.equal(fromToken.card?.name, 'Jenny Rosen');
    assert.equal(fromToken.owner?.name, 'Jenny Rosen');
    await expectInvalid(stripe.sources.create({ type: 'card', token: token.id }), {
      code: 'token_already_used',
      param: 'token',
    });

    const res = await http(server, 'POST', '/v1/sources', {
      key,
      body: rawCard('378282246310005', { 'card[address_zip]': '94107', 'owner[name]': 'Amex Owner' }),
    });
    assert.equal(res.status, 200, res.text);
    const raw = checkSource(res.json as Stripe.Source);
    assert.equal(raw.card?.brand, 'American Express');
    assert.equal(raw.card?.three_d_secure, 'not_supported');
    assert.equal(raw.card?.address_zip_check, 'pass');
    assert.equal(raw.card?.cvc_check, 'pass');
    assert.equal(raw.owner?.name, 'Amex Owner');
    assert.equal(raw.owner?.address?.postal_code, '94107');
    assert.ok(!res.text.includes('378282246310005'), 'the number is never echoed');
    const stored = await server.app.store.getObject(await accountIdOf(server, key), raw.id);
    assert.ok(stored && !stored.json.includes('378282246310005') && !(stored.internal ?? '').includes('3782822463'));
  });

  it('checks raw card details as tokens do, and refuses other source types and parameters', async () => {
    const { stripe, key } = newAccount(server);
    const bad = await http(server, 'POST', '/v1/sources', { key, body: rawCard('4242424242424241') });
    assert.equal(bad.status, 402, bad.text);
    assert.equal(bad.json.error.type, 'card_error');
    assert.equal(bad.json.error.code, 'incorrect_number');

    await expectInvalid(stripe.sources.create({ type: 'card' }), { code: 'parameter_missing', param: 'card' });
    await expectInvalid(stripe.sources.create({}), { code: 'parameter_missing', param: 'type' });
    for (const type of ['ach_credit_transfer', 'three_d_secure', 'sepa_debit']) {
      const err = await expectInvalid(stripe.sources.create({ type, currency: 'usd', owner: { email: 'a@b.co' } }), {
        param: 'type',
      });
      assert.match(err.message, /card sources only/);
    }
    await expectInvalid(stripe.sources.create({ type: 'card', token: 'tok_visa', flow: 'redirect' }), {
      param: 'flow',
    });
    await expectInvalid(
      stripe.sources.create({ type: 'card', token: 'tok_visa', redirect: { return_url: 'https://example.com' } }),
      { param: 'redirect' },
    );
    const btok = await stripe.tokens.create({
      bank_account: { country: 'US', currency: 'usd', routing_number: '110000000', account_number: '000123456789' },
    });
    await expectInvalid(stripe.sources.create({ type: 'card', token: btok.id }), { param: 'type' });
    await expectInvalid(stripe.sources.create({ type: 'card', token: 'tok_nope' }), {
      code: 'resource_missing',
      param: 'token',
    });
    // Nothing was made by the refusals.
    const events = await eventsOf(server, await accountIdOf(server, key));
    assert.deepEqual(
      events.map((e) => e.type),
      [],
    );
  });
});

describe('GET/POST /v1/sources/:id', () => {
  it('retrieves with the secret key, or the publishable key and the client secret', async () => {
    const { stripe, publishableKey } = newAccount(server);
    const made = await client(server, publishableKey).sources.create({ type: 'card', token: 'tok_mastercard' });
    checkSource(made);
    assert.deepEqual(checkSource(await stripe.sources.retrieve(made.id)), made);

    const pk = client(server, publishableKey);
    assert.deepEqual(await pk.sources.retrieve(made.id, { client_secret: made.client_secret }), made);
    await expectInvalid(pk.sources.retrieve(made.id), { code: 'parameter_missing', param: 'client_secret' });
    await expectInvalid(pk.sources.retrieve(made.id, { client_secret: 'src_client_secret_wrong' }), {
      param: 'client_secret',
    });
    // The publishable key may not update.
    const denied = await http(server, 'POST', `/v1/sources/${made.id}`, {
      key: publishableKey,
      body: 'metadata[a]=b',
    });
    assert.ok(denied.status === 401 || denied.status === 403, denied.text);

    await expectInvalid(stripe.sources.retrieve('src_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such source: 'src_nope'",
    });
    // A customer's card is a source of the customer, not a Source.
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    await expectInvalid(stripe.sources.retrieve(customer.default_source as string), {
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('updates metadata, owner and amount; refuses what only other types take', async () => {
    const { stripe } = newAccount(server);
    const made = await stripe.sources.create({
      type: 'card',
      token: 'tok_visa',
      owner: { name: 'Jenny', address: { line1: '1 Main St', city: 'Springfield' } },
      metadata: { a: '1', b: '2' },
    });
    const updated = checkSource(
      await stripe.sources.update(made.id, {
        metadata: { a: '', c: '3' },
        owner: { email: 'jenny@example.com', address: { postal_code: '12345' } },
        amount: 1500,
      }),
    );
    assert.deepEqual(updated.metadata, { b: '2', c: '3' });
    assert.equal(updated.owner?.name, 'Jenny');
    assert.equal(updated.owner?.email, 'jenny@example.com');
    assert.equal(updated.owner?.address?.line1, '1 Main St');
    assert.equal(updated.owner?.address?.postal_code, '12345');
    assert.equal(updated.amount, 1500);
    assert.deepEqual(await stripe.sources.retrieve(made.id), updated);

    await expectInvalid(stripe.sources.update(made.id, { mandate: { interval: 'one_time' } }), { param: 'mandate' });
    await expectInvalid(stripe.sources.update('src_nope', { metadata: { a: 'b' } }), {
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('refuses to verify a card source, and lists no source transactions for it', async () => {
    const { stripe } = newAccount(server);
    const made = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const err = await expectInvalid(stripe.sources.verify(made.id, { values: ['32', '45'] }));
    assert.match(err.message, /code_verification/);
    assert.equal((await stripe.sources.retrieve(made.id)).status, 'chargeable');

    const transactions = await stripe.sources.listSourceTransactions(made.id);
    assert.equal(transactions.object, 'list');
    assert.deepEqual(transactions.data, []);
    assert.equal(transactions.has_more, false);
    assert.equal(transactions.url, `/v1/sources/${made.id}/source_transactions`);
    await expectInvalid(stripe.sources.listSourceTransactions('src_nope').autoPagingToArray({ limit: 10 }), {
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});

describe('a card source on a customer', () => {
  it('attaches (listed, the default source), updates through the customer, detaches as consumed', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    const made = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const attached = (await stripe.customers.createSource(customer.id, {
      source: made.id,
      metadata: { saved: 'yes' },
    })) as Stripe.Source;
    checkSource(attached);
    assert.equal(attached.id, made.id, 'a Source keeps its id when attached');
    assert.equal(attached.customer, customer.id);
    assert.deepEqual(attached.metadata, { saved: 'yes' });
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source, made.id);

    const card = await stripe.customers.createSource(customer.id, { source: 'tok_mastercard' });
    const all = await stripe.customers.listSources(customer.id);
    assert.deepEqual(all.data.map((s) => s.id).sort(), [made.id, card.id].sort());
    const onlySources = await stripe.customers.listSources(customer.id, { object: 'source' });
    assert.deepEqual(
      onlySources.data.map((s) => s.id),
      [made.id],
    );
    assert.equal((await stripe.customers.retrieveSource(customer.id, made.id)).id, made.id);
    const expanded = await stripe.sources.retrieve(made.id, { expand: ['customer'] });
    assert.equal((expanded.customer as unknown as Stripe.Customer).email, 'jenny@example.com');

    // A second attach, to this or another customer, is refused.
    const other = await stripe.customers.create();
    await expectInvalid(stripe.customers.createSource(other.id, { source: made.id }), { param: 'source' });

    const viaCustomer = (await stripe.customers.updateSource(customer.id, made.id, {
      owner: { name: 'Jenny Rosen' },
      metadata: { nickname: 'work' },
    })) as Stripe.Source;
    assert.equal(viaCustomer.owner?.name, 'Jenny Rosen');
    assert.deepEqual(viaCustomer.metadata, { saved: 'yes', nickname: 'work' });
    const viaSources = await stripe.sources.update(made.id, { metadata: { from: 'sources' } });
    assert.equal(viaSources.metadata?.from, 'sources');

    const detached = (await stripe.customers.deleteSource(customer.id, made.id)) as unknown as Stripe.Source;
    checkSource(detached);
    assert.equal(detached.status, 'consumed');
    assert.equal(detached.customer, customer.id);
    assert.equal((await stripe.sources.retrieve(made.id)).status, 'consumed');
    assert.deepEqual(
      (await stripe.customers.listSources(customer.id)).data.map((s) => s.id),
      [card.id],
    );
    await expectInvalid(stripe.customers.retrieveSource(customer.id, made.id), {
      statusCode: 404,
      code: 'resource_missing',
    });
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source, card.id);
    // Consumed: it can neither be charged nor attached again.
    await expectInvalid(stripe.charges.create({ amount: 500, currency: 'usd', source: made.id }), {
      param: 'source',
    });
    await expectInvalid(stripe.customers.createSource(other.id, { source: made.id }), { param: 'source' });

    const events = (await eventsOf(server, await accountIdOf(server, key)))
      .filter((e) => e.data.object.id === made.id)
      .map((e) => e.type);
    assert.deepEqual(events, [
      'source.chargeable',
      'customer.source.created',
      'customer.source.updated',
      'customer.source.updated',
      'customer.source.deleted',
    ]);
  });
});

describe('charging a card source', () => {
  it('charges an attached source with its customer, again and again; the charge shows the Source', async () => {
    const { stripe } = newAccount(server);
    const made = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const customer = await stripe.customers.create({ source: made.id });
    assert.equal(customer.default_source, made.id);

    const first = checkCharge(
      await stripe.charges.create({ amount: 2000, currency: 'usd', customer: customer.id, source: made.id }),
    );
    assert.equal(first.status, 'succeeded');
    assert.equal(first.payment_method, made.id);
    assert.equal(first.customer, customer.id);
    const shown = first.source as Stripe.Source;
    assert.equal(shown.object, 'source');
    assert.equal(shown.id, made.id);
    assert.equal(first.payment_method_details?.card?.brand, 'visa');
    assert.equal(first.payment_method_details?.card?.last4, '4242');

    // The customer's default source is charged when none is named.
    const second = await stripe.charges.create({ amount: 700, currency: 'usd', customer: customer.id });
    assert.equal(second.payment_method, made.id);
    assert.equal((await stripe.sources.retrieve(made.id)).status, 'chargeable');

    // An attached source needs its customer; another customer has no such source.
    await expectInvalid(stripe.charges.create({ amount: 500, currency: 'usd', source: made.id }), {
      param: 'customer',
    });
    const stranger = await stripe.customers.create();
    await expectInvalid(
      stripe.charges.create({ amount: 500, currency: 'usd', customer: stranger.id, source: made.id }),
      {
        code: 'resource_missing',
        param: 'source',
        message: `Customer ${stranger.id} does not have a linked source with ID ${made.id}.`,
      },
    );
  });

  it('consumes a source charged without a customer; declines like any card', async () => {
    const { stripe } = newAccount(server);
    const made = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: made.id });
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.customer, null);
    assert.equal((await stripe.sources.retrieve(made.id)).status, 'consumed');
    const again = await expectInvalid(stripe.charges.create({ amount: 1000, currency: 'usd', source: made.id }), {
      param: 'source',
    });
    assert.match(again.message, /^The reusable source you provided is consumed because it was previously charged/);

    const declining = await stripe.sources.create({ type: 'card', token: 'tok_chargeDeclinedInsufficientFunds' });
    const err = await expectCardError(stripe.charges.create({ amount: 1000, currency: 'usd', source: declining.id }));
    assert.equal(err.decline_code, 'insufficient_funds');
    assert.match((err.raw as { charge?: string }).charge ?? '', /^ch_/);
    // Added on a customer update, a Source is the customer's too.
    const later = await stripe.sources.create({ type: 'card', token: 'tok_mastercard' });
    const adopter = await stripe.customers.create();
    const adopted = await stripe.customers.update(adopter.id, { source: later.id });
    assert.equal(adopted.default_source, later.id);
    assert.equal((await stripe.sources.retrieve(later.id)).customer, adopter.id);

    // A single-use source is used up by its first charge, even attached.
    const single = await stripe.sources.create({ type: 'card', token: 'tok_visa', usage: 'single_use' });
    assert.equal(single.usage, 'single_use');
    const holder = await stripe.customers.create({ source: single.id });
    await stripe.charges.create({ amount: 400, currency: 'usd', customer: holder.id });
    assert.equal((await stripe.sources.retrieve(single.id)).status, 'consumed');
    await expectInvalid(stripe.charges.create({ amount: 400, currency: 'usd', customer: holder.id }), {
      param: 'source',
      message: `The source you provided (${single.id}) is consumed and can no longer be charged.`,
    });

    // A declined source was not used up.
    assert.equal((await stripe.sources.retrieve(declining.id)).status, 'chargeable');
  });

  it('pays a PaymentIntent as `source` and as `payment_method`', async () => {
    const { stripe } = newAccount(server);
    const made = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const customer = await stripe.customers.create({ source: made.id });

    const viaSource = checkPaymentIntent(
      // `source` is no longer in the current SDK's typed params, but the API still takes it.
      await stripe.paymentIntents.create({
        amount: 1200,
        currency: 'usd',
        customer: customer.id,
        source: made.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
      } as Stripe.PaymentIntentCreateParams),
    );
    assert.equal(viaSource.status, 'succeeded');
    assert.equal(viaSource.source, made.id);
    assert.equal(viaSource.payment_method, made.id);
    const charge = await stripe.charges.retrieve(viaSource.latest_charge as string);
    assert.equal((charge.source as Stripe.Source).id, made.id);

    const viaPaymentMethod = checkPaymentIntent(
      await stripe.paymentIntents.create({
        amount: 800,
        currency: 'usd',
        customer: customer.id,
        payment_method: made.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
      }),
    );
    assert.equal(viaPaymentMethod.status, 'succeeded');
    assert.equal(viaPaymentMethod.payment_method, made.id);

    // With neither, the customer's default source (a Source) is used.
    const viaDefault = await stripe.paymentIntents.create({
      amount: 300,
      currency: 'usd',
      customer: customer.id,
      allowed_payment_method_types: ['card'],
      confirm: true,
    });
    assert.equal(viaDefault.status, 'succeeded');
    assert.equal(viaDefault.payment_method, made.id);
    assert.equal((await stripe.sources.retrieve(made.id)).status, 'chargeable');

    // Unattached, a source pays once and is consumed.
    const loose = await stripe.sources.create({ type: 'card', token: 'tok_visa' });
    const once = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      payment_method: loose.id,
      allowed_payment_method_types: ['card'],
      confirm: true,
    });
    assert.equal(once.status, 'succeeded');
    assert.equal((await stripe.sources.retrieve(loose.id)).status, 'consumed');
    await expectInvalid(
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method: loose.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
      }),
      { param: 'payment_method' },
    );
    // An attached source needs the customer on the intent.
    await expectInvalid(
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method: made.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
      }),
      { param: 'payment_method' },
    );
  });
});

describe('stripe-node 8 (stripe.sources.*)', () => {
  it('creates, retrieves, updates, attaches, charges and detaches a card source', async () => {
    const { key } = newAccount(server);
    const require = createRequire(import.meta.url);
    const StripeV8 = require('stripe-v8');
    const old = new StripeV8(key, { apiVersion: '2020-08-27', host: '127.0.0.1', port: server.port, protocol: 'http' });
    const source = await old.sources.create({ type: 'card', token: 'tok_amex', owner: { email: 'old@example.com' } });
    assert.equal(source.object, 'source');
    assert.equal(source.card.brand, 'American Express');
    assert.equal(source.status, 'chargeable');
    assert.equal((await old.sources.retrieve(source.id)).id, source.id);
    const updated = await old.sources.update(source.id, { metadata: { v: '8' } });
    assert.deepEqual(updated.metadata, { v: '8' });
    const transactions = await old.sources.listSourceTransactions(source.id);
    assert.deepEqual(transactions.data, []);

    const customer = await old.customers.create({ email: 'old@example.com' });
    const attached = await old.customers.createSource(customer.id, { source: source.id });
    assert.equal(attached.customer, customer.id);
    const charge = await old.charges.create({ amount: 999, currency: 'usd', customer: customer.id });
    assert.equal(charge.source.id, source.id);
    assert.equal(charge.paid, true);
    const detached = await old.customers.deleteSource(customer.id, source.id);
    assert.equal(detached.status, 'consumed');
    await assert.rejects(old.sources.verify(source.id, { values: ['32', '45'] }), (err: Error & { type?: string }) => {
      assert.equal(err.type, 'StripeInvalidRequestError');
      return true;
    });
  });
});
