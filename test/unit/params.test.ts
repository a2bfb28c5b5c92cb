/**
 * Unit tests of parameter validation (src/platform/params.ts) against Stripe's error wording, using
 * the real Customer schemas where they cover a case and small ad-hoc schemas elsewhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createCustomerParams,
  listCustomersParams,
  searchCustomersParams,
  updateCustomerParams,
} from '../../src/customers/params.js';
import type { StripeError } from '../../src/platform/errors.js';
import { parseForm } from '../../src/platform/form.js';
import { type Field, p, params, validate } from '../../src/platform/params.js';
import { thrownStripeError } from '../support/errors.js';

/** Validates a form string against `schema`. */
function run<T>(schema: Field<T>, form: string): T {
  return validate(schema, parseForm(form));
}

interface Expected {
  message: string | RegExp;
  param?: string | undefined;
  code?: string | undefined;
}

/** Asserts a 400 invalid_request_error with exactly this message, param and code (absent when undefined). */
function rejects(schema: Field<unknown>, form: string, want: Expected): StripeError {
  const caught = thrownStripeError(() => run(schema, form), form);
  assert.equal(caught.status, 400, form);
  assert.equal(caught.type, 'invalid_request_error', form);
  if (typeof want.message === 'string') assert.equal(caught.message, want.message, form);
  else assert.match(caught.message, want.message, form);
  assert.equal(caught.param, want.param, `${form}: param`);
  assert.equal(caught.code, want.code, `${form}: code`);
  return caught;
}

const create = createCustomerParams;
const update = updateCustomerParams;

describe('unknown parameters', () => {
  it('names a single unknown parameter', () => {
    rejects(create, 'colour=red', {
      message: 'Received unknown parameter: colour',
      param: 'colour',
      code: 'parameter_unknown',
    });
  });

  it('lists several unknown parameters in the order received, with the first as param', () => {
    rejects(create, 'zeta=1&email=a@b.co&alpha=2', {
      message: 'Received unknown parameters: zeta, alpha',
      param: 'zeta',
      code: 'parameter_unknown',
    });
    rejects(create, 'b=1&a=2&c=3', {
      message: 'Received unknown parameters: b, a, c',
      param: 'b',
      code: 'parameter_unknown',
    });
  });

  it('names nested unknown parameters by their full bracket path', () => {
    rejects(create, 'address[colour]=red', {
      message: 'Received unknown parameter: address[colour]',
      param: 'address[colour]',
      code: 'parameter_unknown',
    });
    rejects(create, 'shipping[name]=n&shipping[address][zip]=1', {
      message: 'Received unknown parameter: shipping[address][zip]',
      param: 'shipping[address][zip]',
      code: 'parameter_unknown',
    });
  });

  it('names unknown parameters inside arrays of objects with their index', () => {
    rejects(create, 'tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=x&tax_id_data[0][foo]=1', {
      message: 'Received unknown parameter: tax_id_data[0][foo]',
      param: 'tax_id_data[0][foo]',
      code: 'parameter_unknown',
    });
    rejects(create, 'tax_id_data[][type]=eu_vat&tax_id_data[][foo]=1', {
      message: 'Received unknown parameter: tax_id_data[0][foo]',
      param: 'tax_id_data[0][foo]',
      code: 'parameter_unknown',
    });
    rejects(create, 'invoice_settings[custom_fields][1][nmae]=a', {
      message: 'Received unknown parameter: invoice_settings[custom_fields][1][nmae]. Did you mean name?',
      param: 'invoice_settings[custom_fields][1][nmae]',
      code: 'parameter_unknown',
    });
  });

  it('suggests a near-miss sibling', () => {
    rejects(create, 'emial=a@b.co', {
      message: 'Received unknown parameter: emial. Did you mean email?',
      param: 'emial',
      code: 'parameter_unknown',
    });
    rejects(create, 'address[citty]=x', {
      message: 'Received unknown parameter: address[citty]. Did you mean city?',
      param: 'address[citty]',
      code: 'parameter_unknown',
    });
    rejects(update, 'metdata[a]=b', {
      message: 'Received unknown parameter: metdata. Did you mean metadata?',
      param: 'metdata',
      code: 'parameter_unknown',
    });
  });

  it('suggests nothing when no sibling is close', () => {
    rejects(create, 'xyzzy=1', {
      message: 'Received unknown parameter: xyzzy',
      param: 'xyzzy',
      code: 'parameter_unknown',
    });
  });

  it('reports unknown parameters before any other problem', () => {
    rejects(create, 'balance=abc&colour=red', {
      message: 'Received unknown parameter: colour',
      param: 'colour',
      code: 'parameter_unknown',
    });
    rejects(searchCustomersParams, 'colour=red', {
      message: 'Received unknown parameter: colour',
      param: 'colour',
      code: 'parameter_unknown',
    });
  });

  it('reports Object.prototype names as unknown parameters', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      rejects(create, `${name}=1`, {
        message: `Received unknown parameter: ${name}`,
        param: name,
        code: 'parameter_unknown',
      });
    }
    rejects(create, '__proto__[polluted]=1', {
      message: 'Received unknown parameter: __proto__',
      param: '__proto__',
      code: 'parameter_unknown',
    });
    rejects(create, 'address[constructor]=x', {
      message: 'Received unknown parameter: address[constructor]',
      param: 'address[constructor]',
      code: 'parameter_unknown',
    });
    rejects(create, 'tax_id_data[0][toString]=x', {
      message: 'Received unknown parameter: tax_id_data[0][toString]',
      param: 'tax_id_data[0][toString]',
      code: 'parameter_unknown',
    });
  });

  it('does not treat metadata keys as parameters', () => {
    const out = run(create, 'metadata[anything]=1&metadata[colour]=red');
    assert.deepEqual({ ...out.metadata }, { anything: '1', colour: 'red' });
  });

  it('accepts a root with no parameters and rejects any on an empty schema', () => {
    assert.deepEqual(run(params({}), ''), {});
    rejects(params({}), 'a=1', { message: 'Received unknown parameter: a', param: 'a', code: 'parameter_unknown' });
  });
});

