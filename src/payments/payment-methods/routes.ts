/** The PaymentMethod endpoints, and a customer's PaymentMethods. */

import { CUSTOMER } from '../../customers/object.js';
import { invalidRequest } from '../../platform/errors.js';
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { PAYMENT_METHOD, PAYMENT_METHOD_LABEL, type PaymentMethod } from './object.js';
import {
  attachPaymentMethodParams,
  createPaymentMethodParams,
  detachPaymentMethodParams,
  listCustomerPaymentMethodsParams,
  listPaymentMethodsParams,
  retrievePaymentMethodParams,
  updatePaymentMethodParams,
} from './params.js';
import { attachPaymentMethod, createPaymentMethod, detachPaymentMethod, updatePaymentMethod } from './service.js';

const json = (pm: PaymentMethod) => pm as unknown as Json;

/** The optional equality filters of both lists (`type`, `allow_redisplay`). */
function listFilters(input: { type?: string | null; allow_redisplay?: string | null }): Record<string, string> {
  return {
    ...(input.type ? { type: input.type } : {}),
    ...(input.allow_redisplay ? { allow_redisplay: input.allow_redisplay } : {}),
  };
}

export const paymentMethodOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/payment_methods',
    name: 'payment_methods.create',
    params: createPaymentMethodParams,
    returns: { object: PAYMENT_METHOD },
    // Stripe.js creates PaymentMethods with the publishable key.
    publishable: true,
    handler: async (ctx, input) => json(await createPaymentMethod(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/payment_methods/:id',
    name: 'payment_methods.retrieve',
    type: PAYMENT_METHOD,
    label: PAYMENT_METHOD_LABEL,
    params: retrievePaymentMethodParams,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_methods/:id',
    name: 'payment_methods.update',
    params: updatePaymentMethodParams,
    returns: { object: PAYMENT_METHOD },
    handler: async (ctx, input, { id }) => json(await updatePaymentMethod(ctx, id as string, input)),
  }),
  listOperation({
    path: '/v1/payment_methods',
    name: 'payment_methods.list',
    type: PAYMENT_METHOD,
    params: listPaymentMethodsParams,
    filters: { customer: { references: CUSTOMER }, type: true, allow_redisplay: true },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    name: 'payment_methods.attach',
    params: attachPaymentMethodParams,
    returns: { object: PAYMENT_METHOD },
    handler: async (ctx, input, { id }) => json(await attachPaymentMethod(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    name: 'payment_methods.detach',
    params: detachPaymentMethodParams,
    returns: { object: PAYMENT_METHOD },
    handler: async (ctx, _input, { id }) => json(await detachPaymentMethod(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/payment_methods',
    name: 'customers.payment_methods.list',
    params: listCustomerPaymentMethodsParams,
    returns: { list: PAYMENT_METHOD },
    handler: async (ctx, input, { customer }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: PAYMENT_METHOD,
        url: `/v1/customers/${customer}/payment_methods`,
        input,
        equals: { customer: customer as string, ...listFilters(input) },
      })) as unknown as Json;
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/customers/:customer/payment_methods/:id',
    name: 'customers.payment_methods.retrieve',
    params: retrievePaymentMethodParams,
    returns: { object: PAYMENT_METHOD },
    handler: async (ctx, _input, { customer, id }) => {
      await loadObject(ctx.reader, ctx.account.id, customer as string, CUSTOMER);
      const pm = (
        await loadObject<PaymentMethod>(ctx.reader, ctx.account.id, id as string, PAYMENT_METHOD, {
          label: PAYMENT_METHOD_LABEL,
        })
      ).object;
      if (pm.customer !== customer) {
        throw invalidRequest(`No such PaymentMethod: '${id}'`, { code: 'resource_missing', param: 'payment_method' });
      }
      return json(pm);
    },
  }),
];
