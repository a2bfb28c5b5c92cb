/**
 * The billing bench scenario (bench/billing.ts) in its small-count sanity mode: three monthly
 * subscriptions on one test clock advanced by a year, every count checked by the scenario itself
 * (13 paid invoices each, still active), so `npm run bench`'s billing numbers measure working code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { benchBilling } from '../../bench/billing.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

describe('billing bench, sanity mode', () => {
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());

  it('advances three monthly subscriptions by a year: 36 renewal invoices, all paid', async () => {
    const result = await benchBilling({
      url: server.url,
      key: newSecretKey(),
      subscriptions: 3,
      concurrency: 3,
      timeoutMs: 60_000,
    });
    assert.equal(result.subscriptions, 3);
    assert.equal(result.advances, 7);
    assert.equal(result.renewalInvoices, 36);
    assert.ok(result.advanceSeconds > 0 && Number.isFinite(result.invoicesPerSecond));
    assert.equal(result.serverCpuUsPerInvoice, null);
  });
});
