/** The Coupon endpoints (`/v1/coupons`); `applies_to` and `currency_options` show only when expanded. */
import { listPage } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { loadCoupon } from './load.js';
import { COUPON, type Coupon, renderCoupon } from './object.js';
import {
  createCouponParams,
  deleteCouponParams,
  listCouponsParams,
  retrieveCouponParams,
  updateCouponParams,
} from './params.js';
import { createCoupon, deleteCoupon, updateCoupon } from './service.js';

const json = (c: Coupon, now: number) => renderCoupon(c, [], now) as unknown as Json;

export const couponOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/coupons',
    name: 'coupons.create',
    params: createCouponParams,
    returns: { object: COUPON },
    handler: async (ctx, input) => json(await createCoupon(ctx, input), ctx.clock.now()),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/coupons/:id',
    name: 'coupons.retrieve',
    params: retrieveCouponParams,
    returns: { object: COUPON },
    handler: async (ctx, _input, { id }) =>
      json(await loadCoupon(ctx.reader, ctx.account.id, id as string), ctx.clock.now()),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/coupons/:id',
    name: 'coupons.update',
    params: updateCouponParams,
    returns: { object: COUPON },
    handler: async (ctx, input, { id }) => json(await updateCoupon(ctx, id as string, input), ctx.clock.now()),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/coupons/:id',
    name: 'coupons.delete',
    params: deleteCouponParams,
    returns: { object: COUPON },
    handler: async (ctx, _input, { id }) => (await deleteCoupon(ctx, id as string)) as unknown as Json,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/coupons',
    name: 'coupons.list',
    params: listCouponsParams,
    returns: { list: COUPON },
    handler: async (ctx, input) => {
      const page = await listPage(ctx.reader, { account: ctx.account.id, type: COUPON, url: '/v1/coupons', input });
      return {
        ...page,
        data: page.data.map((c) => renderCoupon(c as unknown as Coupon, [], ctx.clock.now())),
      } as unknown as Json;
    },
  }),
];
