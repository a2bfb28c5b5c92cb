/**
 * `npm run bench`: Sandbank against a bare `node:http` server, both in their own child processes,
 * loaded over loopback by autocannon running here. Four scenarios, each warmed up once, then measured
 * in interleaved rounds (bare, Sandbank, bare, Sandbank, … for each method):
 *
 *   bare GET       GET /v1/customers/:id on the bare server (a fixed customer)
 *   sandbank GET   GET /v1/customers/:id (a customer created through the API first)
 *   bare POST      POST /v1/customers with a form body on the bare server
 *   sandbank POST  POST /v1/customers, form body + a unique Idempotency-Key each: a durable write
 *   sandbank PI    POST /v1/payment_intents with confirm=true and pm_card_visa, with an
 *                  Idempotency-Key: a PaymentMethod, an intent, a charge, a balance transaction,
 *                  four events and the stored response, written in one transaction (compared with
 *                  bare POST)
 *   sandbank PI big  the same on an account that already holds BENCH_BIG_OBJECTS objects and as
 *                  many events (seeded before the server starts): it must cost what it costs on a
 *                  fresh account (compared with sandbank PI)
 *
 *   While it runs, the webhook worker has work to look at: one endpoint is registered on another
 *   account, as in a real deployment (the bench accounts themselves have none).
 *
 *   webhooks       webhook delivery throughput to a local receiver (bench/webhooks.ts): N queued
 *                  events delivered after a resume, and N live creates end to end (target ≥ 2,000 events/s)
 *   billing        N monthly subscriptions on one test clock advanced by a year (bench/billing.ts):
 *                  seconds, renewal invoices per second, server CPU µs per invoice
 *
 * Prints a table and Sandbank/bare ratios beside their targets (issue 8's budget, per store: see
 * TARGETS), and Sandbank's server CPU per request beside its target. Each round
 * measures bare and Sandbank back to back, so a ratio compares two servers under the same machine
 * load; the reported ratio is the median over rounds, because these small machines are noisy (one
 * quiet or busy moment used to swing a single-shot ratio by half). It is a measurement: it exits 0
 * whatever the numbers, but shouts about errors and non-2xx responses.
 *
 * Environment:
 *   BENCH_SECONDS      measured seconds per scenario and round (default 4)
 *   BENCH_ROUNDS       interleaved rounds (default 3)
 *   BENCH_WARMUP       warmup seconds per scenario (default 1.5)
 *   BENCH_CONNECTIONS  concurrent connections (default 10)
 *   BENCH_DB           Sandbank's --db (default: a fresh SQLite file under the OS temp dir);
 *                      e.g. postgres://sandbank:sandbank@127.0.0.1:5432/sandbank_test
 *   BENCH_JSON         also write the results as JSON to this path
 *   BENCH_PROFILE      a directory: run Sandbank with `--cpu-prof` and write its profile there
 *   BENCH_ONLY         comma-separated scenarios to run, e.g. `sandbank GET` (for profiling one path),
 *                      or `webhooks` for the webhook delivery scenario alone
 *   BENCH_WEBHOOK_EVENTS  events per webhook phase (default 5000)
 *   BENCH_BILLING_SUBSCRIPTIONS  subscriptions on the billing scenario's test clock (default 1000)
 *   BENCH_PIN=1        Linux with `taskset`: pin the load generator (this process) to CPU 0 and the
 *                      servers to the other CPUs, so they stop competing for cores on small machines
 *   BENCH_BIG_OBJECTS  objects (and events) seeded on the big account (default 100000; 0 skips it)
 *
 * On Linux it also reports each server's CPU time per request (user + system, from /proc): on a
 * small or busy machine, where the load generator competes with the servers for cores, that is
 * steadier than requests/s, and bare/Sandbank CPU per request is the ratio a dedicated core would see.
 * On PostgreSQL the CPU of the database's own processes (every `postgres` process on this machine)
 * is measured too, and Sandbank's figure is Node's plus PostgreSQL's.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { isolatedSchema } from '../test/support/server.js';
import { type BillingBenchResult, benchBilling, formatBillingResult } from './billing.js';
import { seedBigAccount } from './seed.js';
import { benchWebhooks, formatWebhookResult, type WebhookBenchResult } from './webhooks.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'sk_test_bench';
/** The account that holds the webhook endpoint while the bench runs. */
const OTHER_KEY = 'sk_test_bench_other';
/** The key suffix of the account seeded with BENCH_BIG_OBJECTS objects. */
const BIG_SUFFIX = 'bench_big';
type Method = 'GET' | 'POST';

