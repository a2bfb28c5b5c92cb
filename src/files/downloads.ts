/**
 * Downloads of file contents: raw bytes, not JSON, so they are served beside the API rather than
 * through its operations (as Stripe serves them from files.stripe.com):
 * - `GET /v1/files/:id/contents` with a secret key (a File's `url`);
 * - `GET /links/:token` without a key (a FileLink's `url`), until the link expires.
 * Failures answer as the API does: Stripe's JSON error with a `Request-Id`.
 *
 * Uploaded bytes are someone else's content on Sandbank's origin: they are sent with `nosniff` and
 * a CSP sandbox, so an uploaded SVG or HTML-looking file cannot run script there.
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../platform/auth.js';
import { publishableKeyNotAllowed } from '../platform/auth.js';
import { accountClock, type Clock } from '../platform/clock.js';
import { errorBody, internalError, StripeError, unrecognizedUrl } from '../platform/errors.js';
import { type RequestLogEntry, serialize } from '../platform/http.js';
import { newRequestId } from '../platform/ids.js';
import { loadObject } from '../platform/objects.js';
import type { Store } from '../store/store.js';
import { FILE, FILE_LINK, type FileLink, type FileLinkState, type StripeFile } from './object.js';
import { fileContents, isLinkLive, LINKS_PREFIX, parseLinkToken } from './service.js';

export interface DownloadDeps {
  store: Store;
  clock: Clock;
  auth: Authenticator;
  /** Where unexpected errors are reported (the app's logger). */
  onError: (err: unknown, requestId: string) => void;
  /** Called after each download, as after each API request (the request log). */
  onRequest?: (entry: RequestLogEntry) => void;
}

const CONTENTS = /^\/v1\/files\/([^/]+)\/contents$/;

/** Whether a request URL is a download (checked on every request: two string tests). */
export function isDownload(url: string): boolean {
  return url.startsWith(LINKS_PREFIX) || (url.startsWith('/v1/files/') && CONTENTS.test(pathOf(url)));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function gone(what: string): StripeError {
  return new StripeError({ kind: 'not_found', type: 'invalid_request_error', message: what });
}

export function createDownloads(deps: DownloadDeps) {
  async function fileBytes(account: string, file: StripeFile, now: number) {
    const expired = file.expires_at !== null && file.expires_at <= now;
    const contents = expired ? undefined : await fileContents(deps.store, account, file.id);
    if (!contents) {
      throw gone(`The file ${file.id} has expired: its contents are no longer available.`);
    }
    return contents;
  }

  /** `GET /v1/files/:id/contents`: the account's own file, with its secret key. */
  async function byKey(req: IncomingMessage, id: string, meta: { account?: string }) {
    const principal = await deps.auth.authenticate(req.headers.authorization);
    meta.account = principal.account.id;
    if (principal.kind === 'publishable') throw publishableKeyNotAllowed();
    const account = principal.account;
    const { object: file } = await loadObject<StripeFile>(deps.store, account.id, id, FILE);
    if (file.url === null) {
      throw new StripeError({
        kind: 'forbidden',
        type: 'invalid_request_error',
        message: `Files with purpose ${file.purpose} cannot be downloaded.`,
      });
    }
    return { file, contents: await fileBytes(account.id, file, accountClock(deps.clock, account).now()) };
  }

  /** `GET /links/:token`: anyone with the link's URL, until it expires. */
  async function byLink(token: string, meta: { account?: string }) {
    const parsed = parseLinkToken(token);
    const noSuchLink = () => gone('No such file link: this link does not exist.');
    if (!parsed) throw noSuchLink();
    const account = await deps.store.getAccount(parsed.account);
    if (!account) throw noSuchLink();
    const row = await deps.store.getObject(account.id, parsed.linkId);
    if (!row || row.type !== FILE_LINK || row.deleted) throw noSuchLink();
    const secret = (JSON.parse(row.internal ?? '{}') as Partial<FileLinkState>).secret ?? '';
    const [given, stored] = [Buffer.from(parsed.secret), Buffer.from(secret)];
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) throw noSuchLink();
    // Only a real link's downloads reach the account's request log.
    meta.account = account.id;
    const link = JSON.parse(row.json) as FileLink;
    const now = accountClock(deps.clock, account).now();
    if (!isLinkLive(link, now)) throw gone(`The file link ${link.id} has expired.`);
    const { object: file } = await loadObject<StripeFile>(deps.store, account.id, link.file, FILE);
    return { file, contents: await fileBytes(account.id, file, now) };
  }

  async function download(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const path = pathOf(req.url ?? '/');
    const method = req.method ?? 'GET';
    const meta: { account?: string } = {};
    const status = await answer(req, res, requestId, path, method, meta);
    deps.onRequest?.({
      ...meta,
      method,
      // A link's token is its secret: the log shows that it was a link, not which.
      path: path.startsWith(LINKS_PREFIX) ? `${LINKS_PREFIX}…` : path,
      status,
      requestId,
      idempotencyKey: undefined,
      durationMs: performance.now() - started,
    });
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    path: string,
    method: string,
    meta: { account?: string },
  ): Promise<number> {
    try {
      // Nothing is read from a body: it is discarded so the connection stays usable.
      req.resume();
      if (method !== 'GET' && method !== 'HEAD') throw unrecognizedUrl(method, path);
      let found: Awaited<ReturnType<typeof byKey>>;
      if (path.startsWith(LINKS_PREFIX)) found = await byLink(path.slice(LINKS_PREFIX.length), meta);
      else {
        const id = decodeURIComponent(CONTENTS.exec(path)?.[1] ?? '');
        // No id contains NUL, and PostgreSQL refuses it in a query parameter (a 500 instead of a 404).
        if (id.includes('\u0000')) throw gone(`No such file: '${id.replaceAll('\u0000', '')}'`);
        found = await byKey(req, id, meta);
      }
      const { file, contents } = found;
      const name = file.filename ?? file.id;
      res.writeHead(200, {
        'Content-Type': contents.contentType,
        'Content-Length': String(contents.data.length),
        'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
        'Cache-Control': 'no-cache, no-store',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'Access-Control-Allow-Origin': '*',
        'Request-Id': requestId,
      });
      res.end(method === 'HEAD' ? undefined : contents.data);
      return 200;
    } catch (err) {
      let error: StripeError;
      if (err instanceof StripeError) error = err;
      else if (err instanceof URIError) error = gone(`No such file: '${path}'`);
      else {
        deps.onError(err, requestId);
        error = internalError(requestId);
      }
      const body = serialize(errorBody(error, requestId));
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        'Cache-Control': 'no-cache, no-store',
        'Access-Control-Allow-Origin': '*',
        'Request-Id': requestId,
      };
      if (error.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Basic realm="Stripe"';
      res.writeHead(error.status, headers);
      res.end(method === 'HEAD' ? undefined : body);
      return error.status;
    }
  }

  return download;
}
