/**
 * A customer's legacy sources end to end through the official SDK: cards from tokens and from the
 * network table's `tok_` aliases, bank accounts from `btok_` verified with Stripe's test
 * microdeposits, list (with the `object` filter), retrieve, update, delete, the customer's
 * `default_source` (first source, explicit change, replacement when the default is deleted),
 * `source` on customer create and update, `sources` only when expanded, single-use tokens, the
 * events in order, and Stripe's error bodies over raw HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, eventsOf, expectCardError, newAccount } from '../support/payments.js';
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

function checkCard(source: Stripe.CustomerSource | Stripe.DeletedCustomerSource): Stripe.Card {
  assert.equal(source.object, 'card');
  assertShape(source, 'Card', 'card');
  return source as Stripe.Card;
}

function checkBankAccount(source: Stripe.CustomerSource | Stripe.DeletedCustomerSource): Stripe.BankAccount {
  assert.equal(source.object, 'bank_account');
  assertShape(source, 'BankAccount', 'bank_account');
  return source as Stripe.BankAccount;
}

async function cardToken(
  stripe: Stripe,
  number = '4242424242424242',
  extra: Partial<Stripe.TokenCreateParams.Card> = {},
) {
  return stripe.tokens.create({ card: { number, exp_month: '12', exp_year: String(YEAR), ...extra } });
}

async function bankToken(stripe: Stripe) {
  return stripe.tokens.create({
    bank_account: {
      country: 'US',
      currency: 'usd',
      account_holder_name: 'Jenny Rosen',
      account_holder_type: 'individual',
      routing_number: '110000000',
      account_number: '000123456789',
    },
  });
}

describe('cards on a customer', () => {
  it('adds a card from a token (keeping its card_ id), makes the first the default, lists, retrieves', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    const token = await cardToken(stripe, '4242424242424242', { cvc: '123', name: 'Jenny Rosen' });
    const card = checkCard(
      await stripe.customers.createSource(customer.id, { source: token.id, metadata: { n: '1' } }),
    );
    assert.equal(card.id, token.card?.id);
    assert.equal(card.customer, customer.id);
    assert.equal(card.brand, 'Visa');
    assert.equal(card.last4, '4242');
    assert.equal(card.cvc_check, 'pass');
    assert.equal(card.name, 'Jenny Rosen');
    assert.deepEqual(card.metadata, { n: '1' });
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source, card.id);
    assert.equal((await stripe.tokens.retrieve(token.id)).used, true);

    // An alias is reusable and makes a new card each time; the default stays the first.
    const mc = checkCard(await stripe.customers.createSource(customer.id, { source: 'tok_mastercard' }));
    const mc2 = checkCard(await stripe.customers.createSource(customer.id, { source: 'tok_mastercard' }));
    assert.notEqual(mc.id, mc2.id);
    assert.equal(mc.brand, 'MasterCard');
    assert.equal(mc.fingerprint, mc2.fingerprint);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).default_source, card.id);

    const list = await stripe.customers.listSources(customer.id);
    assertShape(list, 'ApiList<Card>');
    assert.deepEqual(
      list.data.map((s) => s.id),
      [mc2.id, mc.id, card.id],
    );
    assert.equal(list.url, `/v1/customers/${customer.id}/sources`);
    const page = await stripe.customers.listSources(customer.id, { limit: 2 });
    assert.equal(page.has_more, true);
    const rest = await stripe.customers.listSources(customer.id, {
      limit: 2,
      starting_after: page.data[1]?.id as string,
    });
    assert.deepEqual(
      rest.data.map((s) => s.id),
      [card.id],
    );
    assert.deepEqual(checkCard(await stripe.customers.retrieveSource(customer.id, card.id)), card);

    // Expandable: the customer of a source, and the default source of a customer.
    const expanded = await stripe.customers.retrieveSource(customer.id, card.id, { expand: ['customer'] });
    assert.equal(((expanded as Stripe.Card).customer as Stripe.Customer).email, 'jenny@example.com');
    const withDefault = (await stripe.customers.retrieve(customer.id, {
      expand: ['default_source'],
    })) as Stripe.Customer;
    assert.equal((withDefault.default_source as Stripe.Card).id, card.id);

    // Using a token twice is refused with Stripe's message, and nothing is added.
    const reused = await http(server, 'POST', `/v1/customers/${customer.id}/sources`, {
      key,
      body: `source=${token.id}`,
    });
    assert.equal(reused.status, 400);
    assert.deepEqual(
      { ...reused.json.error, request_log_url: undefined },
      {
        code: 'token_already_used',
        doc_url: 'https://stripe.com/docs/error-codes/token-already-used',
        message: `You cannot use a Stripe token more than once: ${token.id}.`,
        param: 'source',
        request_log_url: undefined,
        type: 'invalid_request_error',
      },
    );
    assert.equal((await stripe.customers.listSources(customer.id)).data.length, 3);
  });

  it('includes sources on the customer only when expanded', async () => {
    const { stripe } = newAccount(server);
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const plain = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.equal('sources' in plain, false);
    const expanded = (await stripe.customers.retrieve(customer.id, { expand: ['sources'] })) as Stripe.Customer;
    assert.equal(expanded.sources?.object, 'list');
    assert.deepEqual(
      expanded.sources?.data.map((s) => s.id),
      [customer.default_source],
    );
    assert.equal(expanded.sources?.url, `/v1/customers/${customer.id}/sources`);
  });

  it('refuses cards that decline everything when attached (402), and unknown or foreign ids', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create();
    const err = await expectCardError(stripe.customers.createSource(customer.id, { source: 'tok_chargeDeclined' }));
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    // A card that only fails when charged attaches.
    checkCard(await stripe.customers.createSource(customer.id, { source: 'tok_chargeCustomerFail' }));
    await expectInvalid(stripe.customers.createSource(customer.id, { source: 'tok_nope' }), {
      code: 'resource_missing',
      param: 'source',
      message: "No such token: 'tok_nope'",
    });
    const other = await stripe.customers.create({ source: 'tok_visa' });
    const missing = await http(server, 'GET', `/v1/customers/${customer.id}/sources/${other.default_source}`, { key });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.message, `No such source: '${other.default_source}'`);
    assert.equal(missing.json.error.code, 'resource_missing');
    const noCustomer = await http(server, 'POST', '/v1/customers/cus_nope/sources', { key, body: 'source=tok_visa' });
    assert.equal(noCustomer.status, 404);
    assert.equal(noCustomer.json.error.message, "No such customer: 'cus_nope'");
    const unknown = await http(server, 'POST', `/v1/customers/${customer.id}/sources`, {
      key,
      body: 'source=tok_visa&colour=red',
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'parameter_unknown');
  });

  it('updates address, expiry, name and metadata, with customer.source.updated', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const customer = await stripe.customers.create({ source: 'tok_avsZipFail' });
    const id = customer.default_source as string;
    const updated = checkCard(
      await stripe.customers.updateSource(customer.id, id, {
        address_line1: '1 Main St',
        address_zip: '94103',
        address_city: 'San Francisco',
        exp_month: '6',
        exp_year: String(YEAR + 1),
        name: 'J Rosen',
        metadata: { a: 'b' },
      }),
    );
    assert.equal(updated.address_line1, '1 Main St');
    assert.equal(updated.address_line1_check, 'pass');
    assert.equal(updated.address_zip_check, 'fail', 'the avsZipFail card fails the postal code check');
    assert.equal(updated.exp_month, 6);
    assert.equal(updated.exp_year, YEAR + 1);
    assert.equal(updated.name, 'J Rosen');
    assert.deepEqual(updated.metadata, { a: 'b' });
    const events = (await eventsOf(server, await accountIdOf(server, account.key))).filter(
      (e) => e.type === 'customer.source.updated',
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data.previous_attributes?.name, null);
    assert.equal(events[0]?.data.previous_attributes?.exp_month, 12);
    await expectInvalid(stripe.customers.updateSource(customer.id, id, { owner: { name: 'x' } }), { param: 'owner' });
  });
});

describe('default_source', () => {
  it('changes with default_source, follows source on create and update, and moves when the default is deleted', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const created = await stripe.customers.create({ source: 'tok_visa' });
    const first = created.default_source as string;
    assert.match(first, /^card_/);
    const second = checkCard(await stripe.customers.createSource(created.id, { source: 'tok_mastercard' }));
    const switched = await stripe.customers.update(created.id, { default_source: second.id });
    assert.equal(switched.default_source, second.id);
    // `source` on update adds a card and makes it the default; the others stay.
    const withThird = await stripe.customers.update(created.id, { source: 'tok_amex' });
    const third = withThird.default_source as string;
    assert.notEqual(third, second.id);
    assert.equal((await stripe.customers.listSources(created.id)).data.length, 3);

    // Deleting the default: the newest remaining source becomes the default; deleting the rest leaves none.
    const deleted = await stripe.customers.deleteSource(created.id, third);
    assertShape(deleted, 'DeletedCard');
    assert.deepEqual(deleted, { id: third, object: 'card', deleted: true });
    assert.equal(((await stripe.customers.retrieve(created.id)) as Stripe.Customer).default_source, second.id);
    await stripe.customers.deleteSource(created.id, second.id);
    assert.equal(((await stripe.customers.retrieve(created.id)) as Stripe.Customer).default_source, first);
    await stripe.customers.deleteSource(created.id, first);
    assert.equal(((await stripe.customers.retrieve(created.id)) as Stripe.Customer).default_source, null);
    await expectInvalid(stripe.customers.retrieveSource(created.id, first), {
      statusCode: 404,
      code: 'resource_missing',
    });

    // default_source must be one of the customer's own sources.
    const other = await stripe.customers.create({ source: 'tok_visa' });
    await expectInvalid(stripe.customers.update(created.id, { default_source: other.default_source as string }), {
      code: 'resource_missing',
      param: 'default_source',
    });

    const types = (await eventsOf(server, await accountIdOf(server, account.key)))
      .filter((e) => e.data.object.id === created.id || e.data.object.customer === created.id)
      .map((e) => e.type);
    assert.deepEqual(types, [
      'customer.created',
      'customer.source.created',
      'customer.source.created',
      'customer.updated',
      'customer.source.created',
      'customer.updated',
      'customer.source.deleted',
      'customer.updated',
      'customer.source.deleted',
      'customer.updated',
      'customer.source.deleted',
      'customer.updated',
    ]);
  });
});

describe('bank accounts', () => {
  it('adds a ba_ from a btok_ as new, filters by object, and verifies with 32 and 45', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const token = await bankToken(stripe);
    const bank = checkBankAccount(await stripe.customers.createSource(customer.id, { source: token.id }));
    assert.equal(bank.id, token.bank_account?.id);
    assert.equal(bank.status, 'new');
    assert.equal(bank.customer, customer.id);
    assert.equal(bank.bank_name, 'STRIPE TEST BANK');

    const banks = await stripe.customers.listSources(customer.id, { object: 'bank_account' });
    assert.deepEqual(
      banks.data.map((s) => s.id),
      [bank.id],
    );
    const cards = await stripe.customers.listSources(customer.id, { object: 'card' });
    assert.deepEqual(
      cards.data.map((s) => s.id),
      [customer.default_source],
    );
    assert.equal((await stripe.customers.listSources(customer.id)).data.length, 2);

    const wrong = await http(server, 'POST', `/v1/customers/${customer.id}/sources/${bank.id}/verify`, {
      key,
      body: 'amounts[]=10&amounts[]=11',
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error.code, 'bank_account_verification_failed');
    assert.equal(wrong.json.error.param, 'amounts');
    const verified = await stripe.customers.verifySource(customer.id, bank.id, { amounts: [32, 45] });
    checkBankAccount(verified);
    assert.equal(verified.status, 'verified');
    await expectInvalid(stripe.customers.verifySource(customer.id, bank.id, { amounts: [32, 45] }));
    await expectInvalid(
      stripe.customers.verifySource(customer.id, customer.default_source as string, { amounts: [32, 45] }),
    );

    const renamed = checkBankAccount(
      await stripe.customers.updateSource(customer.id, bank.id, {
        account_holder_name: 'Jane Austen',
        account_holder_type: 'company',
      }),
    );
    assert.equal(renamed.account_holder_name, 'Jane Austen');
    assert.equal(renamed.account_holder_type, 'company');
    const gone = await stripe.customers.deleteSource(customer.id, bank.id);
    assert.deepEqual(gone, { id: bank.id, object: 'bank_account', deleted: true });
  });
});