/**
 * Each Sandbank scenario against its baseline, with issue 8's targets per store: a ratio of
 * requests/s (Sandbank ÷ baseline, higher is better) and server CPU µs per request (lower is
 * better; on PostgreSQL Node's and the database's together). Undefined: no target.
 */
const COMPARISONS = [
  { label: 'GET', sandbank: 'sandbank GET', base: 'bare GET' },
  { label: 'POST', sandbank: 'sandbank POST', base: 'bare POST' },
  { label: 'PI', sandbank: 'sandbank PI', base: 'bare POST' },
  { label: 'PI big/PI', sandbank: 'sandbank PI big', base: 'sandbank PI' },
] as const;

type Label = (typeof COMPARISONS)[number]['label'];
interface Target {
  ratio?: number;
  cpuUs?: number;
}
const TARGETS: Record<'sqlite' | 'postgres', Partial<Record<Label, Target>>> = {
  sqlite: {
    GET: { ratio: 0.5, cpuUs: 50 },
    POST: { ratio: 0.3, cpuUs: 100 },
    PI: { ratio: 0.15, cpuUs: 250 },
    'PI big/PI': { ratio: 0.9 },
  },
  postgres: {
    POST: { ratio: 0.15 },
    PI: { ratio: 0.08, cpuUs: 800 },
    'PI big/PI': { ratio: 0.9 },
  },
};

/** Like envNumber, but 0 is allowed (to switch something off). */
function envNumberOrZero(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw === '0' ? 0 : envNumber(name, fallback);
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

const SECONDS = envNumber('BENCH_SECONDS', 4);
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 3));
const WARMUP = envNumber('BENCH_WARMUP', 1.5);
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 10));

/** With BENCH_PIN=1: the CPU list the servers run on (the load generator keeps CPU 0). */
function serverCpus(): string | undefined {
  if (process.env.BENCH_PIN !== '1') return undefined;
  const n = cpus().length;
  if (n < 2) throw new Error('BENCH_PIN=1 needs at least 2 CPUs');
  const self = spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  if (self.error || self.status !== 0) throw new Error('BENCH_PIN=1 needs `taskset` (util-linux)');
  return n === 2 ? '1' : `1-${n - 1}`;
}
const PIN_SERVERS = serverCpus();

// ---- child processes ----

const children = new Set<ChildProcess>();

