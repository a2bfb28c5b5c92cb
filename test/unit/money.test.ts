/**
 * Unit tests of the money modules: the currency table (decimals, minimums, maximums, Stripe's error
 * messages, amount formatting) and the fee table (every pricing row, custom pricing, conversions
 * into zero- and three-decimal currencies, dispute and instant payout fees).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkChargeAmount,
  currency,
  formatAmount,
  MAX_AMOUNT,
  requireCurrency,
  SUPPORTED_CURRENCIES,
} from '../../src/money/currencies.js';
import {
  cardProcessingFee,
  defaultCurrencyForCountry,
  disputeFee,
  instantPayoutFee,
  isDomesticCard,
  isSupportedAccountCountry,
} from '../../src/money/pricing.js';
import { thrownStripeError } from '../support/errors.js';

/** The processing fee amount for a charge, asserting the rest of the fee detail. */
function fee(accountCountry: string, cardCountry: string | null, code: string, amount: number): number {
  const detail = cardProcessingFee({ accountCountry, cardCountry, currency: code, amount });
  assert.equal(detail.currency, code);
  assert.equal(detail.description, 'Stripe processing fees');
  assert.equal(detail.type, 'stripe_fee');
  return detail.amount;
}

describe('currency', () => {
  it('knows decimals: two by default, zero, three, and whole-unit special cases', () => {
    assert.equal(currency('usd')?.decimals, 2);
    assert.equal(currency('eur')?.decimals, 2);
    for (const code of ['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv']) {
      assert.equal(currency(code)?.decimals, 0, code);
    }
    for (const code of ['xaf', 'xof', 'xpf']) assert.equal(currency(code)?.decimals, 0, code);
    for (const code of ['bhd', 'jod', 'kwd', 'omr', 'tnd']) assert.equal(currency(code)?.decimals, 3, code);
    // ISK and UGX: two-decimal in the API, whole units only.
    assert.deepEqual(currency('isk'), { code: 'isk', decimals: 2, minimumCharge: 100, wholeUnitsOnly: true });
    assert.equal(currency('ugx')?.decimals, 2);
    assert.equal(currency('ugx')?.wholeUnitsOnly, true);
  });

  it('is case-insensitive and answers undefined for codes Stripe does not accept', () => {
    assert.equal(currency('USD')?.code, 'usd');
    assert.equal(currency('xyz'), undefined);
    assert.equal(currency(''), undefined);
    assert.equal(currency('euro'), undefined);
  });

  it("lists Stripe's codes in Stripe's order, once each", () => {
    assert.equal(SUPPORTED_CURRENCIES[0], 'usd');
    assert.equal(SUPPORTED_CURRENCIES.at(-1), 'mro');
    assert.equal(new Set(SUPPORTED_CURRENCIES).size, SUPPORTED_CURRENCIES.length);
    assert.ok(SUPPORTED_CURRENCIES.every((code) => /^[a-z]{3,4}$/.test(code)));
    assert.ok(SUPPORTED_CURRENCIES.length > 135);
  });

  it('has the published minimum charges, and a documented fallback for the rest', () => {
    const expected: Record<string, number> = {
      usd: 50,
      aed: 200,
      aud: 50,
      cad: 50,
      chf: 50,
      czk: 1500,
      dkk: 250,
      eur: 50,
      gbp: 30,
      hkd: 400,
      huf: 17500,
      inr: 50,
      jpy: 50,
      krw: 50,
      mxn: 1000,
      myr: 200,
      nok: 300,
      nzd: 50,
      pln: 200,
      ron: 200,
      sek: 300,
      sgd: 50,
      thb: 1000,
      zar: 50,
    };
    for (const [code, minimum] of Object.entries(expected)) assert.equal(currency(code)?.minimumCharge, minimum, code);
    assert.equal(currency('kes')?.minimumCharge, 50);
    assert.equal(currency('vnd')?.minimumCharge, 1);
    assert.equal(currency('kwd')?.minimumCharge, 50);
  });
});

