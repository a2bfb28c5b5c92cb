/**
 * Wires Sandbank together: store, clock, authenticator, the route table of every resource, and the
 * HTTP handler. Plain functions and objects; tests build an app the same way the CLI does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerOperations } from './customers/routes.js';
import { createAuthenticator } from './platform/auth.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createHttpHandler, type RequestLogEntry } from './platform/http.js';
import { expiredAtOrBefore } from './platform/idempotency.js';
import { Router } from './platform/operation.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

export const operations = [...customerOperations];

export interface AppOptions {
  /** File path, `:memory:`, or `postgres://…`. */
  db: string;
  strictKeys?: boolean;
  clock?: Clock;
  onRequest?: (entry: RequestLogEntry) => void;
  /** Where unexpected errors are reported (default: stderr). */
  onInternalError?: (err: unknown, requestId: string) => void;
}

export interface App {
  store: Store;
  server: Server;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const store = await openStore(opts.db);
  const handler = createHttpHandler({
    store,
    clock,
    router: new Router(operations),
    auth: createAuthenticator(store, clock, { strictKeys: opts.strictKeys ?? false }),
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
    onInternalError: opts.onInternalError ?? ((err, requestId) => console.error(`[${requestId}] internal error:`, err)),
  });
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      if (--inFlight === 0) drained?.();
    });
    void handler(req, res);
  });
  server.keepAliveTimeout = 65_000;

  // Expired idempotency records are pruned hourly; lookups ignore them in the meantime.
  const prune = setInterval(() => {
    store.deleteIdempotencyBefore(expiredAtOrBefore(clock.now()) + 1).catch(() => undefined);
  }, 3_600_000);
  prune.unref();

  return {
    store,
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    async close() {
      clearInterval(prune);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
      await store.close();
    },
  };
}
