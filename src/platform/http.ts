/**
 * The one request path. Every API request goes: read body → parse (Stripe's bracket forms) →
 * authenticate → route → claim the idempotency key → validate (and check `expand[]`) → execute in one
 * store transaction for writes (replay a stored response, or run the operation, render it — expand,
 * API version — and record it against the key) → respond.
 * Errors thrown anywhere end in `sendError`, the only place that turns them into HTTP.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { IdempotencyKeyTaken, type Reader, type Store, type Transaction } from '../store/store.js';
import type { Authenticator, Principal } from './auth.js';
import { publishableKeyNotAllowed } from './auth.js';
import { accountClock, type Clock } from './clock.js';
import {
  errorBody,
  idempotencyKeyInUse,
  internalError,
  invalidRequest,
  rateLimited,
  requestTimeout,
  StripeError,
  unrecognizedUrl,
} from './errors.js';
import { checkExpandPaths, type ExpandSource, expand } from './expand.js';
import { FORM_LIMITS, type ParamHash, parseForm } from './form.js';
import { checkKey, expiredAtOrBefore, fingerprint, InFlight, isLive, mismatchError } from './idempotency.js';
import { newRequestId } from './ids.js';
import { boundaryOf, isMultipart, MULTIPART_LIMITS, parseMultipart, type UploadedFile } from './multipart.js';
import type {
  EventSink,
  Json,
  MutationContext,
  Operation,
  PathParams,
  ReadContext,
  Router,
  WriteContext,
} from './operation.js';
import { redactPans } from './pan.js';
import { validate } from './params.js';
import {
  checkOperationVersion,
  renderForVersion,
  renderWithIncludes,
  resolveVersion,
  storeVersionSource,
  upgradeRequest,
} from './versions.js';

export interface HttpDeps {
  store: Store;
  clock: Clock;
  router: Router;
  auth: Authenticator;
  /** Where write operations' events go (events/outbox.ts). */
  events: EventSink;
  /** Runs the work a write found already due, in its transaction (Scheduler.runDueNow). */
  runDueNow: (ctx: MutationContext) => Promise<void>;
  /**
   * The base URL of links handed out (platform/public-url.ts). Never the request's Host header,
   * which the client controls and which would be stored in objects.
   */
  origin: () => string;
  /** Called after each API response, off the hot path (request log). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Called with unexpected errors (bugs), which the client sees only as a 500 with the request id. */
  onInternalError?: (err: unknown, requestId: string) => void;
  /** How long a request body may take (defaults: `DEFAULT_BODY_TIMEOUTS`; see connections.ts). */
  bodyTimeouts?: BodyTimeouts;
}

export interface BodyTimeouts {
  /** A body that sends nothing for this long is answered 408 and its connection closed. */
  idleMs: number;
  /** The whole body must arrive within this long of the request reaching its handler. */
  totalMs: number;
}

export const DEFAULT_BODY_TIMEOUTS: BodyTimeouts = { idleMs: 20_000, totalMs: 60_000 };

export interface RequestLogEntry {
  /** The account the key belonged to; absent when authentication failed. */
  account?: string;
  method: string;
  /** Without the query string; card numbers in it masked (pan.ts), like in `idempotencyKey`. */
  path: string;
  status: number;
  requestId: string;
  idempotencyKey: string | undefined;
  durationMs: number;
}

/** Headers every API response carries. CORS is open, as Stripe's is for Stripe.js. */
const BASE_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-cache, no-store',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Credentials': 'true',
  'Access-Control-Allow-Methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
  'Access-Control-Max-Age': '300',
  'Access-Control-Expose-Headers':
    'Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, X-Stripe-Privileged-Session-Required',
};

const BASE_HEADER_LIST = Object.entries(BASE_HEADERS).flat();

const ALLOWED_CONTENT_TYPES = ['application/x-www-form-urlencoded'];
const EMPTY_BODY = Buffer.alloc(0);

interface Response {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Set when this is a stored idempotent response: the id of the request that produced it. */
  replayOf?: string;
}

/** Stripe's JSON: two-space indentation and a trailing newline. */
export function serialize(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super('body too large');
  }
}
/** The client went away before its request was read: nobody is left to answer, and it is no bug. */
class ClientGone extends Error {}
/** The body stalled or took too long; `what` says which, for the 408's message. */
class BodyTimedOut extends Error {
  constructor(readonly seconds: number) {
    super('body timed out');
  }
}

/**
 * Reads the body, which must keep coming (`idleMs`) and be whole within `totalMs`: one timer per
 * body, re-armed only when it fires (a chunk just records the time), so a fast body costs one
 * setTimeout/clearTimeout pair.
 */
