/**
 * The bounds on custom pricing (sandbank/routes.ts) keep fee arithmetic exact: the largest fixed fee
 * and percentage, on the largest card amount, give a safe integer fee for every account country and
 * every currency, whatever conversion the fixed part goes through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CARD_AMOUNT, SUPPORTED_CURRENCIES } from '../../src/money/currencies.js';
import { cardProcessingFee, isSupportedAccountCountry } from '../../src/money/pricing.js';
import { MAX_FIXED_FEE } from '../../src/sandbank/routes.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const COUNTRIES = [...LETTERS].flatMap((a) => [...LETTERS].map((b) => a + b)).filter(isSupportedAccountCountry);

describe('custom pricing bounds', () => {
  it('give a safe integer fee for every account country and currency', () => {
    assert.ok(COUNTRIES.length > 40);
    let largest = 0;
    for (const accountCountry of COUNTRIES) {
      for (const currency of SUPPORTED_CURRENCIES) {
        const fee = cardProcessingFee({
          accountCountry,
          cardCountry: 'US',
          currency,
          amount: MAX_CARD_AMOUNT,
          custom: { percent: 100, fixed: MAX_FIXED_FEE },
        });
        assert.ok(Number.isSafeInteger(fee.amount), `${accountCountry} ${currency}: ${fee.amount}`);
        largest = Math.max(largest, fee.amount);
      }
    }
    // Orders of magnitude below 2^53, so sums of many such fees stay exact too.
    assert.ok(largest < 2 ** 53 / 1000, String(largest));
  });

  it('keep a four-decimal percentage exact', () => {
    const fee = cardProcessingFee({
      accountCountry: 'US',
      cardCountry: 'US',
      currency: 'usd',
      amount: 10_000_000,
      custom: { percent: 2.1234, fixed: 0 },
    });
    assert.equal(fee.amount, 212_340);
  });
});
