/**
 * Hostile input over the wire: a bounded run of seeded random requests (bracket soup, stray percent
 * signs, odd Unicode, huge numbers, wrong types, random search queries) against every Customer
 * endpoint. Whatever arrives, the answer is a Stripe-shaped JSON body with a Request-Id — never a 500
 * — and the server keeps serving. The seed is printed on failure so a case can be replayed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.FUZZ_CASES ?? 400);

/** mulberry32: small, seedable, good enough to pick test inputs. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = [
  'email',
  'name',
  'description',
  'phone',
  'balance',
  'metadata',
  'address',
  'shipping',
  'invoice_settings',
  'preferred_locales',
  'tax_exempt',
  'expand',
  'limit',
  'starting_after',
  'ending_before',
  'created',
  'query',
  'page',
  'next_invoice_sequence',
  'tax',
  'cash_balance',
  'test_clock',
  '__proto__',
  'constructor',
];
const ATOMS = [
  '',
  'x',
  '0',
  '-1',
  '1e309',
  '99999999999999999999',
  'true',
  'now',
  'null',
  '%',
  '%zz',
  '%00',
  '%E2%82',
  '💳',
  'é',
  '"',
  "'",
  '[',
  ']',
  '[]',
  '&',
  '=',
  '+',
  'a@b.co',
  'cus_does_not_exist',
  'email:"a@b.co"',
  'name~"ab"',
  'metadata["k"]:"v" OR created>1',
  '-',
  'tax',
  'data.tax',
  'a.b.c.d.e',
];

function makeRequest(rand: () => number): { method: string; path: string; body?: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const key = () => {
    let k = pick(FIELDS);
    const depth = Math.floor(rand() * 4);
    for (let i = 0; i < depth; i++) k += `[${pick(['', '0', '1', 'k', 'city', 'gte', pick(ATOMS)])}]`;
    return k;
  };
  const pairs = Array.from({ length: Math.floor(rand() * 6) }, () => `${key()}=${pick(ATOMS)}`);
  if (rand() < 0.1) pairs.push(`${'a['.repeat(20)}x${']'.repeat(20)}=1`);
  const form = pairs.join(rand() < 0.9 ? '&' : '&&');
  const id = pick(['cus_does_not_exist', '%00', 'search', '', 'x%zz', '💳']);
  const shape = pick(['create', 'update', 'retrieve', 'delete', 'list', 'search']);
  switch (shape) {
    case 'create':
      return { method: 'POST', path: '/v1/customers', body: form };
    case 'update':
      return { method: 'POST', path: `/v1/customers/${id}`, body: form };
    case 'retrieve':
      return { method: 'GET', path: `/v1/customers/${id}?${form}` };
    case 'delete':
      return { method: 'DELETE', path: `/v1/customers/${id}?${form}` };
    case 'list':
      return { method: 'GET', path: `/v1/customers?${form}` };
    default:
      return { method: 'GET', path: `/v1/customers/search?${form}` };
  }
}

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

describe('fuzzed requests', () => {
  it(`answer ${CASES} random requests with Stripe-shaped JSON and never a 500 (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const key = newSecretKey();
    let unsent = 0;
    for (let i = 0; i < CASES; i++) {
      const req = makeRequest(rand);
      const label = `case ${i} (seed ${SEED}): ${req.method} ${req.path} ${req.body ?? ''}`;
      let res: Awaited<ReturnType<typeof http>>;
      try {
        res = await http(server, req.method, req.path, req.body === undefined ? { key } : { key, body: req.body });
      } catch (err) {
        // A request the fetch client itself refuses to send (e.g. an invalid URL) is not a server answer.
        if (err instanceof TypeError) {
          unsent++;
          continue;
        }
        throw new Error(`${label}: ${String(err)}`);
      }
      assert.ok(res.status < 500, `${label} → ${res.status} ${res.text}`);
      assert.match(res.headers.get('request-id') ?? '', /^req_[0-9A-Za-z]{14}$/, label);
      assert.ok(res.json !== undefined, `${label}: body is not JSON: ${res.text}`);
      if (res.status >= 400) {
        assert.equal(typeof res.json.error?.message, 'string', label);
        assert.equal(typeof res.json.error?.type, 'string', label);
      }
    }
    assert.ok(unsent < CASES / 10, `${unsent} of ${CASES} cases could not be sent: the run proves little`);
    const health = await http(server, 'GET', '/v1/customers?limit=1', { key });
    assert.equal(health.status, 200, 'the server still serves after the run');
  });
});
