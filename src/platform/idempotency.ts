/**
 * Idempotent requests (`Idempotency-Key` on POST). The first response — status, body, the headers
 * that matter — is stored with a fingerprint of the request, per account, for 24 hours, in the same
 * transaction as the change it reports. A repeat replays it byte for byte; the same key with other
 * parameters is an `idempotency_error`; a repeat while the first is still running is a 409.
 *
 * Requests in flight are tracked in memory (the fast path for one node); the database's primary key
 * on (account, key) is what guarantees a single winner across nodes.
 */
import { createHash } from 'node:crypto';
import type { IdempotencyRecord } from '../store/store.js';
import { idempotencyMismatch, invalidRequest, StripeError } from './errors.js';
import type { ParamHash, ParamValue } from './form.js';

export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const MAX_KEY_LENGTH = 255;

export function checkKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw invalidRequest(
      `Idempotent key length is ${key.length}, which is outside accepted lengths. Idempotent Keys must be 1-${MAX_KEY_LENGTH} characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.`,
    );
  }
}

/**
 * Order-independent for hash keys, order-preserving for arrays; so a retried request always matches.
 * Card details never reach the stored fingerprint (an unkeyed hash of a card number is card data):
 * a `card` hash's `number` counts by its last four digits and length, and its `cvc` not at all.
 */
function canonical(value: ParamValue, key = ''): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => !(key === 'card' && k === 'cvc'))
    .sort();
  const part = (k: string) => {
    const v = value[k] as ParamValue;
    if (key === 'card' && k === 'number' && typeof v === 'string') return JSON.stringify(`${v.length}:${v.slice(-4)}`);
    return canonical(v, k);
  };
  return `{${keys.map((k) => `${JSON.stringify(k)}:${part(k)}`).join(',')}}`;
}

/** `POST /v1/customers <hash of the parameters>`: the endpoint stays readable for the mismatch message. */
export function fingerprint(method: string, path: string, params: ParamHash): string {
  return `${method} ${path} ${createHash('sha256').update(canonical(params)).digest('base64url')}`;
}

/** Stripe tells a key reused on another endpoint apart from one reused with other parameters. */
export function mismatchError(stored: string, current: string, key: string): StripeError {
  const endpoint = (print: string) => print.slice(print.indexOf(' ') + 1, print.lastIndexOf(' '));
  const [was, now] = [endpoint(stored), endpoint(current)];
  if (was === now) return idempotencyMismatch(key);
  return new StripeError({
    kind: 'bad_request',
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${was}' vs '${now}'). Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

/** A record is live for 24 hours; from `expiredAtOrBefore(now)` back it counts as gone. */
export function expiredAtOrBefore(now: number): number {
  return now - IDEMPOTENCY_WINDOW_SECONDS;
}

export function isLive(record: IdempotencyRecord, now: number): boolean {
  return record.created > expiredAtOrBefore(now);
}

/**
 * Keys whose first request is still running on this node. Every claim is released in the request's
 * `finally`, so this holds no more than the requests in flight, which the connection limit and
 * Node's back-pressure on pipelining clients bound (see app.ts); each entry is at most an account id
 * and a 255-character key.
 */
export class InFlight {
  private readonly keys = new Set<string>();

  /** False when the key is already in flight. */
  claim(account: string, key: string): boolean {
    const k = `${account}\u0000${key}`;
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    return true;
  }

  release(account: string, key: string): void {
    this.keys.delete(`${account}\u0000${key}`);
  }

  get size(): number {
    return this.keys.size;
  }
}
