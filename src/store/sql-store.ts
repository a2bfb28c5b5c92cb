/**
 * The store's queries, written once over a `Driver`. Lists are keyset-paginated on
 * (account, type, created, seq), so a page costs the same on a table of ten rows or ten million.
 * A transaction buffers its writes and hands them to the driver as one batch (see `Transaction`).
 */
import { newId } from '../platform/ids.js';
import type { Connection, Driver, ObjectRowWrite, Row, SqlValue, WriteBatch } from './driver.js';
import { CLOCK_JOB_RUN_AT } from './migrations.js';
import {
  type Account,
  type AccountSettings,
  type ApiKeyRecord,
  type AttemptQuery,
  type AttemptWrite,
  type BalanceTotal,
  type Delivery,
  type DeliveryOutcome,
  type DeliveryState,
  type DeliveryStatus,
  type DeliveryWrite,
  type EventQuery,
  type EventWrite,
  IdempotencyKeyTaken,
  type IdempotencyRecord,
  type Job,
  type JobWrite,
  type KeyKind,
  type ListQuery,
  type ObjectWrite,
  type Page,
  type Reader,
  type SearchClause,
  type SearchPage,
  type SearchQuery,
  type SearchTarget,
  type Store,
  type StoredEvent,
  type StoredObject,
  type Transaction,
} from './store.js';
import { writeRowByRow } from './write-batch.js';

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

// Explicit column lists everywhere: PostgreSQL's prepared statements must not change shape when a
// later migration adds a column.
const OBJECT_COLUMNS = 'account, id, type, created, seq, deleted, data, internal';
const IDEMPOTENCY_COLUMNS = 'account, key, created, fingerprint, request_id, status, headers, body';
const ACCOUNT_COLUMNS = 'id, created, country, default_currency, pricing, clock_offset, webhooks_paused';
const JOB_COLUMNS = 'seq, account, due_at, kind, target, payload, attempts, clock';

function toObject(row: Row): StoredObject {
  return {
    account: row.account as string,
    id: row.id as string,
    type: row.type as string,
    created: Number(row.created),
    seq: Number(row.seq),
    deleted: Number(row.deleted) === 1,
    json: row.data as string,
    internal: (row.internal as string | null | undefined) ?? null,
  };
}

function toIdempotency(row: Row): IdempotencyRecord {
  return {
    account: row.account as string,
    key: row.key as string,
    created: Number(row.created),
    fingerprint: row.fingerprint as string,
    requestId: row.request_id as string,
    status: Number(row.status),
    headers: JSON.parse(row.headers as string) as Record<string, string>,
    body: row.body as string,
  };
}

function toAccount(row: Row): Account {
  return {
    id: row.id as string,
    created: Number(row.created),
    country: row.country as string,
    defaultCurrency: row.default_currency as string,
    pricing: row.pricing ? (JSON.parse(row.pricing as string) as Account['pricing']) : null,
    clockOffset: Number(row.clock_offset ?? 0),
    webhooksPaused: Number(row.webhooks_paused ?? 0) === 1,
  };
}

const EVENT_COLUMNS = 'account, id, type, created, seq, data';

function toEvent(row: Row): StoredEvent {
  return {
    account: row.account as string,
    id: row.id as string,
    type: row.type as string,
    created: Number(row.created),
    seq: Number(row.seq),
    json: row.data as string,
  };
}

function toDelivery(row: Row): Delivery {
  return {
    seq: Number(row.seq),
    account: row.account as string,
    eventSeq: Number(row.event_seq),
    eventId: row.event_id as string,
    endpointId: row.endpoint_id as string,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
  };
}

function toDeliveryState(row: Row | undefined): DeliveryState {
  return { endpointsVersion: Number(row?.endpoints_version ?? 0), paused: Number(row?.webhooks_paused ?? 0) === 1 };
}

function toJob(row: Row): Job {
  return {
    seq: Number(row.seq),
    account: row.account as string,
    dueAt: Number(row.due_at),
    kind: row.kind as string,
    target: row.target as string,
    payload: JSON.parse(row.payload as string) as object,
    attempts: Number(row.attempts),
    ...(row.clock ? { clock: row.clock as string } : {}),
  };
}

