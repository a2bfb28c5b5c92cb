/**
 * The rest of the Billing catalog end to end through the official SDK: legacy plans (a plan is a
 * recurring price and the other way round), coupons, promotion codes and their restrictions, tax
 * rates, and a customer's discount (applied with `coupon` / `promotion_code` in versions before
 * 2025-03-31.basil, removed with `DELETE /v1/customers/:id/discount`), with their events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, sdk, startServer, type TestServer } from '../support/server.js';
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

/** Shape-checks the wire form (the SDK turns `_decimal` strings into `Stripe.Decimal` objects). */
function check<T>(o: T, type: string, fixture?: string): T {
  assertShape(JSON.parse(JSON.stringify(o)), type, fixture);
  return o;
}

async function eventTypes(stripe: Stripe): Promise<string[]> {
  const { data } = await stripe.events.list({ limit: 100 });
  return data.map((e) => e.type).reverse();
}

describe('plans', () => {
  it('creates a plan that is also a recurring price, and the other way round', async () => {
    const stripe = client();
    const plan = check(
      await stripe.plans.create({
        amount: 1200,
        currency: 'usd',
        interval: 'month',
        product: { name: 'Legacy product' },
        nickname: 'Monthly',
        trial_period_days: 14,
      }),
      'Plan',
      'plan',
    );
    assert.match(plan.id, /^price_/);
    assert.equal(plan.amount, 1200);
    assert.equal(plan.interval_count, 1);
    assert.equal(plan.usage_type, 'licensed');
    assert.equal(plan.trial_period_days, 14);
    const asPrice = await stripe.prices.retrieve(plan.id);
    assert.equal(asPrice.unit_amount, 1200);
    assert.equal(asPrice.recurring?.trial_period_days, 14);
    assert.equal(asPrice.product, plan.product);
    assert.deepEqual(await eventTypes(stripe), ['product.created', 'plan.created', 'price.created']);

    const product = await stripe.products.create({ name: 'P' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 500,
      recurring: { interval: 'year' },
    });
    const seen = check(await stripe.plans.retrieve(price.id), 'Plan', 'plan');
    assert.equal(seen.amount, 500);
    assert.equal(seen.interval, 'year');
    const oneTime = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500 });
    await expectInvalid(stripe.plans.retrieve(oneTime.id), {
      statusCode: 404,
      message: `No such plan: '${oneTime.id}'`,
    });
  });

  it('takes a custom id, updates, lists and deletes', async () => {
    const stripe = client();
    const product = await stripe.products.create({ name: 'Gold' });
    const plan = await stripe.plans.create({
      id: 'gold-monthly',
      amount: 2000,
      currency: 'usd',
      interval: 'month',
      product: product.id,
    });
    assert.equal(plan.id, 'gold-monthly');
    await expectInvalid(
      stripe.plans.create({ id: 'gold-monthly', amount: 1, currency: 'usd', interval: 'month', product: product.id }),
      {
        code: 'resource_already_exists',
        message: 'Plan already exists.',
      },
    );
    await expectInvalid(stripe.plans.create({ currency: 'usd', interval: 'month', product: product.id }), {
      code: 'parameter_missing',
      param: 'amount',
    });
    const updated = await stripe.plans.update(plan.id, { nickname: 'Gold', metadata: { a: '1' }, active: false });
    assert.equal(updated.nickname, 'Gold');
    assert.equal(updated.active, false);
    await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1 });
    const listed = await stripe.plans.list({ product: product.id });
    assert.deepEqual(
      listed.data.map((p) => p.id),
      [plan.id],
    );
    assert.deepEqual((await stripe.plans.list({ active: true, product: product.id })).data, []);
    const tiered = await stripe.plans.create({
      currency: 'usd',
      interval: 'month',
      product: product.id,
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      tiers: [
        { up_to: 10, unit_amount: 100 },
        { up_to: 'inf', unit_amount: 80 },
      ],
      expand: ['tiers'],
    });
    assert.equal(tiered.amount, null);
    assert.equal(tiered.tiers?.length, 2);
    const deleted = await stripe.plans.del(plan.id);
    assert.deepEqual(deleted, { id: plan.id, object: 'plan', deleted: true });
    await expectInvalid(stripe.prices.retrieve(plan.id), { statusCode: 404 });
    const types = await eventTypes(stripe);
    assert.ok(types.includes('plan.updated') && types.includes('plan.deleted') && types.includes('price.deleted'));
  });
});

