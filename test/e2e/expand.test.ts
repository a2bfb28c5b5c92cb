/**
 * `expand[]` on Customers end to end: the fields Stripe includes only when expanded, on retrieve,
 * create, update, list and search; null references staying null; and the expansion errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { checkCustomer, checkDeleted, checkList, expectInvalid, live } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const INCLUDABLE = ['tax', 'cash_balance', 'sources', 'subscriptions', 'tax_ids', 'invoice_credit_balance'] as const;

/** Asserts every includable field is present and shaped as Stripe's, for customer `c`. */
function assertIncluded(c: Stripe.Customer) {
  checkCustomer(c);
  for (const [field, path] of [
    ['sources', 'sources'],
    ['subscriptions', 'subscriptions'],
    ['tax_ids', 'tax_ids'],
  ] as const) {
    const list = c[field];
    assert.ok(list, `${field} is included`);
    assert.deepEqual({ ...list }, { object: 'list', data: [], has_more: false, url: `/v1/customers/${c.id}/${path}` });
  }
  assert.ok(c.cash_balance, 'cash_balance is included');
  assertShape(c.cash_balance, 'CashBalance');
  assert.equal(c.cash_balance.customer, c.id);
  assert.equal(c.cash_balance.object, 'cash_balance');
  assert.deepEqual(c.invoice_credit_balance, {});
  assert.ok(c.tax, 'tax is included');
  assertShape(c.tax, 'Customer.Tax');
}

function assertNotIncluded(c: Stripe.Customer) {
  for (const k of INCLUDABLE) assert.equal(k in c, false, `${k} is only present when expanded`);
}

describe('expand: includable customer fields', () => {
  it('includes every expandable field on retrieve, and only for that request', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ email: 'x@example.com' });
    const expanded = live(await stripe.customers.retrieve(c.id, { expand: [...INCLUDABLE] }));
    assertIncluded(expanded);
    // Everything else is the same customer.
    const { tax, cash_balance, sources, subscriptions, tax_ids, invoice_credit_balance, ...rest } = expanded;
    assert.deepEqual(rest, { ...c });
    // Nothing was stored.
    assertNotIncluded(live(await stripe.customers.retrieve(c.id)));
  });

  it('includes them on create and update', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create({ name: 'New', expand: [...INCLUDABLE] }));
    assertIncluded(c);
    const u = checkCustomer(await stripe.customers.update(c.id, { name: 'Newer', expand: [...INCLUDABLE] }));
    assertIncluded(u);
    assert.equal(u.name, 'Newer');
    assertNotIncluded(checkCustomer(await stripe.customers.update(c.id, { name: 'Newest' })));
  });

  it("derives tax from the customer's billing address", async () => {
    const stripe = server.stripe();
    const none = checkCustomer(await stripe.customers.create({ expand: ['tax'] }));
    assert.deepEqual(none.tax, {
      automatic_tax: 'unrecognized_location',
      ip_address: null,
      location: null,
      provider: 'stripe',
    });
    const de = checkCustomer(
      await stripe.customers.update(none.id, {
        address: { country: 'DE', city: 'Berlin', postal_code: '10115' },
        expand: ['tax'],
      }),
    );
    assert.equal(de.tax?.location?.country, 'DE');
    assert.equal(de.tax?.location?.source, 'billing_address');
    assert.equal(de.tax?.location?.state, null);
    assert.notEqual(de.tax?.automatic_tax, 'unrecognized_location');
  });

  it('accepts the curl form expand[]=…', async () => {
    const key = newSecretKey();
    const res = await http(server, 'POST', '/v1/customers', { key, body: 'expand[]=tax&expand[]=sources' });
    assert.equal(res.status, 200);
    checkCustomer(res.json);
    assert.equal(res.json.tax.provider, 'stripe');
    assert.equal(res.json.sources.object, 'list');
    const got = await http(server, 'GET', `/v1/customers/${res.json.id}?expand[]=cash_balance`, { key });
    assert.equal(got.status, 200);
    checkCustomer(got.json);
    assert.equal(got.json.cash_balance.customer, res.json.id);
  });
});

describe('expand: lists', () => {
  it('expands data.<field> on every element of a list', async () => {
    const stripe = server.stripe();
    await stripe.customers.create({ address: { country: 'FR' } });
    await stripe.customers.create();
    const list = checkList(await stripe.customers.list({ expand: ['data.tax', 'data.sources'] }));
    assert.equal(list.data.length, 2);
    for (const c of list.data) {
      assert.ok(c.tax && c.sources, 'every element is expanded');
      assertShape(c.tax, 'Customer.Tax');
      assert.equal(c.sources.url, `/v1/customers/${c.id}/sources`);
    }
    assert.deepEqual(
      list.data.map((c) => c.tax?.location?.country ?? null),
      [null, 'FR'],
    );
    for (const c of checkList(await stripe.customers.list()).data) assertNotIncluded(c);
  });

  it('auto-pagination keeps the expansion on every page', async () => {
    const stripe = server.stripe();
    for (let i = 0; i < 5; i++) await stripe.customers.create();
    const all = await stripe.customers.list({ limit: 2, expand: ['data.tax'] }).autoPagingToArray({ limit: 100 });
    assert.equal(all.length, 5);
    for (const c of all) assert.equal(checkCustomer(c).tax?.provider, 'stripe');
  });

  it("refuses a bare field on a list, suggesting 'data.<field>'", async () => {
    const stripe = server.stripe();
    await stripe.customers.create();
    await expectInvalid(stripe.customers.list({ expand: ['tax'] }), {
      param: 'expand',
      message: "This property cannot be expanded (tax). You may want to try expanding 'data.tax' instead.",
    });
  });
});

