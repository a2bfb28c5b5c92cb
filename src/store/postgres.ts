/**
 * The PostgreSQL back end (`pg` pool). The shared SQL uses `?` placeholders; they are rewritten to
 * `$n` once per statement text. Rows changed by a transaction are locked with `FOR UPDATE`, so two
 * nodes (or two connections) cannot both act on the same object at once.
 */
import pg from 'pg';
import type { Logger } from '../platform/log.js';
import type { Connection, Dialect, Driver, Row, SqlValue, WriteBatch, WriteBatchResult } from './driver.js';
import { CLOCK_JOB_RUN_AT, MIGRATIONS } from './migrations.js';
import { StatementCache } from './statement-cache.js';
import { rewriteFields } from './write-batch.js';

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

/**
 * A transaction's whole batch in one statement, so one round trip: data-modifying CTEs fed by
 * arrays (`unnest`). Only the parts a batch needs are in its statement — each table a statement
 * names costs locks and executor set-up even when it writes nothing — so a statement's text
 * depends on which parts it has, not on how many rows: a handful of texts, each prepared once per
 * connection. Rows keep their order (WITH ORDINALITY … ORDER BY), and with it the order of their
 * `seq`. A delivery of an event of the same batch takes the event's new `seq`; one of an event
 * written by an earlier flush of the transaction finds it by id.
 */
const PARTS = {
  ins: `ins AS (
  INSERT INTO objects (account, id, type, created, deleted, data, internal)
  SELECT a, i, t, c, 0, d, n
  FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[]) WITH ORDINALITY AS x(a, i, t, c, d, n, o)
  ORDER BY o
  RETURNING account, id, seq
)`,
  fld: `fld AS (
  INSERT INTO object_fields (account, type, field, value, created, seq)
  SELECT x.a, x.t, x.f, x.v, x.c, ins.seq
  FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) AS x(a, i, t, f, v, c)
  JOIN ins ON ins.account = x.a AND ins.id = x.i
)`,
  upd: `upd AS (
  UPDATE objects SET data = x.d, internal = CASE WHEN x.k THEN objects.internal ELSE x.n END
  FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[]) AS x(a, i, d, n, k)
  WHERE objects.account = x.a AND objects.id = x.i
  RETURNING objects.id, objects.seq
)`,
  ev: `ev AS (
  INSERT INTO events (account, id, type, created, data, dispatched)
  SELECT a, i, t, c, d, 1
  FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[]) WITH ORDINALITY AS x(a, i, t, c, d, o)
  ORDER BY o
  RETURNING account, id, seq
)`,
  dlv: (withEvents: boolean) => `dlv AS (
  INSERT INTO webhook_deliveries (account, event_seq, event_id, endpoint_id, status, attempts, next_attempt_at)
  SELECT x.a, COALESCE(x.s, ${withEvents ? 'ev.seq, ' : ''}(SELECT e.seq FROM events e WHERE e.account = x.a AND e.id = x.e)),
    x.e, x.p, 'pending', 0, x.due
  FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[]) AS x(a, s, e, p, due)
  ${withEvents ? 'LEFT JOIN ev ON ev.account = x.a AND ev.id = x.e' : ''}
)`,
  fin: `fin AS (
  UPDATE webhook_deliveries SET status = x.s, attempts = x.n, next_attempt_at = x.due
  FROM unnest(?::bigint[], ?::text[], ?::int[], ?::bigint[]) AS x(q, s, n, due)
  WHERE webhook_deliveries.seq = x.q
)`,
  att: `att AS (
  INSERT INTO webhook_attempts (account, id, event_id, endpoint_id, data)
  SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
)`,
  jb: `jb AS (
  INSERT INTO jobs (account, due_at, run_at, kind, target, payload, clock)
  SELECT x.a, x.d,
    CASE WHEN x.c IS NULL THEN x.d - COALESCE((SELECT clock_offset FROM accounts WHERE id = x.a), 0) ELSE ${CLOCK_JOB_RUN_AT} END,
    x.k, x.t, x.p, x.c
  FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[]) AS x(a, d, k, t, p, once, c)
  WHERE NOT x.once OR NOT EXISTS (SELECT 1 FROM jobs j WHERE j.account = x.a AND j.target = x.t AND j.clock IS NOT DISTINCT FROM x.c)
)`,
  idem: `idem AS (
  INSERT INTO idempotency_keys (account, key, created, fingerprint, request_id, status, headers, body)
  SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[])
  ON CONFLICT (account, key) DO UPDATE SET created = excluded.created, fingerprint = excluded.fingerprint,
    request_id = excluded.request_id, status = excluded.status, headers = excluded.headers, body = excluded.body
  WHERE idempotency_keys.created <= ?
  RETURNING 1
)`,
};

