/**
 * The `sandbank` command as a user runs it: a separate process, port 0, data that survives a restart,
 * graceful shutdown that finishes in-flight requests, and strict-key mode with `keys create`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { type RunningServer, startCliServer } from '../support/cli.js';
import { newSecretKey, sdk } from '../support/server.js';
import { assertShape } from '../support/shape.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);

let dir: string;
let db: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbank-cli-'));
  const configured = process.env.SANDBANK_TEST_DB ?? 'sqlite';
  db = configured.startsWith('postgres') ? configured : join(dir, 'nested', 'cli.db');
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** `sandbank serve` on port 0 against this file's database. */
function serve(...extra: string[]): Promise<RunningServer> {
  return startCliServer(['--port', '0', '--db', db, ...extra]);
}

describe('sandbank serve', () => {
  it('prints its URL and a key pair, answers /healthz without a key, and keeps data across restarts', async () => {
    const key = newSecretKey();
    const first = await serve();
    // The lines after the start line may arrive in a later chunk of output.
    for (let i = 0; i < 50 && !/pk_test_/.test(first.stdout()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(first.stdout(), /sk_test_\w+ \/ pk_test_\w+/);
    const health = await fetch(`http://127.0.0.1:${first.port}/healthz`);
    assert.equal(health.status, 200);
    const created = await sdk(first.port, key).customers.create({ email: 'persist@example.com' });
    assertShape(created, 'Customer', 'customer');
    assert.equal(await first.stop(), 0);

    const second = await serve();
    try {
      const again = (await sdk(second.port, key).customers.retrieve(created.id)) as Stripe.Customer;
      assertShape(again, 'Customer', 'customer');
      assert.equal(again.email, 'persist@example.com');
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  it('finishes an in-flight request after SIGTERM, then exits cleanly', async () => {
    const running = await serve();
    const body = 'email=drain%40example.com';
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (d: Buffer) => {
      response += d.toString();
    });
    // Headers and half the body now; the rest after the server has been told to stop.
    socket.write(
      `POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${newSecretKey()}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 5),
    );
    await new Promise((r) => setTimeout(r, 200));
    const exited = once(running.child, 'exit');
    running.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(running.child.exitCode, null, 'the server waits for the in-flight request');
    socket.write(body.slice(5));
    await once(socket, 'end');
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.match(response, /"email": "drain@example.com"/);
    assertShape(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)), 'Customer', 'customer');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
  });

  it('in strict mode accepts only keys made by `sandbank keys create`', async () => {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', MAIN, 'keys', 'create', '--db', db]);
    const secret = /secret key:\s+(sk_test_\w+)/.exec(stdout)?.[1] as string;
    const publishable = /publishable key:\s+(pk_test_\w+)/.exec(stdout)?.[1] as string;
    assert.ok(secret && publishable, stdout);
    assert.notEqual(secret.slice(8), publishable.slice(8), 'the keys are independent secrets');

    const running = await serve('--strict-keys');
    try {
      const customer = await sdk(running.port, secret).customers.create({ name: 'Strict' });
      assertShape(customer, 'Customer', 'customer');
      assert.match(customer.id, /^cus_/);
      const stranger = newSecretKey();
      await assert.rejects(sdk(running.port, stranger).customers.list(), (err: Stripe.errors.StripeError) => {
        assert.equal(err.type, 'StripeAuthenticationError');
        assert.equal(err.statusCode, 401);
        assert.equal(
          err.message,
          `Invalid API Key provided: ${stranger.slice(0, 8)}${'*'.repeat(20)}${stranger.slice(-4)}`,
        );
        return true;
      });
      await assert.rejects(
        sdk(running.port, publishable).customers.retrieve(customer.id),
        (err: Stripe.errors.StripeError) => {
          assert.equal(err.code, 'secret_key_required');
          return true;
        },
      );
    } finally {
      assert.equal(await running.stop(), 0);
    }
  });

  it('rejects unknown commands with usage and exit code 2', async () => {
    await assert.rejects(
      exec(process.execPath, ['--import', 'tsx', MAIN, 'frobnicate']),
      (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr ?? '', /Usage:/);
        return true;
      },
    );
  });
});
