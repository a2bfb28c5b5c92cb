/**
 * Every documented test card, end to end: one payment per card of the card table (by its
 * `pm_card_<alias>` test id, again by its `tok_<alias>` token through `payment_method_data`, and by
 * its raw number when it has no alias), checked against the outcome Stripe documents for it —
 * declines with their code, decline code, message and charge outcome; 3-D Secure cards stopping in
 * `requires_action`; the rest succeeding with the card's brand, funding, country and checks. Then
 * the validation of raw card details, and card fingerprints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import StripeSdk from 'stripe';
import { TEST_CARDS, type TestCard } from '../../src/cards/network.js';
import { expectError } from '../support/customers.js';
import {
  authenticate,
  checkCharge,
  checkPaymentIntent,
  checkPaymentMethod,
  expectCardError,
  newAccount,
  pay,
  type TestAccount,
} from '../support/payments.js';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

interface ExpectedDecline {
  code: string;
  decline_code: string;
  message: string;
  outcome: { network_status: string; reason: string; risk_level: string; seller_message: string; type: string };
}

/** An issuer decline as Stripe reports it (docs.stripe.com/testing, docs.stripe.com/declines/codes). */
function issuer(declineCode: string, message = 'Your card was declined.', code = 'card_declined'): ExpectedDecline {
  return {
    code,
    decline_code: declineCode,
    message,
    outcome: {
      network_status: 'declined_by_network',
      reason: declineCode,
      risk_level: 'normal',
      seller_message:
        declineCode === 'generic_decline'
          ? 'The bank did not return any further details with this decline.'
          : `The bank returned the decline code \`${declineCode}\`.`,
      type: 'issuer_declined',
    },
  };
}

/** Radar's block: never sent to the network. */
const BLOCKED: ExpectedDecline = {
  code: 'card_declined',
  decline_code: 'fraudulent',
  message: 'Your card was declined.',
  outcome: {
    network_status: 'not_sent_to_network',
    reason: 'highest_risk_level',
    risk_level: 'highest',
    seller_message: 'Stripe blocked this payment as too risky.',
    type: 'blocked',
  },
};

/**
 * What each declining card must answer, written out from Stripe's documentation rather than read
 * from the card table, so the table cannot drift unnoticed. Keyed by card number.
 */
const DECLINES: Record<string, ExpectedDecline> = {
  '4000000000000002': issuer('generic_decline'),
  '4000000000009995': issuer('insufficient_funds', 'Your card has insufficient funds.'),
  '4000000000009987': issuer('lost_card'),
  '4000000000009979': issuer('stolen_card'),
  '4000000000000069': issuer('expired_card', 'Your card has expired.', 'expired_card'),
  '4000000000000127': issuer('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc'),
  '4000000000000119': issuer(
    'processing_error',
    'An error occurred while processing your card. Try again in a little bit.',
    'processing_error',
  ),
  '4000000000006975': issuer('card_velocity_exceeded'),
  '4000000000000341': issuer('generic_decline'),
  '4000000000003402': issuer('lost_card'),
  '4000000000003501': issuer('stolen_card'),
  '4100000000000019': BLOCKED,
  '4000000000004954': BLOCKED,
  '4000008400001280': issuer('generic_decline'),
};

/** Declines that come after a completed 3-D Secure challenge. */
const DECLINES_AFTER_AUTHENTICATION: Record<string, ExpectedDecline> = {
  '4000008260003178': issuer('insufficient_funds', 'Your card has insufficient funds.'),
  '4000008400001629': issuer('generic_decline'),
};

type Outcome = 'decline' | 'requires_action' | 'succeeded';

function expectedOutcome(card: TestCard): Outcome {
  const b = card.behaviour;
  const challenge = ['required', 'required_on_setup', 'required_unless_setup_off_session'].includes(
    b.threeDSecure ?? '',
  );
  if (challenge || b.declineAfterAuthentication) return 'requires_action';
  if (b.decline) return 'decline';
  return 'succeeded';
}

/** How a row is paid: its `pm_card_` test id, its `tok_` token, or a PaymentMethod from its number. */
type Via = 'pm_card' | 'tok' | 'number';

