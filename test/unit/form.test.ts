/**
 * Unit tests of Stripe's form decoding (src/platform/form.ts): bracket nesting, the array forms
 * stripe-node, curl and the Stripe CLI send, percent-decoding, and the limits that turn hostile
 * input into a 400 instead of a crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StripeError } from '../../src/platform/errors.js';
import { FORM_LIMITS, isHash, type ParamHash, type ParamValue, parseForm, splitKey } from '../../src/platform/form.js';
import { thrownStripeError } from '../support/errors.js';

/** A plain-object copy of a parsed tree (parsed hashes have no prototype), for deepEqual. */
function plain(value: ParamValue): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function parse(input: string): unknown {
  return plain(parseForm(input));
}

/** Asserts that `fn` throws a 400 invalid_request_error and returns it for further checks. */
function expect400(fn: () => unknown, message?: RegExp | string): StripeError {
  const caught = thrownStripeError(fn);
  assert.equal(caught.status, 400);
  assert.equal(caught.type, 'invalid_request_error');
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

describe('splitKey', () => {
  it('keeps a plain key whole', () => {
    assert.deepEqual(splitKey('email'), ['email']);
  });

  it('splits bracket segments, including empty ones', () => {
    assert.deepEqual(splitKey('a[b][c]'), ['a', 'b', 'c']);
    assert.deepEqual(splitKey('expand[]'), ['expand', '']);
    assert.deepEqual(splitKey('items[0][price]'), ['items', '0', 'price']);
    assert.deepEqual(splitKey('a[b][]'), ['a', 'b', '']);
    // As Rack does: the segment runs to the first `]`.
    assert.deepEqual(splitKey('a[[b]'), ['a', '[b']);
  });

  it('takes keys whose brackets do not pair up literally', () => {
    for (const key of ['a[b', 'a]b', 'a[b]c', 'a[b]]', 'a[b][c', '[a]', 'a[b]x[c]']) {
      assert.deepEqual(splitKey(key), [key], key);
    }
  });

  it('accepts exactly maxDepth segments and refuses one more', () => {
    const ok = `a${'[x]'.repeat(FORM_LIMITS.maxDepth - 1)}`;
    assert.equal(splitKey(ok).length, FORM_LIMITS.maxDepth);
    const err = expect400(() => splitKey(`a${'[x]'.repeat(FORM_LIMITS.maxDepth)}`), /nested too deeply/);
    assert.equal(err.param, 'a');
  });
});

describe('parseForm', () => {
  it('parses an empty string to an empty hash', () => {
    assert.deepEqual(parse(''), {});
  });

  it('parses flat pairs, the last value of a repeated key winning', () => {
    assert.deepEqual(parse('a=1&b=2&a=3'), { a: '3', b: '2' });
  });

  it('nests bracketed keys', () => {
    assert.deepEqual(parse('a[b][c]=d'), { a: { b: { c: 'd' } } });
    assert.deepEqual(parse('metadata[order]=6&metadata[ref]=x'), { metadata: { order: '6', ref: 'x' } });
  });

  it('keeps empty values as empty strings (they mean "unset")', () => {
    assert.deepEqual(parse('a[b][c]='), { a: { b: { c: '' } } });
    assert.deepEqual(parse('description='), { description: '' });
    assert.deepEqual(parse('metadata='), { metadata: '' });
  });

  it('treats a key without = as an empty value', () => {
    assert.deepEqual(parse('a&b=1'), { a: '', b: '1' });
    assert.deepEqual(parse('x[y]'), { x: { y: '' } });
  });

  it('skips empty pairs and empty keys', () => {
    assert.deepEqual(parse('&&a=1&&=2&'), { a: '1' });
  });

  it('splits on the first = only', () => {
    assert.deepEqual(parse('q=a=b=c'), { q: 'a=b=c' });
  });

  it('keeps indexed arrays as integer-keyed hashes (the schema turns them into arrays)', () => {
    const tree = parseForm('x[0]=a&x[1]=b');
    assert.ok(isHash(tree.x));
    assert.deepEqual(plain(tree), { x: { 0: 'a', 1: 'b' } });
  });

  it('appends x[]= values to a real array, in order', () => {
    const tree = parseForm('x[]=a&x[]=b&x[]=c');
    assert.ok(Array.isArray(tree.x));
    assert.deepEqual(plain(tree), { x: ['a', 'b', 'c'] });
  });

  it('parses indexed arrays of objects', () => {
    assert.deepEqual(parse('items[0][price]=p&items[0][quantity]=2&items[1][price]=q'), {
      items: { 0: { price: 'p', quantity: '2' }, 1: { price: 'q' } },
    });
  });

  it('groups CLI-style items[][k] pairs into objects, starting a new one when a key repeats', () => {
    assert.deepEqual(parse('items[][price]=a&items[][quantity]=1&items[][price]=b'), {
      items: [{ price: 'a', quantity: '1' }, { price: 'b' }],
    });
    assert.deepEqual(parse('items[][price]=a&items[][price]=b&items[][price]=c'), {
      items: [{ price: 'a' }, { price: 'b' }, { price: 'c' }],
    });
  });

  it('decodes + and %20 as spaces', () => {
    assert.deepEqual(parse('name=John+Smith&city=New%20York'), { name: 'John Smith', city: 'New York' });
    assert.deepEqual(parse('a+b=c'), { 'a b': 'c' });
  });

  it('keeps an encoded plus (%2B) as a plus', () => {
    assert.deepEqual(parse('email=a%2Bb%40example.com'), { email: 'a+b@example.com' });
  });

  it('decodes UTF-8 percent-encoding', () => {
    assert.deepEqual(parse('name=J%C3%BCrgen&city=%E6%9D%B1%E4%BA%AC'), { name: 'Jürgen', city: '東京' });
  });

  it('decodes %5B / %5D-encoded brackets before splitting the key', () => {
    assert.deepEqual(parse('metadata%5Border%5D=6'), { metadata: { order: '6' } });
    assert.deepEqual(parse('expand%5B%5D=a&expand%5b%5d=b'), { expand: ['a', 'b'] });
    assert.deepEqual(parse('items%5B0%5D%5Bprice%5D=p'), { items: { 0: { price: 'p' } } });
  });

  it('keeps brackets in values as data', () => {
    assert.deepEqual(parse('description=%5Bnot%5D+a+key'), { description: '[not] a key' });
  });

  it('takes keys with unpaired brackets literally', () => {
    assert.deepEqual(parse('a[b=1&c]=2&d[e]f=3'), { 'a[b': '1', 'c]': '2', 'd[e]f': '3' });
  });

  it('lets a later structured value replace an earlier scalar (metadata=&metadata[a]=b)', () => {
    assert.deepEqual(parse('metadata=&metadata[a]=b'), { metadata: { a: 'b' } });
  });

  it('refuses to mix [] and [n] for the same parameter', () => {
    expect400(() => parseForm('x[]=a&x[0]=b'), /Invalid array or hash structure/);
    expect400(() => parseForm('x[0]=a&x[]=b'), /Invalid array or hash structure/);
  });

  it('treats __proto__, constructor and prototype keys as plain data', () => {
    const tree = parseForm('__proto__[polluted]=1&constructor[prototype][polluted]=2&metadata[__proto__]=x');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.equal(Object.getPrototypeOf(tree), null);
    assert.deepEqual(Object.keys(tree), ['__proto__', 'constructor', 'metadata']);
    const own = new Map(Object.entries(tree));
    assert.deepEqual(plain(own.get('__proto__') as ParamValue), { polluted: '1' });
    assert.deepEqual(plain(own.get('constructor') as ParamValue), { prototype: { polluted: '2' } });
    const metadata = tree.metadata as ParamHash;
    assert.equal(Object.hasOwn(metadata, '__proto__'), true);
    assert.equal(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value, 'x');
  });

  it('treats __proto__ inside CLI-style arrays as plain data', () => {
    const tree = parseForm('items[][__proto__]=a&items[][constructor]=b&items[][__proto__]=c');
    assert.equal(({} as Record<string, unknown>).a, undefined);
    const items = tree.items as ParamHash[];
    assert.equal(items.length, 2);
    assert.equal(Object.getOwnPropertyDescriptor(items[0], '__proto__')?.value, 'a');
    assert.equal(new Map(Object.entries(items[0] ?? {})).get('constructor'), 'b');
    assert.equal(Object.getOwnPropertyDescriptor(items[1], '__proto__')?.value, 'c');
  });

  it('answers malformed percent-encoding with a 400 StripeError', () => {
    for (const bad of ['a=%', 'a=%zz', 'a=%E0%A4%A', '%ZZ=1', 'a[%]=1', 'a=%FF', 'a=%ED%A0%80']) {
      expect400(() => parseForm(bad), /Invalid URL encoding/);
    }
  });

  it('refuses NUL characters, encoded or raw, in keys and values', () => {
    for (const bad of ['name=a%00b', 'metadata[k%00]=v', 'name=a\u0000b', '%00=1']) {
      expect400(() => parseForm(bad), /null characters \(%00\) are not accepted/);
    }
  });

  it('refuses keys nested more than maxDepth segments deep', () => {
    const ok = `a${'[b]'.repeat(FORM_LIMITS.maxDepth - 1)}=1`;
    assert.doesNotThrow(() => parseForm(ok));
    expect400(() => parseForm(`a${'[b]'.repeat(FORM_LIMITS.maxDepth)}=1`), /nested too deeply/);
    expect400(() => parseForm(`a${'[]'.repeat(50)}=1`), /nested too deeply/);
    expect400(() => parseForm(`a${'%5Bb%5D'.repeat(11)}=1`), /nested too deeply/);
  });

  it(`accepts ${FORM_LIMITS.maxPairs} pairs and refuses one more`, () => {
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => `metadata[k${i}]=v`).join('&');
    assert.equal(Object.keys(parseForm(pairs(FORM_LIMITS.maxPairs)).metadata as ParamHash).length, 10_000);
    expect400(() => parseForm(pairs(FORM_LIMITS.maxPairs + 1)), /Too many parameters/);
  });

  it('builds large x[]= arrays quickly', () => {
    const started = performance.now();
    const tree = parseForm(Array.from({ length: FORM_LIMITS.maxPairs }, (_, i) => `x[]=${i}`).join('&'));
    assert.equal((tree.x as ParamValue[]).length, FORM_LIMITS.maxPairs);
    assert.ok(performance.now() - started < 1000);
  });
});
