/**
 * Clients that send too much, too little or too slowly, over raw sockets (fetch refuses to send most
 * of this). Whatever can still be answered gets a Stripe-shaped JSON error with `Request-Id` and the
 * usual headers — 414 for an over-long URL, 431 for over-large headers, 400 for what is not HTTP,
 * 408 for headers or a body that stop coming — and the connection is closed; the server keeps
 * serving everyone else meanwhile, and refuses connections beyond its limit while existing ones work.
 * The limits are the server's options, short here so the tests run fast.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { memoryLogger } from '../../src/platform/log.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const LIMITS = {
  maxHeaderBytes: 8 * 1024,
  headersTimeoutMs: 600,
  bodyIdleTimeoutMs: 600,
  bodyTimeoutMs: 1_500,
  maxConnections: 50,
};

let server: TestServer;

before(async () => {
  server = await startServer({ http: LIMITS });
});
after(() => server.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte written until the server closed the connection. */
  closedAfterMs: number;
}

function open(port = server.port): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `parts` (pausing `pauseMs` between them), then reads until the server closes or `waitMs`. */
async function exchange(parts: string[], opts: { pauseMs?: number; waitMs?: number } = {}): Promise<RawResponse> {
  const socket = await open();
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
  });
  socket.on('error', () => undefined);
  const started = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)));
  for (const [i, part] of parts.entries()) {
    if (i > 0 && opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    if (!socket.destroyed) socket.write(part);
  }
  const waited = await Promise.race([
    closed,
    new Promise<number>((r) => setTimeout(() => r(-1), opts.waitMs ?? 5_000)),
  ]);
  socket.destroy();
  return { ...parse(received), closedAfterMs: waited };
}

function parse(text: string): Omit<RawResponse, 'closedAfterMs'> {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** A Stripe-shaped JSON error: JSON headers, a request id, `invalid_request_error`, a closed connection. */
function assertStripeError(res: RawResponse, status: number, message: RegExp): void {
  assert.equal(res.status, status, `${res.status} ${res.body}`);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.match(res.headers['request-id'] ?? '', /^req_[0-9A-Za-z]{14}$/);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['cache-control'], 'no-cache, no-store');
  assert.equal(res.headers.connection, 'close');
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
  const body = JSON.parse(res.body) as { error: { type: string; message: string; request_log_url: string } };
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, message);
  assert.ok(body.error.request_log_url.endsWith(res.headers['request-id'] as string));
  assert.ok(res.closedAfterMs >= 0, 'the server closed the connection');
}