describe('coupons', () => {
  it('creates percent and amount coupons, updates, lists and deletes', async () => {
    const stripe = client();
    const pct = check(
      await stripe.coupons.create({ percent_off: 25.5, duration: 'repeating', duration_in_months: 3 }),
      'Coupon',
      'coupon',
    );
    assert.match(pct.id, /^[0-9A-Za-z]{8}$/);
    assert.equal(pct.percent_off, 25.5);
    assert.equal(pct.valid, true);
    assert.equal(pct.times_redeemed, 0);
    const amt = check(
      await stripe.coupons.create({
        id: 'TENOFF',
        amount_off: 1000,
        currency: 'usd',
        currency_options: { eur: { amount_off: 900 } },
        name: 'Ten off',
        max_redemptions: 5,
      }),
      'Coupon',
      'coupon',
    );
    assert.equal(amt.id, 'TENOFF');
    assert.equal(amt.duration, 'once');
    assert.equal(amt.currency_options, undefined);
    const expanded = await stripe.coupons.retrieve('TENOFF', { expand: ['currency_options'] });
    assert.equal(expanded.currency_options?.eur?.amount_off, 900);
    const updated = await stripe.coupons.update('TENOFF', { name: 'Ten', metadata: { k: 'v' } });
    assert.equal(updated.name, 'Ten');
    await expectInvalid(stripe.coupons.update('TENOFF', { percent_off: 5 } as never), { code: 'parameter_unknown' });
    assert.deepEqual(
      (await stripe.coupons.list()).data.map((c) => c.id),
      ['TENOFF', pct.id],
    );
    assert.deepEqual(await stripe.coupons.del(pct.id), { id: pct.id, object: 'coupon', deleted: true });
    await expectInvalid(stripe.coupons.retrieve(pct.id), { statusCode: 404, message: `No such coupon: '${pct.id}'` });
    assert.deepEqual(await eventTypes(stripe), [
      'coupon.created',
      'coupon.created',
      'coupon.updated',
      'coupon.deleted',
    ]);
  });

  it('stops being valid at redeem_by', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const probe = await stripe.coupons.create({ percent_off: 1 });
    const coupon = await stripe.coupons.create({ percent_off: 10, redeem_by: probe.created + 100 });
    assert.equal(coupon.valid, true);
    const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: 'seconds=200' });
    assert.equal(res.status, 200, res.text);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).valid, false);
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    await expectInvalid(old.customers.create({ coupon: coupon.id } as never), {
      param: 'coupon',
      message: `Coupon expired: ${coupon.id}`,
    });
  });

  it('refuses what Stripe refuses', async () => {
    const stripe = client();
    await expectInvalid(stripe.coupons.create({ duration: 'once' }), { message: /amount_off or percent_off/ });
    await expectInvalid(stripe.coupons.create({ amount_off: 100 }), { code: 'parameter_missing', param: 'currency' });
    await expectInvalid(stripe.coupons.create({ percent_off: 10, duration: 'repeating' }), {
      code: 'parameter_missing',
      param: 'duration_in_months',
    });
    await expectInvalid(stripe.coupons.create({ percent_off: 120 }), { param: 'percent_off' });
    await expectInvalid(stripe.coupons.create({ percent_off: 10, redeem_by: 1000 }), { param: 'redeem_by' });
    await expectInvalid(stripe.coupons.create({ percent_off: 10, applies_to: { products: ['prod_nope'] } }), {
      code: 'resource_missing',
      param: 'applies_to[products][0]',
    });
    await stripe.coupons.create({ id: 'SAME', percent_off: 10 });
    await expectInvalid(stripe.coupons.create({ id: 'SAME', percent_off: 10 }), {
      code: 'resource_already_exists',
      message: 'Coupon already exists.',
    });
  });
});