describe('requireCurrency', () => {
  it("throws Stripe's invalid-currency error with the whole list", () => {
    const err = thrownStripeError(() => requireCurrency('xyz'));
    assert.equal(err.type, 'invalid_request_error');
    assert.equal(err.status, 400);
    assert.equal(err.code, undefined);
    assert.equal(err.param, 'currency');
    assert.equal(
      err.message,
      `Invalid currency: xyz. Stripe currently supports these currencies: ${SUPPORTED_CURRENCIES.join(', ')}`,
    );
    assert.ok(
      err.message.startsWith('Invalid currency: xyz. Stripe currently supports these currencies: usd, aed, afn,'),
    );
  });

  it('names the parameter it was given and accepts any case', () => {
    assert.equal(
      thrownStripeError(() => requireCurrency('EURO', 'price_data[currency]')).param,
      'price_data[currency]',
    );
    assert.ok(thrownStripeError(() => requireCurrency('EURO')).message.startsWith('Invalid currency: euro.'));
    assert.equal(requireCurrency('GBP').code, 'gbp');
  });
});

describe('checkChargeAmount', () => {
  const tooSmall = (amount: number, code: string) => {
    const err = thrownStripeError(() => checkChargeAmount(amount, code), `${amount} ${code}`);
    assert.equal(err.code, 'amount_too_small');
    assert.equal(err.param, 'amount');
    assert.equal(err.status, 400);
    return err.message;
  };

  it("refuses amounts under the currency's minimum with Stripe's message", () => {
    assert.equal(tooSmall(49, 'usd'), 'Amount must be at least $0.50 usd');
    assert.equal(tooSmall(49, 'eur'), 'Amount must be at least €0.50 eur');
    assert.equal(tooSmall(29, 'gbp'), 'Amount must be at least £0.30 gbp');
    assert.equal(tooSmall(49, 'jpy'), 'Amount must be at least ¥50 jpy');
    assert.equal(tooSmall(49, 'cad'), 'Amount must be at least $0.50 cad');
    assert.equal(tooSmall(49, 'aud'), 'Amount must be at least $0.50 aud');
    assert.equal(tooSmall(199, 'aed'), 'Amount must be at least د.إ2.00 aed');
    assert.equal(tooSmall(17499, 'huf'), 'Amount must be at least HUF 175.00 huf');
    assert.equal(tooSmall(299, 'sek'), 'Amount must be at least SEK 3.00 sek');
    assert.equal(tooSmall(0, 'usd'), 'Amount must be at least $0.50 usd');
    assert.equal(tooSmall(-100, 'usd'), 'Amount must be at least $0.50 usd');
  });

  it('uses the fallback minimum for unlisted currencies', () => {
    assert.equal(tooSmall(49, 'kes'), 'Amount must be at least KES 0.50 kes');
    assert.equal(tooSmall(0, 'vnd'), 'Amount must be at least VND 1 vnd');
    assert.equal(tooSmall(40, 'kwd'), 'Amount must be at least KWD 0.050 kwd');
    assert.doesNotThrow(() => checkChargeAmount(1, 'vnd'));
  });

  it('accepts the minimum and the eight-digit maximum', () => {
    for (const [amount, code] of [
      [50, 'usd'],
      [30, 'gbp'],
      [50, 'jpy'],
      [MAX_AMOUNT, 'usd'],
      [MAX_AMOUNT, 'jpy'],
    ] as const) {
      assert.doesNotThrow(() => checkChargeAmount(amount, code), `${amount} ${code}`);
    }
  });

  it('refuses more than eight digits with amount_too_large', () => {
    const usd = thrownStripeError(() => checkChargeAmount(MAX_AMOUNT + 1, 'usd'));
    assert.equal(usd.code, 'amount_too_large');
    assert.equal(usd.param, 'amount');
    assert.equal(usd.message, 'Amount must be no more than $999,999.99');
    assert.equal(
      thrownStripeError(() => checkChargeAmount(1e9, 'jpy')).message,
      'Amount must be no more than ¥99,999,999',
    );
  });

  it('requires three-decimal amounts to end in 0', () => {
    assert.doesNotThrow(() => checkChargeAmount(5120, 'kwd'));
    const err = thrownStripeError(() => checkChargeAmount(5124, 'kwd'));
    assert.equal(err.code, 'invalid_charge_amount');
    assert.equal(err.param, 'amount');
    assert.match(err.message, /^Invalid amount\. Currency KWD is a three-decimal currency .* divisible by 10\./);
    for (const code of ['bhd', 'jod', 'omr', 'tnd']) assert.throws(() => checkChargeAmount(1001, code), code);
  });

  it('requires whole units for ISK and UGX', () => {
    assert.doesNotThrow(() => checkChargeAmount(500, 'isk'));
    const err = thrownStripeError(() => checkChargeAmount(4010, 'isk'));
    assert.equal(err.code, 'invalid_charge_amount_no_decimal_compatible');
    assert.equal(
      err.message,
      'Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.',
    );
    assert.equal(
      thrownStripeError(() => checkChargeAmount(150, 'ugx')).code,
      'invalid_charge_amount_no_decimal_compatible',
    );
    assert.equal(thrownStripeError(() => checkChargeAmount(50, 'isk')).message, 'Amount must be at least ISK 1.00 isk');
  });

  it('reports the parameter it was given, and an unsupported currency on `currency`', () => {
    assert.equal(thrownStripeError(() => checkChargeAmount(1, 'usd', 'unit_amount')).param, 'unit_amount');
    const err = thrownStripeError(() => checkChargeAmount(1000, 'xyz'));
    assert.equal(err.param, 'currency');
    assert.ok(err.message.startsWith('Invalid currency: xyz.'));
  });
});

