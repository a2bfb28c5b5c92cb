/**
 * The request log behind `sandbank logs tail`: the recent API requests of each account, in memory (a
 * restart forgets them, as a log tail should), read oldest first by `GET /sandbank/v1/requests`.
 *
 * Memory is bounded however many accounts there are (open mode makes one per key, so a client
 * cycling keys makes unlimited accounts): at most `perAccount` entries per account, and across all
 * accounts at most `maxEntries` entries and `maxBytes` bytes (an estimate: a fixed overhead per entry
 * plus two bytes per character of its strings), the oldest entries of the whole server going first.
 * Each kept string is cut to a sane length and copied, so an entry never pins the request's full URL
 * (a slice of a string can keep its whole parent alive). Bodies are never kept; paths and keys
 * arrive with card numbers masked (`platform/http.ts`).
 *
 * Reading the log is not logged: otherwise every poll of a tailer would add the line it prints next.
 * `GET /sandbank/v1/webhook_attempts` is left out for the same reason (`sandbank listen` polls it
 * four times a second); the Stripe CLI's equivalents travel over a websocket and never appear in
 * Stripe's request logs either.
 */
import { resourceMissing } from '../platform/errors.js';
import { type Json, type Operation, readOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';

export interface RequestLogRecord {
  account: string;
  /** The request id (`req_…`), as in the `Request-Id` header. */
  id: string;
  /** Unix seconds. */
  created: number;
  method: string;
  /** Without the query string; at most `MAX_PATH_CHARS` characters. */
  path: string;
  status: number;
  /** At most `MAX_KEY_CHARS` characters. */
  idempotencyKey: string | undefined;
  durationMs: number;
}

export interface RequestLogLimits {
  /** Entries kept per account: how far back one account's tail reaches. */
  perAccount: number;
  /** Entries kept across all accounts. */
  maxEntries: number;
  /** Estimated bytes of the entries kept across all accounts, strings included. */
  maxBytes: number;
}

export const REQUEST_LOG_CAPACITY = 1000;

/** About 6 MB for 20,000 typical entries; 16 MiB even when every path is as long as is kept. */
export const DEFAULT_REQUEST_LOG_LIMITS: RequestLogLimits = {
  perAccount: REQUEST_LOG_CAPACITY,
  maxEntries: 20_000,
  maxBytes: 16 * 1024 * 1024,
};

/** Longer paths are cut (with `…`): Stripe's longest paths with their ids are well under this. */
export const MAX_PATH_CHARS = 512;
/** Stripe's longest idempotency key; a longer one was refused, and is logged cut. */
export const MAX_KEY_CHARS = 255;
/** The entry object, its numbers and its string headers, roughly, in V8. */
const ENTRY_OVERHEAD_BYTES = 200;

const REQUEST_OBJECT = 'sandbank.request';
const REQUESTS_PATH = '/sandbank/v1/requests';

/** Reads that tools poll, never logged (see the file comment). */
const UNLOGGED_GETS = new Set([REQUESTS_PATH, '/sandbank/v1/webhook_attempts']);

/** A first-in first-out queue with O(1) push, shift and indexing. */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front now and then, so the array does not grow with everything ever pushed.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** The `i`-th oldest item. */
  at(i: number): T {
    return this.items[this.head + i] as T;
  }
}

interface Kept extends RequestLogRecord {
  bytes: number;
}

/** A copy of `s` cut to `max` characters that shares no memory with the original (see the file comment). */
function kept(s: string, max: number): string {
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return Buffer.from(cut, 'utf8').toString('utf8');
}

export interface RequestPage {
  data: RequestLogRecord[];
  hasMore: boolean;
}

export class RequestLog {
  private readonly limits: RequestLogLimits;
  /** Every kept entry, oldest first; an entry a busy account pushed out stays (and counts) until its turn. */
  private readonly all = new Queue<Kept>();
  /** Each account's readable entries, oldest first. */
  private readonly accounts = new Map<string, Queue<Kept>>();
  private bytes = 0;

