/**
 * The balance and payouts end to end through the SDK: funds pending after a charge and available
 * after the server's clock passes `available_on` (with `balance.available`), bypass-pending cards,
 * the balance transactions ledger and its filters, and payouts: the insufficient-balance refusal,
 * standard payouts through in_transit to paid, instant payouts and their fee, cancellation, Stripe's
 * test failure destinations, and two payouts racing for the same funds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const DAY = 86_400;

interface Account {
  key: string;
  id: string;
  stripe: Stripe;
}

async function newAccount(): Promise<Account> {
  const key = newSecretKey();
  const res = await http(server, 'GET', '/sandbank/v1/account', { key });
  assert.equal(res.status, 200, res.text);
  return { key, id: res.json.id as string, stripe: server.stripe(key) };
}

/** Moves the account's clock forward and waits for every job that came due. */
async function advance(account: Account, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key: account.key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

/** The account's clock (real time plus however far it has travelled). */
async function accountNow(account: Account): Promise<number> {
  return (await http(server, 'GET', '/sandbank/v1/time', { key: account.key })).json.now as number;
}

async function events(account: Account, type?: string): Promise<Stripe.Event[]> {
  const page = await server.app.store.listEvents({ account: account.id, limit: 100 });
  const all = page.rows.map((r) => JSON.parse(r.json) as Stripe.Event);
  return type ? all.filter((e) => e.type === type) : all;
}

async function pay(account: Account, amount: number, pm = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  const pi = await account.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: pm,
    confirm: true,
    capture_method: 'automatic',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  assert.equal(pi.status, 'succeeded');
  return pi;
}

/** An account with `amount` (gross) already available: a bypass-pending card charge. */
async function funded(amount = 10000): Promise<Account> {
  const account = await newAccount();
  await pay(account, amount, 'pm_card_bypassPending');
  return account;
}

async function balance(account: Account, currency = 'usd'): Promise<{ available: number; pending: number }> {
  const b = await account.stripe.balance.retrieve();
  assertShape(b, 'Balance', 'balance');
  return {
    available: b.available.find((x) => x.currency === currency)?.amount ?? 0,
    pending: b.pending.find((x) => x.currency === currency)?.amount ?? 0,
  };
}

function checkPayout<T extends Stripe.Payout>(p: T): T {
  assertShape(p, 'Payout', 'payout');
  return p;
}

async function txn(
  account: Account,
  id: string | Stripe.BalanceTransaction | null,
): Promise<Stripe.BalanceTransaction> {
  assert.equal(typeof id, 'string');
  const t = await account.stripe.balanceTransactions.retrieve(id as string);
  assertShape(t, 'BalanceTransaction', 'balance_transaction');
  return t;
}

async function expectStripeError(promise: Promise<unknown>, expected: Record<string, unknown>): Promise<void> {
  await assert.rejects(promise, (err: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(err[k], v, `error.${k}`);
    return true;
  });
}

describe('balance', () => {
  it('a charge lands in pending; after available_on it is available and balance.available fires', async () => {
    const account = await newAccount();
    await pay(account, 10000);
    assert.deepEqual(await balance(account), { available: 0, pending: 9680 });
    const b = await account.stripe.balance.retrieve();
    assert.equal(b.object, 'balance');
    assert.equal(b.livemode, false);
    assert.deepEqual(b.pending, [{ amount: 9680, currency: 'usd', source_types: { card: 9680 } }]);

    await advance(account, 3 * DAY);
    assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
    const released = await events(account, 'balance.available');
    assert.equal(released.length, 1);
    const object = released[0]?.data.object as Stripe.Balance;
    assert.equal(object.available.find((x) => x.currency === 'usd')?.amount, 9680);
    const [t] = (await account.stripe.balanceTransactions.list({ type: 'charge' })).data;
    assert.equal(t?.status, 'available');
  });

  it("advancing one account's clock leaves another account's funds pending", async () => {
    const traveller = await newAccount();
    const stayer = await newAccount();
    await pay(traveller, 10000);
    await pay(stayer, 10000);
    await advance(traveller, 3 * DAY);
    assert.deepEqual(await balance(traveller), { available: 9680, pending: 0 });
    assert.deepEqual(await balance(stayer), { available: 0, pending: 9680 });
  });

  it('`sandbank time advance --days 3` moves the account on and releases its funds', async () => {
    const account = await newAccount();
    await pay(account, 10000);
    const before = await accountNow(account);
    const args = ['time', 'advance', '--days', '3', '--api-key', account.key, '--url', server.url];
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', MAIN, ...args]);
    const time = JSON.parse(stdout) as { object: string; now: number };
    assert.equal(time.object, 'sandbank.time');
    assert.ok(time.now >= before + 3 * DAY);
    assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
  });

  it('pm_card_bypassPending funds are available at once', async () => {
    const account = await funded(10000);
    assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
    const [t] = (await account.stripe.balanceTransactions.list()).data;
    assert.equal(t?.status, 'available');
    assert.ok((t?.available_on ?? 0) <= (t?.created ?? 0));
  });
});

describe('balance transactions', () => {
  it('retrieves, expands source, and filters by type, source and currency', async () => {
    const account = await funded(10000);
    const pi = await pay(account, 2000);
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'usd' });

    const all = await account.stripe.balanceTransactions.list();
    assertShape(all, 'ApiList<BalanceTransaction>');
    assert.equal(all.data.length, 3);
    assert.deepEqual(
      all.data.map((t) => t.type),
      ['payout', 'charge', 'charge'],
    );

    const charges = await account.stripe.balanceTransactions.list({ type: 'charge' });
    assert.equal(charges.data.length, 2);
    assert.ok(charges.data.every((t) => t.type === 'charge'));

    const payouts = await account.stripe.balanceTransactions.list({ type: 'payout' });
    assert.deepEqual(
      payouts.data.map((t) => t.id),
      [payout.balance_transaction],
    );

    const bySource = await account.stripe.balanceTransactions.list({ source: pi.latest_charge as string });
    assert.equal(bySource.data.length, 1);
    assert.equal(bySource.data[0]?.amount, 2000);

    assert.equal((await account.stripe.balanceTransactions.list({ currency: 'USD' })).data.length, 3);
    assert.equal((await account.stripe.balanceTransactions.list({ currency: 'eur' })).data.length, 0);
    assert.equal((await account.stripe.balanceTransactions.list({ limit: 1 })).has_more, true);

    const expanded = await account.stripe.balanceTransactions.retrieve(bySource.data[0]?.id as string, {
      expand: ['source'],
    });
    assert.equal((expanded.source as Stripe.Charge).object, 'charge');
    assert.equal((expanded.source as Stripe.Charge).id, pi.latest_charge);
    const payoutTxn = await account.stripe.balanceTransactions.retrieve(payout.balance_transaction as string, {
      expand: ['source'],
    });
    assert.equal((payoutTxn.source as Stripe.Payout).id, payout.id);
  });

  it('answers Stripe errors for unknown ids and for manual payouts as a filter', async () => {
    const account = await funded(10000);
    await expectStripeError(account.stripe.balanceTransactions.retrieve('txn_missing'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such balance transaction: 'txn_missing'",
    });
    await expectStripeError(account.stripe.balanceTransactions.list({ payout: 'po_missing' }), {
      statusCode: 400,
      param: 'payout',
    });
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await expectStripeError(account.stripe.balanceTransactions.list({ payout: payout.id }), {
      statusCode: 400,
      param: 'payout',
      message: 'Balance transaction history can only be filtered on automatic transfers, not manual.',
    });
  });

  it('another account cannot read them', async () => {
    const account = await funded(10000);
    const [t] = (await account.stripe.balanceTransactions.list()).data;
    const other = await newAccount();
    await expectStripeError(other.stripe.balanceTransactions.retrieve(t?.id as string), { statusCode: 404 });
    assert.equal((await other.stripe.balanceTransactions.list()).data.length, 0);
  });
});