/** Reads shared by the store (outside transactions) and by transactions. */
class SqlReader implements Reader {
  constructor(
    protected readonly conn: Connection,
    protected readonly driver: Driver,
  ) {}

  async getObject(account: string, id: string): Promise<StoredObject | undefined> {
    const row = await this.conn.get(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE account = ? AND id = ?`, [
      account,
      id,
    ]);
    return row && toObject(row);
  }

  async listObjects(q: ListQuery): Promise<Page> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    // With an equality filter, page over object_fields' index and join back to the objects.
    const filters = Object.entries(q.equals ?? {});
    let from = 'objects o';
    if (filters.length > 0) {
      const [first, ...rest] = filters as [[string, string], ...[string, string][]];
      from = 'object_fields f JOIN objects o ON o.seq = f.seq';
      where.push('f.account = ? AND f.type = ? AND f.field = ? AND f.value = ?');
      params.push(q.account, q.type, first[0], first[1]);
      for (const [field, value] of rest) {
        where.push(
          'EXISTS (SELECT 1 FROM object_fields g WHERE g.account = o.account AND g.type = o.type AND g.seq = o.seq AND g.field = ? AND g.value = ?)',
        );
        params.push(field, value);
      }
    }
    for (const field of q.absent ?? []) {
      where.push(
        'NOT EXISTS (SELECT 1 FROM object_fields g WHERE g.seq = o.seq AND g.account = o.account AND g.type = o.type AND g.field = ?)',
      );
      params.push(field);
    }
    const k = filters.length > 0 ? 'f' : 'o';
    where.push(`o.account = ? AND o.type = ? AND o.deleted = 0`);
    params.push(q.account, q.type);
    const range = q.created ?? {};
    for (const [op, sql] of [
      ['gt', '>'],
      ['gte', '>='],
      ['lt', '<'],
      ['lte', '<='],
    ] as const) {
      const v = range[op];
      if (v !== undefined && v !== null) {
        where.push(`${k}.created ${sql} ?`);
        params.push(v);
      }
    }
    const backwards = q.before !== undefined && q.after === undefined;
    const cursor = q.after ?? q.before;
    if (cursor) {
      where.push(`(${k}.created, ${k}.seq) ${backwards ? '>' : '<'} (?, ?)`);
      params.push(cursor.created, cursor.seq);
    }
    const order = backwards ? 'ASC' : 'DESC';
    const sql = `SELECT o.account, o.id, o.type, o.created, o.seq, o.deleted, o.data, o.internal FROM ${from}
      WHERE ${where.join(' AND ')} ORDER BY ${k}.created ${order}, ${k}.seq ${order} LIMIT ?`;
    params.push(q.limit + 1);
    const rows = (await this.conn.all(sql, params)).map(toObject);
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.pop();
    if (backwards) rows.reverse();
    return { rows, hasMore };
  }

  async searchObjects(q: SearchQuery): Promise<SearchPage> {
    const params: SqlValue[] = [];
    const compiled = q.clauses.map((c) => this.compileClause(c, params));
    const clauseSql = compiled.length > 0 ? `AND (${compiled.join(q.join === 'and' ? ' AND ' : ' OR ')})` : '';
    const base = `FROM objects WHERE account = ? AND type = ? AND deleted = 0 ${clauseSql}`;
    const baseParams: SqlValue[] = [q.account, q.type, ...params];
    const cursorSql = q.after ? 'AND (created, seq) < (?, ?)' : '';
    const pageParams = q.after ? [...baseParams, q.after.created, q.after.seq] : [...baseParams];
    const rows = (
      await this.conn.all(`SELECT ${OBJECT_COLUMNS} ${base} ${cursorSql} ORDER BY created DESC, seq DESC LIMIT ?`, [
        ...pageParams,
        q.limit + 1,
      ])
    ).map(toObject);
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.pop();
    const page: SearchPage = { rows, hasMore };
    if (q.withTotalCount) {
      const row = await this.conn.get(`SELECT COUNT(*) AS n ${base}`, baseParams);
      page.totalCount = Number(row?.n ?? 0);
    }
    return page;
  }

  private targetSql(t: SearchTarget, params: SqlValue[], numeric: boolean): string {
    if ('column' in t) return t.column;
    params.push(this.driver.dialect.jsonPathParam(t.json));
    return numeric ? this.driver.dialect.jsonNumber : this.driver.dialect.jsonText;
  }

  /** One clause as SQL. A negated clause also matches rows where the field is null, as Stripe's does. */
  private compileClause(c: SearchClause, params: SqlValue[]): string {
    let sql: string;
    switch (c.op) {
      case 'eq': {
        const target = this.targetSql(c.target, params, false);
        if (c.phrase) {
          // Reuse the bound path for the second reference to the field.
          const path = params[params.length - 1] as SqlValue;
          sql = `(lower(${target}) = lower(?) OR ' ' || lower(${this.targetSql(c.target, [], false)}) || ' ' LIKE ? ESCAPE '\\')`;
          params.push(c.value);
          if (!('column' in c.target)) params.push(path);
          params.push(`% ${escapeLike(c.value.toLowerCase())} %`);
        } else {
          sql = `lower(${target}) = lower(?)`;
          params.push(c.value);
        }
        break;
      }
      case 'contains':
        sql = `lower(${this.targetSql(c.target, params, false)}) LIKE ? ESCAPE '\\'`;
        params.push(`%${escapeLike(c.value.toLowerCase())}%`);
        break;
      case 'null':
        sql = `${this.targetSql(c.target, params, false)} IS NULL`;
        break;
      default: {
        const op = { lt: '<', lte: '<=', gt: '>', gte: '>=', num_eq: '=' }[c.op];
        sql = `${this.targetSql(c.target, params, true)} ${op} ?`;
        params.push(c.value);
      }
    }
    return c.negate ? `NOT COALESCE(${sql}, FALSE)` : sql;
  }

  async getIdempotency(account: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.conn.get(
      `SELECT ${IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE account = ? AND key = ?`,
      [account, key],
    );
    return row && toIdempotency(row);
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const row = await this.conn.get(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`, [id]);
    return row && toAccount(row);
  }

  async getEvent(account: string, id: string): Promise<StoredEvent | undefined> {
    const row = await this.conn.get(`SELECT ${EVENT_COLUMNS} FROM events WHERE account = ? AND id = ?`, [account, id]);
    return row && toEvent(row);
  }

  async listEvents(q: EventQuery): Promise<{ rows: StoredEvent[]; hasMore: boolean }> {
    const where = ['e.account = ?'];
    const params: SqlValue[] = [q.account];
    const range = q.created ?? {};
    for (const [op, sql] of [
      ['gt', '>'],
      ['gte', '>='],
      ['lt', '<'],
      ['lte', '<='],
    ] as const) {
      const v = range[op];
      if (v !== undefined && v !== null) {
        where.push(`e.created ${sql} ?`);
        params.push(v);
      }
    }
    if (q.types && (q.types.exact.length > 0 || q.types.prefixes.length > 0)) {
      const any: string[] = [];
      for (const t of q.types.exact) {
        any.push('e.type = ?');
        params.push(t);
      }
      for (const prefix of q.types.prefixes) {
        any.push(`e.type LIKE ? ESCAPE '\\'`);
        params.push(`${escapeLike(prefix)}%`);
      }
      where.push(`(${any.join(' OR ')})`);
    }
    const unsettled = `EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.account = e.account AND d.event_id = e.id AND d.status <> 'succeeded')`;
    if (q.deliverySuccess === false) where.push(unsettled);
    if (q.deliverySuccess === true) {
      where.push(
        `EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.account = e.account AND d.event_id = e.id) AND NOT ${unsettled}`,
      );
    }
    const backwards = q.before !== undefined && q.after === undefined;
    const cursor = q.after ?? q.before;
    if (cursor) {
      where.push(`(e.created, e.seq) ${backwards ? '>' : '<'} (?, ?)`);
      params.push(cursor.created, cursor.seq);
    }
    const order = backwards ? 'ASC' : 'DESC';
    params.push(q.limit + 1);
    const rows = (
      await this.conn.all(
        `SELECT e.account, e.id, e.type, e.created, e.seq, e.data FROM events e WHERE ${where.join(' AND ')}
         ORDER BY e.created ${order}, e.seq ${order} LIMIT ?`,
        params,
      )
    ).map(toEvent);
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.pop();
    if (backwards) rows.reverse();
    return { rows, hasMore };
  }

  async pendingWebhooks(account: string, eventIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (eventIds.length === 0) return counts;
    const rows = await this.conn.all(
      `SELECT event_id, COUNT(*) AS n FROM webhook_deliveries
       WHERE account = ? AND status <> 'succeeded' AND event_id IN (${eventIds.map(() => '?').join(', ')})
       GROUP BY event_id`,
      [account, ...eventIds],
    );
    for (const r of rows) counts.set(r.event_id as string, Number(r.n));
    return counts;
  }

  async listAttempts(q: AttemptQuery): Promise<{ rows: { seq: number; json: string }[]; hasMore: boolean }> {
    const where = ['account = ?'];
    const params: SqlValue[] = [q.account];
    if (q.eventId) {
      where.push('event_id = ?');
      params.push(q.eventId);
    }
    if (q.endpointId) {
      where.push('endpoint_id = ?');
      params.push(q.endpointId);
    }
    if (q.afterSeq !== undefined) {
      where.push('seq > ?');
      params.push(q.afterSeq);
    }
    params.push(q.limit + 1);
    const rows = await this.conn.all(
      `SELECT seq, data FROM webhook_attempts WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
      params,
    );
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.pop();
    return { rows: rows.map((r) => ({ seq: Number(r.seq), json: r.data as string })), hasMore };
  }

  async attemptSeq(account: string, id: string): Promise<number | undefined> {
    const row = await this.conn.get('SELECT seq FROM webhook_attempts WHERE account = ? AND id = ?', [account, id]);
    return row ? Number(row.seq) : undefined;
  }

  async balanceTotals(account: string): Promise<BalanceTotal[]> {
    const { jsonText, jsonNumber, jsonPathParam } = this.driver.dialect;
    const rows = await this.conn.all(
      `SELECT ${jsonText} AS currency, ${jsonText} AS status, SUM(${jsonNumber}) AS net FROM objects
       WHERE account = ? AND type = 'balance_transaction' AND deleted = 0 GROUP BY 1, 2`,
      [jsonPathParam(['currency']), jsonPathParam(['status']), jsonPathParam(['net']), account],
    );
    return rows.map((r) => ({ currency: r.currency as string, status: r.status as string, net: Number(r.net) }));
  }
}

/** `seq` of an object read back in the transaction that created it, before its row exists. */
const PROVISIONAL_SEQ = Number.MAX_SAFE_INTEGER;

const objectKey = (account: string, id: string) => `${account}\u0000${id}`;

function buffered(p: ObjectRowWrite, internal: string | null): StoredObject {
  const { account, id, type, created, json } = p;
  return { account, id, type, created, seq: PROVISIONAL_SEQ, deleted: false, json, internal };
}

class SqlTransaction extends SqlReader implements Transaction {
  /** Buffered object writes by (account, id), in the order they were first made. */
  private readonly objects = new Map<string, ObjectRowWrite>();
  private events: EventWrite[] = [];
  private deliveries: DeliveryWrite[] = [];
  private finishedDeliveries: DeliveryOutcome[] = [];
  private attempts: AttemptWrite[] = [];
  private jobs: JobWrite[] = [];
  private idempotency: WriteBatch['idempotency'] = [];
  private readonly callbacks: (() => void)[] = [];
  /** Delivery states read by `beginRequest`, by account. */
  private readonly delivery = new Map<string, DeliveryState>();

  /** Callbacks to run after COMMIT (read by SqlStore.transaction once the driver has committed). */
  get committed(): readonly (() => void)[] {
    return this.callbacks;
  }

  afterCommit(fn: () => void): void {
    this.callbacks.push(fn);
  }

  /**
   * Writes what is buffered, each row once, in one batch. Called before COMMIT, around savepoints,
   * and before any query that could read buffered rows by something other than an object's id
   * (lists, search, sums, events, deliveries), so those see this transaction's writes.
   */
  async flush(last = false): Promise<void> {
    if (
      this.objects.size === 0 &&
      this.events.length === 0 &&
      this.deliveries.length === 0 &&
      this.finishedDeliveries.length === 0 &&
      this.attempts.length === 0 &&
      this.jobs.length === 0 &&
      this.idempotency.length === 0
    ) {
      return;
    }
    const batch: WriteBatch = {
      objects: [...this.objects.values()],
      events: this.events,
      deliveries: this.deliveries,
      finishedDeliveries: this.finishedDeliveries,
      attempts: this.attempts,
      jobs: this.jobs,
      idempotency: this.idempotency,
    };
    this.discard();
    const result = this.driver.writeBatch
      ? await this.driver.writeBatch(this.conn, batch, last)
      : await writeRowByRow(this.conn, batch);
    if (result.missingUpdates.length > 0) {
      throw new Error(`updateObject: ${result.missingUpdates.join(', ')} does not exist`);
    }
    if (!result.idempotencySaved) throw new IdempotencyKeyTaken();
  }

  /** Drops what is buffered (a savepoint rolled back, or the batch is being written). */
  private discard(): void {
    this.objects.clear();
    this.events = [];
    this.deliveries = [];
    this.finishedDeliveries = [];
    this.attempts = [];
    this.jobs = [];
    this.idempotency = [];
  }

  override async getObject(account: string, id: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(objectKey(account, id));
    if (!o) return super.getObject(account, id);
    // An update that kept the stored private state reads the row for it.
    const internal = o.internal !== undefined ? o.internal : ((await super.getObject(account, id))?.internal ?? null);
    return buffered(o, internal);
  }

  async getObjectForUpdate(account: string, id: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(objectKey(account, id));
    // Inserted by this transaction: nobody else can see it, so there is nothing to lock.
    if (o?.insert) return buffered(o, o.internal ?? null);
    const row = await this.conn.get(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE account = ? AND id = ? ${this.driver.dialect.forUpdate}`,
      [account, id],
    );
    if (!row) return undefined;
    const stored = toObject(row);
    return o ? { ...stored, json: o.json, internal: o.internal !== undefined ? o.internal : stored.internal } : stored;
  }

  async insertObject(w: ObjectWrite): Promise<void> {
    const key = objectKey(w.account, w.id);
    if (this.objects.has(key)) throw new Error(`insertObject: ${w.id} was already written in this transaction`);
    // The JSON is taken now: callers go on using their objects (a response is expanded in place).
    this.objects.set(key, {
      account: w.account,
      id: w.id,
      type: w.type,
      created: w.created,
      json: JSON.stringify(w.data),
      internal: w.internal === undefined ? null : JSON.stringify(w.internal),
      fields: w.fields,
      insert: true,
      fieldsChanged: true,
    });
  }

  async updateObject(w: ObjectWrite): Promise<void> {
    const key = objectKey(w.account, w.id);
    const o = this.objects.get(key);
    const json = JSON.stringify(w.data);
    const internal = w.internal === undefined ? undefined : JSON.stringify(w.internal);
    if (!o) {
      this.objects.set(key, {
        account: w.account,
        id: w.id,
        type: w.type,
        created: w.created,
        json,
        internal,
        fields: w.fields,
        insert: false,
        fieldsChanged: w.fields !== undefined,
      });
      return;
    }
    o.json = json;
    if (internal !== undefined) o.internal = internal;
    if (w.fields !== undefined) {
      o.fields = w.fields;
      o.fieldsChanged = true;
    }
  }

  async markDeleted(account: string, id: string, tombstone: object): Promise<void> {
    await this.flush();
    const row = await this.conn.get(
      'UPDATE objects SET deleted = 1, data = ? WHERE account = ? AND id = ? RETURNING seq',
      [JSON.stringify(tombstone), account, id],
    );
    if (row) await this.conn.run('DELETE FROM object_fields WHERE seq = ?', [Number(row.seq)]);
  }

  override async listObjects(q: ListQuery): Promise<Page> {
    await this.flush();
    return super.listObjects(q);
  }

  override async searchObjects(q: SearchQuery): Promise<SearchPage> {
    await this.flush();
    return super.searchObjects(q);
  }

  override async balanceTotals(account: string): Promise<BalanceTotal[]> {
    await this.flush();
    return super.balanceTotals(account);
  }

  override async getEvent(account: string, id: string): Promise<StoredEvent | undefined> {
    await this.flush();
    return super.getEvent(account, id);
  }

  override async listEvents(q: EventQuery): Promise<{ rows: StoredEvent[]; hasMore: boolean }> {
    await this.flush();
    return super.listEvents(q);
  }

  override async pendingWebhooks(account: string, eventIds: string[]): Promise<Map<string, number>> {
    await this.flush();
    return super.pendingWebhooks(account, eventIds);
  }

  override async getIdempotency(account: string, key: string): Promise<IdempotencyRecord | undefined> {
    const own = this.idempotency.find(({ record }) => record.account === account && record.key === key);
    return own ? own.record : super.getIdempotency(account, key);
  }

  async saveIdempotency(record: IdempotencyRecord, expiredAtOrBefore: number): Promise<void> {
    this.idempotency.push({ record, expiredAtOrBefore });
  }

  async insertEvent(e: EventWrite): Promise<void> {
    this.events.push(e);
  }

  async insertDelivery(d: DeliveryWrite): Promise<void> {
    this.deliveries.push(d);
  }

  async beginRequest(account: string, idempotencyKey: string | undefined): Promise<IdempotencyRecord | undefined> {
    const row = await this.conn.get(
      `SELECT a.endpoints_version, a.webhooks_paused, ${IDEMPOTENCY_COLUMNS.split(', ')
        .map((c) => `i.${c}`)
        .join(', ')}
       FROM accounts a LEFT JOIN idempotency_keys i ON i.account = a.id AND i.key = ? WHERE a.id = ?`,
      [idempotencyKey ?? null, account],
    );
    this.delivery.set(account, toDeliveryState(row));
    return row?.key === null || row?.key === undefined ? undefined : toIdempotency(row);
  }

  async deliveryState(account: string): Promise<DeliveryState> {
    const primed = this.delivery.get(account);
    if (primed) return primed;
    const row = await this.conn.get('SELECT endpoints_version, webhooks_paused FROM accounts WHERE id = ?', [account]);
    return toDeliveryState(row);
  }

  async bumpEndpointsVersion(account: string): Promise<void> {
    await this.conn.run('UPDATE accounts SET endpoints_version = endpoints_version + 1 WHERE id = ?', [account]);
  }

  async claimUndispatchedEvents(limit: number): Promise<StoredEvent[]> {
    const rows = await this.conn.all(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE dispatched = 0 ORDER BY seq LIMIT ? ${this.driver.dialect.forUpdateSkipLocked}`,
      [limit],
    );
    return rows.map(toEvent);
  }

  async markDispatched(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.conn.run(`UPDATE events SET dispatched = 1 WHERE seq IN (${seqs.map(() => '?').join(', ')})`, seqs);
  }

  async claimDeliveries(
    nowMs: number,
    limit: number,
    leaseUntilMs: number,
    skipEndpoints: string[],
  ): Promise<Delivery[]> {
    await this.flush();
    const skip = skipEndpoints.length > 0 ? `AND endpoint_id NOT IN (${skipEndpoints.map(() => '?').join(', ')})` : '';
    const rows = await this.conn.all(
      `SELECT seq, account, event_seq, event_id, endpoint_id, status, attempts FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= ? ${skip} ORDER BY next_attempt_at, seq LIMIT ?
       ${this.driver.dialect.forUpdateSkipLocked}`,
      [nowMs, ...skipEndpoints, limit],
    );
    const claimed = rows.map(toDelivery);
    // Their events in one query rather than one each.
    if (claimed.length > 0) {
      const events = await this.conn.all(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE seq IN (${claimed.map(() => '?').join(', ')})`,
        claimed.map((d) => d.eventSeq),
      );
      const bySeq = new Map(events.map((r) => [Number(r.seq), toEvent(r)]));
      for (const d of claimed) {
        const event = bySeq.get(d.eventSeq);
        if (event) d.event = event;
      }
    }
    if (claimed.length > 0) {
      await this.conn.run(
        `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq IN (${claimed.map(() => '?').join(', ')})`,
        [leaseUntilMs, ...claimed.map((d) => d.seq)],
      );
    }
    return claimed;
  }

