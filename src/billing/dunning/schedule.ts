/**
 * When a failed automatic invoice payment is tried again.
 *
 * Schedule: with `tries` attempts in a window of `windowDays`, the first attempt is at time 0 and
 * retry k (k = 1 … tries − 1) is due `round(windowDays × k / (tries − 1))` days after the first
 * attempt — evenly spread, the last one at the end of the window. For Stripe's recommended default
 * (8 tries, 2 weeks) that is days 2, 4, 6, 8, 10, 12 and 14. (Stripe's Smart Retries pick the
 * times with a model; an even spread is the documented, predictable stand-in.)
 *
 * No retry follows a hard decline (the card will not work again: lost, stolen, expired, fraud,
 * invalid number or account, revoked authorisation, unsupported card or currency — Stripe's list
 * of decline codes Smart Retries skip) or an attempt without a payment method.
 */

const DAY = 86_400;

/** Decline codes that are never retried. */
export const HARD_DECLINES: ReadonlySet<string> = new Set([
  'card_not_supported',
  'currency_not_supported',
  'expired_card',
  'fraudulent',
  'incorrect_number',
  'invalid_account',
  'invalid_number',
  'lost_card',
  'merchant_blacklist',
  'pickup_card',
  'restricted_card',
  'revocation_of_all_authorizations',
  'revocation_of_authorization',
  'security_violation',
  'stolen_card',
  'stop_payment_order',
]);

/** Seconds after the first attempt at which retry `k` (1-based) is due. */
export function retryOffset(k: number, tries: number, windowDays: number): number {
  return Math.round((windowDays * k) / (tries - 1)) * DAY;
}

/**
 * When the next automatic attempt is due after `attemptsMade` attempts (the first at
 * `firstAttemptAt`), or null when the schedule is used up.
 */
export function nextAttemptAt(
  firstAttemptAt: number,
  attemptsMade: number,
  settings: { tries: number; windowDays: number },
): number | null {
  if (attemptsMade >= settings.tries) return null;
  return firstAttemptAt + retryOffset(attemptsMade, settings.tries, settings.windowDays);
}

/** Whether a failure with `declineCode` (or without a payment method) may be retried at all. */
export function retryable(failure: { declineCode: string | null; noPaymentMethod: boolean }): boolean {
  if (failure.noPaymentMethod) return false;
  return failure.declineCode === null || !HARD_DECLINES.has(failure.declineCode);
}
