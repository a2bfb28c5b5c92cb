/**
 * Background work outlives a failing store. Reproduces the review's finding: one failed scheduler
 * run (SQLite busy because another process held the write lock longer than Sandbank waits) used to
 * poison every later run, so payouts never arrived and `time/advance` answered 500 until a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../src/platform/log.js';
import { newAccount } from '../support/payments.js';
import { http, startServer, type TestServer, testDbKind } from '../support/server.js';

describe('background work after a store failure', { skip: testDbKind() !== 'sqlite' }, () => {
  let server: TestServer;
  let dir: string;
  let db: string;
  const logger = memoryLogger();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbank-busy-'));
    db = join(dir, 'busy.db');
    server = await startServer({ db, logger });
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a scheduler run that failed does not stop later runs: the payout still arrives', async () => {
    const account = newAccount(server);
    await account.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
    const payout = await account.stripe.payouts.create({ amount: 1000, currency: 'usd' });
    assert.equal(payout.status, 'pending');
    const me = await http(server, 'GET', '/sandbank/v1/account', { key: account.key });
    const stored = await server.app.store.getAccount(me.json.id);
    assert.ok(stored);
    // Make the payout's job due without running it (the endpoint would run it at once) ...
    await server.app.store.updateAccount(stored.id, { ...stored, clockOffset: stored.clockOffset + 3 * 86_400 });

    // ... while another process holds the write lock for longer than Sandbank waits for it (5 s),
    // so a scheduler run fails.
    const other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(server.app.scheduler.runDue(), /locked|busy/i);
    } finally {
      other.exec('COMMIT');
      other.close();
    }

    const advanced = await http(server, 'POST', '/sandbank/v1/time/advance', { key: account.key, body: 'seconds=0' });
    assert.equal(advanced.status, 200, advanced.text);
    const after = await account.stripe.payouts.retrieve(payout.id);
    assert.notEqual(after.status, 'pending', 'the payout moved on once the store worked again');
  });
});
