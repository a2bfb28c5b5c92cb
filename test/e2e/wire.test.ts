/**
 * The wire, byte by byte: raw HTTP against the real server for what the SDK hides — bracket forms in
 * bodies and query strings, percent-encoding, content types, hostile input (which must end in a 400,
 * never a 500), routing misses, auth headers, response headers and formatting, and idempotent replay.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { randomBase62 } from '../../src/platform/ids.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
/** One account for the tests that do not need their own. */
const KEY = newSecretKey();

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const REQUEST_ID = /^req_[0-9A-Za-z]{14}$/;

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

const unrecognized = (method: string, path: string) =>
  `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;

const post = (path: string, body: string, opts: { key?: string; headers?: Record<string, string> } = {}) =>
  http(server, 'POST', path, { key: opts.key ?? KEY, body, ...(opts.headers ? { headers: opts.headers } : {}) });

const get = (path: string, opts: { key?: string | null; headers?: Record<string, string> } = {}) =>
  http(server, 'GET', path, {
    key: opts.key === undefined ? KEY : opts.key,
    ...(opts.headers ? { headers: opts.headers } : {}),
  });

/** Asserts an error response: status, type, and message (exact or pattern). */
function assertError(
  res: { status: number; json: { error?: { message?: string; type?: string } } | undefined; text: string },
  status: number,
  message: string | RegExp,
  type = 'invalid_request_error',
): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.error?.type, type, res.text);
  const actual = res.json?.error?.message ?? '';
  if (typeof message === 'string') assert.equal(actual, message);
  else assert.match(actual, message);
}

/** node:http with one keep-alive socket, to see that the connection itself survives a request. */
function rawRequest(
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('form encoding on the wire', () => {
  it('decodes bracket forms, + and %20 spaces and %-encoded brackets in a POST body', async () => {
    const res = await post(
      '/v1/customers',
      [
        'name=John+Smith',
        'description=two%20words+and%2Bplus',
        'address[city]=San+Francisco',
        'address%5Bline1%5D=510%20Townsend',
        'metadata[order]=6735',
        'metadata%5Bref%5D=x',
        'shipping[name]=Jo',
        'shipping[address][country]=US',
        'preferred_locales[]=en',
        'preferred_locales[]=fr-FR',
      ].join('&'),
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, 'John Smith');
    assert.equal(res.json.description, 'two words and+plus');
    assert.equal(res.json.address.city, 'San Francisco');
    assert.equal(res.json.address.line1, '510 Townsend');
    assert.deepEqual(res.json.metadata, { order: '6735', ref: 'x' });
    assert.equal(res.json.shipping.name, 'Jo');
    assert.equal(res.json.shipping.address.country, 'US');
    assert.deepEqual(res.json.preferred_locales, ['en', 'fr-FR']);
  });

  it('accepts indexed and appended arrays alike', async () => {
    const indexed = await post('/v1/customers', 'preferred_locales[0]=en&preferred_locales[1]=de');
    const appended = await post('/v1/customers', 'preferred_locales%5B%5D=en&preferred_locales%5B%5D=de');
    assert.deepEqual(indexed.json.preferred_locales, ['en', 'de']);
    assert.deepEqual(appended.json.preferred_locales, ['en', 'de']);
  });

  it('accepts arrays of objects in indexed and CLI form', async () => {
    const fields = (form: string) =>
      post('/v1/customers', form).then((r) => {
        assert.equal(r.status, 200, r.text);
        return r.json.invoice_settings.custom_fields;
      });
    const want = [
      { name: 'PO', value: '1' },
      { name: 'VAT', value: '2' },
    ];
    assert.deepEqual(
      await fields(
        'invoice_settings[custom_fields][0][name]=PO&invoice_settings[custom_fields][0][value]=1&invoice_settings[custom_fields][1][name]=VAT&invoice_settings[custom_fields][1][value]=2',
      ),
      want,
    );
    assert.deepEqual(
      await fields(
        'invoice_settings[custom_fields][][name]=PO&invoice_settings[custom_fields][][value]=1&invoice_settings[custom_fields][][name]=VAT&invoice_settings[custom_fields][][value]=2',
      ),
      want,
    );
  });

  it('expands with expand[]= and expand[0]= in a body and in a query string', async () => {
    const created = await post('/v1/customers', 'expand[]=tax&address[country]=FR');
    assert.equal(created.json.tax.automatic_tax, 'not_collecting');
    const indexed = await post('/v1/customers', 'expand[0]=tax');
    assert.equal(indexed.json.tax.automatic_tax, 'unrecognized_location');
    const plain = await post('/v1/customers', '');
    assert.equal(plain.json.tax, undefined);

    const id = created.json.id as string;
    for (const query of [
      'expand[]=tax&expand[]=sources',
      'expand[0]=tax&expand[1]=sources',
      'expand%5B%5D=tax&expand%5B%5D=sources',
    ]) {
      const res = await get(`/v1/customers/${id}?${query}`);
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      assert.equal(res.json.tax.location.country, 'FR', query);
      assert.equal(res.json.sources.object, 'list', query);
    }
  });

  it('decodes bracket forms and + in query strings', async () => {
    const key = newSecretKey();
    const made = await post('/v1/customers', 'email=a%2Bb%40example.com', { key });
    assert.equal(made.json.email, 'a+b@example.com');

    const exact = await get('/v1/customers?email=a%2Bb%40example.com', { key });
    assert.deepEqual(
      exact.json.data.map((c: { id: string }) => c.id),
      [made.json.id],
    );
    // An unencoded + is a space, so this is another address.
    const spaced = await get('/v1/customers?email=a+b@example.com', { key });
    assert.equal(spaced.json.data.length, 0);

    for (const query of ['created[gte]=0&limit=5', 'created%5Bgte%5D=0&limit=5', `created=${made.json.created}`]) {
      const res = await get(`/v1/customers?${query}`, { key });
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      assert.equal(res.json.data.length, 1, query);
    }
    const future = await get('/v1/customers?created[gt]=4102444800', { key });
    assert.equal(future.json.data.length, 0);
  });

  it('reports unknown parameters from the query string with their bracket path', async () => {
    const res = await get('/v1/customers?created[after]=1');
    assertError(res, 400, 'Received unknown parameter: created[after]');
    assert.equal(res.json.error.code, 'parameter_unknown');
    assert.equal(res.json.error.param, 'created[after]');
  });
});

describe('bad input is a 400, never a 500', () => {
  it('refuses a JSON body, echoing the Content-Type', async () => {
    const res = await post('/v1/customers', '{"name":"Jo"}', { headers: { 'Content-Type': 'application/json' } });
    assertError(
      res,
      400,
      'Invalid request: unsupported Content-Type application/json. If error persists and you need assistance, please contact support@stripe.com.',
    );
    const withCharset = await post('/v1/customers', '{"name":"Jo"}', {
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    assertError(
      withCharset,
      400,
      'Invalid request: unsupported Content-Type application/json; charset=utf-8. If error persists and you need assistance, please contact support@stripe.com.',
    );
    const text = await post('/v1/customers', 'name=Jo', { headers: { 'Content-Type': 'text/plain' } });
    assertError(text, 400, /^Invalid request: unsupported Content-Type text\/plain\. /);
  });

  it('accepts a form body whose Content-Type carries a charset', async () => {
    const res = await post('/v1/customers', 'name=Jo', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, 'Jo');
  });

  it('answers malformed percent-encoding with a 400 in bodies, keys and query strings', async () => {
    for (const body of ['name=%E0%A4%A', 'name=%zz', 'metadata[%]=1', 'name=%FF', 'name=%']) {
      assertError(await post('/v1/customers', body), 400, /^Invalid URL encoding in request parameters/);
    }
    assertError(await get('/v1/customers?email=%zz'), 400, /^Invalid URL encoding/);
    assertError(await get('/v1/customers/search?query=%E0%A4%A'), 400, /^Invalid URL encoding/);
  });

  it('answers a malformed id in the path with a 404', async () => {
    const res = await get('/v1/customers/%E0%A4%A');
    assertError(res, 404, unrecognized('GET', '/v1/customers/%E0%A4%A'));
  });

  it('answers a body over 1 MiB with a 400 and keeps the connection usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' };
      const big = `description=${'a'.repeat(1024 * 1024 + 10)}`;
      const first = await rawRequest(agent, 'POST', '/v1/customers', headers, big);
      assert.equal(first.status, 400, first.text);
      assert.match(JSON.parse(first.text).error.message, /^Request body too large/);
      assert.match(String(first.headers['request-id']), REQUEST_ID);

      const second = await rawRequest(agent, 'GET', '/v1/customers?limit=1', { Authorization: `Bearer ${KEY}` });
      assert.equal(second.status, 200, second.text);
      assert.equal(second.reusedSocket, true, 'the second request reused the connection');
    } finally {
      agent.destroy();
    }
  });

  it('refuses keys nested more than 10 levels deep', async () => {
    const deep = `metadata${'[a]'.repeat(10)}=1`;
    assertError(await post('/v1/customers', deep), 400, /nested too deeply/);
    assertError(await get(`/v1/customers?created${'[gte]'.repeat(12)}=1`), 400, /nested too deeply/);
  });

  it('refuses more than 10,000 parameters', async () => {
    const body = Array.from({ length: 10_001 }, (_, i) => `x${i}=1`).join('&');
    assertError(await post('/v1/customers', body), 400, /^Too many parameters/);
  });

  it('refuses mixing x[]= and x[0]=', async () => {
    assertError(
      await post('/v1/customers', 'preferred_locales[]=en&preferred_locales[0]=fr'),
      400,
      /^Invalid array or hash structure/,
    );
  });

  it('stores Object.prototype names as ordinary metadata keys', async () => {
    const res = await post('/v1/customers', 'metadata[__proto__]=x&metadata[constructor]=y&__proto__[polluted]=1');
    // The unknown top-level `__proto__` is reported like any other unknown parameter.
    assertError(res, 400, 'Received unknown parameter: __proto__');
    const ok = await post('/v1/customers', 'metadata[__proto__]=x&metadata[constructor]=y');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(Object.keys(ok.json.metadata).sort(), ['__proto__', 'constructor']);
    const again = await get(`/v1/customers/${ok.json.id}`);
    assert.equal(Object.getOwnPropertyDescriptor(again.json.metadata, '__proto__')?.value, 'x');
    const removed = await post(`/v1/customers/${ok.json.id}`, 'metadata[__proto__]=');
    assert.deepEqual(Object.keys(removed.json.metadata), ['constructor']);
  });

  it('refuses NUL characters anywhere in the parameters', async () => {
    for (const body of ['name=a%00b', 'metadata[k%00]=v', 'name=a\u0000b']) {
      assertError(await post('/v1/customers', body), 400, /null characters \(%00\) are not accepted/);
    }
    assertError(await get('/v1/customers?email=%00'), 400, /null characters/);
  });

  it('answers a NUL in a path id without a 500', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await http(server, method, '/v1/customers/cus_%00x', { key: KEY });
      assertError(res, 404, unrecognized(method, '/v1/customers/cus_%00x'));
    }
  });

  it('survives odd Unicode in values', async () => {
    for (const body of ['description=%F0%9F%92%B3+%E2%80%AE', 'name=%EF%BF%BF', 'name=%E2%80%8B']) {
      const res = await post('/v1/customers', body);
      assert.ok(res.status === 200 || res.status === 400, `${body}: ${res.status} ${res.text}`);
      assert.match(res.headers.get('request-id') ?? '', REQUEST_ID);
    }
    const emoji = await post('/v1/customers', 'description=%F0%9F%92%B3');
    assert.equal(emoji.json.description, '💳');
  });

  it('survives extreme numbers in search queries', async () => {
    for (const query of [
      'created>1.5',
      'created>99999999999999999999',
      'created>1e30',
      'created<-99999999999999999999',
      'created:0.0001',
    ]) {
      const res = await get(`/v1/customers/search?query=${encodeURIComponent(query)}`);
      assert.ok(res.status === 200 || res.status === 400, `${query}: ${res.status} ${res.text}`);
    }
  });

  it('answers a very long id with a 404', async () => {
    const id = `cus_${'x'.repeat(5000)}`;
    const res = await get(`/v1/customers/${id}`);
    assertError(res, 404, `No such customer: '${id}'`);
  });

  it('refuses an invalid Stripe-Version', async () => {
    assertError(
      await get('/v1/customers', { headers: { 'Stripe-Version': 'banana' } }),
      400,
      'Invalid Stripe API version: banana',
    );
  });
});

describe('routing misses', () => {
  it('answers unknown URLs with a 404 echoing method and path (without the query)', async () => {
    const res = await get('/v1/foo?x=1');
    assertError(res, 404, unrecognized('GET', '/v1/foo'));
    assert.equal(res.json.error.code, undefined);
    assert.equal(res.json.error.param, undefined);
    assertError(await post('/v1/foo', 'a=1'), 404, unrecognized('POST', '/v1/foo'));
    assertError(await get('/foo'), 404, unrecognized('GET', '/foo'));
  });

  it('answers a wrong method on a known path with the same 404', async () => {
    assertError(
      await http(server, 'DELETE', '/v1/customers', { key: KEY }),
      404,
      unrecognized('DELETE', '/v1/customers'),
    );
    assertError(
      await http(server, 'PUT', '/v1/customers/x', { key: KEY }),
      404,
      unrecognized('PUT', '/v1/customers/x'),
    );
    assertError(
      await http(server, 'PATCH', '/v1/customers/x', { key: KEY, body: 'name=a' }),
      404,
      unrecognized('PATCH', '/v1/customers/x'),
    );
    assertError(
      await http(server, 'DELETE', '/v1/customers/search', { key: KEY }),
      404,
      // `search` is only a GET route; for DELETE it is an id like any other.
      "No such customer: 'search'",
    );
  });

  it('answers a trailing slash or empty segment with the hint variant', async () => {
    const hint = (method: string, path: string) =>
      `Unrecognized request URL (${method}: ${path}). If you are trying to list objects, remove the trailing slash. If you are trying to retrieve an object, make sure you passed a valid (non-empty) identifier in your code. Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
    assertError(await get('/v1/customers/'), 404, hint('GET', '/v1/customers/'));
    assertError(await post('/v1/customers/', 'name=a'), 404, hint('POST', '/v1/customers/'));
    assertError(await get('/v1/customers//sources'), 404, hint('GET', '/v1/customers//sources'));
  });
});

