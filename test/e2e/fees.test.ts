/**
 * Stripe's processing fees end to end: for US, EEA (FR, DE), UK and AU accounts, domestic and
 * international cards, the charge's balance transaction carries the fee, its `fee_details` and the
 * net, and the balance sums the nets. Custom pricing set through the admin endpoint and through the
 * `sandbank accounts update` command replaces the table; a refund returns no fee.
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

/** A fresh account in `country` (set before any payment, as the Dashboard would). */
async function account(country: string): Promise<{ key: string; stripe: Stripe }> {
  const key = newSecretKey();
  const res = await http(server, 'POST', '/sandbank/v1/account', { key, body: `country=${country}` });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.country, country);
  return { key, stripe: server.stripe(key) };
}

/** Pays `amount` with the test card `pm` and returns the charge's balance transaction, shape-checked. */
async function pay(stripe: Stripe, amount: number, currency: string, pm: string): Promise<Stripe.BalanceTransaction> {
  const pi = await stripe.paymentIntents.create({
    amount,
    currency,
    payment_method: pm,
    confirm: true,
    capture_method: 'automatic',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    expand: ['latest_charge.balance_transaction'],
  });
  assert.equal(pi.status, 'succeeded');
  const charge = pi.latest_charge as Stripe.Charge;
  const txn = charge.balance_transaction as Stripe.BalanceTransaction;
  assertShape(txn, 'BalanceTransaction', 'balance_transaction');
  assert.equal(txn.source, charge.id);
  return txn;
}

interface FeeCase {
  name: string;
  country: string;
  currency: string;
  card: string;
  amount: number;
  fee: number;
}

// Standard pricing (src/money/pricing.ts): US 2.9% + 30¢ domestic, 3.4% + 30¢ international;
// EEA 1.4% + €0.25 for EEA cards, 2.9% + €0.25 otherwise; UK 1.4% + 20p, 2.9% + 20p; AU 1.75% + A$0.30,
// 3.4% + A$0.30.
const CASES: FeeCase[] = [
  {
    name: 'US account, US card ($100.00)',
    country: 'US',
    currency: 'usd',
    card: 'pm_card_visa',
    amount: 10000,
    fee: 320,
  },
  { name: 'US account, US card, rounding', country: 'US', currency: 'usd', card: 'pm_card_us', amount: 1234, fee: 66 },
  { name: 'US account, UK card', country: 'US', currency: 'usd', card: 'pm_card_gb', amount: 10000, fee: 370 },
  { name: 'FR account, DE card (EEA)', country: 'FR', currency: 'eur', card: 'pm_card_de', amount: 10000, fee: 165 },
  { name: 'FR account, FR card', country: 'FR', currency: 'eur', card: 'pm_card_fr', amount: 2000, fee: 53 },
  { name: 'FR account, US card', country: 'FR', currency: 'eur', card: 'pm_card_us', amount: 10000, fee: 315 },
  { name: 'DE account, FR card (EEA)', country: 'DE', currency: 'eur', card: 'pm_card_fr', amount: 10000, fee: 165 },
  { name: 'GB account, UK card', country: 'GB', currency: 'gbp', card: 'pm_card_gb', amount: 10000, fee: 160 },
  {
    name: 'GB account, FR card (international)',
    country: 'GB',
    currency: 'gbp',
    card: 'pm_card_fr',
    amount: 10000,
    fee: 310,
  },
  { name: 'AU account, AU card', country: 'AU', currency: 'aud', card: 'pm_card_au', amount: 10000, fee: 205 },
  { name: 'AU account, US card', country: 'AU', currency: 'aud', card: 'pm_card_us', amount: 10000, fee: 370 },
];