function readBody(req: IncomingMessage, timeouts: BodyTimeouts, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const started = performance.now();
    let lastData = started;
    const check = () => {
      const now = performance.now();
      const idleLeft = lastData + timeouts.idleMs - now;
      const totalLeft = started + timeouts.totalMs - now;
      if (idleLeft > 0 && totalLeft > 0) {
        timer = setTimeout(check, Math.min(idleLeft, totalLeft));
        return;
      }
      req.removeAllListeners('data');
      req.pause();
      reject(new BodyTimedOut(Math.round((idleLeft <= 0 ? timeouts.idleMs : timeouts.totalMs) / 1000)));
    };
    let timer = setTimeout(check, Math.min(timeouts.idleMs, timeouts.totalMs));
    req.on('data', (chunk: Buffer) => {
      lastData = performance.now();
      size += chunk.length;
      // Keep reading (and discarding) so the client can receive our answer on an intact connection.
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (tooLarge) reject(new BodyTooLarge(maxBytes));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', () => {
      clearTimeout(timer);
      reject(new ClientGone());
    });
  });
}

/** Status, headers and body of Stripe's answer to `error`. */
function errorResponse(error: StripeError, requestId: string, version?: string): Response {
  const headers: Record<string, string> = {};
  if (error.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Basic realm="Stripe"';
  if (error.kind === 'conflict') headers['Stripe-Should-Retry'] = 'true';
  // The request was not read to its end: what follows on the connection cannot frame a next request.
  if (error.kind === 'request_timeout') headers.Connection = 'close';
  if (version !== undefined) headers['Stripe-Version'] = version;
  return { status: error.status, body: serialize(errorBody(error, requestId)), headers };
}

/**
 * Writes `error` as a whole HTTP/1.1 response straight to a socket, for failures Node's parser
 * reports before a request exists or while its body arrives (malformed, too large, too slow), then
 * closes it: the bytes that follow cannot be trusted to frame another request. Same headers as every
 * response; `sendError` and this are the only places errors become HTTP.
 */
export function writeErrorToSocket(socket: Duplex, error: StripeError): void {
  const requestId = newRequestId();
  const r = errorResponse(error, requestId);
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    ...r.headers,
    Connection: 'close',
    Date: new Date().toUTCString(),
    'Content-Length': String(Buffer.byteLength(r.body)),
    'Request-Id': requestId,
  };
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${r.body}`);
}

/** Every operation's schema may declare `expand`; those that do not simply never have paths. */
function expandPaths(input: unknown): string[] {
  return (input as { expand?: string[] | null }).expand ?? [];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * File uploads read into memory at once, at most (each up to MULTIPART_LIMITS.maxBodyBytes): the
 * bound on what uploads can hold, whatever the connection count. More get Stripe's 429, which the
 * SDKs retry.
 */
export const MAX_CONCURRENT_UPLOADS = 16;

export function createHttpHandler(deps: HttpDeps) {
  const inFlight = new InFlight();
  let uploadsInMemory = 0;
  const bodyTimeouts = deps.bodyTimeouts ?? DEFAULT_BODY_TIMEOUTS;

  /** Expansions read what version changes read: the account's objects and lists. */
  function expandSource(reader: Reader, account: string): ExpandSource {
    return storeVersionSource(reader, account);
  }

  /** Expand, then render for the request's API version, then serialise once. */
  async function render(object: Json, input: unknown, ctx: ReadContext): Promise<string> {
    const paths = expandPaths(input);
    if (paths.length > 0) await expand(object, paths, expandSource(ctx.reader, ctx.account.id), ctx.version);
    return serialize(await renderWithIncludes(object, ctx.version, storeVersionSource(ctx.reader, ctx.account.id)));
  }

  async function execute(
    op: Operation,
    params: PathParams,
    input: unknown,
    base: Omit<ReadContext, 'reader'>,
    idempotency: { key: string; fingerprint: string } | undefined,
  ): Promise<Response> {
    const headers = { 'Stripe-Version': base.version };
    if (!op.write) {
      const ctx = { ...base, reader: deps.store };
      return { status: 200, body: await render(await op.run(ctx, input, params), input, ctx), headers };
    }
    const now = deps.clock.now();
    const save = async (tx: Transaction, status: number, body: string) => {
      if (!idempotency) return;
      const record = {
        account: base.account.id,
        key: idempotency.key,
        created: now,
        fingerprint: idempotency.fingerprint,
      };
      await tx.saveIdempotency({ ...record, requestId: base.requestId, status, headers, body }, expiredAtOrBefore(now));
    };
    try {
      return await deps.store.transaction(async (tx): Promise<Response> => {
        // The request's first read — its key's stored response, and what the account's events need —
        // is one query in the transaction that would write: on SQLite it rides along in the group
        // commit, on PostgreSQL it is the only round trip before the write.
        const stored = await tx.beginRequest(base.account.id, idempotency?.key);
        if (idempotency && stored && isLive(stored, now)) {
          if (stored.fingerprint !== idempotency.fingerprint) {
            throw mismatchError(stored.fingerprint, idempotency.fingerprint, idempotency.key);
          }
          return { status: stored.status, body: stored.body, headers: stored.headers, replayOf: stored.requestId };
        }
        const ctx: WriteContext = {
          ...base,
          reader: tx,
          tx,
          // The event keeps the key for display only: a card number in it is masked (pan.ts).
          request: { id: base.requestId, idempotency_key: idempotency ? redactPans(idempotency.key) : null },
          events: deps.events,
          dueNow: [],
        };
        try {
          const body = await render(await op.run(ctx, input, params), input, ctx);
          // What became due runs after the response is rendered, in the same commit: the response
          // shows the state Stripe's would (an async capture's charge without its balance transaction).
          await deps.runDueNow(ctx);
          await save(tx, 200, body);
          return { status: 200, body, headers };
        } catch (err) {
          // A failure that changed things (a decline) commits those changes with its error response.
          if (!(err instanceof StripeError && err.keepChanges)) throw err;
          const body = serialize(renderForVersion(errorBody(err, base.requestId), base.version));
          await deps.runDueNow(ctx);
          await save(tx, err.status, body);
          return { status: err.status, body, headers };
        }
      });
    } catch (err) {
      // Once execution has started, Stripe stores errors too (a 404, a card decline) and replays them;
      // errors about the key itself are never stored against it.
      if (!(err instanceof StripeError) || !idempotency || err.type === 'idempotency_error') throw err;
      const body = serialize(errorBody(err, base.requestId));
      await deps.store.transaction(async (tx) => save(tx, err.status, body));
      return { status: err.status, body, headers };
    }
  }

  async function handleApi(
    req: IncomingMessage,
    method: string,
    path: string,
    query: string,
    requestId: string,
    res: ServerResponse,
    meta: { account?: string },
  ) {
    let idempotencyKey: string | undefined;
    let claimed: { account: string; key: string } | undefined;
    // Once known, errors carry the version like successes do (the SDK reads it from every response).
    let version: string | undefined;
    let holdsUpload = false;
    try {
      // File uploads (multipart) may be larger than a form; a form body never is.
      const mediaType = method === 'POST' ? mediaTypeOf(req) : '';
      const upload = isMultipart(mediaType);
      if (upload) {
        if (uploadsInMemory >= MAX_CONCURRENT_UPLOADS) throw rateLimited();
        uploadsInMemory += 1;
        holdsUpload = true;
      }
      const maxBytes = upload ? MULTIPART_LIMITS.maxBodyBytes : FORM_LIMITS.maxBodyBytes;
      const body = method === 'POST' ? await readBody(req, bodyTimeouts, maxBytes) : EMPTY_BODY;
      const principal: Principal = await deps.auth.authenticate(header(req, 'authorization'));
      meta.account = principal.account.id;
      version = resolveVersion(header(req, 'stripe-version'));
      const match = deps.router.match(method, path);
      if (!match) throw unrecognizedUrl(method, path);
      const { op, params: pathParams } = match;
      if (principal.kind === 'publishable' && !op.publishable) throw publishableKeyNotAllowed();
      checkOperationVersion(op.returns, version);
      if (header(req, 'stripe-account') !== undefined) {
        throw invalidRequest('The Stripe-Account header (Connect) is not supported by Sandbank yet.');
      }
      const { params, uploads } = parseParams(req, method, mediaType, query, body);
      const origin = deps.origin();
      // Domain code sees the account's clock (real time, unless the account has travelled forward).
      const clock = accountClock(deps.clock, principal.account);
      const base = {
        account: principal.account,
        principal,
        clock,
        requestId,
        version,
        origin,
        ...(uploads && { uploads }),
      };

      idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
      let idempotency: { key: string; fingerprint: string } | undefined;
      if (idempotencyKey !== undefined) {
        checkKey(idempotencyKey);
        const account = principal.account.id;
        // The stored fingerprint names the endpoint; a card number in the URL is masked there (a
        // path differing only in masked digits counts as the same endpoint, as `card[number]` does).
        const print = fingerprint(method, redactPans(path), params);
        if (!inFlight.claim(account, idempotencyKey)) throw idempotencyKeyInUse(idempotencyKey);
        claimed = { account, key: idempotencyKey };
        idempotency = { key: idempotencyKey, fingerprint: print };
      }

      // Validation failures are not stored: the same key may be retried with corrected parameters.
      // Parameters an older version spells differently are brought to the newest spelling first.
      upgradeRequest(op.name, version, params);
      const input = validate(op.schema, params);
      checkExpandPaths(op.returns, expandPaths(input), version);
      const response = await execute(op, pathParams, input, base, idempotency);
      const extra: Record<string, string> = {};
      if (idempotencyKey !== undefined) {
        extra['Idempotency-Key'] = idempotencyKey;
        extra['Original-Request'] = response.replayOf ?? requestId;
        if (response.replayOf) extra['Idempotent-Replayed'] = 'true';
      }
      return send(res, requestId, response, extra);
    } catch (err) {
      if (err instanceof ClientGone) return 499; // nginx's "client closed request", for the request log
      if (err instanceof IdempotencyKeyTaken && idempotencyKey)
        return sendError(res, requestId, idempotencyKeyInUse(idempotencyKey), version);
      if (err instanceof BodyTimedOut) {
        return sendError(res, requestId, requestTimeout('the rest of the request body', err.seconds), version);
      }
      if (err instanceof BodyTooLarge) {
        return sendError(
          res,
          requestId,
          invalidRequest(`Request body too large: at most ${err.maxBytes} bytes are accepted.`),
          version,
        );
      }
      return sendError(res, requestId, err, version);
    } finally {
      if (claimed) inFlight.release(claimed.account, claimed.key);
      if (holdsUpload) uploadsInMemory -= 1;
    }
  }

  function mediaTypeOf(req: IncomingMessage): string {
    return (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  }

  function parseParams(
    req: IncomingMessage,
    method: string,
    mediaType: string,
    query: string,
    body: Buffer,
  ): { params: ParamHash; uploads?: Map<string, UploadedFile> } {
    const fromQuery = parseForm(query);
    if (method !== 'POST') return { params: fromQuery };
    if (isMultipart(mediaType)) {
      const multipart = parseMultipart(body, boundaryOf(header(req, 'content-type') ?? ''));
      return { params: Object.assign(fromQuery, multipart.params), uploads: multipart.uploads };
    }
    if (body.length > 0 && !ALLOWED_CONTENT_TYPES.includes(mediaType)) {
      throw invalidRequest(
        `Invalid request: unsupported Content-Type ${header(req, 'content-type') ?? '(none)'}. If error persists and you need assistance, please contact support@stripe.com.`,
      );
    }
    return { params: Object.assign(fromQuery, parseForm(body.toString('utf8'))) };
  }

  function send(res: ServerResponse, requestId: string, r: Response, extra: Record<string, string> = {}) {
    // A flat [name, value, …] list: Node writes it as it is, without building and copying a headers
    // object first (measured ~15 µs a response). Content-Length, as Stripe sends it (and a single
    // write instead of chunked framing).
    const headers = [...BASE_HEADER_LIST];
    for (const name in r.headers) headers.push(name, r.headers[name] as string);
    for (const name in extra) headers.push(name, extra[name] as string);
    headers.push('Content-Length', String(Buffer.byteLength(r.body)), 'Request-Id', requestId);
    res.writeHead(r.status, headers);
    res.end(r.body);
    return r.status;
  }

  function sendError(res: ServerResponse, requestId: string, err: unknown, version?: string): number {
    let error: StripeError;
    if (err instanceof StripeError) error = err;
    else {
      deps.onInternalError?.(err, requestId);
      error = internalError(requestId);
    }
    return send(res, requestId, errorResponse(error, requestId, version));
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const requestId = newRequestId();

    if (path === '/healthz' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"status":"ok"}\n');
      return;
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...BASE_HEADERS,
        'Access-Control-Allow-Headers': header(req, 'access-control-request-headers') ?? '*',
        'Request-Id': requestId,
      });
      res.end();
      return;
    }
    const meta: { account?: string } = {};
    const status = await handleApi(req, method, path, query, requestId, res, meta);
    const idempotencyKey = header(req, 'idempotency-key');
    // The request log and `--log-requests` lines keep these: card numbers in them are masked
    // (a scan of a few dozen characters per request).
    deps.onRequest?.({
      ...meta,
      method,
      path: redactPans(path),
      status,
      requestId,
      idempotencyKey: idempotencyKey === undefined ? undefined : redactPans(idempotencyKey),
      durationMs: performance.now() - started,
    });
  };
}
