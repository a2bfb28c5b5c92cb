/** The Customer endpoints: thin handlers over the service, with their parameter schemas beside them. */

import { deleteCustomerDiscount } from '../billing/discounts/customer.js';
import { TEST_CLOCK } from '../billing/test-clocks/context.js';
import { resourceMissing } from '../platform/errors.js';
import { listPage, searchPage } from '../platform/list.js';
import { loadObject } from '../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import { parseSearchQuery } from '../platform/search.js';
import { CUSTOMER, customerSearch } from './object.js';
import {
  createCustomerParams,
  deleteCustomerParams,
  listCustomersParams,
  retrieveCustomerParams,
  searchCustomersParams,
  updateCustomerParams,
} from './params.js';
import { createCustomer, deleteCustomer, updateCustomer } from './service.js';
import { customerSourceOperations } from './sources/routes.js';

export const customerOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/customers',
    name: 'customers.create',
    params: createCustomerParams,
    returns: { object: CUSTOMER },
    handler: async (ctx, input) => (await createCustomer(ctx, input)) as unknown as Json,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/search',
    name: 'customers.search',
    params: searchCustomersParams,
    returns: { search: CUSTOMER },
    handler: async (ctx, input) => {
      const parsed = parseSearchQuery(input.query, customerSearch);
      return searchPage(ctx.reader, {
        account: ctx.account.id,
        type: CUSTOMER,
        url: '/v1/customers/search',
        input,
        ...parsed,
      });
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:id',
    name: 'customers.retrieve',
    params: retrieveCustomerParams,
    returns: { object: CUSTOMER },
    handler: async (ctx, _input, { id }) => {
      const row = await ctx.reader.getObject(ctx.account.id, id as string);
      if (!row || row.type !== CUSTOMER) throw resourceMissing(CUSTOMER, id as string);
      return JSON.parse(row.json) as Json;
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:id',
    name: 'customers.update',
    params: updateCustomerParams,
    returns: { object: CUSTOMER },
    handler: async (ctx, input, { id }) => (await updateCustomer(ctx, id as string, input)) as unknown as Json,
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/customers/:id',
    name: 'customers.delete',
    params: deleteCustomerParams,
    returns: { object: CUSTOMER },
    handler: async (ctx, _input, { id }) => (await deleteCustomer(ctx, id as string)) as unknown as Json,
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/customers/:id/discount',
    name: 'customers.delete_discount',
    params: deleteCustomerParams,
    returns: { object: 'discount' },
    handler: async (ctx, _input, { id }) => (await deleteCustomerDiscount(ctx, id as string)) as unknown as Json,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers',
    name: 'customers.list',
    params: listCustomersParams,
    returns: { list: CUSTOMER },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.email) equals.email = input.email;
      if (input.test_clock) {
        await loadObject(ctx.reader, ctx.account.id, input.test_clock, TEST_CLOCK, {
          label: 'test_clock',
          param: 'test_clock',
        });
        equals.test_clock = input.test_clock;
      }
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: CUSTOMER,
        url: '/v1/customers',
        input,
        equals,
        // Without `test_clock`, customers on test clocks are left out, as Stripe documents.
        ...(input.test_clock ? {} : { absent: ['test_clock'] }),
      })) as unknown as Json;
    },
  }),
  ...customerSourceOperations,
];
