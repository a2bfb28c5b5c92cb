/**
 * Links Sandbank hands out (the hosted 3-D Secure page in `next_action.redirect_to_url.url`) start
 * with the configured public URL or the listening address — never with the request's Host header,
 * which the client controls and which would otherwise be stored in the object for others to follow.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const HOSTILE_HOST = 'evil.example"><script>alert(1)</script>';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with a Host header of our choosing (fetch does not let one set Host). */
function raw(
  server: TestServer,
  method: string,
  path: string,
  opts: { host: string; key?: string; body?: string },
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: opts.host };
    if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const THREE_DS_PAYMENT = new URLSearchParams({
  amount: '2000',
  currency: 'usd',
  payment_method: 'pm_card_threeDSecure2Required',
  'payment_method_types[]': 'card',
  confirm: 'true',
  return_url: 'https://shop.example/return',
}).toString();

/** Creates a PaymentIntent that needs 3-D Secure, sent with a hostile Host header; returns its redirect URL. */
async function redirectUrl(server: TestServer, key: string): Promise<{ id: string; url: string }> {
  const res = await raw(server, 'POST', '/v1/payment_intents', { host: HOSTILE_HOST, key, body: THREE_DS_PAYMENT });
  assert.equal(res.status, 200, res.body);
  const pi = JSON.parse(res.body) as { id: string; status: string; next_action: { redirect_to_url: { url: string } } };
  assert.equal(pi.status, 'requires_action');
  return { id: pi.id, url: pi.next_action.redirect_to_url.url };
}

describe('public URL: default (the listening address)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('a hostile Host header does not reach the stored 3-D Secure URL', async () => {
    const key = newSecretKey();
    const { id, url } = await redirectUrl(server, key);
    assert.ok(url.startsWith(`${server.url}/sandbank/3ds/`), url);
    assert.doesNotMatch(url, /evil|script|"/);
    // Retrieved later (from the store), the URL is the same.
    const again = await raw(server, 'GET', `/v1/payment_intents/${id}`, { host: HOSTILE_HOST, key });
    assert.equal(JSON.parse(again.body).next_action.redirect_to_url.url, url);
    assert.equal(server.app.publicUrl(), server.url);
  });

  it('the hosted page works under any Host header and finishes the payment', async () => {
    const key = newSecretKey();
    const { id, url } = await redirectUrl(server, key);
    const path = url.slice(server.url.length);
    const page = await raw(server, 'GET', path, { host: HOSTILE_HOST });
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /evil/);
    const done = await raw(server, 'POST', path, { host: HOSTILE_HOST, body: 'outcome=complete' });
    assert.equal(done.status, 303);
    assert.match(String(done.headers.location), /^https:\/\/shop\.example\/return\?/);
    const pi = await raw(server, 'GET', `/v1/payment_intents/${id}`, { host: '127.0.0.1', key });
    assert.equal(JSON.parse(pi.body).status, 'succeeded');
  });
});

describe('public URL: configured', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ publicUrl: 'HTTPS://Sandbank.Example:8443/proxy/' });
  });
  after(() => server.close());

  it('links start with the configured URL, normalised, whatever the Host header', async () => {
    const key = newSecretKey();
    const { url } = await redirectUrl(server, key);
    assert.ok(url.startsWith('https://sandbank.example:8443/proxy/sandbank/3ds/acct_'), url);
    assert.equal(server.app.publicUrl(), 'https://sandbank.example:8443/proxy');
  });

  it('the hosted page still answers when reached on the listening address', async () => {
    const { url } = await redirectUrl(server, newSecretKey());
    const path = new URL(url).pathname.replace(/^\/proxy/, '') + new URL(url).search;
    const page = await fetch(`${server.url}${path}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Authenticate this payment/);
  });
});

describe('public URL: validation', () => {
  it('createApp refuses a public URL that is not an absolute http(s) URL without credentials, query or fragment', async () => {
    const cases: [string, RegExp][] = [
      ['sandbank:12111', /the scheme must be http or https/],
      ['/relative', /not an absolute URL/],
      ['ftp://files.example', /the scheme must be http or https/],
      ['http://user:secret@sandbank.example', /must not contain a user name or password/],
      ['http://sandbank.example/?a=1', /must not have a query or fragment/],
      ['http://sandbank.example/#top', /must not have a query or fragment/],
      ['http://sandbank.example/?', /must not have a query or fragment/],
      ['http://evil"host.example', /is not a host name/],
    ];
    for (const [value, message] of cases) {
      await assert.rejects(createApp({ db: ':memory:', publicUrl: value }), (err: Error) => {
        assert.match(err.message, /^invalid public URL /);
        assert.match(err.message, message, value);
        return true;
      });
    }
  });
});
