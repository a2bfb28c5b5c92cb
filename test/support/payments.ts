/**
 * Helpers shared by the payment end-to-end tests: a fresh account with both of its keys, the
 * account's events in the order they happened, the server clock, a one-call payment, and
 * shape-checked wrappers for the payment objects.
 */
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { randomBase62 } from '../../src/platform/ids.js';
import { http, sdk, type TestServer } from './server.js';
import { assertShape } from './shape.js';

export interface TestAccount {
  /** `sk_test_<suffix>`. */
  key: string;
  /** `pk_test_<suffix>`: the same account (open mode keys accounts by suffix). */
  publishableKey: string;
  stripe: Stripe;
}

/**
 * A fresh isolated account with its secret and publishable keys and an SDK client on the secret key
 * (telemetry off: hundreds of parallel requests overflow the SDK's metrics buffer, which warns).
 */
export function newAccount(server: TestServer): TestAccount {
  const suffix = randomBase62(24);
  const key = `sk_test_${suffix}`;
  return { key, publishableKey: `pk_test_${suffix}`, stripe: client(server, key) };
}

/** An SDK client for `key` (a secret or publishable key) without telemetry. */
export function client(server: TestServer, key: string): Stripe {
  return sdk(server.port, key, { telemetry: false });
}

/** The `acct_` id behind a secret key (`GET /sandbank/v1/account`). */
export async function accountIdOf(server: TestServer, key: string): Promise<string> {
  const res = await http(server, 'GET', '/sandbank/v1/account', { key });
  assert.equal(res.status, 200, res.text);
  return res.json.id as string;
}

/** An event as stored (the shape `GET /v1/events` will return). */
export interface StoredEvent {
  id: string;
  type: string;
  created: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read event payloads field by field
  data: { object: any; previous_attributes?: Record<string, unknown> };
  request: { id: string | null; idempotency_key: string | null };
}

/** Every event of an account, oldest first (the store lists newest first). */
export async function eventsOf(server: TestServer, account: string): Promise<StoredEvent[]> {
  const rows = [];
  let after: { created: number; seq: number } | undefined;
  for (;;) {
    const page = await server.app.store.listEvents({ account, limit: 100, ...(after ? { after } : {}) });
    rows.push(...page.rows);
    const last = page.rows.at(-1);
    if (!page.hasMore || !last) break;
    after = { created: last.created, seq: last.seq };
  }
  return rows.reverse().map((row) => JSON.parse(row.json) as StoredEvent);
}

/** The events of an account that concern object `id` (`data.object.id`), oldest first. */
export async function eventsFor(server: TestServer, account: string, id: string): Promise<StoredEvent[]> {
  return (await eventsOf(server, account)).filter((e) => e.data.object?.id === id);
}

/** Moves the server clock forward by `seconds` and runs the jobs that became due. */
export async function advance(server: TestServer, key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

/** Completes or fails the 3-D Secure authentication of a PaymentIntent in `requires_action`. */
export async function authenticate(
  server: TestServer,
  key: string,
  id: string,
  outcome: 'complete' | 'fail',
): Promise<Stripe.PaymentIntent> {
  const res = await http(server, 'POST', `/sandbank/v1/payment_intents/${id}/authenticate`, {
    key,
    body: `outcome=${outcome}`,
  });
  assert.equal(res.status, 200, `3-D Secure test helper: ${res.status} ${res.text}`);
  return checkPaymentIntent(res.json as Stripe.PaymentIntent);
}

/**
 * Creates and confirms a PaymentIntent in one call: 2000 usd, cards only, synchronous capture, unless
 * `params` says otherwise. Rejects like the SDK does (a decline is a `StripeCardError`).
 */
export async function pay(
  stripe: Stripe,
  params: Partial<Stripe.PaymentIntentCreateParams> = {},
  options?: Stripe.RequestOptions,
): Promise<Stripe.Response<Stripe.PaymentIntent>> {
  const pi = await stripe.paymentIntents.create(
    {
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      allowed_payment_method_types: ['card'],
      capture_method: 'automatic',
      confirm: true,
      ...params,
    },
    options,
  );
  return checkPaymentIntent(pi);
}

/** The charge a PaymentIntent's last attempt created, shape-checked. */
export async function latestCharge(stripe: Stripe, pi: Stripe.PaymentIntent): Promise<Stripe.Charge> {
  assert.equal(typeof pi.latest_charge, 'string', `${pi.id} has no latest_charge`);
  return checkCharge(await stripe.charges.retrieve(pi.latest_charge as string));
}

/** Asserts `pi` is a PaymentIntent as the SDK declares it; returns it. */
export function checkPaymentIntent<T extends Stripe.PaymentIntent>(pi: T): T {
  assertShape(pi, 'PaymentIntent', 'payment_intent');
  return pi;
}

/** Asserts `charge` is a Charge as the SDK declares it; returns it. */
export function checkCharge<T extends Stripe.Charge>(charge: T): T {
  assertShape(charge, 'Charge', 'charge');
  return charge;
}

/** Asserts `pm` is a PaymentMethod as the SDK declares it; returns it. */
export function checkPaymentMethod<T extends Stripe.PaymentMethod>(pm: T): T {
  assertShape(pm, 'PaymentMethod', 'payment_method');
  return pm;
}

/** Stripe's 402 decline: awaits `promise` and returns the `StripeCardError` it must reject with. */
export async function expectCardError(promise: Promise<unknown>): Promise<Stripe.errors.StripeCardError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) {
      assert.equal(err.statusCode, 402, err.message);
      assert.equal(err.type, 'StripeCardError');
      return err;
    }
    const e = err as Error;
    assert.fail(`expected a StripeCardError, got ${e.constructor.name}: ${e.message}`);
  }
  assert.fail('expected a StripeCardError, but the request succeeded');
}