/** One array per column, in `rows`' order. */
function columns<T>(rows: T[], ...pick: ((row: T) => string | number | boolean | null)[]): SqlValue[] {
  return pick.map((get) => rows.map(get));
}

async function writeBatch(conn: Connection, batch: WriteBatch, last: boolean): Promise<WriteBatchResult> {
  const inserts = batch.objects.filter((o) => o.insert);
  const updates = batch.objects.filter((o) => !o.insert);
  const fields = inserts.flatMap((o) =>
    Object.entries(o.fields ?? {})
      .filter((entry): entry is [string, string] => entry[1] !== null)
      .map(([field, value]) => ({ o, field, value })),
  );
  // Jobs scheduled once per target: one statement cannot see its own rows, so twins go here.
  const targets = new Set<string>();
  const jobs = batch.jobs.filter((j) => {
    if (!j.once) return true;
    // One per target on each clock: a test clock's job never stands in for the account's, nor another clock's.
    const key = `${j.account}\u0000${j.target}\u0000${j.clock ?? ''}`;
    if (targets.has(key)) return false;
    targets.add(key);
    return true;
  });
  const records = batch.idempotency.map((i) => i.record);
  const parts: string[] = [];
  const params: SqlValue[] = [];
  const add = (sql: string, values: SqlValue[]) => {
    parts.push(sql);
    params.push(...values);
  };
  if (inserts.length > 0) {
    add(
      PARTS.ins,
      columns(
        inserts,
        (o) => o.account,
        (o) => o.id,
        (o) => o.type,
        (o) => o.created,
        (o) => o.json,
        (o) => o.internal ?? null,
      ),
    );
  }
  if (fields.length > 0) {
    add(
      PARTS.fld,
      columns(
        fields,
        (f) => f.o.account,
        (f) => f.o.id,
        (f) => f.o.type,
        (f) => f.field,
        (f) => f.value,
        (f) => f.o.created,
      ),
    );
  }
  if (updates.length > 0) {
    add(
      PARTS.upd,
      columns(
        updates,
        (o) => o.account,
        (o) => o.id,
        (o) => o.json,
        (o) => o.internal ?? null,
        (o) => o.internal === undefined,
      ),
    );
  }
  if (batch.events.length > 0) {
    add(
      PARTS.ev,
      columns(
        batch.events,
        (e) => e.account,
        (e) => e.id,
        (e) => e.type,
        (e) => e.created,
        (e) => e.json,
      ),
    );
  }
  if (batch.deliveries.length > 0) {
    add(
      PARTS.dlv(batch.events.length > 0),
      columns(
        batch.deliveries,
        (d) => d.account,
        (d) => d.eventSeq ?? null,
        (d) => d.eventId,
        (d) => d.endpointId,
        (d) => d.dueAtMs,
      ),
    );
  }
  if (batch.finishedDeliveries.length > 0) {
    add(
      PARTS.fin,
      columns(
        batch.finishedDeliveries,
        (f) => f.seq,
        (f) => f.status,
        (f) => f.attempts,
        (f) => f.nextAttemptAtMs,
      ),
    );
  }
  if (batch.attempts.length > 0) {
    add(
      PARTS.att,
      columns(
        batch.attempts,
        (a) => a.account,
        (a) => a.id,
        (a) => a.eventId,
        (a) => a.endpointId,
        (a) => JSON.stringify(a.data),
      ),
    );
  }
  if (jobs.length > 0) {
    add(
      PARTS.jb,
      columns(
        jobs,
        (j) => j.account,
        (j) => j.dueAt,
        (j) => j.kind,
        (j) => j.target,
        (j) => JSON.stringify(j.payload),
        (j) => j.once === true,
        (j) => j.clock ?? null,
      ),
    );
  }
  if (records.length > 0) {
    // Records saved together share a request's clock; the strictest boundary holds for all of them.
    const expired = Math.min(...batch.idempotency.map((i) => i.expiredAtOrBefore));
    add(PARTS.idem, [
      ...columns(
        records,
        (r) => r.account,
        (r) => r.key,
        (r) => r.created,
        (r) => r.fingerprint,
        (r) => r.requestId,
        (r) => r.status,
        (r) => JSON.stringify(r.headers),
        (r) => r.body,
      ),
      expired,
    ]);
  }
  if (parts.length === 0) return { missingUpdates: [], idempotencySaved: true };
  const sql = `WITH ${parts.join(',\n')}
SELECT ${records.length > 0 ? '(SELECT count(*) FROM idem)' : '0'} AS saved,
  ${updates.length > 0 ? '(SELECT json_agg(json_build_array(id, seq)) FROM upd)' : 'NULL'} AS updated`;
  // Indexed fields that an update changed are rewritten row by row after the batch: rare, and one
  // statement cannot delete and re-insert the same keys.
  const rewrites = updates.some((o) => o.fieldsChanged);
  // The batch is one statement, atomic by itself: when it is all a transaction writes and no lock
  // was taken before it, it needs no BEGIN and COMMIT (two round trips fewer).
  const run = conn instanceof PgTransaction && last && !rewrites ? conn.getOutsideTransaction : conn.get;
  const row = await run(sql, params);
  const updated = new Map(((row?.updated as [string, number][] | null) ?? []).map(([id, seq]) => [id, Number(seq)]));
  for (const o of updates) {
    const seq = updated.get(o.id);
    if (o.fieldsChanged && seq !== undefined) await rewriteFields(conn, o, seq);
  }
  return {
    missingUpdates: updates.filter((o) => !updated.has(o.id)).map((o) => o.id),
    idempotencySaved: Number(row?.saved ?? 0) === records.length,
  };
}

