/**
 * Unit tests of the small platform pieces: key masking and Authorization parsing, API version
 * resolution, the error body, metadata update rules, ids, and idempotency fingerprints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidKey, keyFromHeader, maskKey } from '../../src/platform/auth.js';
import { accountClock, MAX_ACCOUNT_TIME, ManualClock } from '../../src/platform/clock.js';
import { docUrl, errorBody, resourceMissing, StripeError, unrecognizedUrl } from '../../src/platform/errors.js';
import { parseForm } from '../../src/platform/form.js';
import { checkKey, fingerprint } from '../../src/platform/idempotency.js';
import { newId, newRequestId, randomBase62 } from '../../src/platform/ids.js';
import { applyMetadata, METADATA_LIMITS } from '../../src/platform/metadata.js';
import { LATEST_VERSION, renderForVersion, resolveVersion, VERSION_CHANGES } from '../../src/platform/versions.js';
import { thrownStripeError } from '../support/errors.js';

/** Runs `fn`, asserts it throws a StripeError, and returns it. */
function stripeError(fn: () => unknown): StripeError {
  return thrownStripeError(fn);
}

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

const headerWithoutKey = (header: string) =>
  `You did not provide an API key, though you did set your Authorization header to "${header}". Using Bearer auth, your Authorization header should look something like 'Authorization: Bearer YOUR_SECRET_KEY'. See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.`;

describe('maskKey', () => {
  it('shows the first 8 and last 4 characters, one * per hidden character', () => {
    assert.equal(maskKey('sk_test_your_secret_key_here'), 'sk_test_****************here');
    assert.equal(maskKey('sk_test_abcdefghIder'), 'sk_test_********Ider'.replace('********', '*'.repeat(8)));
    assert.equal(maskKey('sk_test_1234567Ider'), 'sk_test_*******Ider');
    // Positional, not prefix-aware (stripe-node#1437: a key wrapped in quotes).
    assert.equal(maskKey('"sk_test_abcdefJhB"'), '"sk_test*******JhB"');
  });

  it('keeps the masked key as long as the key', () => {
    for (const key of ['sk_test_x', 'sk_test_0123', 'sk_test_01234', `sk_test_${'a'.repeat(99)}`]) {
      assert.equal(maskKey(key).length, key.length, key);
      assert.ok(maskKey(key).startsWith(key.slice(0, 8)), key);
    }
  });

  it('never reveals a short key beyond its first 8 characters', () => {
    assert.equal(maskKey('sk_test_abc'), 'sk_test_***');
    assert.equal(maskKey('short'), 'short');
    assert.equal(maskKey(''), '');
  });
});

describe('invalidKey', () => {
  it('masks the key, or says it contains a space', () => {
    assert.equal(invalidKey('sk_test_abcdefgh1234').message, 'Invalid API Key provided: sk_test_********1234');
    assert.match(
      invalidKey('sk_test_ab cd').message,
      /^Invalid API Key provided: nil\. This key contains at least one space\./,
    );
    assert.equal(invalidKey('sk_test_ab cd').status, 401);
  });
});

describe('keyFromHeader', () => {
  it('reads Bearer keys, case-insensitively', () => {
    assert.equal(keyFromHeader('Bearer sk_test_abc'), 'sk_test_abc');
    assert.equal(keyFromHeader('bearer sk_test_abc'), 'sk_test_abc');
    assert.equal(keyFromHeader('BEARER  sk_test_abc '), 'sk_test_abc');
  });

  it('reads HTTP Basic keys (the key as user name, empty password)', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.equal(keyFromHeader(basic('sk_test_abc:')), 'sk_test_abc');
    assert.equal(keyFromHeader(basic('sk_test_abc')), 'sk_test_abc');
    assert.equal(keyFromHeader(basic('sk_test_abc:ignored')), 'sk_test_abc');
    assert.equal(keyFromHeader(`basic ${Buffer.from('sk_test_abc:').toString('base64')}`), 'sk_test_abc');
  });

  it('answers a missing header with the "did not provide an API key" 401', () => {
    for (const header of [undefined, '', '   ']) {
      const err = stripeError(() => keyFromHeader(header));
      assert.equal(err.status, 401);
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.message, NO_KEY);
      assert.equal(err.code, undefined);
      assert.equal(err.param, undefined);
    }
  });

  it('answers a header without a key by echoing the header', () => {
    const basicEmpty = `Basic ${Buffer.from(':').toString('base64')}`;
    for (const header of ['Bearer', 'null', 'Token sk_test_abc', basicEmpty]) {
      const err = stripeError(() => keyFromHeader(header));
      assert.equal(err.status, 401, header);
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.message, headerWithoutKey(header), header);
    }
  });
});

