/**
 * Wires Sandbank together: store, clock, authenticator, the route table of every resource, and the
 * HTTP handler. Plain functions and objects; tests build an app the same way the CLI does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountOperations } from './accounts/routes.js';
import { balanceOperations } from './balance/routes.js';
import { RELEASE_JOB, releaseFunds } from './balance/transactions.js';
import { billingJobHandlers, billingOperations } from './billing/routes.js';
import { customerBalanceTransactionOperations } from './customers/balance-transactions/routes.js';
import { cashBalanceOperations } from './customers/cash-balance/routes.js';
import { customerOperations } from './customers/routes.js';
import { taxIdJobHandlers, taxIdOperations } from './customers/tax-ids/routes.js';
import { Outbox } from './events/outbox.js';
import { EVENT_RETENTION_SECONDS, eventOperations } from './events/routes.js';
import { createDownloads, isDownload } from './files/downloads.js';
import { fileJobHandlers, fileOperations } from './files/routes.js';
import { CREDIT_NOTE_PDF_PREFIX, createInvoicePages, INVOICE_PAGE_PREFIX } from './pages/invoice.js';
import { createThreeDSecurePages, THREE_D_SECURE_PREFIX } from './pages/three-d-secure.js';
import { chargeJobHandlers, chargeOperations } from './payments/charges/routes.js';
import { SETTLE_JOB, settleCharge } from './payments/charges/service.js';
import { disputeJobHandlers, disputeOperations } from './payments/disputes/routes.js';
import { paymentIntentOperations } from './payments/payment-intents/routes.js';
import { finishPaymentIntentAuthentication } from './payments/payment-intents/service.js';
import { paymentMethodOperations } from './payments/payment-methods/routes.js';
import { refundJobHandlers, refundOperations } from './payments/refunds/routes.js';
import { setupIntentOperations } from './payments/setup-intents/routes.js';
import { finishSetupIntentAuthentication } from './payments/setup-intents/service.js';
import { threeDSecureOperations } from './payments/three-d-secure/routes.js';
import { payoutJobHandlers, payoutOperations } from './payouts/routes.js';
import { type Authenticator, createAuthenticator } from './platform/auth.js';
import { everyInterval, LoopHealth } from './platform/background.js';
import { type Clock, systemClock } from './platform/clock.js';
import {
  bodyTimeouts,
  DEFAULT_HTTP_LIMITS,
  guardConnections,
  type HttpLimits,
  serverOptions,
} from './platform/connections.js';
import { createHttpHandler, type RequestLogEntry } from './platform/http.js';
import { expiredAtOrBefore } from './platform/idempotency.js';
import { createLogger, type Logger } from './platform/log.js';
import { Router } from './platform/operation.js';
import { listeningUrl, parsePublicUrl } from './platform/public-url.js';
import { type JobHandler, Scheduler } from './platform/scheduler.js';
import { radarOperations } from './radar/routes.js';
import { RequestLog, type RequestLogLimits, requestLogOperations } from './sandbank/request-log.js';
import { sandbankOperations } from './sandbank/routes.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';
// Registers every modelled API version change with the renderer.
import './versions/index.js';
import { sourceObjectOperations } from './sources/routes.js';
import { tokenOperations } from './tokens/routes.js';
import { type WebhookOptions, WebhookWorker } from './webhooks/delivery.js';
import { webhookEndpointOperations } from './webhooks/endpoints.js';
import { webhookControlOperations } from './webhooks/routes.js';

/** Every Stripe API endpoint. */
export const operations = [
  ...customerOperations,
  ...taxIdOperations,
  ...customerBalanceTransactionOperations,
  ...cashBalanceOperations,
  ...paymentMethodOperations,
  ...paymentIntentOperations,
  ...setupIntentOperations,
  ...chargeOperations,
  ...refundOperations,
  ...disputeOperations,
  ...balanceOperations,
  ...payoutOperations,
  ...radarOperations,
  ...eventOperations,
  ...webhookEndpointOperations,
  ...accountOperations,
  ...tokenOperations,
  ...sourceObjectOperations,
  ...fileOperations,
  ...billingOperations,
];

