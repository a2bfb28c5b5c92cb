/**
 * Scheduled work: what Stripe does later (funds becoming available, payouts arriving, refunds
 * failing, disputes closing) is a job due at a time on its account's clock, written in the same
 * transaction as the change that scheduled it. The scheduler claims the due jobs in batches and runs
 * them in one transaction, each job inside a savepoint together with its own deletion: a job happens
 * exactly once even across crashes and nodes (PostgreSQL hands a locked job to one node only), one
 * failing job is retried later without undoing the others, and a batch costs one commit.
 *
 * Work that is already due when it is scheduled (an `automatic_async` charge's settlement, an
 * instant payout) never becomes a row: it runs in the scheduling transaction once the caller is done
 * (`runDueNow`), so it costs neither a job row nor a second commit, and the API response rendered
 * before it still shows the state Stripe's would.
 */
import type { Account, Job, JobWrite, Store, Transaction } from '../store/store.js';
import { LoopHealth } from './background.js';
import { accountClock, type Clock } from './clock.js';
import type { Logger } from './log.js';
import type { EventSink, MutationContext } from './operation.js';

/**
 * Runs a job. `runner` lets a handler run a test clock's due jobs (the advance of a clock, in
 * batches); other handlers ignore it.
 */
export type JobHandler = (ctx: MutationContext, job: Job, runner: ClockRunner) => Promise<void>;

/** What one batch of a test clock's jobs came to (see `ClockRunner`). */
export interface ClockBatch {
  /** Jobs claimed (run, or the one that failed). */
  claimed: number;
  /** The job that threw, if one did: the batch stopped there and all its writes were undone. */
  failed?: { job: Job; err: unknown };
}

export interface ClockRunner {
  /**
   * Runs up to `limit` of the test clock's jobs due at or before `upTo`, in (due_at, seq) order, in
   * `ctx`'s transaction, each at its due time on the clock (`clock.now()` = its `dueAt`, `testClock`
   * set), so what it does and the events it emits are dated in simulated time. The batch is atomic:
   * when a job throws, the batch's writes are undone and nothing after it runs (order matters on a
   * clock: an invoice is finalised before it is paid).
   */
  runClockJobs(ctx: MutationContext, clock: string, upTo: number, limit: number): Promise<ClockBatch>;
}

/** Transactions that scheduled detached work: the scheduler looks for due jobs once they commit. */
const wakeAfterCommit = new WeakSet<Transaction>();

/**
 * The earliest due time of the jobs each test clock got in a transaction since `runClockJobs` last
 * looked: a job that schedules work due before the next one of its batch ends the batch there, so
 * the new work runs in its place (the batch was claimed before it existed).
 */
const clockJobsScheduled = new WeakMap<Transaction, Map<string, number>>();

/** How long a failed job waits before its next attempt (seconds). */
const RETRY_AFTER = 60;
/** A job that keeps failing is dropped after this many attempts (and reported each time). */
const MAX_ATTEMPTS = 10;
/** Jobs per transaction. */
const BATCH = 100;

/**
 * Schedules `job` on the account's clock. Work already due joins `ctx.dueNow` and runs in this
 * transaction after the caller (see the module comment); later work is a job row.
 */
export async function scheduleJob(ctx: MutationContext, job: Omit<JobWrite, 'account'>): Promise<void> {
  const write = { account: ctx.account.id, ...job, ...(ctx.testClock ? { clock: ctx.testClock } : {}) };
  if (job.dueAt <= ctx.clock.now()) {
    ctx.dueNow.push(write);
    return;
  }
  await ctx.tx.scheduleJob(write);
  if (write.clock) {
    const scheduled = clockJobsScheduled.get(ctx.tx) ?? new Map<string, number>();
    clockJobsScheduled.set(ctx.tx, scheduled);
    scheduled.set(write.clock, Math.min(scheduled.get(write.clock) ?? Number.POSITIVE_INFINITY, write.dueAt));
  }
}

/**
 * Schedules work due now that must not run in this transaction: it is long (a test clock's advance
 * runs thousands of jobs, in transactions of its own) or the request must not wait for it. It
 * becomes a job row due now on the account's clock, and the scheduler is woken once the transaction
 * commits (by `runDueNow`, which every write runs) rather than at its next poll.
 */
export async function scheduleDetached(
  ctx: MutationContext,
  job: Omit<JobWrite, 'account' | 'dueAt' | 'clock'>,
): Promise<void> {
  if (ctx.testClock) throw new Error('scheduleDetached: work in real time must not run on a test clock');
  await ctx.tx.scheduleJob({ account: ctx.account.id, dueAt: ctx.clock.now(), ...job });
  wakeAfterCommit.add(ctx.tx);
}

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  /** The server's own URL, for objects a job creates that carry URLs. */
  origin: () => string;
  events: EventSink;
  logger: Logger;
  /** A job that threw (a bug: jobs have no expected failures); it is retried later. */
  onError: (err: unknown, job: Job) => void;
  /** How often to look for due jobs (ms). */
  pollMs?: number;
}

export class Scheduler implements ClockRunner {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** One run at a time; a second caller waits for the run in progress, then runs again. */
  private running: Promise<number> = Promise.resolve(0);
  private readonly health: LoopHealth;