describe('resolveVersion', () => {
  it('defaults to the latest version', () => {
    assert.equal(resolveVersion(undefined), LATEST_VERSION);
    assert.equal(resolveVersion(''), LATEST_VERSION);
    assert.match(LATEST_VERSION, /^\d{4}-\d{2}-\d{2}\.[a-z]+$/);
  });

  it('accepts dated versions with and without a release name', () => {
    for (const v of ['2020-08-27', '2023-10-16', '2024-09-30.acacia', '2025-03-31.basil', LATEST_VERSION]) {
      assert.equal(resolveVersion(v), v);
    }
    assert.equal(resolveVersion(' 2020-08-27 '), '2020-08-27');
    // Newer than Sandbank's newest: accepted, rendered in the newest shape (an SDK released later works).
    assert.equal(resolveVersion('2099-01-01.zeta'), '2099-01-01.zeta');
  });

  it('refuses anything else with Stripe’s message', () => {
    for (const v of [
      'x',
      'latest',
      '2019-2-19',
      '2019-05-16, 2019-12-03',
      '2020-13-01',
      '2020-00-10',
      '2020-01-32',
      '2023-02-30',
    ]) {
      const err = stripeError(() => resolveVersion(v));
      assert.equal(err.status, 400, v);
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.message, `Invalid Stripe API version: ${v}`);
      assert.equal(err.code, undefined);
      assert.equal(err.param, undefined);
    }
  });
});

describe('renderForVersion', () => {
  it('applies each older version change to every object in the response, innermost first', () => {
    const seen: string[] = [];
    const change = {
      version: '2025-01-01.test',
      describe: 'renames name to full_name',
      downgrade(o: Record<string, unknown>) {
        seen.push(String(o.id ?? o.object));
        if ('name' in o) {
          o.full_name = o.name;
          delete o.name;
        }
      },
    };
    VERSION_CHANGES.push(change);
    try {
      const response = () => ({
        object: 'list',
        data: [
          { id: 'cus_1', object: 'customer', name: 'A', default_source: { id: 'src_1', object: 'source', name: 'S' } },
        ],
        has_more: false,
        url: '/v1/customers',
      });
      const old = renderForVersion(response(), '2024-06-20');
      assert.deepEqual(seen, ['src_1', 'cus_1', 'list']);
      assert.deepEqual(old.data[0], {
        id: 'cus_1',
        object: 'customer',
        default_source: { id: 'src_1', object: 'source', full_name: 'S' },
        full_name: 'A',
      });
      seen.length = 0;
      const current = renderForVersion(response(), '2025-06-30.basil');
      assert.deepEqual(seen, []);
      assert.equal(current.data[0]?.name, 'A');
    } finally {
      VERSION_CHANGES.pop();
    }
  });
});

