/**
 * The official Stripe CLI (the Go binary that `@stripe/cli-linux-x64` ships) against Sandbank via
 * `--api-base`: its resource commands (`customers create|list|retrieve|update|delete`) and its raw
 * `get`/`post`, checked against what the SDK then reads back.
 *
 * What the CLI puts on the wire (1.52): form bodies with unencoded brackets (`metadata[k]=v`),
 * `Content-Type: application/x-www-form-urlencoded` even on GETs without a body, no `Stripe-Version`
 * unless `-v` is given, no `Idempotency-Key` unless `-i` is given, `Accept-Encoding: identity`, and
 * `X-Stripe-Client-User-Agent`. It prints API errors as JSON on stdout and still exits 0. It accepts
 * `--api-base http://127.0.0.1:…` (not `localhost`) and refuses publishable keys itself.
 *
 * The CLI runs with a throwaway HOME, telemetry off and an explicit `--api-key`, so it never reads a
 * developer's config or reaches the network.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { assertResponseShape } from '../support/responses.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);

/**
 * The CLI's Linux x64 binary, from the `@stripe/cli-linux-x64` package (an optional dependency: the
 * registry these machines use carries no other platform's build). Elsewhere the suite is skipped; on
 * Linux x64 a missing binary is a failure, not a skip.
 */
const CLI_PLATFORM = process.platform === 'linux' && process.arch === 'x64';
function stripeBinary(): string | undefined {
  if (!CLI_PLATFORM) return undefined;
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@stripe/cli-linux-x64/package.json')), 'bin', 'stripe');
  if (!existsSync(bin)) throw new Error(`the Stripe CLI binary is missing at ${bin}: run npm install`);
  return bin;
}

interface CliCustomer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  livemode: boolean;
  deleted?: boolean;
}

interface CliList {
  object: 'list';
  url: string;
  has_more: boolean;
  data: CliCustomer[];
}

interface CliError {
  error: { type: string; code?: string; param?: string; message: string };
}

const binary = stripeBinary();
let server: TestServer;
let home: string;

/** Runs the CLI against the server; parses the JSON it prints (after any preamble, e.g. `delete`'s). */
async function stripe<T>(key: string, ...args: string[]): Promise<{ json: T; stderr: string }> {
  const { stdout, stderr } = await run(
    binary as string,
    [...args, '--api-key', key, '--api-base', server.url, '--color', 'off'],
    {
      timeout: 15_000,
      // Only what the CLI needs: no inherited STRIPE_API_KEY / STRIPE_DEVICE_NAME from the developer's shell.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        TMPDIR: tmpdir(),
        STRIPE_CLI_TELEMETRY_OPTOUT: '1',
      },
    },
  );
  const start = stdout.indexOf('{');
  assert.ok(start !== -1, `no JSON in the CLI's output:\n${stdout}\n${stderr}`);
  const json = JSON.parse(stdout.slice(start)) as T;
  assertResponseShape(json);
  return { json, stderr };
}

