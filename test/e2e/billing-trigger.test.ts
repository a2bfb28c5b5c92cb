/**
 * `sandbank trigger` for Billing events, as a developer runs it beside `sandbank listen`: the
 * trigger's real API requests make the subscription, its first invoice and its payment, and every
 * event of that lifecycle reaches the listener's local handler, signed with the secret `listen`
 * printed. (Each Billing fixture on its own is run by test/e2e/cli-webhooks.test.ts, which runs
 * every entry of the trigger table.)
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { FIXTURES } from '../../src/cli/trigger.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exec = promisify(execFile);

let server: TestServer;
let receiver: Server;
let receiverUrl: string;
let listen: ChildProcess;
let listenOutput = '';
let secret = '';
const key = newSecretKey();
const received: { body: string; signature: string }[] = [];

async function eventually<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${listenOutput}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sandbank(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The verified events the handler got, in arrival order. */
function deliveredEvents(): Stripe.Event[] {
  return received.map((r) => Stripe.webhooks.constructEvent(r.body, r.signature, secret));
}

describe('sandbank trigger and sandbank listen: Billing', () => {
  before(async () => {
    server = await startServer();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    listen = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'listen', '--forward-to', receiverUrl, '--api-key', key, '--url', server.url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    listen.stdout?.on('data', (d: Buffer) => {
      listenOutput += d.toString();
    });
    listen.stderr?.on('data', (d: Buffer) => {
      listenOutput += d.toString();
    });
    secret = await eventually('listen to be ready', () => /signing secret is (whsec_\w+)/.exec(listenOutput)?.[1]);
  });

  after(async () => {
    if (listen && listen.exitCode === null) {
      const exited = new Promise((resolve) => listen.once('exit', resolve));
      listen.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (listen.exitCode === null) listen.kill('SIGKILL');
    }
    await server?.close();
    await new Promise<void>((resolve) => {
      receiver.closeAllConnections();
      receiver.close(() => resolve());
    });
  });

  it('lists the Billing events among those it can cause', async () => {
    const { code, stdout } = await sandbank('trigger', '--list');
    assert.equal(code, 0);
    const listed = stdout.trim().split('\n');
    for (const event of [
      'customer.subscription.created',
      'customer.subscription.trial_will_end',
      'invoice.paid',
      'invoice.payment_failed',
      'invoice.payment_action_required',
      'invoiceitem.created',
      'product.created',
      'price.created',
      'coupon.created',
      'promotion_code.created',
      'test_helpers.test_clock.ready',
    ]) {
      assert.ok(listed.includes(event), event);
      assert.ok(FIXTURES[event], event);
    }
  });

  it('customer.subscription.created: the subscription’s whole first-payment lifecycle reaches the handler, signed', async () => {
    const { code, stdout, stderr } = await sandbank(
      'trigger',
      'customer.subscription.created',
      '--api-key',
      key,
      '--url',
      server.url,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Setting up fixture for: subscription\nRunning fixture for: subscription\n/);
    assert.match(stdout, /Trigger succeeded!/);

    const stripe = server.stripe(key);
    const subscription = (await stripe.subscriptions.list({ limit: 1 })).data[0] as Stripe.Subscription;
    assert.equal(subscription.status, 'active');
    const invoice = subscription.latest_invoice as string;
    const expected = [
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ];
    const events = await eventually('the subscription’s events at the handler', () => {
      const mine = deliveredEvents().filter((e) => {
        const object = e.data.object as { id?: string };
        return object.id === subscription.id || object.id === invoice;
      });
      return expected.every((type) => mine.some((e) => e.type === type)) ? mine : undefined;
    });
    const byType = (type: string) => {
      const event = events.find((e) => e.type === type);
      assert.ok(event, type);
      return event;
    };
    assert.equal(
      (byType('customer.subscription.created').data.object as Stripe.Subscription).customer,
      subscription.customer,
    );
    const paid = byType('invoice.paid');
    assert.equal((paid.data.object as Stripe.Invoice).status, 'paid');
    assert.equal((paid.data.object as Stripe.Invoice).amount_paid, 1500);
    // listen printed each one going out.
    await eventually('listen’s line for invoice.paid', () =>
      listenOutput.includes(`--> invoice.paid [${paid.id}]`) ? true : undefined,
    );
  });

  it('test_helpers.test_clock.ready: the clock advanced a month reaches the handler ready', async () => {
    const { code, stderr } = await sandbank(
      'trigger',
      'test_helpers.test_clock.ready',
      '--api-key',
      key,
      '--url',
      server.url,
    );
    assert.equal(code, 0, stderr);
    const ready = await eventually('test_helpers.test_clock.ready at the handler', () =>
      deliveredEvents().find((e) => e.type === 'test_helpers.test_clock.ready'),
    );
    const clock = ready.data.object as Stripe.TestHelpers.TestClock;
    assert.equal(clock.status, 'ready');
    assert.equal(clock.frozen_time, 1_577_836_800 + 31 * 86_400);
  });
});