/**
 * The URL with Sandbank's session settings added to any `options` it has. Sandbank's statements are
 * point lookups, keyset pages and batch writes, whose plans do not depend on the values bound:
 * `plan_cache_mode = force_generic_plan` plans each once per connection instead of re-planning the
 * first executions of every statement (which PostgreSQL may keep doing for the batch writes; it
 * measured 40% of the database's CPU per write). PostgreSQL 12 or newer.
 */
export function withSessionSettings(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${options ? `${options} ` : ''}-c plan_cache_mode=force_generic_plan`);
  return parsed.toString();
}

/** Any number for the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 0x5a4d_b4c1;

interface Prepared {
  text: string;
  /** Named statements are parsed and planned once per connection instead of on every query. */
  name?: string;
  /** It writes or locks, so a transaction must have begun (see PgTransaction). */
  transactional: boolean;
}

/**
 * Search builds SQL per query shape, so distinct texts are unbounded; only the first ones get a name
 * (each named statement lives on in every pooled connection), the rest run unnamed.
 */
let named = 0;
const statements = new StatementCache<Prepared>(500, (sql, kept) => {
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  const transactional = !/^\s*SELECT\b/i.test(sql) || /\bFOR\s+(UPDATE|SHARE)\b/i.test(sql);
  return kept ? { text, name: `sandbank_${named++}`, transactional } : { text, transactional };
});
const prepared = (sql: string) => statements.get(sql);

/** node-postgres' query config for a statement (without our own flag). */
function queryConfig(sql: string, values: SqlValue[]) {
  const { text, name } = prepared(sql);
  return { text, ...(name ? { name } : {}), values, types };
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
    all: async (sql, params = []) => (await q.query(queryConfig(sql, params))).rows as Row[],
    get: async (sql, params = []) => (await q.query(queryConfig(sql, params))).rows[0] as Row | undefined,
    run: async (sql, params = []) => ({ changes: (await q.query(queryConfig(sql, params))).rowCount ?? 0 }),
  };
}

/**
 * A transaction that begins lazily: plain reads run before BEGIN (under READ COMMITTED each
 * statement sees the latest committed data either way), and BEGIN is sent with the first statement
 * that writes or locks. A transaction whose only write is its final batch never begins at all (see
 * writeBatch): on PostgreSQL every statement is a round trip, and most API writes need no lock.
 */
class PgTransaction implements Connection {
  private begun = false;
  private readonly conn: Connection;

  constructor(private readonly client: pg.PoolClient) {
    this.conn = connection(client);
  }

  private async ready(sql: string): Promise<void> {
    if (this.begun || !prepared(sql).transactional) return;
    await this.client.query('BEGIN');
    this.begun = true;
  }

  all = async (sql: string, params?: SqlValue[]) => {
    await this.ready(sql);
    return this.conn.all(sql, params);
  };
  get = async (sql: string, params?: SqlValue[]) => {
    await this.ready(sql);
    return this.conn.get(sql, params);
  };
  run = async (sql: string, params?: SqlValue[]) => {
    await this.ready(sql);
    return this.conn.run(sql, params);
  };

  /** Runs one statement as it stands: inside the transaction if it has begun, else on its own. */
  getOutsideTransaction = (sql: string, params?: SqlValue[]) => this.conn.get(sql, params);

  async end(commit: boolean): Promise<void> {
    if (this.begun) await this.client.query(commit ? 'COMMIT' : 'ROLLBACK');
  }
}

export class PostgresDriver implements Driver {
  readonly kind = 'postgres' as const;
  readonly dialect = dialect;
  private readonly pool: pg.Pool;
  private readonly conn: Connection;

  constructor(url: string, logger: Logger) {
    this.pool = new pg.Pool({ connectionString: withSessionSettings(url), max: 10 });
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

  readonly writeBatch = writeBatch;

  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      const tx = new PgTransaction(client);
      try {
        const result = await fn(tx);
        await tx.end(true);
        return result;
      } catch (err) {
        await tx.end(false).catch(() => undefined);
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
