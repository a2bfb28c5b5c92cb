/**
 * Test clocks end to end through the official SDK: create, retrieve, list, delete (with the clock's
 * customers and pending work), Stripe's refusals, customers attached to a clock (created at its
 * frozen time, listed by `test_clock`), and the asynchronous advance: `advancing` at once, then the
 * clock's jobs in (due_at, seq) order, each at its due time on the clock, in bounded batches, jobs
 * scheduled during the advance within its target included, `ready` at the target, or
 * `internal_failure` when a job throws. A payment made on the clock becomes available only when
 * the clock passes its `available_on`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { jobHandlers } from '../../src/app.js';
import { onTestClock } from '../../src/billing/test-clocks/context.js';
import { addInterval, CLOCK_BATCH } from '../../src/billing/test-clocks/service.js';
import { createPaymentIntent } from '../../src/payments/payment-intents/service.js';
import type { MutationContext } from '../../src/platform/operation.js';
import { scheduleJob } from '../../src/platform/scheduler.js';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, advance as advanceAccount, eventsOf } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const DAY = 86_400;
/** 2030-01-01T00:00:00Z. */
const T0 = 1_893_456_000;

function account() {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

function checkClock(c: Stripe.TestHelpers.TestClock): Stripe.TestHelpers.TestClock {
  assertShape(c, 'TestHelpers.TestClock', 'test_helpers.test_clock');
  assert.match(c.id, /^clock_[0-9A-Za-z]{24}$/);
  return c;
}

/** Polls until the clock is no longer advancing. */
async function settled(stripe: Stripe, id: string): Promise<Stripe.TestHelpers.TestClock> {
  for (let i = 0; i < 400; i++) {
    const c = await stripe.testHelpers.testClocks.retrieve(id);
    if (c.status !== 'advancing') return c;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`test clock ${id} still advancing`);
}

/** Runs `fn` in a transaction with a context on the clock, as Billing services do (white box). */
async function onClock(key: string, clockId: string, fn: (ctx: MutationContext) => Promise<void>): Promise<void> {
  const { app } = server;
  const accountId = await accountIdOf(server, key);
  await app.store.transaction(async (tx) => {
    const acct = await tx.getAccount(accountId);
    assert.ok(acct);
    const base: MutationContext = {
      account: acct,
      tx,
      clock: { now: () => Math.floor(Date.now() / 1000) },
      origin: app.publicUrl(),
      request: null,
      events: app.outbox,
      dueNow: [],
    };
    const ctx = await onTestClock(base, clockId);
    assert.equal(ctx.testClock, clockId);
    await fn(ctx);
    await app.scheduler.runDueNow(ctx);
  });
}

/** What the recording job handler saw, in the order it ran. */
interface Seen {
  name: string;
  now: number;
  dueAt: number;
  testClock: string | undefined;
}
const seen: Seen[] = [];
const RECORD_JOB = 'test.record';
const FAIL_JOB = 'test.fail';
// A handler that records when it ran and, when asked, schedules follow-up work on its context.
jobHandlers[RECORD_JOB] = async (ctx, job) => {
  const p = job.payload as { name: string; then?: { name: string; after: number }[] };
  seen.push({ name: p.name, now: ctx.clock.now(), dueAt: job.dueAt, testClock: ctx.testClock });
  for (const next of p.then ?? []) {
    await scheduleJob(ctx, {
      dueAt: ctx.clock.now() + next.after,
      kind: RECORD_JOB,
      target: next.name,
      payload: { name: next.name },
    });
  }
};
jobHandlers[FAIL_JOB] = async () => {
  throw new Error('this job fails on purpose');
};

describe('test clocks: the object', () => {
  it('creates, retrieves, lists and deletes a clock, with its events', async () => {
    const { key, stripe } = account();
    const clock = checkClock(await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: 'Renewals' }));
    assert.equal(clock.object, 'test_helpers.test_clock');
    assert.equal(clock.frozen_time, T0);
    assert.equal(clock.name, 'Renewals');
    assert.equal(clock.status, 'ready');
    assert.deepEqual(clock.status_details, {});
    assert.equal(clock.livemode, false);
    // Stripe deletes a clock 30 days after its creation.
    assert.equal(clock.deletes_after, clock.created + 30 * DAY);
    assert.ok(Math.abs(clock.created - Date.now() / 1000) < 60, 'created in real time, not at frozen_time');

    const unnamed = checkClock(await stripe.testHelpers.testClocks.create({ frozen_time: T0 + 5 }));
    assert.equal(unnamed.name, null);
    assert.deepEqual(checkClock(await stripe.testHelpers.testClocks.retrieve(clock.id)), clock);
    const list = await stripe.testHelpers.testClocks.list({ limit: 10 });
    assert.equal(list.url, '/v1/test_helpers/test_clocks');
    assert.deepEqual(
      list.data.map((c) => c.id),
      [unnamed.id, clock.id],
    );

    const deleted = await stripe.testHelpers.testClocks.del(clock.id);
    assert.deepEqual(deleted, { id: clock.id, object: 'test_helpers.test_clock', deleted: true });
    await expectInvalid(stripe.testHelpers.testClocks.retrieve(clock.id), {
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: `No such test_clock: '${clock.id}'`,
    });
    assert.deepEqual(
      (await stripe.testHelpers.testClocks.list()).data.map((c) => c.id),
      [unnamed.id],
    );
    const events = await eventsOf(server, await accountIdOf(server, key));
    assert.deepEqual(
      events.filter((e) => e.data.object.id === clock.id).map((e) => e.type),
      ['test_helpers.test_clock.created', 'test_helpers.test_clock.deleted'],
    );
  });

  it('refuses bad input as Stripe does', async () => {
    const { stripe } = account();
    await expectInvalid(stripe.testHelpers.testClocks.create({} as never), {
      code: 'parameter_missing',
      param: 'frozen_time',
    });
    await expectInvalid(stripe.testHelpers.testClocks.create({ frozen_time: 'soon' as never }), {
      param: 'frozen_time',
    });
    // A time past what SDKs can hold as a date (year 9999) is refused.
    await expectInvalid(stripe.testHelpers.testClocks.create({ frozen_time: 10_000_000_000_000 }), {
      param: 'frozen_time',
    });
    await expectInvalid(stripe.testHelpers.testClocks.advance('clock_missing', { frozen_time: T0 }), {
      statusCode: 404,
      message: "No such test_clock: 'clock_missing'",
    });
    await expectInvalid(stripe.testHelpers.testClocks.del('clock_missing'), { statusCode: 404 });
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    // Only forward, and at most two years ahead without subscriptions.
    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 }), {
      param: 'frozen_time',
      message: /must be after the test clock's current frozen_time/,
    });
    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 - 10 }), {
      param: 'frozen_time',
    });
    const twoYears = T0 + 2 * 365 * DAY; // 2030 and 2031 have 365 days
    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: twoYears + 1 }), {
      param: 'frozen_time',
      message: /two years/,
    });
    const ok = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: twoYears });
    assert.equal(ok.status, 'advancing');
    assert.equal((await settled(stripe, clock.id)).frozen_time, twoYears);
  });

  it('measures the advance limit in calendar intervals (month ends clamp, leap days count)', () => {
    const at = (iso: string) => Date.parse(iso) / 1000;
    assert.equal(addInterval(at('2029-12-31T10:00:00Z'), 'month', 2), at('2030-02-28T10:00:00Z'));
    assert.equal(addInterval(at('2031-12-31T00:00:00Z'), 'month', 2), at('2032-02-29T00:00:00Z'));
    assert.equal(addInterval(at('2032-02-29T00:00:00Z'), 'year', 2), at('2034-02-28T00:00:00Z'));
    assert.equal(addInterval(at('2030-01-15T00:00:00Z'), 'month', 24), at('2032-01-15T00:00:00Z'));
    assert.equal(addInterval(at('2030-01-01T00:00:00Z'), 'week', 2), at('2030-01-15T00:00:00Z'));
    assert.equal(addInterval(at('2030-03-30T00:00:00Z'), 'day', 2), at('2030-04-01T00:00:00Z'));
  });

  it('a test clock belongs to its account only', async () => {
    const a = account();
    const b = account();
    const clock = await a.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await expectInvalid(b.stripe.testHelpers.testClocks.retrieve(clock.id), { statusCode: 404 });
    await expectInvalid(b.stripe.customers.create({ test_clock: clock.id }), { param: 'test_clock' });
  });
});

