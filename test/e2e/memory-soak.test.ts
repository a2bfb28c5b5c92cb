/**
 * Memory stays flat under many accounts: a few thousand requests with distinct keys (each a new
 * open-mode account), long URLs and long idempotency keys, against a server with small in-memory
 * budgets. The request log's retained size and the key cache stay within their bounds throughout,
 * the heap does not grow with what the requests carried, and an account's most recent requests can
 * still be read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_KEY_CHARS, MAX_PATH_CHARS } from '../../src/sandbank/request-log.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const LIMITS = { perAccount: 20, maxEntries: 400, maxBytes: 256 * 1024 };
const MAX_CACHED_KEYS = 100;
const KEYS = 600;
const REQUESTS_PER_KEY = 4;
const CONCURRENCY = 16;

let server: TestServer;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

before(async () => {
  server = await startServer({ requestLog: LIMITS, maxCachedKeys: MAX_CACHED_KEYS });
});
after(() => server.close());

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Every request carries about 13 KB of URL and key, so keeping them would show in the heap. */
async function send(key: string, n: number): Promise<void> {
  const headers = { Authorization: `Bearer ${key}` };
  let res: Response;
  if (n % 3 === 0) {
    res = await fetch(`${server.url}/v1/customers/cus_${'x'.repeat(8_000)}?expand[]=${'y'.repeat(4_000)}`, {
      headers,
    });
  } else if (n % 3 === 1) {
    res = await fetch(`${server.url}/v1/nothing/${'z'.repeat(12_000)}`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': `idem-${n}-${'k'.repeat(1_000)}` },
    });
  } else {
    res = await fetch(`${server.url}/v1/customers?limit=1&email=${'e'.repeat(12_000)}`, { headers });
  }
  await res.arrayBuffer();
  assert.ok(res.status >= 200 && res.status < 500, `status ${res.status}`);
}

describe('memory under many accounts', () => {
  it('keeps the request log and the key cache within their budgets', { timeout: 60_000 }, async () => {
    // Warm up (statement caches, JIT) before measuring the heap.
    for (let n = 0; n < 30; n++) await send(newSecretKey(), n);
    const heapBefore = heapAfterGc();

    const keys = Array.from({ length: KEYS }, () => newSecretKey());
    let next = 0;
    let maxBytes = 0;
    let maxEntries = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= KEYS * REQUESTS_PER_KEY) return;
        await send(keys[i % KEYS] as string, i);
        const stats = server.app.requestLog.stats();
        maxBytes = Math.max(maxBytes, stats.bytes);
        maxEntries = Math.max(maxEntries, stats.entries);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    assert.ok(maxBytes <= LIMITS.maxBytes, `request log held ${maxBytes} bytes`);
    assert.ok(maxEntries <= LIMITS.maxEntries, `request log held ${maxEntries} entries`);
    assert.ok(server.app.requestLog.stats().accounts <= LIMITS.maxEntries);
    assert.ok(server.app.auth.stats().keys <= MAX_CACHED_KEYS);

    const grown = heapAfterGc() - heapBefore;
    // Keeping what the requests carried would be about 2,400 × 13 KB ≈ 30 MB.
    assert.ok(grown < 15 * 1024 * 1024, `heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB`);

    // The most recent requests of an account are still there, cut to the kept lengths.
    const last = keys[(KEYS * REQUESTS_PER_KEY - 1) % KEYS] as string;
    const res = await fetch(`${server.url}/sandbank/v1/requests?limit=100`, {
      headers: { Authorization: `Bearer ${last}` },
    });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { data: { path: string; idempotency_key: string | null }[] };
    assert.ok(page.data.length >= 1, 'the newest account can read its requests');
    for (const entry of page.data) {
      assert.ok(entry.path.length <= MAX_PATH_CHARS);
      assert.ok((entry.idempotency_key ?? '').length <= MAX_KEY_CHARS);
    }
  });
});