describe('authentication', () => {
  it('answers a missing key with a 401 and WWW-Authenticate', async () => {
    const res = await get('/v1/customers', { key: null });
    assertError(res, 401, NO_KEY);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Stripe"');
  });

  it('answers "Bearer" without a key by echoing the header', async () => {
    const res = await get('/v1/customers', { headers: { Authorization: 'Bearer' } });
    assertError(
      res,
      401,
      `You did not provide an API key, though you did set your Authorization header to "Bearer". Using Bearer auth, your Authorization header should look something like 'Authorization: Bearer YOUR_SECRET_KEY'. See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.`,
    );
  });

  it('accepts HTTP Basic auth with the key as user name, reaching the Bearer account', async () => {
    const key = newSecretKey();
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const made = await post('/v1/customers', 'name=Basic', { headers: { Authorization: basic } });
    assert.equal(made.status, 200, made.text);
    const seen = await get(`/v1/customers/${made.json.id}`, { key });
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.json.name, 'Basic');
    const elsewhere = await get(`/v1/customers/${made.json.id}`);
    assert.equal(elsewhere.status, 404, 'another key is another account');
  });

  it('masks a bad key: first 8, one * per hidden character, last 4', async () => {
    const res = await get('/v1/customers', { key: 'sk_live_abcdefghijklmnop1234' });
    assertError(res, 401, 'Invalid API Key provided: sk_live_****************1234');
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Stripe"');
    const garbage = await get('/v1/customers', { key: 'not-a-key-at-all' });
    assertError(garbage, 401, 'Invalid API Key provided: not-a-ke****-all');
  });

  it('refuses a publishable key on a secret-only endpoint', async () => {
    const res = await get('/v1/customers', { key: KEY.replace('sk_', 'pk_') });
    assertError(
      res,
      401,
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    );
    assert.equal(res.json.error.code, 'secret_key_required');
    assert.equal(res.json.error.doc_url, 'https://stripe.com/docs/error-codes/secret-key-required');
  });

  it('refuses the Stripe-Account header', async () => {
    const res = await get('/v1/customers', { headers: { 'Stripe-Account': 'acct_123' } });
    assertError(res, 400, /Stripe-Account/);
  });
});

