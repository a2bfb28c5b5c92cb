/**
 * Scheduled work: what Stripe does later (funds becoming available, payouts arriving, refunds
 * failing, disputes opening) is a job row due at a time on its account's clock, written in the same
 * transaction as the change that scheduled it. The scheduler runs each due job in a transaction of
 * its own that also deletes it, so a job happens exactly once even across crashes and nodes
 * (PostgreSQL hands a locked job to one node only).
 */
import type { Job, Store } from '../store/store.js';
import { accountClock, type Clock } from './clock.js';
import type { MutationContext } from './operation.js';

export type JobHandler = (ctx: MutationContext, job: Job) => Promise<void>;

/** How long a failed job waits before its next attempt (seconds). */
const RETRY_AFTER = 60;
/** A job that keeps failing is dropped after this many attempts (and reported each time). */
const MAX_ATTEMPTS = 10;

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

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
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
    while (await this.runOne()) count++;
    return count;
  }

  private async runOne(): Promise<boolean> {
    const { store, clock, handlers } = this.opts;
    const now = clock.now();
    let failed: Job | undefined;
    try {
      return await store.transaction(async (tx) => {
        const job = await tx.claimDueJob(now);
        if (!job) return false;
        failed = job;
        const handler = handlers[job.kind];
        const account = await tx.getAccount(job.account);
        if (!handler || !account) throw new Error(`job ${job.seq}: no handler for ${job.kind} or no account`);
        await handler(
          { account, tx, clock: accountClock(clock, account), origin: this.opts.origin(), request: null },
          job,
        );
        await tx.deleteJob(job.seq);
        return true;
      });
    } catch (err) {
      if (!failed) throw err;
      const job: Job = failed;
      this.opts.onError(err, job);
      const offset = (await store.getAccount(job.account))?.clockOffset ?? 0;
      await store.transaction(async (tx) => {
        if (job.attempts + 1 >= MAX_ATTEMPTS) await tx.deleteJob(job.seq);
        else await tx.retryJob(job.seq, now + offset + RETRY_AFTER);
      });
      return true;
    }
  }
}
