/**
 * Customers end to end through the official SDK: create with every kind of parameter, retrieve,
 * update (including unsetting with empty values), delete and the deleted stub, email validation,
 * and metadata's update rules and limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import {
  checkCustomer,
  checkDeleted,
  checkList,
  expectInvalid,
  expectNoSuchCustomer,
  live,
} from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const ADDRESS = {
  city: 'San Francisco',
  country: 'US',
  line1: '510 Townsend St',
  line2: 'Floor 2',
  postal_code: '94103',
  state: 'CA',
};

const FULL: Stripe.CustomerCreateParams = {
  address: ADDRESS,
  balance: -1500,
  business_name: 'Rocket Rides Inc.',
  description: 'A very full customer',
  email: 'jenny.rosen@example.com',
  individual_name: 'Jenny Rosen',
  invoice_prefix: 'ROCKET42',
  invoice_settings: {
    custom_fields: [
      { name: 'PO number', value: 'PO-1234' },
      { name: 'VAT', value: 'GB123456789' },
    ],
    footer: 'Thanks for riding!',
    rendering_options: { amount_tax_display: 'include_inclusive_tax' },
  },
  metadata: { plan: 'gold', seats: 5 },
  name: 'Jenny Rosen',
  next_invoice_sequence: 42,
  phone: '+14155550123',
  preferred_locales: ['en', 'fr-FR'],
  shipping: {
    address: { city: 'Oakland', country: 'US', line1: '1 Broadway', postal_code: '94607', state: 'CA' },
    name: 'Jenny at work',
    phone: '+14155550999',
  },
  tax_exempt: 'reverse',
};

describe('customers: create', () => {
  it('applies Stripe defaults to an empty create', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create());
    assert.match(c.id, /^cus_[0-9A-Za-z]{14}$/);
    assert.equal(c.object, 'customer');
    assert.equal(c.address, null);
    assert.equal(c.balance, 0);
    assert.ok(Math.abs(c.created - Date.now() / 1000) < 60, 'created is now, in Unix seconds');
    assert.equal(c.currency, null);
    assert.equal(c.default_source, null);
    assert.equal(c.delinquent, false);
    assert.equal(c.description, null);
    assert.equal(c.discount, null);
    assert.equal(c.email, null);
    assert.match(c.invoice_prefix ?? '', /^[0-9A-Z]{8}$/);
    assert.deepEqual(c.invoice_settings, {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    });
    assert.equal(c.livemode, false);
    assert.deepEqual(c.metadata, {});
    assert.equal(c.name, null);
    assert.equal(c.next_invoice_sequence, 1);
    assert.equal(c.phone, null);
    assert.deepEqual(c.preferred_locales, []);
    assert.equal(c.shipping, null);
    assert.equal(c.tax_exempt, 'none');
    assert.equal(c.test_clock, null);
    // Optional names are absent until set, as in Stripe's responses.
    assert.equal('business_name' in c, false);
    assert.equal('individual_name' in c, false);
    // Includable fields appear only when expanded.
    for (const k of ['tax', 'cash_balance', 'sources', 'subscriptions', 'tax_ids', 'invoice_credit_balance']) {
      assert.equal(k in c, false, `${k} is not included by default`);
    }
  });

  it('stores every kind of parameter and returns it on create and retrieve', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create(FULL));
    assert.deepEqual(c.address, ADDRESS);
    assert.equal(c.balance, -1500);
    assert.equal(c.business_name, 'Rocket Rides Inc.');
    assert.equal(c.description, 'A very full customer');
    assert.equal(c.email, 'jenny.rosen@example.com');
    assert.equal(c.individual_name, 'Jenny Rosen');
    assert.equal(c.invoice_prefix, 'ROCKET42');
    assert.deepEqual(c.invoice_settings, {
      custom_fields: [
        { name: 'PO number', value: 'PO-1234' },
        { name: 'VAT', value: 'GB123456789' },
      ],
      default_payment_method: null,
      footer: 'Thanks for riding!',
      rendering_options: { amount_tax_display: 'include_inclusive_tax', template: null },
    });
    // Metadata values are always strings.
    assert.deepEqual(c.metadata, { plan: 'gold', seats: '5' });
    assert.equal(c.name, 'Jenny Rosen');
    assert.equal(c.next_invoice_sequence, 42);
    assert.equal(c.phone, '+14155550123');
    assert.deepEqual(c.preferred_locales, ['en', 'fr-FR']);
    assert.deepEqual(c.shipping, {
      address: { city: 'Oakland', country: 'US', line1: '1 Broadway', line2: null, postal_code: '94607', state: 'CA' },
      name: 'Jenny at work',
      phone: '+14155550999',
    });
    assert.equal(c.tax_exempt, 'reverse');

    const again = live(await stripe.customers.retrieve(c.id));
    assert.deepEqual({ ...again }, { ...c });
  });

  it("answers in Stripe's field order: id, object, then alphabetical", async () => {
    const key = newSecretKey();
    const res = await http(server, 'POST', '/v1/customers', { key, body: 'name=Ordered&business_name=B' });
    assert.equal(res.status, 200);
    checkCustomer(res.json);
    const keys = Object.keys(res.json);
    assert.deepEqual(keys.slice(0, 2), ['id', 'object']);
    assert.deepEqual(keys.slice(2), [...keys.slice(2)].sort());
    assert.ok(res.text.endsWith('}\n'), 'pretty JSON with a trailing newline');
  });

  it('rejects a shipping hash without its required name', async () => {
    const stripe = server.stripe();
    await expectInvalid(
      stripe.customers.create({
        shipping: { address: { line1: 'x' } } as Stripe.CustomerCreateParams.Shipping,
      }),
      { code: 'parameter_missing', param: 'shipping[name]', message: 'Missing required param: shipping[name].' },
    );
  });

  it('rejects an unknown tax_exempt value with the allowed values', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create({ tax_exempt: 'sometimes' as Stripe.CustomerCreateParams.TaxExempt }), {
      param: 'tax_exempt',
      message: 'Invalid tax_exempt: must be one of none, exempt, or reverse',
    });
  });

  it('rejects a malformed invoice_prefix and a non-integer balance', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.create({ invoice_prefix: 'lower' }), { param: 'invoice_prefix' });
    const res = await http(server, 'POST', '/v1/customers', { body: 'balance=12.5' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'parameter_invalid_integer');
    assert.equal(res.json.error.param, 'balance');
    assert.equal(res.json.error.message, 'Invalid integer: 12.5');
  });
});

describe('customers: email validation', () => {
  for (const bad of ['foo', 'otameshi@com', 'a b@example.com', ' lead@example.com']) {
    it(`rejects ${JSON.stringify(bad)} on create`, async () => {
      const stripe = server.stripe();
      await expectInvalid(stripe.customers.create({ email: bad }), {
        code: 'email_invalid',
        param: 'email',
        message: `Invalid email address: ${bad}`,
      });
    });
  }

  it('rejects an invalid email on update and leaves the customer unchanged', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ email: 'ok@example.com' });
    await expectInvalid(stripe.customers.update(c.id, { email: 'foo' }), {
      code: 'email_invalid',
      param: 'email',
      message: 'Invalid email address: foo',
    });
    assert.equal(live(await stripe.customers.retrieve(c.id)).email, 'ok@example.com');
  });

  it('keeps the case of a valid email as given', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create({ email: 'Mixed.Case+tag@Example.COM' }));
    assert.equal(c.email, 'Mixed.Case+tag@Example.COM');
  });
});

describe('customers: update', () => {
  it('changes only the fields sent', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create(FULL));
    const u = checkCustomer(
      await stripe.customers.update(c.id, {
        name: 'Jenny R.',
        balance: 250,
        invoice_settings: { footer: 'New footer' },
        tax_exempt: 'exempt',
        next_invoice_sequence: 100,
        preferred_locales: ['de'],
      }),
    );
    assert.equal(u.id, c.id);
    assert.equal(u.created, c.created);
    assert.equal(u.name, 'Jenny R.');
    assert.equal(u.balance, 250);
    assert.equal(u.tax_exempt, 'exempt');
    assert.equal(u.next_invoice_sequence, 100);
    assert.deepEqual(u.preferred_locales, ['de']);
    // A partial invoice_settings hash leaves its other sub-fields alone.
    assert.equal(u.invoice_settings.footer, 'New footer');
    assert.deepEqual(u.invoice_settings.custom_fields, c.invoice_settings.custom_fields);
    assert.deepEqual(u.invoice_settings.rendering_options, c.invoice_settings.rendering_options);
    // Untouched fields stay.
    assert.deepEqual(u.address, c.address);
    assert.equal(u.email, c.email);
    assert.equal(u.description, c.description);
    assert.deepEqual(u.shipping, c.shipping);
    assert.deepEqual(u.metadata, c.metadata);
    assert.equal(u.business_name, c.business_name);
    assert.deepEqual({ ...live(await stripe.customers.retrieve(c.id)) }, { ...u });
  });

  it("unsets fields sent as '' (and as null, which the SDK sends as '')", async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create(FULL));
    const u = checkCustomer(
      await stripe.customers.update(c.id, {
        description: '',
        email: '',
        name: '',
        phone: '',
        address: '',
        shipping: null,
        metadata: '',
        business_name: '',
        individual_name: null,
        tax_exempt: '',
        invoice_settings: { custom_fields: '', rendering_options: '', footer: '' },
      }),
    );
    assert.equal(u.description, null);
    assert.equal(u.email, null);
    assert.equal(u.name, null);
    assert.equal(u.phone, null);
    assert.equal(u.address, null);
    assert.equal(u.shipping, null);
    assert.deepEqual(u.metadata, {});
    assert.equal('business_name' in u, false);
    assert.equal('individual_name' in u, false);
    assert.equal(u.tax_exempt, 'none');
    assert.deepEqual(u.invoice_settings, {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    });
    // Fields that were not sent are kept.
    assert.equal(u.balance, -1500);
    assert.equal(u.invoice_prefix, 'ROCKET42');
    assert.deepEqual(u.preferred_locales, ['en', 'fr-FR']);
    assert.deepEqual({ ...live(await stripe.customers.retrieve(c.id)) }, { ...u });
  });

  it("refuses '' for a parameter that cannot be unset", async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    await expectInvalid(stripe.customers.create({ shipping: { address: { line1: 'x' }, name: '' } }), {
      code: 'parameter_invalid_empty',
      param: 'shipping[name]',
      message:
        "You passed an empty string for 'shipping[name]'. We assume empty values are an attempt to unset a parameter; however 'shipping[name]' cannot be unset. You should remove 'shipping[name]' from your request or supply a non-empty value.",
    });
    checkCustomer(await stripe.customers.update(c.id, {}));
  });

  it('sets an address and shipping on a customer that had none', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ name: 'Plain' });
    const u = checkCustomer(
      await stripe.customers.update(c.id, {
        address: { country: 'FR', city: 'Paris' },
        shipping: { name: 'Home', address: { country: 'FR', line1: '1 rue X' } },
      }),
    );
    assert.deepEqual(u.address, {
      city: 'Paris',
      country: 'FR',
      line1: null,
      line2: null,
      postal_code: null,
      state: null,
    });
    assert.equal(u.shipping?.name, 'Home');
    assert.equal(u.shipping?.phone, null);
    assert.equal(u.shipping?.address?.line1, '1 rue X');
  });
});

describe('customers: delete', () => {
  it('deletes, then retrieve answers the deleted stub with 200', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ email: 'gone@example.com', metadata: { a: '1' } });
    const d = checkDeleted(await stripe.customers.del(c.id));
    assert.deepEqual({ ...d }, { id: c.id, object: 'customer', deleted: true });

    const res = await stripe.customers.retrieve(c.id);
    assert.equal(res.lastResponse.statusCode, 200);
    const r = checkDeleted(res);
    assert.deepEqual({ ...r }, { id: c.id, object: 'customer', deleted: true });
  });

  it('answers 404 resource_missing when updating or deleting a deleted customer', async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create();
    checkDeleted(await stripe.customers.del(c.id));
    await expectNoSuchCustomer(stripe.customers.update(c.id, { name: 'Zombie' }), c.id);
    await expectNoSuchCustomer(stripe.customers.del(c.id), c.id);
    // Still the stub afterwards.
    checkDeleted(await stripe.customers.retrieve(c.id));
  });

  it('removes deleted customers from lists', async () => {
    const stripe = server.stripe();
    const [a, b] = [await stripe.customers.create(), await stripe.customers.create()];
    checkDeleted(await stripe.customers.del(a.id));
    const list = checkList(await stripe.customers.list());
    assert.deepEqual(
      list.data.map((c) => c.id),
      [b.id],
    );
  });

  it('answers 404 for an unknown id on retrieve, update and delete', async () => {
    const stripe = server.stripe();
    const id = 'cus_doesnotexist00';
    const err = await expectNoSuchCustomer(stripe.customers.retrieve(id), id);
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.doc_url, 'https://stripe.com/docs/error-codes/resource-missing');
    await expectNoSuchCustomer(stripe.customers.update(id, { name: 'x' }), id);
    await expectNoSuchCustomer(stripe.customers.del(id), id);
  });

  it("cannot see or delete another account's customer", async () => {
    const mine = server.stripe();
    const theirs = server.stripe();
    const c = await mine.customers.create();
    await expectNoSuchCustomer(theirs.customers.retrieve(c.id), c.id);
    await expectNoSuchCustomer(theirs.customers.del(c.id), c.id);
    live(await mine.customers.retrieve(c.id));
  });
});

describe('customers: metadata', () => {
  it('sets on create and merges on update', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(await stripe.customers.create({ metadata: { a: '1', b: '2' } }));
    assert.deepEqual(c.metadata, { a: '1', b: '2' });
    const u = checkCustomer(await stripe.customers.update(c.id, { metadata: { b: 'two', c: '3' } }));
    assert.deepEqual(u.metadata, { a: '1', b: 'two', c: '3' });
  });

  it("deletes a key sent as '' or null, keeping the others", async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ metadata: { a: '1', b: '2', c: '3' } });
    const u = checkCustomer(await stripe.customers.update(c.id, { metadata: { a: '', b: null, d: '4' } }));
    assert.deepEqual(u.metadata, { c: '3', d: '4' });
    // Deleting a key that does not exist is not an error.
    const v = checkCustomer(await stripe.customers.update(c.id, { metadata: { nope: '' } }));
    assert.deepEqual(v.metadata, { c: '3', d: '4' });
  });

  it("clears every key with metadata: ''", async () => {
    const stripe = server.stripe();
    const c = await stripe.customers.create({ metadata: { a: '1', b: '2' } });
    const u = checkCustomer(await stripe.customers.update(c.id, { metadata: '' }));
    assert.deepEqual(u.metadata, {});
    assert.deepEqual(live(await stripe.customers.retrieve(c.id)).metadata, {});
  });

  it('keeps keys that look special as plain data', async () => {
    const stripe = server.stripe();
    const c = checkCustomer(
      await stripe.customers.create({ metadata: { __proto__x: 'p', 'with space': 's', '0': 'zero', ünï: 'ç' } }),
    );
    assert.deepEqual(c.metadata, { __proto__x: 'p', 'with space': 's', '0': 'zero', ünï: 'ç' });
  });

  it('accepts 50 keys and refuses the 51st, on create and on update', async () => {
    const stripe = server.stripe();
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    const c = checkCustomer(await stripe.customers.create({ metadata: fifty }));
    assert.equal(Object.keys(c.metadata).length, 50);

    await expectInvalid(stripe.customers.create({ metadata: { ...fifty, k50: 'v50' } }), {
      param: 'metadata',
      message: "Metadata can have up to 50 keys, but you've set 51",
    });
    await expectInvalid(stripe.customers.update(c.id, { metadata: { extra: 'x', more: 'y' } }), {
      param: 'metadata',
      message: "Metadata can have up to 50 keys, but you've set 52",
    });
    // Replacing one key with another in the same request keeps the count at 50.
    const u = checkCustomer(await stripe.customers.update(c.id, { metadata: { k0: '', extra: 'x' } }));
    assert.equal(Object.keys(u.metadata).length, 50);
    assert.equal(u.metadata.extra, 'x');
    assert.equal('k0' in u.metadata, false);
  });

  it('accepts a 40-character key and refuses a 41-character one', async () => {
    const stripe = server.stripe();
    const k40 = 'k'.repeat(40);
    const k41 = 'k'.repeat(41);
    checkCustomer(await stripe.customers.create({ metadata: { [k40]: 'ok' } }));
    await expectInvalid(stripe.customers.create({ metadata: { [k41]: 'no' } }), {
      param: 'metadata',
      message: `Metadata keys can have up to 40 characters, but you passed in a key that is 41 characters. Invalid key: ${k41}`,
    });
  });

  it('accepts a 500-character value and refuses a 501-character one', async () => {
    const stripe = server.stripe();
    const v500 = 'v'.repeat(500);
    const v501 = 'v'.repeat(501);
    const c = checkCustomer(await stripe.customers.create({ metadata: { long: v500 } }));
    assert.equal(c.metadata.long, v500);
    await expectInvalid(stripe.customers.update(c.id, { metadata: { long: v501 } }), {
      param: 'metadata[long]',
      message: `Metadata values can have up to 500 characters, but you passed in a value that is 501 characters. Invalid value: ${v501}`,
    });
    assert.equal(live(await stripe.customers.retrieve(c.id)).metadata.long, v500);
  });
});
