/**
 * The store interface: everything the platform and the domain services may ask of the database.
 * Two back ends implement it (SQLite, embedded and default; PostgreSQL, for scale-out) and one
 * contract suite (test/contract) runs against both.
 *
 * Objects are kept as their canonical JSON (the newest API version's shape) plus the columns that
 * lists, filters and search need. Every table is keyed by account first, so tenant isolation is
 * structural. Writes happen only inside `transaction`, which commits object rows, idempotency
 * records (and later event rows) together or not at all.
 */

export interface StoredObject {
  account: string;
  id: string;
  type: string;
  created: number;
  /** Insertion sequence; breaks ties between objects created in the same second. */
  seq: number;
  deleted: boolean;
  /** The object's JSON text, exactly as stored. */
  json: string;
  /** Server-only state kept beside the object (JSON text), never part of a response. */
  internal: string | null;
}

/** Values of the secondary indexed fields an object type declares (e.g. a customer's `email`). */
export type IndexedFields = Record<string, string | null>;

export interface ObjectWrite {
  account: string;
  id: string;
  type: string;
  created: number;
  data: object;
  fields?: IndexedFields;
  /** Server-only state; on update, `undefined` keeps what is stored. */
  internal?: object;
}

export interface Cursor {
  created: number;
  seq: number;
}

export interface CreatedRange {
  gt?: number | null;
  gte?: number | null;
  lt?: number | null;
  lte?: number | null;
}

export interface ListQuery {
  account: string;
  type: string;
  /** Page size; the store fetches one more row to answer `has_more`. */
  limit: number;
  /** Objects strictly older than this cursor (`starting_after`). */
  after?: Cursor;
  /** Objects strictly newer than this cursor (`ending_before`); results are still newest first. */
  before?: Cursor;
  created?: CreatedRange;
  /** Equality filters on indexed fields. */
  equals?: Record<string, string>;
  /** Only objects without a value for these indexed fields (customers on no test clock). */
  absent?: string[];
}

export interface Page {
  rows: StoredObject[];
  hasMore: boolean;
}

// ---- search: the platform parses Stripe's query language into this tree; each back end compiles it ----

/** Where a searchable field lives: the `created` column or a path into the JSON. */
export type SearchTarget = { column: 'created' } | { json: string[]; numeric: boolean };

export type SearchClause =
  /** Case-insensitive equality; with `phrase`, also the value's words in order within the field's words. */
  | { op: 'eq'; target: SearchTarget; value: string; phrase: boolean; negate: boolean }
  | { op: 'contains'; target: SearchTarget; value: string; negate: boolean }
  | { op: 'null'; target: SearchTarget; negate: boolean }
  | { op: 'lt' | 'lte' | 'gt' | 'gte' | 'num_eq'; target: SearchTarget; value: number; negate: boolean };

export interface SearchQuery {
  account: string;
  type: string;
  join: 'and' | 'or';
  clauses: SearchClause[];
  limit: number;
  after?: Cursor;
  withTotalCount: boolean;
}

export interface SearchPage extends Page {
  totalCount?: number;
}

// ---- events and webhook deliveries ----

export interface StoredEvent {
  account: string;
  id: string;
  type: string;
  created: number;
  seq: number;
  json: string;
}

/** An event as `insertEvent` takes it: already serialised, once, by the outbox. */
export interface EventWrite {
  account: string;
  id: string;
  type: string;
  created: number;
  json: string;
}

/** A delivery of an event to an endpoint, due at `dueAtMs` (real time). */
export interface DeliveryWrite {
  account: string;
  eventId: string;
  /** The event's row; omitted for an event written in the same transaction (resolved when written). */
  eventSeq?: number;
  endpointId: string;
  dueAtMs: number;
}

/** A delivery's state after an attempt (or after a claim gave it back). */
export interface DeliveryOutcome {
  seq: number;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAtMs: number;
}

/** One POST to an endpoint, as `GET /sandbank/v1/webhook_attempts` shows it. */
export interface AttemptWrite {
  account: string;
  id: string;
  eventId: string;
  endpointId: string;
  data: object;
}

/** What an account's event fan-out needs, read in the writing transaction (see `deliveryState`). */
export interface DeliveryState {
  /** Bumped by every change to the account's webhook endpoints; 0 when it never had any. */
  endpointsVersion: number;
  /** Delivery paused (`POST /sandbank/v1/webhooks/pause`): new deliveries are parked. */
  paused: boolean;
}

