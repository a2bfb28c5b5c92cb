/**
 * Parameter schemas: each operation declares its parameters next to its handler, and one walk turns the
 * parsed form tree into typed input or Stripe's validation errors (`parameter_unknown`,
 * `parameter_missing`, `parameter_invalid_*`).
 *
 * The empty string means "unset" (`description=` → null, `metadata[k]=` deletes k), so an optional
 * field parses to `undefined` (absent), `null` (sent empty) or its value.
 */
import { invalidRequest, type StripeError } from './errors.js';
import { isHash, newHash, type ParamHash, type ParamValue } from './form.js';

export interface Field<T> {
  readonly required: boolean;
  /** Parses a non-empty value found at `path` (bracket notation, e.g. `address[city]`). */
  parse(value: ParamValue, path: string): T;
  /** Sub-fields, for the unknown-parameter walk. */
  readonly shape?: Shape;
  /** Element schema, for arrays. */
  readonly element?: Field<unknown>;
  /** Whether `''` may unset this field (most optional fields may). */
  readonly emptyable: boolean;
}

export type Shape = Record<string, Field<unknown>>;

type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];
export type Infer<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<infer T> ? (K extends RequiredKeys<S> ? T : T | null | undefined) : never;
};

interface Options {
  required?: boolean;
  emptyable?: boolean;
}

function field<T>(opts: Options, parse: (value: ParamValue, path: string) => T, extra: Partial<Field<T>> = {}) {
  return {
    required: opts.required ?? false,
    emptyable: opts.emptyable ?? true,
    parse,
    ...extra,
  } as Field<T>;
}

type Req<O extends Options, T> = Field<T> & { required: O extends { required: true } ? true : false };

// ---- error messages (Stripe's wording) ----

/** A 400 naming the parameter; `code` only where Stripe sends one (its type errors carry none). */
export function invalidParam(path: string, message: string, code?: string): StripeError {
  return invalidRequest(message, code === undefined ? { param: path } : { code, param: path });
}

function expectString(value: ParamValue, path: string): string {
  if (typeof value !== 'string') throw invalidParam(path, `Invalid value type: ${describe(value)} must be a string`);
  return value;
}

function describe(value: ParamValue): string {
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? 'an array' : 'a hash';
}

// ---- field builders ----

