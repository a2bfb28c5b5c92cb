/**
 * The one error hierarchy. Services throw `StripeError`s; the HTTP layer renders them in one place
 * (`renderError`). The HTTP status is never chosen by a service: it comes from the error's `kind`
 * through one exhaustive table, so the SDK maps every error to the same exception class as Stripe's.
 */
import { redactPans } from './pan.js';

/** Stripe's `error.type` values (stripe-node maps these, together with the status, to its classes). */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error';

/**
 * What went wrong, at the granularity that decides the HTTP status. Stripe uses the type
 * `invalid_request_error` with 400, 401 and 404, so the status cannot be derived from the type alone.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthenticated'
  | 'payment_failed'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'internal'
  // Failures of the HTTP exchange itself, before a request is whole (see `connections.ts`).
  | 'request_timeout'
  | 'uri_too_long'
  | 'headers_too_large';

export const HTTP_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  payment_failed: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  request_timeout: 408,
  uri_too_long: 414,
  headers_too_large: 431,
} as const satisfies Record<ErrorKind, number>;

export interface StripeErrorInit {
  kind: ErrorKind;
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  declineCode?: string;
  /** Extra top-level fields of the error object (e.g. `payment_intent`, `charge`). */
  extra?: Record<string, unknown>;
  /**
   * The request's changes stand although it answers with this error: a declined card leaves a failed
   * charge and an intent back in `requires_payment_method`, and Stripe keeps both.
   */
  keepChanges?: boolean;
}

export class StripeError extends Error {
  readonly kind: ErrorKind;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly keepChanges: boolean;

  constructor(init: StripeErrorInit) {
    super(init.message);
    this.name = 'StripeError';
    this.kind = init.kind;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param;
    this.declineCode = init.declineCode;
    this.extra = init.extra;
    this.keepChanges = init.keepChanges ?? false;
  }

  get status(): number {
    return HTTP_STATUS[this.kind];
  }
}

// ---- constructors for the errors the platform raises; services add their own beside their code ----

export function invalidRequest(message: string, opts: { code?: string; param?: string } = {}): StripeError {
  return new StripeError({ kind: 'bad_request', type: 'invalid_request_error', message, ...opts });
}

/**
 * `No such customer: 'cus_x'`. When the id came from the URL Stripe answers 404 with `param: id`;
 * when it came from a parameter it answers 400 with that parameter's name.
 */
export function resourceMissing(objectName: string, id: string, param = 'id'): StripeError {
  return new StripeError({
    kind: param === 'id' ? 'not_found' : 'bad_request',
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${objectName}: '${id}'`,
  });
}

/**
 * Stripe's answer to a custom id (`id` on products, coupons, plans) that is already taken:
 * `resource_already_exists`, e.g. "Coupon already exists.".
 */
export function resourceAlreadyExists(objectLabel: string, param = 'id'): StripeError {
  return new StripeError({
    kind: 'bad_request',
    type: 'invalid_request_error',
    code: 'resource_already_exists',
    param,
    message: `${objectLabel} already exists.`,
  });
}

export function unrecognizedUrl(method: string, path: string): StripeError {
  const emptySegment = path.endsWith('/') || path.includes('//');
  const hint = emptySegment
    ? ' If you are trying to list objects, remove the trailing slash. If you are trying to retrieve an object, make sure you passed a valid (non-empty) identifier in your code.'
    : '';
  return new StripeError({
    kind: 'not_found',
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}).${hint} Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

export function authenticationError(message: string): StripeError {
  return new StripeError({ kind: 'unauthenticated', type: 'invalid_request_error', message });
}

export function idempotencyMismatch(key: string): StripeError {
  return new StripeError({
    kind: 'bad_request',
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function idempotencyKeyInUse(key: string): StripeError {
  return new StripeError({
    kind: 'conflict',
    type: 'invalid_request_error',
    code: 'idempotency_key_in_use',
    message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
  });
}

export function internalError(requestId: string): StripeError {
  return new StripeError({
    kind: 'internal',
    type: 'api_error',
    message: `An unknown error occurred while processing your request (${requestId}). Please try again later.`,
  });
}

/**
 * The request did not arrive in time (headers, or a body that stalled): nothing ran. Stripe documents
 * no text for this; Sandbank's says what happened and that a retry is safe.
 */
export function requestTimeout(what: string, seconds: number): StripeError {
  return new StripeError({
    kind: 'request_timeout',
    type: 'invalid_request_error',
    message: `Request timed out: ${what} did not arrive within ${seconds} seconds. Nothing was done; please try again.`,
  });
}

/**
 * Too many requests at once: Stripe's 429 `rate_limit` (SDKs retry it with backoff). Sandbank uses
 * it to bound how many file uploads it holds in memory at the same time.
 */
export function rateLimited(): StripeError {
  return new StripeError({
    kind: 'rate_limited',
    type: 'invalid_request_error',
    code: 'rate_limit',
    message:
      'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
  });
}

/** The request line alone exceeds the size the server reads before a request starts. */
export function uriTooLong(maxBytes: number): StripeError {
  return new StripeError({
    kind: 'uri_too_long',
    type: 'invalid_request_error',
    message: `Request URL too long: the request line and headers may be at most ${maxBytes} bytes. Send long parameters in a POST body instead.`,
  });
}

export function headersTooLarge(maxBytes: number): StripeError {
  return new StripeError({
    kind: 'headers_too_large',
    type: 'invalid_request_error',
    message: `Request headers too large: the request line and headers may be at most ${maxBytes} bytes.`,
  });
}

/** Not HTTP/1.1 that can be parsed; `reason` is the parser's code (e.g. `HPE_INVALID_METHOD`). */
export function malformedRequest(reason: string): StripeError {
  return invalidRequest(`Malformed HTTP request (${reason}). If error persists, please check your HTTP client.`);
}

/** Stripe's documentation URL for an error code: underscores become dashes. */
export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

/**
 * The `{"error": {...}}` body Stripe sends, its fields in Stripe's (alphabetical) order. Stripe echoes
 * wrong values in `message` (and a parameter's name in `param`), so anything there that looks like a
 * card number is masked: this body may be stored against an idempotency key, and a replay must be
 * the first response byte for byte, so the first response is the masked one too. Only error bodies
 * pay for the scan.
 */
export function errorBody(err: StripeError, requestId: string): { error: Record<string, unknown> } {
  const fields: Record<string, unknown> = {
    ...err.extra,
    message: redactPans(err.message),
    request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
    type: err.type,
  };
  if (err.code !== undefined) {
    fields.code = err.code;
    fields.doc_url = docUrl(err.code);
  }
  if (err.declineCode !== undefined) fields.decline_code = err.declineCode;
  if (err.param !== undefined) fields.param = redactPans(err.param);
  const error: Record<string, unknown> = {};
  for (const key of Object.keys(fields).sort()) error[key] = fields[key];
  return { error };
}
