/** The SetupAttempt object: one confirmation of a SetupIntent, as the issuer saw it. */
import type { CardChecks, ChargeThreeDSecure } from '../../cards/details.js';
import { registerExpandable } from '../../platform/expand.js';
import type { SetupError } from '../setup-intents/object.js';

export const SETUP_ATTEMPT = 'setup_attempt';

export type SetupAttemptStatus =
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'failed'
  | 'abandoned';

/** `SetupAttempt.payment_method_details.card`. */
export interface SetupAttemptCard {
  brand: string;
  checks: CardChecks | null;
  country: string | null;
  exp_month: number;
  exp_year: number;
  fingerprint: string | null;
  funding: string;
  last4: string;
  network: string;
  three_d_secure: Omit<ChargeThreeDSecure, 'exemption_indicator'> | null;
  wallet: null;
}

export interface SetupAttempt {
  id: string;
  object: 'setup_attempt';
  application: null;
  created: number;
  customer: string | null;
  customer_account: null;
  flow_directions: ('inbound' | 'outbound')[] | null;
  livemode: false;
  on_behalf_of: null;
  payment_method: string;
  payment_method_details: { card: SetupAttemptCard; type: 'card' };
  setup_error: SetupError | null;
  setup_intent: string;
  status: SetupAttemptStatus;
  usage: 'off_session' | 'on_session';
}

export const setupAttemptFields = (a: SetupAttempt) => ({ setup_intent: a.setup_intent });

registerExpandable(SETUP_ATTEMPT, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(SETUP_ATTEMPT, 'payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(SETUP_ATTEMPT, 'setup_intent', { kind: 'reference', to: 'setup_intent' });
registerExpandable(SETUP_ATTEMPT, 'application', { kind: 'reference' });
registerExpandable(SETUP_ATTEMPT, 'on_behalf_of', { kind: 'reference' });