  constructor(limits: Partial<RequestLogLimits> = {}) {
    this.limits = { ...DEFAULT_REQUEST_LOG_LIMITS, ...limits };
  }

  record(entry: RequestLogRecord): void {
    if (entry.method === 'GET' && UNLOGGED_GETS.has(entry.path)) return;
    const path = kept(entry.path, MAX_PATH_CHARS);
    const idempotencyKey = entry.idempotencyKey === undefined ? undefined : kept(entry.idempotencyKey, MAX_KEY_CHARS);
    const chars =
      entry.account.length + entry.id.length + entry.method.length + path.length + (idempotencyKey?.length ?? 0);
    const item: Kept = { ...entry, path, idempotencyKey, bytes: ENTRY_OVERHEAD_BYTES + 2 * chars };
    let queue = this.accounts.get(entry.account);
    if (!queue) {
      queue = new Queue<Kept>();
      this.accounts.set(entry.account, queue);
    }
    queue.push(item);
    if (queue.size > this.limits.perAccount) queue.shift();
    this.all.push(item);
    this.bytes += item.bytes;
    while (this.all.size > 0 && (this.all.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes)) {
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    const oldest = this.all.shift() as Kept;
    this.bytes -= oldest.bytes;
    const queue = this.accounts.get(oldest.account);
    // Unless the account's own cap pushed it out already, it is that account's oldest entry too.
    if (queue?.peek() === oldest) {
      queue.shift();
      if (queue.size === 0) this.accounts.delete(oldest.account);
    }
  }

  /** What the log holds now, for tests and diagnostics. */
  stats(): { entries: number; bytes: number; accounts: number } {
    return { entries: this.all.size, bytes: this.bytes, accounts: this.accounts.size };
  }

  /**
   * Up to `limit` entries of `account`, oldest first, after the entry `after` (from the oldest kept
   * without it). `after` naming no kept entry (unknown, or pushed out by newer requests) is
   * Stripe's `No such …` 400 on that parameter.
   */
  list(account: string, opts: { after?: string | null; limit: number }): RequestPage {
    const queue = this.accounts.get(account);
    const size = queue?.size ?? 0;
    let from = 0;
    if (opts.after) {
      let at = -1;
      // Newest first: a tailer asks for a recent one.
      for (let i = size - 1; i >= 0 && at === -1; i--) if ((queue as Queue<Kept>).at(i).id === opts.after) at = i;
      if (at === -1) throw resourceMissing('request', opts.after, 'after');
      from = at + 1;
    }
    const data: RequestLogRecord[] = [];
    for (let i = from; i < size && data.length < opts.limit; i++) data.push((queue as Queue<Kept>).at(i));
    return { data, hasMore: from + data.length < size };
  }
}

function render(entry: RequestLogRecord): Json {
  return {
    id: entry.id,
    object: REQUEST_OBJECT,
    created: entry.created,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    idempotency_key: entry.idempotencyKey ?? null,
    duration_ms: Math.round(entry.durationMs),
  };
}

/** `GET /sandbank/v1/requests?after=req_…&limit=100`: the account's recent API requests, oldest first. */
export function requestLogOperations(log: RequestLog): Operation[] {
  return [
    readOperation({
      method: 'GET',
      path: REQUESTS_PATH,
      name: 'sandbank.requests.list',
      params: params({ after: p.string(), limit: p.integer({ min: 1, max: REQUEST_LOG_CAPACITY }) }),
      returns: { list: REQUEST_OBJECT },
      handler: async (ctx, input) => {
        const page = log.list(ctx.account.id, { after: input.after, limit: input.limit ?? 100 });
        return { object: 'list', data: page.data.map(render), has_more: page.hasMore, url: REQUESTS_PATH };
      },
    }),
  ];
}
