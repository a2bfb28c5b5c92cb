/**
 * What the simulated card network and issuer decide when a card is used: authorise, decline, or ask
 * for 3-D Secure first. One function for payments and one for setups, both driven only by the test
 * card's documented behaviour (cards/network.ts) and the circumstances of the attempt.
 */
import type { ThreeDSecureInput } from '../cards/details.js';
import type { Decline, TestCard } from '../cards/network.js';
import { StripeError } from '../platform/errors.js';

export interface Attempt {
  /** The customer is not present (`off_session=true`): nobody can authenticate. */
  offSession: boolean;
  /** The card was set up for off-session use earlier (a SetupIntent or `setup_future_usage`). */
  setUpForOffSession: boolean;
  /** The cardholder completed a 3-D Secure challenge for this attempt. */
  authenticated: boolean;
  /** `payment_method_options[card][request_three_d_secure]`. */
  requestThreeDSecure: 'automatic' | 'any' | 'challenge';
}

export type Decision =
  | { result: 'requires_action' }
  | { result: 'declined'; decline: Decline; threeDSecure: ThreeDSecureInput | null }
  | { result: 'authorized'; threeDSecure: ThreeDSecureInput | null };

/** Off-session attempts that would need authentication fail like this (Stripe's exact shape). */
export const AUTHENTICATION_REQUIRED: Decline = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
  outcome: {
    network_status: 'declined_by_network',
    reason: 'authentication_required',
    risk_level: 'normal',
    seller_message: 'The bank returned the decline code `authentication_required`.',
    type: 'issuer_declined',
  },
};

/** Whether the issuer asks for a challenge on this payment. */
function challengeNeeded(card: TestCard, a: Attempt): boolean {
  switch (card.behaviour.threeDSecure) {
    case 'required':
      return true;
    case 'required_on_setup':
      return !(a.offSession && a.setUpForOffSession);
    case 'required_unless_setup_off_session':
      return !a.offSession;
    case 'frictionless':
    case 'not_supported':
      return false;
    default:
      // Supported cards authenticate when the merchant asks for it.
      return a.requestThreeDSecure !== 'automatic' && card.behaviour.threeDSecure !== undefined;
  }
}

function threeDSecureResult(card: TestCard, a: Attempt): ThreeDSecureInput | null {
  if (a.authenticated) return { result: 'authenticated', authenticationFlow: 'challenge' };
  if (card.behaviour.threeDSecure === 'frictionless')
    return { result: 'authenticated', authenticationFlow: 'frictionless' };
  if (a.requestThreeDSecure !== 'automatic' && card.behaviour.threeDSecure === undefined) {
    return { result: 'attempt_acknowledged', authenticationFlow: null };
  }
  return null;
}

/** The network's answer to a payment attempt with `card`. */
export function authorizePayment(card: TestCard, a: Attempt): Decision {
  const b = card.behaviour;
  if (b.risk?.blocked && b.decline) return { result: 'declined', decline: b.decline, threeDSecure: null };
  if (!a.authenticated && challengeNeeded(card, a)) {
    if (a.offSession) return { result: 'declined', decline: AUTHENTICATION_REQUIRED, threeDSecure: null };
    return { result: 'requires_action' };
  }
  const threeDSecure = threeDSecureResult(card, a);
  if (a.authenticated && b.declineAfterAuthentication) {
    return { result: 'declined', decline: b.declineAfterAuthentication, threeDSecure };
  }
  if (b.decline) return { result: 'declined', decline: b.decline, threeDSecure };
  return { result: 'authorized', threeDSecure };
}

/**
 * The answer to setting a card up for future use: cards that authenticate on setup ask for it; cards
 * that decline everything decline the setup too.
 */
export function authorizeSetup(card: TestCard, a: { authenticated: boolean }): Decision {
  const b = card.behaviour;
  const needsAuth = b.threeDSecure === 'required' || b.threeDSecure === 'required_on_setup';
  if (needsAuth && !a.authenticated) return { result: 'requires_action' };
  const threeDSecure: ThreeDSecureInput | null = a.authenticated
    ? { result: 'authenticated', authenticationFlow: 'challenge' }
    : null;
  if (b.attachDeclines && b.decline) return { result: 'declined', decline: b.decline, threeDSecure };
  return { result: 'authorized', threeDSecure };
}

/**
 * The 402 `card_error` a decline answers with: its code, decline code and message, plus what the
 * caller names (`charge`, `payment_intent`, …). `keepChanges` commits the failed attempt with it.
 */
export function declinedError(
  decline: Decline,
  opts: { extra?: Record<string, unknown>; keepChanges?: boolean } = {},
): StripeError {
  return new StripeError({
    kind: 'payment_failed',
    type: 'card_error',
    code: decline.code,
    message: decline.message,
    ...(decline.declineCode ? { declineCode: decline.declineCode } : {}),
    ...(opts.extra ? { extra: opts.extra } : {}),
    ...(opts.keepChanges ? { keepChanges: true } : {}),
  });
}
