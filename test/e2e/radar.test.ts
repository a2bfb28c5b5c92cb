/**
 * Radar end to end through the official SDK: elevated-risk cards open a review (charge and
 * PaymentIntent point at it, `outcome.type: manual_review`, `review.opened`), which approval, a
 * refund (plain or as fraud) or a canceled authorisation closes (`review.closed`, with Stripe's
 * closed reasons); only open reviews are listed. The issuer-fraud card raises an early fraud
 * warning (listed by charge and PaymentIntent, no longer actionable once fully refunded). Value
 * lists and their items: CRUD, alias uniqueness, item-type validation, duplicates, the embedded
 * `list_items`, `contains` and `value` filters, deletion of a list with its items.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { expectError, expectInvalid } from '../support/customers.js';
import { accountIdOf, eventsOf, newAccount, pay } from '../support/payments.js';
import { http, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

function checkReview(r: Stripe.Review): Stripe.Review {
  assertShape(r, 'Review', 'review');
  assert.match(r.id, /^prv_[0-9A-Za-z]{24}$/);
  return r;
}

async function eventTypes(key: string, prefix: string): Promise<string[]> {
  const events = await eventsOf(server, await accountIdOf(server, key));
  return events.map((e) => e.type).filter((t) => t.startsWith(prefix));
}

describe('reviews', () => {
  for (const pm of [
    'pm_card_riskLevelElevated',
    'pm_card_cvcCheckFailElevatedRisk',
    'pm_card_avsZipFailElevatedRisk',
  ]) {
    it(`${pm} opens a review when its charge succeeds`, async () => {
      const { stripe, key } = newAccount(server);
      const pi = await pay(stripe, { payment_method: pm });
      assert.equal(pi.status, 'succeeded');
      assert.match(pi.review as string, /^prv_/);
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      assert.equal(charge.review, pi.review);
      assert.equal(charge.outcome?.type, 'manual_review');
      assert.equal(charge.outcome?.risk_level, 'elevated');
      const review = checkReview(await stripe.reviews.retrieve(pi.review as string));
      assert.equal(review.open, true);
      assert.equal(review.reason, 'rule');
      assert.equal(review.opened_reason, 'rule');
      assert.equal(review.closed_reason, null);
      assert.equal(review.charge, charge.id);
      assert.equal(review.payment_intent, pi.id);
      assert.deepEqual(await eventTypes(key, 'review.'), ['review.opened']);
    });
  }

  it('an ordinary or highest-risk card opens none', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_visa' });
    assert.equal(pi.review, null);
    assert.equal((await stripe.charges.retrieve(pi.latest_charge as string)).review, null);
    await assert.rejects(pay(stripe, { payment_method: 'pm_card_radarBlock' }));
    assert.equal((await stripe.reviews.list()).data.length, 0);
  });

  it('charge and PaymentIntent events carry the review, and expand it', async () => {
    const { stripe, key } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    const events = await eventsOf(server, await accountIdOf(server, key));
    const succeeded = events.find((e) => e.type === 'charge.succeeded');
    assert.equal(succeeded?.data.object.review, pi.review);
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ['review', 'latest_charge.review'] });
    assert.equal((expanded.review as Stripe.Review).id, pi.review);
    assert.equal(((expanded.latest_charge as Stripe.Charge).review as Stripe.Review).object, 'review');
    const review = await stripe.reviews.retrieve(pi.review as string, { expand: ['charge', 'payment_intent'] });
    assert.equal((review.charge as Stripe.Charge).id, pi.latest_charge);
    assert.equal((review.payment_intent as Stripe.PaymentIntent).id, pi.id);
  });

  it('approve closes it (approved), takes it off the list, and refuses a second time', async () => {
    const { stripe, key } = newAccount(server);
    const first = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    const second = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    const open = await stripe.reviews.list();
    assert.deepEqual(
      open.data.map((r) => r.id),
      [second.review, first.review],
    );
    for (const r of open.data) checkReview(r);
    const approved = checkReview(await stripe.reviews.approve(first.review as string));
    assert.equal(approved.open, false);
    assert.equal(approved.closed_reason, 'approved');
    assert.equal(approved.reason, 'approved');
    assert.deepEqual(
      (await stripe.reviews.list()).data.map((r) => r.id),
      [second.review],
    );
    await expectInvalid(stripe.reviews.approve(first.review as string), { message: /already closed/ });
    assert.deepEqual(await eventTypes(key, 'review.'), ['review.opened', 'review.opened', 'review.closed']);
    const closed = (await eventsOf(server, await accountIdOf(server, key))).find((e) => e.type === 'review.closed');
    assert.equal(closed?.data.object.closed_reason, 'approved');
  });

  it('a refund closes it as refunded, or refunded_as_fraud', async () => {
    const { stripe } = newAccount(server);
    const plain = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    await stripe.refunds.create({ payment_intent: plain.id, amount: 500 });
    const r1 = await stripe.reviews.retrieve(plain.review as string);
    assert.equal(r1.open, false);
    assert.equal(r1.closed_reason, 'refunded');
    const fraud = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    await stripe.refunds.create({ payment_intent: fraud.id, reason: 'fraudulent' });
    assert.equal((await stripe.reviews.retrieve(fraud.review as string)).closed_reason, 'refunded_as_fraud');
    // A later refund leaves the closed review as it was.
    await stripe.refunds.create({ payment_intent: plain.id, reason: 'fraudulent' });
    assert.equal((await stripe.reviews.retrieve(plain.review as string)).closed_reason, 'refunded');
  });

  it('canceling an uncaptured payment closes it as canceled', async () => {
    const { stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated', capture_method: 'manual' });
    assert.equal(pi.status, 'requires_capture');
    assert.match(pi.review as string, /^prv_/);
    await stripe.paymentIntents.cancel(pi.id);
    const review = await stripe.reviews.retrieve(pi.review as string);
    assert.equal(review.closed_reason, 'canceled');
    assert.equal(review.open, false);
  });

  it('unknown reviews are 404, and other accounts cannot see them', async () => {
    const { stripe } = newAccount(server);
    const other = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    await expectError(other.stripe.reviews.retrieve(pi.review as string), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
      code: 'resource_missing',
      message: `No such review: '${pi.review}'`,
    });
    await expectError(other.stripe.reviews.approve(pi.review as string), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
    });
    assert.equal((await other.stripe.reviews.list()).data.length, 0);
  });
});

describe('early fraud warnings', () => {
  it('pm_card_createIssuerFraudRecord raises one, listed by charge and PaymentIntent', async () => {
    const { stripe, key } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_createIssuerFraudRecord' });
    const plain = await pay(stripe);
    const list = await stripe.radar.earlyFraudWarnings.list();
    assert.equal(list.data.length, 1);
    const efw = list.data[0] as Stripe.Radar.EarlyFraudWarning;
    assertShape(efw, 'Radar.EarlyFraudWarning', 'radar.early_fraud_warning');
    assert.match(efw.id, /^issfr_[0-9A-Za-z]{24}$/);
    assert.equal(efw.actionable, true);
    assert.equal(efw.charge, pi.latest_charge);
    assert.equal(efw.payment_intent, pi.id);
    assert.equal(efw.fraud_type, 'misc');
    assert.deepEqual(await stripe.radar.earlyFraudWarnings.retrieve(efw.id), efw);
    assert.equal((await stripe.radar.earlyFraudWarnings.list({ charge: pi.latest_charge as string })).data.length, 1);
    assert.equal((await stripe.radar.earlyFraudWarnings.list({ payment_intent: pi.id })).data.length, 1);
    assert.equal((await stripe.radar.earlyFraudWarnings.list({ payment_intent: plain.id })).data.length, 0);
    await expectInvalid(stripe.radar.earlyFraudWarnings.list({ charge: 'ch_nope' }), {
      param: 'charge',
      message: "No such charge: 'ch_nope'",
    });
    const expanded = await stripe.radar.earlyFraudWarnings.retrieve(efw.id, { expand: ['charge'] });
    assert.equal((expanded.charge as Stripe.Charge).id, pi.latest_charge);
    assert.deepEqual(await eventTypes(key, 'radar.'), ['radar.early_fraud_warning.created']);
  });

  it('a full refund makes it no longer actionable (radar.early_fraud_warning.updated)', async () => {
    const { stripe, key } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_createIssuerFraudRecord' });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    let [efw] = (await stripe.radar.earlyFraudWarnings.list()).data;
    assert.equal(efw?.actionable, true, 'a partial refund leaves it actionable');
    await stripe.refunds.create({ payment_intent: pi.id });
    [efw] = (await stripe.radar.earlyFraudWarnings.list()).data;
    assert.equal(efw?.actionable, false);
    const events = await eventsOf(server, await accountIdOf(server, key));
    const updated = events.filter((e) => e.type === 'radar.early_fraud_warning.updated');
    assert.equal(updated.length, 1);
    assert.deepEqual(updated[0]?.data.previous_attributes, { actionable: true });
  });

  it('404 for an unknown warning', async () => {
    const { stripe } = newAccount(server);
    await expectError(stripe.radar.earlyFraudWarnings.retrieve('issfr_nope'), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});

describe('value lists', () => {
  it('create, retrieve, update, list by alias, delete', async () => {
    const { stripe } = newAccount(server);
    const list = await stripe.radar.valueLists.create({
      alias: 'custom_ip_blocklist',
      name: 'Custom IP Blocklist',
      item_type: 'ip_address',
      metadata: { team: 'fraud' },
    });
    assertShape(list, 'Radar.ValueList', 'radar.value_list');
    assert.match(list.id, /^rsl_[0-9A-Za-z]{24}$/);
    assert.equal(list.item_type, 'ip_address');
    assert.deepEqual(list.list_items, {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/radar/value_list_items?value_list=${list.id}`,
    });
    const plain = await stripe.radar.valueLists.create({ alias: 'plain_list', name: 'Plain' });
    assert.equal(plain.item_type, 'string', 'item_type defaults to string');

    const updated = await stripe.radar.valueLists.update(list.id, { name: 'Renamed', alias: 'renamed_list' });
    assert.equal(updated.name, 'Renamed');
    assert.equal(updated.alias, 'renamed_list');
    assert.deepEqual(updated.metadata, { team: 'fraud' });
    assert.deepEqual(await stripe.radar.valueLists.retrieve(list.id), updated);

    assert.deepEqual(
      (await stripe.radar.valueLists.list()).data.map((l) => l.id),
      [plain.id, list.id],
    );
    assert.deepEqual(
      (await stripe.radar.valueLists.list({ alias: 'renamed_list' })).data.map((l) => l.id),
      [list.id],
    );
    assert.equal((await stripe.radar.valueLists.list({ alias: 'custom_ip_blocklist' })).data.length, 0);

    const deleted = await stripe.radar.valueLists.del(list.id);
    assert.deepEqual(deleted, { id: list.id, object: 'radar.value_list', deleted: true });
    await expectError(stripe.radar.valueLists.retrieve(list.id), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
      code: 'resource_missing',
    });
    assert.deepEqual(
      (await stripe.radar.valueLists.list()).data.map((l) => l.id),
      [plain.id],
    );
  });

  it('aliases are unique within the account and made of word characters', async () => {
    const { stripe } = newAccount(server);
    const other = newAccount(server);
    const a = await stripe.radar.valueLists.create({ alias: 'vip_customers', name: 'VIP', item_type: 'customer_id' });
    await expectInvalid(stripe.radar.valueLists.create({ alias: 'vip_customers', name: 'Again' }), {
      param: 'alias',
      message: /already exists/,
    });
    const b = await stripe.radar.valueLists.create({ alias: 'other_list', name: 'Other' });
    await expectInvalid(stripe.radar.valueLists.update(b.id, { alias: 'vip_customers' }), { param: 'alias' });
    // Renaming a list to its own alias is no conflict; another account may use the alias.
    await stripe.radar.valueLists.update(a.id, { alias: 'vip_customers' });
    await other.stripe.radar.valueLists.create({ alias: 'vip_customers', name: 'VIP' });
    await expectInvalid(stripe.radar.valueLists.create({ alias: 'has space', name: 'x' }), { param: 'alias' });
    await expectInvalid(stripe.radar.valueLists.create({ name: 'x' } as Stripe.Radar.ValueListCreateParams), {
      code: 'parameter_missing',
      param: 'alias',
    });
    await expectInvalid(stripe.radar.valueLists.create({ alias: 'x', name: 'x', item_type: 'colour' as 'email' }), {
      param: 'item_type',
    });
    // item_type is immutable: the update endpoint does not know it.
    const res = await http(server, 'POST', `/v1/radar/value_lists/${a.id}`, {
      key: undefined,
      body: 'item_type=email',
    });
    assert.equal(res.status, 400);
  });

  it('items: typed values, duplicates, the embedded list_items, filters, deletion', async () => {
    const { stripe } = newAccount(server);
    const emails = await stripe.radar.valueLists.create({ alias: 'bad_emails', name: 'Bad', item_type: 'email' });
    const item = await stripe.radar.valueListItems.create({ value_list: emails.id, value: 'Fraud@Example.com' });
    assertShape(item, 'Radar.ValueListItem', 'radar.value_list_item');
    assert.match(item.id, /^rsli_[0-9A-Za-z]{24}$/);
    assert.equal(item.value_list, emails.id);
    await expectInvalid(stripe.radar.valueListItems.create({ value_list: emails.id, value: 'not-an-email' }), {
      param: 'value',
    });
    await expectInvalid(stripe.radar.valueListItems.create({ value_list: emails.id, value: 'fraud@example.com' }), {
      param: 'value',
      message: /already in the value list/,
    });
    await expectInvalid(stripe.radar.valueListItems.create({ value_list: 'rsl_nope', value: 'a@b.co' }), {
      param: 'value_list',
      code: 'resource_missing',
    });
    const second = await stripe.radar.valueListItems.create({ value_list: emails.id, value: 'thief@example.org' });

    const withItems = await stripe.radar.valueLists.retrieve(emails.id);
    assert.deepEqual(
      withItems.list_items.data.map((i) => i.id),
      [second.id, item.id],
    );

    const listed = await stripe.radar.valueListItems.list({ value_list: emails.id });
    assert.deepEqual(
      listed.data.map((i) => i.id),
      [second.id, item.id],
    );
    assert.deepEqual(
      (await stripe.radar.valueListItems.list({ value_list: emails.id, value: 'EXAMPLE.org' })).data.map((i) => i.id),
      [second.id],
    );
    await expectInvalid(stripe.radar.valueListItems.list({} as Stripe.Radar.ValueListItemListParams), {
      code: 'parameter_missing',
      param: 'value_list',
    });

    // Case-sensitive lists keep values apart that differ in case only.
    const strict = await stripe.radar.valueLists.create({
      alias: 'codes',
      name: 'Codes',
      item_type: 'case_sensitive_string',
    });
    await stripe.radar.valueListItems.create({ value_list: strict.id, value: 'ABC' });
    await stripe.radar.valueListItems.create({ value_list: strict.id, value: 'abc' });
    assert.deepEqual(
      (await stripe.radar.valueLists.list({ contains: 'fraud@example.com' })).data.map((l) => l.id),
      [emails.id],
    );
    assert.deepEqual(
      (await stripe.radar.valueLists.list({ contains: 'ABC' })).data.map((l) => l.id),
      [strict.id],
    );
    assert.equal((await stripe.radar.valueLists.list({ contains: 'Abc' })).data.length, 0);

    const gone = await stripe.radar.valueListItems.del(item.id);
    assert.deepEqual(gone, { id: item.id, object: 'radar.value_list_item', deleted: true });
    assert.deepEqual(
      (await stripe.radar.valueLists.retrieve(emails.id)).list_items.data.map((i) => i.id),
      [second.id],
    );
    await expectError(stripe.radar.valueListItems.retrieve(item.id), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
    });

    // Deleting the list deletes its items.
    await stripe.radar.valueLists.del(emails.id);
    await expectError(stripe.radar.valueListItems.retrieve(second.id), Stripe.errors.StripeInvalidRequestError, {
      statusCode: 404,
    });
  });

  it('rejects values that do not suit the item type', async () => {
    const { stripe } = newAccount(server);
    const cases: [Stripe.Radar.ValueListCreateParams.ItemType, string, string][] = [
      ['ip_address', '10.0.0.1', '10.0.0.300'],
      ['card_bin', '424242', '42424x'],
      ['country', 'US', 'USA'],
      ['customer_id', 'cus_123', 'customer'],
    ];
    for (const [type, good, bad] of cases) {
      const list = await stripe.radar.valueLists.create({ alias: `l_${type}`, name: type, item_type: type });
      await stripe.radar.valueListItems.create({ value_list: list.id, value: good });
      await expectInvalid(stripe.radar.valueListItems.create({ value_list: list.id, value: bad }), { param: 'value' });
    }
  });
});

describe('on the wire', () => {
  it('list envelopes, the deleted value list body, unknown parameters', async () => {
    const { key, stripe } = newAccount(server);
    const pi = await pay(stripe, { payment_method: 'pm_card_riskLevelElevated' });
    const reviews = await http(server, 'GET', '/v1/reviews?limit=1', { key });
    assert.equal(reviews.status, 200);
    assert.equal(reviews.json.object, 'list');
    assert.equal(reviews.json.url, '/v1/reviews');
    assert.equal(reviews.json.data[0].id, pi.review);
    assert.deepEqual(Object.keys(reviews.json.data[0]).slice(0, 2), ['id', 'object']);
    // `open` is what Stripe lists by, not a parameter.
    const open = await http(server, 'GET', '/v1/reviews?open=false', { key });
    assert.equal(open.status, 400);
    assert.equal(open.json.error.code, 'parameter_unknown');

    const created = await http(server, 'POST', '/v1/radar/value_lists', {
      key,
      body: 'alias=wire_list&name=Wire&item_type=email&metadata[a]=b',
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.object, 'radar.value_list');
    assert.equal(created.json.livemode, false);
    const deleted = await http(server, 'DELETE', `/v1/radar/value_lists/${created.json.id}`, { key });
    assert.equal(deleted.status, 200);
    assert.equal(
      deleted.text,
      `${JSON.stringify({ id: created.json.id, object: 'radar.value_list', deleted: true }, null, 2)}\n`,
    );
    const again = await http(server, 'DELETE', `/v1/radar/value_lists/${created.json.id}`, { key });
    assert.equal(again.status, 404);
    assert.equal(again.json.error.code, 'resource_missing');
  });
});
