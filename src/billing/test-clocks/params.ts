/** Parameters of `/v1/test_helpers/test_clocks`, as the pinned SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const createTestClockParams = params({
  frozen_time: p.integer({ required: true, min: 0 }),
  name: p.string({ maxLength: 300 }),
  customer: p.string(),
  expand: expandParam,
});

export const advanceTestClockParams = params({
  frozen_time: p.integer({ required: true, min: 0 }),
  expand: expandParam,
});

export const retrieveTestClockParams = params({ expand: expandParam });
export const listTestClocksParams = params({ ...listParams });
export const deleteTestClockParams = params({});
