/**
 * Unit tests of the simulated card network (src/cards): the test-card table's integrity against the
 * facts sheet, brand detection, card validation errors, fingerprints, and the rendered card
 * sub-objects against the stripe package's declarations.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type Stripe from 'stripe';
import { chargeCardDetails, fingerprint, networkTransactionId, paymentMethodCard } from '../../src/cards/details.js';
import {
  brandFromBin,
  type CardBrand,
  cardByKey,
  cardForTestId,
  cardProfile,
  TEST_CARDS,
  type TestCard,
} from '../../src/cards/network.js';
import { luhnValid, type RawCard, validateCard } from '../../src/cards/validation.js';
import { thrownStripeError } from '../support/errors.js';
import { assertShape } from '../support/shape.js';

const FACTS = fileURLToPath(new URL('../../../shared/stripe-facts.md', import.meta.url));

/** 2025-06-15T00:00:00Z. */
const NOW = Date.UTC(2025, 5, 15) / 1000;

function byTestId(id: string): TestCard {
  const card = cardForTestId(id);
  assert.ok(card, `${id} resolves`);
  return card;
}

function isSorted(keys: string[]): boolean {
  return keys.every((key, i) => i === 0 || (keys[i - 1] ?? '') < key);
}

describe('the test card table', () => {
  it('has Luhn-valid numbers of 12 to 19 digits, each listed once', () => {
    const numbers = new Set<string>();
    for (const card of TEST_CARDS) {
      assert.match(card.number, /^\d{12,19}$/, card.key);
      assert.ok(luhnValid(card.number), `${card.key} passes Luhn`);
      assert.ok(!numbers.has(card.number), `${card.number} listed twice`);
      numbers.add(card.number);
      assert.equal(card.last4, card.number.slice(-4), card.key);
    }
  });

  it('has unique keys and aliases', () => {
    const keys = TEST_CARDS.map((card) => card.key);
    assert.equal(new Set(keys).size, keys.length);
    const aliases = TEST_CARDS.flatMap((card) => card.aliases);
    assert.equal(new Set(aliases).size, aliases.length);
  });

  it('never uses a card number inside a key or an alias', () => {
    for (const card of TEST_CARDS) {
      assert.ok(!card.key.includes(card.number), card.key);
      assert.ok(!/\d{12}/.test(card.key), `${card.key} looks like a number`);
      for (const alias of card.aliases) assert.ok(!/\d{12}/.test(alias), alias);
    }
    // Profiles of unlisted numbers carry neither the number nor anything it could be read back from.
    for (const number of ['4111111111111111', '5454545454545454', '6212345678901265']) {
      const profile = cardProfile(number);
      assert.ok(!JSON.stringify(profile).includes(number), profile.key);
      assert.equal(profile.number, '');
    }
  });

  it('resolves every pm_card_ and tok_ name in the facts sheet (§4.1–§4.6)', (t) => {
    if (!existsSync(FACTS)) return t.skip('no ../shared/stripe-facts.md');
    const text = readFileSync(FACTS, 'utf8');
    const section = text.slice(text.indexOf('## 4. Test-mode fixtures'), text.indexOf('### 4.7'));
    const ids = new Set(section.match(/\b(?:pm_card|tok)_[A-Za-z0-9_]+/g) ?? []);
    assert.ok(ids.size > 80, `found ${ids.size} names`);
    for (const id of ids) assert.ok(cardForTestId(id), `${id} resolves`);
  });

  it('resolves both pm_card_ and tok_ forms to the same card, and nothing else', () => {
    for (const card of TEST_CARDS) {
      for (const alias of card.aliases) {
        assert.equal(cardForTestId(`pm_card_${alias}`), card);
        assert.equal(cardForTestId(`tok_${alias}`), card);
      }
    }
    assert.equal(cardForTestId('pm_card_nope'), undefined);
    assert.equal(cardForTestId('pm_1234'), undefined);
    assert.equal(cardForTestId('visa'), undefined);
    assert.equal(cardForTestId('card_visa'), undefined);
  });

  it('has the country cards under pm_card_<cc>', () => {
    assert.equal(byTestId('pm_card_us').number, '4242424242424242');
    assert.equal(byTestId('pm_card_gb').country, 'GB');
    assert.equal(byTestId('tok_br').country, 'BR');
    assert.deepEqual([byTestId('pm_card_gb_debit').funding, byTestId('pm_card_th_debit').funding], ['debit', 'debit']);
    assert.equal(byTestId('pm_card_ae_mastercard').brand, 'mastercard');
  });

  it('maps keys back to their cards', () => {
    for (const card of TEST_CARDS) assert.equal(cardByKey(card.key), card);
    assert.equal(cardByKey('nope'), undefined);
    assert.equal(cardByKey('bin:42424:4242:16'), undefined);
  });
});

