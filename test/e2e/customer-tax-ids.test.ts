/**
 * Tax IDs end to end through the official SDK: a customer's tax IDs (create, retrieve, list,
 * delete), the top-level `/v1/tax_ids` with its owners, Stripe's format check per type
 * (`tax_id_invalid`, "Invalid value for eu_vat."), the country each type implies, the verification
 * test values with their `customer.tax_id.*` events, `tax_id_data` on customer create, and the
 * customer's includable `tax_ids`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function checkTaxId(t: Stripe.TaxId): Stripe.TaxId {
  assertShape(t, 'TaxId', 'tax_id');
  assert.match(t.id, /^txi_[0-9A-Za-z]{24}$/);
  return t;
}

async function eventsOf(stripe: Stripe, type: string): Promise<Stripe.Event[]> {
  return (await stripe.events.list({ type, limit: 100 })).data;
}

describe('customer tax IDs', () => {
  it('creates, retrieves, lists and deletes a customer tax ID, with its events', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create({ name: 'Acme GmbH' });
    const created = checkTaxId(
      await stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE123456789' }),
    );
    assert.equal(created.object, 'tax_id');
    assert.equal(created.country, 'DE');
    assert.equal(created.customer, customer.id);
    assert.deepEqual(created.owner, { customer: customer.id, customer_account: null, type: 'customer' });
    assert.equal(created.type, 'eu_vat');
    assert.equal(created.value, 'DE123456789');
    // The authority's check runs after the response: the answer shows it pending.
    assert.deepEqual(created.verification, { status: 'pending', verified_address: null, verified_name: null });

    const retrieved = checkTaxId(await stripe.customers.retrieveTaxId(customer.id, created.id));
    assert.equal(retrieved.verification?.status, 'verified');

    const second = await stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: '12-3456789' });
    assert.equal(second.country, 'US');
    assert.equal(second.verification?.status, 'unavailable', 'Stripe checks only EU, GB and AU numbers');

    const list = await stripe.customers.listTaxIds(customer.id);
    assertShape(list, 'ApiList<TaxId>');
    assert.deepEqual(
      list.data.map((t) => t.id),
      [second.id, created.id],
    );
    assert.equal(list.url, `/v1/customers/${customer.id}/tax_ids`);

    const deleted = await stripe.customers.deleteTaxId(customer.id, created.id);
    assert.deepEqual(deleted, { id: created.id, object: 'tax_id', deleted: true });
    assert.deepEqual(
      (await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id),
      [second.id],
    );
    await expectInvalid(stripe.customers.retrieveTaxId(customer.id, created.id), {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such tax id: '${created.id}'`,
    });

    const createdEvents = await eventsOf(stripe, 'customer.tax_id.created');
    assert.deepEqual(
      createdEvents.map((e) => (e.data.object as Stripe.TaxId).id),
      [second.id, created.id],
    );
    const updated = await eventsOf(stripe, 'customer.tax_id.updated');
    assert.equal(updated.length, 1, 'only the checked type gets a verdict');
    assert.equal((updated[0]?.data.object as Stripe.TaxId | undefined)?.verification?.status, 'verified');
    assert.deepEqual(updated[0]?.data.previous_attributes, { verification: { status: 'pending' } });
    const deletedEvents = await eventsOf(stripe, 'customer.tax_id.deleted');
    assert.equal((deletedEvents[0]?.data.object as Stripe.TaxId | undefined)?.id, created.id);
  });

  it("answers each test value's verification outcome", async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const cases: [Stripe.CustomerCreateTaxIdParams.Type, string, string][] = [
      ['eu_vat', 'DE000000000', 'verified'],
      ['eu_vat', 'FRAB111111111', 'unverified'],
      ['gb_vat', 'GB222222222', 'pending'],
      ['au_abn', '12345678912', 'verified'],
    ];
    for (const [type, value, status] of cases) {
      const t = await stripe.customers.createTaxId(customer.id, { type, value });
      assert.equal(t.verification?.status, 'pending');
      assert.equal((await stripe.customers.retrieveTaxId(customer.id, t.id)).verification?.status, status, value);
    }
  });

  it('derives the country from the type, and from the prefix of an EU VAT number', async () => {
    const stripe = server.stripe();
    const customer = await stripe.customers.create();
    const cases: [Stripe.CustomerCreateTaxIdParams.Type, string, string][] = [
      ['eu_vat', 'EL123456789', 'GR'],
      ['eu_vat', 'XI123456789', 'GB'],
      ['eu_vat', 'ATU12345678', 'AT'],
      ['gb_vat', 'GB123456789', 'GB'],
      ['ca_bn', '123456789', 'CA'],
      ['br_cnpj', '01.234.456/5432-10', 'BR'],
      ['ch_vat', 'CHE-123.456.789 MWST', 'CH'],
      ['in_gst', '12ABCDE3456FGZH', 'IN'],
      ['jp_trn', 'T1234567891234', 'JP'],
    ];
    for (const [type, value, country] of cases) {
      const t = checkTaxId(await stripe.customers.createTaxId(customer.id, { type, value }));
      assert.equal(t.country, country, `${type} ${value}`);
    }
  });

  it("refuses a malformed value with Stripe's tax_id_invalid error", async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create();
    for (const [type, value] of [
      ['eu_vat', 'DE12345'],
      ['eu_vat', 'ZZ123456789'],
      ['us_ein', '123'],
      ['gb_vat', 'DE123456789'],
      ['au_abn', '1234'],
    ] as [Stripe.CustomerCreateTaxIdParams.Type, string][]) {
      await expectInvalid(stripe.customers.createTaxId(customer.id, { type, value }), {
        code: 'tax_id_invalid',
        param: 'value',
        message: `Invalid value for ${type}.`,
      });
    }
    const raw = await http(server, 'POST', `/v1/customers/${customer.id}/tax_ids`, {
      key,
      body: 'type=eu_vat&value=DE1',
    });
    assert.equal(raw.status, 400);
    assert.deepEqual(
      { ...raw.json.error, request_log_url: undefined },
      {
        code: 'tax_id_invalid',
        doc_url: 'https://stripe.com/docs/error-codes/tax-id-invalid',
        message: 'Invalid value for eu_vat.',
        param: 'value',
        type: 'invalid_request_error',
        request_log_url: undefined,
      },
    );
    const unknownType = await http(server, 'POST', `/v1/customers/${customer.id}/tax_ids`, {
      key,
      body: 'type=xx_vat&value=1',
    });
    assert.equal(unknownType.status, 400);
    assert.equal(unknownType.json.error.param, 'type');
    assert.match(unknownType.json.error.message, /^Invalid type: must be one of ad_nrt, ae_trn, /);
    assert.equal((await stripe.customers.listTaxIds(customer.id)).data.length, 0, 'nothing was stored');
    assert.equal((await eventsOf(stripe, 'customer.tax_id.created')).length, 0);
  });

  it('answers 404 for a missing customer, and for a tax ID of another customer', async () => {
    const stripe = server.stripe();
    await expectInvalid(stripe.customers.createTaxId('cus_missing', { type: 'us_ein', value: '12-3456789' }), {
      statusCode: 404,
      message: "No such customer: 'cus_missing'",
    });
    const a = await stripe.customers.create();
    const b = await stripe.customers.create();
    const t = await stripe.customers.createTaxId(a.id, { type: 'us_ein', value: '12-3456789' });
    await expectInvalid(stripe.customers.retrieveTaxId(b.id, t.id), { statusCode: 404, code: 'resource_missing' });
    await expectInvalid(stripe.customers.deleteTaxId(b.id, t.id), { statusCode: 404, code: 'resource_missing' });
    assert.equal((await stripe.customers.retrieveTaxId(a.id, t.id)).id, t.id);
  });

  it('creates tax IDs from tax_id_data with the customer, and expands tax_ids', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const customer = await stripe.customers.create({
      tax_id_data: [
        { type: 'eu_vat', value: 'DE123456789' },
        { type: 'us_ein', value: '12-3456789' },
      ],
      expand: ['tax_ids'],
    });
    const taxIds = customer.tax_ids as Stripe.ApiList<Stripe.TaxId>;
    assertShape(taxIds, 'ApiList<TaxId>');
    assert.deepEqual(taxIds.data.map((t) => t.value).sort(), ['12-3456789', 'DE123456789']);
    assert.equal(taxIds.url, `/v1/customers/${customer.id}/tax_ids`);
    assert.equal(taxIds.has_more, false);
    const retrieved = (await stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] })) as Stripe.Customer;
    assert.equal(retrieved.tax_ids?.data.length, 2);
    assert.equal('tax_ids' in (await stripe.customers.retrieve(customer.id)), false, 'only when expanded');

    // A bad entry refuses the whole customer, naming the entry.
    const before = (await stripe.customers.list()).data.length;
    await expectInvalid(
      stripe.customers.create({
        tax_id_data: [
          { type: 'us_ein', value: '12-3456789' },
          { type: 'eu_vat', value: 'nope' },
        ],
      }),
      { code: 'tax_id_invalid', param: 'tax_id_data[1][value]', message: 'Invalid value for eu_vat.' },
    );
    assert.equal((await stripe.customers.list()).data.length, before, 'no customer was created');
  });
});

describe('/v1/tax_ids', () => {
  it("creates the account's own tax IDs by default and lists them by owner", async () => {
    const stripe = server.stripe();
    const own = checkTaxId(await stripe.taxIds.create({ type: 'eu_vat', value: 'DE123456789' }));
    assert.deepEqual(own.owner, { customer_account: null, type: 'self' });
    assert.equal(own.customer, null);
    const customer = await stripe.customers.create();
    const theirs = checkTaxId(
      await stripe.taxIds.create({
        type: 'gb_vat',
        value: 'GB123456789',
        owner: { type: 'customer', customer: customer.id },
      }),
    );
    assert.equal(theirs.customer, customer.id);
    assert.equal(theirs.owner?.customer, customer.id);

    assert.deepEqual(
      (await stripe.taxIds.list()).data.map((t) => t.id),
      [own.id],
    );
    assert.deepEqual(
      (await stripe.taxIds.list({ owner: { type: 'customer', customer: customer.id } })).data.map((t) => t.id),
      [theirs.id],
    );
    assert.deepEqual(
      (await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id),
      [theirs.id],
    );
    assert.equal((await stripe.taxIds.retrieve(theirs.id)).id, theirs.id);

    // Only customers' tax IDs have events.
    const events = await eventsOf(stripe, 'customer.tax_id.created');
    assert.deepEqual(
      events.map((e) => (e.data.object as Stripe.TaxId).id),
      [theirs.id],
    );

    const deleted = await stripe.taxIds.del(own.id);
    assert.deepEqual(deleted, { id: own.id, object: 'tax_id', deleted: true });
    await expectInvalid(stripe.taxIds.retrieve(own.id), { statusCode: 404, code: 'resource_missing' });
  });

  it('refuses an owner that names nothing', async () => {
    const stripe = server.stripe();
    await expectInvalid(
      stripe.taxIds.create({ type: 'us_ein', value: '12-3456789', owner: { type: 'customer', customer: 'cus_nope' } }),
      { code: 'resource_missing', param: 'owner[customer]', message: "No such customer: 'cus_nope'" },
    );
    await expectInvalid(stripe.taxIds.create({ type: 'us_ein', value: '12-3456789', owner: { type: 'customer' } }), {
      code: 'parameter_missing',
      param: 'owner[customer]',
    });
    await expectInvalid(
      stripe.taxIds.create({ type: 'us_ein', value: '12-3456789', owner: { type: 'account', account: 'acct_nope' } }),
      { code: 'resource_missing', param: 'owner[account]' },
    );
  });
});
