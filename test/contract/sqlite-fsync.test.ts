/**
 * SQLite durability settings: `synchronous = NORMAL` by default (a process crash loses nothing
 * committed, power loss may lose the last commits), `FULL` with `fsync` (`--fsync`,
 * `SANDBANK_FSYNC=1`), where every commit is flushed to disk before it is acknowledged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { memoryLogger } from '../../src/platform/log.js';
import { SqliteDriver } from '../../src/store/sqlite.js';
import { testDbKind } from '../support/server.js';

/** SQLite's numbers for PRAGMA synchronous. */
const NORMAL = 1;
const FULL = 2;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-fsync-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function synchronous(options?: { fsync?: boolean }): Promise<unknown> {
  const driver = new SqliteDriver(join(dir, `${Math.random().toString(36).slice(2)}.db`), memoryLogger(), options);
  try {
    await driver.migrate();
    return (await driver.get('PRAGMA synchronous'))?.synchronous;
  } finally {
    await driver.close();
  }
}

describe('SQLite durability', { skip: testDbKind() !== 'sqlite' }, () => {
  it('commits with synchronous = NORMAL by default', async () => {
    assert.equal(await synchronous(), NORMAL);
    assert.equal(await synchronous({ fsync: false }), NORMAL);
  });

  it('commits with synchronous = FULL when asked to fsync', async () => {
    assert.equal(await synchronous({ fsync: true }), FULL);
  });
});