describe('card behaviour', () => {
  it('declines issuer-declined cards with Stripe codes, messages and outcomes', () => {
    const cases: [string, string, string | undefined, string][] = [
      ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline', 'Your card was declined.'],
      [
        'tok_visa_chargeDeclinedInsufficientFunds',
        'card_declined',
        'insufficient_funds',
        'Your card has insufficient funds.',
      ],
      ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card', 'Your card was declined.'],
      ['pm_card_visa_chargeDeclinedStolenCard', 'card_declined', 'stolen_card', 'Your card was declined.'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'Your card has expired.'],
      [
        'pm_card_chargeDeclinedIncorrectCvc',
        'incorrect_cvc',
        'incorrect_cvc',
        "Your card's security code is incorrect.",
      ],
      [
        'pm_card_chargeDeclinedProcessingError',
        'processing_error',
        'processing_error',
        'An error occurred while processing your card. Try again in a little bit.',
      ],
      [
        'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
        'card_declined',
        'card_velocity_exceeded',
        'Your card was declined.',
      ],
    ];
    for (const [id, code, declineCode, message] of cases) {
      const { behaviour } = byTestId(id);
      const decline = behaviour.decline;
      assert.ok(decline, id);
      assert.deepEqual([decline.code, decline.declineCode, decline.message], [code, declineCode, message], id);
      assert.equal(decline.outcome.type, 'issuer_declined', id);
      assert.equal(decline.outcome.network_status, 'declined_by_network', id);
      assert.equal(decline.outcome.reason, declineCode, id);
      assert.equal(behaviour.attachDeclines, true, `${id} refuses attachment`);
    }
    assert.equal(
      byTestId('pm_card_visa_chargeDeclined').behaviour.decline?.outcome.seller_message,
      'The bank did not return any further details with this decline.',
    );
    assert.equal(
      byTestId('pm_card_visa_chargeDeclinedInsufficientFunds').behaviour.decline?.outcome.seller_message,
      'The bank returned the decline code `insufficient_funds`.',
    );
  });

  it('lets chargeCustomerFail attach and decline only the charge', () => {
    const { behaviour } = byTestId('pm_card_chargeCustomerFail');
    assert.equal(behaviour.decline?.declineCode, 'generic_decline');
    assert.notEqual(behaviour.attachDeclines, true);
    assert.equal(byTestId('tok_visa_chargeCustomerFailLostCard').behaviour.decline?.declineCode, 'lost_card');
  });

  it('blocks Radar highest-risk cards as fraudulent', () => {
    for (const id of ['pm_card_radarBlock', 'pm_card_riskLevelHighest', 'tok_visa_chargeDeclinedFraudulent']) {
      const { behaviour } = byTestId(id);
      assert.equal(behaviour.decline?.code, 'card_declined', id);
      assert.equal(behaviour.decline?.declineCode, 'fraudulent', id);
      assert.equal(behaviour.decline?.outcome.type, 'blocked', id);
      assert.equal(behaviour.decline?.outcome.risk_level, 'highest', id);
      assert.equal(behaviour.risk?.level, 'highest', id);
    }
    assert.equal(byTestId('pm_card_riskLevelElevated').behaviour.risk?.level, 'elevated');
  });

  it('describes 3D Secure, checks, disputes, refunds and balance', () => {
    assert.equal(byTestId('pm_card_authenticationRequired').behaviour.threeDSecure, 'required');
    assert.equal(byTestId('pm_card_authenticationRequiredOnSetup').behaviour.threeDSecure, 'required_on_setup');
    assert.equal(byTestId('pm_card_threeDSecureOptional').behaviour.threeDSecure, 'optional');
    assert.equal(byTestId('pm_card_amex_threeDSecureNotSupported').behaviour.threeDSecure, 'not_supported');
    assert.equal(byTestId('pm_card_visa').behaviour.threeDSecure, undefined);
    const afterAuth = byTestId('pm_card_authenticationRequiredChargeDeclinedInsufficientFunds').behaviour;
    assert.equal(afterAuth.declineAfterAuthentication?.declineCode, 'insufficient_funds');
    assert.equal(afterAuth.decline, undefined);
    assert.deepEqual(byTestId('pm_card_avsFail').behaviour.checks, {
      address_line1_check: 'fail',
      address_postal_code_check: 'fail',
    });
    assert.equal(byTestId('pm_card_createDispute').behaviour.dispute?.reason, 'fraudulent');
    assert.equal(byTestId('pm_card_createDisputeInquiry').behaviour.dispute?.inquiry, true);
    assert.equal(byTestId('pm_card_createIssuerFraudRecord').behaviour.earlyFraudWarning, true);
    assert.equal(byTestId('pm_card_pendingRefund').behaviour.refund, 'pending');
    assert.equal(byTestId('pm_card_refundFail').behaviour.refund, 'fails');
    assert.equal(byTestId('pm_card_bypassPending').behaviour.bypassPending, true);
    assert.equal(byTestId('pm_card_bypassPendingInternational').country, 'IE');
  });
});

