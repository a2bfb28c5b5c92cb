/**
 * Billing meters end to end through the official SDK: meters (create with Stripe's defaults,
 * retrieve, update, list by status, deactivate, reactivate, one active meter per event name), meter
 * events (identifier dedupe, the 35-day / 5-minute timestamp window, events that count for nothing),
 * cancellation by identifier, event summaries (sum, count, last; hourly and daily windows,
 * pagination), `meterUsage` for invoices, and usage of a customer on a test clock at the clock's time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { meterUsage } from '../../src/billing/meters/routes.js';
import { expectInvalid } from '../support/customers.js';
import { accountIdOf, advance as advanceAccount, eventsOf } from '../support/payments.js';
import { newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const HOUR = 3600;
const DAY = 86_400;

function account() {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

let names = 0;
const eventName = () => `api_calls_${Date.now()}_${names++}`;

/** The start of the current UTC hour (real time), a few hours back so events fit Stripe's window. */
function hourAgo(hours: number): number {
  const now = Math.floor(Date.now() / 1000);
  return now - (now % HOUR) - hours * HOUR;
}

describe('meters', () => {
  it('creates a meter with Stripe’s defaults, retrieves, updates and lists it', async () => {
    const { key, stripe } = account();
    const name = eventName();
    const meter = await stripe.billing.meters.create({
      display_name: 'API calls',
      event_name: name,
      default_aggregation: { formula: 'sum' },
    });
    assertShape(meter, 'Billing.Meter', 'billing.meter');
    assert.match(meter.id, /^mtr_test_[0-9A-Za-z]{32}$/);
    assert.equal(meter.object, 'billing.meter');
    assert.deepEqual(meter.customer_mapping, { event_payload_key: 'stripe_customer_id', type: 'by_id' });
    assert.deepEqual(meter.value_settings, { event_payload_key: 'value' });
    assert.deepEqual(meter.default_aggregation, { formula: 'sum' });
    assert.equal(meter.event_time_window, null);
    assert.equal(meter.status, 'active');
    assert.deepEqual(meter.status_transitions, { deactivated_at: null });
    assert.equal(meter.updated, meter.created);

    const custom = await stripe.billing.meters.create({
      display_name: 'Tokens',
      event_name: eventName(),
      default_aggregation: { formula: 'last' },
      customer_mapping: { event_payload_key: 'account', type: 'by_id' },
      value_settings: { event_payload_key: 'tokens' },
      event_time_window: 'hour',
    });
    assert.deepEqual(custom.customer_mapping, { event_payload_key: 'account', type: 'by_id' });
    assert.deepEqual(custom.value_settings, { event_payload_key: 'tokens' });
    assert.equal(custom.event_time_window, 'hour');

    assert.deepEqual(await stripe.billing.meters.retrieve(meter.id), meter);
    const renamed = await stripe.billing.meters.update(meter.id, { display_name: 'Requests' });
    assert.equal(renamed.display_name, 'Requests');
    assert.equal(renamed.event_name, name);

    const list = await stripe.billing.meters.list();
    assert.equal(list.url, '/v1/billing/meters');
    assert.deepEqual(
      list.data.map((m) => m.id),
      [custom.id, meter.id],
    );
    await stripe.billing.meters.deactivate(custom.id);
    assert.deepEqual(
      (await stripe.billing.meters.list({ status: 'active' })).data.map((m) => m.id),
      [meter.id],
    );
    assert.deepEqual(
      (await stripe.billing.meters.list({ status: 'inactive' })).data.map((m) => m.id),
      [custom.id],
    );

    const events = await eventsOf(server, await accountIdOf(server, key));
    const types = events.filter((e) => e.data.object.id === meter.id).map((e) => e.type);
    assert.deepEqual(types, ['billing.meter.created', 'billing.meter.updated']);
    const updated = events.find((e) => e.type === 'billing.meter.updated');
    assert.deepEqual(updated?.data.previous_attributes, { display_name: 'API calls', updated: meter.updated });
    assert.ok(events.some((e) => e.type === 'billing.meter.deactivated' && e.data.object.id === custom.id));
  });

  it('deactivates and reactivates, keeping one active meter per event name', async () => {
    const { stripe } = account();
    const name = eventName();
    const first = await stripe.billing.meters.create({
      display_name: 'First',
      event_name: name,
      default_aggregation: { formula: 'count' },
    });
    await expectInvalid(
      stripe.billing.meters.create({ display_name: 'Twin', event_name: name, default_aggregation: { formula: 'sum' } }),
      { param: 'event_name', message: /already exists/ },
    );
    const off = await stripe.billing.meters.deactivate(first.id);
    assert.equal(off.status, 'inactive');
    assert.ok(off.status_transitions.deactivated_at);
    await expectInvalid(stripe.billing.meters.deactivate(first.id), { message: /already inactive/ });

    const second = await stripe.billing.meters.create({
      display_name: 'Second',
      event_name: name,
      default_aggregation: { formula: 'sum' },
    });
    await expectInvalid(stripe.billing.meters.reactivate(first.id), { message: /already exists/ });
    await stripe.billing.meters.deactivate(second.id);
    const on = await stripe.billing.meters.reactivate(first.id);
    assert.equal(on.status, 'active');
    assert.equal(on.status_transitions.deactivated_at, null);
    await expectInvalid(stripe.billing.meters.reactivate(first.id), { message: /already active/ });
  });

  it('refuses bad input as Stripe does', async () => {
    const { stripe } = account();
    await expectInvalid(stripe.billing.meters.create({ display_name: 'x', event_name: 'y' } as never), {
      code: 'parameter_missing',
      param: 'default_aggregation',
    });
    await expectInvalid(
      stripe.billing.meters.create({
        display_name: 'x',
        event_name: 'y',
        default_aggregation: { formula: 'max' as never },
      }),
      { param: 'default_aggregation[formula]' },
    );
    await expectInvalid(
      stripe.billing.meters.create({
        display_name: 'x',
        event_name: 'y',
        default_aggregation: { formula: 'sum' },
        customer_mapping: { event_payload_key: 'c', type: 'by_email' as never },
      }),
      { param: 'customer_mapping[type]' },
    );
    await expectInvalid(stripe.billing.meters.retrieve('mtr_missing'), {
      statusCode: 404,
      message: "No such billing.meter: 'mtr_missing'",
    });
    await expectInvalid(stripe.billing.meterEvents.create({ event_name: 'x' } as never), {
      code: 'parameter_missing',
      param: 'payload',
    });
  });
});

