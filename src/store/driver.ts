/**
 * The small seam between the shared SQL (sql-store.ts) and a database engine. A back end supplies a
 * connection that runs `?`-placeholder SQL, a transaction, and a dialect: the few expressions that
 * differ (JSON access, row locks). Everything else — the queries themselves — is
 * written once.
 */

export type SqlValue = string | number | null | string[];
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

export interface Driver extends Connection {
  readonly kind: 'sqlite' | 'postgres';
  readonly dialect: Dialect;
  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
