/**
 * Unit tests of the search query language (src/platform/search.ts) over the Customer search
 * definition, and of the opaque `page` cursors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customerSearch } from '../../src/customers/object.js';
import { decodePage, encodePage, MAX_CLAUSES, type ParsedQuery, parseSearchQuery } from '../../src/platform/search.js';
import { thrownStripeError } from '../support/errors.js';

const UNPARSEABLE =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.';

const EMAIL = { json: ['email'], numeric: false };
const NAME = { json: ['name'], numeric: false };
const PHONE = { json: ['phone'], numeric: false };
const CREATED = { column: 'created' };

function parse(query: string): ParsedQuery {
  return parseSearchQuery(query, customerSearch);
}

/** Asserts a 400 on `param: query` and returns its message. */
function fails(query: string, message?: string | RegExp): string {
  const caught = thrownStripeError(() => parse(query), query);
  assert.equal(caught.status, 400, query);
  assert.equal(caught.type, 'invalid_request_error', query);
  assert.equal(caught.param, 'query', query);
  if (typeof message === 'string') assert.equal(caught.message, message, query);
  else if (message) assert.match(caught.message, message, query);
  return caught.message;
}

/** A syntax error: Stripe's generic sentence, then where the problem is. */
function syntaxFails(query: string, detail?: RegExp): void {
  const message = fails(query);
  assert.ok(message.startsWith(UNPARSEABLE), `${query}: ${message}`);
  if (detail) assert.match(message.slice(UNPARSEABLE.length), detail, query);
}

describe('parseSearchQuery: operators', () => {
  it('`:` on a string field is a case-insensitive phrase match', () => {
    assert.deepEqual(parse('email:"amy@example.com"'), {
      join: 'and',
      clauses: [{ op: 'eq', target: EMAIL, value: 'amy@example.com', phrase: true, negate: false }],
    });
  });

  it('`~` on a string field is a substring match', () => {
    assert.deepEqual(parse('name~"amy"').clauses, [{ op: 'contains', target: NAME, value: 'amy', negate: false }]);
    assert.deepEqual(parse('phone~"555"').clauses, [{ op: 'contains', target: PHONE, value: '555', negate: false }]);
  });

  it('metadata["k"]:"v" is an exact (token) match on that key', () => {
    assert.deepEqual(parse('metadata["order id"]:"6735"').clauses, [
      {
        op: 'eq',
        target: { json: ['metadata', 'order id'], numeric: false },
        value: '6735',
        phrase: false,
        negate: false,
      },
    ]);
    assert.deepEqual(parse("metadata['k']:'v'").clauses[0]?.target, { json: ['metadata', 'k'], numeric: false });
  });

  it('numeric comparisons on created', () => {
    const cases = [
      ['created>1609459200', 'gt'],
      ['created<1609459200', 'lt'],
      ['created>=1609459200', 'gte'],
      ['created<=1609459200', 'lte'],
      ['created=1609459200', 'num_eq'],
      ['created:1609459200', 'num_eq'],
    ] as const;
    for (const [query, op] of cases) {
      assert.deepEqual(parse(query).clauses, [{ op, target: CREATED, value: 1609459200, negate: false }], query);
    }
  });

  it('accepts spaces around operators and negative numbers', () => {
    assert.deepEqual(parse('created >= 5').clauses, [{ op: 'gte', target: CREATED, value: 5, negate: false }]);
    assert.deepEqual(parse('created>-5').clauses, [{ op: 'gt', target: CREATED, value: -5, negate: false }]);
  });

  it('null tests absence', () => {
    assert.deepEqual(parse('email:null').clauses, [{ op: 'null', target: EMAIL, negate: false }]);
    assert.deepEqual(parse('-phone:null').clauses, [{ op: 'null', target: PHONE, negate: true }]);
    assert.deepEqual(parse('metadata["k"]:null').clauses, [
      { op: 'null', target: { json: ['metadata', 'k'], numeric: false }, negate: false },
    ]);
  });

  it('a quoted "null" is the string, not absence', () => {
    assert.deepEqual(parse('name:"null"').clauses, [
      { op: 'eq', target: NAME, value: 'null', phrase: true, negate: false },
    ]);
  });

  it('null only goes with `:`', () => {
    syntaxFails('email~null', /null can only be used with ':'/);
    syntaxFails('created>null', /null can only be used with ':'/);
  });

  it('`-` negates a clause', () => {
    assert.deepEqual(parse('-email:"a@b.co"').clauses, [
      { op: 'eq', target: EMAIL, value: 'a@b.co', phrase: true, negate: true },
    ]);
    assert.deepEqual(parse('-created>5').clauses, [{ op: 'gt', target: CREATED, value: 5, negate: true }]);
    assert.equal(parse('-metadata["k"]:"v"').clauses[0]?.negate, true);
  });
});

