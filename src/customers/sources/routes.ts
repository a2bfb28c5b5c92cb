/** A customer's sources: `/v1/customers/:customer/sources[/:id[/verify]]`, thin handlers over the service. */

import { resourceMissing } from '../../platform/errors.js';
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { SOURCE } from '../../tokens/object.js';
import { CUSTOMER } from '../object.js';
import {
  createSourceParams,
  deleteSourceParams,
  listSourcesParams,
  retrieveSourceParams,
  updateSourceParams,
  verifySourceParams,
} from './params.js';
import { type CustomerSource, createSource, deleteSource, updateSource, verifySource } from './service.js';

const json = (s: object) => s as unknown as Json;

export const customerSourceOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/sources',
    name: 'customers.sources.create',
    params: createSourceParams,
    returns: { object: SOURCE },
    handler: async (ctx, input, { customer }) => json(await createSource(ctx, customer as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/sources',
    name: 'customers.sources.list',
    params: listSourcesParams,
    returns: { list: SOURCE },
    handler: async (ctx, input, { customer }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: SOURCE,
        url: `/v1/customers/${customer}/sources`,
        input,
        equals: { customer: customer as string, ...(input.object ? { object: input.object } : {}) },
      })) as unknown as Json;
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/sources/:id',
    name: 'customers.sources.retrieve',
    params: retrieveSourceParams,
    returns: { object: SOURCE },
    handler: async (ctx, _input, { customer, id }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      const { object } = await loadObject<CustomerSource>(ctx.reader, ctx.account.id, id as string, SOURCE);
      // A detached Source keeps its `customer` but is no longer one of the customer's sources.
      const detached = object.object === 'source' && object.status === 'consumed';
      if (object.customer !== customer || detached) throw resourceMissing('source', id as string);
      return json(object);
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/sources/:id',
    name: 'customers.sources.update',
    params: updateSourceParams,
    returns: { object: SOURCE },
    handler: async (ctx, input, { customer, id }) =>
      json(await updateSource(ctx, customer as string, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/customers/:customer/sources/:id',
    name: 'customers.sources.delete',
    params: deleteSourceParams,
    returns: { object: SOURCE },
    handler: async (ctx, _input, { customer, id }) => json(await deleteSource(ctx, customer as string, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/sources/:id/verify',
    name: 'customers.sources.verify',
    params: verifySourceParams,
    returns: { object: SOURCE },
    handler: async (ctx, input, { customer, id }) =>
      json(await verifySource(ctx, customer as string, id as string, input)),
  }),
];
