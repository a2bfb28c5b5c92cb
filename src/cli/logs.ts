/**
 * `sandbank logs tail`: the account's API requests as they happen, like the Stripe CLI's
 * `stripe logs tail`, from the server's request log (`GET /sandbank/v1/requests`, polled four times a
 * second). One line per request, with Sandbank's idempotency key and duration after Stripe's fields:
 *
 *   2024-05-01 12:00:00 [200] POST /v1/customers [req_…] [idempotency-key] 12ms
 *
 * Requests made before the command started are not shown. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import {
  type ApiClient,
  ApiError,
  CONNECTION_OPTIONS,
  ConnectionError,
  clientFor,
  interrupted,
  localTimestamp,
  runCommand,
  sleep,
  UsageError,
  usageErrors,
} from './http-client.js';

export const LOGS_USAGE = `  sandbank logs tail [--api-key KEY] [--url URL]`;

const POLL_MS = 250;
const PAGE = 1000;

/** A request, as `GET /sandbank/v1/requests` lists it. */
export interface LoggedRequest {
  id: string;
  created: number;
  method: string;
  path: string;
  status: number;
  idempotency_key: string | null;
  duration_ms: number;
}

export function requestLine(r: LoggedRequest): string {
  const key = r.idempotency_key ? ` [${r.idempotency_key}]` : '';
  return `${localTimestamp(new Date(r.created * 1000))} [${r.status}] ${r.method} ${r.path} [${r.id}]${key} ${r.duration_ms}ms`;
}

export function runLogs(args: string[]): Promise<void> {
  return runCommand(LOGS_USAGE, () => logs(args));
}

async function logs(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({ args, allowPositionals: true, options: { ...CONNECTION_OPTIONS } }),
  );
  const [sub, ...rest] = positionals;
  if (sub !== 'tail') throw new UsageError(sub ? `unknown command: logs ${sub}` : 'logs needs a subcommand (tail)');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  const client = clientFor(values);
  let stopped = false;
  const stop = interrupted().then(() => {
    stopped = true;
  });

  // Start after the newest request logged so far.
  let cursor = await newest(client);
  console.error("> Ready! You're now waiting to receive API request logs (^C to quit)");
  let failing = false;
  while (!stopped) {
    try {
      cursor = await printAfter(client, cursor);
      failing = false;
    } catch (err) {
      if (err instanceof ApiError && err.param === 'after') {
        // More than 1,000 requests since the last poll pushed the cursor out of the log.
        console.error(`${localTimestamp()} [WARNING] requests were missed (more than 1000 since the last poll)`);
        cursor = await newest(client).catch(() => undefined);
        continue;
      }
      if (!(err instanceof ApiError || err instanceof ConnectionError)) throw err;
      if (!failing) console.error(`${localTimestamp()} [ERROR] ${err.message}`);
      failing = true;
    }
    await Promise.race([sleep(POLL_MS), stop]);
  }
}

async function newest(client: ApiClient): Promise<string | undefined> {
  const page = (await client.get('/sandbank/v1/requests', { limit: PAGE })) as { data: LoggedRequest[] };
  return page.data[page.data.length - 1]?.id;
}

/** Prints every request after `cursor`; returns the new cursor. */
async function printAfter(client: ApiClient, cursor: string | undefined): Promise<string | undefined> {
  for (;;) {
    const page = (await client.get('/sandbank/v1/requests', { after: cursor, limit: PAGE })) as {
      data: LoggedRequest[];
      has_more: boolean;
    };
    for (const r of page.data) {
      console.log(requestLine(r));
      cursor = r.id;
    }
    if (!page.has_more || page.data.length === 0) return cursor;
  }
}
