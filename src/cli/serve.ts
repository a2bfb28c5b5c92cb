/**
 * `sandbank serve` as a process: opens the app with validated settings (serve-config.ts), logs
 * through one logger (text or JSON lines, platform/log.ts) — start, warnings about the setup,
 * `--log-requests` lines, failures, stop — and shuts down cleanly on SIGTERM/SIGINT.
 *
 * The start line always contains `listening on http://HOST:PORT`: tests, `bench/run.ts` and
 * scripts find the port in it (in JSON mode inside `msg`). Nothing here writes to the console
 * except through the logger, so a JSON log is JSON on every line.
 */
import { createApp } from '../app.js';
import type { RequestLogEntry } from '../platform/http.js';
import { createLogger, type Logger } from '../platform/log.js';
import { describeDb, isLoopback, isPostgresUrl, MEMORY_DB, type ServeConfig } from './serve-config.js';

/** One `--log-requests` line: the request's facts as fields, so JSON logs can be queried by them. */
function logRequest(logger: Logger, e: RequestLogEntry): void {
  logger.info('request', {
    method: e.method,
    path: e.path,
    status: e.status,
    request_id: e.requestId,
    idempotency_key: e.idempotencyKey,
    account: e.account,
    duration_ms: Math.round(e.durationMs * 10) / 10,
  });
}

/** Runs the server until a signal stops it; a failure to start is logged and exits with status 1. */
export async function runServe(config: ServeConfig): Promise<void> {
  const logger = createLogger(config.logFormat);
  const db = describeDb(config.db, process.cwd());
  if (config.db === MEMORY_DB) {
    logger.warn(`the database is in memory (--db ${MEMORY_DB}): nothing will survive a restart`);
  }
  const postgres = isPostgresUrl(config.db);
  if (config.fsync && postgres) {
    logger.warn('--fsync applies to SQLite only: on PostgreSQL durability is the server setting synchronous_commit');
  }
  if (!isLoopback(config.host)) {
    logger.warn(`listening beyond this machine (--host ${config.host}): anyone who can reach it can use the API`, {
      strict_keys: config.strictKeys,
    });
  }

  let app: Awaited<ReturnType<typeof createApp>>;
  let port: number;
  try {
    app = await createApp({
      db: config.db,
      strictKeys: config.strictKeys,
      fsync: config.fsync,
      webhooks: config.webhooks,
      logger,
      ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
      ...(config.logRequests ? { onRequest: (e: RequestLogEntry) => logRequest(logger, e) } : {}),
    });
  } catch (err) {
    return failed(logger, 'could not open the store', err, { db });
  }
  try {
    port = await app.listen(config.port, config.host);
  } catch (err) {
    await app.close().catch(() => undefined);
    return failed(logger, `could not listen on ${config.host}:${config.port}`, err, {});
  }

  // Handlers first, then the start line: whoever reads that line may signal at once, and a signal
  // before its handler would kill the process instead of stopping it cleanly.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: finishing in-flight requests, then closing the store', { signal });
    try {
      const { drained } = await app.close();
      logger.info('stopped', { signal, drained });
      process.exit(0);
    } catch (err) {
      failed(logger, 'could not stop cleanly', err, { signal });
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(`Sandbank listening on ${address}`, {
    host: config.host,
    port,
    public_url: app.publicUrl(),
    store: app.store.kind,
    db,
    // What a commit's acknowledgement promises (docs/operations.md); PostgreSQL's is its own setting.
    ...(postgres ? {} : { synchronous: config.fsync ? 'FULL' : 'NORMAL' }),
    strict_keys: config.strictKeys,
  });
  if (config.strictKeys) logger.info('Strict keys: only keys from `sandbank keys create` are accepted.');
  else logger.info('Any test key works; each key suffix is its own account, e.g. sk_test_sandbank / pk_test_sandbank');
  logger.info(`Try: curl ${app.publicUrl()}/v1/customers -u sk_test_sandbank: -d email=jenny@example.com`);
}

/**
 * Logs why the server could not start or stop, and exits with status 1. The message and code are
 * what an operator acts on (`EADDRINUSE`, `SQLITE_CANTOPEN`); a stack trace would only bury them.
 */
function failed(logger: Logger, what: string, err: unknown, fields: Record<string, unknown>): never {
  const code = (err as { code?: unknown } | null)?.code;
  logger.error(`${what}: ${err instanceof Error ? err.message : String(err)}`, {
    ...fields,
    ...(code !== undefined ? { code } : {}),
  });
  process.exit(1);
}
