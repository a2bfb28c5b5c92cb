/** The Promotion Code endpoints (`/v1/promotion_codes`). */
import { listPage } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { loadPromotionCode } from './load.js';
import { PROMOTION_CODE } from './object.js';
import {
  createPromotionCodeParams,
  listPromotionCodesParams,
  retrievePromotionCodeParams,
  updatePromotionCodeParams,
} from './params.js';
import { createPromotionCode, updatePromotionCode } from './service.js';

const json = (o: object) => o as unknown as Json;

export const promotionCodeOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/promotion_codes',
    name: 'promotion_codes.create',
    params: createPromotionCodeParams,
    returns: { object: PROMOTION_CODE },
    handler: async (ctx, input) => json(await createPromotionCode(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/promotion_codes/:id',
    name: 'promotion_codes.retrieve',
    params: retrievePromotionCodeParams,
    returns: { object: PROMOTION_CODE },
    handler: async (ctx, _input, { id }) => json(await loadPromotionCode(ctx.reader, ctx.account.id, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/promotion_codes/:id',
    name: 'promotion_codes.update',
    params: updatePromotionCodeParams,
    returns: { object: PROMOTION_CODE },
    handler: async (ctx, input, { id }) => json(await updatePromotionCode(ctx, id as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/promotion_codes',
    name: 'promotion_codes.list',
    params: listPromotionCodesParams,
    returns: { list: PROMOTION_CODE },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.active != null) equals.active = String(input.active);
      if (input.code) equals.code = input.code.toLowerCase();
      if (input.coupon) equals.coupon = input.coupon;
      if (input.customer) equals.customer = input.customer;
      if (input.customer_account)
        return json({ object: 'list', data: [], has_more: false, url: '/v1/promotion_codes' });
      return json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: PROMOTION_CODE,
          url: '/v1/promotion_codes',
          input,
          equals,
        }),
      );
    },
  }),
];
