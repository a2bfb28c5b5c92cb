/**
 * Scheduled work: what Stripe does later (funds becoming available, payouts arriving, refunds
 * failing, disputes opening) is a job row due at a time on its account's clock, written in the same
 * transaction as the change that scheduled it. The scheduler claims the due jobs in batches and runs
 * them in one transaction, each job inside a savepoint together with its own deletion: a job happens
 * exactly once even across crashes and nodes (PostgreSQL hands a locked job to one node only), one
 * failing job is retried later without undoing the others, and a batch costs one commit.
 */
import type { Account, Job, Store, Transaction } from '../store/store.js';
import { accountClock, type Clock } from './clock.js';
import type { MutationContext } from './operation.js';

export type JobHandler = (ctx: MutationContext, job: Job) => Promise<void>;

/** How long a failed job waits before its next attempt (seconds). */
const RETRY_AFTER = 60;
/** A job that keeps failing is dropped after this many attempts (and reported each time). */
const MAX_ATTEMPTS = 10;
/** Jobs per transaction. */
const BATCH = 100;
/** How long a nudge waits for more nudges to join it (ms). */
const NUDGE_DELAY_MS = 20;

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  /** The server's own URL, for objects a job creates that carry URLs. */
  origin: () => string;
  onError: (err: unknown, job: Job) => void;
  /** How often to look for due jobs (ms). */
  pollMs?: number;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  /** One run at a time; a second caller waits for the run in progress, then runs again. */
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    const tick = async () => {
      try {
        const due = await this.opts.store.nextJobDue();
        if (due !== undefined && due <= this.opts.clock.now()) await this.runDue();
      } catch (err) {
        console.error('scheduler:', err);
      }
      if (this.timer) this.timer = setTimeout(tick, this.opts.pollMs ?? 1000).unref();
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  private nudged: NodeJS.Timeout | undefined;

  /**
   * Runs due jobs soon (after a write that may have scheduled one due now, such as a charge's
   * settlement or a dispute), instead of at the next poll. Nudges within a few milliseconds share one
   * run, so a burst of writes costs one batch.
   */
  nudge(): void {
    if (this.nudged || !this.timer) return;
    this.nudged = setTimeout(() => {
      this.nudged = undefined;
      this.runDue().catch((err: unknown) => console.error('scheduler:', err));
    }, NUDGE_DELAY_MS);
    this.nudged.unref();
  }

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.nudged);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }

  /** Runs every job due now (including ones those jobs schedule for now); resolves with the count. */
  runDue(): Promise<number> {
    this.running = this.running.then(() => this.drain());
    return this.running;
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
        const ctx = {
          account,
          tx,
          clock: accountClock(this.opts.clock, account),
          origin: this.opts.origin(),
          request: null,
        };
        await handler(ctx, job);
        await tx.deleteJob(job.seq);
      });
    } catch (err) {
      this.opts.onError(err, job);
      if (job.attempts + 1 >= MAX_ATTEMPTS) await tx.deleteJob(job.seq);
      else await tx.retryJob(job.seq, now + (account?.clockOffset ?? 0) + RETRY_AFTER);
    }
  }
}
