/**
 * Unit tests for test/support/sdk-shapes.ts: the declarations read from two SDK majors must carry
 * the facts of their API versions (2020-08-27's PaymentIntent has `charges`, 2022-11-15's has
 * `latest_charge`), and the checker must accept what an SDK declares and name each deviation by
 * interface and field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Declarations,
  loadDeclarations,
  shapeProblems,
  shapeReport,
  type TypeDecl,
} from '../support/sdk-shapes.js';

type Json = Record<string, unknown>;

const v8 = loadDeclarations('stripe-v8');
const v12 = loadDeclarations('stripe-v12');

/** The smallest value a declaration accepts: required fields only, each with its first allowed kind. */
function minimal(decls: Declarations, name: string, depth = 0): Json {
  const decl = decls.interfaces[name];
  assert.ok(decl, `declared: ${name}`);
  const out: Json = {};
  for (const [key, field] of Object.entries(decl.fields)) {
    if (field.optional || field.absent) continue;
    out[key] = sample(decls, field.type, depth);
  }
  return out;
}

function sample(decls: Declarations, type: TypeDecl, depth: number): unknown {
  if (type.nullable) return null;
  if (Array.isArray(type.string)) return type.string[0];
  if (type.string) return 'x';
  if (type.number) return 1;
  if (type.boolean) return false;
  if (type.array) return [];
  const [first] = type.objects ?? [];
  if (first && depth < 6) return minimal(decls, first, depth + 1);
  return {};
}

describe('sdk-shapes: declarations', () => {
  it('reads the interfaces of an old major (declare module) and tags them by `object`', () => {
    assert.deepEqual(v12.tags.customer, ['Customer', 'DeletedCustomer']);
    assert.deepEqual(v12.tags.list, ['ApiList']);
    const customer = v12.interfaces.Customer;
    assert.ok(customer);
    assert.equal(customer.fields.balance?.optional, false);
    assert.equal(customer.fields.cash_balance?.optional, true);
    assert.equal(customer.fields.deleted?.absent, true, '`deleted?: void` on a live customer');
    assert.deepEqual(customer.fields.invoice_settings?.type.objects, ['Customer.InvoiceSettings']);
    assert.ok(v12.interfaces.Metadata?.index?.string, 'Metadata is a string index signature');
  });

  it('keeps each version’s facts: charges on 2020-08-27, latest_charge on 2022-11-15', () => {
    assert.ok(v8.interfaces.PaymentIntent?.fields.charges);
    assert.equal(v8.interfaces.PaymentIntent?.fields.latest_charge, undefined);
    assert.ok(v12.interfaces.PaymentIntent?.fields.latest_charge);
    assert.equal(v12.interfaces.PaymentIntent?.fields.charges, undefined);
  });

  it('reads the current major (per-file exports), Event as a union discriminated by type', () => {
    const current = loadDeclarations('stripe');
    assert.ok(current.tags.customer?.includes('Customer'));
    assert.ok((current.tags.event?.length ?? 0) > 100, 'one interface per event type');
    assert.ok(!current.tags.card?.some((name) => name.includes('Params')), 'params types are not objects');
  });
});

describe('sdk-shapes: checking', () => {
  it('accepts the minimal object a declaration allows, found by its `object` tag', () => {
    const customer = minimal(v12, 'Customer');
    assert.equal(customer.object, 'customer');
    assert.deepEqual(shapeProblems(v12, customer), []);
    assert.deepEqual(shapeProblems(v12, { id: 'cus_1', object: 'customer', deleted: true }), []);
  });

  it('names an undeclared field, a missing required field and a wrong literal by interface and field', () => {
    const customer = minimal(v12, 'Customer');
    customer.shiny_new_field = 1;
    delete customer.balance;
    customer.tax_exempt = 'sometimes';
    const problems = shapeProblems(v12, customer).map(({ on, field, problem }) => `${on}.${field}: ${problem}`);
    assert.deepEqual(problems.sort(), [
      'Customer.balance: missing (declared required)',
      'Customer.shiny_new_field: received, but not declared',
      'Customer.tax_exempt: is "sometimes", declared "exempt" | "none" | "reverse" | null',
    ]);
  });

  it('checks nested objects, list items by their own tag, and open types (event data) by tag', () => {
    const customer = minimal(v12, 'Customer');
    (customer.invoice_settings as Json).not_a_setting = null;
    const list = { object: 'list', data: [customer], has_more: false, url: '/v1/customers' };
    const [problem] = shapeProblems(v12, list);
    assert.equal(problem?.path, 'data[0].invoice_settings.not_a_setting');
    assert.equal(problem?.on, 'Customer.InvoiceSettings');

    const event = minimal(v12, 'Event');
    event.data = { object: { ...minimal(v12, 'PaymentIntent'), latest_charge: null, charges: { object: 'list' } } };
    const eventProblems = shapeProblems(v12, event).map((p) => `${p.on}.${p.field}`);
    assert.ok(eventProblems.includes('PaymentIntent.charges'), JSON.stringify(eventProblems));
  });

  it('reports each distinct problem once, with a count and where it came from', () => {
    const a = { ...minimal(v8, 'PaymentIntent'), latest_charge: 'ch_1' };
    const b: Json = { ...minimal(v8, 'PaymentIntent'), latest_charge: 'ch_2' };
    delete b.charges;
    const report = shapeReport(v8, [
      { object: a, via: 'paymentIntents.create' },
      { object: { object: 'list', data: [b], has_more: false, url: '/' }, via: 'paymentIntents.list' },
    ]);
    assert.deepEqual(report, [
      'PaymentIntent.charges: missing (declared required)  (1× via paymentIntents.list)',
      'PaymentIntent.latest_charge: received, but not declared  (2× via paymentIntents.create, paymentIntents.list)',
    ]);
  });
});
