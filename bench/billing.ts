/**
 * The `billing` bench scenario: N customers on one test clock, each with a card and a monthly
 * $10.00 subscription, then the clock advanced by a year — every renewal invoice created, finalised
 * and paid with a real PaymentIntent, with its events, as Stripe's test clocks do. Measured from the
 * first advance request until the clock is `ready` after the last one:
 *
 *   seconds            the year's advance, end to end (Stripe limits one advance to two billing
 *                      intervals of the shortest subscription, so a year is six two-month advances,
 *                      and a seventh of two hours lets the last renewal be finalised and paid)
 *   invoices/s         renewal invoices the year produced (N × 12) per second of it
 *   server CPU µs      Sandbank's CPU time (user + system; on PostgreSQL with the database's) per
 *                      renewal invoice, when the caller can measure it (Linux)
 *
 * The setup (customers, cards, subscriptions) runs `concurrency` requests at a time and is timed
 * apart. Every count is checked: the scenario fails unless each subscription is still active with
 * 13 paid invoices (the first one and twelve renewals).
 *
 * Environment (through bench/run.ts): BENCH_BILLING_SUBSCRIPTIONS (N, default 1000).
 * test/e2e/billing-bench.test.ts runs it with a handful of subscriptions as a sanity check.
 */

export interface BillingBenchOptions {
  /** Sandbank's base URL. */
  url: string;
  /** A secret key of an account of its own (the scenario reads back every invoice it has). */
  key: string;
  subscriptions: number;
  /** Setup requests in flight at once. */
  concurrency: number;
  log?: (line: string) => void;
  /** Sandbank's CPU seconds so far (with the database's on PostgreSQL); null when unknown. */
  serverCpuSeconds?: () => number | null;
  /** How long the whole year's advance may take before the scenario gives up. */
  timeoutMs?: number;
}

export interface BillingBenchResult {
  name: 'billing';
  subscriptions: number;
  setupSeconds: number;
  /** The year's advance: from the first advance request until the clock is ready after the last. */
  advanceSeconds: number;
  advances: number;
  /** Renewal invoices the year produced (N × 12 when every renewal happened). */
  renewalInvoices: number;
  invoicesPerSecond: number;
  serverCpuUsPerInvoice: number | null;
}

type Json = Record<string, unknown>;

const YEAR_IN_MONTHS = 12;
/** Stripe's limit on one advance: two intervals of the shortest subscription on the clock. */
const MONTHS_PER_ADVANCE = 2;
const POLL_MS = 20;
/** Past a renewal's automatic finalisation (about an hour after the invoice is created). */
const FINALIZE_MARGIN = 2 * 3600;

class BenchError extends Error {}

async function call(opts: BillingBenchOptions, method: 'GET' | 'POST', path: string, params: Json = {}): Promise<Json> {
  const body = new URLSearchParams();
  const add = (prefix: string, value: unknown) => {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) add(`${prefix}[${i}]`, v);
    } else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) add(`${prefix}[${k}]`, v);
    else body.append(prefix, String(value));
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  const query = method === 'GET' && body.size > 0 ? `?${body.toString()}` : '';
  const res = await fetch(`${opts.url}${path}${query}`, {
    method,
    headers: {
      Authorization: `Bearer ${opts.key}`,
      ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(method === 'POST' ? { body: body.toString() } : {}),
  });
  const json = (await res.json()) as Json;
  if (res.status !== 200) {
    const error = json.error as { message?: string } | undefined;
    throw new BenchError(`${method} ${path} → ${res.status} ${error?.message ?? ''}`);
  }
  return json;
}

/** Runs `work(i)` for i in [0, n) with at most `concurrency` at once. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** `ts` moved `months` later in UTC (the day clamped to the month's last, as Stripe's periods are). */
function addMonths(ts: number, months: number): number {
  const d = new Date(ts * 1000);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return Math.floor(d.getTime() / 1000);
}