export const p = {
  string<O extends Options & { maxLength?: number }>(opts = {} as O): Req<O, string> {
    return field(opts, (value, path) => {
      const s = expectString(value, path);
      const max = opts.maxLength ?? 5000;
      if (s.length > max) {
        throw invalidParam(
          path,
          `Invalid string: ${s.slice(0, 20)}...; must be at most ${max} characters`,
          'parameter_invalid_string',
        );
      }
      return s;
    }) as Req<O, string>;
  },

  integer<O extends Options & { min?: number; max?: number }>(opts = {} as O): Req<O, number> {
    return field(opts, (value, path) => parseInteger(value, path, opts.min, opts.max)) as Req<O, number>;
  },

  boolean<O extends Options>(opts = {} as O): Req<O, boolean> {
    return field(opts, (value, path) => {
      // v1 accepts true/false in any case: stripe-python 5 sends `True`, .NET sends `False`. `1`
      // and `0` are refused ("Invalid boolean: 1"), as Stripe does.
      if (typeof value === 'string') {
        const lower = value.toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      throw invalidParam(path, `Invalid boolean: ${describe(value)}`);
    }) as Req<O, boolean>;
  },

  enum<const V extends string, O extends Options>(values: readonly V[], opts = {} as O): Req<O, V> {
    return field(opts, (value, path) => {
      const s = expectString(value, path);
      if ((values as readonly string[]).includes(s)) return s as V;
      throw invalidParam(path, `Invalid ${path}: must be one of ${oneOf(values)}`);
    }) as Req<O, V>;
  },

  /** Unix seconds; `now` where Stripe allows it. */
  timestamp<O extends Options & { allowNow?: boolean }>(opts = {} as O, now?: () => number): Req<O, number | 'now'> {
    return field(opts, (value, path) => {
      if (opts.allowNow && value === 'now') return now ? now() : 'now';
      return parseInteger(value, path, 0);
    }) as Req<O, number | 'now'>;
  },

  hash<S extends Shape, O extends Options>(shape: S, opts = {} as O): Req<O, Infer<S>> {
    return field(opts, (value, path) => parseHash(shape, value, path), { shape }) as Req<O, Infer<S>>;
  },

  array<T, O extends Options & { maxItems?: number }>(element: Field<T>, opts = {} as O): Req<O, T[]> {
    return field(
      opts,
      (value, path) => {
        const items = asArray(value, path);
        if (opts.maxItems !== undefined && items.length > opts.maxItems) {
          throw invalidParam(path, `Invalid array: must contain at most ${opts.maxItems} items`);
        }
        return items.map((item, i) => {
          const itemPath = `${path}[${i}]`;
          if (item === '' && element.required) throw missing(itemPath);
          return element.parse(item, itemPath);
        });
      },
      { element: element as Field<unknown> },
    ) as Req<O, T[]>;
  },

  /** A hash of arbitrary string keys to strings (metadata validates its own limits on top). */
  stringMap<O extends Options>(opts = {} as O): Req<O, Record<string, string>> {
    return field(opts, (value, path) => {
      if (!isHash(value)) throw invalidParam(path, 'Invalid object');
      const out: Record<string, string> = Object.create(null);
      for (const [k, v] of Object.entries(value)) out[k] = expectString(v, `${path}[${k}]`);
      return out;
    }) as Req<O, Record<string, string>>;
  },

  /**
   * A parameter Sandbank accepts without modelling it (it has no effect yet, e.g. `mandate_data`):
   * any value, returned as sent, and never reported as unknown.
   */
  opaque<O extends Options>(opts = {} as O): Req<O, ParamValue> {
    return field(opts, (value) => value) as Req<O, ParamValue>;
  },

  /** `created=123` or `created[gte]=1&created[lt]=2`. */
  range<O extends Options>(opts = {} as O): Req<O, Range> {
    return field(
      opts,
      (value, path) => {
        if (typeof value === 'string') {
          const eq = parseInteger(value, path);
          return { gte: eq, lte: eq };
        }
        return parseHash(RANGE_SHAPE, value, path) as Range;
      },
      { shape: RANGE_SHAPE },
    ) as Req<O, Range>;
  },
};

export interface Range {
  gt?: number | null;
  gte?: number | null;
  lt?: number | null;
  lte?: number | null;
}

const RANGE_SHAPE = {
  gt: p.integer(),
  gte: p.integer(),
  lt: p.integer(),
  lte: p.integer(),
} satisfies Shape;

function oneOf(values: readonly string[]): string {
  if (values.length <= 2) return values.join(' or ');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;
}

const INTEGER = /^-?\d+$/;

function parseInteger(value: ParamValue, path: string, min?: number, max?: number): number {
  if (typeof value !== 'string' || !INTEGER.test(value)) {
    throw invalidParam(path, `Invalid integer: ${describe(value)}`, 'parameter_invalid_integer');
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw invalidParam(path, `Invalid integer: ${value}`, 'parameter_invalid_integer');
  }
  if (min !== undefined && n < min) {
    throw invalidParam(path, `This value must be greater than or equal to ${min}.`, 'parameter_invalid_integer');
  }
  if (max !== undefined && n > max) {
    throw invalidParam(path, `This value must be less than or equal to ${max}.`, 'parameter_invalid_integer');
  }
  return n;
}

function asArray(value: ParamValue, path: string): ParamValue[] {
  if (Array.isArray(value)) return value;
  if (isHash(value)) {
    // `x[0]=a&x[1]=b` arrives as a hash with integer keys (see form.ts).
    const keys = Object.keys(value);
    if (keys.every((k) => /^\d+$/.test(k))) {
      return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k] as ParamValue);
    }
  }
  throw invalidParam(path, 'Invalid array');
}

