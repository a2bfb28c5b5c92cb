/** The outbox's pure parts: JSON equality and Stripe's `previous_attributes`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previousAttributes, sameJson } from '../../src/events/outbox.js';

describe('sameJson', () => {
  it('compares JSON values in place, keys in any order', () => {
    assert.equal(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), true);
    assert.equal(sameJson({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(sameJson({ a: 1, b: 2 }, { a: 1 }), false);
    assert.equal(sameJson([1, 2], [2, 1]), false);
    assert.equal(sameJson([], {}), false);
    assert.equal(sameJson(null, {}), false);
    assert.equal(sameJson('1', 1), false);
    // As JSON.stringify sees them: an undefined field is no field.
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1 }), true);
  });
});

describe('previousAttributes', () => {
  it('lists changed top-level fields with old values, hashes by changed key, added keys as null', () => {
    const before = { amount: 100, metadata: { a: '1', b: '2' }, outcome: { object: 'x', v: 1 }, status: 'pending' };
    const after = { amount: 100, metadata: { a: '1', b: '3', c: '4' }, outcome: { object: 'x', v: 2 }, status: 'paid' };
    assert.deepEqual(previousAttributes(before, after), {
      metadata: { b: '2', c: null },
      // An object (it has `object`) changes as a whole.
      outcome: { object: 'x', v: 1 },
      status: 'pending',
    });
  });
});
