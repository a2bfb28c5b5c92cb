/**
 * `sandbank serve`'s settings (and `keys create`'s `--db`), read from flags and SANDBANK_* variables
 * and validated before anything opens or binds. A module of its own because every value arrives as
 * a string from one of two places, and the same three rules must hold for all of them:
 *
 * - An empty environment variable is unset. `SANDBANK_HOST=` in a compose file or CI template means
 *   "use the default"; read literally it bound every interface, `SANDBANK_PORT=` became port 0 and
 *   `SANDBANK_DB=` a throwaway database, all silently.
 * - An empty flag value (`--port ''`, `--db=`) is a mistake, usually an unset shell variable, and is
 *   refused rather than guessed at.
 * - Every value is checked, and a bad one is a `UsageError` (exit status 2) whose message names the
 *   flag or variable it came from.
 *
 * Pure: takes the parsed flags and the environment, returns settings or throws.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { LOG_FORMATS, type LogFormat } from '../platform/log.js';
import { PUBLIC_URL_HINT, parsePublicUrl } from '../platform/public-url.js';
import type { WebhookOptions } from '../webhooks/delivery.js';

/** A mistake in how the command was called: printed with a pointer to the usage, exit status 2. */
export class UsageError extends Error {}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 12111;
export const DEFAULT_DB = './.sandbank/sandbank.db';
/** SQLite's in-memory database: the only way to ask for storage that does not survive a restart. */
export const MEMORY_DB = ':memory:';

/**
 * The longest timer Node.js runs: a larger `setTimeout` delay fires after 1 ms instead (with only a
 * warning), so a webhook timeout above it would time every delivery out at once.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type Env = Readonly<Record<string, string | undefined>>;

/** The flags `serve` and `keys create` take, as `node:util` `parseArgs` options. */
export const SERVE_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  'public-url': { type: 'string' },
  fsync: { type: 'boolean' },
  'strict-keys': { type: 'boolean' },
  'log-requests': { type: 'boolean' },
  'log-format': { type: 'string' },
  'webhook-retries': { type: 'string' },
  'webhook-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `parseArgs` gives back for `SERVE_FLAGS`. */
export interface ServeFlags {
  host?: string;
  port?: string;
  db?: string;
  'public-url'?: string;
  fsync?: boolean;
  'strict-keys'?: boolean;
  'log-requests'?: boolean;
  'log-format'?: string;
  'webhook-retries'?: string;
  'webhook-timeout'?: string;
}

export interface ServeConfig {
  /** Interface to bind: loopback unless a flag or variable names another. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** A SQLite file, `:memory:`, or a `postgres://` URL; never empty. */
  db: string;
  /** The base URL of links Sandbank hands out, normalised; undefined: the listening address. */
  publicUrl: string | undefined;
  /** SQLite: fsync every commit (`synchronous = FULL`). */
  fsync: boolean;
  strictKeys: boolean;
  logRequests: boolean;
  /** The server log: readable text (default) or one JSON object per line. */
  logFormat: LogFormat;
  webhooks: WebhookOptions;
}

/** One setting's raw value and where it came from (for messages); undefined when unset. */
interface Raw {
  value: string;
  source: string;
}

/**
 * The flag's value if given (an empty one is refused), else the variable's if non-empty, else
 * undefined. `hint` says what a valid value looks like.
 */
function raw(flag: string, given: string | undefined, env: Env, variable: string, hint: string): Raw | undefined {
  if (given !== undefined) {
    if (given === '') throw new UsageError(`--${flag} needs a value (${hint}); leave the flag out for the default`);
    return { value: given, source: `--${flag}` };
  }
  const fromEnv = env[variable];
  if (fromEnv === undefined || fromEnv === '') return undefined;
  return { value: fromEnv, source: variable };
}

function invalid(r: Raw, hint: string): UsageError {
  return new UsageError(`invalid ${r.source}: ${JSON.stringify(r.value)} (${hint})`);
}

/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const HOST_HINT = 'an IP address or host name, e.g. 127.0.0.1, or 0.0.0.0 to listen on every interface';

function host(flags: ServeFlags, env: Env): string {
  const r = raw('host', flags.host, env, 'SANDBANK_HOST', HOST_HINT);
  if (r === undefined) return DEFAULT_HOST;
  // `[::1]` as written in URLs is accepted for the address inside the brackets.
  const bare = r.value.startsWith('[') && r.value.endsWith(']') ? r.value.slice(1, -1) : r.value;
  if (isIP(bare) !== 0 || HOST_NAME.test(bare)) return bare;
  throw invalid(r, HOST_HINT);
}

const PORT_HINT = 'an integer from 0 to 65535; 0 picks a free port';

function port(flags: ServeFlags, env: Env): number {
  const r = raw('port', flags.port, env, 'SANDBANK_PORT', PORT_HINT);
  if (r === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(r.value) || Number(r.value) > 65535) throw invalid(r, PORT_HINT);
  return Number(r.value);
}

