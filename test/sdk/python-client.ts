/**
 * The stripe-python adapter: one long-lived `/usr/bin/python3` (Debian's python3-stripe 5.0.0; the
 * pyenv `python3` on PATH has no stripe) running test/support/python-driver.py, spoken to in JSON
 * lines tagged with request ids so scenarios can share the process concurrently.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Json, Method, Outcome, Resource, SdkClient, Step } from './client.js';

const DRIVER = fileURLToPath(new URL('../support/python-driver.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3-stripe is installed (CI installs it; elsewhere it may be missing). */
export function pythonStripeAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import stripe'], { stdio: 'ignore' }).status === 0;
}

const CLASSES: Record<Resource, string> = {
  balance: 'Balance',
  balanceTransactions: 'BalanceTransaction',
  charges: 'Charge',
  customers: 'Customer',
  disputes: 'Dispute',
  events: 'Event',
  files: 'File',
  invoices: 'Invoice',
  paymentIntents: 'PaymentIntent',
  paymentMethods: 'PaymentMethod',
  payouts: 'Payout',
  prices: 'Price',
  products: 'Product',
  refunds: 'Refund',
  setupIntents: 'SetupIntent',
  sources: 'Source',
  subscriptions: 'Subscription',
  tokens: 'Token',
  webhookEndpoints: 'WebhookEndpoint',
};

/** stripe-python's names where they are not stripe-node's in snake_case. */
const METHODS: Partial<Record<Method, string>> = { update: 'modify', del: 'delete' };

function methodName(method: Method): string {
  return METHODS[method] ?? method.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

export function pythonClient(apiVersion: string, port: number): SdkClient {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [DRIVER, `http://127.0.0.1:${port}`, apiVersion], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const pending = new Map<number, (reply: Json) => void>();
  let nextId = 1;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const reply = JSON.parse(line) as Json;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => {
    for (const [, resolve] of pending) resolve({ ok: false, error: { sdk_class: 'DriverExited', message: stderr } });
  });

  const send = (request: Record<string, unknown>): Promise<Outcome> =>
    new Promise<Json>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    }).then((reply): Outcome => {
      if (reply.ok) return { ok: true, object: reply.object, headers: lowerKeys(reply.headers) };
      const e = reply.error;
      if (e.json === undefined && e.sdk_class !== 'SignatureVerificationError') {
        throw new Error(`stripe-python raised ${e.sdk_class}: ${e.message}\n${stderr}`);
      }
      return {
        ok: false,
        error: {
          sdkClass: e.sdk_class,
          status: e.http_status,
          error: e.json?.error ?? {},
          headers: lowerKeys(e.headers),
        },
      };
    });

  const request = (op: string, key: string, step: Step) => ({
    op,
    key,
    cls: CLASSES[step.resource],
    method: methodName(step.method),
    ids: step.ids ?? [],
    params: step.params ?? {},
    options: {
      idempotency_key: step.options?.idempotencyKey,
      stripe_version: step.options?.apiVersion,
    },
  });

  return {
    name: `stripe-python 5 (${apiVersion})`,
    apiVersion,
    // stripe-python has no type declarations; 5.0.0 is generated from the 2022-11-15 spec, as is stripe-node 12.
    shapes: 'stripe-v12',
    errorClasses: {
      card: 'CardError',
      invalidRequest: 'InvalidRequestError',
      idempotency: 'IdempotencyError',
      signature: 'SignatureVerificationError',
    },
    call: (key, step) => send(request('call', key, step)),
    listAll: (key, step) => send(request('list_all', key, step)),
    upload: (key, params, file) =>
      send({ op: 'upload', key, params, file: { name: file.name, base64: file.data.toString('base64') } }),
    constructEvent: (payload, header, secret) => send({ op: 'construct_event', payload, header, secret }),
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
