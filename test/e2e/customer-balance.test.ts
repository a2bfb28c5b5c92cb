/**
 * A customer's credit balance end to end through the official SDK: balance transactions (create,
 * retrieve, update, list) moving `customer.balance` with `ending_balance` and `customer.updated`,
 * the ledger entries that setting `balance` on create (`initial`) and update (`adjustment`) write,
 * the currency the first entry gives the customer, and the refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function checkTxn(t: Stripe.CustomerBalanceTransaction): Stripe.CustomerBalanceTransaction {
  assertShape(t, 'CustomerBalanceTransaction', 'customer_balance_transaction');
  assert.match(t.id, /^cbtxn_[0-9A-Za-z]{24}$/);
  return t;
}

async function balanceOf(stripe: Stripe, id: string): Promise<Stripe.Customer> {
  return (await stripe.customers.retrieve(id)) as Stripe.Customer;
}

describe('customer balance transactions', () => {
  it('moves the balance, records the ending balance and sends customer.updated', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    assert.equal(customer.balance, 0);
    assert.equal(customer.currency, null);

    const credit = checkTxn(
      await stripe.customers.createBalanceTransaction(customer.id, {
        amount: -500,
        currency: 'usd',
        description: 'Goodwill credit',
        metadata: { ticket: '42' },
      }),
    );
    assert.equal(credit.object, 'customer_balance_transaction');
    assert.equal(credit.amount, -500);
    assert.equal(credit.currency, 'usd');
    assert.equal(credit.customer, customer.id);
    assert.equal(credit.description, 'Goodwill credit');
    assert.equal(credit.ending_balance, -500);
    assert.equal(credit.type, 'adjustment');
    assert.deepEqual(credit.metadata, { ticket: '42' });
    assert.equal(credit.invoice, null);
    assert.equal(credit.credit_note, null);

    const after1 = await balanceOf(stripe, customer.id);
    assert.equal(after1.balance, -500);
    assert.equal(after1.currency, 'usd', 'the first entry sets the customer currency');

    const debit = checkTxn(
      await stripe.customers.createBalanceTransaction(customer.id, { amount: 200, currency: 'usd' }),
    );
    assert.equal(debit.ending_balance, -300);
    assert.equal(debit.description, null);
    assert.equal(debit.metadata, null);
    assert.equal((await balanceOf(stripe, customer.id)).balance, -300);

    const list = await stripe.customers.listBalanceTransactions(customer.id);
    assertShape(list, 'ApiList<CustomerBalanceTransaction>');
    assert.deepEqual(
      list.data.map((t) => t.id),
      [debit.id, credit.id],
    );
    assert.equal(list.url, `/v1/customers/${customer.id}/balance_transactions`);

    const retrieved = checkTxn(await stripe.customers.retrieveBalanceTransaction(customer.id, credit.id));
    assert.deepEqual(retrieved, credit);

    const events = (await stripe.events.list({ type: 'customer.updated' })).data;
    assert.equal(events.length, 2);
    assert.deepEqual(events[1]?.data.previous_attributes, { balance: 0, currency: null });
    assert.deepEqual(events[0]?.data.previous_attributes, { balance: -500 });
    assert.equal((events[0]?.data.object as Stripe.Customer | undefined)?.balance, -300);
  });

  it('updates only description and metadata', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const txn = await stripe.customers.createBalanceTransaction(customer.id, {
      amount: 1000,
      currency: 'eur',
      metadata: { a: '1' },
    });
    const updated = checkTxn(
      await stripe.customers.updateBalanceTransaction(customer.id, txn.id, {
        description: 'Late fee',
        metadata: { b: '2' },
      }),
    );
    assert.equal(updated.description, 'Late fee');
    assert.deepEqual(updated.metadata, { a: '1', b: '2' });
    assert.equal(updated.amount, 1000);
    assert.equal(updated.ending_balance, 1000);
    const cleared = await stripe.customers.updateBalanceTransaction(customer.id, txn.id, { description: '' });
    assert.equal(cleared.description, null);

    const key = newSecretKey();
    const raw = await http(server, 'POST', `/v1/customers/${customer.id}/balance_transactions/${txn.id}`, {
      key,
      body: 'amount=5',
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.code, 'parameter_unknown');
    assert.equal(raw.json.error.param, 'amount');
  });

  it('writes ledger entries for balances set on the customer itself', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create({ balance: 1500 });
    assert.equal(customer.balance, 1500);
    assert.equal(customer.currency, 'usd', "the account's default currency");
    const [initial] = (await stripe.customers.listBalanceTransactions(customer.id)).data;
    assert.equal(initial?.type, 'initial');
    assert.equal(initial?.amount, 1500);
    assert.equal(initial?.ending_balance, 1500);

    const updated = await stripe.customers.update(customer.id, { balance: -250 });
    assert.equal(updated.balance, -250);
    const entries = (await stripe.customers.listBalanceTransactions(customer.id)).data;
    assert.equal(entries.length, 2);
    assert.equal(entries[0]?.type, 'adjustment');
    assert.equal(entries[0]?.amount, -1750);
    assert.equal(entries[0]?.ending_balance, -250);

    await stripe.customers.update(customer.id, { balance: -250, name: 'Same balance' });
    assert.equal((await stripe.customers.listBalanceTransactions(customer.id)).data.length, 2, 'no change, no entry');

    const plain = await stripe.customers.create();
    assert.equal((await stripe.customers.listBalanceTransactions(plain.id)).data.length, 0);
  });

  it('refuses another currency, a missing customer and a foreign transaction', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create();
    await stripe.customers.createBalanceTransaction(customer.id, { amount: 100, currency: 'usd' });
    await expectInvalid(stripe.customers.createBalanceTransaction(customer.id, { amount: 100, currency: 'eur' }), {
      param: 'currency',
      message:
        'You cannot combine currencies on a single customer. This customer has had a subscription, coupon, or invoice item with currency usd',
    });
    await expectInvalid(stripe.customers.createBalanceTransaction(customer.id, { amount: 100, currency: 'xyz' }), {
      param: 'currency',
      message: /^Invalid currency: xyz/,
    });
    assert.equal((await balanceOf(stripe, customer.id)).balance, 100, 'refusals change nothing');

    await expectInvalid(stripe.customers.createBalanceTransaction('cus_nope', { amount: 1, currency: 'usd' }), {
      statusCode: 404,
      message: "No such customer: 'cus_nope'",
    });
    const other = await stripe.customers.create();
    const theirs = await stripe.customers.createBalanceTransaction(other.id, { amount: 1, currency: 'usd' });
    await expectInvalid(stripe.customers.retrieveBalanceTransaction(customer.id, theirs.id), {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such customer balance transaction: '${theirs.id}'`,
    });

    const raw = await http(server, 'POST', `/v1/customers/${customer.id}/balance_transactions`, {
      key,
      body: 'currency=usd',
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.code, 'parameter_missing');
    assert.equal(raw.json.error.param, 'amount');
  });
});
