/**
 * The embedded SQLite back end (better-sqlite3, WAL). One connection; write transactions are
 * serialised behind a mutex (SQLite has one writer anyway), and reads issued from outside a
 * transaction while one is open wait for it, so nobody ever sees uncommitted rows.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Connection, Dialect, Driver, Row, SqlValue } from './driver.js';
import { Mutex } from './lock.js';
import { MIGRATIONS } from './migrations.js';

const dialect: Dialect = {
  jsonText: 'json_extract(data, ?)',
  jsonNumber: 'json_extract(data, ?)',
  jsonPathParam: (path) => `$${path.map((k) => `."${k.replaceAll('"', '""')}"`).join('')}`,
  forUpdate: '',
};

export class SqliteDriver implements Driver {
  readonly kind = 'sqlite' as const;
  readonly dialect = dialect;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock = new Mutex();
  /** Runs statements directly; used inside a transaction, which already holds the lock. */
  private readonly raw: Connection;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.raw = {
      all: async (sql, params = []) => this.prepare(sql).all(...params) as Row[],
      get: async (sql, params = []) => this.prepare(sql).get(...params) as Row | undefined,
      run: async (sql, params = []) => ({ changes: this.prepare(sql).run(...params).changes }),
    };
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

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

  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.raw);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
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

  async close(): Promise<void> {
    await this.lock.run(() => this.db.close());
  }
}
