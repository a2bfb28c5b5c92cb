/** The Subscription Schedule endpoints (`/v1/subscription_schedules`), thin over service.ts. */
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { SUBSCRIPTION_SCHEDULE, type SubscriptionSchedule } from './object.js';
import {
  cancelScheduleParams,
  createScheduleParams,
  listSchedulesParams,
  releaseScheduleParams,
  retrieveScheduleParams,
  updateScheduleParams,
} from './params.js';
import { cancelSchedule, createSchedule, releaseSchedule, updateSchedule } from './service.js';

export { scheduleJobHandlers } from './service.js';

const json = (o: object) => o as unknown as Json;
const RETURNS = { object: SUBSCRIPTION_SCHEDULE };

export const subscriptionScheduleOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_schedules',
    name: 'subscription_schedules.create',
    params: createScheduleParams,
    returns: RETURNS,
    handler: async (ctx, input) => json(await createSchedule(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscription_schedules/:id',
    name: 'subscription_schedules.retrieve',
    params: retrieveScheduleParams,
    returns: RETURNS,
    handler: async (ctx, _input, { id }) =>
      json(
        (await loadObject<SubscriptionSchedule>(ctx.reader, ctx.account.id, id as string, SUBSCRIPTION_SCHEDULE))
          .object,
      ),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_schedules/:id',
    name: 'subscription_schedules.update',
    params: updateScheduleParams,
    returns: RETURNS,
    handler: async (ctx, input, { id }) => json(await updateSchedule(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_schedules/:id/cancel',
    name: 'subscription_schedules.cancel',
    params: cancelScheduleParams,
    returns: RETURNS,
    handler: async (ctx, input, { id }) => json(await cancelSchedule(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_schedules/:id/release',
    name: 'subscription_schedules.release',
    params: releaseScheduleParams,
    returns: RETURNS,
    handler: async (ctx, _input, { id }) => json(await releaseSchedule(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscription_schedules',
    name: 'subscription_schedules.list',
    params: listSchedulesParams,
    returns: { list: SUBSCRIPTION_SCHEDULE },
    handler: async (ctx, input) =>
      json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: SUBSCRIPTION_SCHEDULE,
          url: '/v1/subscription_schedules',
          input,
          ...(input.customer ? { equals: { customer: input.customer } } : {}),
        }),
      ),
  }),
];
