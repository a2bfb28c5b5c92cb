/**
 * A customer's cash balance end to end through the official SDK: its settings
 * (`reconciliation_mode`), funding through the test helper (a `funded` transaction with
 * `customer_cash_balance_transaction.created` and `cash_balance.funds_available`), the transaction
 * list and retrieval, funding instructions for every bank transfer type, the customer's includable
 * `cash_balance`, and the refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { iban } from '../../src/customers/cash-balance/funding-instructions.js';
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

function checkTxn(t: Stripe.CustomerCashBalanceTransaction): Stripe.CustomerCashBalanceTransaction {
  assertShape(t, 'CustomerCashBalanceTransaction', 'customer_cash_balance_transaction');
  assert.match(t.id, /^ccsbtxn_[0-9A-Za-z]{24}$/);
  return t;
}

describe('cash balance', () => {
  it('starts empty and keeps its reconciliation settings', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const initial = await stripe.customers.retrieveCashBalance(customer.id);
    assertShape(initial, 'CashBalance', 'cash_balance');
    assert.deepEqual(initial, {
      object: 'cash_balance',
      available: null,
      customer: customer.id,
      customer_account: null,
      livemode: false,
      settings: { reconciliation_mode: 'automatic', using_merchant_default: true },
    });
    const manual = await stripe.customers.updateCashBalance(customer.id, {
      settings: { reconciliation_mode: 'manual' },
    });
    assert.deepEqual(manual.settings, { reconciliation_mode: 'manual', using_merchant_default: false });
    assert.deepEqual((await stripe.customers.retrieveCashBalance(customer.id)).settings, manual.settings);
    const back = await stripe.customers.updateCashBalance(customer.id, {
      settings: { reconciliation_mode: 'merchant_default' },
    });
    assert.deepEqual(back.settings, { reconciliation_mode: 'automatic', using_merchant_default: true });

    const expanded = (await stripe.customers.retrieve(customer.id, { expand: ['cash_balance'] })) as Stripe.Customer;
    assert.deepEqual(expanded.cash_balance, back);
  });

  it('is funded by the test helper, with its transactions and events', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const funded = checkTxn(
      await stripe.testHelpers.customers.fundCashBalance(customer.id, {
        amount: 5000,
        currency: 'eur',
        reference: 'Invoice 7FE1103-155',
      }),
    );
    assert.equal(funded.object, 'customer_cash_balance_transaction');
    assert.equal(funded.type, 'funded');
    assert.equal(funded.currency, 'eur');
    assert.equal(funded.customer, customer.id);
    assert.equal(funded.net_amount, 5000);
    assert.equal(funded.ending_balance, 5000);
    assert.deepEqual(funded.funded, {
      bank_transfer: {
        eu_bank_transfer: { bic: null, iban_last4: null, sender_name: null },
        reference: 'Invoice 7FE1103-155',
        type: 'eu_bank_transfer',
      },
    });
    const second = checkTxn(
      await stripe.testHelpers.customers.fundCashBalance(customer.id, { amount: 2500, currency: 'eur' }),
    );
    assert.equal(second.ending_balance, 7500);
    assert.equal(second.funded?.bank_transfer.reference, null);
    const usd = checkTxn(
      await stripe.testHelpers.customers.fundCashBalance(customer.id, { amount: 100, currency: 'usd' }),
    );
    assert.equal(usd.ending_balance, 100, 'each currency has its own balance');
    assert.deepEqual(usd.funded?.bank_transfer.us_bank_transfer, { network: 'ach', sender_name: null });

    const balance = await stripe.customers.retrieveCashBalance(customer.id);
    assert.deepEqual(balance.available, { eur: 7500, usd: 100 });

    const list = await stripe.customers.listCashBalanceTransactions(customer.id);
    assertShape(list, 'ApiList<CustomerCashBalanceTransaction>');
    assert.deepEqual(
      list.data.map((t) => t.id),
      [usd.id, second.id, funded.id],
    );
    assert.equal(list.url, `/v1/customers/${customer.id}/cash_balance_transactions`);
    assert.deepEqual(await stripe.customers.retrieveCashBalanceTransaction(customer.id, funded.id), funded);

    const created = (await stripe.events.list({ type: 'customer_cash_balance_transaction.created' })).data;
    assert.deepEqual(
      created.map((e) => (e.data.object as Stripe.CustomerCashBalanceTransaction).id),
      [usd.id, second.id, funded.id],
    );
    const available = (await stripe.events.list({ type: 'cash_balance.funds_available' })).data;
    assert.equal(available.length, 3);
    assert.deepEqual((available[0]?.data.object as Stripe.CashBalance | undefined)?.available, { eur: 7500, usd: 100 });
  });

  it('refuses what cannot fund a cash balance', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create();
    await expectInvalid(stripe.testHelpers.customers.fundCashBalance(customer.id, { amount: 100, currency: 'cad' }), {
      param: 'currency',
    });
    await expectInvalid(stripe.testHelpers.customers.fundCashBalance(customer.id, { amount: 0, currency: 'usd' }), {
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
    await expectInvalid(stripe.testHelpers.customers.fundCashBalance('cus_nope', { amount: 100, currency: 'usd' }), {
      statusCode: 404,
      message: "No such customer: 'cus_nope'",
    });
    assert.equal((await stripe.customers.retrieveCashBalance(customer.id)).available, null);
    const other = await stripe.customers.create();
    const theirs = await stripe.testHelpers.customers.fundCashBalance(other.id, { amount: 100, currency: 'usd' });
    await expectInvalid(stripe.customers.retrieveCashBalanceTransaction(customer.id, theirs.id), {
      statusCode: 404,
      code: 'resource_missing',
    });
    const raw = await http(server, 'POST', `/v1/customers/${customer.id}/cash_balance`, {
      key,
      body: 'settings[reconciliation_mode]=sometimes',
    });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.error.param, 'settings[reconciliation_mode]');
    assert.equal(
      raw.json.error.message,
      'Invalid settings[reconciliation_mode]: must be one of automatic, manual, or merchant_default',
    );
  });
});

describe('funding instructions', () => {
  it('gives each transfer type its bank account, the same on every call', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const eu = await stripe.customers.createFundingInstructions(customer.id, {
      bank_transfer: { type: 'eu_bank_transfer', eu_bank_transfer: { country: 'DE' } },
      currency: 'eur',
      funding_type: 'bank_transfer',
    });
    assertShape(eu, 'FundingInstructions', 'funding_instructions');
    assert.equal(eu.bank_transfer.country, 'DE');
    assert.equal(eu.currency, 'eur');
    assert.equal(eu.funding_type, 'bank_transfer');
    const address = eu.bank_transfer.financial_addresses[0];
    assert.equal(address?.type, 'iban');
    assert.deepEqual(address?.supported_networks, ['sepa']);
    const number = address?.iban?.iban ?? '';
    assert.match(number, /^DE\d{20}$/);
    assert.equal(iban('DE', number.slice(4)), number, 'the check digits are right');
    const again = await stripe.customers.createFundingInstructions(customer.id, {
      bank_transfer: { type: 'eu_bank_transfer', eu_bank_transfer: { country: 'DE' } },
      currency: 'eur',
      funding_type: 'bank_transfer',
    });
    assert.deepEqual(again, eu);

    const expected: [Stripe.CustomerCreateFundingInstructionsParams.BankTransfer.Type, string, string, string[]][] = [
      ['us_bank_transfer', 'usd', 'US', ['aba', 'swift']],
      ['gb_bank_transfer', 'gbp', 'GB', ['sort_code']],
      ['jp_bank_transfer', 'jpy', 'JP', ['zengin']],
      ['mx_bank_transfer', 'mxn', 'MX', ['spei']],
    ];
    for (const [type, currency, country, kinds] of expected) {
      const fi = await stripe.customers.createFundingInstructions(customer.id, {
        bank_transfer: { type },
        currency,
        funding_type: 'bank_transfer',
      });
      assertShape(fi, 'FundingInstructions', 'funding_instructions');
      assert.equal(fi.bank_transfer.country, country);
      assert.deepEqual(
        fi.bank_transfer.financial_addresses.map((a) => a.type),
        kinds,
      );
    }
    const other = await stripe.customers.create();
    const theirs = await stripe.customers.createFundingInstructions(other.id, {
      bank_transfer: { type: 'eu_bank_transfer', eu_bank_transfer: { country: 'DE' } },
      currency: 'eur',
      funding_type: 'bank_transfer',
    });
    assert.notEqual(theirs.bank_transfer.financial_addresses[0]?.iban?.iban, number, 'one account per customer');
  });

  it('refuses a currency the transfer type does not take, and a missing country', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    await expectInvalid(
      stripe.customers.createFundingInstructions(customer.id, {
        bank_transfer: { type: 'gb_bank_transfer' },
        currency: 'usd',
        funding_type: 'bank_transfer',
      }),
      { param: 'currency' },
    );
    await expectInvalid(
      stripe.customers.createFundingInstructions(customer.id, {
        bank_transfer: { type: 'eu_bank_transfer' },
        currency: 'eur',
        funding_type: 'bank_transfer',
      }),
      { code: 'parameter_missing', param: 'bank_transfer[eu_bank_transfer][country]' },
    );
    await expectInvalid(
      stripe.customers.createFundingInstructions(customer.id, {
        bank_transfer: { type: 'eu_bank_transfer', eu_bank_transfer: { country: 'US' } },
        currency: 'eur',
        funding_type: 'bank_transfer',
      }),
      { param: 'bank_transfer[eu_bank_transfer][country]' },
    );
  });
});
