/**
 * Writing a transaction's buffered batch (see `Transaction` in store.ts): a statement per row, the
 * cheapest way in process (SQLite), and the row-level field rewrite every back end uses.
 */
import type { Connection, ObjectRowWrite, WriteBatch, WriteBatchResult } from './driver.js';
import { CLOCK_JOB_RUN_AT } from './migrations.js';

/**
 * Writes a batch a statement per row: the cheapest way in process (SQLite), where a statement costs
 * microseconds and no round trip. Objects first (in order, so their `seq` keeps it), then events,
 * their deliveries, and the idempotent response.
 */
export async function writeRowByRow(conn: Connection, batch: WriteBatch): Promise<WriteBatchResult> {
  const missingUpdates: string[] = [];
  for (const o of batch.objects) {
    if (o.insert) {
      const row = await conn.get(
        'INSERT INTO objects (account, id, type, created, deleted, data, internal) VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING seq',
        [o.account, o.id, o.type, o.created, o.json, o.internal ?? null],
      );
      await insertFields(conn, o, Number(row?.seq));
      continue;
    }
    const row =
      o.internal !== undefined
        ? await conn.get('UPDATE objects SET data = ?, internal = ? WHERE account = ? AND id = ? RETURNING seq', [
            o.json,
            o.internal,
            o.account,
            o.id,
          ])
        : await conn.get('UPDATE objects SET data = ? WHERE account = ? AND id = ? RETURNING seq', [
            o.json,
            o.account,
            o.id,
          ]);
    if (!row) missingUpdates.push(o.id);
    else if (o.fieldsChanged) await rewriteFields(conn, o, Number(row.seq));
  }
  const eventSeqs = new Map<string, number>();
  for (const e of batch.events) {
    const row = await conn.get(
      'INSERT INTO events (account, id, type, created, data, dispatched) VALUES (?, ?, ?, ?, ?, 1) RETURNING seq',
      [e.account, e.id, e.type, e.created, e.json],
    );
    eventSeqs.set(e.id, Number(row?.seq));
  }
  for (const d of batch.deliveries) {
    // The event is in this batch, or was written by an earlier flush of the same transaction.
    const eventSeq = d.eventSeq ?? eventSeqs.get(d.eventId);
    await conn.run(
      `INSERT INTO webhook_deliveries (account, event_seq, event_id, endpoint_id, status, attempts, next_attempt_at)
       VALUES (?, ${eventSeq === undefined ? '(SELECT seq FROM events WHERE account = ? AND id = ?)' : '?'}, ?, ?, 'pending', 0, ?)`,
      eventSeq === undefined
        ? [d.account, d.account, d.eventId, d.eventId, d.endpointId, d.dueAtMs]
        : [d.account, eventSeq, d.eventId, d.endpointId, d.dueAtMs],
    );
  }
  for (const f of batch.finishedDeliveries) {
    await conn.run('UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE seq = ?', [
      f.status,
      f.attempts,
      f.nextAttemptAtMs,
      f.seq,
    ]);
  }
  for (const a of batch.attempts) {
    await conn.run('INSERT INTO webhook_attempts (account, id, event_id, endpoint_id, data) VALUES (?, ?, ?, ?, ?)', [
      a.account,
      a.id,
      a.eventId,
      a.endpointId,
      JSON.stringify(a.data),
    ]);
  }
  for (const j of batch.jobs) {
    // run_at is the real time it is due at (the account's clock runs ahead by its offset); a test
    // clock's job is never due in real time (CLOCK_JOB_RUN_AT).
    await conn.run(
      `INSERT INTO jobs (account, due_at, run_at, kind, target, payload, clock)
       SELECT ?, ?, ${j.clock ? CLOCK_JOB_RUN_AT : '? - (SELECT clock_offset FROM accounts WHERE id = ?)'}, ?, ?, ?, ?
       WHERE ? = 0 OR NOT EXISTS (SELECT 1 FROM jobs WHERE account = ? AND target = ? AND clock IS ?)`,
      [
        j.account,
        j.dueAt,
        ...(j.clock ? [] : [j.dueAt, j.account]),
        j.kind,
        j.target,
        JSON.stringify(j.payload),
        j.clock ?? null,
        j.once ? 1 : 0,
        j.account,
        j.target,
        j.clock ?? null,
      ],
    );
  }
  let idempotencySaved = true;
  for (const { record: r, expiredAtOrBefore } of batch.idempotency) {
    const { changes } = await conn.run(SAVE_IDEMPOTENCY, [
      r.account,
      r.key,
      r.created,
      r.fingerprint,
      r.requestId,
      r.status,
      JSON.stringify(r.headers),
      r.body,
      expiredAtOrBefore,
    ]);
    if (changes === 0) idempotencySaved = false;
  }
  return { missingUpdates, idempotencySaved };
}

// An expired record for the same key is replaced; a live one means another request won the key.
const SAVE_IDEMPOTENCY = `INSERT INTO idempotency_keys (account, key, created, fingerprint, request_id, status, headers, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (account, key) DO UPDATE SET created = excluded.created, fingerprint = excluded.fingerprint,
    request_id = excluded.request_id, status = excluded.status, headers = excluded.headers, body = excluded.body
  WHERE idempotency_keys.created <= ?`;

async function insertFields(conn: Connection, o: ObjectRowWrite, seq: number): Promise<void> {
  for (const [field, value] of Object.entries(o.fields ?? {})) {
    if (value === null) continue;
    await conn.run('INSERT INTO object_fields (account, type, field, value, created, seq) VALUES (?, ?, ?, ?, ?, ?)', [
      o.account,
      o.type,
      field,
      value,
      o.created,
      seq,
    ]);
  }
}

/**
 * Brings an object's indexed fields up to date, writing only when one changed: most updates (a
 * status, an amount) leave them as they were, and a read is cheaper than a delete and re-inserts.
 */
export async function rewriteFields(conn: Connection, o: ObjectRowWrite, seq: number): Promise<void> {
  const stored = await conn.all('SELECT field, value FROM object_fields WHERE seq = ?', [seq]);
  const wanted = Object.entries(o.fields ?? {}).filter(([, v]) => v !== null);
  const same =
    stored.length === wanted.length &&
    wanted.every(([field, value]) => stored.some((r) => r.field === field && r.value === value));
  if (same) return;
  await conn.run('DELETE FROM object_fields WHERE seq = ?', [seq]);
  await insertFields(conn, o, seq);
}