  async finishDelivery(outcome: DeliveryOutcome): Promise<void> {
    this.finishedDeliveries.push(outcome);
  }

  async requeueDeliveries(seqs: number[], dueAtMs: number): Promise<void> {
    if (seqs.length === 0) return;
    await this.conn.run(
      `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq IN (${seqs.map(() => '?').join(', ')})`,
      [dueAtMs, ...seqs],
    );
  }

  async releaseDeliveries(account: string, parkedAtMs: number, nowMs: number): Promise<void> {
    await this.flush();
    await this.conn.run(
      "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE account = ? AND status = 'pending' AND next_attempt_at >= ?",
      [nowMs, account, parkedAtMs],
    );
  }

  async insertAttempt(a: AttemptWrite): Promise<void> {
    this.attempts.push(a);
  }

  async lockAccount(account: string): Promise<void> {
    await this.conn.get(`SELECT id FROM accounts WHERE id = ? ${this.driver.dialect.forUpdate}`, [account]);
  }

  async scheduleJob(j: JobWrite): Promise<void> {
    this.jobs.push(j);
  }

  async jobsFor(account: string, target: string): Promise<Job[]> {
    await this.flush();
    const rows = await this.conn.all(`SELECT ${JOB_COLUMNS} FROM jobs WHERE account = ? AND target = ?`, [
      account,
      target,
    ]);
    return rows.map(toJob);
  }

