/**
 * Background loops survive a failing store: a failed pass is retried with backoff, the loop never
 * stops, and the log says so once when trouble starts and once when it ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoopHealth } from '../../src/platform/background.js';
import { ManualClock } from '../../src/platform/clock.js';
import { type Logger, memoryLogger } from '../../src/platform/log.js';
import { Scheduler } from '../../src/platform/scheduler.js';
import type { Job, Store, Transaction } from '../../src/store/store.js';
import { WebhookWorker } from '../../src/webhooks/delivery.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store whose transactions fail while `failing` is set (a busy or restarting database). */
function flakyStore(overrides: Partial<Store> = {}) {
  const state = { failing: true, transactions: 0 };
  // An empty database: nothing due, nothing to deliver.
  const tx = {
    claimDueJobs: async () => [] as Job[],
    claimUndispatchedEvents: async () => [],
    markDispatched: async () => undefined,
    claimDeliveries: async () => [],
    requeueDeliveries: async () => undefined,
  } as unknown as Transaction;
  const store = {
    kind: 'sqlite',
    async transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T> {
      state.transactions++;
      if (state.failing) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return fn(tx);
    },
    async nextJobDue() {
      if (state.failing) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return 0;
    },
    async releaseStrandedDeliveries() {
      if (state.failing) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return 0;
    },
    ...overrides,
  } as unknown as Store;
  return { store, state };
}

describe('LoopHealth', () => {
  it('logs the first failure and the recovery, not every failed pass, and backs off to a cap', () => {
    const logger = memoryLogger();
    const health = new LoopHealth('scheduler', logger, { initialMs: 100, maxMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => health.failed(new Error('busy')));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(health.failing, true);
    health.succeeded();
    health.succeeded();
    assert.deepEqual(
      logger.lines.map((l) => [l.level, l.message]),
      [
        ['error', 'scheduler failed; retrying with backoff until it works again'],
        ['info', 'scheduler recovered'],
      ],
    );
    assert.equal(logger.lines[1]?.fields.failed_passes, 6);
    // A new streak starts from the first delay again.
    assert.equal(health.failed(new Error('busy')), 100);
  });
});

/** A scheduler with no job handlers over `store`, logging to `logger`. */
function schedulerOver(store: Store, logger: Logger, pollMs?: number): Scheduler {
  return new Scheduler({
    store,
    clock: new ManualClock(1_800_000_000),
    handlers: {},
    origin: () => 'http://127.0.0.1',
    events: { publish: async () => undefined },
    logger,
    onError: () => undefined,
    ...(pollMs !== undefined ? { pollMs } : {}),
  });
}

describe('Scheduler with a failing store', () => {
  it('runs again once the store works: one failed run does not poison the next', async () => {
    const { store, state } = flakyStore();
    const scheduler = schedulerOver(store, memoryLogger());
    await assert.rejects(scheduler.runDue(), /database is locked/);
    state.failing = false;
    // Before the fix every later run returned the first run's rejection, until a restart.
    assert.equal(await scheduler.runDue(), 0);
    assert.equal(await scheduler.runDue(), 0);
  });

  it('keeps polling through failures with backoff, logging the trouble once', async () => {
    const { store, state } = flakyStore();
    const logger = memoryLogger();
    const scheduler = schedulerOver(store, logger, 10);
    scheduler.start();
    try {
      await sleep(400); // backoff 100 ms, 200 ms: at least two failed passes
      assert.equal(logger.lines.filter((l) => l.level === 'error').length, 1, 'one line for the whole outage');
      state.failing = false;
      const before = state.transactions;
      await sleep(600);
      assert.ok(state.transactions > before, 'the scheduler ran again after the store recovered');
      assert.deepEqual(
        logger.lines.map((l) => l.message),
        ['scheduler failed; retrying with backoff until it works again', 'scheduler recovered'],
      );
    } finally {
      await scheduler.stop();
    }
  });
});

describe('WebhookWorker with a failing store', () => {
  it('backs off instead of failing every nudge, and resumes when the store works', async () => {
    const { store, state } = flakyStore();
    const logger = memoryLogger();
    const worker = new WebhookWorker(store, () => Date.now(), logger, { pollMs: 5 });
    worker.start();
    try {
      for (let i = 0; i < 50; i++) {
        worker.nudge();
        await sleep(2);
      }
      const failedPasses = state.transactions;
      // With a 5 ms poll and 50 nudges, a worker without backoff would try dozens of times.
      assert.ok(failedPasses <= 4, `${failedPasses} transactions tried while failing`);
      assert.equal(logger.lines.filter((l) => l.level === 'error').length, 1);
      state.failing = false;
      await sleep(800);
      assert.ok(state.transactions > failedPasses, 'the worker claimed work again');
      assert.equal(logger.lines.at(-1)?.message, 'webhook delivery recovered');
    } finally {
      await worker.stop();
    }
  });
});