async function waitReady(opts: BillingBenchOptions, clock: string, deadline: number): Promise<void> {
  for (;;) {
    const state = await call(opts, 'GET', `/v1/test_helpers/test_clocks/${clock}`);
    if (state.status === 'ready') return;
    if (state.status !== 'advancing') throw new BenchError(`test clock ${clock} is ${String(state.status)}`);
    if (Date.now() > deadline) throw new BenchError(`test clock ${clock} still advancing at the deadline`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Every invoice of the account, by subscription (paged 100 at a time). */
async function invoicesBySubscription(opts: BillingBenchOptions): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  let after: string | undefined;
  for (;;) {
    const page = await call(opts, 'GET', '/v1/invoices', { limit: 100, starting_after: after });
    const data = page.data as Json[];
    for (const inv of data) {
      const parent = inv.parent as { subscription_details?: { subscription?: string } } | null;
      const sub = parent?.subscription_details?.subscription ?? '(none)';
      out.set(sub, [...(out.get(sub) ?? []), inv]);
    }
    if (!page.has_more || data.length === 0) return out;
    after = data[data.length - 1]?.id as string;
  }
}

export async function benchBilling(opts: BillingBenchOptions): Promise<BillingBenchResult> {
  const log = opts.log ?? (() => {});
  const n = opts.subscriptions;
  const setupStart = performance.now();
  const start = Math.floor(Date.now() / 1000);
  const clock = (await call(opts, 'POST', '/v1/test_helpers/test_clocks', { frozen_time: start, name: 'bench' }))
    .id as string;
  const price = await call(opts, 'POST', '/v1/prices', {
    currency: 'usd',
    unit_amount: 1000,
    recurring: { interval: 'month' },
    product_data: { name: 'Bench plan' },
  });
  const subscriptions: string[] = [];
  await pool(n, opts.concurrency, async (i) => {
    const customer = await call(opts, 'POST', '/v1/customers', {
      test_clock: clock,
      email: `bench${i}@example.com`,
    });
    const pm = await call(opts, 'POST', '/v1/payment_methods/pm_card_visa/attach', { customer: customer.id });
    const sub = await call(opts, 'POST', '/v1/subscriptions', {
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
    });
    if (sub.status !== 'active') throw new BenchError(`subscription ${String(sub.id)} is ${String(sub.status)}`);
    subscriptions.push(sub.id as string);
  });
  const setupSeconds = (performance.now() - setupStart) / 1000;
  log(`  setup: ${n} customers with a card and a monthly subscription in ${setupSeconds.toFixed(1)} s`);

  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const cpuBefore = opts.serverCpuSeconds?.() ?? null;
  const advanceStart = performance.now();
  let advances = 0;
  for (let months = MONTHS_PER_ADVANCE; months <= YEAR_IN_MONTHS; months += MONTHS_PER_ADVANCE) {
    await call(opts, 'POST', `/v1/test_helpers/test_clocks/${clock}/advance`, {
      frozen_time: addMonths(start, months),
    });
    advances += 1;
    await waitReady(opts, clock, deadline);
  }
  // The twelfth renewal is created as a draft at the period's end and finalised and paid about an
  // hour later, as Stripe does: a last short advance lets it be paid.
  await call(opts, 'POST', `/v1/test_helpers/test_clocks/${clock}/advance`, {
    frozen_time: addMonths(start, YEAR_IN_MONTHS) + FINALIZE_MARGIN,
  });
  advances += 1;
  await waitReady(opts, clock, deadline);
  const advanceSeconds = (performance.now() - advanceStart) / 1000;
  const cpuAfter = opts.serverCpuSeconds?.() ?? null;

  // Every subscription renewed twelve times, each invoice paid, and it is still active.
  const invoices = await invoicesBySubscription(opts);
  let renewals = 0;
  for (const sub of subscriptions) {
    const mine = invoices.get(sub) ?? [];
    const unpaid = mine.filter((inv) => inv.status !== 'paid');
    if (mine.length !== YEAR_IN_MONTHS + 1 || unpaid.length > 0) {
      throw new BenchError(`${sub}: ${mine.length} invoices (${unpaid.length} not paid), expected 13 paid`);
    }
    renewals += mine.filter((inv) => inv.billing_reason === 'subscription_cycle').length;
  }
  const sample = await call(opts, 'GET', `/v1/subscriptions/${subscriptions[0]}`);
  if (sample.status !== 'active') throw new BenchError(`${subscriptions[0]} ended ${String(sample.status)}`);
  const cpu = cpuBefore !== null && cpuAfter !== null && renewals > 0 ? cpuAfter - cpuBefore : null;
  return {
    name: 'billing',
    subscriptions: n,
    setupSeconds,
    advanceSeconds,
    advances,
    renewalInvoices: renewals,
    invoicesPerSecond: renewals / advanceSeconds,
    serverCpuUsPerInvoice: cpu === null ? null : (cpu * 1e6) / renewals,
  };
}

export function formatBillingResult(r: BillingBenchResult): string[] {
  const cpu = r.serverCpuUsPerInvoice === null ? 'n/a' : `${r.serverCpuUsPerInvoice.toFixed(0)} µs`;
  return [
    `billing: ${r.subscriptions} monthly subscriptions on one test clock advanced by a year (${r.advances} advances)`,
    `  ${r.advanceSeconds.toFixed(2)} s, ${r.renewalInvoices} renewal invoices, ${r.invoicesPerSecond.toFixed(0)} invoices/s, server CPU ${cpu} per invoice (setup ${r.setupSeconds.toFixed(1)} s)`,
  ];
}
