/**
 * The small seam between the shared SQL (sql-store.ts) and a database engine. A back end supplies a
 * connection that runs `?`-placeholder SQL, a transaction, and a dialect: the few expressions that
 * differ (JSON access, row locks). Everything else — the queries themselves — is
 * written once.
 */

import type {
  AttemptWrite,
  DeliveryOutcome,
  DeliveryWrite,
  EventWrite,
  IdempotencyRecord,
  IndexedFields,
  JobWrite,
} from './store.js';

export type SqlValue = string | number | null | string[] | (string | number | null | boolean)[];
export type Row = Record<string, unknown>;

export interface Connection {
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  get(sql: string, params?: SqlValue[]): Promise<Row | undefined>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

export interface Dialect {
  /** Text at a JSON path (`?` receives the value of `jsonPathParam`). */
  jsonText: string;
  /** Number at a JSON path. */
  jsonNumber: string;
  /** The bound value for a JSON path given as keys. */
  jsonPathParam(path: string[]): SqlValue;
  /** `FOR UPDATE` where the engine has row locks, '' otherwise. */
  forUpdate: string;
  /** `FOR UPDATE SKIP LOCKED` where rows can be locked, so nodes sharing a database take different jobs. */
  forUpdateSkipLocked: string;
}

/** An object row to write (see `WriteBatch`). */
export interface ObjectRowWrite {
  account: string;
  id: string;
  type: string;
  created: number;
  json: string;
  /** Private state; undefined (on an update) keeps the row's. */
  internal: string | null | undefined;
  fields: IndexedFields | undefined;
  /** A new row (INSERT) or an existing one (UPDATE). */
  insert: boolean;
  /** On an update: the indexed fields must be rewritten. */
  fieldsChanged: boolean;
}

/** Everything a transaction buffered, written together (see `Transaction`). */
export interface WriteBatch {
  /** In the order they were first written, which their `seq` keeps. */
  objects: ObjectRowWrite[];
  events: EventWrite[];
  deliveries: DeliveryWrite[];
  /** Deliveries' new states (an attempt recorded, a lease given back). */
  finishedDeliveries: DeliveryOutcome[];
  attempts: AttemptWrite[];
  jobs: JobWrite[];
  /** Stored responses (one per request; a transaction of its own may save several). */
  idempotency: { record: IdempotencyRecord; expiredAtOrBefore: number }[];
}

/** What writing a batch found. */
export interface WriteBatchResult {
  /** Updates whose row does not exist (a bug in the caller). */
  missingUpdates: string[];
  /** False when a live record held an idempotency key (another request stored it first). */
  idempotencySaved: boolean;
}

export interface Driver extends Connection {
  readonly kind: 'sqlite' | 'postgres';
  readonly dialect: Dialect;
  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  /**
   * Writes a whole batch in few round trips, where statements cost a round trip each (PostgreSQL).
   * Without it, the shared SQL writes the batch a row at a time, which is cheapest in process (SQLite).
   * `last`: nothing follows it in the transaction but the commit.
   */
  writeBatch?(conn: Connection, batch: WriteBatch, last: boolean): Promise<WriteBatchResult>;
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
