#!/usr/bin/env node
/**
 * The `sandbank` command line.
 *   sandbank serve [--host 127.0.0.1] [--port 12111] [--db ./.sandbank/sandbank.db] [--strict-keys] [--log-requests]
 *   sandbank keys create [--db …]
 *   sandbank accounts show|update …, sandbank time advance … (a running server's settings; cli/accounts.ts)
 *   sandbank listen …, trigger …, events resend …, logs tail … (webhooks and logs of a running server)
 *   serve also takes [--webhook-retries 300,1800,7200] [--webhook-timeout 20000]
 * Flags fall back to SANDBANK_HOST, SANDBANK_PORT, SANDBANK_DB, SANDBANK_WEBHOOK_RETRIES, SANDBANK_WEBHOOK_TIMEOUT_MS.
 */
import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { createKeyPair } from '../platform/auth.js';
import { systemClock } from '../platform/clock.js';
import { openStore } from '../store/index.js';
import type { WebhookOptions } from '../webhooks/delivery.js';
import { ADMIN_USAGE, runAdminCommand } from './accounts.js';
import { EVENTS_USAGE, runEvents } from './events.js';
import { LISTEN_USAGE, runListen } from './listen.js';
import { LOGS_USAGE, runLogs } from './logs.js';
import { runTrigger, TRIGGER_USAGE } from './trigger.js';

const USAGE = `Usage:
  sandbank serve [--host HOST] [--port PORT] [--db PATH|:memory:|postgres://URL] [--strict-keys] [--log-requests]
                 [--webhook-retries 300,1800,7200] [--webhook-timeout 20000]
  sandbank keys create [--db ...]
${ADMIN_USAGE}
${LISTEN_USAGE}
${TRIGGER_USAGE}
${EVENTS_USAGE}
${LOGS_USAGE}

listen, trigger, events and logs use --api-key (default SANDBANK_API_KEY or sk_test_sandbank) and
--url (default SANDBANK_URL or http://127.0.0.1:12111).

Defaults: --host 127.0.0.1 (SANDBANK_HOST), --port 12111 (SANDBANK_PORT; 0 picks a free port),
          --db ./.sandbank/sandbank.db (SANDBANK_DB),
          --webhook-retries 300,1800,7200 (SANDBANK_WEBHOOK_RETRIES; seconds between delivery attempts),
          --webhook-timeout 20000 (SANDBANK_WEBHOOK_TIMEOUT_MS)`;

const DEFAULT_DB = './.sandbank/sandbank.db';

function options(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      'strict-keys': { type: 'boolean' },
      'log-requests': { type: 'boolean' },
      'webhook-retries': { type: 'string' },
      'webhook-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    positionals,
    help: values.help ?? false,
    host: values.host ?? process.env.SANDBANK_HOST ?? '127.0.0.1',
    port: Number(values.port ?? process.env.SANDBANK_PORT ?? 12111),
    db: values.db ?? process.env.SANDBANK_DB ?? DEFAULT_DB,
    strictKeys: values['strict-keys'] ?? false,
    logRequests: values['log-requests'] ?? false,
    webhookRetries: values['webhook-retries'] ?? (process.env.SANDBANK_WEBHOOK_RETRIES || undefined),
    webhookTimeout: values['webhook-timeout'] ?? (process.env.SANDBANK_WEBHOOK_TIMEOUT_MS || undefined),
  };
}

/** `--webhook-retries 1,2,5` (seconds between attempts; empty: no retries) and `--webhook-timeout 5000` (ms). */
function webhookOptions(opts: ReturnType<typeof options>): WebhookOptions {
  const out: WebhookOptions = {};
  if (opts.webhookRetries !== undefined) {
    const raw = opts.webhookRetries.trim();
    const schedule = raw === '' ? [] : raw.split(',').map((s) => Number(s.trim()));
    if (schedule.some((n) => !Number.isFinite(n) || n < 0))
      throw new Error(`invalid --webhook-retries: ${opts.webhookRetries} (seconds between attempts, e.g. 1,2,5)`);
    out.retrySchedule = schedule;
  }
  if (opts.webhookTimeout !== undefined) {
    const ms = Number(opts.webhookTimeout);
    if (!Number.isFinite(ms) || ms <= 0) throw new Error(`invalid --webhook-timeout: ${opts.webhookTimeout} (ms)`);
    out.timeoutMs = ms;
  }
  return out;
}

async function serve(opts: ReturnType<typeof options>) {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new Error(`invalid --port: ${opts.port}`);
  const app = await createApp({
    db: opts.db,
    strictKeys: opts.strictKeys,
    webhooks: webhookOptions(opts),
    ...(opts.logRequests
      ? {
          onRequest: (e) =>
            console.log(
              `${e.method} ${e.path} ${e.status} ${e.requestId}${e.idempotencyKey ? ` idem=${e.idempotencyKey}` : ''} ${e.durationMs.toFixed(1)}ms`,
            ),
        }
      : {}),
  });
  const port = await app.listen(opts.port, opts.host);
  const url = `http://${opts.host}:${port}`;
  console.log(
    `Sandbank listening on ${url} (store: ${app.store.kind}${opts.db.startsWith('postgres') ? '' : ` ${opts.db}`})`,
  );
  if (opts.strictKeys) console.log('Strict keys: only keys from `sandbank keys create` are accepted.');
  else console.log('Any test key works; each key suffix is its own account, e.g. sk_test_sandbank / pk_test_sandbank');
  console.log(`Try: curl ${url}/v1/customers -u sk_test_sandbank: -d email=jenny@example.com`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining requests and closing the store…`);
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function keysCreate(opts: ReturnType<typeof options>) {
  const store = await openStore(opts.db);
  try {
    const pair = await createKeyPair(store, systemClock);
    console.log(`account:          ${pair.account}`);
    console.log(`secret key:       ${pair.secret}`);
    console.log(`publishable key:  ${pair.publishable}`);
  } finally {
    await store.close();
  }
}

async function main() {
  const command0 = process.argv[2];
  if (command0 === 'accounts' || command0 === 'time') return runAdminCommand(process.argv.slice(2));
  if (command0 === 'listen') return runListen(process.argv.slice(3));
  if (command0 === 'trigger') return runTrigger(process.argv.slice(3));
  if (command0 === 'events') return runEvents(process.argv.slice(3));
  if (command0 === 'logs') return runLogs(process.argv.slice(3));
  const opts = options(process.argv.slice(2));
  const [command = 'serve', sub] = opts.positionals;
  if (opts.help) return console.log(USAGE);
  if (command === 'serve') return serve(opts);
  if (command === 'keys' && sub === 'create') return keysCreate(opts);
  console.error(USAGE);
  process.exit(2);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