describe('promotion codes', () => {
  it('creates codes for a coupon, keeps active codes unique, and lists them', async () => {
    const stripe = client();
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    const promo = check(
      await stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        code: 'SUMMER',
        max_redemptions: 2,
        restrictions: { first_time_transaction: true, minimum_amount: 1000, minimum_amount_currency: 'usd' },
      }),
      'PromotionCode',
      'promotion_code',
    );
    assert.match(promo.id, /^promo_/);
    assert.deepEqual(promo.promotion, { coupon: coupon.id, type: 'coupon' });
    assert.deepEqual(promo.restrictions, {
      first_time_transaction: true,
      minimum_amount: 1000,
      minimum_amount_currency: 'usd',
    });
    await expectInvalid(
      stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'summer' }),
      {
        param: 'code',
      },
    );
    const generated = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } });
    assert.match(generated.code, /^[0-9A-Z]{8}$/);
    const off = await stripe.promotionCodes.update(promo.id, { active: false, metadata: { a: 'b' } });
    assert.equal(off.active, false);
    const again = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'SUMMER',
    });
    await expectInvalid(stripe.promotionCodes.update(promo.id, { active: true }), { param: 'active' });
    assert.deepEqual(
      (await stripe.promotionCodes.list({ code: 'summer' })).data.map((p) => p.id),
      [again.id, promo.id],
    );
    assert.deepEqual(
      (await stripe.promotionCodes.list({ active: false })).data.map((p) => p.id),
      [promo.id],
    );
    assert.equal((await stripe.promotionCodes.list({ coupon: coupon.id })).data.length, 3);
    const withCoupon = await stripe.promotionCodes.retrieve(promo.id, { expand: ['promotion.coupon'] });
    assert.equal((withCoupon.promotion.coupon as Stripe.Coupon).percent_off, 10);
    await expectInvalid(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'nope' } }), {
      code: 'resource_missing',
      param: 'promotion[coupon]',
    });
    await expectInvalid(
      stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        restrictions: { minimum_amount: 5 },
      }),
      {
        code: 'parameter_missing',
        param: 'restrictions[minimum_amount_currency]',
      },
    );
    const types = await eventTypes(stripe);
    assert.deepEqual(
      types.filter((t) => t.startsWith('promotion_code')),
      ['promotion_code.created', 'promotion_code.created', 'promotion_code.updated', 'promotion_code.created'],
    );
  });

  it('takes `coupon` in versions before 2025-09-30.clover', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const coupon = await stripe.coupons.create({ amount_off: 100, currency: 'usd' });
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    const promo = (await old.promotionCodes.create({ coupon: coupon.id } as never)) as unknown as {
      coupon: { id: string };
    };
    assert.equal(promo.coupon.id, coupon.id);
  });
});

describe('tax rates', () => {
  it('creates, updates, archives and lists tax rates; percentage and inclusive are fixed', async () => {
    const stripe = client();
    const vat = check(
      await stripe.taxRates.create({
        display_name: 'VAT',
        percentage: 19,
        inclusive: false,
        country: 'DE',
        jurisdiction: 'DE',
        tax_type: 'vat',
        description: 'VAT Germany',
      }),
      'TaxRate',
      'tax_rate',
    );
    assert.match(vat.id, /^txr_/);
    assert.equal(vat.effective_percentage, 19);
    assert.equal(vat.rate_type, 'percentage');
    const gst = await stripe.taxRates.create({ display_name: 'GST', percentage: 8.875, inclusive: true });
    assert.equal(gst.percentage, 8.875);
    await expectInvalid(stripe.taxRates.update(vat.id, { percentage: 20 } as never), {
      code: 'parameter_unknown',
      param: 'percentage',
    });
    await expectInvalid(stripe.taxRates.update(vat.id, { inclusive: true } as never), { code: 'parameter_unknown' });
    const archived = await stripe.taxRates.update(vat.id, { active: false, display_name: 'MwSt' });
    assert.equal(archived.active, false);
    assert.equal(archived.display_name, 'MwSt');
    assert.deepEqual(
      (await stripe.taxRates.list({ active: true })).data.map((t) => t.id),
      [gst.id],
    );
    assert.deepEqual(
      (await stripe.taxRates.list({ inclusive: false })).data.map((t) => t.id),
      [vat.id],
    );
    await expectInvalid(stripe.taxRates.create({ display_name: 'X', percentage: 101, inclusive: false }), {
      param: 'percentage',
    });
    await expectInvalid(stripe.taxRates.create({ display_name: 'X', percentage: 1.23456, inclusive: false }), {
      param: 'percentage',
    });
    assert.deepEqual(await eventTypes(stripe), ['tax_rate.created', 'tax_rate.created', 'tax_rate.updated']);
  });
});