/** What runs when a scheduled job comes due, by job kind. */
export const jobHandlers: Record<string, JobHandler> = {
  [RELEASE_JOB]: releaseFunds,
  [SETTLE_JOB]: settleCharge,
  ...chargeJobHandlers,
  ...payoutJobHandlers,
  ...refundJobHandlers,
  ...disputeJobHandlers,
  ...taxIdJobHandlers,
  ...fileJobHandlers,
  ...billingJobHandlers,
};

export interface AppOptions {
  /** File path, `:memory:`, or `postgres://…`. */
  db: string;
  strictKeys?: boolean;
  /** Real time (default: the system clock); each account's clock runs ahead of it by the account's offset. */
  clock?: Clock;
  onRequest?: (entry: RequestLogEntry) => void;
  /** Where unexpected errors are reported (default: the logger, as `internal error` lines). */
  onInternalError?: (err: unknown, requestId: string) => void;
  /** Webhook delivery: retry schedule, timeout, concurrency. */
  webhooks?: WebhookOptions;
  /** The server's own log (default: readable text on stdout/stderr). */
  logger?: Logger;
  /** Bounds of the in-memory request log (defaults: `DEFAULT_REQUEST_LOG_LIMITS`). */
  requestLog?: Partial<RequestLogLimits>;
  /** API keys whose account stays cached in memory (default: `DEFAULT_MAX_CACHED_KEYS`). */
  maxCachedKeys?: number;
  /** Sizes, timeouts and the connection cap of the HTTP server (defaults: `DEFAULT_HTTP_LIMITS`). */
  http?: Partial<HttpLimits>;
  /**
   * The base URL of the links Sandbank hands out (3-D Secure pages), e.g. `http://sandbank:12111`
   * when browsers reach it under another name than it listens on (see platform/public-url.ts).
   * Default: the listening address.
   */
  publicUrl?: string;
  /** SQLite: fsync every commit (`synchronous = FULL`); see docs/operations.md. */
  fsync?: boolean;
}

