/**
 * Search for catalog objects whose queries name a boolean field (`active:"true"`, `shippable:…`).
 * The two stores extract JSON booleans differently (SQLite yields 1/0, PostgreSQL true/false), so
 * the store's compiled search cannot compare them alike; such queries are evaluated here instead,
 * over the account's objects of the type, with the store's semantics (case-insensitive equality,
 * phrase and substring matches, numeric comparisons, negation matching nulls) and its cursors.
 * Queries without a boolean field use the store's search unchanged. A sandbox account holds few
 * catalog objects, which keeps the scan cheap.
 */
import { allObjects, type SearchInput, searchPage } from '../platform/list.js';
import {
  decodePage,
  encodePage,
  type ParsedQuery,
  parseSearchQuery,
  type SearchableResource,
} from '../platform/search.js';
import type { Reader, SearchClause } from '../store/store.js';

/** A resource's searchable fields plus its boolean ones (`token` fields matched as `true`/`false`). */
export interface CatalogSearch {
  resource: SearchableResource;
  booleans: readonly string[];
}

/** The searchable resource with its boolean fields declared, for parsing. */
function withBooleans(search: CatalogSearch): SearchableResource {
  const fields = { ...search.resource.fields };
  for (const name of search.booleans) fields[name] = { kind: 'token', target: { json: [name], numeric: false } };
  return { ...search.resource, fields };
}

function valueAt(object: Record<string, unknown>, clause: SearchClause): unknown {
  if ('column' in clause.target) return object.created;
  let v: unknown = object;
  for (const key of clause.target.json)
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** One clause on one object, as SQL would answer it: `null` where SQL's comparison is NULL. */
function evaluate(object: Record<string, unknown>, clause: SearchClause): boolean | null {
  const v = valueAt(object, clause);
  if (clause.op === 'null') return v === null || v === undefined;
  if (v === null || v === undefined || typeof v === 'object') return null;
  const text = String(v).toLowerCase();
  switch (clause.op) {
    case 'eq': {
      const value = clause.value.toLowerCase();
      return text === value || (clause.phrase && ` ${text} `.includes(` ${value} `));
    }
    case 'contains':
      return text.includes(clause.value.toLowerCase());
    default: {
      const n = Number(v);
      if (Number.isNaN(n)) return null;
      const ops = {
        lt: n < clause.value,
        lte: n <= clause.value,
        gt: n > clause.value,
        gte: n >= clause.value,
        num_eq: n === clause.value,
      };
      return ops[clause.op];
    }
  }
}

function matches(object: Record<string, unknown>, parsed: ParsedQuery): boolean {
  const results = parsed.clauses.map((c) => {
    const r = evaluate(object, c);
    // A negated clause also matches where the field is null (`NOT COALESCE(…, FALSE)`).
    return c.negate ? !(r ?? false) : r === true;
  });
  return parsed.join === 'and' ? results.every(Boolean) : results.some(Boolean);
}

function namesBoolean(parsed: ParsedQuery, booleans: readonly string[]): boolean {
  return parsed.clauses.some(
    (c) => 'json' in c.target && c.target.json.length === 1 && booleans.includes(c.target.json[0] as string),
  );
}

/** `GET /v1/<resource>/search` for a catalog type, booleans included. */
export async function catalogSearchPage(
  reader: Reader,
  opts: { account: string; type: string; url: string; input: SearchInput; search: CatalogSearch },
): Promise<Record<string, unknown>> {
  const { input } = opts;
  const parsed = parseSearchQuery(input.query, withBooleans(opts.search));
  if (!namesBoolean(parsed, opts.search.booleans)) {
    return searchPage(reader, { account: opts.account, type: opts.type, url: opts.url, input, ...parsed });
  }
  const limit = input.limit ?? 10;
  const after = input.page ? decodePage(input.page, input.query) : undefined;
  const all = (await allObjects(reader, { account: opts.account, type: opts.type })).filter((o) =>
    matches(o.object, parsed),
  );
  const rest = after
    ? all.filter((o) => o.created < after.created || (o.created === after.created && o.seq < after.seq))
    : all;
  const page = rest.slice(0, limit);
  const hasMore = rest.length > limit;
  const last = page[page.length - 1];
  const result: Record<string, unknown> = {
    object: 'search_result',
    data: page.map((o) => o.object),
    has_more: hasMore,
    next_page: hasMore && last ? encodePage(last.created, last.seq, input.query) : null,
    url: opts.url,
  };
  if (input.expand?.includes('total_count')) result.total_count = all.length;
  return result;
}
