/**
 * How background loops (the scheduler, webhook delivery, WAL checkpoints, pruning) live with a
 * failing store: SQLite busy because another process holds the write lock, PostgreSQL restarting, a
 * full disk. A failed pass is retried after a delay that doubles up to a cap, and the loop keeps
 * going; the log says so once when the trouble starts and once when it ends, not once per pass.
 */
import type { Logger } from './log.js';

export interface BackoffOptions {
  /** The first retry's delay (ms). */
  initialMs?: number;
  /** The longest delay between retries (ms). */
  maxMs?: number;
}

export class LoopHealth {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    opts: BackoffOptions = {},
  ) {
    this.initialMs = opts.initialMs ?? 100;
    this.maxMs = opts.maxMs ?? 30_000;
  }

  /** Whether the last pass failed (the loop is waiting to retry). */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Records a failed pass and returns how long to wait before the next one (ms). */
  failed(err: unknown): number {
    this.failures++;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures - 1, 20));
    if (this.failures === 1) {
      this.logger.error(`${this.name} failed; retrying with backoff until it works again`, {
        err,
        retry_in_ms: delay,
      });
    }
    return delay;
  }

  /** Records a pass that worked; the first after failures says the loop has recovered. */
  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info(`${this.name} recovered`, { failed_passes: this.failures });
    this.failures = 0;
  }

  /** Runs one pass, recording how it went; resolves with the delay before the next (0 after success). */
  async run(pass: () => Promise<unknown>): Promise<number> {
    try {
      await pass();
      this.succeeded();
      return 0;
    } catch (err) {
      return this.failed(err);
    }
  }
}

/**
 * Runs `pass` every `intervalMs` (the first after one interval); a failed pass is retried with
 * backoff instead of waiting a whole interval. Returns the function that stops the loop.
 */
export function everyInterval(health: LoopHealth, intervalMs: number, pass: () => Promise<unknown>): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(tick, ms).unref();
  };
  const tick = async () => schedule((await health.run(pass)) || intervalMs);
  schedule(intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
