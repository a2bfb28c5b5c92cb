#!/usr/bin/env node
/**
 * The `sandbank` command line.
 *   sandbank serve [--host 127.0.0.1] [--port 12111] [--db ./.sandbank/sandbank.db] [--strict-keys] [--log-requests]
 *   sandbank keys create [--db …]
 *   sandbank backup [--db …] --to FILE (an online copy of a SQLite database; cli/backup.ts)
 *   sandbank accounts show|update …, sandbank time advance … (a running server's settings; cli/accounts.ts)
 *   sandbank billing settings show|update … (dunning settings of a running server; cli/billing.ts)
 *   sandbank listen …, trigger …, events resend …, logs tail … (webhooks and logs of a running server)
 *   serve also takes [--log-format text|json] [--public-url URL] [--fsync] [--webhook-retries 300,1800,7200]
 *   [--webhook-timeout 20000] (cli/serve.ts runs it)
 * Flags fall back to SANDBANK_HOST, SANDBANK_PORT, SANDBANK_DB, SANDBANK_LOG_FORMAT, SANDBANK_PUBLIC_URL,
 * SANDBANK_FSYNC, SANDBANK_WEBHOOK_RETRIES, SANDBANK_WEBHOOK_TIMEOUT_MS; an empty variable counts as
 * unset, and every value is validated (cli/serve-config.ts). Usage mistakes exit with status 2,
 * failures with status 1.
 */
import { parseArgs } from 'node:util';
import { createKeyPair } from '../platform/auth.js';
import { systemClock } from '../platform/clock.js';
import { openStore } from '../store/index.js';
import { ADMIN_USAGE, runAdminCommand } from './accounts.js';
import { BACKUP_USAGE, runBackup } from './backup.js';
import { BILLING_USAGE, runBillingCommand } from './billing.js';
import { EVENTS_USAGE, runEvents } from './events.js';
import { LISTEN_USAGE, runListen } from './listen.js';
import { LOGS_USAGE, runLogs } from './logs.js';
import { runServe } from './serve.js';
import { dbLocation, SERVE_FLAGS, type ServeFlags, serveConfig, UsageError } from './serve-config.js';
import { runTrigger, TRIGGER_USAGE } from './trigger.js';

const USAGE = `Usage:
  sandbank serve [--host HOST] [--port PORT] [--db PATH|:memory:|postgres://URL] [--strict-keys] [--log-requests]
                 [--log-format text|json] [--public-url URL] [--fsync] [--webhook-retries 300,1800,7200] [--webhook-timeout 20000]
  sandbank keys create [--db ...]
${BACKUP_USAGE}
${ADMIN_USAGE}
${BILLING_USAGE}
${LISTEN_USAGE}
${TRIGGER_USAGE}
${EVENTS_USAGE}
${LOGS_USAGE}

listen, trigger, events and logs use --api-key (default SANDBANK_API_KEY or sk_test_sandbank) and
--url (default SANDBANK_URL or http://127.0.0.1:12111).

Defaults: --host 127.0.0.1 (SANDBANK_HOST), --port 12111 (SANDBANK_PORT; 0 picks a free port),
          --db ./.sandbank/sandbank.db (SANDBANK_DB),
          --public-url: the listening address (SANDBANK_PUBLIC_URL; the base of links to hosted pages,
            for when browsers reach Sandbank under another name, e.g. in Docker or CI),
          --webhook-retries 300,1800,7200 (SANDBANK_WEBHOOK_RETRIES; seconds between delivery attempts),
          --webhook-timeout 20000 (SANDBANK_WEBHOOK_TIMEOUT_MS),
          --log-format text (SANDBANK_LOG_FORMAT; json writes one JSON object per line),
          --fsync off (SANDBANK_FSYNC=1; SQLite fsyncs every commit, so power loss loses nothing acknowledged)
An empty environment variable counts as unset; an empty flag value is an error.`;

/** Parses `serve`/`keys create` arguments; a malformed command line is a usage error (exit 2). */
function parseServeArgs(args: string[]): { flags: ServeFlags & { help?: boolean }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVE_FLAGS });
    return { flags: values, positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function keysCreate(db: string) {
  const store = await openStore(db);
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
  if (command0 === 'billing') return runBillingCommand(process.argv.slice(2));
  if (command0 === 'listen') return runListen(process.argv.slice(3));
  if (command0 === 'trigger') return runTrigger(process.argv.slice(3));
  if (command0 === 'events') return runEvents(process.argv.slice(3));
  if (command0 === 'logs') return runLogs(process.argv.slice(3));
  if (command0 === 'backup') return runBackup(process.argv.slice(3));
  const { flags, positionals } = parseServeArgs(process.argv.slice(2));
  const [command = 'serve', sub] = positionals;
  if (flags.help) return console.log(USAGE);
  if (command === 'serve') return runServe(serveConfig(flags, process.env));
  if (command === 'keys' && sub === 'create') return keysCreate(dbLocation(flags, process.env));
  console.error(USAGE);
  process.exit(2);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\nRun \`sandbank --help\` for usage.`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