async function payWith(account: TestAccount, card: TestCard, via: Via): Promise<Stripe.PaymentIntent> {
  const { stripe } = account;
  const alias = card.aliases[0];
  if (via === 'pm_card') return pay(stripe, { payment_method: `pm_card_${alias}` });
  if (via === 'tok') {
    return pay(stripe, {
      payment_method: undefined,
      payment_method_data: {
        type: 'card',
        card: { token: `tok_${alias}` },
      } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
    });
  }
  const pm = checkPaymentMethod(
    await stripe.paymentMethods.create({
      type: 'card',
      card: { number: card.number, exp_month: 12, exp_year: 2034, cvc: '123' },
    }),
  );
  assert.equal(pm.card?.last4, card.last4);
  assert.equal(pm.card?.brand, card.brand);
  return pay(stripe, { payment_method: pm.id });
}

function checkDeclinedCharge(charge: Stripe.Charge, expected: ExpectedDecline, label: string): void {
  checkCharge(charge);
  assert.equal(charge.status, 'failed', label);
  assert.equal(charge.paid, false, label);
  assert.equal(charge.captured, false, label);
  assert.equal(charge.amount_captured, 0, label);
  assert.equal(charge.balance_transaction, null, label);
  assert.equal(charge.failure_code, expected.code, label);
  assert.equal(charge.failure_message, expected.message, label);
  const outcome = charge.outcome as Stripe.Charge.Outcome;
  assert.equal(outcome.type, expected.outcome.type, label);
  assert.equal(outcome.network_status, expected.outcome.network_status, label);
  assert.equal(outcome.reason, expected.outcome.reason, label);
  assert.equal(outcome.risk_level, expected.outcome.risk_level, label);
  assert.equal(outcome.seller_message, expected.outcome.seller_message, label);
}

