/**
 * Tokens end to end through the official SDK: card tokens from raw numbers (Stripe's test numbers,
 * profiled by the card network table, the number never kept), bank account tokens from Stripe's
 * test routing and account numbers, PII and CVC-update tokens, retrieval, Stripe's validation
 * errors (raw HTTP for the exact bodies), Connect-only kinds refused cleanly, a publishable key, and
 * single use: a token spent once is refused the second time, while `tok_visa`-style aliases stay
 * reusable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { client, expectCardError, newAccount } from '../support/payments.js';
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

function checkToken(token: Stripe.Token): Stripe.Token {
  assertShape(token, 'Token', 'token');
  if (token.card) assertShape(token.card, 'Card', 'card');
  if (token.bank_account) assertShape(token.bank_account, 'BankAccount', 'bank_account');
  return token;
}

describe('card tokens', () => {
  it('makes a tok_ with a card_ from a raw test number, with the network table profile and checks', async () => {
    const { stripe } = newAccount(server);
    const token = checkToken(
      await stripe.tokens.create({
        card: {
          number: '4000 0566 5566 5556',
          exp_month: '8',
          exp_year: String(YEAR),
          cvc: '123',
          name: 'Jenny Rosen',
          address_line1: '510 Townsend St',
          address_zip: '94103',
          address_country: 'US',
        },
      }),
    );
    assert.match(token.id, /^tok_[0-9A-Za-z]{24}$/);
    assert.equal(token.type, 'card');
    assert.equal(token.used, false);
    assert.equal(token.livemode, false);
    assert.equal(token.client_ip, null);
    const card = token.card as Stripe.Card;
    assert.match(card.id, /^card_[0-9A-Za-z]{24}$/);
    assert.equal(card.object, 'card');
    assert.equal(card.brand, 'Visa');
    assert.equal(card.funding, 'debit');
    assert.equal(card.country, 'US');
    assert.equal(card.last4, '5556');
    assert.equal(card.exp_month, 8);
    assert.equal(card.exp_year, YEAR);
    assert.equal(card.cvc_check, 'pass');
    assert.equal(card.address_line1_check, 'pass');
    assert.equal(card.address_zip_check, 'pass');
    assert.equal(card.name, 'Jenny Rosen');
    assert.equal(card.customer, null);
    assert.equal(card.tokenization_method, null);
    assert.match(card.fingerprint ?? '', /^[0-9A-Za-z]{16}$/);
    assert.equal(JSON.stringify(token).includes('4000056655665556'), false, 'the number is not echoed');

    // Retrieval returns the same token; the fingerprint is the card's, stable within the account.
    const again = checkToken(await stripe.tokens.retrieve(token.id));
    assert.deepEqual(again, token);
    const second = await stripe.tokens.create({
      card: { number: '4000056655665556', exp_month: '1', exp_year: String(YEAR) },
    });
    assert.equal(second.card?.fingerprint, card.fingerprint);
    assert.equal(second.card?.cvc_check, null, 'no CVC given, no check');
    assert.equal(second.card?.address_zip_check, null);
  });

  it('profiles brands and the failing-check cards from the table', async () => {
    const { stripe } = newAccount(server);
    const cases: [string, string, string][] = [
      ['5555555555554444', 'MasterCard', 'credit'],
      ['378282246310005', 'American Express', 'credit'],
      ['6011111111111117', 'Discover', 'credit'],
      ['3566002020360505', 'JCB', 'credit'],
      ['5105105105105100', 'MasterCard', 'prepaid'],
    ];
    for (const [number, brand, funding] of cases) {
      const t = checkToken(await stripe.tokens.create({ card: { number, exp_month: '12', exp_year: String(YEAR) } }));
      assert.equal(t.card?.brand, brand, number);
      assert.equal(t.card?.funding, funding, number);
    }
    const cvcFail = await stripe.tokens.create({
      card: { number: '4000000000000101', exp_month: '12', exp_year: String(YEAR), cvc: '123' },
    });
    assert.equal(cvcFail.card?.cvc_check, 'fail');
  });

  it("answers Stripe's card errors for bad details (402, param card[…])", async () => {
    const { stripe, key } = newAccount(server);
    const bad = await expectCardError(
      stripe.tokens.create({ card: { number: '4242424242424241', exp_month: '12', exp_year: String(YEAR) } }),
    );
    assert.equal(bad.code, 'incorrect_number');
    assert.equal(bad.param, 'card[number]');
    const month = await expectCardError(
      stripe.tokens.create({ card: { number: '4242424242424242', exp_month: '13', exp_year: String(YEAR) } }),
    );
    assert.equal(month.code, 'invalid_expiry_month');
    const res = await http(server, 'POST', '/v1/tokens', {
      key,
      body: `card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=${YEAR}&card[cvc]=12`,
    });
    assert.equal(res.status, 402);
    assert.equal(res.json.error.type, 'card_error');
    assert.equal(res.json.error.code, 'invalid_cvc');
    assert.equal(res.json.error.param, 'card[cvc]');
    assert.equal(res.json.error.message, "Your card's security code is invalid.");
    assert.equal(res.json.error.doc_url, 'https://stripe.com/docs/error-codes/invalid-cvc');
    await expectInvalid(stripe.tokens.create({ card: { exp_month: '12', exp_year: String(YEAR) } as never }), {
      code: 'parameter_missing',
      param: 'card[number]',
    });
  });

  it('works with a publishable key, as Stripe.js createToken does', async () => {
    const account = newAccount(server);
    const token = checkToken(
      await client(server, account.publishableKey).tokens.create({
        card: { number: '4242424242424242', exp_month: '12', exp_year: String(YEAR) },
      }),
    );
    assert.equal((await account.stripe.tokens.retrieve(token.id)).id, token.id);
  });
});

describe('bank account, PII and CVC tokens', () => {
  it("makes a btok_ with a ba_ from Stripe's test routing and account numbers", async () => {
    const { stripe } = newAccount(server);
    const token = checkToken(
      await stripe.tokens.create({
        bank_account: {
          country: 'US',
          currency: 'usd',
          account_holder_name: 'Jenny Rosen',
          account_holder_type: 'individual',
          routing_number: '110000000',
          account_number: '000123456789',
        },
      }),
    );
    assert.match(token.id, /^btok_[0-9A-Za-z]{24}$/);
    assert.equal(token.type, 'bank_account');
    const ba = token.bank_account as Stripe.BankAccount;
    assert.match(ba.id, /^ba_[0-9A-Za-z]{24}$/);
    assert.equal(ba.bank_name, 'STRIPE TEST BANK');
    assert.equal(ba.last4, '6789');
    assert.equal(ba.routing_number, '110000000');
    assert.equal(ba.status, 'new');
    assert.equal(ba.currency, 'usd');
    assert.equal(ba.country, 'US');
    assert.equal(JSON.stringify(token).includes('000123456789'), false);
  });

  it('refuses a bad routing number with routing_number_invalid', async () => {
    const { key } = newAccount(server);
    for (const routing of ['11000000', '110000001']) {
      const res = await http(server, 'POST', '/v1/tokens', {
        key,
        body: `bank_account[country]=US&bank_account[routing_number]=${routing}&bank_account[account_number]=000123456789`,
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.type, 'invalid_request_error');
      assert.equal(res.json.error.code, 'routing_number_invalid');
      assert.equal(res.json.error.param, 'bank_account[routing_number]');
    }
  });

  it('makes pii_ and cvctok_ tokens without keeping what they carry', async () => {
    const { stripe } = newAccount(server);
    const pii = checkToken(await stripe.tokens.create({ pii: { id_number: '000000000' } }));
    assert.match(pii.id, /^pii_[0-9A-Za-z]{24}$/);
    assert.equal(pii.type, 'pii');
    assert.equal(JSON.stringify(await stripe.tokens.retrieve(pii.id)).includes('000000000'), false);
    const cvc = checkToken(await stripe.tokens.create({ cvc_update: { cvc: '123' } }));
    assert.match(cvc.id, /^cvctok_[0-9A-Za-z]{24}$/);
    assert.equal(cvc.type, 'cvc_update');
    const bad = await expectCardError(stripe.tokens.create({ cvc_update: { cvc: '1' } }));
    assert.equal(bad.code, 'invalid_cvc');
  });
});

describe('what tokens refuse', () => {
  it('refuses Connect-only kinds cleanly, and a request naming no kind or two', async () => {
    const { stripe, key } = newAccount(server);
    const customer = await stripe.customers.create();
    await expectInvalid(stripe.tokens.create({ customer: customer.id, card: 'card_123' }), { param: 'customer' });
    await expectInvalid(stripe.tokens.create({ account: { business_type: 'individual' } }), { param: 'account' });
    await expectInvalid(stripe.tokens.create({ person: { first_name: 'Jenny' } }), { param: 'person' });
    await expectInvalid(stripe.tokens.create({ card: 'card_123' }), { param: 'card' });
    const none = await http(server, 'POST', '/v1/tokens', { key, body: '' });
    assert.equal(none.status, 400);
    assert.match(none.json.error.message, /^You must supply either a card/);
    const two = await http(server, 'POST', '/v1/tokens', {
      key,
      body: `card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=${YEAR}&pii[id_number]=1`,
    });
    assert.equal(two.status, 400);
    const unknown = await http(server, 'POST', '/v1/tokens', {
      key,
      body: `card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=${YEAR}&card[pin]=1234`,
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'parameter_unknown');
    assert.equal(unknown.json.error.param, 'card[pin]');
  });

  it('answers No such token for an unknown id, and keeps accounts apart', async () => {
    const a = newAccount(server);
    const b = newAccount(server);
    const token = await a.stripe.tokens.create({ pii: { id_number: '1' } });
    await expectInvalid(b.stripe.tokens.retrieve(token.id), {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such token: '${token.id}'`,
    });
  });
});

describe('single use', () => {
  it('spends a token once; a second use is refused with Stripe error, while tok_ aliases stay reusable', async () => {
    const { stripe, key } = newAccount(server);
    const token = await stripe.tokens.create({
      card: { number: '4242424242424242', exp_month: '12', exp_year: String(YEAR) },
    });
    const customer = await stripe.customers.create({ source: token.id });
    assert.equal(customer.default_source, token.card?.id);
    const spent = checkToken(await stripe.tokens.retrieve(token.id));
    assert.equal(spent.used, true);
    const again = await http(server, 'POST', '/v1/customers', { key, body: `source=${token.id}` });
    assert.equal(again.status, 400);
    assert.equal(again.json.error.code, 'token_already_used');
    assert.equal(again.json.error.message, `You cannot use a Stripe token more than once: ${token.id}.`);
    assert.equal(again.json.error.param, 'source');
    // Nothing was created by the refused request.
    assert.equal((await stripe.customers.list()).data.length, 1);
    for (let i = 0; i < 2; i++) {
      const c = await stripe.customers.create({ source: 'tok_visa' });
      assert.match(c.default_source as string, /^card_/);
    }
    // PII and CVC tokens are not payment sources.
    const pii = await stripe.tokens.create({ pii: { id_number: '1' } });
    await expectInvalid(stripe.customers.create({ source: pii.id }), { param: 'source' });
  });
});

describe('tokens elsewhere', () => {
  it('makes a PaymentMethod from a token (Stripe.js createToken, then card[token]), once', async () => {
    const { stripe } = newAccount(server);
    const token = await stripe.tokens.create({
      card: { number: '5555555555554444', exp_month: '7', exp_year: String(YEAR), cvc: '123' },
    });
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { token: token.id },
      billing_details: { name: 'Jenny Rosen' },
      metadata: { from: 'token' },
    });
    assertShape(pm, 'PaymentMethod', 'payment_method');
    assert.match(pm.id, /^pm_/);
    assert.equal(pm.card?.brand, 'mastercard');
    assert.equal(pm.card?.last4, '4444');
    assert.equal(pm.card?.exp_month, 7);
    assert.equal(pm.card?.fingerprint, token.card?.fingerprint);
    assert.equal(pm.card?.checks?.cvc_check, 'pass');
    assert.equal(pm.billing_details.name, 'Jenny Rosen');
    assert.deepEqual(pm.metadata, { from: 'token' });
    await expectInvalid(stripe.paymentMethods.create({ type: 'card', card: { token: token.id } }), {
      code: 'token_already_used',
      param: 'card[token]',
    });
  });

  it('keeps no card or account number, nor CVC, in any stored token, source or charge', async () => {
    const account = newAccount(server);
    const { stripe } = account;
    const numbers = ['4242424242424242', '378282246310005', '000123456789'];
    const card = await stripe.tokens.create({
      card: { number: numbers[0] as string, exp_month: '12', exp_year: String(YEAR), cvc: '987' },
    });
    const amex = await stripe.tokens.create({
      card: { number: numbers[1] as string, exp_month: '12', exp_year: String(YEAR), cvc: '9876' },
    });
    const bank = await stripe.tokens.create({
      bank_account: { country: 'US', routing_number: '110000000', account_number: numbers[2] as string },
    });
    const customer = await stripe.customers.create({ source: card.id });
    await stripe.customers.createSource(customer.id, { source: bank.id });
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: amex.id });
    await stripe.charges.create({ amount: 1000, currency: 'usd', customer: customer.id });
    const accountId = (await http(server, 'GET', '/sandbank/v1/account', { key: account.key })).json.id as string;
    let rows = 0;
    for (const type of ['token', 'source', 'charge']) {
      const page = await server.app.store.listObjects({ account: accountId, type, limit: 100 });
      for (const row of page.rows) {
        rows++;
        const text = `${row.json}\n${row.internal ?? ''}`;
        for (const n of [...numbers, '987', '9876']) {
          assert.equal(text.includes(`"${n}"`) || text.includes(n.slice(0, 12)), false, `${type} ${row.id} keeps ${n}`);
        }
        assert.doesNotMatch(text, /"(number|cvc|account_number)"/);
      }
    }
    assert.ok(rows >= 7, `read ${rows} rows`);
  });
});