async function stillServes(): Promise<void> {
  const res = await fetch(`${server.url}/v1/customers?limit=1`, {
    headers: { Authorization: `Bearer ${newSecretKey()}` },
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

const KEY = newSecretKey();
const request = (head: string, extra = '') =>
  `${head}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n${extra}\r\n`;

describe('oversized and malformed requests', () => {
  it('answers an over-long URL with a 414 JSON error', async () => {
    const res = await exchange([request(`GET /v1/customers/cus_${'x'.repeat(20_000)} HTTP/1.1`)]);
    assertStripeError(res, 414, /^Request URL too long: the request line and headers may be at most 8192 bytes/);
    await stillServes();
  });

  it('answers over-large headers (one long, or very many) with a 431 JSON error', async () => {
    const long = await exchange([request('GET /v1/customers HTTP/1.1', `X-Long: ${'a'.repeat(20_000)}\r\n`)]);
    assertStripeError(long, 431, /^Request headers too large/);
    const many = Array.from({ length: 2_000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    assertStripeError(await exchange([request('GET /v1/customers HTTP/1.1', many)]), 431, /^Request headers too large/);
    await stillServes();
  });

  it('answers what is not HTTP with a 400 JSON error', async () => {
    for (const garbage of [
      'HELLO\r\n\r\n',
      'GET /v1/customers HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n',
      'POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde',
      'POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n',
    ]) {
      assertStripeError(await exchange([garbage]), 400, /^Malformed HTTP request \(HPE_[A-Z_]+\)/);
    }
    await stillServes();
  });

  it('accepts headers up to the limit', async () => {
    const res = await exchange([
      request('GET /v1/customers?limit=1 HTTP/1.1', `X-Pad: ${'p'.repeat(6_000)}\r\nConnection: close\r\n`),
    ]);
    assert.equal(res.status, 200, res.body);
  });
});

describe('slow clients', () => {
  it('answers headers that never finish with a 408 JSON error within the headers timeout', async () => {
    const res = await exchange(['GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n'], { waitMs: 5_000 });
    assertStripeError(res, 408, /^Request timed out: the request headers did not arrive within 1 seconds/);
    assert.ok(res.closedAfterMs < 2_500, `closed after ${res.closedAfterMs} ms`);
  });

  it('answers half a body that stalls with a 408 JSON error, serving others meanwhile', async () => {
    const body = 'email=stall%40example.com&name=Stalled';
    const stalled = exchange(
      [
        request(
          'POST /v1/customers HTTP/1.1',
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n`,
        ) + body.slice(0, 10),
      ],
      { waitMs: 5_000 },
    );
    // While it stalls, others are served.
    for (let i = 0; i < 5; i++) await stillServes();
    const res = await stalled;
    assertStripeError(res, 408, /^Request timed out: the rest of the request body did not arrive within 1 seconds/);
    assert.ok(res.closedAfterMs < 2_500, `closed after ${res.closedAfterMs} ms`);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    // Nothing was created.
    const list = await fetch(`${server.url}/v1/customers?email=stall%40example.com`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    assert.equal(((await list.json()) as { data: unknown[] }).data.length, 0);
  });

  it('answers a body that trickles in for too long with a 408 JSON error', async () => {
    const body = `metadata[x]=${'y'.repeat(60)}`;
    const head = request(
      'POST /v1/customers HTTP/1.1',
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n`,
    );
    // One byte every 100 ms: never idle for long, but 6 s in all, past the 1.5 s body timeout.
    const res = await exchange([head, ...body.split('')], { pauseMs: 100, waitMs: 8_000 });
    assertStripeError(res, 408, /^Request timed out: the rest of the request body did not arrive within 2 seconds/);
    assert.ok(res.closedAfterMs < 4_000, `closed after ${res.closedAfterMs} ms`);
  });

  it('still takes a body that arrives in pieces within the timeouts', async () => {
    const body = 'name=Patient';
    const head = request(
      'POST /v1/customers HTTP/1.1',
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`,
    );
    const res = await exchange([head, body.slice(0, 4), body.slice(4)], { pauseMs: 200 });
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /"name": "Patient"/);
  });
});

describe('the connection limit', () => {
  it('closes connections beyond it while the ones it holds keep working', async () => {
    const logger = memoryLogger();
    const limited = await startServer({ logger, http: { ...LIMITS, maxConnections: 5, headersTimeoutMs: 10_000 } });
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 5; i++) sockets.push(await open(limited.port));
      // The server counts a connection once it has accepted it.
      await new Promise((r) => setTimeout(r, 100));
      const extra = await open(limited.port);
      let got = '';
      extra.on('data', (d: Buffer) => {
        got += d.toString();
      });
      extra.on('error', () => undefined);
      extra.write(request('GET /v1/customers HTTP/1.1'));
      await once(extra, 'close');
      assert.equal(got, '', 'refused without an answer');
      assert.deepEqual(
        logger.lines.map((l) => [l.level, l.message, l.fields.max_connections]),
        [['warn', 'connections refused: over the connection limit', 5]],
      );

      // A held connection still works.
      const held = sockets[0] as Socket;
      let answer = '';
      held.on('data', (d: Buffer) => {
        answer += d.toString();
      });
      held.write(request('GET /v1/customers?limit=1 HTTP/1.1', 'Connection: close\r\n'));
      await once(held, 'close');
      assert.match(answer, /^HTTP\/1\.1 200 /);
      // With one gone, a new connection is served again.
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${limited.url}/v1/customers?limit=1`, {
        headers: { Authorization: `Bearer ${KEY}`, Connection: 'close' },
      });
      assert.equal(res.status, 200);
    } finally {
      for (const s of sockets) s.destroy();
      await limited.close();
    }
  });
});
