/**
 * Identifiers: Stripe's prefixes followed by random base62. IDs are opaque to the SDKs, but keeping
 * Stripe's prefixes and lengths makes logs and fixtures read like Stripe's.
 */
import { randomFillSync } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// One crypto call per 4 KiB of randomness instead of one per id: a call costs microseconds, and every
// request makes at least one id (its Request-Id).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++] as number;
}

/** `length` random base62 characters (rejection sampling, so every character is equally likely). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

const TIME_CHARS = 7;
let lastMs = 0;
let sequence = 0;

/**
 * Seven base62 characters that grow with time (milliseconds since 1970, plus a counter within a
 * millisecond), so new ids sort after older ones. Stripe's newer ids start the same way; for the
 * store it means a new row's id lands at the end of the id index instead of on a random page, which
 * keeps each commit to a few dirty pages however large the tables grow.
 */
function timePrefix(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  }
  let n = lastMs * 64 + (sequence++ % 64);
  let out = '';
  for (let i = 0; i < TIME_CHARS + 1; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * A new object id, e.g. `newId('cus')` → `cus_…` of `length` characters (14, like Stripe's
 * customers): a time-ordered head (see `timePrefix`) and a random tail.
 */
export function newId(prefix: string, length = 14): string {
  const head = timePrefix();
  return `${prefix}_${head}${randomBase62(Math.max(length - head.length, 6))}`;
}

/** `req_` + 14 base62, the shape of Stripe's `Request-Id` header. */
export function newRequestId(): string {
  return newId('req', 14);
}
