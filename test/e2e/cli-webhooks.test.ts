/**
 * `sandbank listen`, `trigger`, `events resend` and `logs tail` as a developer runs them: separate
 * processes against a server started in-process, and a local receiver standing in for the merchant's
 * webhook handler. Signatures are checked with the official SDK's `constructEvent`; that every
 * trigger causes its event is checked through `GET /v1/events` with the SDK.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { apiClient, encodeForm } from '../../src/cli/http-client.js';
import { attemptLines, forwardUrl } from '../../src/cli/listen.js';
import { requestLine } from '../../src/cli/logs.js';
import { closeMatches, FIXTURES, triggerEvent } from '../../src/cli/trigger.js';
import { StripeError } from '../../src/platform/errors.js';
import { randomBase62 } from '../../src/platform/ids.js';
import { RequestLog } from '../../src/sandbank/request-log.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);

let server: TestServer;
let receiver: Receiver;

before(async () => {
  server = await startServer({ webhooks: { retrySchedule: [1, 1, 1], timeoutMs: 2000 } });
  receiver = await startReceiver();
});

after(async () => {
  await receiver?.close();
  await server?.close();
});

// ---- helpers ----

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** Records every POST and answers 200. */
async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A `sandbank` command run to completion. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', MAIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A long-running `sandbank` command (`listen`, `logs tail`) whose output is read as it comes. */
interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first match of `pattern` in stdout (or stderr), waiting up to `ms`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', ms?: number): Promise<RegExpExecArray>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

