/** The Sources API endpoints: thin handlers over the service; publishable-key rules live here. */
import { invalidRequest, resourceMissing } from '../platform/errors.js';
import { loadObject } from '../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import type { Reader } from '../store/store.js';
import { SOURCE } from '../tokens/object.js';
import type { Source } from './object.js';
import {
  createSourceObjectParams,
  listSourceTransactionsParams,
  retrieveSourceObjectParams,
  updateSourceObjectParams,
  verifySourceObjectParams,
} from './params.js';
import { createSourceObject, updateSourceObject, verifySourceObject } from './service.js';

const json = (s: Source) => s as unknown as Json;

/** A Source (`src_…`); a customer's card or bank account, stored alongside, is not one. */
async function readSource(reader: Reader, account: string, id: string): Promise<Source> {
  const { object } = await loadObject<Source>(reader, account, id, SOURCE);
  if (object.object !== 'source') throw resourceMissing('source', id);
  return object;
}

export const sourceObjectOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/sources',
    name: 'sources.create',
    params: createSourceObjectParams,
    returns: { object: SOURCE },
    // Stripe.js creates sources with the publishable key.
    publishable: true,
    handler: async (ctx, input) => json(await createSourceObject(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/sources/:id',
    name: 'sources.retrieve',
    params: retrieveSourceObjectParams,
    returns: { object: SOURCE },
    // Stripe.js polls a source with the publishable key and the source's client secret.
    publishable: true,
    handler: async (ctx, input, { id }) => {
      const object = await readSource(ctx.reader, ctx.account.id, id as string);
      if (ctx.principal.kind === 'publishable') {
        if (!input.client_secret) {
          throw invalidRequest('You must provide a client_secret when retrieving a source with a publishable key.', {
            code: 'parameter_missing',
            param: 'client_secret',
          });
        }
        if (input.client_secret !== object.client_secret) {
          throw invalidRequest(
            'The client_secret provided does not match the client_secret associated with the source.',
            {
              param: 'client_secret',
            },
          );
        }
      }
      return json(object);
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/sources/:id',
    name: 'sources.update',
    params: updateSourceObjectParams,
    returns: { object: SOURCE },
    handler: async (ctx, input, { id }) => json(await updateSourceObject(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/sources/:id/verify',
    name: 'sources.verify',
    params: verifySourceObjectParams,
    returns: { object: SOURCE },
    handler: async (ctx, _input, { id }) => json(await verifySourceObject(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/sources/:id/source_transactions',
    name: 'sources.source_transactions.list',
    params: listSourceTransactionsParams,
    returns: { list: 'source_transaction' },
    handler: async (ctx, _input, { id }) => {
      await readSource(ctx.reader, ctx.account.id, id as string);
      // Source transactions record money pushed to receiver sources (ACH and SEPA credit transfers);
      // a card source never has any.
      return {
        object: 'list',
        data: [],
        has_more: false,
        url: `/v1/sources/${id}/source_transactions`,
      } as unknown as Json;
    },
  }),
];
