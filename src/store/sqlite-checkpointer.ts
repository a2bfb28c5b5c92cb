/**
 * WAL checkpoints on a worker thread. A checkpoint copies committed pages from the WAL back into the
 * database file; left to SQLite's automatic checkpoint it runs inside whichever COMMIT crosses the
 * threshold, on the event loop, and measured about 40% of a payment's database time. A second
 * connection on its own thread checkpoints every few hundred milliseconds instead (PASSIVE: it never
 * blocks the writer), so that work uses the other core.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

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
  private readonly worker: Worker;

  constructor(path: string, intervalMs = 250) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path, intervalMs } });
    this.worker.unref();
    // A checkpointer that fails leaves SQLite's own (larger) automatic checkpoint as the safety net.
    this.worker.on('error', (err) => console.error('sqlite checkpointer:', err.message));
  }

  /** Checkpoints once more and closes the worker's connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage('close');
    await closed;
    await this.worker.terminate();
  }
}
