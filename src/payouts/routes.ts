/** The Payout endpoints and the job that moves payouts along: thin handlers over the service. */

import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import { retrieveOperation } from '../platform/resource-routes.js';
import type { JobHandler } from '../platform/scheduler.js';
import { PAYOUT } from './object.js';
import {
  cancelPayoutParams,
  createPayoutParams,
  listPayoutsParams,
  retrievePayoutParams,
  reversePayoutParams,
  updatePayoutParams,
} from './params.js';
import {
  advancePayout,
  cancelPayout,
  createPayout,
  listPayouts,
  PAYOUT_JOB,
  reversePayout,
  updatePayout,
} from './service.js';

export const payoutOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/payouts',
    name: 'payouts.create',
    params: createPayoutParams,
    returns: { object: PAYOUT },
    handler: async (ctx, input) => (await createPayout(ctx, input)) as unknown as Json,
  }),
  retrieveOperation({ path: '/v1/payouts/:id', name: 'payouts.retrieve', type: PAYOUT, params: retrievePayoutParams }),
  writeOperation({
    method: 'POST',
    path: '/v1/payouts/:id',
    name: 'payouts.update',
    params: updatePayoutParams,
    returns: { object: PAYOUT },
    handler: async (ctx, input, { id }) => (await updatePayout(ctx, id as string, input)) as unknown as Json,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payouts/:id/cancel',
    name: 'payouts.cancel',
    params: cancelPayoutParams,
    returns: { object: PAYOUT },
    handler: async (ctx, _input, { id }) => (await cancelPayout(ctx, id as string)) as unknown as Json,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payouts/:id/reverse',
    name: 'payouts.reverse',
    params: reversePayoutParams,
    returns: { object: PAYOUT },
    handler: async (ctx, input, { id }) => (await reversePayout(ctx, id as string, input)) as unknown as Json,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/payouts',
    name: 'payouts.list',
    params: listPayoutsParams,
    returns: { list: PAYOUT },
    handler: async (ctx, input) => (await listPayouts(ctx.reader, ctx.account.id, input)) as unknown as Json,
  }),
];

/** What runs when a payout's scheduled step comes due. */
export const payoutJobHandlers: Record<string, JobHandler> = {
  [PAYOUT_JOB]: advancePayout,
};
