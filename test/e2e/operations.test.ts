/**
 * Running Sandbank as an operator does: `sandbank serve` configured by flags and environment
 * variables (empty ones are unset, bad ones refused with exit status 2, loopback unless asked).
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
      assert.doesNotMatch(server.stderr(), /in memory/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
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
      assert.match(server.stdout(), /public URL http:\/\/sandbank:12111\b/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('says at start that an in-memory database does not survive a restart', async () => {
    const server = await startCliServer(['--port', '0', '--db', ':memory:'], { cwd: workdir('memory') });
    try {
      assert.match(server.stderr(), /WARN .*in memory .*nothing will survive a restart/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