describe('response headers and formatting', () => {
  it('sends Request-Id, Content-Type, CORS and Stripe-Version on 200, 400, 401 and 404', async () => {
    const responses = {
      200: await get('/v1/customers?limit=1'),
      400: await get('/v1/customers?limit=abc'),
      401: await get('/v1/customers', { key: null }),
      404: await get('/v1/foo'),
    };
    const ids = new Set<string>();
    for (const [status, res] of Object.entries(responses)) {
      assert.equal(res.status, Number(status), res.text);
      const id = res.headers.get('request-id') ?? '';
      assert.match(id, REQUEST_ID, status);
      ids.add(id);
      assert.equal(res.headers.get('content-type'), 'application/json', status);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', status);
      assert.equal(res.headers.get('cache-control'), 'no-cache, no-store', status);
      if (status !== '401') assert.match(res.headers.get('stripe-version') ?? '', /^\d{4}-\d{2}-\d{2}/, status);
      if (res.status !== 200) {
        assert.equal(res.json.error.request_log_url, `https://dashboard.stripe.com/test/logs/${id}`, status);
      }
    }
    assert.equal(ids.size, 4, 'every response has its own request id');
  });

  it('echoes the requested Stripe-Version', async () => {
    const res = await get('/v1/customers?limit=1', { headers: { 'Stripe-Version': '2020-08-27' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('stripe-version'), '2020-08-27');
    const failed = await get('/v1/customers?limit=0', { headers: { 'Stripe-Version': '2020-08-27' } });
    assert.equal(failed.headers.get('stripe-version'), '2020-08-27');
  });

  it('answers CORS preflight with a 204 without authentication', async () => {
    const res = await http(server, 'OPTIONS', '/v1/customers', {
      key: null,
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Headers': 'authorization, stripe-version' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization, stripe-version');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('request-id') ?? '', REQUEST_ID);
  });

  it('serves /healthz without authentication', async () => {
    const res = await get('/healthz', { key: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  it('pretty-prints JSON with two-space indentation and a trailing newline', async () => {
    const made = await post('/v1/customers', 'name=Pretty&metadata[a]=1');
    assert.ok(made.text.startsWith('{\n  "id": "cus_'), made.text.slice(0, 40));
    assert.match(made.text, /\n {2}"metadata": \{\n {4}"a": "1"\n {2}\},\n/);
    assert.equal(made.text, `${JSON.stringify(made.json, null, 2)}\n`);

    const failed = await get('/v1/customers?limit=abc');
    assert.ok(failed.text.startsWith('{\n  "error": {\n    "code": "parameter_invalid_integer",\n'), failed.text);
    assert.equal(failed.text, `${JSON.stringify(failed.json, null, 2)}\n`);
  });
});

describe('idempotency on the wire', () => {
  it('replays the first response byte for byte, naming the original request', async () => {
    const key = newSecretKey();
    // No long digit run: one that passes Luhn (a millisecond timestamp does one time in ten) is
    // masked as a card number where the key is echoed (pan.ts), and this test compares the echo.
    const idem = `wire-${randomBase62(24)}`;
    const headers = { 'Idempotency-Key': idem };
    const first = await post('/v1/customers', 'name=Once&metadata[a]=1', { key, headers });
    assert.equal(first.status, 200, first.text);
    const firstId = first.headers.get('request-id') ?? '';
    assert.match(firstId, REQUEST_ID);
    assert.equal(first.headers.get('idempotency-key'), idem);
    assert.equal(first.headers.get('original-request'), firstId);
    assert.equal(first.headers.get('idempotent-replayed'), null);

    // Same parameters in another order is the same request.
    const replay = await post('/v1/customers', 'metadata[a]=1&name=Once', { key, headers });
    assert.equal(replay.status, 200);
    assert.equal(replay.text, first.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.headers.get('original-request'), firstId);
    assert.equal(replay.headers.get('idempotency-key'), idem);
    assert.match(replay.headers.get('request-id') ?? '', REQUEST_ID);
    assert.notEqual(replay.headers.get('request-id'), firstId);

    const list = await get('/v1/customers', { key });
    assert.equal(list.json.data.length, 1, 'the replay created nothing');

    const other = await post('/v1/customers', 'name=Twice', { key, headers });
    assertError(
      other,
      400,
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idem}' if you meant to execute a different request.`,
      'idempotency_error',
    );
  });

  it('replays a stored error too', async () => {
    const headers = { 'Idempotency-Key': `wire-404-${Date.now()}` };
    const first = await post('/v1/customers/cus_missing', 'name=x', { headers });
    assertError(first, 404, "No such customer: 'cus_missing'");
    const replay = await post('/v1/customers/cus_missing', 'name=x', { headers });
    assert.equal(replay.status, 404);
    assert.equal(replay.text, first.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.headers.get('original-request'), first.headers.get('request-id'));
  });

  it('refuses an Idempotency-Key over 255 characters and accepts 255', async () => {
    const res = await post('/v1/customers', 'name=x', { headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    assertError(
      res,
      400,
      "Idempotent key length is 256, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.",
    );
    const ok = await post('/v1/customers', 'name=x', {
      headers: { 'Idempotency-Key': `${Date.now()}`.padEnd(255, 'k') },
    });
    assert.equal(ok.status, 200, ok.text);
  });

  it('ignores Idempotency-Key on GET and DELETE', async () => {
    const long = 'g'.repeat(300);
    const listed = await get('/v1/customers?limit=1', { headers: { 'Idempotency-Key': long } });
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.headers.get('idempotent-replayed'), null);
    assert.equal(listed.headers.get('idempotency-key'), null);

    const made = await post('/v1/customers', 'name=Doomed');
    const del = (idem: string) =>
      http(server, 'DELETE', `/v1/customers/${made.json.id}`, { key: KEY, headers: { 'Idempotency-Key': idem } });
    const first = await del(long);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.deleted, true);
    const second = await del(long);
    assert.equal(second.status, 404, 'not replayed');
    assert.equal(second.headers.get('idempotent-replayed'), null);
  });
});
