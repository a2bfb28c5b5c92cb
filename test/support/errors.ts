/** Unit-test helper: what a synchronous call throws, asserted to be a StripeError. */
import assert from 'node:assert/strict';
import { StripeError } from '../../src/platform/errors.js';

/** Runs `fn`, asserts it throws a StripeError (`label` names the case in the failure), and returns it. */
export function thrownStripeError(fn: () => unknown, label = ''): StripeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StripeError, `${label}: expected a StripeError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${label}: expected a StripeError, but nothing was thrown`);
}