describe('required parameters', () => {
  it('says which one is missing, with a trailing period', () => {
    rejects(searchCustomersParams, 'limit=1', {
      message: 'Missing required param: query.',
      param: 'query',
      code: 'parameter_missing',
    });
  });

  it('names nested required parameters in bracket form', () => {
    rejects(create, 'shipping[address][city]=Paris', {
      message: 'Missing required param: shipping[name].',
      param: 'shipping[name]',
      code: 'parameter_missing',
    });
    rejects(create, 'shipping[name]=Jo', {
      message: 'Missing required param: shipping[address].',
      param: 'shipping[address]',
      code: 'parameter_missing',
    });
    rejects(create, 'tax_id_data[0][type]=eu_vat', {
      message: 'Missing required param: tax_id_data[0][value].',
      param: 'tax_id_data[0][value]',
      code: 'parameter_missing',
    });
  });

  it('refuses an empty string for a required parameter (parameter_invalid_empty)', () => {
    rejects(searchCustomersParams, 'query=', {
      message:
        "You passed an empty string for 'query'. We assume empty values are an attempt to unset a parameter; however 'query' cannot be unset. You should remove 'query' from your request or supply a non-empty value.",
      param: 'query',
      code: 'parameter_invalid_empty',
    });
    rejects(create, 'shipping[name]=&shipping[address][city]=x', {
      message:
        "You passed an empty string for 'shipping[name]'. We assume empty values are an attempt to unset a parameter; however 'shipping[name]' cannot be unset. You should remove 'shipping[name]' from your request or supply a non-empty value.",
      param: 'shipping[name]',
      code: 'parameter_invalid_empty',
    });
  });

  it('refuses an empty array element where the element is required', () => {
    const schema = params({ tags: p.array(p.string({ required: true })) });
    rejects(schema, 'tags[]=a&tags[]=', {
      message: 'Missing required param: tags[1].',
      param: 'tags[1]',
      code: 'parameter_missing',
    });
  });

  it('refuses an empty string where the field may not be unset', () => {
    const schema = params({ kind: p.string({ emptyable: false }) });
    rejects(schema, 'kind=', {
      message: /You passed an empty string for 'kind'/,
      param: 'kind',
      code: 'parameter_invalid_empty',
    });
  });
});

describe('integers', () => {
  it('parses decimal integers, including negatives', () => {
    assert.equal(run(create, 'balance=-250').balance, -250);
    assert.equal(run(create, 'balance=0').balance, 0);
    assert.equal(run(create, 'balance=9007199254740991').balance, Number.MAX_SAFE_INTEGER);
  });

  it('echoes the raw value of an invalid integer', () => {
    for (const raw of ['abc', '10.99', '1.0', '1e3', 'NaN', '0x10', ' 5']) {
      rejects(create, `balance=${encodeURIComponent(raw)}`, {
        message: `Invalid integer: ${raw}`,
        param: 'balance',
        code: 'parameter_invalid_integer',
      });
    }
  });

  it('refuses integers beyond 2^53', () => {
    rejects(create, 'balance=99999999999999999999', {
      message: 'Invalid integer: 99999999999999999999',
      param: 'balance',
      code: 'parameter_invalid_integer',
    });
  });

  it('uses the bracket path for nested integers', () => {
    rejects(listCustomersParams, 'created[gte]=soon', {
      message: 'Invalid integer: soon',
      param: 'created[gte]',
      code: 'parameter_invalid_integer',
    });
  });

  it('enforces minimum and maximum with Stripe wording', () => {
    rejects(create, 'next_invoice_sequence=0', {
      message: 'This value must be greater than or equal to 1.',
      param: 'next_invoice_sequence',
      code: 'parameter_invalid_integer',
    });
    rejects(listCustomersParams, 'limit=0', {
      message: 'This value must be greater than or equal to 1.',
      param: 'limit',
      code: 'parameter_invalid_integer',
    });
    rejects(listCustomersParams, 'limit=101', {
      message: 'This value must be less than or equal to 100.',
      param: 'limit',
      code: 'parameter_invalid_integer',
    });
    assert.equal(run(listCustomersParams, 'limit=1').limit, 1);
    assert.equal(run(listCustomersParams, 'limit=100').limit, 100);
  });
});