describe('payouts: creation', () => {
  it('refuses a payout larger than the available balance', async () => {
    const account = await newAccount();
    await pay(account, 10000); // pending funds do not count
    await expectStripeError(account.stripe.payouts.create({ amount: 1000, currency: 'usd' }), {
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      code: 'balance_insufficient',
      message:
        'You have insufficient funds in your Stripe account for this transfer. Your card balance is too low.  You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).',
    });
    assert.equal((await account.stripe.payouts.list()).data.length, 0);
  });

  it('validates amount, currency, method and destination', async () => {
    const account = await funded(10000);
    await expectStripeError(account.stripe.payouts.create({ amount: 1000 } as Stripe.PayoutCreateParams), {
      statusCode: 400,
      code: 'parameter_missing',
      param: 'currency',
    });
    await expectStripeError(account.stripe.payouts.create({ amount: 0, currency: 'usd' }), {
      statusCode: 400,
      param: 'amount',
    });
    await expectStripeError(account.stripe.payouts.create({ amount: 100, currency: 'xyz' }), {
      statusCode: 400,
      param: 'currency',
    });
    await expectStripeError(account.stripe.payouts.create({ amount: 100, currency: 'usd', method: 'express' }), {
      statusCode: 400,
      param: 'method',
    });
    await expectStripeError(account.stripe.payouts.create({ amount: 100, currency: 'usd', destination: 'ba_nope' }), {
      statusCode: 400,
      code: 'resource_missing',
      param: 'destination',
    });
  });

  it('two payouts racing for the same funds: one wins, one is refused', async () => {
    const account = await funded(10000);
    const results = await Promise.allSettled([
      account.stripe.payouts.create({ amount: 6000, currency: 'usd' }),
      account.stripe.payouts.create({ amount: 6000, currency: 'usd' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((refused.reason as { code?: string }).code, 'balance_insufficient');
    assert.deepEqual(await balance(account), { available: 3680, pending: 0 });
  });
});

describe('payouts: lifecycle', () => {
  it('a standard payout debits the balance, goes in transit at midnight and is paid on its arrival date', async () => {
    const account = await funded(10000);
    const payout = checkPayout(
      await account.stripe.payouts.create({
        amount: 5000,
        currency: 'usd',
        description: 'Weekly payout',
        statement_descriptor: 'SANDBANK',
        metadata: { week: '42' },
      }),
    );
    assert.match(payout.id, /^po_/);
    assert.equal(payout.status, 'pending');
    assert.equal(payout.amount, 5000);
    assert.equal(payout.automatic, false);
    assert.equal(payout.method, 'standard');
    assert.equal(payout.type, 'bank_account');
    assert.equal(payout.source_type, 'card');
    assert.equal(payout.reconciliation_status, 'not_applicable');
    assert.equal(payout.description, 'Weekly payout');
    assert.equal(payout.statement_descriptor, 'SANDBANK');
    assert.deepEqual(payout.metadata, { week: '42' });
    assert.match(payout.destination as string, /^ba_sandbank/);
    assert.equal(payout.arrival_date, Math.floor(payout.created / DAY) * DAY + 3 * DAY);
    assert.deepEqual(payout.trace_id, { status: 'pending', value: null });

    const debit = await txn(account, payout.balance_transaction);
    assert.equal(debit.type, 'payout');
    assert.equal(debit.reporting_category, 'payout');
    assert.equal(debit.amount, -5000);
    assert.equal(debit.fee, 0);
    assert.equal(debit.net, -5000);
    assert.equal(debit.status, 'available');
    assert.equal(debit.source, payout.id);
    assert.deepEqual(await balance(account), { available: 4680, pending: 0 });
    assert.equal((await events(account, 'payout.created')).length, 1);

    // Just past the next midnight UTC (on the account's clock): submitted to the bank.
    const now = await accountNow(account);
    await advance(account, Math.floor(now / DAY) * DAY + DAY - now + 60);
    const inTransit = checkPayout(await account.stripe.payouts.retrieve(payout.id));
    assert.equal(inTransit.status, 'in_transit');

    await advance(account, 3 * DAY);
    const paid = checkPayout(await account.stripe.payouts.retrieve(payout.id));
    assert.equal(paid.status, 'paid');
    assert.equal(paid.failure_code, null);
    assert.equal(paid.failure_balance_transaction, null);
    assert.equal((await events(account, 'payout.paid')).length, 1);
    const updates = await events(account, 'payout.updated');
    assert.deepEqual(updates.map((e) => (e.data.previous_attributes as { status?: string }).status).sort(), [
      'in_transit',
      'pending',
    ]);
    assert.deepEqual(await balance(account), { available: 4680, pending: 0 });
  });

  it('an instant payout arrives now and costs 1.5% (at least 50¢)', async () => {
    const account = await funded(10000);
    const payout = checkPayout(
      await account.stripe.payouts.create({ amount: 5000, currency: 'usd', method: 'instant' }),
    );
    assert.equal(payout.method, 'instant');
    assert.equal(payout.arrival_date, payout.created);
    const debit = await txn(account, payout.balance_transaction);
    assert.equal(debit.amount, -5000);
    assert.equal(debit.fee, 75);
    assert.equal(debit.net, -5075);
    assert.deepEqual(debit.fee_details, [
      { amount: 75, application: null, currency: 'usd', description: 'Instant payout fee', type: 'stripe_fee' },
    ]);
    assert.deepEqual(await balance(account), { available: 4605, pending: 0 });

    const small = await account.stripe.payouts.create({ amount: 1000, currency: 'usd', method: 'instant' });
    assert.equal((await txn(account, small.balance_transaction)).fee, 50);

    await advance(account, 1);
    assert.equal((await account.stripe.payouts.retrieve(payout.id)).status, 'paid');
  });

  it('the instant fee counts against the balance', async () => {
    const account = await funded(10000); // 9680 available
    await expectStripeError(account.stripe.payouts.create({ amount: 9680, currency: 'usd', method: 'instant' }), {
      code: 'balance_insufficient',
    });
    await account.stripe.payouts.create({ amount: 9680, currency: 'usd' });
    assert.deepEqual(await balance(account), { available: 0, pending: 0 });
  });

  it('a pending payout can be canceled, which returns the funds', async () => {
    const account = await funded(10000);
    const payout = await account.stripe.payouts.create({ amount: 5000, currency: 'usd' });
    const canceled = checkPayout(await account.stripe.payouts.cancel(payout.id));
    assert.equal(canceled.status, 'canceled');
    const refund = await txn(account, canceled.failure_balance_transaction);
    assert.equal(refund.type, 'payout_cancel');
    assert.equal(refund.reporting_category, 'payout_reversal');
    assert.equal(refund.amount, 5000);
    assert.equal(refund.net, 5000);
    assert.equal(refund.source, payout.id);
    assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
    assert.equal((await events(account, 'payout.canceled')).length, 1);

    // Nothing happens to it later.
    await advance(account, 4 * DAY);
    assert.equal((await account.stripe.payouts.retrieve(payout.id)).status, 'canceled');
    await expectStripeError(account.stripe.payouts.cancel(payout.id), {
      statusCode: 400,
      message: 'Payouts can only be canceled while they are pending.',
    });
  });

  it('a paid payout cannot be canceled', async () => {
    const account = await funded(10000);
    const payout = await account.stripe.payouts.create({ amount: 5000, currency: 'usd' });
    await advance(account, 4 * DAY);
    assert.equal((await account.stripe.payouts.retrieve(payout.id)).status, 'paid');
    await expectStripeError(account.stripe.payouts.cancel(payout.id), {
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      message: 'Payouts can only be canceled while they are pending.',
    });
    assert.deepEqual(await balance(account), { available: 4680, pending: 0 });
  });

  const FAILURES: [string, string][] = [
    ['account_closed', 'The bank account has been closed.'],
    [
      'no_account',
      'The bank account details on file are probably incorrect. No bank account could be located with those details.',
    ],
    ['insufficient_funds', 'Your Stripe account has insufficient funds to cover the payout.'],
    [
      'debit_not_authorized',
      'Debit transactions are not approved on the bank account. (Stripe requires bank accounts to be set up for both credit and debit payouts.)',
    ],
    [
      'invalid_currency',
      'The bank was unable to process this payout because of its currency. This is probably because the bank account cannot accept payments in that currency.',
    ],
  ];
  for (const [code, message] of FAILURES) {
    it(`a payout to ba_${code} fails with ${code} and the funds come back`, async () => {
      const account = await funded(10000);
      const payout = await account.stripe.payouts.create({ amount: 5000, currency: 'usd', destination: `ba_${code}` });
      assert.equal(payout.destination, `ba_${code}`);
      assert.deepEqual(await balance(account), { available: 4680, pending: 0 });
      await advance(account, 4 * DAY);
      const failed = checkPayout(await account.stripe.payouts.retrieve(payout.id));
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failure_code, code);
      assert.equal(failed.failure_message, message);
      const back = await txn(account, failed.failure_balance_transaction);
      assert.equal(back.type, 'payout_failure');
      assert.equal(back.reporting_category, 'payout_reversal');
      assert.equal(back.amount, 5000);
      assert.equal(back.source, payout.id);
      assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
      const [event] = await events(account, 'payout.failed');
      assert.ok(event, 'payout.failed was emitted');
      assert.equal((event.data.object as Stripe.Payout).failure_code, code);
    });
  }

  it('a failed instant payout returns the fee too', async () => {
    const account = await funded(10000);
    const payout = await account.stripe.payouts.create({
      amount: 5000,
      currency: 'usd',
      method: 'instant',
      destination: 'ba_no_account',
    });
    await advance(account, 1);
    const failed = await account.stripe.payouts.retrieve(payout.id);
    assert.equal(failed.status, 'failed');
    const back = await txn(account, failed.failure_balance_transaction);
    assert.equal(back.amount, 5000);
    assert.equal(back.fee, -75);
    assert.equal(back.net, 5075);
    assert.deepEqual(await balance(account), { available: 9680, pending: 0 });
  });
});

describe('payouts: update, retrieve and list', () => {
  it('updates metadata with a payout.updated event', async () => {
    const account = await funded(10000);
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'usd', metadata: { a: '1' } });
    const updated = checkPayout(await account.stripe.payouts.update(payout.id, { metadata: { a: '', b: '2' } }));
    assert.deepEqual(updated.metadata, { b: '2' });
    const [event] = await events(account, 'payout.updated');
    assert.deepEqual(event?.data.previous_attributes, { metadata: { a: '1', b: null } });
    await expectStripeError(
      account.stripe.payouts.update(payout.id, { description: 'x' } as Stripe.PayoutUpdateParams),
      {
        code: 'parameter_unknown',
      },
    );
  });

  it('retrieve answers 404 for unknown and foreign payouts and expands balance_transaction', async () => {
    const account = await funded(10000);
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'usd' });
    const expanded = await account.stripe.payouts.retrieve(payout.id, { expand: ['balance_transaction'] });
    assert.equal((expanded.balance_transaction as Stripe.BalanceTransaction).amount, -1000);
    await expectStripeError(account.stripe.payouts.retrieve('po_missing'), {
      statusCode: 404,
      message: "No such payout: 'po_missing'",
    });
    const other = await newAccount();
    await expectStripeError(other.stripe.payouts.retrieve(payout.id), { statusCode: 404 });
  });

  it('lists newest first, filtered by status, destination, arrival_date and created', async () => {
    const account = await funded(10000);
    const a = await account.stripe.payouts.create({ amount: 1000, currency: 'usd' });
    const b = await account.stripe.payouts.create({ amount: 1000, currency: 'usd', destination: 'ba_account_closed' });
    const c = await account.stripe.payouts.create({ amount: 1000, currency: 'usd', method: 'instant' });
    await account.stripe.payouts.cancel(a.id);

    const all = await account.stripe.payouts.list();
    assertShape(all, 'ApiList<Payout>');
    assert.deepEqual(
      all.data.map((p) => p.id),
      [c.id, b.id, a.id],
    );
    assert.deepEqual(
      (await account.stripe.payouts.list({ status: 'canceled' })).data.map((p) => p.id),
      [a.id],
    );
    assert.deepEqual(
      (await account.stripe.payouts.list({ destination: 'ba_account_closed' })).data.map((p) => p.id),
      [b.id],
    );
    assert.deepEqual(
      (await account.stripe.payouts.list({ arrival_date: { lte: c.arrival_date } })).data.map((p) => p.id),
      [c.id],
    );
    assert.deepEqual(
      (await account.stripe.payouts.list({ arrival_date: { gt: c.arrival_date } })).data.map((p) => p.id),
      [b.id, a.id],
    );
    const firstPage = await account.stripe.payouts.list({ arrival_date: { gt: 0 }, limit: 2 });
    assert.deepEqual(
      firstPage.data.map((p) => p.id),
      [c.id, b.id],
    );
    assert.equal(firstPage.has_more, true);
    const secondPage = await account.stripe.payouts.list({ arrival_date: { gt: 0 }, limit: 2, starting_after: b.id });
    assert.deepEqual(
      secondPage.data.map((p) => p.id),
      [a.id],
    );
    assert.equal(secondPage.has_more, false);
    const back = await account.stripe.payouts.list({ arrival_date: { gt: 0 }, limit: 1, ending_before: a.id });
    assert.deepEqual(
      back.data.map((p) => p.id),
      [b.id],
    );
    assert.equal(back.has_more, true);
    assert.equal((await account.stripe.payouts.list({ created: { lt: a.created } })).data.length, 0);

    const auto: string[] = [];
    for await (const p of account.stripe.payouts.list({ limit: 1 })) auto.push(p.id);
    assert.deepEqual(auto, [c.id, b.id, a.id]);
  });
});
