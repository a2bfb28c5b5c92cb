/** The Dispute endpoints. Disputes are opened by the (simulated) card network, never by the API. */

import { type Json, type Operation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { CHARGE } from '../charges/object.js';
import { PAYMENT_INTENT } from '../payment-intents/object.js';
import { DISPUTE, type Dispute } from './object.js';
import { closeDisputeParams, listDisputesParams, retrieveDisputeParams, updateDisputeParams } from './params.js';
import { closeDispute, updateDispute } from './service.js';

export { disputeJobHandlers } from './service.js';

const json = (d: Dispute) => d as unknown as Json;

export const disputeOperations: Operation[] = [
  retrieveOperation({
    path: '/v1/disputes/:id',
    name: 'disputes.retrieve',
    type: DISPUTE,
    params: retrieveDisputeParams,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/disputes/:id',
    name: 'disputes.update',
    params: updateDisputeParams,
    returns: { object: DISPUTE },
    handler: async (ctx, input, { id }) => json(await updateDispute(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/disputes/:id/close',
    name: 'disputes.close',
    params: closeDisputeParams,
    returns: { object: DISPUTE },
    handler: async (ctx, _input, { id }) => json(await closeDispute(ctx, id as string)),
  }),
  listOperation({
    path: '/v1/disputes',
    name: 'disputes.list',
    type: DISPUTE,
    params: listDisputesParams,
    filters: { charge: { references: CHARGE }, payment_intent: { references: PAYMENT_INTENT } },
  }),
];
