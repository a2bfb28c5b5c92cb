/**
 * `--strict-keys` with keys from `sandbank keys create`: each key of a pair is an independent random
 * secret, so a publishable key (the one that ships to browsers) cannot be turned into its secret key
 * by swapping the prefix; the account is reached through the keys' hashes only, and no key is stored
 * in plain text. Served in open mode, the same database still answers to those keys.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import type Stripe from 'stripe';
import { hashKey } from '../../src/platform/auth.js';
import { http, isolatedSchema, sdk, startServer, type TestServer } from '../support/server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);

let dir: string;
let db: string;
let schema: { url: string; drop(): Promise<void> } | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-strict-'));
  const configured = process.env.SANDBANK_TEST_DB ?? 'sqlite';
  if (configured.startsWith('postgres')) {
    schema = await isolatedSchema(configured);
    db = schema.url;
  } else {
    db = join(dir, 'strict.db');
  }
});

after(async () => {
  await schema?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function keysCreate(): Promise<{ account: string; secret: string; publishable: string }> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', MAIN, 'keys', 'create', '--db', db]);
  const account = /account:\s+(acct_\w+)/.exec(stdout)?.[1];
  const secret = /secret key:\s+(sk_test_\w+)/.exec(stdout)?.[1];
  const publishable = /publishable key:\s+(pk_test_\w+)/.exec(stdout)?.[1];
  assert.ok(account && secret && publishable, stdout);
  return { account, secret, publishable };
}

/** Every value of every row of every table, as text (and for SQLite the raw file bytes too). */
async function storedText(): Promise<string> {
  const parts: string[] = [];
  if (schema) {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      );
      assert.ok(tables.rows.some((t) => t.table_name === 'api_keys'));
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`SELECT * FROM "${table_name}"`);
        for (const row of rows.rows) parts.push(JSON.stringify(row));
      }
    } finally {
      await client.end();
    }
    return parts.join('\n');
  }
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      for (const row of sqlite.prepare(`SELECT * FROM "${name}"`).all()) parts.push(JSON.stringify(row));
    }
  } finally {
    sqlite.close();
  }
  for (const suffix of ['', '-wal', '-journal']) {
    if (existsSync(db + suffix)) parts.push(readFileSync(db + suffix).toString('latin1'));
  }
  return parts.join('\n');
}

function expectInvalidKey(key: string) {
  return (err: Stripe.errors.StripeError) => {
    assert.equal(err.type, 'StripeAuthenticationError');
    assert.equal(err.statusCode, 401);
    assert.equal(
      err.message,
      `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`,
    );
    return true;
  };
}

describe('strict keys', () => {
  let server: TestServer;
  let pair: { account: string; secret: string; publishable: string };

  before(async () => {
    pair = await keysCreate();
    server = await startServer({ db, strictKeys: true });
  });
  after(() => server?.close());

  it('makes a pair of independent keys: the publishable key with its prefix swapped is no key at all', async () => {
    assert.notEqual(pair.secret.slice(8), pair.publishable.slice(8));
    assert.ok(pair.secret.length >= 40, pair.secret);
    const customer = await sdk(server.port, pair.secret).customers.create({ name: 'Strict' });
    assert.match(customer.id, /^cus_/);

    const swapped = `sk_test_${pair.publishable.slice(8)}`;
    await assert.rejects(sdk(server.port, swapped).customers.list(), expectInvalidKey(swapped));
    const raw = await http(server, 'GET', `/v1/customers/${customer.id}`, { key: swapped });
    assert.equal(raw.status, 401);
    assert.equal(raw.json.error.type, 'invalid_request_error');

    // The publishable key is a key of the account, but only for what publishable keys may do.
    await assert.rejects(
      sdk(server.port, pair.publishable).customers.retrieve(customer.id),
      (err: Stripe.errors.StripeError) => {
        assert.equal(err.statusCode, 401);
        assert.equal(err.code, 'secret_key_required');
        return true;
      },
    );
    const pm = await sdk(server.port, pair.publishable).paymentMethods.create({
      type: 'card',
      card: { token: 'tok_visa' },
    });
    assert.match(pm.id, /^pm_/);
    const account = await http(server, 'GET', '/sandbank/v1/account', { key: pair.secret });
    assert.equal(account.json.id, pair.account);
  });

  it('reaches no strict account through a key suffix, nor accepts keys it did not make', async () => {
    const swappedPk = `pk_test_${pair.secret.slice(8)}`;
    await assert.rejects(sdk(server.port, swappedPk).paymentMethods.list(), expectInvalidKey(swappedPk));
    const stranger = 'sk_test_strangerstrangerstranger';
    await assert.rejects(sdk(server.port, stranger).customers.list(), expectInvalidKey(stranger));
  });

  it('stores only the hashes of the keys', async () => {
    const text = await storedText();
    for (const key of [pair.secret, pair.publishable]) {
      assert.ok(text.includes(hashKey(key)), 'the hash is stored');
      assert.ok(!text.includes(key), 'the key itself is not');
      assert.ok(!text.includes(key.slice(8)), 'nor its secret part');
    }
  });

  it('served in open mode, the keys still reach their account and a swapped prefix reaches another', async () => {
    const first = await sdk(server.port, pair.secret).customers.create({ email: 'strict@example.com' });
    const open = await startServer({ db, strictKeys: false });
    try {
      const again = await sdk(open.port, pair.secret).customers.retrieve(first.id);
      assert.equal((again as Stripe.Customer).email, 'strict@example.com');
      const swapped = `sk_test_${pair.publishable.slice(8)}`;
      const other = await http(open, 'GET', '/sandbank/v1/account', { key: swapped });
      assert.equal(other.status, 200);
      assert.notEqual(other.json.id, pair.account, 'an open-mode suffix is an account of its own');
      const missing = await http(open, 'GET', `/v1/customers/${first.id}`, { key: swapped });
      assert.equal(missing.status, 404);
    } finally {
      await open.close();
    }
  });
});
