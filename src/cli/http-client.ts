/**
 * What the `sandbank` subcommands that talk to a running server share (`listen`, `trigger`,
 * `events`, `logs`): a small API client over fetch that sends parameters in Stripe's bracket form
 * encoding (`a[b][0]=x`), the `--url` / `--api-key` defaults, and how failures end the command
 * (usage mistakes exit 2 with the usage, API and connection errors exit 1).
 */

export const DEFAULT_URL = 'http://127.0.0.1:12111';
/** The key `sandbank serve` suggests; in open-keys mode it is an account like any other. */
export const DEFAULT_API_KEY = 'sk_test_sandbank';

export type FormValue = string | number | boolean | null | undefined | readonly FormValue[] | FormParams;
export interface FormParams {
  readonly [key: string]: FormValue;
}

/**
 * Stripe's form encoding: nested hashes and arrays as brackets (`metadata[k]=v`, `expand[0]=x`),
 * `null` as the empty string (Stripe's "unset"), `undefined` left out.
 */
export function encodeForm(params: FormParams): string {
  const pairs: string[] = [];
  const walk = (key: string, value: FormValue): void => {
    if (value === undefined) return;
    if (value === null) pairs.push(`${encodeKey(key)}=`);
    else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(`${key}[${i}]`, v);
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as FormParams)) walk(`${key}[${k}]`, v);
    } else pairs.push(`${encodeKey(key)}=${encodeURIComponent(String(value))}`);
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return pairs.join('&');
}

/** Brackets stay readable, as Stripe's libraries send them. */
function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%5B', '[').replaceAll('%5D', ']');
}

/** An API answer other than 2xx; `body` is the parsed JSON (Stripe's `{error: …}`) when there was one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const error = (body as { error?: { message?: unknown } } | undefined)?.error;
    super(typeof error?.message === 'string' ? error.message : `HTTP ${status}`);
    this.name = 'ApiError';
  }

  /** The `param` of Stripe's error, if any. */
  get param(): string | undefined {
    const param = (this.body as { error?: { param?: unknown } } | undefined)?.error?.param;
    return typeof param === 'string' ? param : undefined;
  }
}

/** The server could not be reached at all. */
export class ConnectionError extends Error {}

/** A usage mistake: printed with the command's usage, exit status 2. */
export class UsageError extends Error {}

export type Method = 'GET' | 'POST' | 'DELETE';
// biome-ignore lint/suspicious/noExplicitAny: API answers are JSON read field by field by the commands
export type AnyJson = any;

export interface ApiClient {
  readonly url: string;
  /** GET and DELETE send `params` in the query string, POST as the form body. */
  request(method: Method, path: string, params?: FormParams): Promise<AnyJson>;
  get(path: string, params?: FormParams): Promise<AnyJson>;
  post(path: string, params?: FormParams): Promise<AnyJson>;
  del(path: string, params?: FormParams): Promise<AnyJson>;
}

export function apiClient(opts: { url: string; key: string }): ApiClient {
  const base = opts.url.replace(/\/+$/, '');
  const request = async (method: Method, path: string, params: FormParams = {}): Promise<AnyJson> => {
    const form = encodeForm(params);
    const inQuery = method !== 'POST' && form !== '';
    let res: Response;
    try {
      res = await fetch(`${base}${path}${inQuery ? `?${form}` : ''}`, {
        method,
        headers: {
          Authorization: `Bearer ${opts.key}`,
          'User-Agent': 'sandbank-cli',
          ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method === 'POST' ? { body: form } : {}),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new ConnectionError(`cannot reach Sandbank at ${opts.url}${cause}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  };
  return {
    url: opts.url,
    request,
    get: (path, params) => request('GET', path, params),
    post: (path, params) => request('POST', path, params),
    del: (path, params) => request('DELETE', path, params),
  };
}

/** The `--url` and `--api-key` options every server command takes, for `parseArgs`. */
export const CONNECTION_OPTIONS = {
  'api-key': { type: 'string' },
  url: { type: 'string' },
} as const;

/** `--url` (or SANDBANK_URL) and `--api-key` (or SANDBANK_API_KEY, else `sk_test_sandbank`). */
export function clientFor(values: { 'api-key'?: string | undefined; url?: string | undefined }): ApiClient {
  return apiClient({
    url: values.url ?? process.env.SANDBANK_URL ?? DEFAULT_URL,
    key: values['api-key'] ?? process.env.SANDBANK_API_KEY ?? DEFAULT_API_KEY,
  });
}

/**
 * Runs a command: usage mistakes print `usage` and exit 2; API errors print Stripe's error body to
 * stderr and exit 1, as do connection failures (with their message).
 */
export async function runCommand(usage: string, command: () => Promise<void>): Promise<void> {
  try {
    await command();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\nUsage:\n${usage}`);
      process.exitCode = 2;
    } else if (err instanceof ApiError) {
      console.error(typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? err.message, null, 2));
      process.exitCode = 1;
    } else if (err instanceof ConnectionError) {
      console.error(err.message);
      process.exitCode = 1;
    } else throw err;
  }
}

/** `parseArgs`'s own errors (unknown option, missing value) are usage mistakes. */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Local time as the Stripe CLI prints it: `2006-01-02 15:04:05`. */
export function localTimestamp(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl-C), with its name. Later signals while the command
 * cleans up are ignored rather than killing it halfway.
 */
export function interrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => resolve(signal);
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * One request to a Sandbank admin endpoint (`/sandbank/v1/…`) whose JSON answer the command prints:
 * on stdout, or on stderr with exit code 1 when the server refused it.
 */
export async function printedCall(
  url: string,
  key: string,
  method: 'GET' | 'POST',
  path: string,
  form?: URLSearchParams,
) {
  let res: Response;
  try {
    res = await fetch(url.replace(/\/+$/, '') + path, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new Error(`cannot reach Sandbank at ${url}${cause}`);
  }
  const body = (await res.json()) as unknown;
  if (!res.ok) {
    console.error(JSON.stringify(body, null, 2));
    process.exitCode = 1;
    return;
  }
  console.log(JSON.stringify(body, null, 2));
}
