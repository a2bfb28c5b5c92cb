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

/** A new object id, e.g. `newId('cus')` → `cus_Qx3…` (14 random characters, like Stripe's customers). */
export function newId(prefix: string, length = 14): string {
  return `${prefix}_${randomBase62(length)}`;
}

/** `req_` + 14 base62, the shape of Stripe's `Request-Id` header. */
export function newRequestId(): string {
  return newId('req', 14);
}
