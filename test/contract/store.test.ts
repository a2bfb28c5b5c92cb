/**
 * The store contract: the same tests run against SQLite and PostgreSQL (scripts/test.sh runs this file
 * once per back end via SANDBANK_TEST_DB). Each test works in its own fresh account.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId, randomBase62 } from '../../src/platform/ids.js';
import { openStore } from '../../src/store/index.js';
import {
  IdempotencyKeyTaken,
  type SearchClause,
  type SearchTarget,
  type Store,
  type StoredObject,
} from '../../src/store/store.js';

let store: Store;
let dir: string | undefined;

before(async () => {
  let location = process.env.SANDBANK_TEST_DB ?? 'sqlite';
  if (!location.startsWith('postgres')) {
    dir = mkdtempSync(join(tmpdir(), 'sandbank-contract-'));
    location = join(dir, 'contract.db');
  }
  store = await openStore(location);
});

after(async () => {
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const account = () => newId('acct', 16);

/** Inserts a customer in a transaction of its own and reads back the committed row (with its `seq`). */
async function insert(
  acct: string,
  created: number,
  data: Record<string, unknown> = {},
  email?: string,
): Promise<StoredObject> {
  const id = newId('cus');
  await store.transaction((tx) =>
    tx.insertObject({
      account: acct,
      id,
      type: 'customer',
      created,
      data: { id, object: 'customer', created, ...data },
      fields: email === undefined ? {} : { email },
    }),
  );
  const row = await store.getObject(acct, id);
  assert.ok(row, `${id} was committed`);
  return row;
}

const ids = (rows: StoredObject[]) => rows.map((r) => r.id);

