/**
 * The request log behind `sandbank logs tail`: the last 1,000 API requests of each account, in
 * memory (a ring buffer per account, so a busy account costs at most 1,000 entries and a restart
 * forgets them, as a log tail should), read oldest first by `GET /sandbank/v1/requests`.
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
  /** Without the query string. */
  path: string;
  status: number;
  idempotencyKey: string | undefined;
  durationMs: number;
}

export const REQUEST_LOG_CAPACITY = 1000;
const REQUEST_OBJECT = 'sandbank.request';
const REQUESTS_PATH = '/sandbank/v1/requests';

/** Reads that tools poll, never logged (see the file comment). */
const UNLOGGED_GETS = new Set([REQUESTS_PATH, '/sandbank/v1/webhook_attempts']);

/** One account's entries: a fixed-capacity ring, oldest at `start`. */
class Ring {
  private readonly entries: RequestLogRecord[] = [];
  private start = 0;

  constructor(private readonly capacity: number) {}

  push(entry: RequestLogRecord): void {
    if (this.entries.length < this.capacity) {
      this.entries.push(entry);
      return;
    }
    this.entries[this.start] = entry;
    this.start = (this.start + 1) % this.capacity;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The `i`-th oldest entry. */
  at(i: number): RequestLogRecord {
    return this.entries[(this.start + i) % this.entries.length] as RequestLogRecord;
  }

  /** Position (0 = oldest) of the entry with `id`, or -1. Newest first: a tailer asks for a recent one. */
  indexOf(id: string): number {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.at(i).id === id) return i;
    return -1;
  }
}

export interface RequestPage {
  data: RequestLogRecord[];
  hasMore: boolean;
}

export class RequestLog {
  private readonly accounts = new Map<string, Ring>();

  constructor(private readonly capacity = REQUEST_LOG_CAPACITY) {}

  record(entry: RequestLogRecord): void {
    if (entry.method === 'GET' && UNLOGGED_GETS.has(entry.path)) return;
    let ring = this.accounts.get(entry.account);
    if (!ring) {
      ring = new Ring(this.capacity);
      this.accounts.set(entry.account, ring);
    }
    ring.push({ ...entry });
  }

  /**
   * Up to `limit` entries of `account`, oldest first, after the entry `after` (from the oldest kept
   * without it). `after` naming no kept entry (unknown, or pushed out by 1,000 newer requests) is
   * Stripe's `No such …` 400 on that parameter.
   */
  list(account: string, opts: { after?: string | null; limit: number }): RequestPage {
    const ring = this.accounts.get(account);
    let from = 0;
    if (opts.after) {
      const at = ring ? ring.indexOf(opts.after) : -1;
      if (at === -1) throw resourceMissing('request', opts.after, 'after');
      from = at + 1;
    }
    const size = ring?.size ?? 0;
    const data: RequestLogRecord[] = [];
    for (let i = from; i < size && data.length < opts.limit; i++) data.push((ring as Ring).at(i));
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
