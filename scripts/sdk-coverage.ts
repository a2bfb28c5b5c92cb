/**
 * Which of the official SDK's operations Sandbank answers. Reads every request the current `stripe`
 * package can make (its resource files call `_makeRequest(method, path, …)`), keeps the core
 * families (everything but Billing, Connect, Checkout and the browser, non-card methods, Issuing,
 * Terminal, Treasury and the other products with issues of their own), and sends each one to a
 * fresh in-process server. An operation answers unless the server says "Unrecognized request URL":
 * a 404 `resource_missing` for the made-up id, or a 400 for the missing parameters, is an answer.
 *
 *   npx tsx scripts/sdk-coverage.ts          # counts, and the operations that do not answer
 *   npx tsx scripts/sdk-coverage.ts --json   # the same as JSON (used by test/e2e/sdk-coverage.test.ts)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createApp } from '../src/app.js';
import { memoryLogger } from '../src/platform/log.js';

export interface SdkOperation {
  /** The SDK's resource file and method, e.g. `Customers.createSource`. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** The path with `{param}` placeholders, e.g. `/v1/customers/{customer}/sources`. */
  path: string;
}

/**
 * Path prefixes of the core API: the families of issue 9 and the ones before it. Test helpers count
 * where their object is core.
 */
export const CORE_PREFIXES = [
  '/v1/account',
  '/v1/balance',
  '/v1/balance_transactions',
  '/v1/charges',
  '/v1/customers',
  '/v1/disputes',
  '/v1/events',
  '/v1/file_links',
  '/v1/files',
  '/v1/payment_intents',
  '/v1/payment_methods',
  '/v1/payouts',
  '/v1/radar/',
  '/v1/refunds',
  '/v1/reviews',
  '/v1/setup_attempts',
  '/v1/setup_intents',
  '/v1/sources',
  '/v1/tax_ids',
  '/v1/tokens',
  '/v1/webhook_endpoints',
  '/v1/test_helpers/customers/',
  '/v1/test_helpers/refunds/',
];

/** Core-prefixed paths that belong to other issues' products (Billing discounts, Connect accounts). */
const NOT_CORE = [/^\/v1\/customers\/\{[a-z_]+\}\/discount$/, /^\/v1\/accounts/];

const REQUEST = /(\w+)\(([^)]*)\)\s*\{\s*return this\._makeRequest\('(GET|POST|DELETE)',\s*(`[^`]*`|'[^']*')/g;

/** Every operation of the installed `stripe` package. */
export function sdkOperations(): SdkOperation[] {
  // The package's `exports` hide package.json; its main entry sits in cjs/, beside resources/.
  const root = join(dirname(createRequire(import.meta.url).resolve('stripe')), 'resources');
  const operations: SdkOperation[] = [];
  const visit = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) visit(full, `${prefix}${entry}.`);
      else if (entry.endsWith('.js')) {
        const source = readFileSync(full, 'utf8');
        for (const [, method, , verb, quoted] of source.matchAll(REQUEST)) {
          if (!method || !verb || !quoted) continue;
          const path = quoted.slice(1, -1).replace(/\$\{encodeURIComponent\((\w+)\)\}/g, '{$1}');
          if (!path.startsWith('/v1/')) continue;
          operations.push({
            name: `${prefix}${entry.slice(0, -3)}.${method}`,
            method: verb as SdkOperation['method'],
            path,
          });
        }
      }
    }
  };
  visit(root, '');
  return operations;
}

export function isCore(op: SdkOperation): boolean {
  const inCore = CORE_PREFIXES.some((p) => op.path === p || op.path.startsWith(p.endsWith('/') ? p : `${p}/`));
  return inCore && !NOT_CORE.some((re) => re.test(op.path));
}

export interface Coverage {
  total: number;
  answering: number;
  missing: SdkOperation[];
}

/** Sends each core operation to a fresh server and counts the ones it answers. */
export async function measureCoverage(): Promise<Coverage> {
  const app = await createApp({ db: ':memory:', logger: memoryLogger() });
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const key = 'sk_test_coverage';
  const core = sdkOperations().filter(isCore);
  const missing: SdkOperation[] = [];
  try {
    for (const op of core) {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => `${name}_sdkcoverage`);
      const res = await fetch(`${url}${path}`, {
        method: op.method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
        ...(op.method === 'POST' ? { body: '' } : {}),
      });
      const body = (await res.json()) as { error?: { message?: string } };
      if (res.status === 404 && body.error?.message?.startsWith('Unrecognized request URL')) missing.push(op);
    }
  } finally {
    await app.close();
  }
  return { total: core.length, answering: core.length - missing.length, missing };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const coverage = await measureCoverage();
  if (process.argv.includes('--json')) console.log(JSON.stringify(coverage, null, 2));
  else {
    console.log(`${coverage.answering} of ${coverage.total} core SDK operations answer.`);
    for (const op of coverage.missing) console.log(`  404  ${op.method.padEnd(6)} ${op.path}  (${op.name})`);
  }
}