describe('customer discount', () => {
  it('applies a coupon in older versions, replaces and deletes it, with events', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    const coupon = await stripe.coupons.create({
      percent_off: 20,
      duration: 'repeating',
      duration_in_months: 2,
      max_redemptions: 1,
    });
    const customer = await old.customers.create({ email: 'a@example.com', coupon: coupon.id } as never);
    const discount = customer.discount as unknown as { id: string; coupon: { id: string }; end: number; start: number };
    assert.match(discount.id, /^di_/);
    assert.equal(discount.coupon.id, coupon.id);
    assert.ok(discount.end > discount.start);
    const redeemed = await stripe.coupons.retrieve(coupon.id);
    assert.equal(redeemed.times_redeemed, 1);
    assert.equal(redeemed.valid, false);
    await expectInvalid(old.customers.create({ coupon: coupon.id } as never), {
      param: 'coupon',
      message: `Coupon expired: ${coupon.id}`,
    });

    const current = await stripe.customers.retrieve(customer.id);
    assert.equal((current as Stripe.Customer).discount?.source.coupon, coupon.id);
    check((current as Stripe.Customer).discount, 'Discount', 'discount');
    await expectInvalid(stripe.customers.update(customer.id, { coupon: coupon.id } as never), {
      code: 'parameter_unknown',
      param: 'coupon',
    });

    const promoCoupon = await stripe.coupons.create({ amount_off: 500, currency: 'usd' });
    const promo = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: promoCoupon.id },
      code: 'WELCOME',
    });
    const replaced = await old.customers.update(customer.id, { promotion_code: promo.id } as never);
    const next = replaced.discount as unknown as { id: string; promotion_code: string };
    assert.equal(next.promotion_code, promo.id);
    assert.equal((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed, 1);

    const removed = check(await stripe.customers.deleteDiscount(customer.id), 'DeletedDiscount');
    assert.equal(removed.deleted, true);
    assert.equal(removed.id, next.id);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).discount, null);
    await expectInvalid(stripe.customers.deleteDiscount(customer.id), { statusCode: 404, code: 'resource_missing' });
    const types = (await eventTypes(stripe)).filter((t) => t.startsWith('customer.'));
    assert.deepEqual(types, [
      'customer.created',
      'customer.discount.created',
      'customer.discount.updated',
      'customer.updated',
      'customer.discount.deleted',
      'customer.updated',
    ]);
  });

  it('starts a discount at the customer’s test clock time', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    const frozen = Math.floor(Date.UTC(2026, 0, 31) / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const coupon = await stripe.coupons.create({ percent_off: 15, duration: 'repeating', duration_in_months: 1 });
    const customer = await old.customers.create({ test_clock: clock.id, coupon: coupon.id } as never);
    const discount = customer.discount as unknown as { start: number; end: number };
    assert.equal(discount.start, frozen);
    assert.equal(discount.end, Math.floor(Date.UTC(2026, 1, 28) / 1000));
  });

  it('ends a repeating discount after its months', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    const coupon = await stripe.coupons.create({ percent_off: 15, duration: 'repeating', duration_in_months: 1 });
    const customer = await old.customers.create({ coupon: coupon.id } as never);
    assert.ok(customer.discount);
    const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${32 * 86400}` });
    assert.equal(res.status, 200, res.text);
    assert.equal(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).discount, null);
    const [ended] = (await stripe.events.list({ type: 'customer.discount.deleted' })).data;
    assert.equal((ended?.data.object as { id?: string } | undefined)?.id, (customer.discount as { id: string }).id);
    assert.equal(ended?.request?.id, null);
  });

  it('checks promotion code restrictions when redeeming', async () => {
    const key = newSecretKey();
    const stripe = server.stripe(key);
    const old = sdk(server.port, key, { apiVersion: '2024-06-20' as never });
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    const mine = await stripe.customers.create({ email: 'me@example.com' });
    const other = await stripe.customers.create({ email: 'other@example.com' });
    const personal = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      customer: mine.id,
    });
    await expectInvalid(old.customers.update(other.id, { promotion_code: personal.id } as never), {
      param: 'promotion_code',
      message: 'This promotion code cannot be redeemed by this customer.',
    });
    const once = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      max_redemptions: 1,
    });
    await old.customers.update(mine.id, { promotion_code: once.id } as never);
    const spent = await stripe.promotionCodes.retrieve(once.id);
    assert.equal(spent.active, false);
    await expectInvalid(old.customers.update(other.id, { promotion_code: once.id } as never), {
      param: 'promotion_code',
      message: 'This promotion code is not active.',
    });
    const first = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      restrictions: { first_time_transaction: true },
    });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: other.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    await expectInvalid(old.customers.update(other.id, { promotion_code: first.id } as never), {
      param: 'promotion_code',
      message: 'This promotion code cannot be redeemed because the associated customer has prior transactions.',
    });
  });
});
