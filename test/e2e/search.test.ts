/**
 * Customer search end to end: the query language's operators, negation, AND/OR, null checks,
 * paging with `next_page` and the SDK's search auto-pagination, `total_count`, and the errors for
 * queries Stripe refuses. Deleted customers never match.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { ManualClock } from '../../src/platform/clock.js';
import { checkCustomer, checkDeleted, checkSearch, createCustomers, expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

const T0 = 1_760_000_000;
const UNPARSEABLE =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.';

let server: TestServer;
let stripe: Stripe;
const people: Record<'amy' | 'rory' | 'doctor' | 'river' | 'gone', Stripe.Customer> = {} as never;

before(async () => {
  const clock = new ManualClock(T0);
  server = await startServer({ clock });
  stripe = server.stripe();
  people.amy = await stripe.customers.create({
    email: 'amy@rocketrides.io',
    name: 'Amy Pond',
    phone: '+15550001',
    metadata: { tier: 'gold', region: 'eu' },
  });
  clock.advanceTo(T0 + 10);
  people.rory = await stripe.customers.create({
    email: 'xamy@example.com',
    name: 'Rory Williams',
    metadata: { tier: 'silver' },
  });
  clock.advanceTo(T0 + 20);
  people.doctor = await stripe.customers.create({
    email: 'DOCTOR@TARDIS.org',
    name: 'The Doctor',
    metadata: { tier: 'Gold' },
  });
  clock.advanceTo(T0 + 30);
  people.river = await stripe.customers.create({ name: 'River Song', phone: '+15550002' });
  clock.advanceTo(T0 + 40);
  people.gone = await stripe.customers.create({
    email: 'gone@example.com',
    name: 'Amy Gone',
    metadata: { tier: 'gold' },
  });
  checkDeleted(await stripe.customers.del(people.gone.id));
});

after(async () => {
  await server?.close();
});

/** Runs a search in the shared account, checks the envelope, returns the matching ids, sorted. */
async function found(query: string): Promise<string[]> {
  const result = checkSearch(await stripe.customers.search({ query, limit: 100 }));
  assert.equal(result.object, 'search_result');
  assert.equal(result.url, '/v1/customers/search');
  assert.equal(result.has_more, false);
  assert.equal(result.next_page, null);
  assert.equal('total_count' in result, false, 'total_count only when expanded');
  return result.data.map((c) => c.id).sort();
}

const idsOf = (...names: (keyof typeof people)[]) => names.map((n) => people[n].id).sort();

describe('customers.search: operators', () => {
  it('email:"x" matches exactly that email', async () => {
    assert.deepEqual(await found('email:"amy@rocketrides.io"'), idsOf('amy'));
    assert.deepEqual(await found('email:"nobody@example.com"'), []);
  });

  it('`:` ignores case on both sides', async () => {
    assert.deepEqual(await found('email:"doctor@tardis.org"'), idsOf('doctor'));
    assert.deepEqual(await found('email:"AMY@ROCKETRIDES.IO"'), idsOf('amy'));
    assert.deepEqual(await found('name:"the doctor"'), idsOf('doctor'));
  });

  it('`:` on a string field matches whole words in order, not substrings', async () => {
    assert.deepEqual(await found('name:"amy"'), idsOf('amy'), 'the deleted "Amy Gone" does not match');
    assert.deepEqual(await found('name:"Pond"'), idsOf('amy'));
    assert.deepEqual(await found('name:"pond amy"'), []);
    assert.deepEqual(await found('name:"Willi"'), []);
  });

  it('name~"sub" is a case-insensitive substring match', async () => {
    assert.deepEqual(await found('name~"illiam"'), idsOf('rory'));
    assert.deepEqual(await found('name~"DOC"'), idsOf('doctor'));
    assert.deepEqual(await found('email~"amy"'), idsOf('amy', 'rory'));
    assert.deepEqual(await found('phone~"5550"'), idsOf('amy', 'river'));
  });

  it('metadata["k"]:"v" matches the value of that key, ignoring case', async () => {
    assert.deepEqual(await found('metadata["tier"]:"gold"'), idsOf('amy', 'doctor'));
    assert.deepEqual(await found("metadata['region']:'EU'"), idsOf('amy'));
    assert.deepEqual(await found('metadata["tier"]:"gol"'), [], 'no partial matches on metadata');
    assert.deepEqual(await found('metadata["nope"]:"gold"'), []);
  });

  it('numeric comparisons on created', async () => {
    assert.deepEqual(await found(`created>${T0 + 15}`), idsOf('doctor', 'river'));
    assert.deepEqual(await found(`created>=${T0 + 20}`), idsOf('doctor', 'river'));
    assert.deepEqual(await found(`created<${T0 + 10}`), idsOf('amy'));
    assert.deepEqual(await found(`created<=${T0 + 10}`), idsOf('amy', 'rory'));
    assert.deepEqual(await found(`created=${T0 + 10}`), idsOf('rory'));
    assert.deepEqual(await found(`created:${T0 + 30}`), idsOf('river'));
  });

  it('null checks find fields that are not set', async () => {
    assert.deepEqual(await found('email:null'), idsOf('river'));
    assert.deepEqual(await found('-email:null'), idsOf('amy', 'rory', 'doctor'));
    assert.deepEqual(await found('phone:null'), idsOf('rory', 'doctor'));
    assert.deepEqual(await found('metadata["region"]:null'), idsOf('rory', 'doctor', 'river'));
  });
});

