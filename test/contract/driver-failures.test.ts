/**
 * The database misbehaving under the store: a PostgreSQL connection dropped mid-transaction, and a
 * SQLite file write-locked by another process. Either must fail or delay only the work concerned —
 * never end the process, never freeze the event loop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../src/platform/log.js';
import { PostgresDriver } from '../../src/store/postgres.js';
import { SqliteDriver } from '../../src/store/sqlite.js';
import { testDbKind } from '../support/server.js';

const kind = testDbKind();

describe('PostgreSQL: a connection dropped inside a transaction', { skip: kind !== 'postgres' }, () => {
  it('fails that transaction only; the pool replaces the connection', async () => {
    const driver = new PostgresDriver(process.env.SANDBANK_TEST_DB as string, memoryLogger());
    try {
      await assert.rejects(
        driver.transaction(async (conn) => {
          await conn.get('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      );
      // Give the dropped socket's 'error' event time to fire: unhandled, it would end this process.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const results = await Promise.all(
        Array.from({ length: 12 }, () => driver.transaction((conn) => conn.get('SELECT 1 AS one'))),
      );
      assert.deepEqual(
        results.map((r) => r?.one),
        Array(12).fill(1),
      );
    } finally {
      await driver.close();
    }
  });
});

describe('SQLite: another process holds the write lock', { skip: kind !== 'sqlite' }, () => {
  it('waits for it without blocking the event loop, then commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbank-busy-'));
    const path = join(dir, 'busy.db');
    const driver = new SqliteDriver(path, memoryLogger());
    await driver.migrate();
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const write = driver.transaction((conn) =>
        conn.run("INSERT INTO accounts (id, created, country, default_currency) VALUES ('acct_busy', 1, 'US', 'usd')"),
      );
      // A 20 ms timer must fire on time while the write waits.
      const ticked = await new Promise<number>((resolve) => {
        const t0 = Date.now();
        setTimeout(() => resolve(Date.now() - t0), 20);
      });
      assert.ok(ticked < 200, `the event loop was blocked for ${ticked} ms`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      other.exec('COMMIT');
      await write;
      assert.ok(Date.now() - started >= 300, 'the write waited for the other process');
      assert.equal((await driver.get("SELECT id FROM accounts WHERE id = 'acct_busy'"))?.id, 'acct_busy');
    } finally {
      other.close();
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
