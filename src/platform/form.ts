/**
 * Stripe's form encoding: `application/x-www-form-urlencoded` bodies and query strings whose keys nest
 * with brackets (`metadata[order]=6`, `items[0][price]=p`, `expand[]=customer`).
 *
 * The parser builds one tree of strings, arrays and hashes. `x[]` appends to a real array; `x[0]` is kept
 * as a hash key, because numeric keys are also legal metadata keys — the schema step turns an
 * integer-keyed hash into an array where the parameter is declared as one. Hashes have no prototype so
 * that keys such as `__proto__` are plain data.
 */
import { invalidRequest } from './errors.js';

export type ParamValue = string | ParamValue[] | ParamHash;
export interface ParamHash {
  [key: string]: ParamValue;
}

export const FORM_LIMITS = {
  /** Bracket segments in one key, e.g. `a[b][c]` is 3. */
  maxDepth: 10,
  /** key=value pairs in one request. */
  maxPairs: 10_000,
  /** Bytes of body. */
  maxBodyBytes: 1024 * 1024,
} as const;

export function newHash(): ParamHash {
  return Object.create(null) as ParamHash;
}

export function isHash(v: ParamValue | undefined): v is ParamHash {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a query string or form body (without the leading `?`). Throws a 400 StripeError on bad input. */
export function parseForm(input: string): ParamHash {
  const root = newHash();
  if (input === '') return root;
  const pairs = input.split('&');
  if (pairs.length > FORM_LIMITS.maxPairs) {
    throw invalidRequest(`Too many parameters: at most ${FORM_LIMITS.maxPairs} are accepted in one request.`);
  }
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    if (key === '') continue;
    insert(root, splitKey(key), decodeComponent(rawValue));
  }
  return root;
}

function decodeComponent(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s;
  let decoded = spaced;
  if (spaced.includes('%')) {
    try {
      decoded = decodeURIComponent(spaced);
    } catch {
      throw invalidRequest(`Invalid URL encoding in request parameters near '${s.slice(0, 40)}'.`);
    }
  }
  // Stripe refuses NUL characters with a 400; stored, one would break PostgreSQL's jsonb for the whole account.
  if (decoded.includes('\u0000')) {
    throw invalidRequest(
      `Invalid request parameters near '${s.slice(0, 40)}': null characters (%00) are not accepted.`,
    );
  }
  return decoded;
}

/** `a[b][]` → `['a', 'b', '']`. A key whose brackets do not pair up is taken literally. */
export function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    if (rest[0] !== '[') return [key];
    const close = rest.indexOf(']');
    if (close === -1) return [key];
    segments.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  if (segments.length > FORM_LIMITS.maxDepth) {
    throw invalidRequest(
      `Parameter '${segments[0]}' is nested too deeply: at most ${FORM_LIMITS.maxDepth} levels of brackets are accepted.`,
      { param: segments[0] },
    );
  }
  return segments;
}

/**
 * Sets one decoded `key=value` pair on `root` with the bracket grammar (for bodies that are not
 * url-encoded, such as multipart/form-data's text fields).
 */
export function setParam(root: ParamHash, key: string, value: string): void {
  if (key === '') return;
  insert(root, splitKey(key), value);
}

function insert(root: ParamHash, segments: string[], value: string): void {
  let node: ParamHash | ParamValue[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    const nextIsPush = segments[i + 1] === '';
    if (Array.isArray(node)) {
      if (segment !== '') throw conflict(segments);
      if (last) {
        node.push(value);
        return;
      }
      // `items[][price]=a&items[][qty]=1`: keep filling the last element until a key repeats.
      const nextKey = segments[i + 1] as string;
      const tail: ParamValue | undefined = node[node.length - 1];
      if (isHash(tail) && !(nextKey in tail) && !nextIsPush) {
        node = tail;
      } else {
        const fresh: ParamHash | ParamValue[] = nextIsPush ? [] : newHash();
        node.push(fresh);
        node = fresh;
      }
      continue;
    }
    if (segment === '') throw conflict(segments);
    if (last) {
      node[segment] = value;
      return;
    }
    let child: ParamValue | undefined = node[segment];
    const wantArray = nextIsPush;
    if (child === undefined || typeof child === 'string' || Array.isArray(child) !== wantArray) {
      // A later structured value replaces an earlier scalar (`metadata=&metadata[a]=b` means "clear, then set a").
      if (child !== undefined && typeof child !== 'string') throw conflict(segments);
      child = wantArray ? [] : newHash();
      node[segment] = child;
    }
    node = child;
  }
}

function conflict(segments: string[]) {
  const name =
    segments[0] +
    segments
      .slice(1)
      .map((s) => `[${s}]`)
      .join('');
  return invalidRequest(`Invalid array or hash structure for parameter '${name}'.`, { param: segments[0] });
}
