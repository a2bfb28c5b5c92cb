/**
 * `sandbank events resend evt_… [--endpoint we_…]`: delivers an event again, now, to one endpoint or
 * to every enabled endpoint of the account that subscribes to it (`POST /sandbank/v1/events/:id/resend`),
 * like the Stripe CLI's `stripe events resend` (whose `--webhook-endpoint` is accepted too). Prints
 * the answer as JSON.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, clientFor, runCommand, UsageError, usageErrors } from './http-client.js';

export const EVENTS_USAGE = `  sandbank events resend evt_... [--endpoint we_...] [--api-key KEY] [--url URL]`;

export function runEvents(args: string[]): Promise<void> {
  return runCommand(EVENTS_USAGE, () => events(args));
}

async function events(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CONNECTION_OPTIONS,
        endpoint: { type: 'string' },
        'webhook-endpoint': { type: 'string' },
      },
    }),
  );
  const [sub, id, ...rest] = positionals;
  if (sub !== 'resend') throw new UsageError(sub ? `unknown command: events ${sub}` : 'events needs a subcommand');
  if (!id) throw new UsageError('events resend needs an event id (evt_...)');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (values.endpoint && values['webhook-endpoint'] && values.endpoint !== values['webhook-endpoint']) {
    throw new UsageError('give the endpoint once (--endpoint or --webhook-endpoint)');
  }
  const endpoint = values.endpoint ?? values['webhook-endpoint'];
  const result = await clientFor(values).post(`/sandbank/v1/events/${encodeURIComponent(id)}/resend`, {
    endpoint,
  });
  console.log(JSON.stringify(result, null, 2));
}
