/**
 * Products and prices end to end through the official SDK: products with custom ids and
 * `default_price_data`, updates, archive vs delete (refused while prices exist), list filters and
 * search; prices one-time and recurring, per unit, fractional and tiered, `transform_quantity`,
 * `custom_unit_amount`, `product_data`, `currency_options`, lookup keys and their transfer, the
 * updates Stripe allows and the ones it refuses, list filters, search, `expand[]`, and events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function client(): Stripe {
  return server.stripe(newSecretKey());
}

function checkProduct(p: Stripe.Product): Stripe.Product {
  assertShape(JSON.parse(JSON.stringify(p)), 'Product', 'product');
  return p;
}

/** Shape-checks the wire form (the SDK turns `_decimal` strings into `Stripe.Decimal` objects). */
function checkPrice(p: Stripe.Price): Stripe.Price {
  assertShape(JSON.parse(JSON.stringify(p)), 'Price', 'price');
  return p;
}

const text = (d: unknown) => (d === null || d === undefined ? d : String(d));

async function eventTypes(stripe: Stripe): Promise<string[]> {
  const { data } = await stripe.events.list({ limit: 100 });
  return data.map((e) => e.type).reverse();
}

describe('products', () => {
  it('creates, retrieves, updates and archives a product, with events', async () => {
    const stripe = client();
    const created = checkProduct(
      await stripe.products.create({
        name: 'Gold plan',
        description: 'The best',
        metadata: { tier: 'gold' },
        images: ['https://example.com/a.png'],
        marketing_features: [{ name: 'Fast' }],
        package_dimensions: { height: 1.5, length: 2, weight: 3.25, width: 4 },
        shippable: true,
        unit_label: 'seat',
        url: 'https://example.com/gold',
      }),
    );
    assert.match(created.id, /^prod_[0-9A-Za-z]{14}$/);
    assert.equal(created.active, true);
    assert.equal(created.default_price, null);
    assert.equal(created.type, 'service');
    assert.deepEqual(created.package_dimensions, { height: 1.5, length: 2, weight: 3.25, width: 4 });
    assert.deepEqual(await stripe.products.retrieve(created.id), created);

    const updated = checkProduct(
      await stripe.products.update(created.id, {
        name: 'Gold',
        description: '',
        metadata: { tier: '' },
        active: false,
      }),
    );
    assert.equal(updated.name, 'Gold');
    assert.equal(updated.description, null);
    assert.deepEqual(updated.metadata, {});
    assert.equal(updated.active, false);
    assert.deepEqual(await eventTypes(stripe), ['product.created', 'product.updated']);
    const [upd] = (await stripe.events.list({ type: 'product.updated' })).data;
    const prev = upd?.data.previous_attributes as Record<string, unknown>;
    assert.equal(prev.name, 'Gold plan');
    assert.equal(prev.active, true);
  });

  it('takes a custom id once', async () => {
    const stripe = client();
    const p = await stripe.products.create({ id: 'my-product', name: 'Mine' });
    assert.equal(p.id, 'my-product');
    await expectInvalid(stripe.products.create({ id: 'my-product', name: 'Again' }), {
      code: 'resource_already_exists',
      message: 'Product already exists.',
    });
  });

  it('creates the default price with the product (product.created, then price.created)', async () => {
    const stripe = client();
    const product = checkProduct(
      await stripe.products.create({
        name: 'Pro',
        default_price_data: { currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } },
        expand: ['default_price'],
      }),
    );
    const price = checkPrice(product.default_price as Stripe.Price);
    assert.equal(price.product, product.id);
    assert.equal(price.unit_amount, 1500);
    assert.equal(price.type, 'recurring');
    assert.equal(price.tiers, undefined);
    assert.deepEqual(await eventTypes(stripe), ['product.created', 'price.created']);
    const again = await stripe.products.retrieve(product.id);
    assert.equal(again.default_price, price.id);
    await expectInvalid(stripe.products.create({ name: 'X', default_price_data: { currency: 'usd' } }), {
      message: 'Prices require an `unit_amount` or `unit_amount_decimal` parameter to be set.',
    });
  });

  it('sets default_price to one of its own active prices only', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'A' });
    const other = await stripe.products.create({ name: 'B' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 });
    const foreign = await stripe.prices.create({ product: other.id, currency: 'usd', unit_amount: 100 });
    assert.equal((await stripe.products.update(product.id, { default_price: price.id })).default_price, price.id);
    await expectInvalid(stripe.products.update(product.id, { default_price: foreign.id }), {
      code: 'resource_missing',
      param: 'default_price',
    });
    await expectInvalid(stripe.prices.update(price.id, { active: false }), {
      param: 'active',
      message: /default price/,
    });
  });

  it('refuses to delete a product with prices, and deletes one without', async () => {
    const stripe = client();
    const withPrice = await stripe.products.create({ name: 'Priced' });
    await stripe.prices.create({ product: withPrice.id, currency: 'usd', unit_amount: 100, active: false });
    await expectInvalid(stripe.products.del(withPrice.id), {
      message: 'This product cannot be deleted because it has one or more user-created prices.',
    });
    const bare = await stripe.products.create({ name: 'Bare' });
    const deleted = await stripe.products.del(bare.id);
    assert.deepEqual(deleted, { id: bare.id, object: 'product', deleted: true });
    await expectInvalid(stripe.products.retrieve(bare.id), {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such product: '${bare.id}'`,
    });
    assert.ok((await eventTypes(stripe)).includes('product.deleted'));
  });

  it('lists with filters and searches', async () => {
    const stripe = client();
    const a = await stripe.products.create({ name: 'Alpha widget', shippable: true, url: 'https://a.example' });
    const b = await stripe.products.create({ name: 'Beta widget', active: false, metadata: { color: 'red' } });
    const c = await stripe.products.create({ name: 'Gamma', type: 'good' });
    const ids = (l: { data: { id: string }[] }) => l.data.map((p) => p.id);
    assert.deepEqual(ids(await stripe.products.list()), [c.id, b.id, a.id]);
    assert.deepEqual(ids(await stripe.products.list({ active: false })), [b.id]);
    assert.deepEqual(ids(await stripe.products.list({ active: true })), [c.id, a.id]);
    assert.deepEqual(ids(await stripe.products.list({ shippable: true })), [a.id]);
    assert.deepEqual(ids(await stripe.products.list({ url: 'https://a.example' })), [a.id]);
    assert.deepEqual(ids(await stripe.products.list({ ids: [a.id, c.id] })), [c.id, a.id]);
    assert.deepEqual(ids(await stripe.products.list({ type: 'good' })), [c.id]);
    assert.deepEqual(ids(await stripe.products.list({ limit: 1, starting_after: c.id })), [b.id]);
    const found = await stripe.products.search({ query: 'name:"widget"' });
    assert.deepEqual(ids(found), [b.id, a.id]);
    assert.deepEqual(ids(await stripe.products.search({ query: 'metadata["color"]:"red"' })), [b.id]);
    // Booleans: the same answer on both stores.
    assert.deepEqual(ids(await stripe.products.search({ query: 'active:"true"' })), [c.id, a.id]);
    assert.deepEqual(ids(await stripe.products.search({ query: 'active:"false" AND name:"widget"' })), [b.id]);
    assert.deepEqual(ids(await stripe.products.search({ query: '-shippable:"true"' })), [c.id, b.id]);
    assert.deepEqual(ids(await stripe.products.search({ query: 'shippable:"true" OR name:"gamma"' })), [c.id, a.id]);
    const first = await stripe.products.search({ query: 'active:"true"', limit: 1, expand: ['total_count'] });
    assert.deepEqual(ids(first), [c.id]);
    assert.equal(first.has_more, true);
    assert.equal((first as unknown as { total_count: number }).total_count, 2);
    const next = await stripe.products.search({ query: 'active:"true"', limit: 1, page: first.next_page as string });
    assert.deepEqual(ids(next), [a.id]);
    assert.equal(next.has_more, false);
    assert.equal(next.next_page, null);
    await expectInvalid(stripe.products.search({ query: 'nope:"x"' }), { param: 'query' });
  });
});

describe('prices', () => {
  it('creates a one-time price and retrieves it', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'T-shirt' });
    const price = checkPrice(
      await stripe.prices.create({
        product: product.id,
        currency: 'USD',
        unit_amount: 2000,
        nickname: 'Standard',
        metadata: { a: 'b' },
      }),
    );
    assert.match(price.id, /^price_[0-9A-Za-z]{24}$/);
    assert.equal(price.currency, 'usd');
    assert.equal(price.type, 'one_time');
    assert.equal(price.recurring, null);
    assert.equal(price.billing_scheme, 'per_unit');
    assert.equal(price.tax_behavior, 'unspecified');
    assert.equal(text(price.unit_amount_decimal), '2000');
    assert.equal(price.currency_options, undefined);
    assert.deepEqual(await stripe.prices.retrieve(price.id), price);
    const expanded = await stripe.prices.retrieve(price.id, { expand: ['product'] });
    assert.equal((expanded.product as Stripe.Product).name, 'T-shirt');
    await expectInvalid(stripe.prices.retrieve('price_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such price: 'price_nope'",
    });
  });

  it('creates recurring prices with defaults, and refuses intervals over three years', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'SaaS' });
    const price = checkPrice(
      await stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 999,
        recurring: { interval: 'month', interval_count: 3, trial_period_days: 7 },
      }),
    );
    assert.deepEqual(price.recurring, {
      interval: 'month',
      interval_count: 3,
      meter: null,
      trial_period_days: 7,
      usage_type: 'licensed',
    });
    assert.ok(
      await stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 1,
        recurring: { interval: 'week', interval_count: 156 },
      }),
    );
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 1,
        recurring: { interval: 'month', interval_count: 37 },
      }),
      { param: 'recurring[interval_count]' },
    );
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 1,
        recurring: { interval: 'month', usage_type: 'metered' },
      }),
      { message: 'Starting with Stripe version `2025-03-31.basil`, metered prices must be backed by meters.' },
    );
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 1,
        recurring: { interval: 'month', usage_type: 'metered', meter: 'mtr_missing' },
      }),
      { code: 'resource_missing', param: 'recurring[meter]' },
    );
  });

  it('backs a metered price with a meter', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Calls' });
    const meter = await stripe.billing.meters.create({
      display_name: 'Calls',
      event_name: `calls_${Date.now()}`,
      default_aggregation: { formula: 'sum' },
    });
    const price = checkPrice(
      await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount_decimal: Stripe.Decimal.from('0.5'),
        recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      }),
    );
    assert.equal(price.recurring?.meter, meter.id);
    assert.equal(price.recurring?.usage_type, 'metered');
    const listed = await stripe.prices.list({ recurring: { meter: meter.id, usage_type: 'metered' } });
    assert.deepEqual(
      listed.data.map((p) => p.id),
      [price.id],
    );
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 1,
        recurring: { interval: 'month', meter: meter.id },
      }),
      { param: 'recurring[meter]' },
    );
  });

  it('takes fractional unit amounts as decimal text', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'API calls' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount_decimal: Stripe.Decimal.from('0.125'),
    });
    assert.equal(price.unit_amount, null);
    assert.equal(text(price.unit_amount_decimal), '0.125');
    const whole = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount_decimal: '250.00' as never,
    });
    assert.equal(whole.unit_amount, 250);
    assert.equal(text(whole.unit_amount_decimal), '250');
    await expectInvalid(
      stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1, unit_amount_decimal: '1' as never }),
      {
        param: 'unit_amount',
        message: 'You may only specify one of these parameters: unit_amount, unit_amount_decimal.',
      },
    );
    await expectInvalid(
      stripe.prices.create({ product: product.id, currency: 'usd', unit_amount_decimal: 'abc' as never }),
      {
        param: 'unit_amount_decimal',
      },
    );
  });

  it('creates tiered prices whose tiers show only when expanded', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Seats' });
    const price = checkPrice(
      await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        recurring: { interval: 'month' },
        billing_scheme: 'tiered',
        tiers_mode: 'graduated',
        tiers: [
          { up_to: 5, unit_amount: 500, flat_amount: 1000 },
          { up_to: 'inf', unit_amount_decimal: Stripe.Decimal.from('400.5') },
        ],
      }),
    );
    assert.equal(price.tiers, undefined);
    assert.equal(price.unit_amount, null);
    assert.equal(price.tiers_mode, 'graduated');
    const expanded = await stripe.prices.retrieve(price.id, { expand: ['tiers'] });
    assert.deepEqual(
      expanded.tiers?.map((t) => [t.up_to, t.unit_amount, text(t.unit_amount_decimal), t.flat_amount]),
      [
        [5, 500, '500', 1000],
        [null, null, '400.5', null],
      ],
    );
    const listed = await stripe.prices.list({ product: product.id, expand: ['data.tiers'] });
    assert.equal(listed.data[0]?.tiers?.length, 2);
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'usd',
        billing_scheme: 'tiered',
        tiers_mode: 'volume',
        tiers: [{ up_to: 'inf', unit_amount: 1 }],
      }),
      { param: 'interval', message: 'Prices with `type=one_time` are not supported with tiered billing.' },
    );
    await expectInvalid(
      stripe.prices.create({
        product: product.id,
        currency: 'usd',
        recurring: { interval: 'month' },
        billing_scheme: 'tiered',
        tiers_mode: 'volume',
        tiers: [{ up_to: 10, unit_amount: 1 }],
      }),
      { param: 'tiers[0][up_to]' },
    );
  });

  it('takes transform_quantity, custom_unit_amount and product_data', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Words' });
    const per1000 = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 100,
      transform_quantity: { divide_by: 1000, round: 'up' },
    });
    assert.deepEqual(per1000.transform_quantity, { divide_by: 1000, round: 'up' });
    const donation = checkPrice(
      await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        custom_unit_amount: { enabled: true, minimum: 500, maximum: 10000, preset: 1000 },
      }),
    );
    assert.deepEqual(donation.custom_unit_amount, { maximum: 10000, minimum: 500, preset: 1000 });
    assert.equal(donation.unit_amount, null);
    const inline = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 700,
      product_data: { name: 'Inline product', metadata: { k: 'v' } },
      expand: ['product'],
    });
    const made = inline.product as Stripe.Product;
    assert.equal(made.name, 'Inline product');
    assert.deepEqual(made.metadata, { k: 'v' });
    await expectInvalid(stripe.prices.create({ currency: 'usd', unit_amount: 1 }), {
      message: 'You must specify either `product` or `product_data` when creating a price.',
    });
    await expectInvalid(stripe.prices.create({ product: 'prod_missing', currency: 'usd', unit_amount: 1 }), {
      code: 'resource_missing',
      param: 'product',
      message: "No such product: 'prod_missing'",
    });
    await expectInvalid(stripe.prices.create({ product: product.id, currency: 'zzz', unit_amount: 1 }), {
      param: 'currency',
    });
  });

  it('keeps currency_options, shown when expanded', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Global' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1000,
      currency_options: { eur: { unit_amount: 900 }, gbp: { unit_amount: 800, tax_behavior: 'inclusive' } },
    });
    assert.equal(price.currency_options, undefined);
    const expanded = checkPrice(await stripe.prices.retrieve(price.id, { expand: ['currency_options'] }));
    assert.deepEqual(Object.keys(expanded.currency_options ?? {}).sort(), ['eur', 'gbp', 'usd']);
    assert.equal(expanded.currency_options?.eur?.unit_amount, 900);
    assert.equal(expanded.currency_options?.gbp?.tax_behavior, 'inclusive');
    const updated = await stripe.prices.update(price.id, {
      currency_options: { jpy: { unit_amount: 1500 } },
      expand: ['currency_options'],
    });
    assert.deepEqual(Object.keys(updated.currency_options ?? {}).sort(), ['eur', 'gbp', 'jpy', 'usd']);
  });

  it('keeps lookup keys unique, and transfers one on request', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Keys' });
    const first = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 100,
      lookup_key: 'standard',
    });
    await expectInvalid(
      stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 200, lookup_key: 'standard' }),
      { param: 'lookup_key', message: `A price (\`${first.id}\`) already uses that lookup key.` },
    );
    const second = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 200,
      lookup_key: 'standard',
      transfer_lookup_key: true,
    });
    assert.equal(second.lookup_key, 'standard');
    assert.equal((await stripe.prices.retrieve(first.id)).lookup_key, null);
    const types = await eventTypes(stripe);
    assert.deepEqual(types.slice(-2), ['price.updated', 'price.created']);
    const listed = await stripe.prices.list({ lookup_keys: ['standard', 'other'] });
    assert.deepEqual(
      listed.data.map((p) => p.id),
      [second.id],
    );
  });

  it('updates what Stripe allows and refuses amounts', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Upd' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 });
    const updated = checkPrice(
      await stripe.prices.update(price.id, {
        nickname: 'Nick',
        metadata: { x: 'y' },
        active: false,
        tax_behavior: 'exclusive',
      }),
    );
    assert.equal(updated.nickname, 'Nick');
    assert.equal(updated.active, false);
    assert.equal(updated.tax_behavior, 'exclusive');
    await expectInvalid(stripe.prices.update(price.id, { tax_behavior: 'inclusive' }), { param: 'tax_behavior' });
    await expectInvalid(stripe.prices.update(price.id, { unit_amount: 5 } as never), {
      code: 'parameter_unknown',
      param: 'unit_amount',
      message: 'Received unknown parameter: unit_amount',
    });
    const [evt] = (await stripe.events.list({ type: 'price.updated' })).data;
    assert.equal((evt?.data.previous_attributes as { nickname?: unknown } | undefined)?.nickname, null);
  });

  it('lists with filters and searches', async () => {
    const stripe = client();
    const p1 = await stripe.products.create({ name: 'One' });
    const p2 = await stripe.products.create({ name: 'Two' });
    const a = await stripe.prices.create({ product: p1.id, currency: 'usd', unit_amount: 1 });
    const b = await stripe.prices.create({
      product: p1.id,
      currency: 'eur',
      unit_amount: 2,
      recurring: { interval: 'year' },
    });
    const c = await stripe.prices.create({
      product: p2.id,
      currency: 'usd',
      unit_amount: 3,
      recurring: { interval: 'month' },
      active: false,
      lookup_key: 'c-key',
    });
    const ids = (l: { data: { id: string }[] }) => l.data.map((p) => p.id);
    assert.deepEqual(ids(await stripe.prices.list()), [c.id, b.id, a.id]);
    assert.deepEqual(ids(await stripe.prices.list({ product: p1.id })), [b.id, a.id]);
    assert.deepEqual(ids(await stripe.prices.list({ currency: 'usd' })), [c.id, a.id]);
    assert.deepEqual(ids(await stripe.prices.list({ type: 'one_time' })), [a.id]);
    assert.deepEqual(ids(await stripe.prices.list({ active: false })), [c.id]);
    assert.deepEqual(ids(await stripe.prices.list({ recurring: { interval: 'year' } })), [b.id]);
    assert.deepEqual(ids(await stripe.prices.list({ lookup_keys: ['c-key'] })), [c.id]);
    const expanded = await stripe.prices.list({ product: p2.id, expand: ['data.product'] });
    assert.equal((expanded.data[0]?.product as Stripe.Product | undefined)?.name, 'Two');
    assert.deepEqual(ids(await stripe.prices.search({ query: `product:"${p1.id}" AND currency:"eur"` })), [b.id]);
    assert.deepEqual(ids(await stripe.prices.search({ query: 'lookup_key:"c-key"' })), [c.id]);
    assert.deepEqual(ids(await stripe.prices.search({ query: 'active:"true" AND currency:"usd"' })), [a.id]);
    assert.deepEqual(ids(await stripe.prices.search({ query: 'active:"false"' })), [c.id]);
  });
});
