/** The legacy Plan endpoints (`/v1/plans`): recurring prices rendered as plans. */
import { listPage } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { loadPriceOrPlan } from '../prices/load.js';
import { PRICE, type Price } from '../prices/object.js';
import { PLAN, planFromPrice } from './object.js';
import { createPlanParams, deletePlanParams, listPlansParams, retrievePlanParams, updatePlanParams } from './params.js';
import { createPlan, deletePlan, updatePlan } from './service.js';

const json = (o: object) => o as unknown as Json;

export const planOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/plans',
    name: 'plans.create',
    params: createPlanParams,
    returns: { object: PLAN },
    handler: async (ctx, input) => json(await createPlan(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/plans/:id',
    name: 'plans.retrieve',
    params: retrievePlanParams,
    returns: { object: PLAN },
    handler: async (ctx, _input, { id }) =>
      json(planFromPrice(await loadPriceOrPlan(ctx.reader, ctx.account.id, id as string, undefined, 'plan'))),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/plans/:id',
    name: 'plans.update',
    params: updatePlanParams,
    returns: { object: PLAN },
    handler: async (ctx, input, { id }) => json(await updatePlan(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/plans/:id',
    name: 'plans.delete',
    params: deletePlanParams,
    returns: { object: PLAN },
    handler: async (ctx, _input, { id }) => json(await deletePlan(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/plans',
    name: 'plans.list',
    params: listPlansParams,
    returns: { list: PLAN },
    handler: async (ctx, input) => {
      // Plans are the recurring prices; the cursor ids are price ids too.
      const equals: Record<string, string> = { type: 'recurring' };
      if (input.active != null) equals.active = String(input.active);
      if (input.product) equals.product = input.product;
      const page = await listPage(ctx.reader, {
        account: ctx.account.id,
        type: PRICE,
        url: '/v1/plans',
        input,
        equals,
      });
      return json({ ...page, data: page.data.map((p) => planFromPrice(p as unknown as Price)) });
    },
  }),
];