/** One row paid one way: the documented outcome, in full. */
async function checkRow(card: TestCard, via: Via): Promise<void> {
  const label = `${card.key} via ${via}`;
  const account = newAccount(server);
  const { stripe } = account;
  const outcome = expectedOutcome(card);

  if (outcome === 'decline') {
    const expected = DECLINES[card.number];
    assert.ok(expected, `${label}: add the documented decline of ${card.number} to DECLINES`);
    const err = await expectCardError(payWith(account, card, via));
    assert.equal(err.code, expected.code, label);
    assert.equal(err.decline_code, expected.decline_code, label);
    assert.equal(err.message, expected.message, label);
    assert.equal((err.raw as { type: string }).type, 'card_error', label);
    const raw = err.raw as {
      charge?: string;
      payment_intent?: Stripe.PaymentIntent;
      payment_method?: Stripe.PaymentMethod;
    };
    const pi = checkPaymentIntent(raw.payment_intent as Stripe.PaymentIntent);
    assert.equal(pi.status, 'requires_payment_method', label);
    assert.equal(pi.payment_method, null, label);
    assert.equal(pi.last_payment_error?.code, expected.code, label);
    assert.equal(pi.last_payment_error?.decline_code, expected.decline_code, label);
    assert.equal(pi.last_payment_error?.type, 'card_error', label);
    assert.equal(pi.last_payment_error?.payment_method?.card?.last4, card.last4, label);
    assert.match(raw.charge ?? '', /^ch_/, `${label}: the error names the failed charge`);
    assert.equal(pi.latest_charge, raw.charge, label);
    checkDeclinedCharge(await stripe.charges.retrieve(raw.charge as string), expected, label);
    return;
  }

  const pi = await payWith(account, card, via);
  if (outcome === 'requires_action') {
    assert.equal(pi.status, 'requires_action', label);
    assert.equal(pi.next_action?.type, 'use_stripe_sdk', label);
    assert.ok(pi.next_action?.use_stripe_sdk, label);
    assert.equal(pi.latest_charge, null, `${label}: no charge before authentication`);
    assert.equal(pi.amount_received, 0, label);
    // The cardholder authenticates: the payment goes on (and the decline-after-auth cards decline).
    const done = await authenticate(server, account.key, pi.id, 'complete');
    const after = DECLINES_AFTER_AUTHENTICATION[card.number];
    if (card.behaviour.declineAfterAuthentication) {
      assert.ok(after, `${label}: add the documented decline of ${card.number} to DECLINES_AFTER_AUTHENTICATION`);
      assert.equal(done.status, 'requires_payment_method', label);
      assert.equal(done.last_payment_error?.code, after.code, label);
      assert.equal(done.last_payment_error?.decline_code, after.decline_code, label);
      assert.equal(done.last_payment_error?.message, after.message, label);
      const charge = await stripe.charges.retrieve(done.latest_charge as string);
      checkDeclinedCharge(charge, after, label);
      assert.equal(charge.payment_method_details?.card?.three_d_secure?.result, 'authenticated', label);
      return;
    }
    assert.equal(done.status, 'succeeded', label);
    const charge = checkCharge(await stripe.charges.retrieve(done.latest_charge as string));
    const tds = charge.payment_method_details?.card?.three_d_secure;
    assert.equal(tds?.result, 'authenticated', label);
    assert.equal(tds?.authentication_flow, 'challenge', label);
    return;
  }

  assert.equal(pi.status, 'succeeded', label);
  assert.equal(pi.amount_received, 2000, label);
  assert.equal(pi.next_action, null, label);
  assert.equal(pi.last_payment_error, null, label);
  const charge = checkCharge(
    await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['balance_transaction'] }),
  );
  assert.equal(charge.status, 'succeeded', label);
  assert.equal(charge.paid, true, label);
  assert.equal(charge.captured, true, label);
  assert.equal(charge.amount_captured, 2000, label);
  assert.equal(charge.payment_intent, pi.id, label);
  assert.equal(charge.failure_code, null, label);
  const details = charge.payment_method_details?.card as Stripe.Charge.PaymentMethodDetails.Card;
  assert.equal(details.brand, card.brand, label);
  assert.equal(details.network, card.brand, label);
  assert.equal(details.funding, card.funding, label);
  assert.equal(details.country, card.country, label);
  assert.equal(details.last4, card.last4, label);
  assert.equal(details.amount_authorized, 2000, label);
  // Checks run only on what was provided: a CVC for a raw number, nothing for test ids and tokens.
  assert.deepEqual(
    details.checks,
    {
      address_line1_check: null,
      address_postal_code_check: null,
      cvc_check: via === 'number' ? (card.behaviour.checks?.cvc_check ?? 'pass') : null,
    },
    label,
  );
  if (card.behaviour.threeDSecure === 'frictionless') {
    assert.equal(details.three_d_secure?.result, 'authenticated', label);
    assert.equal(details.three_d_secure?.authentication_flow, 'frictionless', label);
  } else {
    assert.equal(details.three_d_secure, null, label);
  }
  const outcomeObj = charge.outcome as Stripe.Charge.Outcome;
  const risk = card.behaviour.risk?.level ?? 'normal';
  assert.equal(outcomeObj.risk_level, risk, label);
  assert.equal(outcomeObj.network_status, 'approved_by_network', label);
  if (risk === 'elevated') {
    assert.equal(outcomeObj.type, 'manual_review', label);
    assert.equal(outcomeObj.reason, 'elevated_risk_level', label);
    assert.equal(
      outcomeObj.seller_message,
      'Stripe evaluated this payment as having elevated risk, and placed it in your manual review queue.',
      label,
    );
  } else {
    assert.equal(outcomeObj.type, 'authorized', label);
    assert.equal(outcomeObj.reason, null, label);
    assert.equal(outcomeObj.seller_message, 'Payment complete.', label);
  }
  const txn = charge.balance_transaction as Stripe.BalanceTransaction;
  assert.equal(txn.amount, 2000, label);
  assert.equal(txn.source, charge.id, label);
  assert.equal(txn.status, card.behaviour.bypassPending ? 'available' : 'pending', label);
}

