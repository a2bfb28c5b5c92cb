/**
 * Unit tests of the PAN detector (src/platform/pan.ts): what counts as a card number (Luhn-valid,
 * 12–19 digits, plain or grouped by spaces or dashes), how it is masked (all but the last four), and
 * what is left alone (short numbers, Luhn failures, longer digit runs, ids); plus the error body and
 * the log lines that use it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBody, invalidRequest, resourceMissing } from '../../src/platform/errors.js';
import { formatLogLine } from '../../src/platform/log.js';
import { luhnValid, redactPans, redactPansDeep } from '../../src/platform/pan.js';

describe('redactPans', () => {
  it('masks Luhn-valid runs of 12 to 19 digits, keeping the last four', () => {
    assert.equal(redactPans('4242424242424242'), '************4242');
    assert.equal(redactPans("No such PaymentMethod: '4242424242424242'"), "No such PaymentMethod: '************4242'");
    assert.equal(redactPans('378282246310005'), '***********0005'); // 15 digits
    assert.equal(redactPans('6205500000000000004'), '***************0004'); // 19 digits
    assert.equal(redactPans('500000000009'), '********0009'); // 12 digits (Luhn-valid)
    assert.equal(
      redactPans('/v1/payment_methods/4242424242424242/attach'),
      '/v1/payment_methods/************4242/attach',
    );
    assert.equal(redactPans('pm_4242424242424242'), 'pm_************4242', 'letters around a run do not hide it');
  });

  it('masks numbers written in groups, keeping the separators', () => {
    assert.equal(redactPans('4242 4242 4242 4242'), '**** **** **** 4242');
    assert.equal(redactPans('3566-0020-2036-0505'), '****-****-****-0505');
    assert.equal(redactPans('4242  4242\t4242\n4242'), '****  ****\t****\n4242');
    assert.equal(redactPans('3782 822463 10005'), '**** ****** *0005');
  });

  it('finds a card number among other digit groups', () => {
    assert.equal(redactPans('order 12 4242424242424242 x'), 'order 12 ************4242 x');
    assert.equal(redactPans('4242424242424242 1234'), '************4242 1234');
    assert.equal(
      redactPans('4242424242424242,5555555555554444'),
      '************4242,************4444',
      'two numbers apart',
    );
    assert.equal(redactPans('1 4242 4242 4242 4242'), '1 **** **** **** 4242');
  });

  it('leaves alone what is no card number', () => {
    for (const text of [
      '',
      'cus_NffrFeUfNV2Hib',
      '4242424242424241', // fails Luhn
      '42424242424', // 11 digits
      '12345678901234567890', // 20 digits: a longer number
      '424242424242424242424242', // 24 digits
      'amount 1000 fee 30',
      '2026-10-28.endive',
      '1700000000', // a timestamp
      'req_1234567890abcd',
    ]) {
      assert.equal(redactPans(text), text, text);
    }
    const same = 'No such customer: cus_123';
    assert.equal(redactPans(same), same);
  });

  it('uses the card validation Luhn check', () => {
    assert.ok(luhnValid('4242424242424242'));
    assert.ok(!luhnValid('4242424242424241'));
  });

  it('walks structured values', () => {
    const err = new Error('bad input 4000 0566 5566 5556');
    const redacted = redactPansDeep({ a: ['x 5555555555554444'], n: 4242424242424242, err, small: 12 }) as {
      a: string[];
      n: unknown;
      err: Error;
      small: number;
    };
    assert.deepEqual(redacted.a, ['x ************4444']);
    assert.equal(redacted.n, '************4242');
    assert.equal(redacted.small, 12);
    assert.ok(redacted.err instanceof Error);
    assert.equal(redacted.err.message, 'bad input **** **** **** 5556');
    assert.doesNotMatch(redacted.err.stack ?? '', /4000 0566/);
    assert.equal(err.message, 'bad input 4000 0566 5566 5556', 'the original is untouched');
  });
});

describe('where PANs are masked', () => {
  it('error bodies: the message and the parameter name', () => {
    const body = errorBody(resourceMissing('PaymentMethod', '4242424242424242', 'payment_method'), 'req_x');
    assert.equal(body.error.message, "No such PaymentMethod: '************4242'");
    const param = errorBody(invalidRequest('x', { param: 'metadata[5555555555554444]' }), 'req_x');
    assert.equal(param.error.param, 'metadata[************4444]');
  });

  it('log lines, text and JSON, including an error and its stack', () => {
    const err = new Error('failed on 4242424242424242');
    for (const format of ['text', 'json'] as const) {
      const line = formatLogLine(format, 'error', 'internal error 5555555555554444', {
        err,
        path: '/v1/payment_methods/4000056655665556',
        nested: { key: 'idem-4242-4242-4242-4242' },
      });
      assert.doesNotMatch(line, /4242424242424242|5555555555554444|4000056655665556|4242-4242-4242-4242/, line);
      assert.match(line, /\*{12}4242/);
      assert.match(line, /at /, 'the stack is still there');
    }
  });
});