describe('parseSearchQuery: quoting', () => {
  it('accepts double and single quotes', () => {
    assert.equal(parse('name:"Jo Smith"').clauses[0]?.op, 'eq');
    assert.deepEqual(parse("name:'Jo Smith'"), parse('name:"Jo Smith"'));
  });

  it('unescapes \\" and \\\\ inside strings', () => {
    const clause = parse('name:"say \\"hi\\" \\\\ bye"').clauses[0];
    assert.ok(clause?.op === 'eq');
    assert.equal(clause.value, 'say "hi" \\ bye');
    const single = parse("name:'it\\'s'").clauses[0];
    assert.ok(single?.op === 'eq');
    assert.equal(single.value, "it's");
  });

  it('keeps the other quote character and operators inside strings as data', () => {
    const clause = parse(`name:"it's AND OR : ~ > -x"`).clauses[0];
    assert.ok(clause?.op === 'eq');
    assert.equal(clause.value, "it's AND OR : ~ > -x");
    assert.equal(parse(`name:"it's AND OR : ~ > -x"`).clauses.length, 1);
  });

  it('refuses an unterminated string', () => {
    syntaxFails('name:"abc', /unterminated string at position 5/);
    syntaxFails("name:'abc", /unterminated string/);
    syntaxFails('name:"abc\\"', /unterminated string/);
  });

  it('refuses an unquoted value on a string field', () => {
    syntaxFails('email:amy', /must be quoted/);
  });
});

describe('parseSearchQuery: combining clauses', () => {
  it('joins with AND or OR, case-insensitively', () => {
    for (const word of ['AND', 'and', 'And']) {
      const q = parse(`email:"a@b.co" ${word} name:"Jo"`);
      assert.equal(q.join, 'and', word);
      assert.equal(q.clauses.length, 2, word);
    }
    for (const word of ['OR', 'or', 'oR']) {
      const q = parse(`email:"a@b.co" ${word} name:"Jo"`);
      assert.equal(q.join, 'or', word);
      assert.equal(q.clauses.length, 2, word);
    }
  });

  it('treats a space as AND', () => {
    const q = parse('email:"a@b.co" name:"Jo" created>5');
    assert.equal(q.join, 'and');
    assert.deepEqual(
      q.clauses.map((c) => c.op),
      ['eq', 'eq', 'gt'],
    );
  });

  it('a single clause joins with and', () => {
    assert.equal(parse('name:"Jo"').join, 'and');
  });

  it('refuses mixing AND and OR, including implicit AND', () => {
    const mixed = /AND and OR cannot be mixed/;
    syntaxFails('name:"a" AND email:"b" OR phone:"c"', mixed);
    syntaxFails('name:"a" OR email:"b" AND phone:"c"', mixed);
    syntaxFails('name:"a" OR email:"b" phone:"c"', mixed);
    syntaxFails('name:"a" email:"b" OR phone:"c"', mixed);
  });

  it(`accepts ${MAX_CLAUSES} clauses and refuses more`, () => {
    const clauses = (n: number) => Array.from({ length: n }, (_, i) => `metadata["k${i}"]:"v"`);
    assert.equal(parse(clauses(MAX_CLAUSES).join(' AND ')).clauses.length, MAX_CLAUSES);
    assert.equal(parse(clauses(MAX_CLAUSES).join(' OR ')).clauses.length, MAX_CLAUSES);
    fails(clauses(MAX_CLAUSES + 1).join(' AND '), 'Search queries may contain at most 10 clauses.');
    fails(clauses(MAX_CLAUSES + 1).join(' '), 'Search queries may contain at most 10 clauses.');
  });

  it('refuses a dangling joiner or negation', () => {
    syntaxFails('name:"a" AND', /unexpected end of query/);
    syntaxFails('name:"a" OR -', /unexpected end of query/);
    syntaxFails('AND name:"a"', /expected an operator after AND/);
  });
});

