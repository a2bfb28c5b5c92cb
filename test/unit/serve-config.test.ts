/**
 * `sandbank serve`'s settings from flags and environment (cli/serve-config.ts): empty variables are
 * unset, empty flags and bad values are usage errors naming their source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_DB,
  DEFAULT_HOST,
  DEFAULT_PORT,
  dbLocation,
  describeDb,
  isLoopback,
  serveConfig,
  UsageError,
} from '../../src/cli/serve-config.js';

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('serveConfig', () => {
  it('treats empty environment variables as unset: loopback, the default port and the default database file', () => {
    const config = serveConfig(
      {},
      { SANDBANK_HOST: '', SANDBANK_PORT: '', SANDBANK_DB: '', SANDBANK_WEBHOOK_TIMEOUT_MS: '' },
    );
    assert.equal(config.host, DEFAULT_HOST);
    assert.equal(config.port, DEFAULT_PORT);
    assert.equal(config.db, DEFAULT_DB);
    assert.deepEqual(config.webhooks, {});
  });

  it('takes a flag over its variable, and a non-empty variable over the default', () => {
    const env = { SANDBANK_HOST: '0.0.0.0', SANDBANK_PORT: '8080', SANDBANK_DB: 'env.db' };
    assert.deepEqual(
      [serveConfig({}, env).host, serveConfig({}, env).port, serveConfig({}, env).db],
      ['0.0.0.0', 8080, 'env.db'],
    );
    const flagged = serveConfig({ host: '::1', port: '0', db: ':memory:' }, env);
    assert.deepEqual([flagged.host, flagged.port, flagged.db], ['::1', 0, ':memory:']);
    assert.equal(serveConfig({ host: '[::1]' }, {}).host, '::1');
    assert.equal(serveConfig({ host: 'localhost' }, {}).host, 'localhost');
  });

  it('refuses an empty flag value instead of guessing', () => {
    usageError(() => serveConfig({ port: '' }, {}), /^--port needs a value/);
    usageError(() => serveConfig({ db: '' }, {}), /^--db needs a value/);
    usageError(() => serveConfig({ host: '' }, {}), /^--host needs a value/);
    usageError(() => dbLocation({ db: '' }, { SANDBANK_DB: 'x.db' }), /^--db needs a value/);
  });

  it('accepts only ports 0 to 65535 written as integers, naming the source of a bad one', () => {
    assert.equal(serveConfig({ port: '65535' }, {}).port, 65535);
    usageError(() => serveConfig({ port: '65536' }, {}), /^invalid --port: "65536" \(an integer from 0 to 65535/);
    usageError(() => serveConfig({}, { SANDBANK_PORT: 'http' }), /^invalid SANDBANK_PORT: "http"/);
    for (const bad of ['-1', '1e3', '80.0', ' 80', '0x50', '123456']) {
      usageError(() => serveConfig({ port: bad }, {}), /^invalid --port/);
    }
  });

  it('refuses hosts that are neither an IP address nor a host name', () => {
    for (const bad of ['http://0.0.0.0', '0.0.0.0:80', 'a b', 'evil"><', '-x', '[::1']) {
      usageError(() => serveConfig({ host: bad }, {}), /^invalid --host/);
    }
    usageError(() => serveConfig({}, { SANDBANK_HOST: ' ' }), /^invalid SANDBANK_HOST: " "/);
  });

  it('validates and normalises the public URL, from the flag or SANDBANK_PUBLIC_URL', () => {
    assert.equal(serveConfig({}, {}).publicUrl, undefined);
    assert.equal(serveConfig({}, { SANDBANK_PUBLIC_URL: '' }).publicUrl, undefined);
    assert.equal(serveConfig({}, { SANDBANK_PUBLIC_URL: 'http://Sandbank:80/' }).publicUrl, 'http://sandbank');
    assert.equal(serveConfig({ 'public-url': 'https://x.example/a/' }, {}).publicUrl, 'https://x.example/a');
    usageError(() => serveConfig({ 'public-url': '' }, {}), /^--public-url needs a value/);
    usageError(() => serveConfig({ 'public-url': 'http://u:p@x' }, {}), /^--public-url: invalid public URL/);
  });

  it('refuses a PostgreSQL URL that does not parse', () => {
    usageError(() => serveConfig({ db: 'postgres://u:p@[bad/db' }, {}), /^invalid --db/);
  });

  it('validates webhook settings: retries are seconds, the timeout a whole number of ms that a timer can hold', () => {
    assert.deepEqual(serveConfig({ 'webhook-retries': '1, 2.5,60' }, {}).webhooks, { retrySchedule: [1, 2.5, 60] });
    assert.deepEqual(serveConfig({ 'webhook-retries': '' }, {}).webhooks, { retrySchedule: [] });
    usageError(() => serveConfig({ 'webhook-retries': '1,-2' }, {}), /^invalid --webhook-retries/);
    usageError(() => serveConfig({}, { SANDBANK_WEBHOOK_RETRIES: '1,,2' }), /^invalid SANDBANK_WEBHOOK_RETRIES/);
    assert.equal(serveConfig({ 'webhook-timeout': '5000' }, {}).webhooks.timeoutMs, 5000);
    usageError(() => serveConfig({ 'webhook-timeout': '0' }, {}), /^invalid --webhook-timeout/);
    usageError(() => serveConfig({ 'webhook-timeout': '2147483648' }, {}), /^invalid --webhook-timeout/);
    usageError(() => serveConfig({ 'webhook-timeout': '' }, {}), /^--webhook-timeout needs a value/);
  });
});

describe('log format', () => {
  it('is text by default, json on request, and nothing else', () => {
    assert.equal(serveConfig({}, { SANDBANK_LOG_FORMAT: '' }).logFormat, 'text');
    assert.equal(serveConfig({}, { SANDBANK_LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.equal(serveConfig({ 'log-format': 'text' }, { SANDBANK_LOG_FORMAT: 'json' }).logFormat, 'text');
    usageError(() => serveConfig({ 'log-format': 'JSON' }, {}), /^invalid --log-format: "JSON" \(one of text, json\)/);
  });
});

describe('describeDb', () => {
  it('makes SQLite paths absolute and never shows a PostgreSQL password', () => {
    assert.equal(describeDb('./.sandbank/sandbank.db', '/srv/app'), '/srv/app/.sandbank/sandbank.db');
    assert.equal(describeDb(':memory:', '/srv/app'), ':memory:');
    assert.equal(describeDb('postgres://sb:s3cret@db:5432/sandbank', '/'), 'postgres://sb:***@db:5432/sandbank');
    assert.equal(
      describeDb('postgresql://db/sandbank?password=s3cret&sslmode=require', '/'),
      'postgresql://db/sandbank?password=***&sslmode=require',
    );
    assert.equal(describeDb('postgres://sb@db/sandbank', '/'), 'postgres://sb@db/sandbank');
    assert.equal(describeDb('postgres://sb:s3cret@[bad', '/'), 'postgres://***');
  });
});

describe('isLoopback', () => {
  it('knows the loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com']) assert.ok(!isLoopback(host), host);
  });
});