const DB_HINT = `a SQLite file path, ${MEMORY_DB}, or a postgres:// URL`;

/** The database location of `serve` and `keys create`: a path, `:memory:` or a parseable PostgreSQL URL. */
export function dbLocation(flags: Pick<ServeFlags, 'db'>, env: Env): string {
  const r = raw('db', flags.db, env, 'SANDBANK_DB', DB_HINT);
  if (r === undefined) return DEFAULT_DB;
  if (isPostgresUrl(r.value) && !URL.canParse(r.value))
    throw invalid(r, 'a PostgreSQL URL such as postgres://user:password@host:5432/db');
  return r.value;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function publicUrl(flags: ServeFlags, env: Env): string | undefined {
  const r = raw('public-url', flags['public-url'], env, 'SANDBANK_PUBLIC_URL', PUBLIC_URL_HINT);
  if (r === undefined) return undefined;
  try {
    return parsePublicUrl(r.value);
  } catch (err) {
    throw new UsageError(`${r.source}: ${(err as Error).message}`);
  }
}

const BOOLEAN_HINT = '1 or true to turn it on, 0 or false to leave it off';

/** `--fsync`, or SANDBANK_FSYNC=1: a flag that is present is on; the variable must say which. */
function fsync(flags: ServeFlags, env: Env): boolean {
  if (flags.fsync) return true;
  const value = env.SANDBANK_FSYNC;
  if (value === undefined || value === '') return false;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw invalid({ value, source: 'SANDBANK_FSYNC' }, BOOLEAN_HINT);
}

const LOG_FORMAT_HINT = `one of ${LOG_FORMATS.join(', ')}`;

function logFormat(flags: ServeFlags, env: Env): LogFormat {
  const r = raw('log-format', flags['log-format'], env, 'SANDBANK_LOG_FORMAT', LOG_FORMAT_HINT);
  if (r === undefined) return 'text';
  const format = LOG_FORMATS.find((f) => f === r.value);
  if (format === undefined) throw invalid(r, LOG_FORMAT_HINT);
  return format;
}

/**
 * The database location as it may be logged: a SQLite path made absolute (which file, whatever the
 * cwd), a PostgreSQL URL with its password masked — in the userinfo or as a `password` parameter.
 */
export function describeDb(location: string, cwd: string): string {
  if (location === MEMORY_DB) return location;
  if (!isPostgresUrl(location)) return resolve(cwd, location);
  if (!URL.canParse(location)) return 'postgres://***';
  const url = new URL(location);
  if (url.password !== '') url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString();
}

const RETRIES_HINT = 'seconds between delivery attempts, e.g. 300,1800,7200; empty for no retries';

/** `--webhook-retries 1,2,5` (seconds between attempts; an empty flag: no retries) and `--webhook-timeout 5000` (ms). */
function webhooks(flags: ServeFlags, env: Env): WebhookOptions {
  const out: WebhookOptions = {};
  // An empty --webhook-retries is meaningful (no retries), so it does not go through `raw`.
  const retries =
    flags['webhook-retries'] !== undefined
      ? { value: flags['webhook-retries'], source: '--webhook-retries' }
      : env.SANDBANK_WEBHOOK_RETRIES
        ? { value: env.SANDBANK_WEBHOOK_RETRIES, source: 'SANDBANK_WEBHOOK_RETRIES' }
        : undefined;
  if (retries !== undefined) {
    const text = retries.value.trim();
    const parts = text === '' ? [] : text.split(',').map((s) => s.trim());
    if (parts.some((s) => !/^\d+(\.\d+)?$/.test(s))) throw invalid(retries, RETRIES_HINT);
    out.retrySchedule = parts.map(Number);
  }
  const timeoutHint = `milliseconds, an integer from 1 to ${MAX_TIMER_MS}`;
  const timeout = raw('webhook-timeout', flags['webhook-timeout'], env, 'SANDBANK_WEBHOOK_TIMEOUT_MS', timeoutHint);
  if (timeout !== undefined) {
    const ms = Number(timeout.value);
    if (!/^\d+$/.test(timeout.value) || ms < 1 || ms > MAX_TIMER_MS) throw invalid(timeout, timeoutHint);
    out.timeoutMs = ms;
  }
  return out;
}

/** Every `serve` setting, validated; throws `UsageError` naming the first bad flag or variable. */
export function serveConfig(flags: ServeFlags, env: Env): ServeConfig {
  return {
    host: host(flags, env),
    port: port(flags, env),
    db: dbLocation(flags, env),
    publicUrl: publicUrl(flags, env),
    fsync: fsync(flags, env),
    strictKeys: flags['strict-keys'] ?? false,
    logRequests: flags['log-requests'] ?? false,
    logFormat: logFormat(flags, env),
    webhooks: webhooks(flags, env),
  };
}
