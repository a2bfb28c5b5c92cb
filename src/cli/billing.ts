/**
 * `sandbank billing settings …`: a running server's Billing settings over HTTP
 * (`/sandbank/v1/billing/settings`), authenticated like any API call.
 *   sandbank billing settings show --api-key sk_test_… [--url URL]
 *   sandbank billing settings update --api-key sk_test_… [--retries 8] [--window-days 14]
 *            [--subscription-end cancel|unpaid|past_due] [--invoice-end leave_open|mark_uncollectible] [--url URL]
 * Results are printed as JSON; an API error is printed to stderr and exits with status 1.
 */
import { parseArgs } from 'node:util';
import { printedCall } from './http-client.js';

/** The Billing settings endpoint. */
const SETTINGS_PATH = '/sandbank/v1/billing/settings';

export const BILLING_USAGE = `  sandbank billing settings show --api-key KEY [--url URL]
  sandbank billing settings update --api-key KEY [--retries N] [--window-days 7|14|21|30|60]
                                   [--subscription-end cancel|unpaid|past_due]
                                   [--invoice-end leave_open|mark_uncollectible] [--url URL]

Failed automatic invoice payments are retried --retries times in all (1-8, default 8) within
--window-days (default 14); after the last failure the subscription is canceled, marked unpaid or
left past due, and the invoice is left open or marked uncollectible.`;

const DEFAULT_URL = 'http://127.0.0.1:12111';

class UsageError extends Error {}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        'api-key': { type: 'string' },
        url: { type: 'string' },
        retries: { type: 'string' },
        'window-days': { type: 'string' },
        'subscription-end': { type: 'string' },
        'invoice-end': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function wholeNumber(flag: string, value: string): string {
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid --${flag}: ${value} (a whole number)`);
  return value;
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parse(args);
  const [, what, sub] = positionals;
  if (what !== 'settings' || (sub !== 'show' && sub !== 'update')) throw new UsageError('unknown command');
  const key = values['api-key'];
  if (!key) throw new UsageError(`billing settings ${sub} needs --api-key (the account's secret key)`);
  const url = values.url ?? process.env.SANDBANK_URL ?? DEFAULT_URL;
  if (sub === 'show') return printedCall(url, key, 'GET', SETTINGS_PATH);
  const form = new URLSearchParams();
  if (values.retries !== undefined) form.set('payment_retries[tries]', wholeNumber('retries', values.retries));
  if (values['window-days'] !== undefined) {
    form.set('payment_retries[window_days]', wholeNumber('window-days', values['window-days']));
  }
  if (values['subscription-end'] !== undefined) form.set('subscription_end', values['subscription-end']);
  if (values['invoice-end'] !== undefined) form.set('invoice_end', values['invoice-end']);
  return printedCall(url, key, 'POST', SETTINGS_PATH, form);
}

/** Runs `billing …` (`args` starts with that word); usage mistakes exit with status 2. */
export async function runBillingCommand(args: string[]): Promise<void> {
  try {
    await run(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\nUsage:\n${BILLING_USAGE}`);
    process.exitCode = 2;
  }
}