/** Rows also paid with their `tok_` token: a success, each kind of decline, 3-D Secure, instant funds. */
const TOKEN_ROWS = [
  'visa',
  'chargeDeclined',
  'radarBlock',
  'authenticationRequired',
  'riskLevelElevated',
  'bypassPending',
];

describe('test cards', () => {
  it('every card of the table pays with its documented outcome (pm_card_ or raw number, some tok_)', async () => {
    const runs: Promise<void>[] = [];
    for (const card of TEST_CARDS) runs.push(checkRow(card, card.aliases.length > 0 ? 'pm_card' : 'number'));
    // Tokens name the same cards (all of them are checked below); one of each kind pays here too.
    for (const card of TEST_CARDS.filter((c) => TOKEN_ROWS.includes(c.key))) runs.push(checkRow(card, 'tok'));
    // Cards with checks also pay by raw number, so their CVC check runs.
    for (const card of TEST_CARDS.filter((c) => c.aliases.length > 0 && c.behaviour.checks && !c.behaviour.decline)) {
      runs.push(checkRow(card, 'number'));
    }
    const results = await Promise.allSettled(runs);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
    assert.deepEqual(failures, [], `${failures.length} of ${runs.length} card payments went wrong`);
    // Every row was covered, and the table has the rows the docs list.
    assert.ok(TEST_CARDS.length > 100, 'the card table lists every documented card');
  });

  it('every alias names its card as pm_card_<alias> and as tok_<alias>', async () => {
    const { stripe } = newAccount(server);
    const failures: string[] = [];
    const check = (pm: Stripe.PaymentMethod, card: TestCard, name: string) => {
      checkPaymentMethod(pm);
      if (pm.card?.last4 !== card.last4 || pm.card?.brand !== card.brand || pm.card.country !== card.country) {
        failures.push(`${name}: ${pm.card?.brand} ${pm.card?.last4} ${pm.card?.country}`);
      }
    };
    // Every token (one request each).
    const tokens = TEST_CARDS.flatMap((card) => card.aliases.map((alias) => ({ card, alias })));
    await Promise.all(
      tokens.map(async ({ card, alias }) => {
        check(
          await stripe.paymentMethods.create({ type: 'card', card: { token: `tok_${alias}` } }),
          card,
          `tok_${alias}`,
        );
      }),
    );
    // Every test id the table test above does not pay with (its first aliases).
    const ids = TEST_CARDS.flatMap((card) => card.aliases.slice(1).map((alias) => ({ card, alias })));
    await Promise.all(
      ids.map(async ({ card, alias }) => {
        const pi = await stripe.paymentIntents.create({
          amount: 2000,
          currency: 'usd',
          allowed_payment_method_types: ['card'],
          payment_method: `pm_card_${alias}`,
        });
        assert.equal(pi.status, 'requires_confirmation');
        assert.match(pi.payment_method as string, /^pm_[0-9A-Za-z]{24}$/, 'a test id becomes a new pm_');
        check(await stripe.paymentMethods.retrieve(pi.payment_method as string), card, `pm_card_${alias}`);
      }),
    );
    assert.deepEqual(failures, []);
    assert.ok(tokens.length > 100 && ids.length > 10, `${tokens.length} tokens, ${ids.length} extra ids`);
  });

  it('answers an unknown test id and an unknown token with resource_missing', async () => {
    const { stripe } = newAccount(server);
    await expectError(
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        allowed_payment_method_types: ['card'],
        payment_method: 'pm_card_nosuchcard',
      }),
      StripeSdk.errors.StripeInvalidRequestError,
      {
        statusCode: 400,
        code: 'resource_missing',
        param: 'payment_method',
        message: "No such PaymentMethod: 'pm_card_nosuchcard'",
      },
    );
    await expectError(
      stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nosuchcard' } }),
      StripeSdk.errors.StripeInvalidRequestError,
      { statusCode: 400, code: 'resource_missing', message: "No such token: 'tok_nosuchcard'" },
    );
  });
});