function missing(path: string): StripeError {
  return invalidRequest(`Missing required param: ${path}.`, { code: 'parameter_missing', param: path });
}

function cannotUnset(path: string): StripeError {
  return invalidRequest(
    `You passed an empty string for '${path}'. We assume empty values are an attempt to unset a parameter; however '${path}' cannot be unset. You should remove '${path}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', param: path },
  );
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}[${key}]`;
}

function parseHash<S extends Shape>(shape: S, value: ParamValue, path: string): Infer<S> {
  if (!isHash(value)) throw invalidParam(path, 'Invalid object');
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(shape)) {
    const raw = value[key];
    const at = child(path, key);
    if (raw === undefined) {
      if (f.required) throw missing(at);
      continue;
    }
    if (raw === '') {
      if (f.required || !f.emptyable) throw cannotUnset(at);
      out[key] = null;
      continue;
    }
    out[key] = f.parse(raw, at);
  }
  return out as Infer<S>;
}

/** Every parameter in `value` that the schema does not declare, in bracket notation. */
function collectUnknown(f: Field<unknown>, value: ParamValue | undefined, path: string, out: string[]): void {
  if (value === undefined || typeof value === 'string') return;
  if (f.shape && isHash(value)) {
    for (const key of Object.keys(value)) {
      // Own keys only: `toString` or `__proto__` would otherwise resolve through the shape's prototype.
      const sub = Object.hasOwn(f.shape, key) ? f.shape[key] : undefined;
      if (sub === undefined) out.push(child(path, key));
      else collectUnknown(sub, value[key], child(path, key), out);
    }
    return;
  }
  if (f.element) {
    const items = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [i, v] of items) collectUnknown(f.element, v, `${path}[${i}]`, out);
  }
}

/** The root schema of an operation's parameters. */
export function params<S extends Shape>(shape: S): Field<Infer<S>> & { shape: S } {
  return p.hash(shape) as Field<Infer<S>> & { shape: S };
}

/** Validates `input` against an operation's schema: unknown parameters first, as Stripe does. */
export function validate<T>(schema: Field<T>, input: ParamHash): T {
  const unknown: string[] = [];
  collectUnknown(schema, input, '', unknown);
  if (unknown.length === 1) {
    const name = unknown[0] as string;
    const hint = suggestion(schema, name);
    throw invalidRequest(`Received unknown parameter: ${name}${hint ? `. Did you mean ${hint}?` : ''}`, {
      code: 'parameter_unknown',
      param: name,
    });
  }
  if (unknown.length > 1) {
    throw invalidRequest(`Received unknown parameters: ${unknown.join(', ')}`, {
      code: 'parameter_unknown',
      param: unknown[0],
    });
  }
  return schema.parse(input ?? newHash(), '');
}

const MAX_SUGGESTED_LENGTH = 64;

/** Stripe suggests a sibling parameter when the unknown one is a near miss (`emial` → `email`). */
function suggestion(schema: Field<unknown>, unknownPath: string): string | undefined {
  const segments = unknownPath.replaceAll(']', '').split('[');
  const last = segments.pop() as string;
  // Edit distance costs length × length: a megabyte-long name must not buy a second of CPU.
  if (last.length > MAX_SUGGESTED_LENGTH) return undefined;
  let f: Field<unknown> | undefined = schema;
  for (const s of segments) f = /^\d+$/.test(s) ? f?.element : f?.shape?.[s];
  const siblings = Object.keys(f?.shape ?? {});
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(last.length / 4)) + 1;
  for (const candidate of siblings) {
    if (Math.abs(candidate.length - last.length) >= bestDistance) continue; // the distance is at least this
    const d = editDistance(last, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance (for "Did you mean …?" suggestions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
