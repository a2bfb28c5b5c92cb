/**
 * Unit tests of the bounds on per-account and per-key memory: the request log (entries per account,
 * entries and bytes across accounts, string lengths) and the authenticator's caches (keys, and the
 * shared per-account objects, which must stay shared while anyone holds them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAuthenticator } from '../../src/platform/auth.js';
import { systemClock } from '../../src/platform/clock.js';
import { InFlight } from '../../src/platform/idempotency.js';
import { MAX_KEY_CHARS, MAX_PATH_CHARS, RequestLog, type RequestLogRecord } from '../../src/sandbank/request-log.js';
import type { Account, ApiKeyRecord, Store } from '../../src/store/store.js';

function entry(account: string, n: number, extra: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    account,
    id: `req_${n}`,
    created: 1_700_000_000 + n,
    method: 'POST',
    path: '/v1/customers',
    status: 200,
    idempotencyKey: undefined,
    durationMs: 1,
    ...extra,
  };
}

describe('RequestLog bounds', () => {
  it('keeps at most maxEntries across all accounts, the oldest of the server going first', () => {
    const log = new RequestLog({ perAccount: 1000, maxEntries: 50, maxBytes: 1e9 });
    for (let n = 0; n < 10_000; n++) log.record(entry(`acct_${n}`, n));
    assert.deepEqual(log.stats().entries, 50);
    assert.equal(log.stats().accounts, 50, 'accounts whose entries all went are forgotten');
    assert.deepEqual(
      log.list('acct_9999', { limit: 10 }).data.map((e) => e.id),
      ['req_9999'],
    );
    assert.deepEqual(log.list('acct_0', { limit: 10 }).data, []);
  });

  it('keeps the estimated bytes within maxBytes, however long paths and keys are', () => {
    const maxBytes = 64 * 1024;
    const log = new RequestLog({ maxBytes });
    for (let n = 0; n < 5_000; n++) {
      log.record(
        entry(`acct_${n % 7}`, n, { path: `/v1/customers/${'x'.repeat(20_000)}`, idempotencyKey: 'k'.repeat(10_000) }),
      );
      assert.ok(log.stats().bytes <= maxBytes);
    }
    const [last] = log.list('acct_3', { limit: 1000 }).data.slice(-1);
    assert.equal(last?.path.length, MAX_PATH_CHARS);
    assert.ok(last?.path.endsWith('…'));
    assert.equal(last?.idempotencyKey?.length, MAX_KEY_CHARS);
    assert.ok(log.stats().entries > 5, 'the budget still holds several entries');
  });

  it('keeps at most perAccount entries of a busy account without pushing quiet ones out early', () => {
    const log = new RequestLog({ perAccount: 3, maxEntries: 10, maxBytes: 1e9 });
    log.record(entry('acct_quiet', 0));
    for (let n = 1; n <= 6; n++) log.record(entry('acct_busy', n));
    assert.deepEqual(
      log.list('acct_busy', { limit: 10 }).data.map((e) => e.id),
      ['req_4', 'req_5', 'req_6'],
    );
    assert.deepEqual(
      log.list('acct_quiet', { limit: 10 }).data.map((e) => e.id),
      ['req_0'],
    );
    // Entries the busy account pushed out still count until their turn, so the total stays bounded.
    for (let n = 7; n <= 100; n++) log.record(entry('acct_busy', n));
    assert.ok(log.stats().entries <= 10);
    assert.deepEqual(log.list('acct_quiet', { limit: 10 }).data, []);
    assert.deepEqual(
      log.list('acct_busy', { after: 'req_98', limit: 10 }).data.map((e) => e.id),
      ['req_99', 'req_100'],
    );
  });
});

/** A store with just what the authenticator calls: open-mode suffixes and stored key hashes. */
function fakeStore(): Store & { loads: number } {
  const bySuffix = new Map<string, Account>();
  const keys = new Map<string, ApiKeyRecord>();
  const fake = {
    loads: 0,
    async findApiKey(hash: string) {
      return keys.get(hash);
    },
    async getAccount(id: string) {
      fake.loads++;
      for (const a of bySuffix.values()) if (a.id === id) return { ...a };
      return undefined;
    },
    async accountForSuffix(suffix: string, now: number) {
      fake.loads++;
      // Keys `sk_test_<account>_<n>` share account `<account>`, so one account can have many keys.
      const name = suffix.split('_')[0] as string;
      let a = bySuffix.get(name);
      if (!a) {
        a = {
          id: `acct_${name}`,
          created: now,
          country: 'US',
          defaultCurrency: 'usd',
          pricing: null,
          clockOffset: 0,
          webhooksPaused: false,
        };
        bySuffix.set(name, a);
      }
      // A fresh object per load, as a database returns.
      return { ...a };
    },
  };
  return fake as unknown as Store & { loads: number };
}

const bearer = (key: string) => `Bearer ${key}`;

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('Authenticator bounds', () => {
  it('caches at most maxCachedKeys keys, keys not used lately out first', async () => {
    const store = fakeStore();
    const auth = createAuthenticator(store, systemClock, { strictKeys: false, maxCachedKeys: 100 });
    await auth.authenticate(bearer('sk_test_hot_0'));
    for (let n = 0; n < 1_000; n++) {
      await auth.authenticate(bearer(`sk_test_a${n}_0`));
      await auth.authenticate(bearer('sk_test_hot_0'));
    }
    assert.equal(auth.stats().keys, 100);
    const loads = store.loads;
    await auth.authenticate(bearer('sk_test_hot_0'));
    assert.equal(store.loads, loads, 'the key in use stayed cached');
    await auth.authenticate(bearer('sk_test_a0_0'));
    assert.equal(store.loads, loads + 1, 'an old key is looked up again');
  });

  it('shares one Account object among all keys of an account, also across evictions while it is held', async () => {
    const store = fakeStore();
    const auth = createAuthenticator(store, systemClock, { strictKeys: false, maxCachedKeys: 10 });
    const first = await auth.authenticate(bearer('sk_test_alice_1'));
    const second = await auth.authenticate(bearer('pk_test_alice_2'));
    assert.equal(first.account, second.account);
    // A request still holds alice's object while her keys leave the cache.
    const held = first.account;
    for (let n = 0; n < 50; n++) await auth.authenticate(bearer(`sk_test_b${n}_0`));
    const again = await auth.authenticate(bearer('sk_test_alice_3'));
    assert.equal(again.account, held, 'a settings change through the held object reaches the new key');
  });

  it('forgets the Account objects nobody holds', async () => {
    const gc = exposeGc();
    const store = fakeStore();
    const auth = createAuthenticator(store, systemClock, { strictKeys: false, maxCachedKeys: 10 });
    for (let n = 0; n < 2_000; n++) await auth.authenticate(bearer(`sk_test_c${n}_0`));
    let accounts = auth.stats().accounts;
    for (let round = 0; round < 20 && accounts > 10; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
      accounts = auth.stats().accounts;
    }
    assert.ok(accounts <= 10, `${accounts} account objects kept for 10 cached keys`);
  });
});

describe('InFlight', () => {
  it('holds only the keys still running', () => {
    const inFlight = new InFlight();
    for (let n = 0; n < 1000; n++) {
      assert.ok(inFlight.claim('acct_a', `k${n}`));
      inFlight.release('acct_a', `k${n}`);
    }
    assert.ok(inFlight.claim('acct_a', 'x'));
    assert.ok(!inFlight.claim('acct_a', 'x'));
    assert.equal(inFlight.size, 1);
  });
});