describe('customers.search: combining clauses', () => {
  it('-clause negates, and also matches customers without the field', async () => {
    assert.deepEqual(await found('-email:"amy@rocketrides.io"'), idsOf('rory', 'doctor', 'river'));
    assert.deepEqual(await found('-metadata["tier"]:"gold"'), idsOf('rory', 'river'));
  });

  it('AND (explicit, any case, or implied by a space) needs every clause', async () => {
    assert.deepEqual(await found('metadata["tier"]:"gold" AND name~"doc"'), idsOf('doctor'));
    assert.deepEqual(await found('metadata["tier"]:"gold" and -name~"doc"'), idsOf('amy'));
    assert.deepEqual(await found(`metadata["tier"]:"gold" created>${T0}`), idsOf('doctor'));
  });

  it('OR needs any clause', async () => {
    assert.deepEqual(await found('email:"amy@rocketrides.io" OR name:"river"'), idsOf('amy', 'river'));
    assert.deepEqual(await found('name:"rory" or name:"river" OR email:null'), idsOf('rory', 'river'));
  });

  it('results come newest first', async () => {
    const result = checkSearch(await stripe.customers.search({ query: `created>=${T0}` }));
    assert.deepEqual(
      result.data.map((c) => c.id),
      [people.river.id, people.doctor.id, people.rory.id, people.amy.id],
    );
  });
});

describe('customers.search: paging', () => {
  let pager: Stripe;
  let all: Stripe.Customer[];

  before(async () => {
    pager = server.stripe();
    all = await createCustomers(pager, 25, (i) => ({ name: `Pager ${i}`, metadata: { group: 'p' } }), 5);
    await pager.customers.create({ name: 'Outsider', metadata: { group: 'q' } });
    // One more member, then deleted: it must not count.
    const doomed = await pager.customers.create({ name: 'Pager doomed', metadata: { group: 'p' } });
    checkDeleted(await pager.customers.del(doomed.id));
  });

  it('pages with next_page until has_more is false', async () => {
    const query = 'metadata["group"]:"p"';
    const seen: string[] = [];
    const pages: [number, boolean, boolean][] = [];
    let page: string | undefined;
    for (;;) {
      const result = checkSearch(await pager.customers.search({ query, limit: 10, ...(page ? { page } : {}) }));
      pages.push([result.data.length, result.has_more, typeof result.next_page === 'string']);
      seen.push(...result.data.map((c) => checkCustomer(c).id));
      if (!result.has_more) {
        assert.equal(result.next_page, null);
        break;
      }
      page = result.next_page as string;
    }
    assert.deepEqual(pages, [
      [10, true, true],
      [10, true, true],
      [5, false, false],
    ]);
    assert.equal(new Set(seen).size, 25, 'no duplicates across pages');
    assert.deepEqual([...seen].sort(), all.map((c) => c.id).sort());
  });

  it('auto-paginates search results (autoPagingToArray and for await)', async () => {
    const query = 'metadata["group"]:"p"';
    const viaArray = await pager.customers.search({ query, limit: 4 }).autoPagingToArray({ limit: 100 });
    for (const c of viaArray) checkCustomer(c);
    assert.equal(viaArray.length, 25);
    assert.deepEqual(viaArray.map((c) => c.id).sort(), all.map((c) => c.id).sort());

    const viaIterator: string[] = [];
    for await (const c of pager.customers.search({ query, limit: 7 })) viaIterator.push(c.id);
    assert.deepEqual(
      viaIterator,
      viaArray.map((c) => c.id),
    );

    const capped = await pager.customers.search({ query, limit: 4 }).autoPagingToArray({ limit: 9 });
    assert.deepEqual(
      capped.map((c) => c.id),
      viaArray.slice(0, 9).map((c) => c.id),
    );
  });

  it("expand: ['total_count'] counts every match, not just the page", async () => {
    const result = checkSearch(
      await pager.customers.search({ query: 'metadata["group"]:"p"', limit: 3, expand: ['total_count'] }),
    );
    assert.equal(result.data.length, 3);
    assert.equal(result.total_count, 25);
    assert.equal(result.has_more, true);

    const none = checkSearch(await pager.customers.search({ query: 'name:"nobody"', expand: ['total_count'] }));
    assert.equal(none.total_count, 0);
    assert.deepEqual(none.data, []);
  });

  it('expands fields of the results with data.<field>', async () => {
    const result = checkSearch(
      await pager.customers.search({ query: 'name:"outsider"', expand: ['data.tax', 'total_count'] }),
    );
    assert.equal(result.total_count, 1);
    assert.equal(result.data[0]?.tax?.automatic_tax, 'unrecognized_location');
  });

  it('refuses a page token it did not issue', async () => {
    await expectInvalid(pager.customers.search({ query: 'name:"x"', page: 'not-a-token' }), { param: 'page' });
  });

  it('refuses a next_page issued for another query', async () => {
    const first = await pager.customers.search({ query: 'metadata["group"]:"p"', limit: 5 });
    assert.equal(first.has_more, true);
    await expectInvalid(pager.customers.search({ query: 'name~"pager"', page: first.next_page as string }), {
      param: 'page',
    });
  });

  it('searches only the requesting account', async () => {
    const result = checkSearch(await pager.customers.search({ query: 'email:"amy@rocketrides.io"' }));
    assert.deepEqual(result.data, []);
  });
});

