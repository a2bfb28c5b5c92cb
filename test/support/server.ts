/**
 * Test harness: starts the real Sandbank server on an ephemeral port against the store chosen by
 * SANDBANK_TEST_DB (`sqlite`, the default, uses a fresh temporary file; a `postgres://` URL uses that
 * database). Tests isolate themselves by account — each uses fresh random keys — instead of wiping
 * the database, so files can share one database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Stripe from 'stripe';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import { randomBase62 } from '../../src/platform/ids.js';
import { assertResponseShape } from './responses.js';

export interface TestServer {
  app: App;
  port: number;
  url: string;
  /** An SDK client for a fresh isolated account (or for `key`). */
  stripe(key?: string): Stripe;
  close(): Promise<void>;
}

export function testDbKind(): 'sqlite' | 'postgres' {
  return (process.env.SANDBANK_TEST_DB ?? '').startsWith('postgres') ? 'postgres' : 'sqlite';
}

/** A fresh secret key, i.e. a fresh isolated account. */
export function newSecretKey(): string {
  return `sk_test_${randomBase62(24)}`;
}

export function sdk(port: number, key: string, opts: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, ...opts });
}

/**
 * On PostgreSQL each test server gets a schema of its own, dropped on close: every Sandbank process on
 * a database runs every account's jobs and webhook deliveries with its own settings (as nodes of one
 * deployment should), so servers of test files running at the same time must not share one.
 */
export async function isolatedSchema(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `sandbank_test_${randomBase62(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const isolated = new URL(url);
  isolated.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: isolated.toString(),
    async drop() {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function startServer(opts: Partial<AppOptions> = {}): Promise<TestServer> {
  let db = process.env.SANDBANK_TEST_DB ?? 'sqlite';
  let dir: string | undefined;
  let schema: { url: string; drop(): Promise<void> } | undefined;
  if (opts.db === undefined && db.startsWith('postgres')) {
    schema = await isolatedSchema(db);
    db = schema.url;
  } else if (!db.startsWith('postgres') && db !== ':memory:') {
    dir = mkdtempSync(join(tmpdir(), 'sandbank-test-'));
    db = join(dir, 'test.db');
  }
  const app = await createApp({ db, ...opts });
  const port = await app.listen(0, '127.0.0.1');
  return {
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    stripe: (key = newSecretKey()) => sdk(port, key),
    async close() {
      await app.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await schema?.drop();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests assert on response bodies field by field
type AnyJson = any;

/** Raw HTTP for wire details the SDK hides. */
export async function http(
  server: TestServer,
  method: string,
  path: string,
  opts: { key?: string | null; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: AnyJson }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== null) headers.Authorization ??= `Bearer ${opts.key ?? newSecretKey()}`;
  if (opts.body !== undefined) headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
  const res = await fetch(server.url + path, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  assertResponseShape(json);
  return { status: res.status, headers: res.headers, text, json };
}
