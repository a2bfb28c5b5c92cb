/**
 * The PostgreSQL back end (`pg` pool). The shared SQL uses `?` placeholders; they are rewritten to
 * `$n` once per statement text. Rows changed by a transaction are locked with `FOR UPDATE`, so two
 * nodes (or two connections) cannot both act on the same object at once.
 */
import pg from 'pg';
import type { Connection, Dialect, Driver, Row, SqlValue } from './driver.js';
import { MIGRATIONS } from './migrations.js';

const dialect: Dialect = {
  jsonText: '(data::jsonb #>> ?::text[])',
  jsonNumber: '(data::jsonb #>> ?::text[])::numeric',
  jsonPathParam: (path) => path,
  forUpdate: 'FOR UPDATE',
};

/** Any number for the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 0x5a4d_b4c1;

interface Prepared {
  text: string;
  /** Named statements are parsed and planned once per connection instead of on every query. */
  name?: string;
}

/** Search builds SQL per query shape; past this many distinct statements, new ones stay unnamed. */
const MAX_NAMED_STATEMENTS = 500;
const statements = new Map<string, Prepared>();
function prepared(sql: string): Prepared {
  let out = statements.get(sql);
  if (out === undefined) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    out = statements.size < MAX_NAMED_STATEMENTS ? { text, name: `sandbank_${statements.size}` } : { text };
    statements.set(sql, out);
  }
  return out;
}

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

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client losing its connection must not crash the server; the pool replaces it.
    this.pool.on('error', (err) => console.error('postgres pool error:', err.message));
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

  async transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(connection(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)',
      );
      const done = new Set(
        (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        await client.query(m.postgres);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
