/** `GET /v1/setup_attempts?setup_intent=seti_…`: the attempts made to confirm one SetupIntent. */
import { listPage } from '../../platform/list.js';
import { type Json, type Operation, readOperation } from '../../platform/operation.js';
import { listSetupAttemptsParams } from '../setup-intents/params.js';
import { requireSetupIntent } from '../setup-intents/service.js';
import { SETUP_ATTEMPT } from './object.js';

export const setupAttemptOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/setup_attempts',
    name: 'setup_attempts.list',
    params: listSetupAttemptsParams,
    returns: { list: SETUP_ATTEMPT },
    handler: async (ctx, input) => {
      await requireSetupIntent(ctx.reader, ctx.account.id, input.setup_intent, 'setup_intent');
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: SETUP_ATTEMPT,
        url: '/v1/setup_attempts',
        input,
        equals: { setup_intent: input.setup_intent },
      })) as unknown as Json;
    },
  }),
];