  async claimDueJobs(realNow: number, limit: number): Promise<Job[]> {
    await this.flush();
    const rows = await this.conn.all(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE run_at <= ? ORDER BY run_at, seq LIMIT ? ${this.driver.dialect.forUpdateSkipLocked}`,
      [realNow, limit],
    );
    return rows.map(toJob);
  }

  async claimClockJobs(account: string, clock: string, upTo: number, limit: number): Promise<Job[]> {
    await this.flush();
    // FOR UPDATE, not SKIP LOCKED: one advance at a time runs a clock, and skipping a row would
    // break the (due_at, seq) order.
    const rows = await this.conn.all(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE account = ? AND clock = ? AND due_at <= ?
       ORDER BY due_at, seq LIMIT ? ${this.driver.dialect.forUpdate}`,
      [account, clock, upTo, limit],
    );
    return rows.map(toJob);
  }

  async deleteClockJobs(account: string, clock: string): Promise<number> {
    await this.flush();
    return (await this.conn.run('DELETE FROM jobs WHERE account = ? AND clock = ?', [account, clock])).changes;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    // Whatever is buffered belongs to the transaction before the savepoint: write it first, so a
    // rollback to the savepoint discards exactly the savepoint's own writes and callbacks.
    await this.flush();
    const callbacks = this.callbacks.length;
    await this.conn.run('SAVEPOINT nested');
    try {
      const result = await fn();
      await this.flush();
      await this.conn.run('RELEASE SAVEPOINT nested');
      return result;
    } catch (err) {
      this.discard();
      this.callbacks.length = callbacks;
      await this.conn.run('ROLLBACK TO SAVEPOINT nested');
      await this.conn.run('RELEASE SAVEPOINT nested');
      throw err;
    }
  }

