/**
 * The store contract for jobs owned by a test clock (migration 5): they never fall due in real time,
 * and an advance claims them by due time on their clock. Runs against SQLite and PostgreSQL
 * (SANDBANK_TEST_DB), each test in a fresh account.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId, randomBase62 } from '../../src/platform/ids.js';
import { openStore } from '../../src/store/index.js';
import { CLOCK_JOB_RUN_AT } from '../../src/store/migrations.js';
import type { Job, Store } from '../../src/store/store.js';

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

const freshAccount = async () => (await store.accountForSuffix(randomBase62(12), 1)).id;

/** Schedules jobs in one transaction; `clock` set means they belong to that test clock. */
async function schedule(
  account: string,
  jobs: { dueAt: number; target: string; clock?: string; once?: boolean }[],
): Promise<void> {
  await store.transaction(async (tx) => {
    for (const j of jobs) {
      await tx.scheduleJob({
        account,
        dueAt: j.dueAt,
        kind: 'test.kind',
        target: j.target,
        payload: { target: j.target },
        ...(j.clock ? { clock: j.clock } : {}),
        ...(j.once ? { once: true } : {}),
      });
    }
  });
}

/** The account's jobs a real-time claim at `realNow` hands out (claimed jobs of other accounts are ignored). */
async function claimedInRealTime(account: string, realNow: number): Promise<Job[]> {
  return store.transaction(async (tx) => (await tx.claimDueJobs(realNow, 10_000)).filter((j) => j.account === account));
}

describe('jobs owned by a test clock', () => {
  it('are never claimed in real time, even long past their due time on the clock', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    await schedule(account, [
      { dueAt: 1000, target: 'plain' },
      { dueAt: 1000, target: 'on-clock', clock },
    ]);
    const claimed = await claimedInRealTime(account, 2_000_000_000);
    assert.deepEqual(
      claimed.map((j) => j.target),
      ['plain'],
    );
    assert.equal(claimed[0]?.clock, undefined);
    const due = await store.nextJobDue();
    assert.ok(due === undefined || due < CLOCK_JOB_RUN_AT, `nextJobDue ignores clock jobs (got ${due})`);
  });

  it('stay out of real time when the account clock moves or the job is retried', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    await schedule(account, [{ dueAt: 500, target: 'on-clock', clock }]);
    const acct = await store.getAccount(account);
    assert.ok(acct);
    await store.updateAccount(account, { ...acct, clockOffset: 86_400 * 365 });
    assert.deepEqual(await claimedInRealTime(account, 2_000_000_000), []);
    const [job] = await store.transaction((tx) => tx.claimClockJobs(account, clock, 500, 10));
    assert.ok(job);
    await store.transaction((tx) => tx.retryJob(job.seq, 600));
    assert.deepEqual(await claimedInRealTime(account, 2_000_000_000), []);
    const [retried] = await store.transaction((tx) => tx.claimClockJobs(account, clock, 600, 10));
    assert.equal(retried?.dueAt, 600);
    assert.equal(retried?.attempts, 1);
  });

  it('are claimed by due time on their clock, in (due_at, seq) order, up to a time and a limit', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    const other = newId('clock');
    await schedule(account, [
      { dueAt: 300, target: 'c' },
      { dueAt: 300, target: 'c1', clock },
      { dueAt: 100, target: 'a', clock },
      { dueAt: 300, target: 'c2', clock },
      { dueAt: 200, target: 'b', clock },
      { dueAt: 400, target: 'd', clock },
      { dueAt: 100, target: 'other', clock: other },
    ]);
    const upTo300 = await store.transaction((tx) => tx.claimClockJobs(account, clock, 300, 10));
    assert.deepEqual(
      upTo300.map((j) => j.target),
      ['a', 'b', 'c1', 'c2'],
    );
    for (const j of upTo300) assert.equal(j.clock, clock);
    assert.deepEqual(upTo300[0]?.payload, { target: 'a' });
    const limited = await store.transaction((tx) => tx.claimClockJobs(account, clock, 1000, 2));
    assert.deepEqual(
      limited.map((j) => j.target),
      ['a', 'b'],
    );
    // Another account never sees them, even with the clock's id.
    const stranger = await freshAccount();
    assert.deepEqual(await store.transaction((tx) => tx.claimClockJobs(stranger, clock, 1000, 10)), []);
  });

  it('are deleted together, and only that clock’s', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    const other = newId('clock');
    await schedule(account, [
      { dueAt: 100, target: 'a', clock },
      { dueAt: 200, target: 'b', clock },
      { dueAt: 100, target: 'kept', clock: other },
      { dueAt: 100, target: 'plain' },
    ]);
    assert.equal(await store.transaction((tx) => tx.deleteClockJobs(account, clock)), 2);
    assert.deepEqual(await store.transaction((tx) => tx.claimClockJobs(account, clock, 1000, 10)), []);
    const kept = await store.transaction((tx) => tx.claimClockJobs(account, other, 1000, 10));
    assert.deepEqual(
      kept.map((j) => j.target),
      ['kept'],
    );
    assert.deepEqual(
      (await claimedInRealTime(account, 2_000_000_000)).map((j) => j.target),
      ['plain'],
    );
  });

  it('keep `once` per target and clock: the account’s and each test clock’s job are kept apart', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    const other = newId('clock');
    await schedule(account, [{ dueAt: 100, target: 'shared', once: true }]);
    await schedule(account, [
      { dueAt: 100, target: 'shared', clock, once: true },
      { dueAt: 100, target: 'shared', clock: other, once: true },
      { dueAt: 100, target: 'shared', clock: other, once: true },
    ]);
    await schedule(account, [{ dueAt: 100, target: 'shared', clock, once: true }]);
    assert.equal((await store.transaction((tx) => tx.claimClockJobs(account, clock, 1000, 10))).length, 1);
    assert.equal((await store.transaction((tx) => tx.claimClockJobs(account, other, 1000, 10))).length, 1);
    assert.equal((await claimedInRealTime(account, 2_000_000_000)).length, 1);
  });

  it('keep `once` per target, and a job written in the same transaction is claimable by it', async () => {
    const account = await freshAccount();
    const clock = newId('clock');
    await schedule(account, [
      { dueAt: 100, target: 'same', clock, once: true },
      { dueAt: 200, target: 'same', clock, once: true },
    ]);
    const claimed = await store.transaction(async (tx) => {
      await tx.scheduleJob({ account, dueAt: 50, kind: 'test.kind', target: 'fresh', payload: {}, clock });
      return tx.claimClockJobs(account, clock, 1000, 10);
    });
    assert.deepEqual(
      claimed.map((j) => [j.target, j.dueAt]),
      [
        ['fresh', 50],
        ['same', 100],
      ],
    );
  });
});

