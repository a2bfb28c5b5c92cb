/** The Dispute endpoints. Disputes are opened by the (simulated) card network, never by the API. */
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { CHARGE } from '../charges/object.js';
import { PAYMENT_INTENT } from '../payment-intents/object.js';
import { DISPUTE, type Dispute } from './object.js';
import { closeDisputeParams, listDisputesParams, retrieveDisputeParams, updateDisputeParams } from './params.js';
import { closeDispute, updateDispute } from './service.js';

export { disputeJobHandlers } from './service.js';

const json = (d: Dispute) => d as unknown as Json;

export const disputeOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/disputes/:id',
    name: 'disputes.retrieve',
    params: retrieveDisputeParams,
    returns: { object: DISPUTE },
    handler: async (ctx, _input, { id }) =>
      json((await loadObject<Dispute>(ctx.reader, ctx.account.id, id as string, DISPUTE)).object),
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
  readOperation({
    method: 'GET',
    path: '/v1/disputes',
    name: 'disputes.list',
    params: listDisputesParams,
    returns: { list: DISPUTE },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.charge) {
        await loadObject(ctx.reader, ctx.account.id, input.charge, CHARGE, { param: 'charge' });
        equals.charge = input.charge;
      }
      if (input.payment_intent) {
        await loadObject(ctx.reader, ctx.account.id, input.payment_intent, PAYMENT_INTENT, {
          param: 'payment_intent',
        });
        equals.payment_intent = input.payment_intent;
      }
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: DISPUTE,
        url: '/v1/disputes',
        input,
        equals,
      })) as unknown as Json;
    },
  }),
];