  constructor(private readonly opts: SchedulerOptions) {
    this.health = new LoopHealth('scheduler', opts.logger);
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      // A failing store (busy, restarting, full) delays the next look with backoff; it never stops it.
      const delay = await this.health.run(async () => {
        const due = await this.opts.store.nextJobDue();
        if (due !== undefined && due <= this.opts.clock.now()) await this.runDue();
      });
      if (!this.stopped) this.timer = setTimeout(tick, delay || (this.opts.pollMs ?? 1000)).unref();
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /**
   * Runs every job due now (including ones those jobs schedule for now); resolves with the count.
   * A run that fails rejects for its caller only: the next run starts afresh.
   */
  runDue(): Promise<number> {
    const run = this.running.catch(() => 0).then(() => this.drain());
    this.running = run;
    return run;
  }

  /**
   * Runs the work `ctx` found already due (see the module comment), in its transaction, until none
   * is left: a job may make more. Each runs as the scheduler would run it, as nobody's request.
   */
  async runDueNow(ctx: MutationContext): Promise<void> {
    for (let write = ctx.dueNow.shift(); write; write = ctx.dueNow.shift()) {
      const handler = this.opts.handlers[write.kind];
      if (!handler) throw new Error(`no handler for job ${write.kind}`);
      await handler(this.jobContext(ctx, write), { ...write, seq: 0, attempts: 0 }, this);
    }
    if (wakeAfterCommit.delete(ctx.tx)) {
      ctx.tx.afterCommit(() => {
        this.runDue().catch((err: unknown) => this.opts.logger.error('scheduler run failed', { err }));
      });
    }
  }

  /**
   * The context a job runs in, from the one it runs beside: a test clock's job at its due time on
   * that clock (whoever runs it), any other on its account's clock; never as somebody's request.
   */
  private jobContext(ctx: MutationContext, job: JobWrite): MutationContext {
    const { testClock: _, ...base } = ctx;
    if (job.clock) return { ...base, request: null, clock: { now: () => job.dueAt }, testClock: job.clock };
    if (!ctx.testClock) return { ...ctx, request: null };
    return { ...base, request: null, clock: accountClock(this.opts.clock, ctx.account) };
  }

  async runClockJobs(ctx: MutationContext, clock: string, upTo: number, limit: number): Promise<ClockBatch> {
    const jobs = await ctx.tx.claimClockJobs(ctx.account.id, clock, upTo, limit);
    let current: Job | undefined;
    try {
      // One savepoint for the batch, not one per job: a savepoint costs a flush and two statements
      // (round trips on PostgreSQL), and the batch's writes then reach the database together.
      return await ctx.tx.savepoint(async () => {
        for (const [i, job] of jobs.entries()) {
          current = job;
          const handler = this.opts.handlers[job.kind];
          if (!handler) throw new Error(`job ${job.seq}: no handler for ${job.kind}`);
          clockJobsScheduled.get(ctx.tx)?.delete(clock);
          const jobCtx: MutationContext = { ...this.jobContext(ctx, job), dueNow: [] };
          await handler(jobCtx, job, this);
          await this.runDueNow(jobCtx);
          // Deleted at once, not with the batch: a later job of the batch may schedule the same
          // target `once`, which a finished job still in the table would swallow.
          await ctx.tx.deleteJob(job.seq);
          // Work it scheduled before the next claimed job runs first: the rest is claimed again later.
          const next = jobs[i + 1];
          const earliest = clockJobsScheduled.get(ctx.tx)?.get(clock);
          if (next && earliest !== undefined && earliest < next.dueAt) return { claimed: i + 1 };
        }
        return { claimed: jobs.length };
      });
    } catch (err) {
      if (!current) throw err;
      this.opts.onError(err, current);
      return { claimed: jobs.indexOf(current) + 1, failed: { job: current, err } };
    }
  }

  private async drain(): Promise<number> {
    let count = 0;
    for (;;) {
      const ran = await this.runBatch();
      if (ran === 0) return count;
      count += ran;
    }
  }

  /** Claims a batch of due jobs and runs them in one transaction; resolves with how many were claimed. */
  private runBatch(): Promise<number> {
    const { store, clock } = this.opts;
    const now = clock.now();
    return store.transaction(async (tx) => {
      const jobs = await tx.claimDueJobs(now, BATCH);
      const accounts = new Map<string, Account | undefined>();
      for (const job of jobs) {
        if (!accounts.has(job.account)) accounts.set(job.account, await tx.getAccount(job.account));
        await this.runJob(tx, job, accounts.get(job.account), now);
      }
      return jobs.length;
    });
  }

  private async runJob(tx: Transaction, job: Job, account: Account | undefined, now: number): Promise<void> {
    try {
      await tx.savepoint(async () => {
        const handler = this.opts.handlers[job.kind];
        if (!handler || !account) throw new Error(`job ${job.seq}: no handler for ${job.kind} or no account`);
        const ctx: MutationContext = {
          account,
          tx,
          // A test clock's job runs at its due time on that clock (see `jobContext`).
          clock: job.clock ? { now: () => job.dueAt } : accountClock(this.opts.clock, account),
          origin: this.opts.origin(),
          request: null,
          events: this.opts.events,
          dueNow: [],
          ...(job.clock ? { testClock: job.clock } : {}),
        };
        await handler(ctx, job, this);
        await this.runDueNow(ctx);
        await tx.deleteJob(job.seq);
      });
    } catch (err) {
      this.opts.onError(err, job);
      if (job.attempts + 1 >= MAX_ATTEMPTS) await tx.deleteJob(job.seq);
      else await tx.retryJob(job.seq, now + (account?.clockOffset ?? 0) + RETRY_AFTER);
    }
  }
}