describe('formatAmount', () => {
  it('writes symbols before the number, with the currency decimals and US grouping', () => {
    assert.equal(formatAmount(2000, 'usd'), '$20.00');
    assert.equal(formatAmount(500, 'jpy'), '¥500');
    assert.equal(formatAmount(500, 'eur'), '€5.00');
    assert.equal(formatAmount(30, 'gbp'), '£0.30');
    assert.equal(formatAmount(5, 'usd'), '$0.05');
    assert.equal(formatAmount(0, 'usd'), '$0.00');
    assert.equal(formatAmount(99_999_999, 'usd'), '$999,999.99');
    assert.equal(formatAmount(123_456_789, 'jpy'), '¥123,456,789');
    assert.equal(formatAmount(-500, 'usd'), '-$5.00');
    assert.equal(formatAmount(5000, 'pkr'), '₨50.00');
  });

  it('puts USh after the number, and the code before it when no symbol is known', () => {
    assert.equal(formatAmount(100, 'ugx'), '1.00 USh');
    assert.equal(formatAmount(500, 'chf'), 'CHF 5.00');
    assert.equal(formatAmount(5120, 'kwd'), 'KWD 5.120');
    assert.equal(formatAmount(1_234_567, 'sek'), 'SEK 12,345.67');
    assert.equal(formatAmount(1500, 'vnd'), 'VND 1,500');
    assert.equal(formatAmount(500, 'XYZ'), 'XYZ 5.00');
    assert.equal(formatAmount(500, 'USD'), '$5.00');
  });
});