  async deleteJob(seq: number): Promise<void> {
    await this.conn.run('DELETE FROM jobs WHERE seq = ?', [seq]);
  }

  async retryJob(seq: number, dueAt: number): Promise<void> {
    await this.conn.run(
      `UPDATE jobs SET due_at = ?,
       run_at = CASE WHEN clock IS NULL THEN ? - (SELECT clock_offset FROM accounts WHERE id = jobs.account) ELSE run_at END,
       attempts = attempts + 1 WHERE seq = ?`,
      [dueAt, dueAt, seq],
    );
  }
}

export class SqlStore extends SqlReader implements Store {
  constructor(driver: Driver) {
    super(driver, driver);
  }

  get kind() {
    return this.driver.kind;
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let tx: SqlTransaction | undefined;
    const result = await this.driver.transaction(async (conn) => {
      tx = new SqlTransaction(conn, this.driver);
      const value = await fn(tx);
      await tx.flush(true);
      return value;
    });
    for (const callback of tx?.committed ?? []) callback();
    return result;
  }

  async accountForSuffix(suffix: string, now: number): Promise<Account> {
    const existing = await this.driver.get(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE key_suffix = ?`, [suffix]);
    if (existing) return toAccount(existing);
    // Two first requests with a new key may race; the unique suffix makes one insert win.
    await this.driver.run(
      `INSERT INTO accounts (id, key_suffix, created, country, default_currency) VALUES (?, ?, ?, 'US', 'usd')
       ON CONFLICT (key_suffix) DO NOTHING`,
      [newId('acct', 16), suffix, now],
    );
    const row = await this.driver.get(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE key_suffix = ?`, [suffix]);
    if (!row) throw new Error('account insert vanished');
    return toAccount(row);
  }

