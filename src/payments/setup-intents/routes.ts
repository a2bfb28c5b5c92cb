/** The SetupIntent endpoints (and the SetupAttempt list): thin handlers over the service. */

import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { listOperation } from '../../platform/resource-routes.js';
import { intentDefaults } from '../../versions/requests.js';
import { setupAttemptOperations } from '../setup-attempts/routes.js';
import { verifySetupIntentMicrodeposits, verifySetupIntentMicrodepositsParams } from './microdeposits.js';
import { SETUP_INTENT, type SetupIntent } from './object.js';
import {
  cancelSetupIntentParams,
  confirmSetupIntentParams,
  createSetupIntentParams,
  listSetupIntentsParams,
  retrieveSetupIntentParams,
  updateSetupIntentParams,
} from './params.js';
import {
  cancelSetupIntent,
  confirmSetupIntent,
  createSetupIntent,
  retrieveSetupIntent,
  updateSetupIntent,
} from './service.js';

const json = (si: SetupIntent) => si as unknown as Json;

export const setupIntentOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/setup_intents',
    name: 'setup_intents.create',
    params: createSetupIntentParams,
    returns: { object: SETUP_INTENT },
    handler: async (ctx, input) => json(await createSetupIntent(ctx, input, intentDefaults(ctx.version))),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/setup_intents/:id',
    name: 'setup_intents.retrieve',
    params: retrieveSetupIntentParams,
    returns: { object: SETUP_INTENT },
    // Stripe.js retrieves with the publishable key and the client secret.
    publishable: true,
    handler: async (ctx, input, { id }) => json(await retrieveSetupIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/setup_intents/:id',
    name: 'setup_intents.update',
    params: updateSetupIntentParams,
    returns: { object: SETUP_INTENT },
    handler: async (ctx, input, { id }) => json(await updateSetupIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    name: 'setup_intents.confirm',
    params: confirmSetupIntentParams,
    returns: { object: SETUP_INTENT },
    // Stripe.js confirms with the publishable key and the client secret.
    publishable: true,
    handler: async (ctx, input, { id }) => json(await confirmSetupIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/setup_intents/:id/cancel',
    name: 'setup_intents.cancel',
    params: cancelSetupIntentParams,
    returns: { object: SETUP_INTENT },
    handler: async (ctx, input, { id }) => json(await cancelSetupIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/setup_intents/:id/verify_microdeposits',
    name: 'setup_intents.verify_microdeposits',
    params: verifySetupIntentMicrodepositsParams,
    returns: { object: SETUP_INTENT },
    // Stripe.js verifies with the publishable key and the client secret (verifyMicrodepositsForSetup).
    publishable: true,
    handler: async (ctx, input, { id }) => json(await verifySetupIntentMicrodeposits(ctx, id as string, input)),
  }),
  listOperation({
    path: '/v1/setup_intents',
    name: 'setup_intents.list',
    type: SETUP_INTENT,
    params: listSetupIntentsParams,
    filters: { customer: true, payment_method: true },
  }),
  ...setupAttemptOperations,
];