function start(...args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const running: Running = {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, stream = 'stdout', ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = pattern.exec(stream === 'stdout' ? out : err);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${pattern} in ${stream} (exit ${child.exitCode})\nstdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async interrupt() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
  return running;
}

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TIMESTAMP = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`;

// ---- trigger ----

describe('sandbank trigger', () => {
  it('--list lists every event of the fixture table, one a line', async () => {
    const { code, stdout } = await cli('trigger', '--list');
    assert.equal(code, 0);
    const listed = stdout.trim().split('\n');
    assert.deepEqual(listed, Object.keys(FIXTURES).sort());
    for (const event of ['payment_intent.succeeded', 'charge.dispute.created', 'payout.paid', 'balance.available']) {
      assert.ok(listed.includes(event), event);
    }
  });

  it('refuses an unknown event with exit code 2, naming close matches', async () => {
    const { code, stderr } = await cli('trigger', 'payment_intent.succeded', '--url', server.url);
    assert.equal(code, 2);
    assert.match(stderr, /event payment_intent\.succeded is not supported\. Did you mean: payment_intent\.succeeded/);
    assert.match(stderr, /Usage:/);
    assert.deepEqual(closeMatches('payout.fail').slice(0, 1), ['payout.failed']);
    assert.deepEqual(closeMatches('zzz'), []);
  });

  // Table-driven: each fixture runs in-process (the CLI's own code, without a process start each)
  // on a fresh account, which then has the event.
  for (const [event, steps] of Object.entries(FIXTURES)) {
    it(`causes ${event}`, async () => {
      const key = newSecretKey();
      const printed: string[] = [];
      const id = await triggerEvent(apiClient({ url: server.url, key }), event, (line) => printed.push(line));
      assert.deepEqual(
        printed,
        steps.flatMap((s) => [`Setting up fixture for: ${s.name}`, `Running fixture for: ${s.name}`]),
      );
      const events = await server.stripe(key).events.list({ type: event });
      assert.ok(
        events.data.some((e) => e.id === id && e.type === event),
        `no ${event} event after its fixture`,
      );
    });
  }
});

// ---- listen, trigger and events resend together ----

describe('sandbank listen', () => {
  it('forwards signed events, prints them like the Stripe CLI, resends, and removes its endpoint on Ctrl-C', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const hook = `/hook/${randomBase62(10)}`;
    const forwardTo = receiver.url + hook;
    const listen = start('listen', '--forward-to', forwardTo, '--api-key', key, '--url', server.url);
    try {
      const [, secret] = await listen.waitFor(
        /Ready! Your webhook signing secret is (whsec_\w+) \(\^C to quit\)/,
        'stderr',
      );
      const endpoints = await stripe.webhookEndpoints.list();
      assert.equal(endpoints.data.length, 1);
      assert.equal(endpoints.data[0]?.url, forwardTo);
      assert.deepEqual(endpoints.data[0]?.enabled_events, ['*']);
      assert.equal(endpoints.data[0]?.description, 'sandbank listen');
      const endpointId = endpoints.data[0]?.id as string;

      const triggered = await cli('trigger', 'payment_intent.succeeded', '--api-key', key, '--url', server.url);
      assert.equal(triggered.code, 0, triggered.stderr);
      assert.match(
        triggered.stdout,
        /^Setting up fixture for: payment_intent\nRunning fixture for: payment_intent\nTrigger succeeded! Check dashboard for event details\.\n$/,
      );

      // The receiver gets it, signed so that the official SDK accepts it.
      const mine = () => receiver.received.filter((r) => r.path === hook);
      const delivery = await eventually('payment_intent.succeeded at the receiver', () =>
        mine().find((r) => (JSON.parse(r.body) as { type: string }).type === 'payment_intent.succeeded'),
      );
      const event = stripe.webhooks.constructEvent(
        delivery.body,
        delivery.headers['stripe-signature'] as string,
        secret as string,
      );
      assert.equal(event.type, 'payment_intent.succeeded');
      assert.equal((event.data.object as Stripe.PaymentIntent).status, 'succeeded');
      assert.match(String(delivery.headers['user-agent']), /^Stripe\/1\.0/);

      // listen prints the event going out and the receiver's answer.
      const id = event.id;
      await listen.waitFor(new RegExp(`^${TIMESTAMP}   --> payment_intent\\.succeeded \\[${id}\\]$`, 'm'));
      await listen.waitFor(
        new RegExp(`^${TIMESTAMP}  <--  \\[200\\] POST ${forwardTo.replaceAll('/', '\\/')} \\[${id}\\]$`, 'm'),
      );
      // Every event of the payment is forwarded (enabled_events is *).
      await listen.waitFor(/--> payment_intent\.created \[evt_\w+\]/);
      await listen.waitFor(/--> charge\.succeeded \[evt_\w+\]/);

      // events resend delivers it again, now.
      const resent = await cli('events', 'resend', id, '--api-key', key, '--url', server.url);
      assert.equal(resent.code, 0, resent.stderr);
      const answer = JSON.parse(resent.stdout) as { object: string; data: { event: string; endpoint: string }[] };
      assert.equal(answer.object, 'list');
      assert.deepEqual(
        answer.data.map((d) => [d.event, d.endpoint]),
        [[id, endpointId]],
      );
      await eventually('the resent event at the receiver', () => {
        const copies = mine().filter((r) => (JSON.parse(r.body) as { id: string }).id === id);
        return copies.length >= 2 ? copies : undefined;
      });
      const lines = (marker: string) =>
        listen
          .stdout()
          .split('\n')
          .filter((l) => l.includes(marker) && l.endsWith(`[${id}]`));
      await eventually('the resend in listen', () =>
        lines(`<--  [200] POST ${forwardTo}`).length >= 2 ? true : undefined,
      );
      // Each attempt is printed once (a few more polls add nothing): an answer line per attempt, and the
      // event going out per delivery. (Counted against the server's attempts: delivery is at least once.)
      await new Promise((r) => setTimeout(r, 750));
      const attempts = (
        await apiClient({ url: server.url, key }).get('/sandbank/v1/webhook_attempts', {
          event: id,
          endpoint: endpointId,
        })
      ).data as { attempt: number; http_status: number | null }[];
      assert.equal(attempts.filter((a) => a.http_status === 200).length >= 2, true);
      assert.equal(lines('  <--  [').length + lines('[ERROR] Failed to POST').length, attempts.length, listen.stdout());
      assert.equal(lines('--> payment_intent.succeeded').length, attempts.filter((a) => a.attempt === 1).length);
      const resentTo = await cli(
        'events',
        'resend',
        id,
        '--endpoint',
        endpointId,
        '--api-key',
        key,
        '--url',
        server.url,
      );
      assert.equal(resentTo.code, 0, resentTo.stderr);

      // Ctrl-C removes the endpoint and exits 0.
      assert.equal(await listen.interrupt(), 0, listen.stderr());
      assert.deepEqual((await stripe.webhookEndpoints.list()).data, []);
    } finally {
      listen.child.kill('SIGKILL');
    }
  });

  it('needs --forward-to (exit 2), and events resend of an unknown event exits 1', async () => {
    const missing = await cli('listen', '--url', server.url);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--forward-to/);
    const unknown = await cli('events', 'resend', 'evt_missing', '--api-key', newSecretKey(), '--url', server.url);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No such event/);
  });

  it('formats attempts as the Stripe CLI does (answers, failures, retries)', () => {
    const at = new Date(2024, 4, 1, 9, 5, 7);
    const attempt = {
      id: 'wha_1',
      event: 'evt_1',
      event_type: 'charge.succeeded',
      url: 'http://localhost:3000/hook',
      attempt: 1,
      succeeded: false,
      http_status: 500,
      error: null,
    };
    assert.deepEqual(attemptLines(attempt, true, at), [
      '2024-05-01 09:05:07   --> charge.succeeded [evt_1]',
      '2024-05-01 09:05:07  <--  [500] POST http://localhost:3000/hook [evt_1]',
    ]);
    assert.deepEqual(
      attemptLines({ ...attempt, attempt: 2, http_status: null, error: 'connect ECONNREFUSED' }, false, at),
      ['2024-05-01 09:05:07            [ERROR] Failed to POST: connect ECONNREFUSED [evt_1]'],
    );
    assert.equal(forwardUrl('localhost:3000/webhook'), 'http://localhost:3000/webhook');
    assert.equal(forwardUrl('https://example.com/hook'), 'https://example.com/hook');
  });
});

// ---- logs tail ----

describe('sandbank logs tail', () => {
  it('prints a line for each request made while it runs', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    await stripe.customers.create({ email: 'before@example.com' });
    const tail = start('logs', 'tail', '--api-key', key, '--url', server.url);
    try {
      await tail.waitFor(/Ready! You're now waiting to receive API request logs \(\^C to quit\)/, 'stderr');
      const idempotencyKey = `idem-${randomBase62(8)}`;
      const customer = await stripe.customers.create({ email: 'tail@example.com' }, { idempotencyKey });
      const requestId = customer.lastResponse.requestId;
      await tail.waitFor(
        new RegExp(
          `^${TIMESTAMP} \\[200\\] POST /v1/customers \\[${requestId}\\] \\[${idempotencyKey}\\] \\d+ms$`,
          'm',
        ),
      );
      await assert.rejects(stripe.customers.retrieve('cus_missing'));
      await tail.waitFor(/^.* \[404\] GET \/v1\/customers\/cus_missing \[req_\w+\] \d+ms$/m);
      // Only what happened after it started, and not its own polling.
      assert.doesNotMatch(tail.stdout(), /before@|\/sandbank\/v1\/requests/);
      assert.equal(tail.stdout().trim().split('\n').length, 2, tail.stdout());
      assert.equal(await tail.interrupt(), 0);
    } finally {
      tail.child.kill('SIGKILL');
    }
  });

  it('formats a request as the Stripe CLI does, with the idempotency key and duration', () => {
    const created = Math.floor(new Date(2024, 4, 1, 9, 5, 7).getTime() / 1000);
    const r = { id: 'req_1', created, method: 'POST', path: '/v1/customers', status: 200, duration_ms: 12 };
    assert.equal(
      requestLine({ ...r, idempotency_key: 'k1' }),
      '2024-05-01 09:05:07 [200] POST /v1/customers [req_1] [k1] 12ms',
    );
    assert.equal(
      requestLine({ ...r, idempotency_key: null }),
      '2024-05-01 09:05:07 [200] POST /v1/customers [req_1] 12ms',
    );
  });
});

// ---- the request log itself ----

describe('RequestLog', () => {
  const entry = (account: string, n: number, extra: Partial<Parameters<RequestLog['record']>[0]> = {}) => ({
    account,
    id: `req_${n}`,
    created: 1_700_000_000 + n,
    method: 'POST',
    path: '/v1/customers',
    status: 200,
    idempotencyKey: undefined,
    durationMs: 1.5,
    ...extra,
  });

  it('keeps the last N requests per account, oldest first, and pages with after', () => {
    const log = new RequestLog({ perAccount: 3 });
    for (let n = 1; n <= 5; n++) log.record(entry('acct_a', n));
    log.record(entry('acct_b', 9));
    assert.deepEqual(
      log.list('acct_a', { limit: 10 }).data.map((e) => e.id),
      ['req_3', 'req_4', 'req_5'],
    );
    const first = log.list('acct_a', { limit: 2 });
    assert.deepEqual([first.data.map((e) => e.id), first.hasMore], [['req_3', 'req_4'], true]);
    const rest = log.list('acct_a', { after: 'req_4', limit: 2 });
    assert.deepEqual([rest.data.map((e) => e.id), rest.hasMore], [['req_5'], false]);
    assert.deepEqual(log.list('acct_a', { after: 'req_5', limit: 2 }).data, []);
    assert.deepEqual(
      log.list('acct_b', { limit: 10 }).data.map((e) => e.id),
      ['req_9'],
    );
    assert.deepEqual(log.list('acct_c', { limit: 10 }).data, []);
  });

  it('answers an after it does not hold (unknown, pushed out, or another account’s) with a 400 on after', () => {
    const log = new RequestLog({ perAccount: 2 });
    for (let n = 1; n <= 3; n++) log.record(entry('acct_a', n));
    log.record(entry('acct_b', 7));
    for (const after of ['req_1', 'req_missing', 'req_7']) {
      assert.throws(
        () => log.list('acct_a', { after, limit: 10 }),
        (err: unknown) => {
          assert.ok(err instanceof StripeError);
          assert.equal(err.status, 400);
          assert.equal(err.type, 'invalid_request_error');
          assert.equal(err.param, 'after');
          return true;
        },
      );
    }
  });

  it('does not log reads of itself or of webhook attempts', () => {
    const log = new RequestLog();
    log.record(entry('acct_a', 1, { method: 'GET', path: '/sandbank/v1/requests' }));
    log.record(entry('acct_a', 2, { method: 'GET', path: '/sandbank/v1/webhook_attempts' }));
    log.record(entry('acct_a', 3, { method: 'GET', path: '/v1/customers' }));
    assert.deepEqual(
      log.list('acct_a', { limit: 10 }).data.map((e) => e.id),
      ['req_3'],
    );
  });

  it('is served at GET /sandbank/v1/requests in Stripe’s list envelope', async () => {
    const key = newSecretKey();
    const client = apiClient({ url: server.url, key });
    await client.post('/v1/customers', { metadata: { n: '1' } });
    const page = await client.get('/sandbank/v1/requests', { limit: 1000 });
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/sandbank/v1/requests');
    assert.equal(page.has_more, false);
    assert.equal(page.data.length, 1);
    const logged = page.data[0];
    assert.deepEqual(Object.keys(logged), [
      'id',
      'object',
      'created',
      'method',
      'path',
      'status',
      'idempotency_key',
      'duration_ms',
    ]);
    assert.equal(logged.object, 'sandbank.request');
    assert.equal(logged.path, '/v1/customers');
    await assert.rejects(
      client.get('/sandbank/v1/requests', { after: 'req_nope' }),
      (err: { status?: number; param?: string }) => {
        assert.equal(err.status, 400);
        assert.equal(err.param, 'after');
        return true;
      },
    );
  });
});

describe('encodeForm', () => {
  it("uses Stripe's bracket encoding", () => {
    assert.equal(
      encodeForm({ a: { b: ['x', 'y'] }, n: 5, t: true, unset: null, skipped: undefined, 'k k': 'v&v' }),
      'a[b][0]=x&a[b][1]=y&n=5&t=true&unset=&k%20k=v%26v',
    );
  });
});
