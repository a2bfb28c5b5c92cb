/**
 * The embedded SQLite back end (better-sqlite3, WAL). One connection; write transactions are
 * serialised behind a mutex (SQLite has one writer anyway) and grouped into shared commits, and
 * reads issued from outside a transaction while one is open wait for it, so nobody ever sees
 * uncommitted rows.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../platform/log.js';
import type { Connection, Dialect, Driver, Row, SqlValue } from './driver.js';
import { Mutex } from './lock.js';
import { MIGRATIONS } from './migrations.js';
import { Checkpointer } from './sqlite-checkpointer.js';
import { StatementCache } from './statement-cache.js';

const dialect: Dialect = {
  jsonText: 'json_extract(data, ?)',
  jsonNumber: 'json_extract(data, ?)',
  // Quoted labels take JSON string escapes, so JSON.stringify quotes any key (`a"b`, `c\d`) exactly.
  jsonPathParam: (path) => `$${path.map((k) => `.${JSON.stringify(k)}`).join('')}`,
  forUpdate: '',
  forUpdateSkipLocked: '',
};

/** At most this many transactions share one commit; readers get the lock between batches. */
const MAX_GROUP = 64;
/** Statements kept prepared (see StatementCache). */
const MAX_STATEMENTS = 500;
/**
 * How long a write waits for another process's write lock (e.g. `sandbank keys create`), retrying
 * asynchronously so the event loop keeps serving; SQLite's own busy wait blocks it, so that is short.
 */
const BUSY_WAIT_MS = 5_000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

interface PendingWork {
  fn: (conn: Connection) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class SqliteDriver implements Driver {
  readonly kind = 'sqlite' as const;
  readonly dialect = dialect;
  private readonly db: Database.Database;
  private readonly statements: StatementCache<Database.Statement>;
  private readonly lock = new Mutex();
  /** Transactions waiting for the next group commit. */
  private readonly pending: PendingWork[] = [];
  private scheduled = false;
  /** Runs statements directly; used inside a transaction, which already holds the lock. */
  private readonly raw: Connection;
  private readonly checkpointer: Checkpointer | undefined;

  /**
   * `fsync`: `synchronous = FULL`, the WAL is fsynced at every commit, so power loss cannot lose an
   * acknowledged write. The default, NORMAL, fsyncs only at checkpoints: a process crash still loses
   * nothing committed (the WAL is in the OS's cache), power loss may lose the last commits but never
   * consistency. FULL costs a disk flush per (group) commit.
   */
  constructor(path: string, logger: Logger, options: { fsync?: boolean } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(options.fsync ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.db.pragma('busy_timeout = 50');
    // Each group commit puts every transaction in a savepoint; SQLite copies the pages a savepoint
    // changes into a statement journal, which is a temporary file unless temp_store says memory
    // (measured: a third of the cost of each insert on these machines).
    this.db.pragma('temp_store = MEMORY');
    // 16 MiB of page cache (better-sqlite3's build default, set here so it does not change under us):
    // it holds the hot index pages. Larger is slower for writes: every commit walks the cache to drop
    // pages past the end of the file (measured: 64 MiB cost ~25 µs more per payment than 16 MiB).
    this.db.pragma(`cache_size = -${16 * 1024}`);
    // Checkpoints run on a worker thread (sqlite-checkpointer.ts); SQLite's automatic checkpoint
    // stays as a safety net at ~200 MB of WAL, should that thread fall behind or fail.
    this.db.pragma('wal_autocheckpoint = 50000');
    this.db.pragma('journal_size_limit = 67108864');
    // SQLite's lower() folds ASCII only; search must fold like PostgreSQL and JavaScript do ('É' → 'é').
    this.db.function('lower', { deterministic: true }, (s: unknown) => (s === null ? null : String(s).toLowerCase()));
    this.statements = new StatementCache(MAX_STATEMENTS, (sql) => this.db.prepare(sql));
    if (path !== ':memory:') this.checkpointer = new Checkpointer(path, logger);
    this.raw = {
      all: async (sql, params = []) => this.prepare(sql).all(...params) as Row[],
      get: async (sql, params = []) => this.prepare(sql).get(...params) as Row | undefined,
      run: async (sql, params = []) => ({ changes: this.prepare(sql).run(...params).changes }),
    };
  }

  private prepare(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /**
   * Reads from outside a transaction wait while one holds the lock. Code inside a transaction must
   * read through its `Transaction` (handlers only ever get that), or it would wait for itself.
   */
  private guarded<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.locked ? this.lock.run(fn) : fn();
  }

  all(sql: string, params?: SqlValue[]) {
    return this.guarded(() => this.raw.all(sql, params));
  }
  get(sql: string, params?: SqlValue[]) {
    return this.guarded(() => this.raw.get(sql, params));
  }
  run(sql: string, params?: SqlValue[]) {
    return this.guarded(() => this.raw.run(sql, params));
  }

  /**
   * Group commit: transactions that arrive in the same turn of the event loop share one SQLite
   * transaction, each inside its own savepoint (a failing one rolls back alone). Every caller hears
   * back only after the shared COMMIT, so a response is never sent for an uncommitted change. A
   * commit costs a burst of WAL writes whatever its size; sharing it is what makes writes cheap.
   */
  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.commitPending());
  }

  /** Commits the waiting transactions as one batch; later arrivals form the next, each taking the lock anew. */
  private commitPending(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_GROUP);
    this.schedule();
    this.lock
      .run(() => this.commitBatch(batch))
      .catch((err: unknown) => {
        for (const work of batch) work.reject(err);
      });
  }

  private async commitBatch(batch: PendingWork[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    await this.begin();
    try {
      for (const work of batch) {
        this.prepare('SAVEPOINT work').run();
        try {
          outcomes.push({ ok: true, value: await work.fn(this.raw) });
          this.prepare('RELEASE work').run();
        } catch (err) {
          this.prepare('ROLLBACK TO work').run();
          this.prepare('RELEASE work').run();
          outcomes.push({ ok: false, value: err });
        }
      }
      this.prepare('COMMIT').run();
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    batch.forEach((work, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) work.resolve(outcome.value);
      else work.reject(outcome.value);
    });
  }

  /** BEGIN IMMEDIATE, waiting (without blocking the event loop) while another process writes. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        this.prepare('BEGIN IMMEDIATE').run();
        return;
      } catch (err) {
        if (!isBusy(err) || Date.now() + delay > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    const apply = this.db.transaction(() => {
      const done = new Set(
        (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        this.db.exec(m.sqlite);
        this.db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name);
      }
    });
    apply.immediate();
  }

  /** Lets transactions already asked for commit (they are queued for the next group), then closes. */
  async close(): Promise<void> {
    while (this.scheduled || this.pending.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await this.lock.run(async () => {
      await this.checkpointer?.close();
      this.db.close();
    });
  }
}
