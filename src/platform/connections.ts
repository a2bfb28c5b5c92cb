/**
 * The HTTP server's limits on connections: sizes, timeouts and a connection cap, so that slow,
 * stuck or oversized clients can neither pile up nor get Node's bare answers (an empty `431`, a
 * plain-text `408`, a reset). Whatever can still be answered gets a Stripe-shaped JSON error with a
 * `Request-Id`, rendered by `http.ts`; what cannot (the client already hung up, or a response is
 * half-written) is closed.
 *
 * Who enforces what:
 * - Node's parser: request line plus headers at most `maxHeaderBytes` (`HPE_HEADER_OVERFLOW`, then
 *   414 or 431 here), and `headersTimeoutMs` for them to arrive (408 here).
 * - `http.ts`: a body that stalls for `bodyIdleTimeoutMs` or takes longer than `bodyTimeoutMs` (408
 *   through the request's own response, so the request log sees it). Node's `requestTimeout` is set
 *   just past both, as a backstop for anything else that reads slowly.
 * - `maxConnections`: connections beyond it are closed as soon as they are accepted (Node's
 *   behaviour), with a warning in the server's log at most every 10 seconds.
 * - `keepAliveTimeoutMs` keeps an idle connection between requests, as SDKs reuse connections.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { headersTooLarge, malformedRequest, requestTimeout, type StripeError, uriTooLong } from './errors.js';
import { type BodyTimeouts, DEFAULT_BODY_TIMEOUTS, writeErrorToSocket } from './http.js';
import type { Logger } from './log.js';

export interface HttpLimits {
  /** Bytes of request line plus headers (Node's `maxHeaderSize`); beyond it, 414 or 431. */
  maxHeaderBytes: number;
  /** Time for a request's line and headers to arrive, from its first byte; then 408. */
  headersTimeoutMs: number;
  /** Time a request body may send nothing; then 408. */
  bodyIdleTimeoutMs: number;
  /** Time for a whole request body to arrive once its request is being handled; then 408. */
  bodyTimeoutMs: number;
  /** Open connections at once; more are closed as soon as they are accepted. */
  maxConnections: number;
  /** How long an idle connection is kept between requests. */
  keepAliveTimeoutMs: number;
}

/**
 * Generous for any real client (SDKs send a request in one go, on loopback or a LAN), short enough
 * that stuck ones go within half a minute. A 1 MiB body (the largest accepted) needs 20 KB/s to
 * arrive within a minute. 256 connections, each of which may hold a body of up to 1 MiB while it is
 * read, bound that memory to 256 MiB (file uploads, multipart bodies of up to 17 MiB, raise the worst
 * case accordingly: see docs/files.md); parallel test suites use a few dozen. Node's default header
 * limit (16 KiB) holds any URL Stripe's SDKs build (long parameters travel in POST bodies). 65 s of
 * keep-alive outlasts the SDKs' and load balancers' 60 s idle timeouts.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 20_000,
  bodyIdleTimeoutMs: DEFAULT_BODY_TIMEOUTS.idleMs,
  bodyTimeoutMs: DEFAULT_BODY_TIMEOUTS.totalMs,
  maxConnections: 256,
  keepAliveTimeoutMs: 65_000,
};

/** How often Node looks for requests past their header and request timeouts. */
function checkingInterval(limits: HttpLimits): number {
  return Math.max(50, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4)));
}

/** Options of `createServer`: some limits can only be set there. */
export function serverOptions(limits: HttpLimits): ServerOptions {
  const interval = checkingInterval(limits);
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    // A backstop behind the body timeouts (which answer first, through the request's response).
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 2 * interval,
    connectionsCheckingInterval: interval,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
}

/** What `http.ts` enforces while it reads a body. */
export function bodyTimeouts(limits: HttpLimits): BodyTimeouts {
  return { idleMs: limits.bodyIdleTimeoutMs, totalMs: limits.bodyTimeoutMs };
}

const DROP_WARNING_INTERVAL_MS = 10_000;

/**
 * Applies the limits that are server properties, and answers Node's `clientError`s. `track` must be
 * called with each request's response (it tells whether a response is under way on a socket).
 */
export function guardConnections(
  server: Server,
  limits: HttpLimits,
  logger: Logger,
): { track(res: ServerResponse): void } {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  // The response currently (or last) written on each socket.
  const responses = new WeakMap<Duplex, ServerResponse>();

  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex) => {
    const res = responses.get(socket);
    const responding = res !== undefined && !res.writableFinished;
    const error = clientErrorFor(err, limits, responding && res ? res.req : undefined);
    // A response already on the wire cannot be followed by another; a reset client hears nothing.
    if (!error || !socket.writable || (responding && res?.headersSent)) {
      socket.destroy();
      return;
    }
    writeErrorToSocket(socket, error);
    // Whatever the client still sends is not read: close once the answer is out, or soon anyway.
    socket.once('finish', () => socket.destroy());
    setTimeout(() => socket.destroy(), 1_000).unref();
  });

  let dropped = 0;
  let warnedAt = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - warnedAt < DROP_WARNING_INTERVAL_MS) return;
    warnedAt = now;
    logger.warn('connections refused: over the connection limit', {
      max_connections: limits.maxConnections,
      refused: dropped,
    });
    dropped = 0;
  });

  return {
    track(res) {
      responses.set(res.req.socket, res);
    },
  };
}

/**
 * The answer to a failure Node's parser reports, or undefined when there is nobody to answer (the
 * client reset the connection). `req` is the request whose body was being read, if any.
 */
export function clientErrorFor(
  err: Error & { code?: string; rawPacket?: Buffer },
  limits: HttpLimits,
  req?: IncomingMessage,
): StripeError | undefined {
  const code = err.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') {
    return requestLineOverflows(err.rawPacket, limits.maxHeaderBytes)
      ? uriTooLong(limits.maxHeaderBytes)
      : headersTooLarge(limits.maxHeaderBytes);
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return req && !req.complete
      ? requestTimeout('the rest of the request body', Math.round(limits.bodyTimeoutMs / 1000))
      : requestTimeout('the request headers', Math.round(limits.headersTimeoutMs / 1000));
  }
  if (code.startsWith('HPE_')) return malformedRequest(code);
  return undefined;
}

/**
 * Whether a header overflow is the URL's doing: the bytes being parsed start a request whose line
 * takes more than half the budget (or never ends within them). Node reports only the chunk it was
 * parsing, so a URL split over several reads may be reported as headers (431): the closest it can tell.
 */
function requestLineOverflows(raw: Buffer | undefined, maxBytes: number): boolean {
  if (!raw || !/^[A-Z]+ /.test(raw.subarray(0, 16).toString('latin1'))) return false;
  const end = raw.indexOf('\n');
  return end === -1 || end > maxBytes / 2;
}