describe('errorBody', () => {
  it('orders fields alphabetically and adds doc_url for coded errors', () => {
    const body = errorBody(resourceMissing('customer', 'cus_x'), 'req_abc');
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error), ['code', 'doc_url', 'message', 'param', 'request_log_url', 'type']);
    assert.deepEqual(body.error, {
      code: 'resource_missing',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      message: "No such customer: 'cus_x'",
      param: 'id',
      request_log_url: 'https://dashboard.stripe.com/test/logs/req_abc',
      type: 'invalid_request_error',
    });
  });

  it('omits code, doc_url and param when absent', () => {
    const body = errorBody(unrecognizedUrl('GET', '/v1/foo'), 'req_abc');
    assert.deepEqual(Object.keys(body.error), ['message', 'request_log_url', 'type']);
  });

  it('places decline_code and charge in order for card errors', () => {
    const err = new StripeError({
      kind: 'payment_failed',
      type: 'card_error',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      param: '',
      extra: { charge: 'ch_1', payment_intent: { id: 'pi_1' }, setup_intent: { id: 'seti_1' } },
    });
    const body = errorBody(err, 'req_1');
    assert.deepEqual(Object.keys(body.error), [
      'charge',
      'code',
      'decline_code',
      'doc_url',
      'message',
      'param',
      'payment_intent',
      'request_log_url',
      'setup_intent',
      'type',
    ]);
    assert.equal(body.error.doc_url, 'https://stripe.com/docs/error-codes/card-declined');
    assert.equal(err.status, 402);
  });

  it('builds doc URLs with dashes', () => {
    assert.equal(docUrl('parameter_invalid_integer'), 'https://stripe.com/docs/error-codes/parameter-invalid-integer');
  });
});

describe('applyMetadata', () => {
  const current = { a: '1', b: '2' };

  it('keeps the metadata when the parameter is absent', () => {
    assert.equal(applyMetadata(current, undefined), current);
  });

  it('clears all keys for metadata=', () => {
    assert.deepEqual(applyMetadata(current, null), {});
  });

  it('sets, replaces and (with an empty value) deletes keys, leaving the rest', () => {
    assert.deepEqual(applyMetadata(current, { a: '', b: 'two', c: '3' }), { b: 'two', c: '3' });
    assert.deepEqual(current, { a: '1', b: '2' }, 'the input is not mutated');
    assert.deepEqual(applyMetadata({}, { gone: '' }), {});
  });

  it('stores keys that are Object.prototype names as plain data', () => {
    // JSON.parse makes `__proto__` an own property, as the form parser does.
    const update = JSON.parse('{"__proto__":"x","constructor":"y","toString":"z"}') as Record<string, string>;
    const next = applyMetadata({}, update);
    assert.deepEqual(Object.keys(next).sort(), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(next)), '__proto__')?.value, 'x');
  });

  it(`accepts ${METADATA_LIMITS.maxKeyLength}-character keys and refuses longer ones`, () => {
    const ok = 'k'.repeat(40);
    assert.deepEqual(applyMetadata({}, { [ok]: 'v' }), { [ok]: 'v' });
    const long = 'k'.repeat(41);
    const err = stripeError(() => applyMetadata({}, { [long]: 'v' }));
    assert.equal(err.status, 400);
    assert.equal(
      err.message,
      `Metadata keys can have up to 40 characters, but you passed in a key that is 41 characters. Invalid key: ${long}`,
    );
    assert.equal(err.param, 'metadata');
  });

  it(`accepts ${METADATA_LIMITS.maxValueLength}-character values and refuses longer ones`, () => {
    assert.equal(applyMetadata({}, { k: 'v'.repeat(500) }).k?.length, 500);
    const long = 'v'.repeat(501);
    const err = stripeError(() => applyMetadata({}, { k: long }));
    assert.equal(
      err.message,
      `Metadata values can have up to 500 characters, but you passed in a value that is 501 characters. Invalid value: ${long}`,
    );
  });

  it(`allows ${METADATA_LIMITS.maxKeys} keys after deletions, not more`, () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(Object.keys(applyMetadata({}, fifty)).length, 50);
    assert.equal(Object.keys(applyMetadata(fifty, { k0: '', extra: 'v' })).length, 50);
    const err = stripeError(() => applyMetadata(fifty, { extra: 'v', more: 'v' }));
    assert.equal(err.message, "Metadata can have up to 50 keys, but you've set 52");
    assert.equal(err.param, 'metadata');
  });
});