describe(`store contract (${process.env.SANDBANK_TEST_DB?.startsWith('postgres') ? 'postgres' : 'sqlite'})`, () => {
  it('migrations are idempotent: opening the same database again works', async () => {
    if (!dir) return; // PostgreSQL: every test process opens the shared database, which already proves it
    const again = await openStore(join(dir, 'contract.db'));
    await again.close();
  });

  it('stores objects per account: another account cannot see them', async () => {
    const a = account();
    const row = await insert(a, 1000, { email: 'x@example.com' });
    const got = await store.getObject(a, row.id);
    assert.equal(got?.id, row.id);
    assert.equal(got?.type, 'customer');
    assert.deepEqual(JSON.parse(got?.json ?? '{}').email, 'x@example.com');
    assert.equal(await store.getObject(account(), row.id), undefined);
  });

  it('lists newest first with keyset cursors in both directions', async () => {
    const a = account();
    const rows: StoredObject[] = [];
    // Several objects share a second, so seq must break ties.
    for (const created of [100, 100, 100, 101, 102, 102, 103]) rows.push(await insert(a, created));
    const newestFirst = ids([...rows].reverse());
    const all = await store.listObjects({ account: a, type: 'customer', limit: 100 });
    assert.deepEqual(ids(all.rows), newestFirst);
    assert.equal(all.hasMore, false);

    const first = await store.listObjects({ account: a, type: 'customer', limit: 3 });
    assert.deepEqual(ids(first.rows), newestFirst.slice(0, 3));
    assert.equal(first.hasMore, true);
    const last = first.rows[2] as StoredObject;
    const second = await store.listObjects({ account: a, type: 'customer', limit: 3, after: last });
    assert.deepEqual(ids(second.rows), newestFirst.slice(3, 6));

    const pivot = rows[1] as StoredObject; // the second-oldest
    const before = await store.listObjects({ account: a, type: 'customer', limit: 2, before: pivot });
    assert.deepEqual(ids(before.rows), newestFirst.slice(-4, -2), 'ending_before pages are still newest first');
    assert.equal(before.hasMore, true);
  });

  it('filters by created range and by indexed fields', async () => {
    const a = account();
    const r1 = await insert(a, 10, {}, 'a@example.com');
    const r2 = await insert(a, 20, {}, 'b@example.com');
    const r3 = await insert(a, 30, {}, 'a@example.com');
    const q = { account: a, type: 'customer', limit: 10 };
    assert.deepEqual(ids((await store.listObjects({ ...q, created: { gte: 20 } })).rows), [r3.id, r2.id]);
    assert.deepEqual(ids((await store.listObjects({ ...q, created: { gt: 10, lt: 30 } })).rows), [r2.id]);
    assert.deepEqual(ids((await store.listObjects({ ...q, created: { lte: 10 } })).rows), [r1.id]);
    const byEmail = await store.listObjects({ ...q, equals: { email: 'a@example.com' } });
    assert.deepEqual(ids(byEmail.rows), [r3.id, r1.id]);
    const paged = await store.listObjects({ ...q, limit: 1, equals: { email: 'a@example.com' }, after: r3 });
    assert.deepEqual(ids(paged.rows), [r1.id]);
    assert.equal((await store.listObjects({ ...q, equals: { email: 'A@example.com' } })).rows.length, 0);
  });

  it('updates re-index fields; deleted objects leave lists but stay retrievable', async () => {
    const a = account();
    const row = await insert(a, 5, {}, 'old@example.com');
    await store.transaction((tx) =>
      tx.updateObject({
        account: a,
        id: row.id,
        type: 'customer',
        created: 5,
        data: { id: row.id, email: 'new@example.com' },
        fields: { email: 'new@example.com' },
      }),
    );
    const q = { account: a, type: 'customer', limit: 10 };
    assert.equal((await store.listObjects({ ...q, equals: { email: 'old@example.com' } })).rows.length, 0);
    assert.equal((await store.listObjects({ ...q, equals: { email: 'new@example.com' } })).rows.length, 1);

    await store.transaction((tx) => tx.markDeleted(a, row.id, { id: row.id, deleted: true }));
    assert.equal((await store.listObjects(q)).rows.length, 0);
    assert.equal((await store.listObjects({ ...q, equals: { email: 'new@example.com' } })).rows.length, 0);
    const tomb = await store.getObject(a, row.id);
    assert.equal(tomb?.deleted, true);
    assert.deepEqual(JSON.parse(tomb?.json ?? '{}'), { id: row.id, deleted: true });
  });

  it('rolls back every write of a failed transaction', async () => {
    const a = account();
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.insertObject({ account: a, id: newId('cus'), type: 'customer', created: 1, data: {} });
        await tx.saveIdempotency(
          {
            account: a,
            key: 'k',
            created: 1,
            fingerprint: 'f',
            requestId: 'req_1',
            status: 200,
            headers: {},
            body: '{}',
          },
          0,
        );
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await store.listObjects({ account: a, type: 'customer', limit: 10 })).rows.length, 0);
    assert.equal(await store.getIdempotency(a, 'k'), undefined);
  });

  it('commits concurrent transactions independently: one failing rolls back only itself', async () => {
    // On SQLite these share one group commit, each in its own savepoint.
    const a = account();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.insertObject({ account: a, id: `cus_group${i}`, type: 'customer', created: i, data: { i } });
          if (i === 2) throw new Error('this one fails');
          return i;
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    const rows = (await store.listObjects({ account: a, type: 'customer', limit: 10 })).rows;
    assert.deepEqual(ids(rows), ['cus_group4', 'cus_group3', 'cus_group1', 'cus_group0']);
  });

  it('keeps one idempotency record per key; an expired one may be replaced', async () => {
    const a = account();
    const rec = {
      account: a,
      key: 'key-1',
      created: 1000,
      fingerprint: 'fp',
      requestId: 'req_first',
      status: 200,
      headers: { 'Stripe-Version': 'v' },
      body: '{"id":"x"}\n',
    };
    await store.transaction((tx) => tx.saveIdempotency(rec, 0));
    assert.deepEqual(await store.getIdempotency(a, 'key-1'), rec);
    await assert.rejects(
      store.transaction((tx) => tx.saveIdempotency({ ...rec, requestId: 'req_second' }, 999)),
      IdempotencyKeyTaken,
    );
    await store.transaction((tx) => tx.saveIdempotency({ ...rec, created: 5000, requestId: 'req_third' }, 1001));
    assert.equal((await store.getIdempotency(a, 'key-1'))?.requestId, 'req_third');
    assert.equal(await store.getIdempotency(account(), 'key-1'), undefined, 'keys are per account');
  });

  it('serialises concurrent read-modify-write transactions on one row (no lost update)', async () => {
    const a = account();
    const row = await insert(a, 1, { counter: 0 });
    const increment = () =>
      store.transaction(async (tx) => {
        const current = await tx.getObjectForUpdate(a, row.id);
        const data = JSON.parse(current?.json ?? '{}') as { counter: number };
        // Yield to the event loop mid-transaction: other transactions must not interleave.
        await new Promise((r) => setTimeout(r, 2));
        data.counter++;
        await tx.updateObject({ account: a, id: row.id, type: 'customer', created: 1, data });
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    const final = JSON.parse((await store.getObject(a, row.id))?.json ?? '{}') as { counter: number };
    assert.equal(final.counter, 10);
  });

  it('reads outside a transaction never see its uncommitted writes', async () => {
    const a = account();
    const id = newId('cus');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const insertedSignal = new Promise<void>((r) => {
      inserted = r;
    });
    const tx = store.transaction(async (t) => {
      await t.insertObject({ account: a, id, type: 'customer', created: 1, data: { id } });
      inserted();
      await gate; // the transaction stays open, its insert uncommitted
    });
    await insertedSignal;
    let during: { value: StoredObject | undefined } | undefined;
    const read = store.getObject(a, id).then((value) => {
      during = { value };
    });
    await new Promise((r) => setTimeout(r, 30));
    // Either the read is still waiting for the transaction (SQLite) or it saw the state before it (PostgreSQL).
    if (during) assert.equal(during.value, undefined, 'dirty read');
    release();
    await Promise.all([tx, read]);
    assert.equal((await store.getObject(a, id))?.id, id);
  });

  describe('search', () => {
    const a = account();
    const made: Record<string, StoredObject> = {};
    before(async () => {
      made.amy = await insert(a, 100, {
        email: 'amy@rocketrides.io',
        name: 'Amy Lee Smith',
        metadata: { tier: 'gold' },
      });
      made.bob = await insert(a, 200, { email: 'bob@example.com', name: 'Bob', metadata: { tier: 'silver' } });
      made.none = await insert(a, 300, { email: null, name: null, metadata: {} });
    });
    const email: SearchTarget = { json: ['email'], numeric: false };
    const name: SearchTarget = { json: ['name'], numeric: false };
    const tier: SearchTarget = { json: ['metadata', 'tier'], numeric: false };
    const search = (clauses: SearchClause[], join: 'and' | 'or' = 'and', limit = 10) =>
      store.searchObjects({ account: a, type: 'customer', join, clauses, limit, withTotalCount: true });

    it('matches exactly, case-insensitively, and by phrase on string fields', async () => {
      const r = await search([{ op: 'eq', target: email, value: 'AMY@rocketrides.io', phrase: true, negate: false }]);
      assert.deepEqual(ids(r.rows), [made.amy?.id]);
      const phrase = await search([{ op: 'eq', target: name, value: 'amy lee', phrase: true, negate: false }]);
      assert.deepEqual(ids(phrase.rows), [made.amy?.id]);
      const notPhrase = await search([{ op: 'eq', target: name, value: 'lee amy', phrase: true, negate: false }]);
      assert.equal(notPhrase.rows.length, 0);
    });

    it('matches substrings with LIKE metacharacters taken literally', async () => {
      const r = await search([{ op: 'contains', target: email, value: 'rocket', negate: false }]);
      assert.deepEqual(ids(r.rows), [made.amy?.id]);
      assert.equal((await search([{ op: 'contains', target: email, value: '%', negate: false }])).rows.length, 0);
    });

    it('handles metadata, null checks, negation, numeric comparisons, AND/OR and counts', async () => {
      const gold = await search([{ op: 'eq', target: tier, value: 'gold', phrase: false, negate: false }]);
      assert.deepEqual(ids(gold.rows), [made.amy?.id]);
      const nulls = await search([{ op: 'null', target: email, negate: false }]);
      assert.deepEqual(ids(nulls.rows), [made.none?.id]);
      const notAmy = await search([
        { op: 'eq', target: email, value: 'amy@rocketrides.io', phrase: true, negate: true },
      ]);
      assert.deepEqual(ids(notAmy.rows), [made.none?.id, made.bob?.id], 'negation includes nulls');
      const recent = await search([{ op: 'gte', target: { column: 'created' }, value: 200, negate: false }]);
      assert.deepEqual(ids(recent.rows), [made.none?.id, made.bob?.id]);
      const either = await search(
        [
          { op: 'eq', target: tier, value: 'gold', phrase: false, negate: false },
          { op: 'eq', target: tier, value: 'silver', phrase: false, negate: false },
        ],
        'or',
        1,
      );
      assert.equal(either.rows.length, 1);
      assert.equal(either.hasMore, true);
      assert.equal(either.totalCount, 2);
    });

    it('quotes any metadata key and folds non-ASCII case, the same on both back ends', async () => {
      const b = account();
      const row = await insert(b, 1, { name: 'Élodie Dupont', metadata: { 'a"b': 'x', 'c\\d': 'y', 'ü.k': 'Ö' } });
      const find = (clauses: SearchClause[]) =>
        store.searchObjects({ account: b, type: 'customer', join: 'and', clauses, limit: 10, withTotalCount: false });
      for (const key of ['a"b', 'c\\d']) {
        const value = key === 'a"b' ? 'x' : 'y';
        const hit = await find([
          { op: 'eq', target: { json: ['metadata', key], numeric: false }, value, phrase: false, negate: false },
        ]);
        assert.deepEqual(ids(hit.rows), [row.id], key);
      }
      const folded = await find([
        { op: 'eq', target: { json: ['metadata', 'ü.k'], numeric: false }, value: 'ö', phrase: false, negate: false },
      ]);
      assert.deepEqual(ids(folded.rows), [row.id]);
      const phrase = await find([{ op: 'eq', target: name, value: 'élodie', phrase: true, negate: false }]);
      assert.deepEqual(ids(phrase.rows), [row.id]);
      const part = await find([{ op: 'contains', target: name, value: 'ÉLOD', negate: false }]);
      assert.deepEqual(ids(part.rows), [row.id]);
    });

    it('pages with a cursor', async () => {
      const page1 = await search([], 'and', 2);
      assert.equal(page1.hasMore, true);
      const last = page1.rows[1] as StoredObject;
      const page2 = await store.searchObjects({
        account: a,
        type: 'customer',
        join: 'and',
        clauses: [],
        limit: 2,
        withTotalCount: false,
        after: last,
      });
      assert.deepEqual(ids(page2.rows), [made.amy?.id]);
      assert.equal(page2.hasMore, false);
    });
  });

  describe('accounts and keys', () => {
    it('creates one account per suffix, even when first requests race', async () => {
      const suffix = randomBase62(12);
      const accounts = await Promise.all(Array.from({ length: 5 }, () => store.accountForSuffix(suffix, 1)));
      assert.equal(new Set(accounts.map((x) => x.id)).size, 1);
      assert.equal(accounts[0]?.country, 'US');
      assert.deepEqual(await store.getAccount(accounts[0]?.id as string), accounts[0]);
    });

    it('stores API keys by hash', async () => {
      const acct = await store.accountForSuffix(randomBase62(12), 1);
      const hash = randomBase62(64);
      await store.saveApiKey({ hash, account: acct.id, kind: 'secret' }, 1);
      assert.deepEqual(await store.findApiKey(hash), { hash, account: acct.id, kind: 'secret' });
      assert.equal(await store.findApiKey(randomBase62(64)), undefined);
    });

    it('prunes expired idempotency records', async () => {
      const a = account();
      const base = { fingerprint: 'f', requestId: 'r', status: 200, headers: {}, body: '' };
      await store.transaction(async (tx) => {
        await tx.saveIdempotency({ ...base, account: a, key: 'old', created: 10 }, 0);
        await tx.saveIdempotency({ ...base, account: a, key: 'new', created: 10_000_000_000 }, 0);
      });
      assert.ok((await store.deleteIdempotencyBefore(11)) >= 1);
      assert.equal(await store.getIdempotency(a, 'old'), undefined);
      assert.ok(await store.getIdempotency(a, 'new'));
    });
  });
});
