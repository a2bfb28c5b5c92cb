/** The Refund endpoints, and the legacy reads of a charge's refunds under `/v1/charges/:charge/refunds`. */

import { resourceMissing } from '../../platform/errors.js';
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { CHARGE } from '../charges/object.js';
import { PAYMENT_INTENT } from '../payment-intents/object.js';
import { REFUND, type Refund } from './object.js';
import {
  cancelRefundParams,
  createRefundParams,
  listChargeRefundsParams,
  listRefundsParams,
  retrieveRefundParams,
  updateRefundParams,
} from './params.js';
import { cancelRefund, createRefund, expireRefund, updateRefund } from './service.js';

export { refundJobHandlers } from './service.js';

const json = (r: Refund) => r as unknown as Json;

export const refundOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/refunds',
    name: 'refunds.create',
    params: createRefundParams,
    returns: { object: REFUND },
    handler: async (ctx, input) => json(await createRefund(ctx, input)),
  }),
  retrieveOperation({ path: '/v1/refunds/:id', name: 'refunds.retrieve', type: REFUND, params: retrieveRefundParams }),
  writeOperation({
    method: 'POST',
    path: '/v1/refunds/:id',
    name: 'refunds.update',
    params: updateRefundParams,
    returns: { object: REFUND },
    handler: async (ctx, input, { id }) => json(await updateRefund(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/refunds/:id/cancel',
    name: 'refunds.cancel',
    params: cancelRefundParams,
    returns: { object: REFUND },
    handler: async (ctx, _input, { id }) => json(await cancelRefund(ctx, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/test_helpers/refunds/:id/expire',
    name: 'test_helpers.refunds.expire',
    params: cancelRefundParams,
    returns: { object: REFUND },
    handler: async (ctx, _input, { id }) => json(await expireRefund(ctx, id as string)),
  }),
  listOperation({
    path: '/v1/refunds',
    name: 'refunds.list',
    type: REFUND,
    params: listRefundsParams,
    filters: { charge: { references: CHARGE }, payment_intent: { references: PAYMENT_INTENT } },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/charges/:charge/refunds',
    name: 'charges.refunds.list',
    params: listChargeRefundsParams,
    returns: { list: REFUND },
    handler: async (ctx, input, { charge }) => {
      await loadObject(ctx.reader, ctx.account.id, charge as string, CHARGE);
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: REFUND,
        url: `/v1/charges/${charge}/refunds`,
        input,
        equals: { charge: charge as string },
      })) as unknown as Json;
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/charges/:charge/refunds/:refund',
    name: 'charges.refunds.retrieve',
    params: retrieveRefundParams,
    returns: { object: REFUND },
    handler: async (ctx, _input, { charge, refund }) => {
      await loadObject(ctx.reader, ctx.account.id, charge as string, CHARGE);
      const { object } = await loadObject<Refund>(ctx.reader, ctx.account.id, refund as string, REFUND);
      if (object.charge !== charge) throw resourceMissing(REFUND, refund as string);
      return json(object);
    },
  }),
];
