/** The Test Clock endpoints: `/v1/test_helpers/test_clocks`. */
import { type Json, type Operation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { TEST_CLOCK } from './object.js';
import {
  advanceTestClockParams,
  createTestClockParams,
  deleteTestClockParams,
  listTestClocksParams,
  retrieveTestClockParams,
} from './params.js';
import { advanceTestClock, createTestClock, deleteTestClock } from './service.js';

export { testClockJobHandlers } from './service.js';

const json = (o: object) => o as unknown as Json;

export const testClockOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/test_helpers/test_clocks',
    name: 'test_helpers.test_clocks.create',
    params: createTestClockParams,
    returns: { object: TEST_CLOCK },
    handler: async (ctx, input) => json(await createTestClock(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/test_helpers/test_clocks/:id',
    name: 'test_helpers.test_clocks.retrieve',
    type: TEST_CLOCK,
    label: 'test_clock',
    params: retrieveTestClockParams,
  }),
  listOperation({
    path: '/v1/test_helpers/test_clocks',
    name: 'test_helpers.test_clocks.list',
    type: TEST_CLOCK,
    params: listTestClocksParams,
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/test_helpers/test_clocks/:id',
    name: 'test_helpers.test_clocks.delete',
    params: deleteTestClockParams,
    returns: { object: TEST_CLOCK },
    handler: async (ctx, _input, { id }) => json(await deleteTestClock(ctx, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/test_helpers/test_clocks/:id/advance',
    name: 'test_helpers.test_clocks.advance',
    params: advanceTestClockParams,
    returns: { object: TEST_CLOCK },
    handler: async (ctx, input, { id }) => json(await advanceTestClock(ctx, id as string, input.frozen_time)),
  }),
];
