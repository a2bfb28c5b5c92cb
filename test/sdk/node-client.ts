/**
 * The stripe-node adapter: one installed major (`stripe-v8` … `stripe`) pinned to its API version.
 * The majors are loaded untyped through `require`, because the old ones declare the same ambient
 * `'stripe'` module as the current one; the suite only needs the call shape every major shares
 * (`stripe[resource][method](...ids, params, options)`).
 */

import type { LookupAddress } from 'node:dns';
import { Agent, type AgentOptions } from 'node:http';
import { createRequire } from 'node:module';
import type { SdkPackage } from '../support/sdk-shapes.js';
import type { Json, Outcome, SdkClient, Step, UploadFile } from './client.js';

const require = createRequire(import.meta.url);

type NodeStripe = Json;
type StripeConstructor = (new (
  key: string,
  config: Record<string, unknown>,
) => NodeStripe) & { PACKAGE_VERSION: string };

/**
 * stripe-node before 19 sends `files.create` to `files.stripe.com` whatever `host` says (the current
 * major honours `host` for uploads too). Real users point such a client at a local server through
 * its `httpAgent` option; so does the suite, with an agent that resolves every name to 127.0.0.1.
 */
function loopbackAgent(): Agent {
  const lookup = (
    _host: string,
    options: { all?: boolean },
    done: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => (options.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4));
  return new Agent({ keepAlive: true, lookup } as AgentOptions);
}

function headersOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** The object as the server's JSON, without the SDK's `lastResponse` and helpers. */
function plain(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'lastResponse' ? undefined : v)));
}

function failure(err: Json): Outcome {
  if (typeof err?.type !== 'string' || !err.type.startsWith('Stripe')) throw err;
  const { headers: _h, statusCode: _s, requestId: _r, ...error } = (err.raw ?? {}) as Record<string, unknown>;
  return {
    ok: false,
    error: { sdkClass: err.type, status: err.statusCode, error: plain(error), headers: headersOf(err.headers) },
  };
}

export function nodeClient(pkg: SdkPackage, apiVersion: string, port: number): SdkClient {
  const mod = require(pkg) as StripeConstructor & { default?: StripeConstructor };
  const Stripe = mod.default ?? mod;
  const major = Number(Stripe.PACKAGE_VERSION.split('.')[0]);
  const agent = major < 19 ? loopbackAgent() : undefined;
  const clients = new Map<string, NodeStripe>();
  const clientFor = (key: string): NodeStripe => {
    let client = clients.get(key);
    if (!client) {
      client = new Stripe(key, {
        apiVersion,
        host: '127.0.0.1',
        port,
        protocol: 'http',
        maxNetworkRetries: 0,
        telemetry: false,
        ...(agent ? { httpAgent: agent } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
  /** Old majors refuse an empty options object as an unknown argument, so it is only passed when set. */
  const args = (step: Step) => {
    const options = {
      ...(step.options?.idempotencyKey ? { idempotencyKey: step.options.idempotencyKey } : {}),
      ...(step.options?.apiVersion ? { apiVersion: step.options.apiVersion } : {}),
    };
    return [...(step.ids ?? []), step.params ?? {}, ...(Object.keys(options).length > 0 ? [options] : [])];
  };
  const resourceOf = (key: string, step: Step) => {
    const resource = clientFor(key)[step.resource];
    if (typeof resource?.[step.method] !== 'function') {
      throw new Error(`${pkg} has no ${step.resource}.${step.method}`);
    }
    return resource;
  };
  return {
    name: `stripe-node ${major} (${apiVersion})`,
    apiVersion,
    shapes: pkg,
    errorClasses: {
      card: 'StripeCardError',
      invalidRequest: 'StripeInvalidRequestError',
      idempotency: 'StripeIdempotencyError',
      signature: 'StripeSignatureVerificationError',
    },
    async call(key, step) {
      try {
        const result = await resourceOf(key, step)[step.method](...args(step));
        return { ok: true, object: plain(result), headers: headersOf(result.lastResponse?.headers) };
      } catch (err) {
        return failure(err);
      }
    },
    async listAll(key, step) {
      try {
        const items: Json[] = [];
        await resourceOf(key, step)
          [step.method](...args(step))
          .autoPagingEach((item: Json) => {
            items.push(plain(item));
          });
        return { ok: true, object: { object: 'list', data: items }, headers: {} };
      } catch (err) {
        return failure(err);
      }
    },
    async upload(key, params, file: UploadFile) {
      try {
        const result = await clientFor(key).files.create({
          ...params,
          file: { data: file.data, name: file.name, type: file.type },
        });
        return { ok: true, object: plain(result), headers: headersOf(result.lastResponse?.headers) };
      } catch (err) {
        return failure(err);
      }
    },
    async constructEvent(payload, header, secret) {
      // Verification needs no account: any instance's `webhooks` does it offline with the secret.
      try {
        return {
          ok: true,
          object: plain(clientFor('sk_test_webhooks').webhooks.constructEvent(payload, header, secret)),
          headers: {},
        };
      } catch (err) {
        return failure(err);
      }
    },
    async close() {
      agent?.destroy();
    },
  };
}
