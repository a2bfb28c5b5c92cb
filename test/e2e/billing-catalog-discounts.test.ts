/**
 * Applying coupons through Stripe's `discounts[]` parameter (billing/discounts/service.ts), seen
 * through an endpoint that takes it (invoice creation): new Discount objects counted as
 * redemptions, the checks on coupons and promotion codes, and reusing an existing discount.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expectInvalid } from '../support/customers.js';
import { newSecretKey, sdk, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function accounts(): { stripe: Stripe; old: Stripe } {
  const key = newSecretKey();
  return { stripe: server.stripe(key), old: sdk(server.port, key, { apiVersion: '2024-06-20' as never }) };
}

const ids = (discounts: (string | Stripe.Discount | Stripe.DeletedDiscount)[] | undefined) =>
  (discounts ?? []).map((d) => (typeof d === 'string' ? d : d.id));

describe('discounts[]', () => {
  it('creates a discount per coupon or promotion code and counts the redemptions', async () => {
    const { stripe } = accounts();
    const customer = await stripe.customers.create({ email: 'd@example.com' });
    const coupon = await stripe.coupons.create({ percent_off: 10, max_redemptions: 2 });
    const promoCoupon = await stripe.coupons.create({ amount_off: 100, currency: 'usd' });
    const promo = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: promoCoupon.id },
      code: 'TAKE1',
    });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      currency: 'usd',
      discounts: [{ coupon: coupon.id }, { promotion_code: promo.id }],
    });
    const [first, second] = ids(invoice.discounts);
    assert.match(first ?? '', /^di_/);
    assert.match(second ?? '', /^di_/);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
    assert.equal((await stripe.coupons.retrieve(promoCoupon.id)).times_redeemed, 1);
    assert.equal((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed, 1);
    await stripe.invoices.create({ customer: customer.id, currency: 'usd', discounts: [{ coupon: coupon.id }] });
    const spent = await stripe.coupons.retrieve(coupon.id);
    assert.equal(spent.times_redeemed, 2);
    assert.equal(spent.valid, false);
    await expectInvalid(stripe.invoices.create({ customer: customer.id, discounts: [{ coupon: coupon.id }] }), {
      param: 'discounts[0][coupon]',
      message: `Coupon expired: ${coupon.id}`,
    });
  });

  it('refuses unknown, inactive, foreign and mismatched entries', async () => {
    const { stripe } = accounts();
    const customer = await stripe.customers.create({});
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    await expectInvalid(stripe.invoices.create({ customer: customer.id, discounts: [{ coupon: 'nope' }] }), {
      code: 'resource_missing',
      param: 'discounts[0][coupon]',
      message: "No such coupon: 'nope'",
    });
    await expectInvalid(
      stripe.invoices.create({ customer: customer.id, discounts: [{ promotion_code: 'promo_nope' }] }),
      {
        code: 'resource_missing',
        param: 'discounts[0][promotion_code]',
        message: "No such promotion code: 'promo_nope'",
      },
    );
    const promo = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      active: false,
    });
    await expectInvalid(stripe.invoices.create({ customer: customer.id, discounts: [{ promotion_code: promo.id }] }), {
      param: 'discounts[0][promotion_code]',
      message: 'This promotion code is not active.',
    });
    await expectInvalid(
      stripe.invoices.create({ customer: customer.id, discounts: [{ coupon: coupon.id, promotion_code: promo.id }] }),
      { param: 'discounts[0]' },
    );
    const euros = await stripe.coupons.create({ amount_off: 100, currency: 'eur' });
    await expectInvalid(
      stripe.invoices.create({ customer: customer.id, currency: 'usd', discounts: [{ coupon: euros.id }] }),
      { param: 'discounts[0][coupon]' },
    );
    const withOption = await stripe.coupons.create({
      amount_off: 100,
      currency: 'eur',
      currency_options: { usd: { amount_off: 110 } },
    });
    const ok = await stripe.invoices.create({
      customer: customer.id,
      currency: 'usd',
      discounts: [{ coupon: withOption.id }],
    });
    assert.equal(ids(ok.discounts).length, 1);
  });

  it('reuses the customer’s own discount, not another customer’s', async () => {
    const { stripe, old } = accounts();
    const coupon = await stripe.coupons.create({ percent_off: 30, duration: 'forever' });
    const owner = await old.customers.create({ coupon: coupon.id } as never);
    const discountId = (owner.discount as unknown as { id: string }).id;
    const invoice = await stripe.invoices.create({ customer: owner.id, discounts: [{ discount: discountId }] });
    assert.deepEqual(ids(invoice.discounts), [discountId]);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
    const stranger = await stripe.customers.create({});
    await expectInvalid(stripe.invoices.create({ customer: stranger.id, discounts: [{ discount: discountId }] }), {
      param: 'discounts[0][discount]',
    });
    await expectInvalid(stripe.invoices.create({ customer: owner.id, discounts: [{ discount: 'di_missing' }] }), {
      code: 'resource_missing',
      param: 'discounts[0][discount]',
    });
  });
});