  async updateAccount(id: string, settings: AccountSettings): Promise<Account> {
    const row = await this.driver.transaction(async (conn) => {
      const updated = await conn.get(
        `UPDATE accounts SET country = ?, default_currency = ?, pricing = ?, clock_offset = ?, webhooks_paused = ?
         WHERE id = ? RETURNING ${ACCOUNT_COLUMNS}`,
        [
          settings.country,
          settings.defaultCurrency,
          settings.pricing ? JSON.stringify(settings.pricing) : null,
          settings.clockOffset,
          settings.webhooksPaused ? 1 : 0,
          id,
        ],
      );
      // The account's jobs fall due in real time by its clock: moving the clock moves them.
      // Test clocks' jobs keep their place: they follow their own clock, not the account's.
      await conn.run(
        'UPDATE jobs SET run_at = due_at - ? WHERE account = ? AND run_at <> due_at - ? AND clock IS NULL',
        [settings.clockOffset, id, settings.clockOffset],
      );
      return updated;
    });
    if (!row) throw new Error(`updateAccount: ${id} does not exist`);
    return toAccount(row);
  }

  async nextJobDue(): Promise<number | undefined> {
    // Test clocks' jobs (run_at = CLOCK_JOB_RUN_AT) are not due in real time: the index skips them.
    const row = await this.driver.get('SELECT MIN(run_at) AS due FROM jobs WHERE run_at < ?', [CLOCK_JOB_RUN_AT]);
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  async releaseStrandedDeliveries(parkedAtMs: number, nowMs: number): Promise<number> {
    const { changes } = await this.driver.run(
      `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at >= ?
       AND account IN (SELECT id FROM accounts WHERE webhooks_paused = 0)`,
      [nowMs, parkedAtMs],
    );
    return changes;
  }

  async saveApiKey(r: ApiKeyRecord, now: number): Promise<void> {
    await this.driver.run('INSERT INTO api_keys (hash, account, kind, created) VALUES (?, ?, ?, ?)', [
      r.hash,
      r.account,
      r.kind,
      now,
    ]);
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.driver.get('SELECT hash, account, kind FROM api_keys WHERE hash = ?', [hash]);
    return row && { hash: row.hash as string, account: row.account as string, kind: row.kind as KeyKind };
  }

  async deleteEventsBefore(created: number): Promise<number> {
    return this.driver.transaction(async (conn) => {
      const old = 'SELECT account, id FROM events WHERE created < ?';
      await conn.run(`DELETE FROM webhook_attempts WHERE (account, event_id) IN (${old})`, [created]);
      await conn.run(`DELETE FROM webhook_deliveries WHERE (account, event_id) IN (${old})`, [created]);
      return (await conn.run('DELETE FROM events WHERE created < ?', [created])).changes;
    });
  }

  async deleteIdempotencyBefore(created: number): Promise<number> {
    return (await this.driver.run('DELETE FROM idempotency_keys WHERE created < ?', [created])).changes;
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