describe('raw card details', () => {
  const VALID = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };

  const cases: { name: string; card: Partial<typeof VALID>; code: string; param: string; message: string }[] = [
    {
      name: 'a number failing the Luhn check',
      card: { number: '4242424242424241' },
      code: 'incorrect_number',
      param: 'number',
      message: 'Your card number is incorrect.',
    },
    {
      name: 'month 13',
      card: { exp_month: 13 },
      code: 'invalid_expiry_month',
      param: 'exp_month',
      message: "Your card's expiration month is invalid.",
    },
    {
      name: 'a past year',
      card: { exp_year: 2020 },
      code: 'invalid_expiry_year',
      param: 'exp_year',
      message: "Your card's expiration year is invalid.",
    },
    {
      name: 'a 2-digit CVC',
      card: { cvc: '12' },
      code: 'invalid_cvc',
      param: 'cvc',
      message: "Your card's security code is invalid.",
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with a 402 card_error naming the parameter`, async () => {
      const { stripe } = newAccount(server);
      const card = { ...VALID, ...c.card };
      const err = await expectCardError(stripe.paymentMethods.create({ type: 'card', card }));
      assert.equal(err.code, c.code);
      assert.equal(err.param, `card[${c.param}]`);
      assert.equal(err.message, c.message);
      const raw = err.raw as { type: string; doc_url: string };
      assert.equal(raw.type, 'card_error');
      assert.equal(raw.doc_url, `https://stripe.com/docs/error-codes/${c.code.replaceAll('_', '-')}`);
      // The same details inline on a payment fail the same way, and no PaymentIntent is left behind.
      const inline = await expectCardError(
        pay(stripe, {
          payment_method: undefined,
          payment_method_data: { type: 'card', card } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
        }),
      );
      assert.equal(inline.code, c.code);
      assert.equal(inline.message, c.message);
      assert.deepEqual((await stripe.paymentMethods.list({ type: 'card' })).data, []);
    });
  }

  it('accepts a number typed with spaces, and a two-digit year', async () => {
    const { stripe } = newAccount(server);
    const pm = checkPaymentMethod(
      await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242 4242 4242 4242', exp_month: 12, exp_year: 34, cvc: '123' },
      }),
    );
    assert.equal(pm.card?.last4, '4242');
    assert.equal(pm.card?.exp_year, 2034);
    assert.equal(pm.card?.checks?.cvc_check, 'pass');
  });

  it('accepts a 4-digit CVC for Amex only', async () => {
    const { stripe } = newAccount(server);
    const amex = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '378282246310005', exp_month: 12, exp_year: 2034, cvc: '1234' },
    });
    assert.equal(amex.card?.brand, 'amex');
    const err = await expectCardError(stripe.paymentMethods.create({ type: 'card', card: { ...VALID, cvc: '1234' } }));
    assert.equal(err.code, 'invalid_cvc');
  });
});

describe('fingerprints', () => {
  it('are the same for one number within an account, and differ across accounts', async () => {
    const a = newAccount(server).stripe;
    const b = newAccount(server).stripe;
    const raw = {
      type: 'card' as const,
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
    };
    const [a1, a2, aTok, b1, other] = await Promise.all([
      a.paymentMethods.create(raw),
      a.paymentMethods.create({ ...raw, card: { ...raw.card, exp_month: 1, exp_year: 2035 } }),
      a.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } }),
      b.paymentMethods.create(raw),
      a.paymentMethods.create({ type: 'card', card: { ...raw.card, number: '5555555555554444' } }),
    ]);
    const fp = a1.card?.fingerprint;
    assert.match(fp ?? '', /^[0-9A-Za-z]{16}$/);
    assert.equal(a2.card?.fingerprint, fp, 'another expiry, same card');
    assert.equal(aTok.card?.fingerprint, fp, 'tok_visa is 4242 4242 4242 4242');
    assert.notEqual(b1.card?.fingerprint, fp, 'another account sees another fingerprint');
    assert.notEqual(other.card?.fingerprint, fp, 'another number, another fingerprint');
    // The charge carries the PaymentMethod's fingerprint.
    const pi = await pay(a, { payment_method: a1.id });
    const charge = await a.charges.retrieve(pi.latest_charge as string);
    assert.equal(charge.payment_method_details?.card?.fingerprint, fp);
  });
});
