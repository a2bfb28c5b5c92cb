/**
 * Stripe's search query language (`/v1/<resource>/search?query=…`), parsed into store clauses.
 *
 *   query  := clause ((AND | OR)? clause)*      — AND and OR may not be mixed; at most 10 clauses
 *   clause := '-'? field op value
 *   field  := name | metadata["key"]
 *   op     := ':' | '~' | '>' | '<' | '>=' | '<=' | '='
 *   value  := "string" | 'string' | number | null
 *
 * `:` is a case-insensitive match (on string fields: the words of the value, in order, within the
 * field); `~` is a substring match of at least 3 characters; comparisons are for numeric fields.
 */
import { createHash } from 'node:crypto';
import type { SearchClause, SearchTarget } from '../store/store.js';
import { invalidRequest } from './errors.js';

export type SearchFieldKind = 'string' | 'token' | 'numeric';

export interface SearchField {
  kind: SearchFieldKind;
  target: SearchTarget;
}

export interface SearchableResource {
  /** Plural name used in Stripe's messages, e.g. `customers`. */
  resource: string;
  fields: Record<string, SearchField>;
  /** Whether `metadata["k"]` may be searched. */
  metadata: boolean;
}

export interface ParsedQuery {
  join: 'and' | 'or';
  clauses: SearchClause[];
}

export const MAX_CLAUSES = 10;

const UNPARSEABLE =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.';