describe('Stripe CLI', { skip: binary ? false : 'the Stripe CLI package is installed only on Linux x64' }, () => {
  before(async () => {
    server = await startServer();
    home = mkdtempSync(join(tmpdir(), 'sandbank-stripe-cli-'));
  });

  after(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('creates a customer with `customers create`, which the SDK then reads', async () => {
    const key = newSecretKey();
    const { json: created } = await stripe<CliCustomer>(
      key,
      'customers',
      'create',
      '--email',
      'cli@example.com',
      '--name',
      'CLI User',
      '-d',
      'metadata[source]=stripe cli',
    );
    assert.match(created.id, /^cus_[A-Za-z0-9]{14}$/);
    assert.equal(created.object, 'customer');
    assert.equal(created.email, 'cli@example.com');
    assert.equal(created.name, 'CLI User');
    assert.deepEqual(created.metadata, { source: 'stripe cli' });
    assert.equal(created.livemode, false);

    const read = await server.stripe(key).customers.retrieve(created.id);
    assert.deepEqual(JSON.parse(JSON.stringify(read)), created);
  });

  it('lists, retrieves and gets customers in the order and shape the SDK sees', async () => {
    const key = newSecretKey();
    const sdk = server.stripe(key);
    for (const n of [1, 2, 3, 4]) {
      await stripe<CliCustomer>(key, 'customers', 'create', '--email', `list${n}@example.com`);
    }

    const { json: page } = await stripe<CliList>(key, 'customers', 'list', '--limit', '3');
    assert.equal(page.object, 'list');
    assert.equal(page.url, '/v1/customers');
    assert.equal(page.has_more, true);
    assert.deepEqual(
      page.data.map((c) => c.email),
      ['list4@example.com', 'list3@example.com', 'list2@example.com'],
    );
    const viaSdk = await sdk.customers.list({ limit: 3 });
    assert.deepEqual(
      page.data.map((c) => c.id),
      viaSdk.data.map((c) => c.id),
    );

    const first = page.data[0] as CliCustomer;
    const { json: retrieved } = await stripe<CliCustomer>(key, 'customers', 'retrieve', first.id);
    assert.deepEqual(retrieved, first);
    const { json: got } = await stripe<CliCustomer>(key, 'get', `/v1/customers/${first.id}`);
    assert.deepEqual(got, first);
    assert.deepEqual(JSON.parse(JSON.stringify(await sdk.customers.retrieve(first.id))), got);

    const { json: filtered } = await stripe<CliList>(key, 'get', '/v1/customers', '-d', 'email=list1@example.com');
    assert.deepEqual(
      filtered.data.map((c) => c.email),
      ['list1@example.com'],
    );
    assert.equal(filtered.has_more, false);

    // Another key is another account: it sees none of these.
    const { json: elsewhere } = await stripe<CliList>(newSecretKey(), 'customers', 'list');
    assert.deepEqual(elsewhere.data, []);
  });

  it('replays `post -i` (Idempotency-Key) instead of creating twice', async () => {
    const key = newSecretKey();
    const args = ['post', '/v1/customers', '-d', 'email=idem@example.com', '-i', `cli-${newSecretKey()}`];
    const { json: first } = await stripe<CliCustomer>(key, ...args);
    const { json: again } = await stripe<CliCustomer>(key, ...args);
    assert.deepEqual(again, first);
    const all = await server.stripe(key).customers.list({ email: 'idem@example.com' });
    assert.deepEqual(
      all.data.map((c) => c.id),
      [first.id],
    );
  });

  it('updates and deletes, and the SDK sees both', async () => {
    const key = newSecretKey();
    const sdk = server.stripe(key);
    const customer = await sdk.customers.create({ email: 'before@example.com', metadata: { a: '1', b: '2' } });

    const { json: updated } = await stripe<CliCustomer>(
      key,
      'customers',
      'update',
      customer.id,
      '--email',
      'after@example.com',
      '-d',
      'metadata[a]=',
    );
    assert.equal(updated.email, 'after@example.com');
    assert.deepEqual(updated.metadata, { b: '2' });
    const read = await sdk.customers.retrieve(customer.id);
    assert.ok(!read.deleted);
    assert.equal(read.email, 'after@example.com');
    assert.deepEqual(read.metadata, { b: '2' });

    const { json: deleted } = await stripe<CliCustomer>(key, 'customers', 'delete', customer.id, '--confirm');
    assert.deepEqual(deleted, { id: customer.id, object: 'customer', deleted: true });
    assert.equal((await sdk.customers.retrieve(customer.id)).deleted, true);
  });

  it('sends -v as Stripe-Version and shows the response headers with -s', async () => {
    const key = newSecretKey();
    const customer = await server.stripe(key).customers.create({ email: 'version@example.com' });
    const { json, stderr } = await stripe<CliCustomer>(
      key,
      'get',
      `/v1/customers/${customer.id}`,
      '-v',
      '2020-08-27',
      '-s',
    );
    assert.equal(json.id, customer.id);
    assert.match(stderr, /^> Stripe-Version: 2020-08-27$/m);
    assert.match(stderr, /^< Stripe-Version: 2020-08-27$/m);
    assert.match(stderr, /^< Request-Id: req_[A-Za-z0-9]{14}$/m);
  });

  it('prints API errors as Stripe error JSON', async () => {
    const { json } = await stripe<CliError>(newSecretKey(), 'customers', 'retrieve', 'cus_doesnotexist');
    assert.equal(json.error.type, 'invalid_request_error');
    assert.equal(json.error.code, 'resource_missing');
    assert.equal(json.error.param, 'id');
    assert.equal(json.error.message, "No such customer: 'cus_doesnotexist'");
  });
});