describe('ids', () => {
  it('newId is the prefix, an underscore and 14 base62 characters', () => {
    assert.match(newId('cus'), /^cus_[0-9A-Za-z]{14}$/);
    assert.match(newId('pi', 24), /^pi_[0-9A-Za-z]{24}$/);
  });

  it('newRequestId is req_ and 14 base62 characters, and unique', () => {
    const ids = new Set(Array.from({ length: 2000 }, newRequestId));
    assert.equal(ids.size, 2000);
    for (const id of ids) assert.match(id, /^req_[0-9A-Za-z]{14}$/);
  });

  it('randomBase62 uses the whole alphabet', () => {
    const sample = randomBase62(5000);
    assert.equal(sample.length, 5000);
    assert.equal(new Set(sample).size, 62);
  });
});

describe('idempotency', () => {
  it('fingerprints ignore the order of hash keys', () => {
    const a = fingerprint('POST', '/v1/customers', parseForm('email=a@b.co&name=Jo&metadata[x]=1&metadata[y]=2'));
    const b = fingerprint('POST', '/v1/customers', parseForm('metadata[y]=2&name=Jo&metadata[x]=1&email=a@b.co'));
    assert.equal(a, b);
  });

  it('fingerprints keep the order of arrays and tell values apart', () => {
    const print = (form: string) => fingerprint('POST', '/v1/customers', parseForm(form));
    assert.notEqual(print('expand[]=a&expand[]=b'), print('expand[]=b&expand[]=a'));
    assert.notEqual(print('name=Jo'), print('name=Joe'));
    assert.notEqual(print('name=Jo'), print('name[]=Jo'));
    assert.notEqual(print('a=b'), print('a[b]='));
  });

  it('fingerprints depend on method and path', () => {
    const params = parseForm('name=Jo');
    const base = fingerprint('POST', '/v1/customers', params);
    assert.notEqual(fingerprint('POST', '/v1/customers/cus_1', params), base);
    assert.notEqual(fingerprint('DELETE', '/v1/customers', params), base);
  });

  it('fingerprints keep no card number or CVC: a card counts by its last four digits and length', () => {
    const print = (form: string) => fingerprint('POST', '/v1/payment_methods', parseForm(form));
    const card = (number: string, cvc: string) =>
      print(`type=card&card[number]=${number}&card[exp_month]=12&card[exp_year]=2034&card[cvc]=${cvc}`);
    assert.equal(card('4242424242424242', '123'), card('4000000000004242', '987'));
    assert.notEqual(card('4242424242424242', '123'), card('4000056655665556', '123'));
    assert.notEqual(print('card[exp_month]=12'), print('card[exp_month]=11'));
    // Outside `card`, `number` is an ordinary parameter.
    assert.notEqual(print('x[number]=12345'), print('x[number]=99345'));
  });

  it('accepts keys of 1 to 255 characters', () => {
    assert.doesNotThrow(() => checkKey('k'));
    assert.doesNotThrow(() => checkKey('k'.repeat(255)));
    for (const n of [0, 256]) {
      const err = stripeError(() => checkKey('k'.repeat(n)));
      assert.equal(err.status, 400);
      assert.equal(
        err.message,
        `Idempotent key length is ${n}, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.`,
      );
    }
  });
});

describe('accountClock', () => {
  it('adds the account offset to the base clock', () => {
    const base = new ManualClock(1_000);
    assert.equal(accountClock(base, { clockOffset: 60 }).now(), 1_060);
    assert.equal(accountClock(base, { clockOffset: 0 }), base);
  });

  it('stops at the latest allowed moment while real time keeps running', () => {
    const base = new ManualClock(1_000);
    const clock = accountClock(base, { clockOffset: MAX_ACCOUNT_TIME - 1_000 });
    assert.equal(clock.now(), MAX_ACCOUNT_TIME);
    base.advanceTo(1_005);
    assert.equal(clock.now(), MAX_ACCOUNT_TIME);
  });
});
