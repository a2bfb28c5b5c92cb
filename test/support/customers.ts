/**
 * Helpers shared by the Customer end-to-end tests: shape-checked wrappers around what the SDK
 * returns, bulk creation, and one way to assert on the errors the SDK throws.
 */
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { assertShape } from './shape.js';

/** Asserts `c` is a Customer as the SDK declares it (and as Stripe's fixture spells it); returns it. */
export function checkCustomer<T extends Stripe.Customer>(c: T): T {
  assertShape(c, 'Customer', 'customer');
  return c;
}

/** Asserts `c` is the `{id, object, deleted: true}` stub of a deleted customer; returns it narrowed. */
export function checkDeleted(c: Stripe.Customer | Stripe.DeletedCustomer): Stripe.DeletedCustomer {
  assertShape(c, 'DeletedCustomer');
  assert.deepEqual(Object.keys(c), ['id', 'object', 'deleted']);
  assert.equal(c.deleted, true);
  return c as Stripe.DeletedCustomer;
}

/** Narrows a retrieve result to a live customer, shape-checked. */
export function live(c: Stripe.Customer | Stripe.DeletedCustomer): Stripe.Customer {
  assert.notEqual(c.deleted, true, `expected a live customer, got a deleted one (${c.id})`);
  return checkCustomer(c as Stripe.Customer);
}

/** Asserts a list envelope of customers, each element included; returns it. */
export function checkList<T extends Stripe.ApiList<Stripe.Customer>>(list: T): T {
  assertShape(list, 'ApiList<Customer>');
  return list;
}

/** Asserts a search envelope of customers, each element included; returns it. */
export function checkSearch<T extends Stripe.ApiSearchResult<Stripe.Customer>>(result: T): T {
  assertShape(result, 'ApiSearchResult<Customer>');
  return result;
}

/** Creates `count` customers, `batch` requests at a time; returns them in creation order. */
export async function createCustomers(
  stripe: Stripe,
  count: number,
  params: (i: number) => Stripe.CustomerCreateParams = () => ({}),
  batch = 20,
): Promise<Stripe.Customer[]> {
  const out: Stripe.Customer[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const created = await Promise.all(
      Array.from({ length: size }, (_, j) => stripe.customers.create(params(start + j))),
    );
    out.push(...created);
  }
  return out;
}

type ErrorClass = new (...args: never[]) => Stripe.errors.StripeError;

export interface ExpectedError {
  statusCode?: number;
  type?: string;
  code?: string | undefined;
  param?: string | undefined;
  /** Exact message, or a pattern it must match. */
  message?: string | RegExp;
}

/**
 * Awaits `promise`, which must reject with an instance of `cls` matching `expected`; returns the error
 * for further checks. Every error must also carry a `req_` request id.
 */
export async function expectError<E extends Stripe.errors.StripeError>(
  promise: Promise<unknown>,
  cls: ErrorClass & (new (...args: never[]) => E),
  expected: ExpectedError = {},
): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected a ${cls.name}, but the request succeeded`);
  if (!(caught instanceof cls)) {
    const e = caught as { constructor?: { name?: string }; message?: string };
    assert.fail(`expected a ${cls.name}, got ${e.constructor?.name}: ${e.message}`);
  }
  const err = caught as E;
  if (expected.statusCode !== undefined) assert.equal(err.statusCode, expected.statusCode, err.message);
  if (expected.type !== undefined) assert.equal(err.type, expected.type, err.message);
  if ('code' in expected) assert.equal(err.code, expected.code, err.message);
  if ('param' in expected) assert.equal(err.param, expected.param, err.message);
  if (typeof expected.message === 'string') assert.equal(err.message, expected.message);
  else if (expected.message) assert.match(err.message, expected.message);
  assert.match(err.requestId ?? '', /^req_[0-9A-Za-z]{14}$/, 'error carries a Request-Id');
  return err;
}

/** Shorthand for the common 400/404 `StripeInvalidRequestError`. */
export function expectInvalid(
  promise: Promise<unknown>,
  expected: ExpectedError = {},
): Promise<Stripe.errors.StripeInvalidRequestError> {
  return expectError(promise, Stripe.errors.StripeInvalidRequestError, { statusCode: 400, ...expected });
}

/** `No such customer: '<id>'` as a 404 on the path id. */
export function expectNoSuchCustomer(promise: Promise<unknown>, id: string) {
  return expectInvalid(promise, {
    statusCode: 404,
    code: 'resource_missing',
    param: 'id',
    message: `No such customer: '${id}'`,
  });
}