export interface EventQuery {
  account: string;
  limit: number;
  after?: Cursor;
  before?: Cursor;
  created?: CreatedRange;
  /** Exact types and `prefix.` matches (from `charge.*`); none means all. */
  types?: { exact: string[]; prefixes: string[] };
  /** true: delivered to every endpoint; false: some delivery pending or failed. */
  deliverySuccess?: boolean;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface Delivery {
  seq: number;
  account: string;
  eventSeq: number;
  eventId: string;
  endpointId: string;
  status: DeliveryStatus;
  /** Attempts made before this one. */
  attempts: number;
  /** The event, read with the claim (undefined if it is gone). */
  event?: StoredEvent;
}

export interface AttemptQuery {
  account: string;
  eventId?: string;
  endpointId?: string;
  /** Attempts recorded after this one (its `seq`), oldest first. */
  afterSeq?: number;
  limit: number;
}

// ---- idempotency ----

export interface IdempotencyRecord {
  account: string;
  key: string;
  created: number;
  fingerprint: string;
  requestId: string;
  status: number;
  /** Response headers that must be replayed, e.g. `Stripe-Version`. */
  headers: Record<string, string>;
  body: string;
}

// ---- accounts and keys ----

export interface Account {
  id: string;
  created: number;
  country: string;
  defaultCurrency: string;
  /** Custom (volume) card pricing that replaces the standard table, or null. */
  pricing: { percent: number; fixed: number } | null;
  /** Seconds the account's clock runs ahead of real time (time travel for tests). */
  clockOffset: number;
  /** Webhook delivery is paused: events queue, nothing is sent. */
  webhooksPaused: boolean;
}

export type AccountSettings = Pick<
  Account,
  'country' | 'defaultCurrency' | 'pricing' | 'clockOffset' | 'webhooksPaused'
>;

// ---- scheduled work ----

export interface JobWrite {
  account: string;
  /** Unix seconds on the account's clock. */
  dueAt: number;
  /** Which handler runs it, e.g. `balance.release`. */
  kind: string;
  /** What it acts on (an object id or a grouping key), so jobs can be found and cancelled. */
  target: string;
  payload: object;
  /**
   * Not written if a job for the same account and target is already scheduled on the same clock (one
   * per grouping key and clock: the account's, or a test clock's).
   */
  once?: boolean;
  /** The test clock (`clock_…`) that owns it: it runs when that clock is advanced, never in real time. */
  clock?: string;
}

export interface Job extends JobWrite {
  seq: number;
  attempts: number;
}

export interface BalanceTotal {
  currency: string;
  status: string;
  /** Sum of `net` over the balance transactions in this currency and status, in minor units. */
  net: number;
}

export type KeyKind = 'secret' | 'publishable' | 'restricted';

export interface ApiKeyRecord {
  /** SHA-256 hex of the full key; keys themselves are never stored. */
  hash: string;
  account: string;
  kind: KeyKind;
}

export interface Reader {
  getObject(account: string, id: string): Promise<StoredObject | undefined>;
  listObjects(query: ListQuery): Promise<Page>;
  searchObjects(query: SearchQuery): Promise<SearchPage>;
  getIdempotency(account: string, key: string): Promise<IdempotencyRecord | undefined>;
  getAccount(id: string): Promise<Account | undefined>;
  /** Net amounts of an account's balance transactions, summed per currency and status. */
  balanceTotals(account: string): Promise<BalanceTotal[]>;
  getEvent(account: string, id: string): Promise<StoredEvent | undefined>;
  listEvents(query: EventQuery): Promise<{ rows: StoredEvent[]; hasMore: boolean }>;
  /** For each event id, how many of its deliveries have not succeeded yet. */
  pendingWebhooks(account: string, eventIds: string[]): Promise<Map<string, number>>;
  listAttempts(query: AttemptQuery): Promise<{ rows: { seq: number; json: string }[]; hasMore: boolean }>;
  attemptSeq(account: string, id: string): Promise<number | undefined>;
}

/**
 * A write transaction. Writes — objects, events, deliveries, the idempotent response — are buffered
 * and reach the database together at commit (or before a query that must see them): an object
 * inserted and then changed in the same transaction — a PaymentMethod consumed by the payment that
 * made it, a charge settled in its own request — costs one row write, not two, and a back end may
 * write the whole batch in one round trip (PostgreSQL). Reads of a buffered object see its buffered
 * state.
 */
export interface Transaction extends Reader {
  /** Reads and locks the row until commit (PostgreSQL `FOR UPDATE`; SQLite has one writer anyway). */
  getObjectForUpdate(account: string, id: string): Promise<StoredObject | undefined>;
  /**
   * Buffers a new object. Its `seq` is assigned when the row is written: an object read back in the
   * transaction that created it carries a provisional `seq` (never used: cursors come from reads).
   */
  insertObject(write: ObjectWrite): Promise<void>;
  /** Buffers a change; `fields` undefined keeps the indexed fields, `internal` undefined the private state. */
  updateObject(write: ObjectWrite): Promise<void>;
  /** Marks the object deleted: it leaves lists and search, but retrieval still finds it. */
  markDeleted(account: string, id: string, tombstone: object): Promise<void>;
  /**
   * Stores the response for a key, replacing a record created at or before `expiredAtOrBefore`
   * (the same boundary `isLive` uses). The transaction (at commit, or here) throws
   * `IdempotencyKeyTaken` if a live record exists: another request stored this key first.
   */
  saveIdempotency(record: IdempotencyRecord, expiredAtOrBefore: number): Promise<void>;
  /**
   * Serialises money-moving work on an account until commit (PostgreSQL locks its row; SQLite has
   * one writer anyway), so two payouts cannot both spend the same balance.
   */
  lockAccount(account: string): Promise<void>;
  /** Buffers a job (written with the transaction's other writes). */
  scheduleJob(job: JobWrite): Promise<void>;
  /** Jobs already scheduled for a target (to avoid scheduling one twice). */
  jobsFor(account: string, target: string): Promise<Job[]>;
  /**
   * Up to `limit` jobs due on their accounts' clocks (`realNow` plus each account's offset), oldest
   * first, locked until commit; other nodes skip them.
   */
  claimDueJobs(realNow: number, limit: number): Promise<Job[]>;
  /**
   * Runs `fn` so that if it throws, only its own writes are undone and the transaction goes on (a
   * SQL savepoint): one failing job must not take the others of its batch with it.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Up to `limit` of a test clock's jobs due at or before `upTo` on that clock, in (due_at, seq)
   * order, locked until commit: the next batch of an advance (they never run in real time).
   */
  claimClockJobs(account: string, clock: string, upTo: number, limit: number): Promise<Job[]>;
  /** Removes every job of a test clock (the clock was deleted); resolves with how many. */
  deleteClockJobs(account: string, clock: string): Promise<number>;
  /** Removes a job (done, or cancelled). */
  deleteJob(seq: number): Promise<void>;
  /** Moves a failed job later and counts the attempt. */
  retryJob(seq: number, dueAt: number): Promise<void>;
  /** Buffers an event row; the fan-out to endpoints happens in the same transaction (events/outbox.ts). */
  insertEvent(event: EventWrite): Promise<void>;
  /**
   * What an API request's transaction reads first, in one query: the response stored for its
   * idempotency key (if it has one), and the account's delivery state, which `deliveryState` then
   * answers without a query of its own. On PostgreSQL that is one round trip instead of two.
   */
  beginRequest(account: string, idempotencyKey: string | undefined): Promise<IdempotencyRecord | undefined>;
  /** The account's webhook state, read in this transaction so the fan-out agrees with committed endpoints. */
  deliveryState(account: string): Promise<DeliveryState>;
  /** Marks the account's endpoint set changed (in the transaction that changes it), for every node's cache. */
  bumpEndpointsVersion(account: string): Promise<void>;
  /**
   * Events written before fan-out moved into the writing transaction (databases from version 3),
   * oldest first, locked (other nodes skip them).
   */
  claimUndispatchedEvents(limit: number): Promise<StoredEvent[]>;
  markDispatched(seqs: number[]): Promise<void>;
  insertDelivery(d: DeliveryWrite): Promise<void>;
  /**
   * Pending deliveries due at `nowMs`, oldest first, leased until `leaseUntilMs` (another claim
   * skips them until then, so a delivery lost with a crashed server is retried after the lease).
   */
  claimDeliveries(nowMs: number, limit: number, leaseUntilMs: number, skipEndpoints: string[]): Promise<Delivery[]>;
  /** Buffers a delivery's new state. */
  finishDelivery(outcome: DeliveryOutcome): Promise<void>;
  /** Gives claimed deliveries back, due at `dueAtMs` (a claim brought more than there were free slots). */
  requeueDeliveries(seqs: number[], dueAtMs: number): Promise<void>;
  /** Makes an account's deliveries parked (at or after `parkedAtMs`, during a pause) due at `nowMs`. */
  releaseDeliveries(account: string, parkedAtMs: number, nowMs: number): Promise<void>;
  /** Buffers an attempt's record. */
  insertAttempt(a: AttemptWrite): Promise<void>;
  /**
   * Runs `fn` once this transaction has committed (never if it rolls back, or if the savepoint that
   * registered it rolls back): how a write wakes the webhook worker or the scheduler without waking
   * them for writes that produced no work.
   */
  afterCommit(fn: () => void): void;
}

export interface Store extends Reader {
  readonly kind: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** The account for an open-mode key suffix, created on first sight. */
  accountForSuffix(suffix: string, now: number): Promise<Account>;
  updateAccount(id: string, settings: AccountSettings): Promise<Account>;
  /** When (in real time) the next job is due, if any (lets the scheduler sleep until then). */
  nextJobDue(): Promise<number | undefined>;
  /** Parked deliveries of accounts that are not paused (a resume that raced a write) become due at `nowMs`. */
  releaseStrandedDeliveries(parkedAtMs: number, nowMs: number): Promise<number>;
  saveApiKey(record: ApiKeyRecord, now: number): Promise<void>;
  findApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  deleteIdempotencyBefore(created: number): Promise<number>;
  /** Retention: drops events created before `created`, with their deliveries and attempts. */
  deleteEventsBefore(created: number): Promise<number>;
  close(): Promise<void>;
}

/** Raised by `saveIdempotency` when a concurrent request (maybe on another node) stored the key first. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key already stored');
  }
}