describe('fees: standard pricing by account country and card country', () => {
  for (const c of CASES) {
    it(`${c.name}: fee ${c.fee} on ${c.amount} ${c.currency}`, async () => {
      const { stripe } = await account(c.country);
      const txn = await pay(stripe, c.amount, c.currency, c.card);
      assert.equal(txn.type, 'charge');
      assert.equal(txn.reporting_category, 'charge');
      assert.equal(txn.amount, c.amount);
      assert.equal(txn.currency, c.currency);
      assert.equal(txn.fee, c.fee);
      assert.equal(txn.net, c.amount - c.fee);
      assert.equal(txn.status, 'pending');
      assert.deepEqual(txn.fee_details, [
        {
          amount: c.fee,
          application: null,
          currency: c.currency,
          description: 'Stripe processing fees',
          type: 'stripe_fee',
        },
      ]);
    });
  }

  it('the balance sums the nets per currency, pending until available_on', async () => {
    const { stripe } = await account('GB');
    const a = await pay(stripe, 10000, 'gbp', 'pm_card_gb');
    const b = await pay(stripe, 5000, 'gbp', 'pm_card_fr');
    const c = await pay(stripe, 3000, 'eur', 'pm_card_fr');
    const balance = await stripe.balance.retrieve();
    assertShape(balance, 'Balance', 'balance');
    const pending = Object.fromEntries(balance.pending.map((p) => [p.currency, p.amount]));
    assert.deepEqual(pending, { eur: c.net, gbp: a.net + b.net });
    assert.ok(balance.available.every((x) => x.amount === 0));
    assert.ok(
      balance.available.some((x) => x.currency === 'gbp'),
      'the default currency is always listed',
    );
  });

  it('the $100.00 example: fee 320, net 9680, available two days later', async () => {
    const { stripe } = await account('US');
    const txn = await pay(stripe, 10000, 'usd', 'pm_card_visa');
    assert.equal(txn.fee, 320);
    assert.equal(txn.net, 9680);
    assert.equal(txn.available_on % 86_400, 0, 'available_on falls on midnight UTC');
    assert.ok(txn.available_on > txn.created);
  });
});

describe('fees: custom pricing', () => {
  it('2.4% + 30 set through the admin endpoint replaces domestic and international rates', async () => {
    const { key, stripe } = await account('US');
    const res = await http(server, 'POST', '/sandbank/v1/account', {
      key,
      body: 'pricing[percent]=2.4&pricing[fixed]=30',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.pricing, { percent: 2.4, fixed: 30 });
    const domestic = await pay(stripe, 10000, 'usd', 'pm_card_visa');
    assert.equal(domestic.fee, 270);
    assert.equal(domestic.net, 9730);
    const international = await pay(stripe, 10000, 'usd', 'pm_card_gb');
    assert.equal(international.fee, 270);

    const reset = await http(server, 'POST', '/sandbank/v1/account', { key, body: 'pricing=' });
    assert.equal(reset.json.pricing, null);
    assert.equal((await pay(stripe, 10000, 'usd', 'pm_card_visa')).fee, 320);
  });

  it('2.4% + 30 set with `sandbank accounts update`, shown by `accounts show`, undone with --pricing standard', async () => {
    const { key, stripe } = await account('US');
    const cli = async (...args: string[]) => {
      const { stdout } = await exec(process.execPath, [
        '--import',
        'tsx',
        MAIN,
        ...args,
        '--api-key',
        key,
        '--url',
        server.url,
      ]);
      return JSON.parse(stdout) as { object: string; country: string; default_currency: string; pricing: unknown };
    };
    const updated = await cli('accounts', 'update', '--pricing', '2.4%+30');
    assert.equal(updated.object, 'sandbank.account');
    assert.deepEqual(updated.pricing, { percent: 2.4, fixed: 30 });
    assert.deepEqual((await cli('accounts', 'show')).pricing, { percent: 2.4, fixed: 30 });
    assert.equal((await pay(stripe, 10000, 'usd', 'pm_card_visa')).fee, 270);

    const standard = await cli('accounts', 'update', '--pricing', 'standard');
    assert.equal(standard.pricing, null);
    assert.equal((await pay(stripe, 10000, 'usd', 'pm_card_visa')).fee, 320);

    const moved = await cli('accounts', 'update', '--country', 'GB');
    assert.equal(moved.country, 'GB');
    assert.equal(moved.default_currency, 'gbp');
    assert.equal((await pay(stripe, 10000, 'gbp', 'pm_card_gb')).fee, 160);
  });

  it('the CLI reports a refused update on stderr with exit status 1', async () => {
    const key = newSecretKey();
    await assert.rejects(
      exec(process.execPath, [
        '--import',
        'tsx',
        MAIN,
        'accounts',
        'update',
        '--country',
        'XX',
        '--api-key',
        key,
        '--url',
        server.url,
      ]),
      (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr ?? '', /does not know the country/);
        return true;
      },
    );
  });
});

describe('fees: refunds', () => {
  it('a refund returns the amount and no fee', async () => {
    const { stripe } = await account('US');
    const pi = await stripe.paymentIntents.create({
      amount: 10000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      capture_method: 'automatic',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const refund = await stripe.refunds.create({ payment_intent: pi.id, expand: ['balance_transaction'] });
    const txn = refund.balance_transaction as Stripe.BalanceTransaction;
    assertShape(txn, 'BalanceTransaction', 'balance_transaction');
    assert.equal(txn.type, 'refund');
    assert.equal(txn.amount, -10000);
    assert.equal(txn.fee, 0);
    assert.deepEqual(txn.fee_details, []);
    assert.equal(txn.net, -10000);
  });
});
