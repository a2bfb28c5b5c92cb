/**
 * List and search endpoints: the shared parameters (`limit`, `starting_after`, `ending_before`,
 * `created`, `page`) and the `list` / `search_result` envelopes the SDK's auto-pagination reads.
 */
import type { Cursor, ListQuery, Reader, SearchClause } from '../store/store.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { registerExpandable } from './expand.js';
import { p, type Range } from './params.js';
import { decodePage, encodePage } from './search.js';

export const expandParam = p.array(p.string());

export const listParams = {
  limit: p.integer({ min: 1, max: 100 }),
  starting_after: p.string(),
  ending_before: p.string(),
  expand: expandParam,
};

export const searchParams = {
  query: p.string({ required: true }),
  limit: p.integer({ min: 1, max: 100 }),
  page: p.string(),
  expand: expandParam,
};

export interface ListInput {
  limit?: number | null;
  starting_after?: string | null;
  ending_before?: string | null;
  created?: Range | null;
}

export interface ListEnvelope {
  object: 'list';
  data: Record<string, unknown>[];
  has_more: boolean;
  url: string;
}

async function cursorFor(reader: Reader, account: string, type: string, id: string, param: string): Promise<Cursor> {
  const row = await reader.getObject(account, id);
  if (!row || row.type !== type) throw resourceMissing(type, id, param);
  return { created: row.created, seq: row.seq };
}

/** One page of `type` objects, newest first, in Stripe's list envelope. */
export async function listPage(
  reader: Reader,
  opts: {
    account: string;
    type: string;
    url: string;
    input: ListInput;
    equals?: Record<string, string>;
    /** Indexed fields the listed objects must not have (see `ListQuery.absent`). */
    absent?: string[];
  },
): Promise<ListEnvelope> {
  const { input } = opts;
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const query: ListQuery = { account: opts.account, type: opts.type, limit: input.limit ?? 10 };
  if (input.starting_after) {
    query.after = await cursorFor(reader, opts.account, opts.type, input.starting_after, 'starting_after');
  }
  if (input.ending_before) {
    query.before = await cursorFor(reader, opts.account, opts.type, input.ending_before, 'ending_before');
  }
  if (input.created) query.created = input.created;
  if (opts.equals) query.equals = opts.equals;
  if (opts.absent) query.absent = opts.absent;
  const page = await reader.listObjects(query);
  return {
    object: 'list',
    data: page.rows.map((r) => JSON.parse(r.json) as Record<string, unknown>),
    has_more: page.hasMore,
    url: opts.url,
  };
}

export interface SearchInput {
  query: string;
  limit?: number | null;
  page?: string | null;
  expand?: string[] | null;
}

/** One page of search results in Stripe's `search_result` envelope (`total_count` when expanded). */
export async function searchPage(
  reader: Reader,
  opts: { account: string; type: string; url: string; input: SearchInput; join: 'and' | 'or'; clauses: SearchClause[] },
): Promise<Record<string, unknown>> {
  const limit = opts.input.limit ?? 10;
  const withTotalCount = opts.input.expand?.includes('total_count') ?? false;
  const after = opts.input.page ? decodePage(opts.input.page, opts.input.query) : undefined;
  const page = await reader.searchObjects({
    account: opts.account,
    type: opts.type,
    join: opts.join,
    clauses: opts.clauses,
    limit,
    withTotalCount,
    ...(after ? { after } : {}),
  });
  const last = page.rows[page.rows.length - 1];
  const result: Record<string, unknown> = {
    object: 'search_result',
    data: page.rows.map((r) => JSON.parse(r.json) as Record<string, unknown>),
    has_more: page.hasMore,
    next_page: page.hasMore && last ? encodePage(last.created, last.seq, opts.input.query) : null,
    url: opts.url,
  };
  if (withTotalCount) result.total_count = page.totalCount;
  return result;
}

// `total_count` is computed by the search query itself when requested; expansion keeps it.
registerExpandable('search_result', 'total_count', { kind: 'includable', resolve: async (r) => r.total_count });

/** An object read from the store with its keyset position, for lists filtered in memory. */
export interface Positioned {
  object: Record<string, unknown>;
  created: number;
  seq: number;
}

/**
 * Every object of a list query (all pages), newest first: for filters the store cannot index
 * (ranges on other fields, substring matches), which a sandbox account's few objects make cheap.
 */
export async function allObjects(reader: Reader, query: Omit<ListQuery, 'limit' | 'after'>): Promise<Positioned[]> {
  const out: Positioned[] = [];
  let after: Cursor | undefined;
  for (;;) {
    const page = await reader.listObjects({ ...query, limit: 100, ...(after ? { after } : {}) });
    for (const row of page.rows) {
      out.push({ object: JSON.parse(row.json) as Record<string, unknown>, created: row.created, seq: row.seq });
    }
    const last = page.rows[page.rows.length - 1];
    if (!page.hasMore || !last) return out;
    after = { created: last.created, seq: last.seq };
  }
}

/**
 * One page of `items` (already filtered, newest first) by Stripe's cursor rules, as `listPage`
 * would page them in the store: `starting_after` / `ending_before` name objects of `type`.
 */
export async function listPageInMemory(
  reader: Reader,
  opts: { account: string; type: string; url: string; input: ListInput; items: Positioned[] },
): Promise<ListEnvelope> {
  const { input, items } = opts;
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const limit = input.limit ?? 10;
  const older = (i: Cursor, c: Cursor) => i.created < c.created || (i.created === c.created && i.seq < c.seq);
  let window: Positioned[];
  let hasMore: boolean;
  if (input.ending_before) {
    const c = await cursorFor(reader, opts.account, opts.type, input.ending_before, 'ending_before');
    const newer = items.filter((i) => older(c, i));
    window = newer.slice(Math.max(0, newer.length - limit));
    hasMore = newer.length > limit;
  } else {
    const c = input.starting_after
      ? await cursorFor(reader, opts.account, opts.type, input.starting_after, 'starting_after')
      : undefined;
    const rest = c ? items.filter((i) => older(i, c)) : items;
    window = rest.slice(0, limit);
    hasMore = rest.length > limit;
  }
  return { object: 'list', data: window.map((i) => i.object), has_more: hasMore, url: opts.url };
}
