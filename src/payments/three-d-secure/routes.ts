/**
 * Sandbank's test helpers for 3-D Secure (extensions, not Stripe endpoints): complete or fail the
 * cardholder's authentication of an intent in `requires_action` without a browser, as the hosted
 * page's buttons do. Secret key only.
 */
import { expandParam } from '../../platform/list.js';
import { type Json, type MutationContext, type Operation, writeOperation } from '../../platform/operation.js';
import { p, params } from '../../platform/params.js';

export type AuthenticationOutcome = 'complete' | 'fail';

/** Ends the authentication of one kind of intent; `returnUrl` is where a browser would be sent. */
export type FinishAuthentication = (
  ctx: MutationContext,
  id: string,
  outcome: AuthenticationOutcome,
) => Promise<{ intent: object; returnUrl: string | null }>;

const authenticateParams = params({
  expand: expandParam,
  outcome: p.enum(['complete', 'fail'] as const, { required: true }),
});

function authenticateOperation(kind: 'payment_intents' | 'setup_intents', finish: FinishAuthentication): Operation {
  const object = kind === 'payment_intents' ? 'payment_intent' : 'setup_intent';
  return writeOperation({
    method: 'POST',
    path: `/sandbank/v1/${kind}/:id/authenticate`,
    name: `sandbank.${kind}.authenticate`,
    params: authenticateParams,
    returns: { object },
    handler: async (ctx, input, { id }) => (await finish(ctx, id as string, input.outcome)).intent as Json,
  });
}

/** The test-helper endpoints, given each intent kind's way of finishing authentication. */
export function threeDSecureOperations(finishPi: FinishAuthentication, finishSeti: FinishAuthentication): Operation[] {
  return [authenticateOperation('payment_intents', finishPi), authenticateOperation('setup_intents', finishSeti)];
}
