/**
 * `sandbank accounts …` and `sandbank time …`: a running server's Sandbank-only settings over HTTP
 * (`/sandbank/v1/account`, `/sandbank/v1/time/advance`), authenticated like any API call.
 *   sandbank accounts show --api-key sk_test_… [--url URL]
 *   sandbank accounts update --api-key sk_test_… [--country GB] [--default-currency gbp]
 *                            [--pricing 2.4%+30 | --pricing standard] [--url URL]
 *   sandbank time advance --api-key sk_test_… (--seconds N | --days N) [--url URL]
 * Results are printed as JSON; an API error is printed to stderr and exits with status 1.
 */
import { parseArgs } from 'node:util';
import { MAX_ACCOUNT_TIME } from '../sandbank/routes.js';
import { printedCall } from './http-client.js';

export const ADMIN_USAGE = `  sandbank accounts show --api-key KEY [--url URL]
  sandbank accounts update --api-key KEY [--country CC] [--default-currency CUR] [--pricing P%+FIXED|standard] [--url URL]
  sandbank time advance --api-key KEY (--seconds N | --days N) [--url URL]

--url defaults to SANDBANK_URL or http://127.0.0.1:12111; --pricing 2.4%+30 is 2.4% plus 30 minor
units of the account's currency, --pricing standard returns to Stripe's standard prices. Each account
has its own clock: time advance moves only the account of --api-key.`;

const DEFAULT_URL = 'http://127.0.0.1:12111';

/** A usage mistake: printed with the usage, exit status 2. */
class UsageError extends Error {}

function parse(args: string[]) {
  try {
    return parseOrThrow(args);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseOrThrow(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      url: { type: 'string' },
      country: { type: 'string' },
      'default-currency': { type: 'string' },
      pricing: { type: 'string' },
      seconds: { type: 'string' },
      days: { type: 'string' },
    },
  });
  return { values, positionals };
}

/** `2.4%+30` → `{percent: '2.4', fixed: '30'}`; `standard` → null (back to standard pricing). */
export function parsePricing(value: string): { percent: string; fixed: string } | null {
  if (value === 'standard') return null;
  const match = /^(\d+(?:\.\d+)?)%\+(\d+)$/.exec(value.replaceAll(' ', ''));
  if (!match) throw new UsageError(`invalid --pricing: ${value} (expected e.g. 2.4%+30, or standard)`);
  return { percent: match[1] as string, fixed: match[2] as string };
}

function requireKey(key: string | undefined, command: string): string {
  if (!key) throw new UsageError(`${command} needs --api-key (the account's secret key)`);
  return key;
}

/**
 * How far `time advance` moves the clock, in seconds. Checked here as well as by the server so that
 * a huge `--days` becomes a clear message instead of a float (`8.64e+21`) the server cannot read.
 */
function advanceSeconds(flag: 'seconds' | 'days', value: string): number {
  const unit = flag === 'days' ? 86_400 : 1;
  const hint = `a whole number of ${flag}, at most ${Math.floor(MAX_ACCOUNT_TIME / unit)}`;
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid --${flag}: ${value} (${hint})`);
  const seconds = Number(value) * unit;
  if (seconds > MAX_ACCOUNT_TIME) throw new UsageError(`invalid --${flag}: ${value} (${hint})`);
  return seconds;
}

/** Runs `accounts …` or `time …` (`args` starts with that word); usage mistakes exit with status 2. */
export async function runAdminCommand(args: string[]): Promise<void> {
  try {
    await run(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\nUsage:\n${ADMIN_USAGE}`);
    process.exitCode = 2;
  }
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parse(args);
  const [command, sub] = positionals;
  const url = values.url ?? process.env.SANDBANK_URL ?? DEFAULT_URL;

  if (command === 'time' && sub === 'advance') {
    if ((values.seconds === undefined) === (values.days === undefined)) {
      throw new UsageError('time advance needs exactly one of --seconds N or --days N');
    }
    const seconds =
      values.seconds !== undefined
        ? advanceSeconds('seconds', values.seconds)
        : advanceSeconds('days', values.days ?? '');
    const form = new URLSearchParams({ seconds: String(seconds) });
    return printedCall(url, requireKey(values['api-key'], 'time advance'), 'POST', '/sandbank/v1/time/advance', form);
  }

  if (command !== 'accounts' || (sub !== 'show' && sub !== 'update')) throw new UsageError(`unknown command`);
  const key = requireKey(values['api-key'], `accounts ${sub}`);
  if (sub === 'show') return printedCall(url, key, 'GET', '/sandbank/v1/account');

  const form = new URLSearchParams();
  if (values.country !== undefined) form.set('country', values.country);
  if (values['default-currency'] !== undefined) form.set('default_currency', values['default-currency']);
  if (values.pricing !== undefined) {
    const pricing = parsePricing(values.pricing);
    if (pricing === null) form.set('pricing', '');
    else {
      form.set('pricing[percent]', pricing.percent);
      form.set('pricing[fixed]', pricing.fixed);
    }
  }
  return printedCall(url, key, 'POST', '/sandbank/v1/account', form);
}
