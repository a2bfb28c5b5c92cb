/**
 * Test helpers and reversals of core objects through the official SDK: the refund `expire` test
 * helper (only `requires_action` refunds, which card refunds never are), and payout reversals:
 * a reversing payout of the negated amount (`original_payout` / `reversed_by`), `pending` until its
 * arrival date and then `paid`, its credit to the balance, the events, Stripe's refusals (pending,
 * instant, failed, already reversed, a reversal itself, outside the US and Canada, after 90 days),
 * and the reversal canceled when the original payout fails first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectError, expectInvalid } from '../support/customers.js';
import { accountIdOf, advance, eventsOf, newAccount, pay, type TestAccount } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const DAY = 86_400;

describe('POST /v1/test_helpers/refunds/:id/expire', () => {
  it('refuses a card refund, which never waits for action, and changes nothing', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 700 });
    await expectInvalid(stripe.testHelpers.refunds.expire(refund.id), {
      message: `Refund ${refund.id} cannot be expired because it has a status of succeeded. Only refunds with a status of requires_action can be expired.`,
    });
    assert.equal((await stripe.refunds.retrieve(refund.id)).status, 'succeeded');
    assert.equal((await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded, 700);
  });

  it('404 for an unknown refund', async () => {
    const { stripe } = newAccount(server);
    await expectError(stripe.testHelpers.refunds.expire('re_nope'), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such refund: 're_nope'",
    });
  });

  it('takes only expand', async () => {
    const { key } = newAccount(server);
    const res = await http(server, 'POST', '/v1/test_helpers/refunds/re_x/expire', { key, body: 'reason=late' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'parameter_unknown');
  });
});

/** An account with funds available at once (a bypass-pending card payment of `amount`). */
async function funded(amount = 20000): Promise<TestAccount> {
  const account = newAccount(server);
  await pay(account.stripe, { amount, payment_method: 'pm_card_bypassPending' });
  return account;
}

async function available(stripe: Stripe): Promise<number> {
  return (await stripe.balance.retrieve()).available.find((b) => b.currency === 'usd')?.amount ?? 0;
}

async function pending(stripe: Stripe): Promise<number> {
  return (await stripe.balance.retrieve()).pending.find((b) => b.currency === 'usd')?.amount ?? 0;
}

function checkPayout(p: Stripe.Payout): Stripe.Payout {
  assertShape(p, 'Payout', 'payout');
  return p;
}