export interface App {
  store: Store;
  logger: Logger;
  /** Where every event goes (the events table, then the webhook fan-out). */
  outbox: Outbox;
  clock: Clock;
  scheduler: Scheduler;
  webhooks: WebhookWorker;
  /** In-memory state with bounds, exposed so tests can check them. */
  requestLog: RequestLog;
  auth: Authenticator;
  server: Server;
  /** The base URL of the links Sandbank hands out: the configured public URL, else the listening address. */
  publicUrl(): string;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /**
   * Stops accepting connections, lets in-flight requests finish, then closes the store. Resolves
   * with how many requests were still in flight and were waited for (for the stop log line).
   */
  close(): Promise<{ drained: number }>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...opts.http };
  // Checked before the store opens: a bad URL is a configuration mistake, not a runtime failure.
  const publicUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl);
  const logger = opts.logger ?? createLogger();
  const store = await openStore(opts.db, { logger, fsync: opts.fsync ?? false });
  const onInternalError =
    opts.onInternalError ?? ((err, requestId) => logger.error('internal error', { request_id: requestId, err }));
  // Links are built from configuration, never from a request's Host header.
  let origin = publicUrl ?? 'http://127.0.0.1';
  const webhooks = new WebhookWorker(
    store,
    // Delivery times and durations are real time: retries and timeouts do not travel with accounts.
    () => Date.now(),
    logger,
    opts.webhooks,
  );
  // Every event goes to the events table and, in the same transaction, to the webhook fan-out.
  const outbox = new Outbox();
  outbox.subscribe(webhooks.fanOut.subscriber);
  const scheduler = new Scheduler({
    store,
    clock,
    handlers: jobHandlers,
    origin: () => origin,
    events: outbox,
    logger,
    onError: (err, job) => onInternalError(err, `job ${job.kind} #${job.seq}`),
  });
  const requestLog = new RequestLog(opts.requestLog);
  const auth = createAuthenticator(store, clock, {
    strictKeys: opts.strictKeys ?? false,
    ...(opts.maxCachedKeys !== undefined ? { maxCachedKeys: opts.maxCachedKeys } : {}),
  });
  // API requests and file downloads both go to the request log (and to the caller's hook).
  const onRequest = (entry: RequestLogEntry) => {
    if (entry.account) {
      requestLog.record({
        account: entry.account,
        id: entry.requestId,
        created: Math.floor(Date.now() / 1000),
        method: entry.method,
        path: entry.path,
        status: entry.status,
        idempotencyKey: entry.idempotencyKey,
        durationMs: entry.durationMs,
      });
    }
    opts.onRequest?.(entry);
  };
  const handler = createHttpHandler({
    store,
    clock,
    events: outbox,
    runDueNow: (ctx) => scheduler.runDueNow(ctx),
    router: new Router([
      ...operations,
      ...sandbankOperations({ store, clock, scheduler }),
      ...webhookControlOperations(webhooks),
      ...requestLogOperations(requestLog),
      ...threeDSecureOperations(finishPaymentIntentAuthentication, finishSetupIntentAuthentication),
    ]),
    auth,
    origin: () => origin,
    onRequest,
    onInternalError,
    bodyTimeouts: bodyTimeouts(limits),
  });
  const pages = createThreeDSecurePages({
    store,
    clock,
    events: outbox,
    runDueNow: (ctx) => scheduler.runDueNow(ctx),
    origin: () => origin,
    finish: { pi: finishPaymentIntentAuthentication, seti: finishSetupIntentAuthentication },
    onError: (err) => onInternalError(err, '3-D Secure page'),
  });
  const invoicePages = createInvoicePages({
    store,
    clock,
    events: outbox,
    runDueNow: (ctx) => scheduler.runDueNow(ctx),
    origin: () => origin,
    onError: (err) => onInternalError(err, 'invoice page'),
  });
  const downloads = createDownloads({ store, clock, auth, onError: onInternalError, onRequest });
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer(serverOptions(limits), (req, res) => {
    connections.track(res);
    inFlight++;
    res.on('close', () => {
      if (--inFlight === 0) drained?.();
    });
    // The API is the hot path: a request goes to the pages only when its path is theirs.
    if (req.url?.startsWith(THREE_D_SECURE_PREFIX)) void pages(req, res);
    else if (req.url?.startsWith(INVOICE_PAGE_PREFIX) || req.url?.startsWith(CREDIT_NOTE_PDF_PREFIX)) {
      void invoicePages(req, res);
    } else if (req.url && isDownload(req.url)) void downloads(req, res);
    else void handler(req, res);
  });
  const connections = guardConnections(server, limits, logger);

  // Expired idempotency records and events past retention are pruned hourly; reads ignore them meanwhile.
  const stopPruning = everyInterval(new LoopHealth('pruning', logger), 3_600_000, async () => {
    await store.deleteIdempotencyBefore(expiredAtOrBefore(clock.now()) + 1);
    await store.deleteEventsBefore(clock.now() - EVENT_RETENTION_SECONDS);
  });

  return {
    store,
    logger,
    outbox,
    clock,
    scheduler,
    webhooks,
    requestLog,
    auth,
    server,
    publicUrl: () => origin,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const bound = (server.address() as AddressInfo).port;
          origin = publicUrl ?? listeningUrl(host, bound);
          scheduler.start();
          webhooks.start();
          resolve(bound);
        });
      });
    },
    async close() {
      stopPruning();
      await scheduler.stop();
      await webhooks.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const waitedFor = inFlight;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
      await store.close();
      return { drained: waitedFor };
    },
  };
}