describe('brand detection', () => {
  it('reads the brand from the BIN', () => {
    const cases: [string, CardBrand][] = [
      ['4111111111111111', 'visa'],
      ['5105105105105100', 'mastercard'],
      ['5599000000000000', 'mastercard'],
      ['2221000000000009', 'mastercard'],
      ['2720990000000000', 'mastercard'],
      ['2721000000000000', 'unknown'],
      ['340000000000009', 'amex'],
      ['370000000000002', 'amex'],
      ['6011000000000004', 'discover'],
      ['6440000000000000', 'discover'],
      ['6490000000000000', 'discover'],
      ['6500000000000002', 'discover'],
      ['30000000000004', 'diners'],
      ['30500000000000', 'diners'],
      ['36000000000008', 'diners'],
      ['38000000000006', 'diners'],
      ['3528000000000007', 'jcb'],
      ['3589000000000003', 'jcb'],
      ['6212345678901265', 'unionpay'],
      ['1234567812345670', 'unknown'],
      ['9999999999999995', 'unknown'],
    ];
    for (const [number, brand] of cases) assert.equal(brandFromBin(number), brand, number);
  });

  it('profiles unlisted numbers as US credit cards with no behaviour, keyed by bin and last4', () => {
    const profile = cardProfile('4111 1111 1111 1111');
    assert.deepEqual(profile, {
      key: 'bin:411111:1111:16',
      number: '',
      last4: '1111',
      brand: 'visa',
      funding: 'credit',
      country: 'US',
      behaviour: {},
      aliases: [],
    });
    assert.deepEqual(cardByKey(profile.key), profile);
    assert.equal(cardProfile('378282246310005').key, 'amex_threeDSecureNotSupported');
    assert.equal(cardProfile('4242-4242-4242-4242').key, 'visa');
  });
});

