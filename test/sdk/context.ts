/**
 * What a scenario gets: a fresh account on the test server, the SDK client under test, and a few
 * verbs that turn client outcomes into assertions (`ok`, `fails`, `all`) while recording every object
 * the client received, for the per-version shape check that runs after the scenarios. Sandbank's
 * own test helpers (`/sandbank/v1/…`) are not Stripe API, so they go over raw HTTP for every client.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newSecretKey, type TestServer } from '../support/server.js';
import type { Json, SdkClient, SdkError, Step, UploadFile } from './client.js';

/** One object a client received, for the shape check. */
export interface Received {
  scenario: string;
  step: string;
  object: Json;
}

export interface WebhookReceiver {
  url: string;
  /** Raw bodies and signature headers, in arrival order. */
  received: { body: string; signature: string }[];
  close(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Names the Sandbank feature that is missing: the scenario runs and reports, but cannot fail the suite. */
  todo?: string;
  run(ctx: Context): Promise<void>;
}

function label(step: Step): string {
  return `${step.resource}.${step.method}`;
}

export class Context {
  readonly key = newSecretKey();
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    readonly client: SdkClient,
    readonly server: TestServer,
    readonly scenario: string,
    private readonly sink: Received[],
  ) {}

  /** Keeps an object this client received (by `step`) for the shape check. */
  record(step: string, object: Json): void {
    this.sink.push({ scenario: this.scenario, step, object });
  }

  /** The failure in a line: status, the SDK's class and the body's error (headers left out). */
  private describe(error: SdkError): string {
    return `${error.status} ${error.sdkClass} ${JSON.stringify(error.error)}`;
  }

  /** Runs a step that must succeed; returns the object. */
  async ok(step: Step): Promise<Json> {
    const outcome = await this.client.call(this.key, step);
    if (!outcome.ok) {
      assert.fail(`${label(step)} failed through ${this.client.name}: ${this.describe(outcome.error)}`);
    }
    this.record(label(step), outcome.object);
    return outcome.object;
  }

  /** Runs a step that must succeed; returns the object and the response headers. */
  async okWithHeaders(step: Step): Promise<{ object: Json; headers: Record<string, string> }> {
    const outcome = await this.client.call(this.key, step);
    if (!outcome.ok) assert.fail(`${label(step)} failed through ${this.client.name}: ${this.describe(outcome.error)}`);
    this.record(label(step), outcome.object);
    return outcome;
  }

  /** Runs a step that must fail with an HTTP status; returns the error as the SDK surfaced it. */
  async fails(step: Step, status: number, sdkClass?: string): Promise<SdkError> {
    const outcome = await this.client.call(this.key, step);
    if (outcome.ok) assert.fail(`${label(step)} succeeded through ${this.client.name}; expected ${status}`);
    assert.equal(outcome.error.status, status, `${label(step)}: ${JSON.stringify(outcome.error.error)}`);
    if (sdkClass) assert.equal(outcome.error.sdkClass, sdkClass);
    return outcome.error;
  }

  /** Every item of a list or search, through the SDK's auto-pagination. */
  async all(step: Step): Promise<Json[]> {
    const outcome = await this.client.listAll(this.key, step);
    if (!outcome.ok) assert.fail(`auto-paging ${label(step)} failed: ${this.describe(outcome.error)}`);
    for (const item of outcome.object.data) this.record(`${label(step)} (auto-paging)`, item);
    return outcome.object.data;
  }

  async upload(params: Record<string, unknown>, file: UploadFile): Promise<Json> {
    const outcome = await this.client.upload(this.key, params, file);
    if (!outcome.ok) assert.fail(`files.create failed through ${this.client.name}: ${this.describe(outcome.error)}`);
    this.record('files.create', outcome.object);
    return outcome.object;
  }

  /**
   * A Sandbank test helper over raw HTTP, on this scenario's account, on a connection of its own:
   * on a machine under heavy load, helper calls on connections fetch had kept alive were twice
   * answered 408 (headers timeout) by the server, though they were sent whole; SDK calls never were.
   */
  async helper(path: string, body = ''): Promise<Json> {
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${this.server.url}${path}`,
        {
          method: 'POST',
          agent: false,
          headers: {
            Authorization: `Bearer ${this.key}`,
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    return JSON.parse(res.text);
  }

  /** Moves this account's clock on and runs the jobs that became due. */
  async advance(seconds: number): Promise<void> {
    await this.helper('/sandbank/v1/time/advance', `seconds=${seconds}`);
  }

  /** A local webhook receiver on 127.0.0.1 that answers 200 and keeps what it got. */
  async receiver(): Promise<WebhookReceiver> {
    const received: WebhookReceiver['received'] = [];
    const srv: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['stripe-signature']),
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const close = () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      });
    this.cleanups.push(close);
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hooks`, received, close };
  }

  /** Waits (polling) until `probe` returns something truthy. */
  async waitFor<T>(what: () => string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > until) assert.fail(`timed out waiting for ${what()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups) await cleanup();
  }
}
