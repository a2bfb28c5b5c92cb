/** Parameters of `/v1/test_helpers/test_clocks`, as the pinned SDK declares them. */

import { MAX_ACCOUNT_TIME } from '../../platform/clock.js';
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

/** A clock's time must stay a date every SDK can hold (see MAX_ACCOUNT_TIME). */
const frozenTime = p.integer({ required: true, min: 0, max: MAX_ACCOUNT_TIME });

export const createTestClockParams = params({
  frozen_time: frozenTime,
  name: p.string({ maxLength: 300 }),
  customer: p.string(),
  expand: expandParam,
});

export const advanceTestClockParams = params({
  frozen_time: frozenTime,
  expand: expandParam,
});

export const retrieveTestClockParams = params({ expand: expandParam });
export const listTestClocksParams = params({ ...listParams });
export const deleteTestClockParams = params({});
