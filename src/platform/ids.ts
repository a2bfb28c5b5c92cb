/**
 * Identifiers: Stripe's prefixes followed by random base62. IDs are opaque to the SDKs, but keeping
 * Stripe's prefixes and lengths makes logs and fixtures read like Stripe's.
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base62 characters (rejection sampling, so every character is equally likely). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
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
