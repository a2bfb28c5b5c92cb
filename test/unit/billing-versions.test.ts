/**
 * Billing objects rendered for versions before 2025-03-31.basil and 2025-09-30.clover: the older
 * fields computed from the newest shape, and what older shapes embed read from the store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/platform/operation.js';
import { renderWithIncludes, type VersionSource } from '../../src/platform/versions.js';
import '../../src/versions/index.js';
import {
  BILLING_STORE,
  creditNote,
  creditNoteLine,
  invoice,
  invoiceItem,
  price,
  promotionCode,
  subscription,
} from './billing-version-samples.js';

const source: VersionSource = {
  async load(id) {
    const found = BILLING_STORE.find((o) => o.id === id);
    return found && structuredClone(found);
  },
  async list(type, equals, limit) {
    const data = BILLING_STORE.filter(
      (o) => o.object === type && Object.entries(equals).every(([k, v]) => o[k] === v),
    ).slice(0, limit);
    return { data: structuredClone(data), has_more: false };
  },
};
const render = (object: Json, version: string) => renderWithIncludes(object, version, source);

describe('Billing before basil (2024-06-20)', () => {
  it('a subscription has its period and its discount, with the coupon embedded; its items have no period', async () => {
    const sub = await render(subscription(), '2024-06-20');
    assert.equal(sub.current_period_start, 100_000);
    assert.equal(sub.current_period_end, 2_700_000);
    const discount = sub.discount as Json;
    assert.equal(discount.id, 'di_1');
    assert.equal((discount.coupon as Json).id, 'co_1');
    assert.equal((discount.coupon as Json).percent_off, 10);
    assert.equal(discount.source, undefined);
    const item = ((sub.items as Json).data as Json[])[0] as Json;
    assert.equal(item.current_period_end, undefined);
    assert.equal((item.price as Json).recurring && ((item.price as Json).recurring as Json).aggregate_usage, null);
    assert.deepEqual(Object.keys(sub).slice(0, 5), [
      'id',
      'object',
      'billing_cycle_anchor',
      'created',
      'current_period_end',
    ]);
  });

  it('an invoice is paid, names its PaymentIntent, charge and subscription, and carries tax and discount', async () => {
    const inv = await render(invoice(), '2024-06-20');
    assert.equal(inv.paid, true);
    assert.equal(inv.paid_out_of_band, false);
    assert.equal(inv.payment_intent, 'pi_inv');
    assert.equal(inv.charge, 'ch_inv');
    assert.equal(inv.subscription, 'sub_1');
    assert.deepEqual(inv.subscription_details, { metadata: { plan: 'gold' } });
    assert.equal(inv.tax, 100);
    assert.deepEqual(inv.total_tax_amounts, [
      { amount: 100, inclusive: false, tax_rate: 'txr_1', taxability_reason: 'standard_rated', taxable_amount: 1000 },
    ]);
    assert.equal((inv.discount as Json).id, 'di_1');
    for (const gone of ['parent', 'total_taxes', 'payments']) assert.equal(inv[gone], undefined, gone);
    const line = ((inv.lines as Json).data as Json[])[0] as Json;
    assert.equal(line.type, 'subscription');
    assert.equal(line.subscription_item, 'si_1');
    assert.equal(line.proration, false);
    assert.equal((line.price as Json).id, 'price_1');
    assert.equal((line.plan as Json).object, 'plan');
    assert.equal((line.plan as Json).amount, 1000);
    assert.deepEqual(
      (line.tax_rates as Json[]).map((r) => r.id),
      ['txr_1'],
    );
    assert.equal(line.amount_excluding_tax, 1000);
    assert.equal(line.unit_amount_excluding_tax, '1000');
    for (const gone of ['parent', 'pricing', 'taxes']) assert.equal(line[gone], undefined, gone);
  });

  it('an open invoice with nothing paid is not paid; one paid without a payment was paid out of band', async () => {
    const open = await render(invoice({ id: 'in_2', status: 'open', amount_paid: 0, discounts: [] }), '2024-06-20');
    assert.equal(open.paid, false);
    assert.equal(open.payment_intent, null);
    assert.equal(open.discount, null);
    const oob = await render(invoice({ id: 'in_3' }), '2024-06-20');
    assert.equal(oob.paid_out_of_band, true);
    const manual = await render(invoice({ id: 'in_4', parent: null, total_taxes: [] }), '2024-06-20');
    assert.equal(manual.subscription, null);
    assert.equal(manual.subscription_details, null);
    assert.equal(manual.tax, null);
  });

  it('invoice items, credit notes and their lines in the older shapes', async () => {
    const item = await render(invoiceItem(), '2024-06-20');
    assert.equal(item.unit_amount, 500);
    assert.equal(item.unit_amount_decimal, '500');
    assert.equal(item.subscription, 'sub_1');
    assert.equal(item.subscription_item, 'si_1');
    assert.equal((item.price as Json).id, 'price_1');
    const note = await render(creditNote(), '2024-06-20');
    assert.equal(note.refund, 're_cn');
    assert.equal((note.tax_amounts as Json[]).length, 1);
    const line = await render(creditNoteLine(), '2024-06-20');
    assert.equal(line.amount_excluding_tax, 900);
    assert.equal(line.unit_amount_excluding_tax, '450');
    assert.equal((line.tax_amounts as Json[])[0]?.inclusive, true);
  });

  it('a metered price aggregates usage by sum', async () => {
    const metered = price({
      recurring: { interval: 'month', interval_count: 1, meter: 'mtr_1', usage_type: 'metered' },
    });
    const rendered = await render(metered, '2024-06-20');
    assert.equal((rendered.recurring as Json).aggregate_usage, 'sum');
  });
});

describe('Billing before clover (basil)', () => {
  it('a promotion code embeds its coupon; basil itself keeps the newer shapes of what basil had', async () => {
    const code = await render(promotionCode(), '2025-08-27.basil');
    assert.equal((code.coupon as Json).id, 'co_1');
    assert.equal(code.promotion, undefined);
    const sub = await render(subscription(), '2025-08-27.basil');
    assert.equal(sub.current_period_end, undefined);
    assert.equal(((sub.items as Json).data as Json[])[0]?.current_period_end, 2_700_000);
    const inv = await render(invoice(), '2025-08-27.basil');
    assert.equal(inv.paid, undefined);
    assert.ok(inv.parent);
  });

  it('the newest version leaves everything as stored', async () => {
    assert.deepEqual(await render(promotionCode(), '2026-10-28.endive'), promotionCode());
    assert.deepEqual(await render(invoice(), '2026-10-28.endive'), invoice());
  });
});
