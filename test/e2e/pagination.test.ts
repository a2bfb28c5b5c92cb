/**
 * Customer lists end to end: 260 customers in one account, walked forwards and backwards with the
 * SDK's auto-pagination, plus the list filters and the parameter errors. A manual clock gives each
 * batch of 20 its own `created` second, so the `created` filters have something to tell apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { ManualClock } from '../../src/platform/clock.js';
import { checkCustomer, checkList, createCustomers, expectInvalid } from '../support/customers.js';
import { startServer, type TestServer } from '../support/server.js';

const TOTAL = 260;
const BATCH = 20;
const START = 1_750_000_000;

let server: TestServer;
let stripe: Stripe;
/** In creation order: batch by batch, each batch one second later than the previous one. */
let created: Stripe.Customer[];
/** What a full forward walk must yield: newest first. */
let newestFirst: string[];

before(async () => {
  const clock = new ManualClock(START);
  server = await startServer({ clock });
  stripe = server.stripe();
  created = [];
  for (let b = 0; b * BATCH < TOTAL; b++) {
    clock.advanceTo(START + b);
    // Every 4th customer shares one email; one customer has it in another case.
    const batch = await createCustomers(
      stripe,
      BATCH,
      (i) => ({
        name: `Customer ${b * BATCH + i}`,
        email: (b * BATCH + i) % 4 === 0 ? 'shared@example.com' : `c${b * BATCH + i}@example.com`,
      }),
      BATCH,
    );
    created.push(...batch);
  }
  await stripe.customers.create({ email: 'SHARED@example.com' }).then((c) => created.push(c));
  newestFirst = [];
});

after(async () => {
  await server?.close();
});

const ids = (cs: readonly { id: string }[]) => cs.map((c) => c.id);

/** Customers in batch order newest first; within one batch (same second) the order is the store's. */
function assertNewestFirst(items: readonly Stripe.Customer[]) {
  for (let i = 1; i < items.length; i++) {
    const [prev, cur] = [items[i - 1] as Stripe.Customer, items[i] as Stripe.Customer];
    assert.ok(prev.created >= cur.created, `item ${i} is not older than item ${i - 1}`);
  }
}

describe('customers.list pagination', () => {
  it('auto-paginates forwards over every customer, newest first, without duplicates', async () => {
    const seen: Stripe.Customer[] = [];
    for await (const c of stripe.customers.list({ limit: 100 })) seen.push(checkCustomer(c));
    assert.equal(seen.length, TOTAL + 1);
    assert.equal(new Set(ids(seen)).size, TOTAL + 1, 'no duplicates');
    assert.deepEqual(new Set(ids(seen)), new Set(ids(created)));
    assertNewestFirst(seen);
    // Whole batches were created one after another, so each batch is contiguous and in reverse order.
    assert.equal(seen[0]?.email, 'SHARED@example.com');
    for (let b = 0; b * BATCH < TOTAL; b++) {
      const batchIds = new Set(ids(created.slice(b * BATCH, (b + 1) * BATCH)));
      const at = TOTAL - (b + 1) * BATCH + 1;
      assert.deepEqual(new Set(ids(seen.slice(at, at + BATCH))), batchIds, `batch ${b} is contiguous`);
    }
    newestFirst.push(...ids(seen));
  });

  it('pages by hand with starting_after: has_more and url on every page', async () => {
    const pages: Stripe.ApiList<Stripe.Customer>[] = [];
    let cursor: string | undefined;
    do {
      const page = checkList(
        await stripe.customers.list({ limit: 100, ...(cursor ? { starting_after: cursor } : {}) }),
      );
      pages.push(page);
      cursor = page.data[page.data.length - 1]?.id;
      if (!page.has_more) break;
    } while (cursor);
    assert.deepEqual(
      pages.map((p) => [p.data.length, p.has_more, p.url, p.object]),
      [
        [100, true, '/v1/customers', 'list'],
        [100, true, '/v1/customers', 'list'],
        [61, false, '/v1/customers', 'list'],
      ],
    );
    assert.deepEqual(
      pages.flatMap((p) => ids(p.data)),
      newestFirst,
    );
  });

  it('defaults to 10 per page, and an exactly-full last page says has_more: false', async () => {
    const first = checkList(await stripe.customers.list());
    assert.equal(first.data.length, 10);
    assert.equal(first.has_more, true);
    assert.deepEqual(ids(first.data), newestFirst.slice(0, 10));

    const tail = checkList(await stripe.customers.list({ limit: 11, starting_after: newestFirst[TOTAL - 11] }));
    assert.deepEqual(ids(tail.data), newestFirst.slice(TOTAL - 10));
    assert.equal(tail.has_more, false);

    const exact = checkList(await stripe.customers.list({ limit: 10, starting_after: newestFirst[TOTAL - 10] }));
    assert.equal(exact.data.length, 10);
    assert.equal(exact.has_more, false, 'no phantom next page');

    const past = checkList(await stripe.customers.list({ starting_after: newestFirst[TOTAL] }));
    assert.deepEqual(past.data, []);
    assert.equal(past.has_more, false);
  });

  it('ending_before pages are still newest first, ending just before the cursor', async () => {
    const pivot = 150;
    const page = checkList(await stripe.customers.list({ limit: 20, ending_before: newestFirst[pivot] }));
    assert.deepEqual(ids(page.data), newestFirst.slice(pivot - 20, pivot));
    assert.equal(page.has_more, true);

    const top = checkList(await stripe.customers.list({ limit: 20, ending_before: newestFirst[5] }));
    assert.deepEqual(ids(top.data), newestFirst.slice(0, 5));
    assert.equal(top.has_more, false);

    const none = checkList(await stripe.customers.list({ ending_before: newestFirst[0] }));
    assert.deepEqual(none.data, []);
    assert.equal(none.has_more, false);
  });

  it('auto-paginates backwards from ending_before, oldest to newest', async () => {
    const oldest = newestFirst[TOTAL] as string;
    const seen: string[] = [];
    for await (const c of stripe.customers.list({ limit: 100, ending_before: oldest })) {
      seen.push(checkCustomer(c).id);
    }
    assert.equal(seen.length, TOTAL);
    assert.deepEqual(seen, newestFirst.slice(0, TOTAL).reverse());

    const fromMiddle = await stripe.customers.list({ limit: 7, ending_before: newestFirst[30] }).autoPagingToArray({
      limit: 1000,
    });
    assert.deepEqual(ids(fromMiddle), newestFirst.slice(0, 30).reverse());
  });

  it('autoPagingToArray stops at its limit', async () => {
    const items = await stripe.customers.list({ limit: 40 }).autoPagingToArray({ limit: 150 });
    for (const c of items) checkCustomer(c);
    assert.deepEqual(ids(items), newestFirst.slice(0, 150));

    const everything = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    assert.deepEqual(ids(everything), newestFirst);
  });

  it('autoPagingEach can stop early', async () => {
    const seen: string[] = [];
    await stripe.customers.list({ limit: 3 }).autoPagingEach((c) => {
      seen.push(c.id);
      return seen.length < 8;
    });
    assert.deepEqual(seen, newestFirst.slice(0, 8));
  });
});

