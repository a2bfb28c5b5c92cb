/**
 * Running Sandbank as an operator does: `sandbank serve` configured by flags and environment
 * variables (empty ones are unset, bad ones refused with exit status 2, loopback unless asked), and
 * its log (text or JSON lines: start, requests, failures, stop; never a database password).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCliServer } from '../support/cli.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-ops-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh working directory under the test's temporary directory. */
function workdir(name: string): string {
  return mkdtempSync(join(dir, `${name}-`));
}

/** An IPv4 address of this machine that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('sandbank serve: configuration', () => {
  it('treats empty SANDBANK_HOST and SANDBANK_DB as unset: loopback only, and the default database file', async () => {
    const cwd = workdir('empty-env');
    const server = await startCliServer(['--port', '0'], { cwd, env: { SANDBANK_HOST: '', SANDBANK_DB: '' } });
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const external = externalAddress();
      if (external) assert.equal(await accepts(external, server.port), false, `not reachable on ${external}`);
      const created = await fetch(`${server.url}/v1/customers`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk_test_ops', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'email=kept%40example.com',
      });
      assert.equal(created.status, 200);
      assert.ok(existsSync(join(cwd, '.sandbank', 'sandbank.db')), 'the default database file is in the cwd');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.doesNotMatch(server.stderr(), /in memory/);
  });

  it('refuses empty flag values and out-of-range values with a clear message and exit status 2', async () => {
    const cwd = workdir('refused');
    const cases: { args: string[]; env?: Record<string, string>; message: RegExp }[] = [
      { args: ['--port', ''], message: /--port needs a value/ },
      { args: ['--db', ''], message: /--db needs a value/ },
      { args: ['--port', '70000'], message: /invalid --port: "70000" \(an integer from 0 to 65535/ },
      { args: [], env: { SANDBANK_PORT: 'eighty' }, message: /invalid SANDBANK_PORT: "eighty"/ },
      { args: ['--port', '0'], env: { SANDBANK_HOST: 'http://0.0.0.0' }, message: /invalid SANDBANK_HOST/ },
      { args: ['--port', '0', '--webhook-timeout', '1e3'], message: /invalid --webhook-timeout/ },
      { args: ['--prot', '0'], message: /Unknown option '--prot'/ },
      { args: ['--port', '0', '--public-url', 'sandbank:12111'], message: /--public-url: invalid public URL/ },
      { args: ['--port', '0'], env: { SANDBANK_PUBLIC_URL: 'http://x/?q' }, message: /SANDBANK_PUBLIC_URL: invalid/ },
      {
        args: ['--port', '0'],
        env: { SANDBANK_LOG_FORMAT: 'xml' },
        message: /invalid SANDBANK_LOG_FORMAT: "xml" \(one of text, json\)/,
      },
      { args: ['--port', '0'], env: { SANDBANK_FSYNC: 'yes' }, message: /invalid SANDBANK_FSYNC: "yes"/ },
    ];
    for (const c of cases) {
      const result = await runCli(['serve', ...c.args], { cwd, ...(c.env ? { env: c.env } : {}) });
      assert.equal(result.code, 2, `${c.args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, c.message);
      assert.equal(result.stdout, '', 'nothing started');
    }
    assert.ok(!existsSync(join(cwd, '.sandbank')), 'no database was created');
  });

  it('`keys create` refuses an empty --db instead of writing keys to a throwaway database', async () => {
    const result = await runCli(['keys', 'create', '--db', ''], { cwd: workdir('keys') });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--db needs a value/);
  });

  it('builds links to hosted pages from SANDBANK_PUBLIC_URL, not from the listening address', async () => {
    const server = await startCliServer(['--port', '0', '--db', ':memory:'], {
      cwd: workdir('public-url'),
      env: { SANDBANK_PUBLIC_URL: 'http://sandbank:12111/' },
    });
    try {
      const res = await fetch(`${server.url}/v1/payment_intents`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk_test_ops', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'amount=2000&currency=usd&payment_method=pm_card_threeDSecure2Required&confirm=true&return_url=https%3A%2F%2Fshop.example%2F',
      });
      const pi = (await res.json()) as { next_action: { redirect_to_url: { url: string } } };
      assert.match(pi.next_action.redirect_to_url.url, /^http:\/\/sandbank:12111\/sandbank\/3ds\/acct_/);
      assert.match(server.stdout(), / public_url=http:\/\/sandbank:12111 /);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('says at start that an in-memory database does not survive a restart', async () => {
    const server = await startCliServer(['--port', '0', '--db', ':memory:'], { cwd: workdir('memory') });
    assert.equal(await server.stop(), 0);
    assert.match(server.stderr(), /WARN .*in memory .*nothing will survive a restart/);
  });
});

/** Every non-empty line of `text` parsed as JSON (failing the test on the first that is not). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return assert.fail(`not a JSON line: ${line}`);
      }
    });
}

describe('sandbank serve: logs', () => {
  it('--log-format json writes one JSON object per line: start, requests with their fields, stop', async () => {
    const cwd = workdir('json-log');
    const server = await startCliServer(['--port', '0', '--db', 'log.db', '--log-format', 'json', '--log-requests'], {
      cwd,
    });
    const res = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: {
        Authorization: 'Bearer sk_test_logs',
        'Content-Type': 'application/x-www-form-urlencoded',
        'Idempotency-Key': 'log-key-1',
      },
      body: 'email=log%40example.com',
    });
    assert.equal(res.status, 200);
    const requestId = res.headers.get('request-id');
    assert.equal(await server.stop(), 0);

    const lines = jsonLines(server.stdout());
    for (const line of [...lines, ...jsonLines(server.stderr())]) {
      assert.equal(typeof line.time, 'string');
      assert.ok(['info', 'warn', 'error'].includes(line.level as string), String(line.level));
      assert.equal(typeof line.msg, 'string');
    }
    const start = lines.find((l) => /listening on http:\/\/127\.0\.0\.1:\d+$/.test(l.msg as string));
    assert.ok(start, server.stdout());
    assert.equal(start.port, server.port);
    assert.equal(start.host, '127.0.0.1');
    assert.equal(start.store, 'sqlite');
    assert.equal(start.db, join(cwd, 'log.db'));
    assert.equal(start.public_url, server.url);
    assert.equal(start.synchronous, 'NORMAL');

    const request = lines.find((l) => l.msg === 'request' && l.method === 'POST');
    assert.ok(request, server.stdout());
    assert.equal(request.path, '/v1/customers');
    assert.equal(request.status, 200);
    assert.equal(request.request_id, requestId);
    assert.equal(request.idempotency_key, 'log-key-1');
    assert.equal(typeof request.duration_ms, 'number');

    const stopped = lines.find((l) => l.msg === 'stopped');
    assert.ok(stopped, server.stdout());
    assert.equal(stopped.signal, 'SIGTERM');
    assert.equal(stopped.drained, 0);
  });

  it('text is the default, with the same facts as key=value fields', async () => {
    const server = await startCliServer(['--port', '0', '--db', ':memory:', '--log-requests'], {
      cwd: workdir('text-log'),
    });
    await fetch(`${server.url}/v1/customers`, { headers: { Authorization: 'Bearer sk_test_logs' } });
    assert.equal(await server.stop(), 0);
    const out = server.stdout();
    assert.match(out, /^\S+Z INFO {2}Sandbank listening on http:\/\/127\.0\.0\.1:\d+ host=127\.0\.0\.1 port=\d+ /m);
    assert.match(
      out,
      /INFO {2}request method=GET path=\/v1\/customers status=200 request_id=req_\w+ account=acct_\w+ duration_ms=/,
    );
    assert.match(out, /INFO {2}stopped signal=SIGTERM drained=0$/m);
  });

  it('--fsync and SANDBANK_FSYNC=1 make SQLite commit with synchronous = FULL, and the start line says so', async () => {
    for (const [args, env] of [
      [['--fsync'], {}],
      [[], { SANDBANK_FSYNC: '1' }],
    ] as const) {
      const server = await startCliServer(['--port', '0', '--db', 'fsync.db', ...args], {
        cwd: workdir('fsync'),
        env: { ...env },
      });
      assert.equal(await server.stop(), 0);
      assert.match(server.stdout(), /listening on .* synchronous=FULL /);
    }
  });

  it('logs a store that cannot be opened as an error with the PostgreSQL password masked, and exits 1', async () => {
    const result = await runCli(
      ['serve', '--port', '0', '--log-format', 'json', '--db', 'postgres://sandbank:hunter2@127.0.0.1:1/nowhere'],
      { cwd: workdir('pg-error') },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
    const [error] = jsonLines(result.stderr).filter((l) => l.level === 'error');
    assert.ok(error, result.stderr);
    assert.match(error.msg as string, /^could not open the store: /);
    assert.equal(error.db, 'postgres://sandbank:***@127.0.0.1:1/nowhere');
  });
});

describe('sandbank serve: durability', () => {
  it('a process crash (kill -9) loses no acknowledged write, with the default synchronous = NORMAL', async () => {
    const cwd = workdir('crash');
    const first = await startCliServer(['--port', '0', '--db', 'crash.db'], { cwd });
    const ids: string[] = [];
    const headers = { Authorization: 'Bearer sk_test_crash', 'Content-Type': 'application/x-www-form-urlencoded' };
    // Concurrent writes share group commits: each response is sent only after its commit.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await fetch(`${first.url}/v1/customers`, { method: 'POST', headers, body: `name=c${i}` });
        assert.equal(res.status, 200);
        ids.push(((await res.json()) as { id: string }).id);
      }),
    );
    first.child.kill('SIGKILL');
    assert.equal(await first.stop(), null, 'killed, not stopped');

    const second = await startCliServer(['--port', '0', '--db', 'crash.db'], { cwd });
    try {
      for (const id of ids) {
        const res = await fetch(`${second.url}/v1/customers/${id}`, { headers });
        assert.equal(res.status, 200, `${id} survived the crash`);
      }
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
