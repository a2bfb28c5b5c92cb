/**
 * Every core operation of the current `stripe` package reaches a route (scripts/sdk-coverage.ts):
 * none answers "Unrecognized request URL", so a new SDK operation or a lost route fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureCoverage } from '../../scripts/sdk-coverage.js';

describe('core SDK operations', () => {
  it('all reach a route', async () => {
    const coverage = await measureCoverage();
    const missing = coverage.missing.map((op) => `${op.method} ${op.path} (${op.name})`);
    assert.ok(coverage.total >= 120, `only ${coverage.total} core operations found: is the SDK's layout still read?`);
    assert.deepEqual(missing, [], `${coverage.answering} of ${coverage.total} answer`);
  });
});