describe('customers.search: errors', () => {
  it('a query that is not field:value is unparseable', async () => {
    const err = await expectInvalid(stripe.customers.search({ query: 'asdf' }), { param: 'query' });
    assert.ok(err.message.startsWith(UNPARSEABLE), err.message);
  });

  for (const query of ['email:', 'email:"unterminated', 'email "x"', ':"x"', 'email:"a" AND', '-']) {
    it(`syntax error: ${query}`, async () => {
      const err = await expectInvalid(stripe.customers.search({ query }), { param: 'query' });
      assert.ok(err.message.startsWith(UNPARSEABLE), err.message);
    });
  }

  it('names an unsupported field', async () => {
    await expectInvalid(stripe.customers.search({ query: 'colour:"blue"' }), {
      param: 'query',
      message:
        'Field `colour` is an unsupported search field for resource `customers`. See http://stripe.com/docs/search#query-fields-for-customers for a list of supported fields.',
    });
  });

  it('refuses mixing AND and OR', async () => {
    const err = await expectInvalid(stripe.customers.search({ query: 'email:"a@b.co" AND name:"x" OR name:"y"' }), {
      param: 'query',
    });
    assert.ok(err.message.startsWith(UNPARSEABLE));
    assert.match(err.message, /AND and OR cannot be mixed/);
    await expectInvalid(stripe.customers.search({ query: 'email:"a@b.co" OR name:"x" name:"y"' }), {
      param: 'query',
      message: /AND and OR cannot be mixed/,
    });
  });

  it('refuses a substring search shorter than 3 characters', async () => {
    await expectInvalid(stripe.customers.search({ query: 'name~"am"' }), {
      param: 'query',
      message: /at least 3 characters/,
    });
    // Exactly 3 is fine.
    checkSearch(await stripe.customers.search({ query: 'name~"amy"' }));
  });

  it('refuses an operator the field type does not support', async () => {
    await expectInvalid(stripe.customers.search({ query: 'email>"a"' }), {
      param: 'query',
      message: /operator '>' cannot be used with email/,
    });
    await expectInvalid(stripe.customers.search({ query: 'created:"soon"' }), { param: 'query' });
    await expectInvalid(stripe.customers.search({ query: 'metadata["k"]~"abc"' }), { param: 'query' });
  });

  it('refuses more than 10 clauses', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `name:"n${i}"`).join(' OR ');
    await expectInvalid(stripe.customers.search({ query: eleven }), { param: 'query' });
    const ten = Array.from({ length: 10 }, (_, i) => `name:"n${i}"`).join(' OR ');
    checkSearch(await stripe.customers.search({ query: ten }));
  });

  it('requires query', async () => {
    await expectInvalid(stripe.customers.search({} as Stripe.CustomerSearchParams), {
      code: 'parameter_missing',
      param: 'query',
      message: 'Missing required param: query.',
    });
  });

  it('refuses limit outside 1..100', async () => {
    await expectInvalid(stripe.customers.search({ query: 'name:"x"', limit: 0 }), {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
    await expectInvalid(stripe.customers.search({ query: 'name:"x"', limit: 101 }), {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  });

  it('over raw HTTP the error is a 400 with the Stripe error envelope', async () => {
    const res = await http(server, 'GET', `/v1/customers/search?query=${encodeURIComponent('email:')}`, {
      key: newSecretKey(),
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(res.json.error.param, 'query');
    assert.match(res.headers.get('request-id') ?? '', /^req_[0-9A-Za-z]{14}$/);
  });
});
