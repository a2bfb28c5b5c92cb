/**
 * WAL checkpoints on a worker thread. A checkpoint copies committed pages from the WAL back into the
 * database file; left to SQLite's automatic checkpoint it runs inside whichever COMMIT crosses the
 * threshold, on the event loop, and measured about 40% of a payment's database time. A second
 * connection on its own thread checkpoints every few hundred milliseconds instead (PASSIVE: it never
 * blocks the writer), so that work uses the other core.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LoopHealth } from '../platform/background.js';
import type { Logger } from '../platform/log.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('closed');
});
`;

export class Checkpointer {
  private worker: Worker | undefined;
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly health: LoopHealth;

  constructor(
    private readonly path: string,
    logger: Logger,
    private readonly intervalMs = 250,
  ) {
    this.health = new LoopHealth('sqlite checkpointer', logger);
    this.spawn();
  }

  /**
   * Starts the worker thread. One that fails or exits is started again after a backoff; meanwhile
   * SQLite's own (larger) automatic checkpoint is the safety net.
   */
  private spawn(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, path: this.path, intervalMs: this.intervalMs },
    });
    worker.unref();
    this.worker = worker;
    let failed = false;
    const restart = (err: unknown) => {
      if (failed || this.closing) return;
      failed = true;
      this.worker = undefined;
      void worker.terminate();
      this.restartTimer = setTimeout(() => this.spawn(), this.health.failed(err)).unref();
    };
    worker.on('error', restart);
    worker.on('exit', (code) => restart(new Error(`checkpoint thread exited with code ${code}`)));
    worker.once('online', () => this.health.succeeded());
  }

  /** Checkpoints once more and closes the worker's connection. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const closed = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('close');
    await closed;
    await worker.terminate();
  }
}
