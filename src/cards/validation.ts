/**
 * Validation of raw card details (`card[number]`, `card[exp_month]`, …), as Stripe answers them when
 * a PaymentMethod or token is created: HTTP 402 `card_error`s with the parameter that is wrong.
 * Checked in the order number, expiry month, expiry year, CVC; the first problem is reported.
 */
import { StripeError } from '../platform/errors.js';
import { luhnValid } from '../platform/pan.js';
import { brandFromBin, normalizeCardNumber } from './network.js';

/** The Luhn check is shared with PAN redaction, so both agree on what a card number is. */
export { luhnValid };

export interface RawCard {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string;
}

/** How far ahead an expiry year may lie (Sandbank's bound; Stripe does not document one). */
const MAX_YEARS_AHEAD = 50;

function cardError(code: string, message: string, param: string): StripeError {
  return new StripeError({ kind: 'payment_failed', type: 'card_error', code, message, param: `card[${param}]` });
}

/**
 * Throws the `card_error` Stripe gives for bad card details. `nowUnixSeconds` decides whether the
 * expiry is past: a card is valid through the last day of its expiry month (UTC). Spaces and dashes
 * in the number are ignored; an empty CVC counts as not provided.
 */
export function validateCard(card: RawCard, nowUnixSeconds: number): void {
  const number = normalizeCardNumber(card.number);
  // Card numbers are 12 to 19 digits long (ISO/IEC 7812).
  if (!/^\d{12,19}$/.test(number)) throw cardError('invalid_number', 'Your card number is invalid.', 'number');
  if (!luhnValid(number)) throw cardError('incorrect_number', 'Your card number is incorrect.', 'number');

  const badMonth = () => cardError('invalid_expiry_month', "Your card's expiration month is invalid.", 'exp_month');
  const badYear = () => cardError('invalid_expiry_year', "Your card's expiration year is invalid.", 'exp_year');
  const now = new Date(nowUnixSeconds * 1000);
  const year = now.getUTCFullYear();
  if (!Number.isInteger(card.exp_month) || card.exp_month < 1 || card.exp_month > 12) throw badMonth();
  if (!Number.isInteger(card.exp_year) || card.exp_year < year || card.exp_year > year + MAX_YEARS_AHEAD) {
    throw badYear();
  }
  // Stripe's API reports an expiry earlier this year as a bad month ("…in the past" is Stripe.js wording).
  if (card.exp_year === year && card.exp_month < now.getUTCMonth() + 1) throw badMonth();

  if (card.cvc !== undefined && card.cvc !== '') {
    // Most Amex cards have 4-digit codes but some have 3, and Stripe accepts both for Amex.
    const lengths = brandFromBin(number) === 'amex' ? [3, 4] : [3];
    if (!/^\d+$/.test(card.cvc) || !lengths.includes(card.cvc.length)) {
      throw cardError('invalid_cvc', "Your card's security code is invalid.", 'cvc');
    }
  }
}
