/** The Token endpoints: create (with a publishable key too, as Stripe.js does) and retrieve. */
import { type Json, type Operation, writeOperation } from '../platform/operation.js';
import { retrieveOperation } from '../platform/resource-routes.js';
import { TOKEN } from './object.js';
import { createTokenParams, retrieveTokenParams } from './params.js';
import { createToken } from './service.js';

export const tokenOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/tokens',
    name: 'tokens.create',
    params: createTokenParams,
    returns: { object: TOKEN },
    publishable: true,
    handler: async (ctx, input) => (await createToken(ctx, input)) as unknown as Json,
  }),
  retrieveOperation({
    path: '/v1/tokens/:id',
    name: 'tokens.retrieve',
    type: TOKEN,
    params: retrieveTokenParams,
  }),
];