describe('meter events and usage', () => {
  async function setup(formula: 'sum' | 'count' | 'last') {
    const { key, stripe } = account();
    const name = eventName();
    const meter = await stripe.billing.meters.create({
      display_name: 'Usage',
      event_name: name,
      default_aggregation: { formula },
    });
    const customer = await stripe.customers.create({ name: 'Metered' });
    const other = await stripe.customers.create({ name: 'Other' });
    const send = (value: string | null, timestamp: number, who = customer.id, identifier?: string) =>
      stripe.billing.meterEvents.create({
        event_name: name,
        payload: { stripe_customer_id: who, ...(value === null ? {} : { value }) },
        timestamp,
        ...(identifier ? { identifier } : {}),
      });
    return { key, stripe, name, meter, customer, other, send };
  }

  it('records events and sums them per customer in summaries and meterUsage', async () => {
    const { key, stripe, name, meter, customer, other, send } = await setup('sum');
    const t0 = hourAgo(5);
    const created = await send('10', t0 + 60, customer.id, 'evt-one');
    assertShape(created, 'Billing.MeterEvent', 'billing.meter_event');
    assert.deepEqual(
      { ...created, created: 0 },
      {
        object: 'billing.meter_event',
        created: 0,
        event_name: name,
        identifier: 'evt-one',
        livemode: false,
        payload: { stripe_customer_id: customer.id, value: '10' },
        timestamp: t0 + 60,
      },
    );
    await send('5', t0 + HOUR + 10);
    await send('2.5', t0 + 2 * HOUR + 10);
    await send('100', t0 + 2 * HOUR + 20, other.id);
    await send('7', t0 + 3 * HOUR); // the end is exclusive

    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 3 * HOUR,
    });
    assert.equal(summaries.url, `/v1/billing/meters/${meter.id}/event_summaries`);
    assert.equal(summaries.data.length, 1);
    const [summary] = summaries.data;
    assertShape(summary, 'Billing.MeterEventSummary', 'billing.meter_event_summary');
    assert.match(summary?.id ?? '', /^mtrusg_/);
    assert.equal(summary?.aggregated_value, 17.5);
    assert.equal(summary?.start_time, t0);
    assert.equal(summary?.end_time, t0 + 3 * HOUR);
    assert.equal(summary?.meter, meter.id);

    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 3 * HOUR,
      value_grouping_window: 'hour',
    });
    assert.deepEqual(
      hourly.data.map((s) => [s.start_time - t0, s.aggregated_value]),
      [
        [2 * HOUR, 2.5],
        [HOUR, 5],
        [0, 10],
      ],
    );
    // Pagination by id.
    const page1 = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 3 * HOUR,
      value_grouping_window: 'hour',
      limit: 2,
    });
    assert.equal(page1.has_more, true);
    const page2 = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 3 * HOUR,
      value_grouping_window: 'hour',
      limit: 2,
      starting_after: page1.data[1]?.id as string,
    });
    assert.deepEqual(
      page2.data.map((s) => s.aggregated_value),
      [10],
    );
    assert.equal(page2.has_more, false);

    const accountId = await accountIdOf(server, key);
    assert.equal(await meterUsage(server.app.store, accountId, meter.id, customer.id, t0, t0 + 3 * HOUR), 17.5);
    assert.equal(await meterUsage(server.app.store, accountId, meter.id, customer.id, t0, t0 + 4 * HOUR), 24.5);
    assert.equal(await meterUsage(server.app.store, accountId, meter.id, other.id, t0, t0 + 4 * HOUR), 100);
    assert.equal(await meterUsage(server.app.store, accountId, meter.id, customer.id, t0 + HOUR, t0 + HOUR), 0);
  });

  it('count and last formulas; events without a meter or customer count for nothing', async () => {
    const counted = await setup('count');
    const t0 = hourAgo(3);
    await counted.send('10', t0 + 1);
    await counted.send(null, t0 + 2);
    await counted.send('3', t0 + 3, 'cus_unknown');
    const accountId = await accountIdOf(server, counted.key);
    assert.equal(
      await meterUsage(server.app.store, accountId, counted.meter.id, counted.customer.id, t0, t0 + HOUR),
      2,
    );
    // An event name no active meter has is accepted (Stripe reports it asynchronously) and counts nowhere.
    const orphan = await counted.stripe.billing.meterEvents.create({
      event_name: 'nobody_meters_this',
      payload: { stripe_customer_id: counted.customer.id, value: '1' },
    });
    assert.equal(orphan.event_name, 'nobody_meters_this');

    const last = await setup('last');
    await last.send('4', t0 + 10);
    await last.send('9', t0 + 30);
    await last.send('6', t0 + 20); // reported late: still not the latest by time
    await last.send('oops', t0 + 40); // not a number: counts for nothing
    const lastAccount = await accountIdOf(server, last.key);
    assert.equal(await meterUsage(server.app.store, lastAccount, last.meter.id, last.customer.id, t0, t0 + HOUR), 9);
    assert.equal(await meterUsage(server.app.store, lastAccount, last.meter.id, last.customer.id, t0, t0 + 15), 4);
    const [summary] = (
      await last.stripe.billing.meters.listEventSummaries(last.meter.id, {
        customer: last.customer.id,
        start_time: t0,
        end_time: t0 + HOUR,
      })
    ).data;
    assert.equal(summary?.aggregated_value, 9);
  });

  it('deduplicates by identifier, checks the timestamp window, and defaults both', async () => {
    const { stripe, customer, name, send } = await setup('sum');
    const now = Math.floor(Date.now() / 1000);
    const event = await stripe.billing.meterEvents.create({
      event_name: name,
      payload: { stripe_customer_id: customer.id, value: '1' },
    });
    assert.ok(Math.abs(event.timestamp - now) < 60);
    assert.match(event.identifier, /^[0-9a-f-]{36}$/);
    await expectInvalid(send('1', now, customer.id, event.identifier), {
      param: 'identifier',
      message: `An event with identifier ${event.identifier} already exists.`,
    });
    await expectInvalid(send('1', now - 36 * DAY), { param: 'timestamp', message: /35 calendar days/ });
    await expectInvalid(send('1', now + 600), { param: 'timestamp', message: /5 minutes in the future/ });
    assert.ok(await send('1', now - 34 * DAY));
    assert.ok(await send('1', now + 120));
  });

  it('cancels an event by identifier within 24 hours', async () => {
    const { key, stripe, name, meter, customer, send } = await setup('sum');
    const t0 = hourAgo(2);
    await send('10', t0 + 1, customer.id, 'keep');
    await send('5', t0 + 2, customer.id, 'drop');
    const adjustment = await stripe.billing.meterEventAdjustments.create({
      event_name: name,
      type: 'cancel',
      cancel: { identifier: 'drop' },
    });
    assertShape(adjustment, 'Billing.MeterEventAdjustment', 'billing.meter_event_adjustment');
    assert.deepEqual(adjustment, {
      object: 'billing.meter_event_adjustment',
      cancel: { identifier: 'drop' },
      event_name: name,
      livemode: false,
      status: 'complete',
      type: 'cancel',
    });
    const accountId = await accountIdOf(server, key);
    assert.equal(await meterUsage(server.app.store, accountId, meter.id, customer.id, t0, t0 + HOUR), 10);
    await expectInvalid(
      stripe.billing.meterEventAdjustments.create({ event_name: name, type: 'cancel', cancel: { identifier: 'drop' } }),
      { param: 'cancel[identifier]' },
    );
    await expectInvalid(stripe.billing.meterEventAdjustments.create({ event_name: name, type: 'cancel' }), {
      code: 'parameter_missing',
      param: 'cancel[identifier]',
    });
    // A day later the event can no longer be cancelled.
    await advanceAccount(server, key, DAY + 60);
    await expectInvalid(
      stripe.billing.meterEventAdjustments.create({ event_name: name, type: 'cancel', cancel: { identifier: 'keep' } }),
      { param: 'cancel[identifier]', message: /within 24 hours/ },
    );
  });

  it('summaries refuse misaligned or empty ranges and unknown customers', async () => {
    const { stripe, meter, customer } = await setup('sum');
    const t0 = hourAgo(4);
    await expectInvalid(
      stripe.billing.meters.listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: t0 + 30,
        end_time: t0 + HOUR,
      }),
      { param: 'start_time' },
    );
    await expectInvalid(
      stripe.billing.meters.listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: t0 + 60,
        end_time: t0 + HOUR,
        value_grouping_window: 'hour',
      }),
      { param: 'start_time', message: /hour boundaries/ },
    );
    await expectInvalid(
      stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: t0, end_time: t0 }),
      { param: 'end_time' },
    );
    await expectInvalid(
      stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_nope', start_time: t0, end_time: t0 + HOUR }),
      { param: 'customer', message: "No such customer: 'cus_nope'" },
    );
    await expectInvalid(
      stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, end_time: t0 } as never),
      { code: 'parameter_missing', param: 'start_time' },
    );
    const days = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0 - (t0 % DAY) - DAY,
      end_time: t0 - (t0 % DAY) + DAY,
      value_grouping_window: 'day',
    });
    assert.deepEqual(
      days.data.map((s) => s.aggregated_value),
      [0, 0],
    );
  });

  it('a customer on a test clock reports usage at the clock’s time', async () => {
    const { key, stripe } = account();
    const frozen = 1_893_456_000; // 2030-01-01
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const name = eventName();
    const meter = await stripe.billing.meters.create({
      display_name: 'Clocked',
      event_name: name,
      default_aggregation: { formula: 'sum' },
    });
    const event = await stripe.billing.meterEvents.create({
      event_name: name,
      payload: { stripe_customer_id: customer.id, value: '3' },
    });
    assert.equal(event.timestamp, frozen);
    assert.equal(event.created, frozen);
    await stripe.billing.meterEvents.create({
      event_name: name,
      payload: { stripe_customer_id: customer.id, value: '4' },
      timestamp: frozen - 10 * DAY,
    });
    // Real time is far from the clock's: "now" for the window is the clock's.
    await expectInvalid(
      stripe.billing.meterEvents.create({
        event_name: name,
        payload: { stripe_customer_id: customer.id, value: '4' },
        timestamp: Math.floor(Date.now() / 1000),
      }),
      { param: 'timestamp' },
    );
    const accountId = await accountIdOf(server, key);
    assert.equal(
      await meterUsage(server.app.store, accountId, meter.id, customer.id, frozen - 30 * DAY, frozen + 1),
      7,
    );
  });

  it('a metered subscription on a test clock bills the usage reported during its period', async () => {
    const { stripe } = account();
    const frozen = 1_893_456_000; // 2030-01-01
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    const name = eventName();
    const meter = await stripe.billing.meters.create({
      display_name: 'Calls',
      event_name: name,
      default_aggregation: { formula: 'sum' },
    });
    const product = await stripe.products.create({ name: 'API' });
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 5,
      product: product.id,
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const advanceTo = async (t: number) => {
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
      for (;;) {
        const c = await stripe.testHelpers.testClocks.retrieve(clock.id);
        if (c.status !== 'advancing') return c;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await advanceTo(frozen + 10 * DAY);
    await stripe.billing.meterEvents.create({
      event_name: name,
      payload: { stripe_customer_id: customer.id, value: '30' },
    });
    await stripe.billing.meterEvents.create({
      event_name: name,
      payload: { stripe_customer_id: customer.id, value: '12' },
    });
    const monthEnd = frozen + 31 * DAY; // 2030-02-01
    assert.equal((await advanceTo(monthEnd + 2 * HOUR)).status, 'ready');
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const renewal = invoices.data.find((i) => i.billing_reason === 'subscription_cycle');
    assert.ok(renewal, 'the renewal invoice');
    assert.equal(renewal.created, monthEnd);
    assert.equal(renewal.amount_due, 42 * 5);
    assert.equal(renewal.status, 'paid');
  });
});