/** Starts `node --import tsx <args>` and resolves with the URL it prints once listening. */
function startChild(name: string, args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const argv = [process.execPath, '--import', 'tsx', ...args];
  // taskset execs the command, so the pid stays the server's own.
  if (PIN_SERVERS) argv.unshift('taskset', '-c', PIN_SERVERS);
  const proc = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  proc.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) process.stderr.write(`[${name}] ${line}\n`);
  });
  return new Promise((resolvePromise, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the pipe; nothing more to parse
      buffered += chunk.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffered);
      if (!m) return;
      ready = true;
      clearTimeout(timer);
      console.log(`${name}: ${buffered.split('\n')[0]}`);
      resolvePromise({ proc, url: m[1] as string });
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited before listening (code ${code}, signal ${signal})\n${buffered}`));
    });
  });
}

/** SIGTERM by pid, then SIGKILL if it has not exited after `graceMs`. */
async function stopChild(proc: ChildProcess, graceMs = 5_000): Promise<void> {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    process.kill(proc.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(true), graceMs);
  });
  if (await Promise.race([exited.then(() => false), timedOut])) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    await exited;
  }
  clearTimeout(timer);
}

/** The temporary directory of the default SQLite database, removed at the end. */
let tmp: string | undefined;

/** On PostgreSQL, the run's own schema (see main). */
let benchSchema: { url: string; drop(): Promise<void> } | undefined;

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
  await benchSchema?.drop().catch((err: unknown) => console.error('dropping the bench schema:', err));
  benchSchema = undefined;
}

// Last resort if we die some other way: never leave servers behind.
process.on('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
});

let current: autocannon.Instance | undefined;
let interrupted = false;
// `on`, not `once`: a second SIGINT (e.g. relayed by the tsx wrapper) must not kill us mid-cleanup.
process.on('SIGINT', () => {
  if (interrupted) return;
  console.error('\nSIGINT: stopping the load and the servers…');
  interrupted = true;
  current?.stop();
  void stopAll().finally(() => process.exit(130));
});

// ---- load ----

interface ScenarioResult {
  name: string;
  server: 'bare' | 'sandbank';
  method: Method;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  averageMs: number;
  completed: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /**
   * The server's CPU time (user + system, all threads) per completed request; on PostgreSQL with the
   * database's processes' CPU added (see `databaseCpuUsPerRequest`). Null off Linux.
   */
  serverCpuUsPerRequest: number | null;
  /** PostgreSQL's share of it (every `postgres` process); null on SQLite or off Linux. */
  databaseCpuUsPerRequest: number | null;
}

/** Whether Sandbank's CPU figures include PostgreSQL's (set in main once the store is known). */
let countDatabaseCpu = false;

/** CPU seconds of every `postgres` process on this machine (the database a PostgreSQL run uses). */
function databaseCpuSeconds(): number | null {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!name.startsWith('postgres')) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return null;
  }
  return total;
}

/** CPU seconds a process has used so far (Linux /proc; USER_HZ is 100 on every mainstream Linux). */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  if (interrupted) throw new Error('interrupted');
  current = autocannon(options);
  try {
    return await current;
  } finally {
    current = undefined;
  }
}

async function scenario(
  name: string,
  server: 'bare' | 'sandbank',
  method: Method,
  target: { url: string; proc: ChildProcess },
  request: autocannon.Request,
  warmup: boolean,
): Promise<ScenarioResult> {
  const { url } = target;
  const base = { url, connections: CONNECTIONS, timeout: 10, requests: [request] };
  if (warmup) {
    const warm = await load({ ...base, duration: WARMUP, title: `${name} (warmup)` });
    if (warm.non2xx > 0 || warm.errors > 0) {
      console.error(`!!! ${name} warmup: ${warm.errors} errors, ${warm.non2xx} non-2xx ${statuses(warm)}`);
    }
  }
  const withDatabase = countDatabaseCpu && server === 'sandbank';
  const cpuBefore = cpuSeconds(target.proc.pid);
  const dbBefore = withDatabase ? databaseCpuSeconds() : null;
  const r = await load({ ...base, duration: SECONDS, title: name });
  const cpuAfter = cpuSeconds(target.proc.pid);
  const dbAfter = withDatabase ? databaseCpuSeconds() : null;
  const db = dbBefore !== null && dbAfter !== null && r.requests.total > 0 ? dbAfter - dbBefore : null;
  const cpu = cpuBefore !== null && cpuAfter !== null && r.requests.total > 0 ? cpuAfter - cpuBefore + (db ?? 0) : null;
  const result: ScenarioResult = {
    name,
    server,
    method,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    averageMs: r.latency.average,
    completed: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
    serverCpuUsPerRequest: cpu === null ? null : (cpu * 1e6) / r.requests.total,
    databaseCpuUsPerRequest: db === null ? null : (db * 1e6) / r.requests.total,
  };
  console.log(
    `  ${name.padEnd(16)} ${fmt(result.requestsPerSecond, 0).padStart(8)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms`,
  );
  return result;
}

function statuses(r: autocannon.Result): string {
  return Object.entries(r.statusCodeStats)
    .map(([code, s]) => `${code}×${s.count}`)
    .join(' ');
}

/** The median of the numbers that are not NaN (NaN when there are none). */
function median(values: number[]): number {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

function medianBy<T>(items: T[], key: (item: T) => number): T | undefined {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)];
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

// ---- main ----

async function main(): Promise<number> {
  let db = process.env.BENCH_DB;
  if (!db) {
    tmp = mkdtempSync(join(tmpdir(), 'sandbank-bench-'));
    db = join(tmp, 'bench.db');
  } else if (db.startsWith('postgres')) {
    // A schema of this run's own, dropped at the end: every run starts from an empty database, and
    // a seeded big account does not pile up run after run.
    benchSchema = await isolatedSchema(db);
    db = benchSchema.url;
  }
  const sandbankArgs = ['src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--db', db];
  const profileDir = process.env.BENCH_PROFILE;
  if (profileDir) {
    mkdirSync(resolve(profileDir), { recursive: true });
    sandbankArgs.unshift('--cpu-prof', '--cpu-prof-dir', resolve(profileDir));
  }

  try {
    const store = db.startsWith('postgres') ? 'postgres' : 'sqlite';
    countDatabaseCpu = store === 'postgres';
    const only = process.env.BENCH_ONLY?.split(',').map((x) => x.trim().toLowerCase());
    const bigObjects = Math.round(envNumberOrZero('BENCH_BIG_OBJECTS', 100_000));
    const wantBig = bigObjects > 0 && (!only || only.includes('sandbank pi big'));
    if (wantBig) {
      console.log(`seeding ${bigObjects} objects and ${bigObjects} events on the big account…`);
      const ms = await seedBigAccount(db, BIG_SUFFIX, bigObjects);
      console.log(`seeded in ${fmt(ms / 1000, 1)} s`);
    }
    const [sandbank, bare] = await Promise.all([
      startChild('sandbank', sandbankArgs),
      startChild('bare', ['bench/bare-server.ts']),
    ]);
    console.log(
      `store=${store} connections=${CONNECTIONS} seconds=${SECONDS} warmup=${WARMUP} cpus=${cpus().length} node=${process.version}` +
        (PIN_SERVERS ? ` pinned: load on CPU 0, servers on CPU ${PIN_SERVERS}` : ''),
    );

    const auth = { Authorization: `Bearer ${KEY}` };
    const form = { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' };
    // The webhook worker runs with an endpoint to serve, on another account (the bare server answers).
    const endpoint = await fetch(`${sandbank.url}/v1/webhook_endpoints`, {
      method: 'POST',
      headers: { ...form, Authorization: `Bearer ${OTHER_KEY}` },
      body: new URLSearchParams({ url: `${bare.url}/webhooks`, 'enabled_events[0]': '*' }).toString(),
    });
    if (endpoint.status !== 200) throw new Error(`registering the webhook endpoint: ${endpoint.status}`);
    const body = new URLSearchParams({ email: 'bench@example.com', name: 'Bench User', 'metadata[k]': 'v' }).toString();

    const created = await fetch(`${sandbank.url}/v1/customers`, { method: 'POST', headers: form, body });
    const customer = (await created.json()) as { id?: string };
    if (created.status !== 200 || !customer.id) throw new Error(`creating the bench customer: ${created.status}`);
    const getPath = `/v1/customers/${customer.id}`;

    const run = randomUUID().slice(0, 8);
    let seq = 0;
    const withIdempotencyKey: autocannon.Request['setupRequest'] = (req) => ({
      ...req,
      headers: { ...req.headers, 'Idempotency-Key': `bench-${run}-${++seq}` },
    });
    const get: autocannon.Request = { method: 'GET', path: getPath, headers: auth };
    const post: autocannon.Request = {
      method: 'POST',
      path: '/v1/customers',
      headers: form,
      body,
      setupRequest: withIdempotencyKey,
    };

    const payment: autocannon.Request = {
      method: 'POST',
      path: '/v1/payment_intents',
      headers: form,
      body: new URLSearchParams({
        amount: '2000',
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: 'true',
        'allowed_payment_method_types[0]': 'card',
      }).toString(),
      setupRequest: withIdempotencyKey,
    };

    const bigPayment: autocannon.Request = {
      ...payment,
      headers: { ...form, Authorization: `Bearer sk_test_${BIG_SUFFIX}` },
    };

    const plan = [
      { name: 'bare GET', server: 'bare', method: 'GET', target: bare, request: get },
      { name: 'sandbank GET', server: 'sandbank', method: 'GET', target: sandbank, request: get },
      { name: 'bare POST', server: 'bare', method: 'POST', target: bare, request: post },
      { name: 'sandbank POST', server: 'sandbank', method: 'POST', target: sandbank, request: post },
      { name: 'sandbank PI', server: 'sandbank', method: 'POST', target: sandbank, request: payment },
      ...(wantBig
        ? ([
            { name: 'sandbank PI big', server: 'sandbank', method: 'POST', target: sandbank, request: bigPayment },
          ] as const)
        : []),
    ] as const;
    const rounds: ScenarioResult[][] = [];
    const loadRounds = plan.some((p) => !only || only.includes(p.name.toLowerCase())) ? ROUNDS : 0;
    for (let round = 0; round < loadRounds; round++) {
      console.log(`round ${round + 1} of ${ROUNDS}`);
      const results: ScenarioResult[] = [];
      for (const p of plan) {
        if (only && !only.includes(p.name.toLowerCase())) continue;
        results.push(await scenario(p.name, p.server, p.method, p.target, { ...p.request }, round === 0));
      }
      rounds.push(results);
    }

    const ratios = COMPARISONS.map((c) => {
      const perRound = rounds.map((results) => {
        const sb = results.find((r) => r.name === c.sandbank);
        const b = results.find((r) => r.name === c.base);
        return {
          ratio: sb && b ? sb.requestsPerSecond / b.requestsPerSecond : Number.NaN,
          cpuRatio:
            sb?.serverCpuUsPerRequest && b?.serverCpuUsPerRequest
              ? b.serverCpuUsPerRequest / sb.serverCpuUsPerRequest
              : Number.NaN,
          cpuUs: sb?.serverCpuUsPerRequest ?? Number.NaN,
        };
      });
      const ratio = median(perRound.map((r) => r.ratio));
      const cpuRatio = median(perRound.map((r) => r.cpuRatio));
      const cpuUs = median(perRound.map((r) => r.cpuUs));
      const each = perRound.map((r) => r.ratio);
      const target = TARGETS[store][c.label] ?? {};
      return { label: c.label, ratio, cpuRatio, cpuUs, each, target };
    });
    // The table shows, per scenario, its median round by requests/s.
    const results = plan
      .map((p) =>
        medianBy(
          rounds.flatMap((r) => r.filter((x) => x.name === p.name)),
          (x) => x.requestsPerSecond,
        ),
      )
      .filter((r): r is ScenarioResult => r !== undefined);

    if (results.length > 0) printTable(results, ratios, store);

    let webhooks: WebhookBenchResult | null = null;
    if (!only || only.includes('webhooks')) {
      console.log('webhooks');
      webhooks = await benchWebhooks({
        url: sandbank.url,
        events: Math.round(envNumber('BENCH_WEBHOOK_EVENTS', 5000)),
        concurrency: CONNECTIONS,
        log: console.log,
        serverCpuSeconds: () => cpuSeconds(sandbank.proc.pid),
      });
      console.log('');
      for (const line of formatWebhookResult(webhooks)) console.log(line);
    }

    let billing: BillingBenchResult | null = null;
    if (!only || only.includes('billing')) {
      console.log('billing');
      billing = await benchBilling({
        url: sandbank.url,
        key: `sk_test_bench_billing_${run}`,
        subscriptions: Math.round(envNumber('BENCH_BILLING_SUBSCRIPTIONS', 1000)),
        concurrency: CONNECTIONS,
        log: console.log,
        serverCpuSeconds: () => {
          const node = cpuSeconds(sandbank.proc.pid);
          const database = countDatabaseCpu ? databaseCpuSeconds() : 0;
          return node === null || database === null ? null : node + database;
        },
      });
      console.log('');
      for (const line of formatBillingResult(billing)) console.log(line);
    }

    const bad = rounds.flat().filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
    for (const r of bad) {
      const codes = Object.entries(r.statusCodes)
        .map(([c, n]) => `${c}×${n}`)
        .join(' ');
      console.error(
        `\n!!!!!! ${r.name}: ${r.non2xx} NON-2XX RESPONSES, ${r.errors} errors, ${r.timeouts} timeouts (status codes: ${codes}) !!!!!!`,
      );
    }

    if (process.env.BENCH_JSON) {
      const out = {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        store,
        connections: CONNECTIONS,
        seconds: SECONDS,
        roundCount: ROUNDS,
        warmupSeconds: WARMUP,
        pinnedServerCpus: PIN_SERVERS ?? null,
        rounds,
        ratios,
        webhooks,
        billing,
      };
      writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(out, null, 2)}\n`);
      console.log(`\nresults written to ${process.env.BENCH_JSON}`);
    }
  } finally {
    await stopAll();
    if (profileDir) console.log(`CPU profile of Sandbank written under ${resolve(profileDir)}`);
  }
  return 0;
}

