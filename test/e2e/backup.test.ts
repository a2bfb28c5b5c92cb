/**
 * `sandbank backup`: a consistent copy of a running server's SQLite database, taken while the
 * server is writing, that another server can then serve with every acknowledged write made before
 * the backup began. And the mistakes it refuses (exit status 2) instead of overwriting something.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type Stripe from 'stripe';
import { runCli } from '../support/cli.js';
import { newSecretKey, startServer } from '../support/server.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-backup-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbank backup', () => {
  it('copies a database while the server writes to it; the copy serves every write made before', async () => {
    const live = join(dir, 'live.db');
    const copy = join(dir, 'copy.db');
    const key = newSecretKey();
    const server = await startServer({ db: live });
    const created: string[] = [];
    let writing = true;
    let writer: Promise<void> | undefined;
    try {
      const stripe = server.stripe(key);
      for (let i = 0; i < 50; i++)
        created.push((await stripe.customers.create({ email: `before${i}@example.com` })).id);
      // Keep writing for the whole backup.
      writer = (async () => {
        for (let i = 0; writing; i++)
          created.push((await stripe.customers.create({ email: `during${i}@example.com` })).id);
      })();
      const acknowledgedBefore = created.length;
      const result = await runCli(['backup', '--db', live, '--to', copy]);
      const acknowledgedAfter = created.length;
      writing = false;
      await writer;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^backed up .*live\.db to .*copy\.db \(\d+ bytes in \d+ ms\)\n$/);
      assert.ok(acknowledgedAfter > acknowledgedBefore, 'the server kept writing during the backup');

      const check = new Database(copy, { readonly: true });
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      check.close();

      const restored = await startServer({ db: copy });
      try {
        const again = restored.stripe(key);
        for (const id of created.slice(0, acknowledgedBefore)) {
          assert.equal(((await again.customers.retrieve(id)) as Stripe.Customer).id, id);
        }
        // A snapshot: the copy holds a prefix of the writes, every one whole.
        const listed = await again.customers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
        assert.ok(listed.length >= acknowledgedBefore && listed.length <= created.length, String(listed.length));
        assert.deepEqual(
          new Set(listed.map((c) => c.id)),
          new Set(created.slice(0, listed.length)),
          'the copy holds the first writes, in order, and nothing else',
        );
        // And it is a working database.
        assert.match((await again.customers.create({ email: 'after@example.com' })).id, /^cus_/);
      } finally {
        await restored.close();
      }
    } finally {
      writing = false;
      await writer?.catch(() => undefined);
      await server.close();
    }
  });

  it('refuses to overwrite a file, to copy onto the database itself, or to copy PostgreSQL (exit status 2)', async () => {
    const db = join(dir, 'refuse.db');
    const key = await runCli(['keys', 'create', '--db', db]);
    assert.equal(key.code, 0, key.stderr);
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, 'precious');
    const cases: [string[], RegExp][] = [
      [['--db', db, '--to', existing], /already exists; remove it or choose another name/],
      [['--db', db, '--to', db], /--to names the database itself/],
      [['--db', 'postgres://u:p@127.0.0.1/db', '--to', join(dir, 'pg.db')], /back up PostgreSQL with pg_dump/],
      [['--db', db], /backup needs --to FILE/],
      [['--db', '', '--to', join(dir, 'x.db')], /--db needs a value/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['backup', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const missing = await runCli(['backup', '--db', join(dir, 'missing.db'), '--to', join(dir, 'y.db')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no database at /);
    assert.ok(!existsSync(join(dir, 'y.db')));
  });
});
