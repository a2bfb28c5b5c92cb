/** The statement cache keeps at most its cap, so query shapes chosen by callers cannot grow memory. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementCache } from '../../src/store/statement-cache.js';

describe('StatementCache', () => {
  it('reuses cached statements and makes uncached ones per use beyond the cap', () => {
    const made: [string, boolean][] = [];
    const cache = new StatementCache(2, (sql, kept) => {
      made.push([sql, kept]);
      return { sql };
    });
    const a = cache.get('a');
    assert.equal(cache.get('a'), a);
    cache.get('b');
    cache.get('c');
    cache.get('c');
    assert.equal(cache.size, 2);
    assert.deepEqual(made, [
      ['a', true],
      ['b', true],
      ['c', false],
      ['c', false],
    ]);
  });
});
