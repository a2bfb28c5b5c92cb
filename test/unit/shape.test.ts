/**
 * Unit tests for test/support/shape.ts: the helper must accept Stripe's own
 * example customer and pinpoint each kind of deviation by path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ShapeProblem } from '../support/shape.js';
import { assertShape, shapeProblems } from '../support/shape.js';

type Json = Record<string, unknown>;

const FIXTURES = fileURLToPath(new URL('../../../shared/stripe-openapi/fixtures3.json', import.meta.url));

function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadCustomerFixture(): Json {
  const parsed: unknown = JSON.parse(readFileSync(FIXTURES, 'utf8'));
  const resources = isJsonObject(parsed) ? parsed.resources : undefined;
  const customer = isJsonObject(resources) ? resources.customer : undefined;
  assert.ok(isJsonObject(customer), 'fixtures3.json has resources.customer');
  return customer;
}

/** A minimal but complete Customer, in case the fixture drifts from the pinned SDK. */
function handBuiltCustomer(): Json {
  return {
    id: 'cus_1',
    object: 'customer',
    balance: 0,
    created: 1_700_000_000,
    default_source: null,
    description: null,
    email: 'a@example.com',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: { plan: 'gold' },
    shipping: null,
  };
}

const fixture = loadCustomerFixture();
// The fixture is the better baseline (it exercises nested objects) as long as the pinned SDK agrees with it.
const baseline = shapeProblems(fixture, 'Customer', 'customer').length === 0 ? fixture : handBuiltCustomer();
/** A fresh deep copy, so each test can mutate freely. */
const validCustomer = (): Json => structuredClone(baseline);

function problemAt(problems: readonly ShapeProblem[], path: string): ShapeProblem | undefined {
  return problems.find((p) => p.path === path);
}

function assertReported(obj: Json, path: string, pattern: RegExp, typeName = 'Customer'): void {
  const problems = shapeProblems(obj, typeName);
  const found = problemAt(problems, path);
  assert.ok(found, `expected a problem at ${path}, got ${JSON.stringify(problems)}`);
  assert.match(found.problem, pattern);
}

test('the fixture customer (or a hand-built one) passes as Customer', () => {
  const fixtureProblems = shapeProblems(fixture, 'Customer', 'customer');
  // Drift between Stripe's fixture and the pinned SDK is tolerated, but only as unknown fields.
  for (const p of fixtureProblems) assert.match(p.problem, /unknown field/);
  assert.deepEqual(shapeProblems(handBuiltCustomer(), 'Customer', 'customer'), []);
  assert.doesNotThrow(() => assertShape(validCustomer(), 'Customer', 'customer'));
});

test('a missing required field is reported', () => {
  const customer = validCustomer();
  delete customer.balance;
  assertReported(customer, 'balance', /missing required/);
});

test('an invented field is reported, with the fixture cross-check in the message', () => {
  const customer = { ...validCustomer(), colour: 'red' };
  assertReported(customer, 'colour', /unknown field/);
  const withFixture = problemAt(shapeProblems(customer, 'Customer', 'customer'), 'colour');
  assert.match(withFixture?.problem ?? '', /not in fixture 'customer'/);
});

test('a wrong kind is reported', () => {
  assertReported({ ...validCustomer(), balance: 'x' }, 'balance', /expected number, got "x"/);
});

test('a wrong literal is reported', () => {
  assertReported({ ...validCustomer(), object: 'charge' }, 'object', /expected "customer", got "charge"/);
});

test('a wrong kind inside a nested object is reported with a dotted path', () => {
  const customer = validCustomer();
  customer.invoice_settings = {
    custom_fields: 5,
    default_payment_method: null,
    footer: null,
    rendering_options: null,
  };
  assertReported(customer, 'invoice_settings.custom_fields', /got 5/);
});

test('array elements and index signatures are checked', () => {
  assertReported({ ...validCustomer(), preferred_locales: ['en', 3] }, 'preferred_locales[1]', /expected string/);
  assertReported({ ...validCustomer(), metadata: { n: 1 } }, 'metadata.n', /expected string/);
});

test('deleted: true is not allowed on a Customer', () => {
  assertReported({ ...validCustomer(), deleted: true }, 'deleted', /must be absent/);
});

test('a deleted customer passes as DeletedCustomer', () => {
  assert.deepEqual(shapeProblems({ id: 'cus_1', object: 'customer', deleted: true }, 'DeletedCustomer'), []);
});

test('unions of ids and expanded objects accept either form', () => {
  const customer = validCustomer();
  customer.test_clock = 'clock_1';
  assert.deepEqual(shapeProblems(customer, 'Customer'), []);
  customer.test_clock = { id: 'clock_1' };
  assert.ok(shapeProblems(customer, 'Customer').some((p) => p.path.startsWith('test_clock.')));
});

test('list envelopes check each item', () => {
  const data = [validCustomer(), { ...validCustomer(), balance: null }];
  const list = { object: 'list', data, has_more: false, url: '/v1/customers' };
  const problems = shapeProblems(list, 'ApiList<Customer>');
  assert.deepEqual(
    problems.map((p) => p.path),
    ['data[1].balance'],
  );
});

test('assertShape throws an AssertionError listing every problem', () => {
  const bad = { ...validCustomer(), colour: 'red', balance: 'x' };
  assert.throws(
    () => assertShape(bad, 'Customer'),
    (err: unknown) => err instanceof assert.AssertionError && /colour/.test(err.message) && /balance/.test(err.message),
  );
});

test('unknown type names fail loudly', () => {
  assert.throws(() => shapeProblems({}, 'NoSuchStripeType'), /no exported interface/);
});