describe('expand: deleted customers', () => {
  it('answers the bare deleted stub even when fields are expanded', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ address: { country: 'US' } });
    checkDeleted(await stripe.customers.del(c.id));
    const got = checkDeleted(await stripe.customers.retrieve(c.id, { expand: [...INCLUDABLE, 'default_source'] }));
    assert.deepEqual({ ...got }, { id: c.id, object: 'customer', deleted: true });
    // A field that can never be expanded is still refused.
    await expectInvalid(stripe.customers.retrieve(c.id, { expand: ['foo'] }), {
      message: 'This property cannot be expanded (foo).',
    });
  });
});

describe('expand: null references', () => {
  it('leaves default_source, test_clock and invoice_settings.default_payment_method null', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    const paths = ['default_source', 'test_clock', 'invoice_settings.default_payment_method'];
    const got = live(await stripe.customers.retrieve(c.id, { expand: paths }));
    assert.equal(got.default_source, null);
    assert.equal(got.test_clock, null);
    assert.equal(got.invoice_settings.default_payment_method, null);
    assert.deepEqual({ ...got }, { ...c });

    const listed = checkList(await stripe.customers.list({ expand: paths.map((p) => `data.${p}`) }));
    assert.equal(listed.data[0]?.default_source, null);
    assert.equal(listed.data[0]?.test_clock, null);
  });

  it('allows a nested path through a null reference', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    const got = live(
      await stripe.customers.retrieve(c.id, { expand: ['invoice_settings.default_payment_method.customer'] }),
    );
    assert.equal(got.invoice_settings.default_payment_method, null);
  });
});

describe('expand: errors', () => {
  it('refuses a field that cannot be expanded', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    for (const path of ['foo', 'metadata', 'email', 'invoice_settings.footer']) {
      await expectInvalid(stripe.customers.retrieve(c.id, { expand: [path] }), {
        param: 'expand',
        message: `This property cannot be expanded (${path}).`,
      });
    }
    await expectInvalid(stripe.customers.create({ expand: ['foo'] }), {
      message: 'This property cannot be expanded (foo).',
    });
  });

  it("refuses 'data' itself, or another envelope field, on a list or search result", async () => {
    const stripe = server.stripe();
    await stripe.customers.create({ name: 'Listed' });
    for (const path of ['data', 'url', 'has_more']) {
      await expectInvalid(stripe.customers.list({ expand: [path] }), {
        param: 'expand',
        message: `This property cannot be expanded (${path}).`,
      });
    }
    await expectInvalid(stripe.customers.search({ query: 'name:"listed"', expand: ['data'] }), {
      message: 'This property cannot be expanded (data).',
    });
    await expectInvalid(stripe.customers.list({ expand: ['data.foo'] }), {
      message: 'This property cannot be expanded (data.foo).',
    });
  });

  it('checks paths on an empty list as on a full one', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.list({ expand: ['tax'] }), {
      message: "This property cannot be expanded (tax). You may want to try expanding 'data.tax' instead.",
    });
    await expectInvalid(stripe.customers.list({ expand: ['data.foo'] }), {
      message: 'This property cannot be expanded (data.foo).',
    });
    await expectInvalid(stripe.customers.search({ query: 'name:"nobody"', expand: ['data.foo'] }), {
      message: 'This property cannot be expanded (data.foo).',
    });
  });

  it('does not store a refused expansion against the idempotency key', async () => {
    const key = newSecretKey();
    const body = (expand: string) => `name=Retry&expand[]=${expand}`;
    const headers = { 'Idempotency-Key': 'expand-retry' };
    const refused = await http(server, 'POST', '/v1/customers', { key, body: body('foo'), headers });
    assert.equal(refused.status, 400);
    const fixed = await http(server, 'POST', '/v1/customers', { key, body: body('tax'), headers });
    assert.equal(fixed.status, 200);
    assert.equal(fixed.headers.get('idempotent-replayed'), null);
    assertShape(fixed.json, 'Customer', 'customer');
    assert.equal(fixed.json.tax.provider, 'stripe');
  });

  it('a refused expansion on create creates nothing', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create({ name: 'Ghost', expand: ['nope'] }), {
      message: 'This property cannot be expanded (nope).',
    });
    assert.deepEqual(checkList(await stripe.customers.list()).data, []);
  });

  it('refuses more than 4 levels with property_expansion_max_depth', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    await expectInvalid(stripe.customers.retrieve(c.id, { expand: ['a.b.c.d.e'] }), {
      code: 'property_expansion_max_depth',
      param: 'expand',
      message: 'You cannot expand more than 4 levels of a property. Property: a.b.c.d.e',
    });
    // On a list the leading `data.` counts as a level.
    await expectInvalid(stripe.customers.list({ expand: ['data.default_source.customer.tax.x'] }), {
      code: 'property_expansion_max_depth',
      message: 'You cannot expand more than 4 levels of a property. Property: data.default_source.customer.tax.x',
    });
  });
});