describe('booleans', () => {
  it('accepts true and false in any case, as stripe-python (True) and .NET (False) send them', () => {
    for (const raw of ['true', 'True', 'TRUE']) assert.equal(run(create, `validate=${raw}`).validate, true);
    for (const raw of ['false', 'False', 'fAlSe']) assert.equal(run(create, `validate=${raw}`).validate, false);
  });

  it('echoes anything else, 1 and 0 included', () => {
    for (const raw of ['maybe', '1', '0', 'yes', 'truee']) {
      rejects(create, `validate=${raw}`, { message: `Invalid boolean: ${raw}`, param: 'validate', code: undefined });
    }
  });
});

describe('enums', () => {
  it('accepts a declared value', () => {
    assert.equal(run(create, 'tax_exempt=reverse').tax_exempt, 'reverse');
  });

  it('lists three or more values in declared order with an Oxford comma and no period', () => {
    rejects(create, 'tax_exempt=sometimes', {
      message: 'Invalid tax_exempt: must be one of none, exempt, or reverse',
      param: 'tax_exempt',
    });
  });

  it('joins two values with "or" and names nested enums by bracket path', () => {
    rejects(create, 'invoice_settings[rendering_options][amount_tax_display]=x', {
      message:
        'Invalid invoice_settings[rendering_options][amount_tax_display]: must be one of exclude_tax or include_inclusive_tax',
      param: 'invoice_settings[rendering_options][amount_tax_display]',
    });
  });

  it('is case-sensitive', () => {
    rejects(create, 'tax_exempt=None', {
      message: 'Invalid tax_exempt: must be one of none, exempt, or reverse',
      param: 'tax_exempt',
    });
  });
});

describe('type mismatches', () => {
  it('answers "Invalid object" when a hash is expected', () => {
    rejects(create, 'address=Paris', { message: 'Invalid object', param: 'address' });
    rejects(create, 'shipping[name]=a&shipping[address]=x', { message: 'Invalid object', param: 'shipping[address]' });
    rejects(create, 'metadata=oops', { message: 'Invalid object', param: 'metadata' });
    rejects(create, 'address[]=x', { message: 'Invalid object', param: 'address' });
  });

  it('answers "Invalid array" when an array is expected', () => {
    rejects(create, 'preferred_locales=en', { message: 'Invalid array', param: 'preferred_locales' });
    rejects(create, 'preferred_locales[en]=1', { message: 'Invalid array', param: 'preferred_locales' });
  });

  it('answers "Invalid value type: … must be a string" when a string is given structure', () => {
    rejects(create, 'email[a]=b', { message: /^Invalid value type: .+ must be a string$/, param: 'email' });
    rejects(create, 'email[]=b', { message: /^Invalid value type: .+ must be a string$/, param: 'email' });
    rejects(create, 'metadata[a][b]=c', { message: /^Invalid value type: .+ must be a string$/, param: 'metadata[a]' });
    rejects(create, 'preferred_locales[0][x]=en', {
      message: /^Invalid value type: .+ must be a string$/,
      param: 'preferred_locales[0]',
    });
  });

  it('refuses over-long strings', () => {
    rejects(create, `description=${'d'.repeat(351)}`, {
      message: /^Invalid string: d{20}\.\.\.; must be at most 350 characters$/,
      param: 'description',
      code: 'parameter_invalid_string',
    });
    assert.equal(run(create, `description=${'d'.repeat(350)}`).description?.length, 350);
  });

  it('enforces array maxItems', () => {
    const four = [0, 1, 2, 3].map(
      (i) => `invoice_settings[custom_fields][${i}][name]=n&invoice_settings[custom_fields][${i}][value]=v`,
    );
    assert.equal(run(create, four.join('&')).invoice_settings?.custom_fields?.length, 4);
    rejects(
      create,
      [...four, 'invoice_settings[custom_fields][4][name]=n&invoice_settings[custom_fields][4][value]=v'].join('&'),
      {
        message: 'Invalid array: must contain at most 4 items',
        param: 'invoice_settings[custom_fields]',
      },
    );
  });
});