function printTable(
  results: ScenarioResult[],
  ratios: {
    label: string;
    ratio: number;
    cpuRatio: number;
    cpuUs: number;
    each: number[];
    target: Target;
  }[],
  store: string,
) {
  const rows = [
    [
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'avg ms',
      'errors',
      'non-2xx',
      'server CPU µs/req',
      'of which PostgreSQL',
    ],
    ...results.map((r) => [
      r.name,
      fmt(r.requestsPerSecond, 0),
      String(r.p50Ms),
      String(r.p99Ms),
      fmt(r.averageMs),
      String(r.errors + r.timeouts),
      String(r.non2xx),
      r.serverCpuUsPerRequest === null ? 'n/a' : fmt(r.serverCpuUsPerRequest, 0),
      r.databaseCpuUsPerRequest === null ? '' : fmt(r.databaseCpuUsPerRequest, 0),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const pinned = PIN_SERVERS ? ', pinned' : '';
  console.log(
    `\nSandbank vs bare node:http (${store}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s${pinned}; median round shown)\n`,
  );
  console.log(line(rows[0] ?? []));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('');
  for (const r of ratios) {
    if (Number.isNaN(r.ratio)) continue;
    const verdict = (pass: boolean) => (pass ? 'PASS' : 'BELOW');
    const ratioTarget =
      r.target.ratio === undefined
        ? '(no target)'
        : `(target ≥ ${fmt(r.target.ratio)}×) ${verdict(r.ratio >= r.target.ratio)}`;
    const cpuTarget =
      r.target.cpuUs === undefined || Number.isNaN(r.cpuUs)
        ? ''
        : `   CPU ${fmt(r.cpuUs, 0)} µs/req (target ≤ ${r.target.cpuUs}) ${verdict(r.cpuUs <= r.target.cpuUs)}`;
    const perCpu = Number.isNaN(r.cpuRatio) ? '' : `   [per CPU µs: ${fmt(r.cpuRatio)}×]`;
    const each = r.each.map((x) => `${fmt(x)}×`).join(', ');
    console.log(`${r.label.padEnd(9)} = ${fmt(r.ratio)}× median (rounds: ${each}) ${ratioTarget}${cpuTarget}${perCpu}`);
  }
}

main().then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  async (err: unknown) => {
    if (interrupted) return; // the SIGINT handler stops everything and exits
    console.error('bench failed:', err instanceof Error ? err.message : err);
    await stopAll();
    process.exit(1);
  },
);