describe('validateCard', () => {
  const good: RawCard = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };

  function rejects(card: Partial<RawCard>, code: string, message: string, param: string): void {
    const err = thrownStripeError(() => validateCard({ ...good, ...card }, NOW), JSON.stringify(card));
    assert.equal(err.kind, 'payment_failed');
    assert.equal(err.status, 402);
    assert.equal(err.type, 'card_error');
    assert.deepEqual([err.code, err.message, err.param], [code, message, param], JSON.stringify(card));
    assert.equal(err.declineCode, undefined);
  }

  it('accepts valid details, with spaces or dashes in the number and with or without a CVC', () => {
    validateCard(good, NOW);
    validateCard({ ...good, number: '4242 4242 4242 4242' }, NOW);
    validateCard({ ...good, number: '4242-4242-4242-4242' }, NOW);
    validateCard({ number: '4242424242424242', exp_month: 6, exp_year: 2025 }, NOW);
    validateCard({ ...good, cvc: '' }, NOW);
    for (const card of TEST_CARDS) validateCard({ ...good, number: card.number, cvc: undefined }, NOW);
  });

  it('rejects a number failing the Luhn check as incorrect', () => {
    const incorrect = 'Your card number is incorrect.';
    rejects({ number: '4242424242424241' }, 'incorrect_number', incorrect, 'card[number]');
    rejects({ number: '4242 4242 4242 4241' }, 'incorrect_number', incorrect, 'card[number]');
  });

  it('rejects a number of the wrong length or with other characters as invalid', () => {
    for (const number of [
      '',
      '4242',
      '42424242424',
      '42424242424242424242',
      '4242x24242424242',
      '４２４２4242424242',
    ]) {
      rejects({ number }, 'invalid_number', 'Your card number is invalid.', 'card[number]');
    }
  });

  it('rejects bad or past expiry months and years', () => {
    const month = "Your card's expiration month is invalid.";
    const year = "Your card's expiration year is invalid.";
    for (const exp_month of [0, 13, -1, 1.5, Number.NaN]) {
      rejects({ exp_month }, 'invalid_expiry_month', month, 'card[exp_month]');
    }
    rejects({ exp_year: 2024 }, 'invalid_expiry_year', year, 'card[exp_year]');
    rejects({ exp_year: 34 }, 'invalid_expiry_year', year, 'card[exp_year]');
    rejects({ exp_year: 2100 }, 'invalid_expiry_year', year, 'card[exp_year]');
    rejects({ exp_month: 5, exp_year: 2025 }, 'invalid_expiry_month', month, 'card[exp_month]');
    rejects({ exp_month: 13, exp_year: 2020 }, 'invalid_expiry_month', month, 'card[exp_month]');
  });

  it('rejects a CVC of the wrong length; Amex takes 3 or 4 digits', () => {
    const invalid = "Your card's security code is invalid.";
    for (const cvc of ['12', '1234', '12a', ' 123']) rejects({ cvc }, 'invalid_cvc', invalid, 'card[cvc]');
    validateCard({ ...good, number: '378282246310005', cvc: '1234' }, NOW);
    validateCard({ ...good, number: '378282246310005', cvc: '123' }, NOW);
    rejects({ number: '378282246310005', cvc: '12345' }, 'invalid_cvc', invalid, 'card[cvc]');
  });

  it('checks the number first, then the expiry, then the CVC', () => {
    rejects(
      { number: '4242424242424241', exp_month: 13, cvc: '1' },
      'incorrect_number',
      'Your card number is incorrect.',
      'card[number]',
    );
    rejects(
      { exp_year: 2020, cvc: '1' },
      'invalid_expiry_year',
      "Your card's expiration year is invalid.",
      'card[exp_year]',
    );
  });
});

describe('fingerprint', () => {
  it('is 16 alphanumeric characters, stable per account and number', () => {
    const a = fingerprint('acct_1', '4242424242424242');
    assert.match(a, /^[0-9A-Za-z]{16}$/);
    assert.equal(fingerprint('acct_1', '4242424242424242'), a);
    assert.notEqual(fingerprint('acct_2', '4242424242424242'), a);
    assert.notEqual(fingerprint('acct_1', '4000056655665556'), a);
    assert.ok(!a.includes('4242'));
  });
});