describe('cardProcessingFee', () => {
  it('$100.00 on a US account with a US card: fee 320, net 9680', () => {
    const detail = cardProcessingFee({ accountCountry: 'US', cardCountry: 'US', currency: 'usd', amount: 10000 });
    assert.deepEqual(detail, {
      amount: 320,
      currency: 'usd',
      description: 'Stripe processing fees',
      type: 'stripe_fee',
    });
    assert.equal(10000 - detail.amount, 9680);
  });

  it('prices every standard row, domestic and international', () => {
    // US: 2.9% + 30¢ / 3.4% + 30¢
    assert.equal(fee('US', 'US', 'usd', 10000), 290 + 30);
    assert.equal(fee('US', 'GB', 'usd', 10000), 340 + 30);
    // EEA: 1.4% + €0.25 for EEA cards (any EEA country, including NO/IS/LI) / 2.9% + €0.25
    assert.equal(fee('FR', 'FR', 'eur', 10000), 140 + 25);
    assert.equal(fee('FR', 'DE', 'eur', 10000), 140 + 25);
    assert.equal(fee('DE', 'NO', 'eur', 10000), 140 + 25);
    assert.equal(fee('IE', 'LI', 'eur', 10000), 140 + 25);
    assert.equal(fee('FR', 'US', 'eur', 10000), 290 + 25);
    assert.equal(fee('FR', 'GB', 'eur', 10000), 290 + 25);
    // UK: 1.4% + 20p / 2.9% + 20p (an EEA card is international for a UK account)
    assert.equal(fee('GB', 'GB', 'gbp', 10000), 140 + 20);
    assert.equal(fee('GB', 'FR', 'gbp', 10000), 290 + 20);
    assert.equal(fee('GB', 'US', 'gbp', 10000), 290 + 20);
    // AU: 1.75% + A$0.30 / 3.4% + A$0.30
    assert.equal(fee('AU', 'AU', 'aud', 10000), 175 + 30);
    assert.equal(fee('AU', 'NZ', 'aud', 10000), 340 + 30);
  });

  it('uses the published local fixed fee for EEA accounts charging in a non-euro EEA currency', () => {
    assert.equal(fee('SE', 'SE', 'sek', 10000), 140 + 180);
    assert.equal(fee('DK', 'DE', 'dkk', 10000), 140 + 180);
    assert.equal(fee('PL', 'US', 'pln', 10000), 290 + 100);
    assert.equal(fee('CZ', 'CZ', 'czk', 10000), 140 + 650);
  });

  it('prices other account countries US-style with the local equivalent of 30¢', () => {
    assert.equal(fee('CA', 'CA', 'cad', 10000), 290 + 41); // 0.30 × 1.37 = C$0.411
    assert.equal(fee('CA', 'US', 'cad', 10000), 340 + 41);
    assert.equal(fee('JP', 'JP', 'jpy', 10000), 290 + 45); // 0.30 × 150 = ¥45
  });

  it('is case-insensitive on countries and treats an unknown card country as domestic', () => {
    assert.equal(fee('us', 'us', 'usd', 10000), 320);
    assert.equal(fee('US', null, 'usd', 10000), 320);
    assert.equal(
      cardProcessingFee({ accountCountry: 'US', cardCountry: 'US', currency: 'USD', amount: 10000 }).currency,
      'usd',
    );
  });

  it('applies custom pricing to domestic and international cards alike', () => {
    const custom = { percent: 2.4, fixed: 30 };
    for (const cardCountry of ['US', 'GB', null]) {
      const detail = cardProcessingFee({ accountCountry: 'US', cardCountry, currency: 'usd', amount: 10000, custom });
      assert.equal(detail.amount, 240 + 30, String(cardCountry));
    }
    // The custom fixed part is in the pricing currency (eur for an EEA account) and is converted.
    assert.equal(
      cardProcessingFee({
        accountCountry: 'FR',
        cardCountry: 'FR',
        currency: 'eur',
        amount: 10000,
        custom: { percent: 1.2, fixed: 10 },
      }).amount,
      120 + 10,
    );
    // No custom pricing (null) means standard pricing.
    assert.equal(
      cardProcessingFee({ accountCountry: 'US', cardCountry: 'US', currency: 'usd', amount: 10000, custom: null })
        .amount,
      320,
    );
  });

  it('converts the fixed part into the charge currency, whole units for zero-decimal currencies', () => {
    assert.equal(fee('US', 'US', 'jpy', 10000), 290 + 45); // ¥10,000: 2.9% = ¥290, 30¢ ≈ ¥45
    assert.equal(fee('US', 'US', 'krw', 100000), 2900 + 405); // 30¢ × 1350 = ₩405
    assert.equal(fee('US', 'US', 'eur', 10000), 290 + 28); // 30¢ × 0.92 = €0.276
    assert.equal(fee('GB', 'GB', 'usd', 10000), 140 + 25); // 20p / 0.79 = $0.253
    assert.equal(fee('FR', 'FR', 'jpy', 10000), 140 + 41); // €0.25 / 0.92 × 150 = ¥40.76
    for (const code of ['jpy', 'krw', 'vnd', 'clp']) {
      assert.ok(Number.isInteger(fee('US', 'US', code, 12345)), code);
    }
  });

  it('handles three-decimal currencies in their own minor unit', () => {
    // 10.000 KWD: 2.9% = 0.290 KWD; 30¢ × 0.307 = 0.0921 KWD → 92 fils
    assert.equal(fee('US', 'US', 'kwd', 10000), 290 + 92);
  });

  it('rounds the percentage to the nearest minor unit, halves up', () => {
    assert.equal(fee('US', 'US', 'usd', 50), 1 + 30); // 1.45 → 1
    assert.equal(fee('US', 'US', 'usd', 150), 4 + 30); // 4.35 → 4
    assert.equal(fee('US', 'US', 'usd', 1000), 29 + 30);
    const half = cardProcessingFee({
      accountCountry: 'US',
      cardCountry: 'US',
      currency: 'usd',
      amount: 10,
      custom: { percent: 5, fixed: 0 },
    });
    assert.equal(half.amount, 1); // 0.5 → 1
    assert.equal(fee('AU', 'AU', 'aud', 200), 4 + 30); // 3.5 → 4
    assert.equal(fee('US', 'US', 'usd', 0), 30);
    assert.equal(fee('US', 'US', 'usd', 999_999_999_999), 29_000_000_000 + 30); // exact at 12 digits
  });

  it('rejects amounts and currencies that validation should have refused', () => {
    const input = { accountCountry: 'US', cardCountry: 'US', currency: 'usd' };
    assert.throws(() => cardProcessingFee({ ...input, amount: -1 }), RangeError);
    assert.throws(() => cardProcessingFee({ ...input, amount: 1.5 }), RangeError);
    assert.throws(() => cardProcessingFee({ ...input, amount: 100, currency: 'xyz' }), RangeError);
  });
});