describe('lists without an indexed field', () => {
  it('`absent` leaves out objects that have a value for the field, with and without other filters', async () => {
    const account = await freshAccount();
    const ids: Record<string, string> = {};
    let created = 1000;
    for (const [name, fields] of [
      ['plain', { email: 'a@x.com' }],
      ['clocked', { email: 'a@x.com', test_clock: 'clock_1' }],
      ['bare', {}],
      ['other', { email: 'b@x.com' }],
    ] as const) {
      const id = newId('cus');
      ids[name] = id;
      created += 1;
      await store.transaction((tx) =>
        tx.insertObject({ account, id, type: 'customer', created, data: { id, object: 'customer' }, fields }),
      );
    }
    const list = async (q: { equals?: Record<string, string>; absent?: string[]; limit?: number }) =>
      (await store.listObjects({ account, type: 'customer', limit: q.limit ?? 10, ...q })).rows.map((r) => r.id);
    assert.deepEqual(await list({ absent: ['test_clock'] }), [ids.other, ids.bare, ids.plain]);
    assert.deepEqual(await list({ equals: { email: 'a@x.com' }, absent: ['test_clock'] }), [ids.plain]);
    assert.deepEqual(await list({ equals: { test_clock: 'clock_1' } }), [ids.clocked]);
    const page = await store.listObjects({ account, type: 'customer', limit: 2, absent: ['test_clock'] });
    assert.equal(page.hasMore, true);
    assert.deepEqual(
      page.rows.map((r) => r.id),
      [ids.other, ids.bare],
    );
  });
});
