/**
 * `sandbank listen --forward-to URL [--events a,b]`: the Stripe CLI's `stripe listen` without a
 * tunnel. It registers a webhook endpoint for the URL (Sandbank itself delivers, signs and retries),
 * prints the endpoint's signing secret, then tails the endpoint's delivery attempts and prints them in
 * the Stripe CLI's format:
 *
 *   > Ready! Your webhook signing secret is whsec_… (^C to quit)
 *   2024-05-01 12:00:00   --> payment_intent.succeeded [evt_…]
 *   2024-05-01 12:00:00  <--  [200] POST http://localhost:3000/webhook [evt_…]
 *
 * Ctrl-C (or SIGTERM) deletes the endpoint and exits 0.
 */
import { parseArgs } from 'node:util';
import {
  type AnyJson,
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

export const LISTEN_USAGE = `  sandbank listen --forward-to URL [--events a,b] [--api-key KEY] [--url URL]`;

const POLL_MS = 250;

export function runListen(args: string[]): Promise<void> {
  return runCommand(LISTEN_USAGE, () => listen(args));
}

/** As the Stripe CLI does, `localhost:3000/hook` means `http://localhost:3000/hook`. */
export function forwardUrl(value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`invalid --forward-to: ${value}`);
  }
  return url;
}

/** A delivery attempt, as `GET /sandbank/v1/webhook_attempts` lists it. */
interface Attempt {
  id: string;
  event: string;
  event_type: string;
  url: string;
  attempt: number;
  succeeded: boolean;
  http_status: number | null;
  error: string | null;
}

/** The Stripe CLI's lines for one delivery: the event going out, then the endpoint's answer. */
export function attemptLines(a: Attempt, firstForEvent: boolean, now = new Date()): string[] {
  const time = localTimestamp(now);
  const lines = firstForEvent ? [`${time}   --> ${a.event_type} [${a.event}]`] : [];
  if (a.http_status !== null) lines.push(`${time}  <--  [${a.http_status}] POST ${a.url} [${a.event}]`);
  else lines.push(`${time}            [ERROR] Failed to POST: ${a.error ?? 'no response'} [${a.event}]`);
  return lines;
}

async function listen(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CONNECTION_OPTIONS,
        'forward-to': { type: 'string', short: 'f' },
        events: { type: 'string', short: 'e' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (!values['forward-to']) throw new UsageError('listen needs --forward-to URL (where to send the events)');
  const url = forwardUrl(values['forward-to']);
  const events = (values.events ?? '*')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (events.length === 0) throw new UsageError('--events needs at least one event type (or *)');
  const client = clientFor(values);

  // Listen for Ctrl-C before the endpoint exists, so it is never left behind.
  let stopped = false;
  const stop = interrupted().then(() => {
    stopped = true;
  });
  const endpoint = (await client.post('/v1/webhook_endpoints', {
    url,
    enabled_events: events,
    description: 'sandbank listen',
  })) as AnyJson;
  console.error(`> Ready! Your webhook signing secret is ${endpoint.secret} (^C to quit)`);

  const tail = new AttemptTail(client, endpoint.id as string);
  let failing = false;
  while (!stopped) {
    try {
      await tail.poll();
      failing = false;
    } catch (err) {
      if (!(err instanceof ApiError || err instanceof ConnectionError)) throw err;
      // Say it once per outage, and keep trying: the server may be restarting.
      if (!failing) console.error(`${localTimestamp()}            [ERROR] ${err.message}`);
      failing = true;
    }
    await Promise.race([sleep(POLL_MS), stop]);
  }
  // What was delivered before Ctrl-C still gets its lines.
  await tail.poll().catch(() => undefined);
  try {
    await client.del(`/v1/webhook_endpoints/${endpoint.id}`);
  } catch (err) {
    // Already deleted (from the API, or by a restart with an in-memory database): nothing to clean up.
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
}

/** Follows one endpoint's attempts, oldest first, printing each once. */
class AttemptTail {
  private cursor: string | undefined;
  private readonly seen = new Set<string>();

  constructor(
    private readonly client: ApiClient,
    private readonly endpoint: string,
  ) {}

  async poll(): Promise<void> {
    for (;;) {
      const page = (await this.client.get('/sandbank/v1/webhook_attempts', {
        endpoint: this.endpoint,
        after: this.cursor,
        limit: 100,
      })) as { data: Attempt[]; has_more: boolean };
      for (const attempt of page.data) {
        // A retry shows only the answer; a new delivery (or a resend) shows the event going out again.
        const first = attempt.attempt === 1 || !this.seen.has(attempt.event);
        this.seen.add(attempt.event);
        for (const line of attemptLines(attempt, first)) console.log(line);
        this.cursor = attempt.id;
      }
      if (!page.has_more || page.data.length === 0) return;
    }
  }
}