describe('card sub-objects', () => {
  const visa = byTestId('pm_card_visa');
  const pmInput = {
    card: visa,
    last4: visa.last4,
    exp_month: 12,
    exp_year: 2034,
    fingerprint: fingerprint('acct_1', visa.number),
    cvcProvided: true,
    addressProvided: { line1: false, postal_code: true },
  };

  it('renders PaymentMethod.card with every SDK field, keys in order', () => {
    const card = paymentMethodCard(pmInput);
    const typed: Stripe.PaymentMethod.Card = card;
    assertShape(typed, 'PaymentMethod.Card');
    assert.ok(isSorted(Object.keys(card)), Object.keys(card).join());
    assert.deepEqual(card.checks, { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' });
    assert.deepEqual(card.networks, { available: ['visa'], preferred: null });
    assert.equal(card.display_brand, 'visa');
    assert.deepEqual(card.three_d_secure_usage, { supported: true });
  });

  it('reports failing checks only for values that were provided', () => {
    const cvcFail = byTestId('pm_card_cvcCheckFail');
    assert.equal(paymentMethodCard({ ...pmInput, card: cvcFail }).checks?.cvc_check, 'fail');
    assert.equal(paymentMethodCard({ ...pmInput, card: cvcFail, cvcProvided: false }).checks?.cvc_check, null);
    const unchecked = paymentMethodCard({
      ...pmInput,
      card: byTestId('pm_card_avsUnchecked'),
      addressProvided: { line1: true, postal_code: true },
    });
    assert.equal(unchecked.checks?.address_line1_check, 'unavailable');
  });

  it('renders brands, co-brands and 3DS support', () => {
    const amex = paymentMethodCard({ ...pmInput, card: byTestId('pm_card_amex_threeDSecureNotSupported') });
    assert.deepEqual(
      [amex.brand, amex.display_brand, amex.three_d_secure_usage],
      ['amex', 'american_express', { supported: false }],
    );
    const cb = paymentMethodCard({ ...pmInput, card: byTestId('pm_card_visa_cartesBancaires') });
    assert.deepEqual(cb.networks.available, ['cartes_bancaires', 'visa']);
    assert.equal(cb.country, 'FR');
  });

  it('renders Charge.payment_method_details.card with every SDK field, keys in order', () => {
    const pmCard = paymentMethodCard(pmInput);
    const base = {
      pmCard,
      amount: 2000,
      authorized: true,
      manualCapture: false,
      captureBefore: NOW + 7 * 86_400,
      threeDSecure: null,
      networkTransactionId: networkTransactionId('ch_1'),
    };
    const automatic = chargeCardDetails(base);
    const typed: Stripe.Charge.PaymentMethodDetails.Card = automatic;
    assertShape(typed, 'Charge.PaymentMethodDetails.Card');
    assert.ok(isSorted(Object.keys(automatic)), Object.keys(automatic).join());
    assert.equal('capture_before' in automatic, false);
    assert.equal(automatic.amount_authorized, 2000);
    assert.match(automatic.network_transaction_id ?? '', /^\d{15}$/);
    assert.equal(automatic.network, 'visa');

    const manual = chargeCardDetails({
      ...base,
      manualCapture: true,
      threeDSecure: { result: 'authenticated', authenticationFlow: 'challenge' },
    });
    assertShape(manual, 'Charge.PaymentMethodDetails.Card');
    assert.ok(isSorted(Object.keys(manual)), Object.keys(manual).join());
    assert.equal(manual.capture_before, NOW + 7 * 86_400);
    assert.ok(manual.three_d_secure);
    assertShape(manual.three_d_secure, 'Charge.PaymentMethodDetails.Card.ThreeDSecure');
    assert.ok(isSorted(Object.keys(manual.three_d_secure)));
    assert.deepEqual(
      [manual.three_d_secure.result, manual.three_d_secure.version, manual.electronic_commerce_indicator],
      ['authenticated', '2.2.0', '05'],
    );

    const declined = chargeCardDetails({ ...base, authorized: false });
    assert.deepEqual([declined.amount_authorized, declined.network_transaction_id], [null, null]);
  });
});