function syntaxError(query: string, at: number, what: string) {
  const near = query.slice(at, at + 20);
  return invalidRequest(`${UNPARSEABLE} (${what} at position ${at}${near ? `, near '${near}'` : ''})`, {
    param: 'query',
  });
}

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'minus'; at: number }
  | { t: 'lbracket' | 'rbracket'; at: number };

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let v = '';
      while (i < q.length && q[i] !== c) {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        v += q[i++];
      }
      if (i >= q.length) throw syntaxError(q, start, 'unterminated string');
      i++;
      tokens.push({ t: 'string', v, at: start });
    } else if (c === '>' || c === '<') {
      const op = q[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ t: 'op', v: op, at: i });
      i += op.length;
    } else if (c === ':' || c === '~' || c === '=') {
      tokens.push({ t: 'op', v: c, at: i++ });
    } else if (c === '-') {
      // A minus before a digit is a negative number; otherwise it negates the clause.
      if (/\d/.test(q[i + 1] ?? '') && tokens[tokens.length - 1]?.t === 'op') {
        const m = /^-\d+(\.\d+)?/.exec(q.slice(i)) as RegExpExecArray;
        tokens.push({ t: 'word', v: m[0], at: i });
        i += m[0].length;
      } else tokens.push({ t: 'minus', at: i++ });
    } else if (c === '[') {
      tokens.push({ t: 'lbracket', at: i++ });
    } else if (c === ']') {
      tokens.push({ t: 'rbracket', at: i++ });
    } else {
      const m = /^[A-Za-z0-9_.@+]+/.exec(q.slice(i));
      if (!m) throw syntaxError(q, i, `unexpected character '${c}'`);
      tokens.push({ t: 'word', v: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Parses `query` for `resource`, or throws a 400 that says where the problem is. */
export function parseSearchQuery(query: string, resource: SearchableResource): ParsedQuery {
  const tokens = tokenize(query);
  const clauses: SearchClause[] = [];
  let join: 'and' | 'or' | undefined;
  let i = 0;
  const peek = () => tokens[i];
  const end = () => syntaxError(query, query.length, 'unexpected end of query');
  while (i < tokens.length) {
    if (clauses.length > 0) {
      const t = peek();
      if (t?.t === 'word' && /^(and|or)$/i.test(t.v)) {
        const j = t.v.toLowerCase() as 'and' | 'or';
        if (join && join !== j) {
          throw invalidRequest(`${UNPARSEABLE} (AND and OR cannot be mixed in one query)`, { param: 'query' });
        }
        join = j;
        i++;
      } else if (join === 'or') {
        throw invalidRequest(`${UNPARSEABLE} (AND and OR cannot be mixed in one query)`, { param: 'query' });
      } else join = 'and';
    }
    let negate = false;
    if (peek()?.t === 'minus') {
      negate = true;
      i++;
    }
    const fieldToken = tokens[i++];
    if (!fieldToken) throw end();
    if (fieldToken.t !== 'word') throw syntaxError(query, fieldToken.at, 'expected a field name');
    let field: SearchField;
    let fieldName = fieldToken.v;
    if (fieldToken.v === 'metadata' && resource.metadata) {
      const open = tokens[i++];
      const key = tokens[i++];
      const close = tokens[i++];
      if (open?.t !== 'lbracket' || key?.t !== 'string' || close?.t !== 'rbracket') {
        throw syntaxError(query, (open ?? fieldToken).at, 'expected metadata["key"]');
      }
      field = { kind: 'token', target: { json: ['metadata', key.v], numeric: false } };
      fieldName = `metadata["${key.v}"]`;
    } else {
      // Structure before names: Stripe calls `asdf` unparseable and only `foo:"bar"` an unsupported field.
      const next = peek();
      if (!next) throw end();
      if (next.t !== 'op') throw syntaxError(query, next.at, `expected an operator after ${fieldToken.v}`);
      const known = resource.fields[fieldToken.v];
      if (!known) {
        throw invalidRequest(
          `Field \`${fieldToken.v}\` is an unsupported search field for resource \`${resource.resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.resource.replaceAll('_', '-')} for a list of supported fields.`,
          { param: 'query' },
        );
      }
      field = known;
    }
    const opToken = tokens[i++];
    if (!opToken) throw end();
    if (opToken.t !== 'op') throw syntaxError(query, opToken.at, `expected an operator after ${fieldName}`);
    const valueToken = tokens[i++];
    if (!valueToken) throw end();
    if (valueToken.t !== 'string' && valueToken.t !== 'word')
      throw syntaxError(query, valueToken.at, 'expected a value');
    clauses.push(buildClause(query, field, fieldName, opToken, valueToken, negate));
    if (clauses.length > MAX_CLAUSES) {
      throw invalidRequest(`Search queries may contain at most ${MAX_CLAUSES} clauses.`, { param: 'query' });
    }
  }
  if (clauses.length === 0) throw syntaxError(query, 0, 'empty query');
  return { join: join ?? 'and', clauses };
}

function buildClause(
  query: string,
  field: SearchField,
  fieldName: string,
  op: Token & { t: 'op' },
  value: Token & { t: 'string' | 'word' },
  negate: boolean,
): SearchClause {
  const target = field.target;
  if (value.t === 'word' && value.v === 'null') {
    if (op.v !== ':') throw syntaxError(query, op.at, `null can only be used with ':'`);
    return { op: 'null', target, negate };
  }
  if (field.kind === 'numeric') {
    const n = Number(value.v);
    // Stripe's numeric search fields (timestamps, amounts) are integers; a fraction or an out-of-range
    // value would otherwise reach the database (PostgreSQL rejects it for a BIGINT column: a 500).
    if (value.v === '' || !Number.isSafeInteger(n)) throw syntaxError(query, value.at, `${fieldName} takes an integer`);
    const ops = { ':': 'num_eq', '=': 'num_eq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' } as const;
    const numericOp = ops[op.v as keyof typeof ops];
    if (!numericOp) throw syntaxError(query, op.at, `operator '${op.v}' cannot be used with ${fieldName}`);
    return { op: numericOp, target, value: n, negate };
  }
  if (value.t !== 'string') throw syntaxError(query, value.at, `the value for ${fieldName} must be quoted`);
  if (op.v === ':') return { op: 'eq', target, value: value.v, phrase: field.kind === 'string', negate };
  if (op.v === '~' && field.kind === 'string') {
    if (value.v.length < 3) {
      throw invalidRequest(`Substring searches (~) need at least 3 characters; got '${value.v}' for ${fieldName}.`, {
        param: 'query',
      });
    }
    return { op: 'contains', target, value: value.v, negate };
  }
  throw syntaxError(query, op.at, `operator '${op.v}' cannot be used with ${fieldName}`);
}

/** Ties a cursor to its query, so a `next_page` from one search cannot page through another. */
function queryTag(query: string): string {
  return createHash('sha256').update(query).digest('base64url').slice(0, 10);
}

/** Opaque `next_page` cursors: base64url of the last row's (created, seq) and the query's tag. */
export function encodePage(created: number, seq: number, query: string): string {
  return Buffer.from(JSON.stringify([created, seq, queryTag(query)])).toString('base64url');
}

export function decodePage(page: string, query: string): { created: number; seq: number } {
  try {
    const value: unknown = JSON.parse(Buffer.from(page, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isSafeInteger(value[0]) &&
      Number.isSafeInteger(value[1]) &&
      value[2] === queryTag(query)
    ) {
      return { created: value[0] as number, seq: value[1] as number };
    }
  } catch {
    // fall through to the error
  }
  throw invalidRequest(
    `Invalid page: ${page}. Pass the next_page value of a previous search result with the same query.`,
    { param: 'page' },
  );
}
