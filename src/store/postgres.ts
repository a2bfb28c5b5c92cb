/**
 * The PostgreSQL back end (`pg` pool). The shared SQL uses `?` placeholders; they are rewritten to
 * `$n` once per statement text. Rows changed by a transaction are locked with `FOR UPDATE`, so two
 * nodes (or two connections) cannot both act on the same object at once.
 */
import pg from 'pg';
import type { Logger } from '../platform/log.js';
import type { Connection, Dialect, Driver, Row, SqlValue } from './driver.js';
import { MIGRATIONS } from './migrations.js';
import { StatementCache } from './statement-cache.js';

const dialect: Dialect = {
  jsonText: '(data::jsonb #>> ?::text[])',
  jsonNumber: '(data::jsonb #>> ?::text[])::numeric',
  jsonPathParam: (path) => path,
  forUpdate: 'FOR UPDATE',
  forUpdateSkipLocked: 'FOR UPDATE SKIP LOCKED',
};

/** Errors that mean the connection itself is gone (so the client must not be reused). */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // Class 08 (connection exception) and 57P01–57P03 (the server is shutting down or restarting).
  return typeof code === 'string'
    ? code.startsWith('08') || /^57P0[1-3]$/.test(code)
    : err instanceof Error && /Connection terminated/i.test(err.message);
}

/** Any number for the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 0x5a4d_b4c1;

interface Prepared {
  text: string;
  /** Named statements are parsed and planned once per connection instead of on every query. */
  name?: string;
}

/**
 * Search builds SQL per query shape, so distinct texts are unbounded; only the first ones get a name
 * (each named statement lives on in every pooled connection), the rest run unnamed.
 */
let named = 0;
const statements = new StatementCache<Prepared>(500, (sql, kept) => {
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  return kept ? { text, name: `sandbank_${named++}` } : { text };
});
const prepared = (sql: string) => statements.get(sql);

const types = {
  getTypeParser(oid: number, format?: string) {
    // BIGINT (created, seq, counts) as JS numbers: our values stay far below 2^53.
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

function connection(q: pg.Pool | pg.PoolClient): Connection {
  return {
    all: async (sql, params = []) => (await q.query({ ...prepared(sql), values: params, types })).rows as Row[],
    get: async (sql, params = []) =>
      (await q.query({ ...prepared(sql), values: params, types })).rows[0] as Row | undefined,
    run: async (sql, params = []) => ({
      changes: (await q.query({ ...prepared(sql), values: params, types })).rowCount ?? 0,
    }),
  };
}

export class PostgresDriver implements Driver {
  readonly kind = 'postgres' as const;
  readonly dialect = dialect;
  private readonly pool: pg.Pool;
  private readonly conn: Connection;

  constructor(url: string, logger: Logger) {
    this.pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client losing its connection must not crash the server; the pool replaces it.
    this.pool.on('error', (err) => logger.warn('postgres: an idle connection failed; the pool replaces it', { err }));
    this.conn = connection(this.pool);
  }

  all(sql: string, params?: SqlValue[]) {
    return this.conn.all(sql, params);
  }
  get(sql: string, params?: SqlValue[]) {
    return this.conn.get(sql, params);
  }
  run(sql: string, params?: SqlValue[]) {
    return this.conn.run(sql, params);
  }

  /**
   * Runs `fn` on a checked-out client. The pool stops listening to a client's errors while it is
   * checked out, so a connection dropped meanwhile (a PostgreSQL restart, a killed backend) would be
   * an unhandled 'error' event that ends the process; here it fails only this work, and the broken
   * client is destroyed instead of going back to the pool.
   */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      broken ??= isConnectionError(err) ? (err as Error) : undefined;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await fn(connection(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  migrate(): Promise<void> {
    return this.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)',
        );
        const done = new Set(
          (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
        );
        for (const m of MIGRATIONS) {
          if (done.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