describe('isDomesticCard', () => {
  it('compares countries, with the EEA as one domestic area', () => {
    assert.equal(isDomesticCard('US', 'US'), true);
    assert.equal(isDomesticCard('US', 'CA'), false);
    assert.equal(isDomesticCard('NL', 'IS'), true);
    assert.equal(isDomesticCard('NO', 'ES'), true);
    assert.equal(isDomesticCard('NL', 'CH'), false);
    assert.equal(isDomesticCard('GB', 'IE'), false);
    assert.equal(isDomesticCard('AU', null), true);
  });
});

describe('disputeFee', () => {
  it('charges each region its dispute fee in its own currency', () => {
    assert.deepEqual(disputeFee('US', 'usd'), {
      amount: 1500,
      currency: 'usd',
      description: 'Dispute fee',
      type: 'stripe_fee',
    });
    assert.equal(disputeFee('FR', 'eur').amount, 2000);
    assert.equal(disputeFee('DE', 'eur').amount, 2000);
    assert.equal(disputeFee('GB', 'gbp').amount, 2000);
    assert.equal(disputeFee('AU', 'aud').amount, 2500);
  });

  it('converts into another currency and prices other countries at the local equivalent of $15', () => {
    assert.equal(disputeFee('US', 'eur').amount, 1380); // $15 × 0.92
    assert.equal(disputeFee('US', 'jpy').amount, 2250); // $15 × 150, whole yen
    assert.equal(disputeFee('JP', 'jpy').amount, 2250);
    assert.equal(disputeFee('CA', 'cad').amount, 2055); // $15 × 1.37
    assert.equal(disputeFee('gb', 'GBP').currency, 'gbp');
  });
});

describe('instantPayoutFee', () => {
  it('charges 1.5% with a minimum of 50¢ or its equivalent', () => {
    assert.deepEqual(instantPayoutFee(10000, 'usd'), {
      amount: 150,
      currency: 'usd',
      description: 'Instant payout fee',
      type: 'stripe_fee',
    });
    assert.equal(instantPayoutFee(1000, 'usd').amount, 50); // 1.5% = 15 < 50
    assert.equal(instantPayoutFee(3333, 'usd').amount, 50); // 49.995 → 50
    assert.equal(instantPayoutFee(100_000, 'usd').amount, 1500);
    assert.equal(instantPayoutFee(1000, 'eur').amount, 46); // 50¢ × 0.92
    assert.equal(instantPayoutFee(1000, 'jpy').amount, 75); // 50¢ × 150
    assert.equal(instantPayoutFee(100_000, 'jpy').amount, 1500);
  });
});

describe('defaultCurrencyForCountry and isSupportedAccountCountry', () => {
  it('maps countries to their default currency, the euro area to eur and unknown countries to usd', () => {
    const expected: Record<string, string> = {
      US: 'usd',
      GB: 'gbp',
      AU: 'aud',
      CA: 'cad',
      JP: 'jpy',
      CH: 'chf',
      SE: 'sek',
      DK: 'dkk',
      NO: 'nok',
      PL: 'pln',
      CZ: 'czk',
      HU: 'huf',
      RO: 'ron',
      NZ: 'nzd',
      SG: 'sgd',
      HK: 'hkd',
      MX: 'mxn',
      BR: 'brl',
      IN: 'inr',
      FR: 'eur',
      DE: 'eur',
      IE: 'eur',
      HR: 'eur',
      NL: 'eur',
      ES: 'eur',
      IT: 'eur',
    };
    for (const [country, code] of Object.entries(expected)) {
      assert.equal(defaultCurrencyForCountry(country), code, country);
      assert.ok(currency(code), code);
    }
    assert.equal(defaultCurrencyForCountry('fr'), 'eur');
    assert.equal(defaultCurrencyForCountry('ZZ'), 'usd');
  });

  it('knows which countries can hold an account', () => {
    for (const country of ['US', 'GB', 'AU', 'FR', 'DE', 'CA', 'JP', 'CH', 'NO', 'SG', 'fr']) {
      assert.equal(isSupportedAccountCountry(country), true, country);
    }
    for (const country of ['KP', 'ZZ', '', 'USA']) assert.equal(isSupportedAccountCountry(country), false, country);
  });
});