describe('test clocks: customers', () => {
  it('a customer on a clock is created at its frozen time and listed by test_clock', async () => {
    const { stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const other = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const c1 = await stripe.customers.create({ test_clock: clock.id, email: 'a@example.com' });
    const c2 = await stripe.customers.create({ test_clock: clock.id });
    const c3 = await stripe.customers.create({ test_clock: other.id });
    const plain = await stripe.customers.create({ email: 'a@example.com' });
    assert.equal(c1.test_clock, clock.id);
    assert.equal(c1.created, T0);
    assert.notEqual(plain.created, T0);
    assert.equal(plain.test_clock, null);

    const listed = await stripe.customers.list({ test_clock: clock.id });
    assert.deepEqual(listed.data.map((c) => c.id).sort(), [c1.id, c2.id].sort());
    assert.deepEqual(
      (await stripe.customers.list({ test_clock: other.id })).data.map((c) => c.id),
      [c3.id],
    );
    assert.deepEqual(
      (await stripe.customers.list({ test_clock: clock.id, email: 'a@example.com' })).data.map((c) => c.id),
      [c1.id],
    );
    // Without `test_clock`, the list leaves customers on test clocks out (as Stripe documents).
    assert.deepEqual(
      (await stripe.customers.list()).data.map((c) => c.id),
      [plain.id],
    );
    assert.deepEqual(
      (await stripe.customers.list({ email: 'a@example.com' })).data.map((c) => c.id),
      [plain.id],
    );
    const expanded = await stripe.customers.retrieve(c1.id, { expand: ['test_clock'] });
    assert.equal(((expanded as Stripe.Customer).test_clock as Stripe.TestHelpers.TestClock).id, clock.id);

    await expectInvalid(stripe.customers.list({ test_clock: 'clock_nope' }), {
      code: 'resource_missing',
      param: 'test_clock',
      message: "No such test_clock: 'clock_nope'",
    });
    await expectInvalid(stripe.customers.create({ test_clock: 'clock_nope' }), {
      code: 'resource_missing',
      param: 'test_clock',
      message: "No such test_clock: 'clock_nope'",
    });
  });

  it('counts a clock’s customers toward its limit, and a deleted customer frees its place', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const a = await stripe.customers.create({ test_clock: clock.id });
    await stripe.customers.create({ test_clock: clock.id });
    const accountId = await accountIdOf(server, key);
    const counted = async () =>
      JSON.parse((await server.app.store.getObject(accountId, clock.id))?.internal ?? '{}').customers as number;
    assert.equal(await counted(), 2);
    await stripe.customers.del(a.id);
    assert.equal(await counted(), 1);
  });

  it('attaches an existing customer on clock creation (`customer`)', async () => {
    const { stripe } = account();
    const customer = await stripe.customers.create({ name: 'Existing' });
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: customer.id });
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    assert.equal(after.test_clock, clock.id);
    assert.deepEqual(
      (await stripe.customers.list({ test_clock: clock.id })).data.map((c) => c.id),
      [customer.id],
    );
    await expectInvalid(stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: customer.id }), {
      param: 'customer',
      message: /already attached to a test clock/,
    });
    await expectInvalid(stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: 'cus_nope' }), {
      param: 'customer',
      message: "No such customer: 'cus_nope'",
    });
  });

  it('a clock is deleted with its customers at deletes_after (the account clock passing it)', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    await advanceAccount(server, key, 30 * DAY - 120);
    assert.equal((await stripe.testHelpers.testClocks.retrieve(clock.id)).id, clock.id);
    await advanceAccount(server, key, 240);
    await expectInvalid(stripe.testHelpers.testClocks.retrieve(clock.id), { statusCode: 404 });
    assert.equal((await stripe.customers.retrieve(customer.id)).deleted, true);
    const types = (await eventsOf(server, await accountIdOf(server, key))).map((e) => e.type);
    assert.ok(types.includes('test_helpers.test_clock.deleted'));
  });

  it('deleting a clock deletes its customers and drops its pending work', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const bystander = await stripe.customers.create({});
    await onClock(key, clock.id, async (ctx) => {
      await scheduleJob(ctx, { dueAt: T0 + DAY, kind: RECORD_JOB, target: 'x', payload: { name: 'never' } });
    });
    await stripe.testHelpers.testClocks.del(clock.id);
    const gone = await stripe.customers.retrieve(customer.id);
    assert.equal(gone.deleted, true);
    assert.notEqual((await stripe.customers.retrieve(bystander.id)).deleted, true);
    const accountId = await accountIdOf(server, key);
    const jobs = await server.app.store.transaction((tx) =>
      tx.claimClockJobs(accountId, clock.id, T0 + 1000 * DAY, 10),
    );
    assert.deepEqual(jobs, []);
    const types = (await eventsOf(server, accountId)).map((e) => e.type);
    assert.ok(types.includes('customer.deleted'));
    assert.ok(!seen.some((s) => s.name === 'never'));
    await expectInvalid(stripe.customers.create({ test_clock: clock.id }), { param: 'test_clock' });
  });
});