describe('arrays', () => {
  it('accepts x[]=, x[n]= and sorts indexed elements numerically', () => {
    assert.deepEqual(run(create, 'preferred_locales[]=en&preferred_locales[]=fr').preferred_locales, ['en', 'fr']);
    assert.deepEqual(
      run(create, 'preferred_locales[10]=c&preferred_locales[2]=b&preferred_locales[0]=a').preferred_locales,
      ['a', 'b', 'c'],
    );
  });

  it('parses arrays of objects in both forms', () => {
    const indexed = run(
      create,
      'tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=DE1&tax_id_data[1][type]=gb_vat&tax_id_data[1][value]=GB2',
    );
    const cli = run(
      create,
      'tax_id_data[][type]=eu_vat&tax_id_data[][value]=DE1&tax_id_data[][type]=gb_vat&tax_id_data[][value]=GB2',
    );
    const want = [
      { type: 'eu_vat', value: 'DE1' },
      { type: 'gb_vat', value: 'GB2' },
    ];
    assert.deepEqual(indexed.tax_id_data, want);
    assert.deepEqual(cli.tax_id_data, want);
  });

  it('accepts expand in both forms', () => {
    assert.deepEqual(run(create, 'expand[]=tax&expand[]=sources').expand, ['tax', 'sources']);
    assert.deepEqual(run(create, 'expand[0]=tax&expand[1]=sources').expand, ['tax', 'sources']);
  });
});

describe('range parameters', () => {
  it('turns created=N into an inclusive exact range', () => {
    assert.deepEqual(run(listCustomersParams, 'created=5').created, { gte: 5, lte: 5 });
  });

  it('parses created[op]=N', () => {
    assert.deepEqual({ ...run(listCustomersParams, 'created[gte]=1').created }, { gte: 1 });
    assert.deepEqual({ ...run(listCustomersParams, 'created[gt]=1&created[lt]=9').created }, { gt: 1, lt: 9 });
  });

  it('refuses unknown range operators', () => {
    rejects(listCustomersParams, 'created[after]=1', {
      message: 'Received unknown parameter: created[after]',
      param: 'created[after]',
      code: 'parameter_unknown',
    });
  });

  it('refuses a non-integer exact value', () => {
    rejects(listCustomersParams, 'created=yesterday', {
      message: 'Invalid integer: yesterday',
      param: 'created',
      code: 'parameter_invalid_integer',
    });
  });
});

describe('empty and absent values', () => {
  it("parses '' on an optional field to null and an absent field to undefined", () => {
    const out = run(update, 'description=&name=Jo');
    assert.equal(out.description, null);
    assert.equal(out.name, 'Jo');
    assert.equal(out.email, undefined);
    assert.equal('email' in out, false);
  });

  it("parses '' on optional hashes, integers, booleans and enums to null", () => {
    const out = run(update, 'address=&balance=&validate=&tax_exempt=&metadata=&preferred_locales=');
    assert.equal(out.address, null);
    assert.equal(out.balance, null);
    assert.equal(out.validate, null);
    assert.equal(out.tax_exempt, null);
    assert.equal(out.metadata, null);
    assert.equal(out.preferred_locales, null);
  });

  it("keeps metadata[k]='' as an empty value (the key is deleted later)", () => {
    assert.deepEqual({ ...run(update, 'metadata[a]=&metadata[b]=x').metadata }, { a: '', b: 'x' });
  });

  it('parses nested optional empties to null', () => {
    assert.deepEqual(run(update, 'address[line2]=&address[city]=Paris').address, { city: 'Paris', line2: null });
  });
});

describe('timestamps', () => {
  const schema = params({ at: p.timestamp(), when: p.timestamp({ allowNow: true }, () => 1_800_000_000) });

  it('take Unix seconds, and `now` where the parameter allows it (read from the clock)', () => {
    assert.deepEqual(run(schema, 'at=1700000000&when=now'), { at: 1_700_000_000, when: 1_800_000_000 });
    assert.deepEqual(run(schema, 'when=5'), { when: 5 });
  });

  it('refuse `now` where it is not allowed, and anything but an integer', () => {
    rejects(schema, 'at=now', { message: 'Invalid integer: now', param: 'at', code: 'parameter_invalid_integer' });
    rejects(schema, 'at=1.5', { message: 'Invalid integer: 1.5', param: 'at', code: 'parameter_invalid_integer' });
  });
});

describe('"Did you mean" suggestions', () => {
  it('are skipped for absurdly long names, so they cost no noticeable time', () => {
    const name = 'e'.repeat(1_000_000);
    const started = performance.now();
    rejects(createCustomerParams, `${name}=1`, {
      message: `Received unknown parameter: ${name}`,
      param: name,
      code: 'parameter_unknown',
    });
    assert.ok(performance.now() - started < 200, 'validation took too long');
  });
});
