/** The Tax ID endpoints: `/v1/tax_ids` and a customer's `/v1/customers/:customer/tax_ids`. */
import { invalidRequest } from '../../platform/errors.js';
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { CUSTOMER } from '../object.js';
import { TAX_ID } from './object.js';
import {
  createCustomerTaxIdParams,
  createTaxIdParams,
  deleteTaxIdParams,
  listCustomerTaxIdsParams,
  listTaxIdsParams,
  retrieveTaxIdParams,
} from './params.js';
import { createCustomerTaxId, createTaxId, deleteTaxId, loadTaxId } from './service.js';

export { taxIdJobHandlers } from './service.js';

const json = (o: object) => o as unknown as Json;

export const taxIdOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/customers/:customer/tax_ids',
    name: 'customers.tax_ids.create',
    params: createCustomerTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, input, { customer }) => json(await createCustomerTaxId(ctx, customer as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/tax_ids/:id',
    name: 'customers.tax_ids.retrieve',
    params: retrieveTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, _input, { customer, id }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return json(await loadTaxId(ctx.reader, ctx.account.id, id as string, customer as string));
    },
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/customers/:customer/tax_ids/:id',
    name: 'customers.tax_ids.delete',
    params: deleteTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, _input, { customer, id }) => json(await deleteTaxId(ctx, id as string, customer as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/tax_ids',
    name: 'customers.tax_ids.list',
    params: listCustomerTaxIdsParams,
    returns: { list: TAX_ID },
    handler: async (ctx, input, { customer }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: TAX_ID,
          url: `/v1/customers/${customer}/tax_ids`,
          input,
          equals: { customer: customer as string },
        }),
      );
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/tax_ids',
    name: 'tax_ids.create',
    params: createTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, input) => json(await createTaxId(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/tax_ids/:id',
    name: 'tax_ids.retrieve',
    params: retrieveTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, _input, { id }) => json(await loadTaxId(ctx.reader, ctx.account.id, id as string)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/tax_ids/:id',
    name: 'tax_ids.delete',
    params: deleteTaxIdParams,
    returns: { object: TAX_ID },
    handler: async (ctx, _input, { id }) => json(await deleteTaxId(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/tax_ids',
    name: 'tax_ids.list',
    params: listTaxIdsParams,
    returns: { list: TAX_ID },
    handler: async (ctx, input) => {
      // Without `owner`, the account's own tax IDs (Stripe's default is `owner[type]=self`).
      const owner = input.owner ?? { type: 'self' as const };
      const equals: Record<string, string> = { owner_type: owner.type };
      if (owner.type === 'customer') {
        if (!owner.customer) {
          throw invalidRequest('Missing required param: owner[customer].', {
            code: 'parameter_missing',
            param: 'owner[customer]',
          });
        }
        await loadObject(ctx.reader, ctx.account.id, owner.customer, CUSTOMER, { param: 'owner[customer]' });
        equals.customer = owner.customer;
      } else if (owner.type === 'account') {
        if (!owner.account) {
          throw invalidRequest('Missing required param: owner[account].', {
            code: 'parameter_missing',
            param: 'owner[account]',
          });
        }
        equals.owner_account = owner.account;
      }
      return json(
        await listPage(ctx.reader, { account: ctx.account.id, type: TAX_ID, url: '/v1/tax_ids', input, equals }),
      );
    },
  }),
];