describe('test clocks: advancing', () => {
  it('answers advancing at once, then runs the clock’s jobs in order at their time and ends ready', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await onClock(key, clock.id, async (ctx) => {
      // Scheduled out of order; two share a due time (seq breaks the tie).
      for (const [name, at, then] of [
        ['c', 3 * DAY, [{ name: 'c-followup', after: DAY }]],
        ['a', DAY, []],
        ['b1', 2 * DAY, []],
        ['b2', 2 * DAY, []],
        ['late', 30 * DAY, []],
        ['e', 5 * DAY, [{ name: 'beyond', after: 100 * DAY }]],
      ] as const) {
        await scheduleJob(ctx, {
          dueAt: T0 + at,
          kind: RECORD_JOB,
          target: `${clock.id}:${name}`,
          payload: { name, then },
        });
      }
    });
    const before = seen.length;
    // Real time moving on does not run a clock's jobs (20 days: at 30 the clock itself expires).
    await advanceAccount(server, key, 20 * DAY);
    assert.equal(seen.length, before);

    const advancing = checkClock(await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 10 * DAY }));
    assert.equal(advancing.status, 'advancing');
    assert.deepEqual(advancing.status_details, { advancing: { target_frozen_time: T0 + 10 * DAY } });
    assert.equal(advancing.frozen_time, T0, 'frozen_time moves when the advance is done');
    const ready = checkClock(await settled(stripe, clock.id));
    assert.equal(ready.status, 'ready');
    assert.equal(ready.frozen_time, T0 + 10 * DAY);
    assert.deepEqual(ready.status_details, {});

    const ran = seen.slice(before);
    assert.deepEqual(
      ran.map((s) => s.name),
      ['a', 'b1', 'b2', 'c', 'c-followup', 'e'],
    );
    for (const s of ran) {
      assert.equal(s.now, s.dueAt, `${s.name} ran at its due time on the clock`);
      assert.equal(s.testClock, clock.id);
    }
    assert.equal(ran.find((s) => s.name === 'c-followup')?.now, T0 + 4 * DAY);

    // The next advance picks up where this one stopped.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 31 * DAY });
    await settled(stripe, clock.id);
    assert.deepEqual(
      seen.slice(before + ran.length).map((s) => s.name),
      ['late'],
    );

    const accountId = await accountIdOf(server, key);
    const clockEvents = (await eventsOf(server, accountId)).filter((e) => e.data.object.id === clock.id);
    assert.deepEqual(
      clockEvents.map((e) => e.type),
      [
        'test_helpers.test_clock.created',
        'test_helpers.test_clock.advancing',
        'test_helpers.test_clock.ready',
        'test_helpers.test_clock.advancing',
        'test_helpers.test_clock.ready',
      ],
    );
    const readyEvent = clockEvents[2];
    assert.equal(readyEvent?.data.object.status, 'ready');
    assert.equal(readyEvent?.data.object.frozen_time, T0 + 10 * DAY);
    assert.equal(readyEvent?.request.id, null);
    assert.match(clockEvents[1]?.request.id ?? '', /^req_/);
  });

  it('refuses changes while the clock advances (the scheduler held back)', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const scheduler = server.app.scheduler;
    await scheduler.stop();
    const runDue = scheduler.runDue;
    scheduler.runDue = () => Promise.resolve(0);
    try {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
      await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 2 * DAY }), {
        message: `The test clock ${clock.id} is advancing. You can make changes to it and its objects once its status is ready.`,
      });
      await expectInvalid(stripe.customers.create({ test_clock: clock.id }), {
        param: 'test_clock',
        message: /is advancing/,
      });
      assert.equal((await stripe.testHelpers.testClocks.retrieve(clock.id)).status, 'advancing');
      // Billing work a request does on the clock's customers is refused too (onCustomerClock).
      const accountId = await accountIdOf(server, key);
      await assert.rejects(
        server.app.store.transaction(async (tx) => {
          const acct = await tx.getAccount(accountId);
          assert.ok(acct);
          const request: MutationContext = {
            account: acct,
            tx,
            clock: { now: () => 0 },
            origin: '',
            request: { id: 'req_x', idempotency_key: null },
            events: server.app.outbox,
            dueNow: [],
          };
          await onTestClock(request, clock.id);
        }),
        /is advancing/,
      );
      // The advance's own jobs (no request) still run on it.
      await onClock(key, clock.id, async () => undefined);
    } finally {
      scheduler.runDue = runDue;
      scheduler.start();
    }
    await scheduler.runDue();
    const ready = await settled(stripe, clock.id);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.frozen_time, T0 + DAY);
    assert.ok(await stripe.customers.create({ test_clock: clock.id }));
  });

  it('runs many jobs in batches of bounded size, each batch its own transaction', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const count = CLOCK_BATCH * 3 + 17;
    await onClock(key, clock.id, async (ctx) => {
      for (let i = 0; i < count; i++) {
        await scheduleJob(ctx, {
          dueAt: T0 + 1 + (i % 500),
          kind: RECORD_JOB,
          target: `${clock.id}:${i}`,
          payload: { name: `bulk-${clock.id}-${i}` },
        });
      }
    });
    const store = server.app.store;
    let transactions = 0;
    const transaction = store.transaction.bind(store);
    store.transaction = ((fn: never) => {
      transactions++;
      return transaction(fn);
    }) as typeof store.transaction;
    const before = seen.length;
    try {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
      assert.equal((await settled(stripe, clock.id)).status, 'ready');
    } finally {
      store.transaction = transaction;
    }
    const ran = seen.slice(before).filter((s) => s.name.startsWith(`bulk-${clock.id}`));
    assert.equal(ran.length, count);
    for (let i = 1; i < ran.length; i++) assert.ok((ran[i]?.now ?? 0) >= (ran[i - 1]?.now ?? 0), 'in due order');
    assert.ok(transactions >= 4, `at least four transactions for ${count} jobs (saw ${transactions})`);
  });

  it('ends in internal_failure when a job throws, and such a clock can only be deleted', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await onClock(key, clock.id, async (ctx) => {
      await scheduleJob(ctx, {
        dueAt: T0 + 10,
        kind: RECORD_JOB,
        target: 'ok',
        payload: { name: `before-${clock.id}` },
      });
      await scheduleJob(ctx, { dueAt: T0 + 20, kind: FAIL_JOB, target: 'boom', payload: {} });
      await scheduleJob(ctx, {
        dueAt: T0 + 30,
        kind: RECORD_JOB,
        target: 'no',
        payload: { name: `after-${clock.id}` },
      });
    });
    const errors: unknown[] = [];
    const failed = await (async () => {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
      return settled(stripe, clock.id);
    })().catch((err) => {
      errors.push(err);
      throw err;
    });
    assert.equal(failed.status, 'internal_failure');
    assert.equal(failed.frozen_time, T0);
    assert.ok(seen.some((s) => s.name === `before-${clock.id}`));
    assert.ok(!seen.some((s) => s.name === `after-${clock.id}`), 'nothing after the failed job ran');
    await expectInvalid(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 2 * DAY }), {
      message: /internal_failure/,
    });
    const types = (await eventsOf(server, await accountIdOf(server, key)))
      .filter((e) => e.data.object.id === clock.id)
      .map((e) => e.type);
    assert.equal(types.at(-1), 'test_helpers.test_clock.internal_failure');
    await stripe.testHelpers.testClocks.del(clock.id);
  });

  it('a payment made on the clock becomes available when the clock passes available_on', async () => {
    const { key, stripe } = account();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    let piId = '';
    await onClock(key, clock.id, async (ctx) => {
      const pi = await createPaymentIntent(ctx, {
        amount: 5000,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_visa',
        payment_method_types: ['card'],
        confirm: true,
      } as never);
      piId = pi.id;
    });
    const pi = await stripe.paymentIntents.retrieve(piId, { expand: ['latest_charge.balance_transaction'] });
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.created, T0, 'created at the clock’s time');
    const txn = (pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    assert.equal(txn.status, 'pending');
    assert.ok(txn.available_on > T0);
    const pendingNet = txn.net;

    const usd = (list: Stripe.Balance.Available[]) => list.find((b) => b.currency === 'usd')?.amount ?? 0;
    assert.equal(usd((await stripe.balance.retrieve()).pending), pendingNet);
    // The account's own clock moving on does not release funds that live on the test clock.
    await advanceAccount(server, key, 20 * DAY);
    assert.equal(usd((await stripe.balance.retrieve()).available), 0);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: txn.available_on + 60 });
    assert.equal((await settled(stripe, clock.id)).status, 'ready');
    const balance = await stripe.balance.retrieve();
    assert.equal(usd(balance.available), pendingNet);
    assert.equal(usd(balance.pending), 0);
    assert.equal((await stripe.balanceTransactions.retrieve(txn.id)).status, 'available');
    const available = (await eventsOf(server, await accountIdOf(server, key))).filter(
      (e) => e.type === 'balance.available',
    );
    assert.equal(available.length, 1);
    assert.equal(available[0]?.created, txn.available_on, 'the event is dated at the clock’s time');
  });
});