describe('customers.list filters', () => {
  const inRange = (test: (created: number) => boolean) =>
    newestFirst.filter((id) => test((created.find((c) => c.id === id) as Stripe.Customer).created));

  it('filters by created[gte] and created[lt], and pages within the filter', async () => {
    const gte = START + 5;
    const lt = START + 9;
    const got = await stripe.customers.list({ limit: 15, created: { gte, lt } }).autoPagingToArray({ limit: 1000 });
    for (const c of got) assert.ok(c.created >= gte && c.created < lt);
    assert.deepEqual(
      ids(got),
      inRange((t) => t >= gte && t < lt),
    );
    assert.equal(got.length, 4 * BATCH);
  });

  it('filters by created[gt], created[lte] and an exact created', async () => {
    const t = START + 3;
    const gt = await stripe.customers.list({ limit: 100, created: { gt: t } }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(
      ids(gt),
      inRange((c) => c > t),
    );
    const lte = await stripe.customers.list({ limit: 100, created: { lte: t } }).autoPagingToArray({ limit: 1000 });
    assert.deepEqual(
      ids(lte),
      inRange((c) => c <= t),
    );
    assert.equal(lte.length, 4 * BATCH);
    const exact = checkList(await stripe.customers.list({ limit: 100, created: t }));
    assert.deepEqual(
      ids(exact.data),
      inRange((c) => c === t),
    );
    assert.equal(exact.data.length, BATCH);
  });

  it('walks backwards within a created filter', async () => {
    const window = inRange((t) => t >= START + 2 && t <= START + 6);
    const oldest = window[window.length - 1];
    const got = await stripe.customers
      .list({ limit: 9, created: { gte: START + 2, lte: START + 6 }, ...(oldest ? { ending_before: oldest } : {}) })
      .autoPagingToArray({ limit: 1000 });
    assert.deepEqual(ids(got), window.slice(0, -1).reverse());
  });

  it('filters by email, case-sensitively and exactly', async () => {
    const shared = await stripe.customers
      .list({ limit: 10, email: 'shared@example.com' })
      .autoPagingToArray({ limit: 1000 });
    assert.equal(shared.length, TOTAL / 4);
    for (const c of shared) assert.equal(checkCustomer(c).email, 'shared@example.com');
    assertNewestFirst(shared);
    assert.deepEqual(
      ids(shared),
      newestFirst.filter((id) => created.find((c) => c.id === id)?.email === 'shared@example.com'),
    );

    const upper = checkList(await stripe.customers.list({ email: 'SHARED@example.com' }));
    assert.equal(upper.data.length, 1);
    assert.equal(upper.data[0]?.email, 'SHARED@example.com');

    const partial = checkList(await stripe.customers.list({ email: 'shared@example' }));
    assert.deepEqual(partial.data, []);
    assert.equal(partial.has_more, false);

    const one = checkList(await stripe.customers.list({ email: 'c1@example.com' }));
    assert.deepEqual(ids(one.data), [created[1]?.id]);
  });

  it('combines the email filter with created and a cursor', async () => {
    const all = inRange((t) => t >= START + 10).filter(
      (id) => created.find((c) => c.id === id)?.email === 'shared@example.com',
    );
    const page1 = checkList(
      await stripe.customers.list({ limit: 5, email: 'shared@example.com', created: { gte: START + 10 } }),
    );
    assert.deepEqual(ids(page1.data), all.slice(0, 5));
    assert.equal(page1.has_more, true);
    const page2 = checkList(
      await stripe.customers.list({
        limit: 5,
        email: 'shared@example.com',
        created: { gte: START + 10 },
        starting_after: page1.data[4]?.id as string,
      }),
    );
    assert.deepEqual(ids(page2.data), all.slice(5, 10));
  });

  it('the email filter follows updates: a changed or unset email no longer matches', async () => {
    const s = server.stripe();
    const a = await s.customers.create({ email: 'old@example.com' });
    const b = await s.customers.create({ email: 'old@example.com' });
    await s.customers.update(a.id, { email: 'new@example.com' });
    await s.customers.update(b.id, { email: '' });
    assert.deepEqual(checkList(await s.customers.list({ email: 'old@example.com' })).data, []);
    assert.deepEqual(ids(checkList(await s.customers.list({ email: 'new@example.com' })).data), [a.id]);
    await s.customers.del(a.id);
    assert.deepEqual(checkList(await s.customers.list({ email: 'new@example.com' })).data, []);
  });

  it('updating a customer keeps its place; deleting removes it from its page', async () => {
    const s = server.stripe();
    const [a, b, c] = await createCustomers(s, 3, () => ({}), 1);
    await s.customers.update((a as Stripe.Customer).id, { name: 'renamed' });
    assert.deepEqual(ids(checkList(await s.customers.list()).data), ids([c, b, a] as Stripe.Customer[]));
    await s.customers.del((b as Stripe.Customer).id);
    assert.deepEqual(ids(checkList(await s.customers.list()).data), ids([c, a] as Stripe.Customer[]));
  });
});

describe('customers.list parameter errors', () => {
  it('refuses limit=0 and limit=101', async () => {
    await expectInvalid(stripe.customers.list({ limit: 0 }), {
      code: 'parameter_invalid_integer',
      param: 'limit',
      message: 'This value must be greater than or equal to 1.',
    });
    await expectInvalid(stripe.customers.list({ limit: 101 }), {
      code: 'parameter_invalid_integer',
      param: 'limit',
      message: 'This value must be less than or equal to 100.',
    });
  });

  it('refuses a cursor that names no customer', async () => {
    await expectInvalid(stripe.customers.list({ starting_after: 'cus_nope' }), {
      code: 'resource_missing',
      param: 'starting_after',
      message: "No such customer: 'cus_nope'",
    });
    await expectInvalid(stripe.customers.list({ ending_before: 'cus_nope' }), {
      code: 'resource_missing',
      param: 'ending_before',
      message: "No such customer: 'cus_nope'",
    });
  });

  it("refuses a cursor from another account's customers", async () => {
    const other = server.stripe();
    const foreign = await other.customers.create();
    await expectInvalid(stripe.customers.list({ starting_after: foreign.id }), {
      code: 'resource_missing',
      param: 'starting_after',
    });
  });

  it('refuses starting_after together with ending_before', async () => {
    await expectInvalid(
      stripe.customers.list({ starting_after: newestFirst[1] as string, ending_before: newestFirst[0] as string }),
      {
        param: 'ending_before',
        message: 'You may only specify one of these parameters: ending_before, starting_after.',
      },
    );
  });

  it('refuses a malformed created filter', async () => {
    await expectInvalid(stripe.customers.list({ created: { gte: 'soon' as unknown as number } }), {
      code: 'parameter_invalid_integer',
      param: 'created[gte]',
      message: 'Invalid integer: soon',
    });
  });
});