describe('parseSearchQuery: errors', () => {
  it('names an unsupported field with Stripe’s exact sentence', () => {
    fails(
      'foo:"bar"',
      'Field `foo` is an unsupported search field for resource `customers`. See http://stripe.com/docs/search#query-fields-for-customers for a list of supported fields.',
    );
    fails('email:"a" AND description:"x"', /^Field `description` is an unsupported search field/);
  });

  it('refuses empty and unparseable queries', () => {
    syntaxFails('', /empty query/);
    syntaxFails('   ', /empty query/);
    // Stripe answers a bare word as unparseable, not as an unsupported field.
    syntaxFails('asdf', /unexpected end of query/);
    syntaxFails('asdf qwerty', /expected an operator after asdf/);
    syntaxFails('"amy"', /expected a field name/);
    syntaxFails('name', /unexpected end of query/);
    syntaxFails('name:', /unexpected end of query/);
    syntaxFails('name "amy"', /expected an operator after name/);
    syntaxFails('name::"amy"', /expected a value/);
    syntaxFails('(name:"a")', /unexpected character '\('/);
    syntaxFails('name:"a" | email:"b"', /unexpected character '\|'/);
  });

  it('refuses malformed metadata fields', () => {
    syntaxFails('metadata:"x"', /expected metadata\["key"\]/);
    syntaxFails('metadata[k]:"x"', /expected metadata\["key"\]/);
    syntaxFails('metadata["k":"x"', /expected metadata\["key"\]/);
    syntaxFails('metadata', /expected metadata\["key"\]/);
  });

  it('needs at least 3 characters for ~', () => {
    fails('name~"ab"', "Substring searches (~) need at least 3 characters; got 'ab' for name.");
    fails('email~""', /need at least 3 characters/);
    assert.equal(parse('name~"abc"').clauses[0]?.op, 'contains');
  });

  it('refuses operators the field kind does not support', () => {
    syntaxFails('email>"a"', /operator '>' cannot be used with email/);
    syntaxFails('name<="a"', /operator '<=' cannot be used with name/);
    syntaxFails('name="a"', /operator '=' cannot be used with name/);
    syntaxFails('metadata["k"]~"abc"', /operator '~' cannot be used with metadata\["k"\]/);
    syntaxFails('metadata["k"]>"1"', /operator '>' cannot be used with metadata\["k"\]/);
    syntaxFails('created~5', /operator '~' cannot be used with created/);
  });

  it('refuses non-numbers on numeric fields', () => {
    syntaxFails('created>abc', /created takes an integer/);
    syntaxFails('created>""', /created takes an integer/);
  });

  it('refuses fractions and numbers beyond 2^53 on numeric fields', () => {
    for (const q of [
      'created>1.5',
      'created:0.0001',
      'created>99999999999999999999',
      'created>1e30',
      'created<-99999999999999999999',
    ]) {
      syntaxFails(q, /created takes an integer/);
    }
    assert.equal(parse('created>9007199254740991').clauses[0]?.op, 'gt');
  });
});

describe('page cursors', () => {
  it('round-trips (created, seq)', () => {
    for (const [created, seq] of [
      [0, 0],
      [1_700_000_000, 42],
      [Number.MAX_SAFE_INTEGER, 1],
    ] as const) {
      const page = encodePage(created, seq, 'email:"a@b.co"');
      assert.match(page, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodePage(page, 'email:"a@b.co"'), { created, seq });
    }
  });

  it('answers a bad cursor with a 400 on param page', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of [
      '',
      'garbage!',
      'xyz',
      b64('[1]'),
      b64('[1,2]'),
      b64('[1,2,3]'),
      encodePage(1, 2, 'name:"other query"'),
      b64('[1.5,2]'),
      b64('{"a":1}'),
      b64('["1",2]'),
      b64('null'),
    ]) {
      const caught = thrownStripeError(() => decodePage(bad, 'email:"a@b.co"'), `page ${JSON.stringify(bad)}`);
      assert.equal(caught.status, 400);
      assert.equal(caught.param, 'page');
      assert.equal(
        caught.message,
        `Invalid page: ${bad}. Pass the next_page value of a previous search result with the same query.`,
      );
    }
  });
});