describe('POST /v1/payouts/:id/reverse', () => {
  it('reverses a paid payout with a pending reversal that is paid on its arrival date', async () => {
    const account = await funded();
    const { stripe, key } = account;
    const payout = await stripe.payouts.create({ amount: 5000, currency: 'usd' });
    await advance(server, key, 4 * DAY);
    assert.equal((await stripe.payouts.retrieve(payout.id)).status, 'paid');
    const before = await available(stripe);

    const reversal = checkPayout(await stripe.payouts.reverse(payout.id, { metadata: { why: 'duplicate' } }));
    assert.match(reversal.id, /^po_[0-9A-Za-z]{24}$/);
    assert.equal(reversal.amount, -5000);
    assert.equal(reversal.original_payout, payout.id);
    assert.equal(reversal.reversed_by, null);
    assert.equal(reversal.status, 'pending');
    assert.equal(reversal.destination, payout.destination);
    assert.equal(reversal.method, 'standard');
    assert.deepEqual(reversal.metadata, { why: 'duplicate' });
    assert.ok(reversal.arrival_date > reversal.created);
    const original = checkPayout(await stripe.payouts.retrieve(payout.id));
    assert.equal(original.reversed_by, reversal.id);
    const expanded = await stripe.payouts.retrieve(reversal.id, { expand: ['original_payout'] });
    assert.equal((expanded.original_payout as Stripe.Payout).id, payout.id);

    // The money comes back when the bank has been debited: pending now, available on arrival.
    assert.equal(await available(stripe), before);
    assert.equal(await pending(stripe), 5000);
    const txn = await stripe.balanceTransactions.retrieve(reversal.balance_transaction as string);
    assert.equal(txn.amount, 5000);
    assert.equal(txn.type, 'payout');
    assert.equal(txn.reporting_category, 'payout_reversal');
    assert.equal(txn.source, reversal.id);

    await advance(server, key, 4 * DAY);
    assert.equal((await stripe.payouts.retrieve(reversal.id)).status, 'paid');
    assert.equal(await available(stripe), before + 5000);

    const events = (await eventsOf(server, await accountIdOf(server, key))).filter((e) => e.type.startsWith('payout.'));
    const afterReverse = events.slice(events.findIndex((e) => e.data.object.id === reversal.id) - 1);
    assert.deepEqual(
      afterReverse.map((e) => [e.type, e.data.object.id]),
      [
        ['payout.updated', payout.id],
        ['payout.created', reversal.id],
        ['payout.paid', reversal.id],
        ['payout.updated', reversal.id],
      ],
    );
    assert.deepEqual(afterReverse[0]?.data.previous_attributes, { reversed_by: null });
  });

  it('refuses what Stripe cannot reverse', async () => {
    const account = await funded();
    const { stripe, key } = account;
    const pendingPayout = await stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await expectInvalid(stripe.payouts.reverse(pendingPayout.id), { message: /cancel it instead/ });
    const instant = await stripe.payouts.create({ amount: 1000, currency: 'usd', method: 'instant' });
    await expectInvalid(stripe.payouts.reverse(instant.id), { message: 'Instant payouts cannot be reversed.' });
    const canceled = await stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await stripe.payouts.cancel(canceled.id);
    await expectInvalid(stripe.payouts.reverse(canceled.id), { message: /status of canceled/ });
    const failing = await stripe.payouts.create({ amount: 1000, currency: 'usd', destination: 'ba_account_closed' });

    await advance(server, key, 4 * DAY);
    assert.equal((await stripe.payouts.retrieve(failing.id)).status, 'failed');
    await expectInvalid(stripe.payouts.reverse(failing.id), { message: /status of failed/ });
    const reversal = await stripe.payouts.reverse(pendingPayout.id);
    await expectInvalid(stripe.payouts.reverse(pendingPayout.id), { message: /already been reversed/ });
    await expectInvalid(stripe.payouts.reverse(reversal.id), { message: /cannot itself be reversed/ });
    await expectError(stripe.payouts.reverse('po_nope'), Stripe.errors.StripeInvalidRequestError, { statusCode: 404 });

    // 90 days after arrival it is too late.
    const late = await stripe.payouts.create({ amount: 1000, currency: 'usd' });
    await advance(server, key, 94 * DAY);
    assert.equal((await stripe.payouts.retrieve(late.id)).status, 'paid');
    await expectInvalid(stripe.payouts.reverse(late.id), { message: /more than 90 days ago/ });
  });

  it('only for accounts whose bank is in the US or Canada', async () => {
    const account = newAccount(server);
    const set = await http(server, 'POST', '/sandbank/v1/account', { key: account.key, body: 'country=GB' });
    assert.equal(set.status, 200, set.text);
    await pay(account.stripe, { amount: 20000, currency: 'gbp', payment_method: 'pm_card_bypassPending' });
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'gbp' });
    await advance(server, account.key, 4 * DAY);
    await expectInvalid(account.stripe.payouts.reverse(payout.id), { message: /US or Canada/ });
  });

  it('a pending reversal is canceled when the original payout fails', async () => {
    const account = await funded();
    const { stripe, key } = account;
    const payout = await stripe.payouts.create({ amount: 3000, currency: 'usd', destination: 'ba_account_closed' });
    await advance(server, key, DAY);
    assert.equal((await stripe.payouts.retrieve(payout.id)).status, 'in_transit');
    const reversal = await stripe.payouts.reverse(payout.id);
    const balanceBefore = await available(stripe);
    await advance(server, key, 2 * DAY);
    const failed = await stripe.payouts.retrieve(payout.id);
    assert.equal(failed.status, 'failed');
    const canceled = checkPayout(await stripe.payouts.retrieve(reversal.id));
    assert.equal(canceled.status, 'canceled');
    assert.match(canceled.failure_balance_transaction as string, /^txn_/);
    // The original's failure returned its 30.00; the canceled reversal's credit never lands.
    await advance(server, key, 4 * DAY);
    assert.equal(await available(stripe), balanceBefore + 3000);
    assert.equal(await pending(stripe), 0);
    const types = (await eventsOf(server, await accountIdOf(server, key)))
      .filter((e) => e.data.object.id === reversal.id)
      .map((e) => e.type);
    assert.deepEqual(types, ['payout.created', 'payout.canceled', 'payout.updated']);
  });
});
