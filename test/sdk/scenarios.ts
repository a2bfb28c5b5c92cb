/**
 * The scenarios, written once against Stripe's documented behaviour and run through every client.
 * Parameters are chosen to mean the same in every API version the clients pin (2020-08-27 onwards):
 * `payment_method_types: ['card']` rather than relying on the version's default, and the charge of a
 * PaymentIntent read through `chargeOf`, which knows both `latest_charge` (2022-08-01+) and the older
 * `charges` list.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Json } from './client.js';
import type { Context, Scenario } from './context.js';

const DAY = 86_400;

/** The charge id of a PaymentIntent, in the shape of any API version. */
function chargeOf(pi: Json): string {
  const id =
    typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? pi.charges?.data?.[0]?.id);
  assert.match(String(id), /^ch_/, `${pi.id} has a charge`);
  return id;
}

/** A confirmed card PaymentIntent (2000 usd, automatic capture unless `params` says otherwise). */
function pay(ctx: Context, params: Record<string, unknown> = {}): Promise<Json> {
  return ctx.ok({
    resource: 'paymentIntents',
    method: 'create',
    params: {
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      payment_method_types: ['card'],
      confirm: true,
      ...params,
    },
  });
}

const customers: Scenario = {
  name: 'customers: create, retrieve, update, list, search, delete, metadata, expand',
  async run(ctx) {
    const email = `jenny.${randomUUID().slice(0, 8)}@example.com`;
    const { object: created, headers } = await ctx.okWithHeaders({
      resource: 'customers',
      method: 'create',
      params: { name: 'Jenny Rosen', email, metadata: { plan: 'gold', seats: '3' } },
    });
    assert.match(created.id, /^cus_/);
    assert.equal(created.object, 'customer');
    assert.deepEqual(created.metadata, { plan: 'gold', seats: '3' });
    // The client pinned its version, and the server answered in it.
    assert.equal(headers['stripe-version'], ctx.client.apiVersion);

    const updated = await ctx.ok({
      resource: 'customers',
      method: 'update',
      ids: [created.id],
      params: { description: 'VIP', metadata: { seats: '', region: 'eu' } },
    });
    assert.equal(updated.description, 'VIP');
    assert.deepEqual(updated.metadata, { plan: 'gold', region: 'eu' }, 'an empty value unsets a key');

    const retrieved = await ctx.ok({
      resource: 'customers',
      method: 'retrieve',
      ids: [created.id],
      params: { expand: ['invoice_settings.default_payment_method'] },
    });
    assert.equal(retrieved.email, email);
    assert.equal(retrieved.invoice_settings.default_payment_method, null);

    const listed = await ctx.ok({ resource: 'customers', method: 'list', params: { email, limit: 10 } });
    assert.equal(listed.object, 'list');
    assert.deepEqual(
      listed.data.map((c: Json) => c.id),
      [created.id],
    );

    const found = await ctx.ok({
      resource: 'customers',
      method: 'search',
      params: { query: `email:'${email}' AND metadata['plan']:'gold'` },
    });
    assert.equal(found.object, 'search_result');
    assert.deepEqual(
      found.data.map((c: Json) => c.id),
      [created.id],
    );

    const deleted = await ctx.ok({ resource: 'customers', method: 'del', ids: [created.id] });
    assert.deepEqual(deleted, { id: created.id, object: 'customer', deleted: true });
    const missing = await ctx.fails({ resource: 'customers', method: 'update', ids: ['cus_nope'], params: {} }, 404);
    assert.equal(missing.error.code, 'resource_missing');
    assert.equal(missing.error.param, 'id');
    assert.equal(missing.sdkClass, ctx.client.errorClasses.invalidRequest);
  },
};

const sourcesAndTaxIds: Scenario = {
  name: 'customers with sources (cards and the Sources API) and tax IDs',
  async run(ctx) {
    const customer = await ctx.ok({ resource: 'customers', method: 'create', params: { name: 'Sourced' } });
    const card = await ctx.ok({
      resource: 'customers',
      method: 'createSource',
      ids: [customer.id],
      params: { source: 'tok_visa' },
    });
    assert.match(card.id, /^card_/);
    assert.equal(card.object, 'card');
    assert.equal(card.customer, customer.id);
    assert.equal(card.brand, 'Visa');
    assert.equal(card.last4, '4242');
    const withDefault = await ctx.ok({ resource: 'customers', method: 'retrieve', ids: [customer.id] });
    assert.equal(withDefault.default_source, card.id, 'the first source becomes the default');
    const sources = await ctx.ok({
      resource: 'customers',
      method: 'listSources',
      ids: [customer.id],
      params: { object: 'card' },
    });
    assert.deepEqual(
      sources.data.map((s: Json) => s.id),
      [card.id],
    );
    const removed = await ctx.ok({ resource: 'customers', method: 'deleteSource', ids: [customer.id, card.id] });
    assert.equal(removed.deleted, true);

    // The Sources API: a reusable card Source, attached to the customer and charged there.
    const source = await ctx.ok({ resource: 'sources', method: 'create', params: { type: 'card', token: 'tok_visa' } });
    assert.match(source.id, /^src_/);
    assert.equal(source.status, 'chargeable');
    assert.equal(source.card.last4, '4242');
    await ctx.ok({ resource: 'customers', method: 'createSource', ids: [customer.id], params: { source: source.id } });
    const charged = await ctx.ok({
      resource: 'charges',
      method: 'create',
      params: { amount: 1500, currency: 'usd', customer: customer.id, source: source.id },
    });
    assert.equal(charged.status, 'succeeded');
    assert.equal(charged.source.id, source.id);
    const fetchedSource = await ctx.ok({ resource: 'sources', method: 'retrieve', ids: [source.id] });
    assert.equal(fetchedSource.customer, customer.id);

    const taxId = await ctx.ok({
      resource: 'customers',
      method: 'createTaxId',
      ids: [customer.id],
      params: { type: 'eu_vat', value: 'DE123456789' },
    });
    assert.match(taxId.id, /^txi_/);
    assert.equal(taxId.object, 'tax_id');
    assert.equal(taxId.type, 'eu_vat');
    assert.equal(taxId.country, 'DE');
    const taxIds = await ctx.ok({ resource: 'customers', method: 'listTaxIds', ids: [customer.id] });
    assert.deepEqual(
      taxIds.data.map((t: Json) => t.id),
      [taxId.id],
    );
    const deletedTaxId = await ctx.ok({ resource: 'customers', method: 'deleteTaxId', ids: [customer.id, taxId.id] });
    assert.deepEqual(deletedTaxId, { id: taxId.id, object: 'tax_id', deleted: true });
  },
};

const legacyCharges: Scenario = {
  name: 'tokens and legacy charges: source, capture=false then capture, decline',
  async run(ctx) {
    const token = await ctx.ok({
      resource: 'tokens',
      method: 'create',
      params: { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } },
    });
    assert.match(token.id, /^tok_/);
    assert.equal(token.card.last4, '4242');

    const charge = await ctx.ok({
      resource: 'charges',
      method: 'create',
      params: { amount: 2000, currency: 'usd', source: token.id, description: 'legacy' },
    });
    assert.match(charge.id, /^ch_/);
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.captured, true);
    assert.equal(charge.payment_intent, null, 'a charge made directly has no PaymentIntent');

    const held = await ctx.ok({
      resource: 'charges',
      method: 'create',
      params: { amount: 2000, currency: 'usd', source: 'tok_visa', capture: false },
    });
    assert.equal(held.captured, false);
    assert.equal(held.status, 'succeeded');
    const captured = await ctx.ok({ resource: 'charges', method: 'capture', ids: [held.id], params: { amount: 1500 } });
    assert.equal(captured.captured, true);
    assert.equal(captured.amount_captured, 1500);
    assert.equal(captured.amount_refunded, 500, 'the uncaptured rest is refunded');

    const declined = await ctx.fails(
      {
        resource: 'charges',
        method: 'create',
        params: { amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' },
      },
      402,
      ctx.client.errorClasses.card,
    );
    assert.equal(declined.error.type, 'card_error');
    assert.equal(declined.error.code, 'card_declined');
    assert.equal(declined.error.decline_code, 'generic_decline');
    assert.match(String(declined.error.charge), /^ch_/);
    const failed = await ctx.ok({ resource: 'charges', method: 'retrieve', ids: [declined.error.charge] });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failure_code, 'card_declined');
  },
};

const paymentIntents: Scenario = {
  name: 'PaymentIntents: 3-D Secure, manual capture, cancel and declines',
  async run(ctx) {
    const pending = await pay(ctx, { payment_method: 'pm_card_threeDSecure2Required' });
    assert.match(pending.id, /^pi_/);
    assert.equal(pending.status, 'requires_action');
    assert.equal(pending.next_action.type, 'use_stripe_sdk');
    await ctx.helper(`/sandbank/v1/payment_intents/${pending.id}/authenticate`, 'outcome=complete');
    const done = await ctx.ok({ resource: 'paymentIntents', method: 'retrieve', ids: [pending.id] });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.amount_received, 2000);
    const charge = await ctx.ok({ resource: 'charges', method: 'retrieve', ids: [chargeOf(done)] });
    assert.equal(charge.payment_method_details.card.three_d_secure.result, 'authenticated');

    const manual = await pay(ctx, { capture_method: 'manual' });
    assert.equal(manual.status, 'requires_capture');
    const captured = await ctx.ok({
      resource: 'paymentIntents',
      method: 'capture',
      ids: [manual.id],
      params: { amount_to_capture: 1500 },
    });
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 1500);

    const unconfirmed = await ctx.ok({
      resource: 'paymentIntents',
      method: 'create',
      params: { amount: 1000, currency: 'eur', payment_method_types: ['card'] },
    });
    assert.equal(unconfirmed.status, 'requires_payment_method');
    const canceled = await ctx.ok({
      resource: 'paymentIntents',
      method: 'cancel',
      ids: [unconfirmed.id],
      params: { cancellation_reason: 'abandoned' },
    });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'abandoned');

    const declined = await ctx.fails(
      {
        resource: 'paymentIntents',
        method: 'create',
        params: {
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds',
          payment_method_types: ['card'],
          confirm: true,
        },
      },
      402,
      ctx.client.errorClasses.card,
    );
    assert.equal(declined.error.type, 'card_error');
    assert.equal(declined.error.code, 'card_declined');
    assert.equal(declined.error.decline_code, 'insufficient_funds');
    assert.equal(declined.error.payment_intent.status, 'requires_payment_method');
    assert.equal(declined.error.payment_intent.last_payment_error.decline_code, 'insufficient_funds');

    const authFailed = await pay(ctx, { payment_method: 'pm_card_authenticationRequired' });
    const failed = await ctx.helper(`/sandbank/v1/payment_intents/${authFailed.id}/authenticate`, 'outcome=fail');
    assert.equal(failed.status, 'requires_payment_method');
    const retried = await ctx.ok({
      resource: 'paymentIntents',
      method: 'confirm',
      ids: [authFailed.id],
      params: { payment_method: 'pm_card_visa' },
    });
    assert.equal(retried.status, 'succeeded');
  },
};

const setupIntents: Scenario = {
  name: 'SetupIntents: save a card, authenticate, cancel',
  async run(ctx) {
    const customer = await ctx.ok({ resource: 'customers', method: 'create', params: {} });
    const si = await ctx.ok({
      resource: 'setupIntents',
      method: 'create',
      params: { customer: customer.id, payment_method: 'pm_card_visa', payment_method_types: ['card'], confirm: true },
    });
    assert.match(si.id, /^seti_/);
    assert.equal(si.status, 'succeeded');
    const saved = await ctx.ok({
      resource: 'paymentMethods',
      method: 'list',
      params: { customer: customer.id, type: 'card' },
    });
    assert.deepEqual(
      saved.data.map((pm: Json) => pm.id),
      [si.payment_method],
    );

    const challenged = await ctx.ok({
      resource: 'setupIntents',
      method: 'create',
      params: {
        customer: customer.id,
        payment_method: 'pm_card_authenticationRequiredOnSetup',
        payment_method_types: ['card'],
        confirm: true,
        return_url: 'https://shop.example/return',
      },
    });
    assert.equal(challenged.status, 'requires_action');
    assert.equal(challenged.next_action.type, 'redirect_to_url');
    await ctx.helper(`/sandbank/v1/setup_intents/${challenged.id}/authenticate`, 'outcome=complete');
    const done = await ctx.ok({ resource: 'setupIntents', method: 'retrieve', ids: [challenged.id] });
    assert.equal(done.status, 'succeeded');

    const idle = await ctx.ok({
      resource: 'setupIntents',
      method: 'create',
      params: { payment_method_types: ['card'] },
    });
    assert.equal(idle.status, 'requires_payment_method');
    const canceled = await ctx.ok({ resource: 'setupIntents', method: 'cancel', ids: [idle.id] });
    assert.equal(canceled.status, 'canceled');
  },
};

const refunds: Scenario = {
  name: 'refunds: partial, full, list, update, over-refund refused',
  async run(ctx) {
    const pi = await pay(ctx);
    const partial = await ctx.ok({
      resource: 'refunds',
      method: 'create',
      params: { payment_intent: pi.id, amount: 500, reason: 'requested_by_customer' },
    });
    assert.match(partial.id, /^re_/);
    assert.equal(partial.status, 'succeeded');
    assert.equal(partial.charge, chargeOf(pi));
    const rest = await ctx.ok({ resource: 'refunds', method: 'create', params: { charge: chargeOf(pi) } });
    assert.equal(rest.amount, 1500);
    const charge = await ctx.ok({ resource: 'charges', method: 'retrieve', ids: [chargeOf(pi)] });
    assert.equal(charge.refunded, true);
    assert.equal(charge.amount_refunded, 2000);
    const listed = await ctx.ok({ resource: 'refunds', method: 'list', params: { payment_intent: pi.id } });
    assert.deepEqual(
      listed.data.map((r: Json) => r.id),
      [rest.id, partial.id],
    );
    const tagged = await ctx.ok({
      resource: 'refunds',
      method: 'update',
      ids: [partial.id],
      params: { metadata: { ticket: 'T-1' } },
    });
    assert.deepEqual(tagged.metadata, { ticket: 'T-1' });
    const over = await ctx.fails(
      { resource: 'refunds', method: 'create', params: { payment_intent: pi.id } },
      400,
      ctx.client.errorClasses.invalidRequest,
    );
    assert.equal(over.error.type, 'invalid_request_error');
    assert.equal(over.error.code, 'charge_already_refunded');
  },
};

/** Pays with the dispute test card and returns the dispute the network opens. */
async function disputed(ctx: Context): Promise<{ pi: Json; dispute: Json }> {
  const pi = await pay(ctx, { payment_method: 'pm_card_createDispute', amount: 5000 });
  await ctx.advance(0);
  const list = await ctx.ok({ resource: 'disputes', method: 'list', params: { charge: chargeOf(pi) } });
  assert.equal(list.data.length, 1);
  return { pi, dispute: list.data[0] };
}

const disputes: Scenario = {
  name: 'disputes: evidence wins, close accepts the loss',
  async run(ctx) {
    const { dispute } = await disputed(ctx);
    assert.match(dispute.id, /^dp_/);
    assert.equal(dispute.status, 'needs_response');
    const submitted = await ctx.ok({
      resource: 'disputes',
      method: 'update',
      ids: [dispute.id],
      params: { evidence: { uncategorized_text: 'winning_evidence', customer_name: 'Jenny Rosen' } },
    });
    assert.equal(submitted.status, 'under_review');
    await ctx.advance(61);
    const won = await ctx.ok({
      resource: 'disputes',
      method: 'retrieve',
      ids: [dispute.id],
      params: { expand: ['charge'] },
    });
    assert.equal(won.status, 'won');
    assert.equal(won.charge.object, 'charge');

    const second = await disputed(ctx);
    const closed = await ctx.ok({ resource: 'disputes', method: 'close', ids: [second.dispute.id] });
    assert.equal(closed.status, 'lost');
  },
};

const disputeFiles: Scenario = {
  name: 'disputes with file evidence (files.create upload)',
  async run(ctx) {
    const { dispute } = await disputed(ctx);
    const pdf = Buffer.from('%PDF-1.4\n% receipt\n%%EOF\n');
    const file = await ctx.upload(
      { purpose: 'dispute_evidence' },
      { name: 'receipt.pdf', type: 'application/pdf', data: pdf },
    );
    assert.match(file.id, /^file_/);
    assert.equal(file.object, 'file');
    assert.equal(file.purpose, 'dispute_evidence');
    assert.equal(file.filename, 'receipt.pdf');
    assert.equal(file.size, pdf.length);
    assert.equal(file.type, 'pdf');
    const withFile = await ctx.ok({
      resource: 'disputes',
      method: 'update',
      ids: [dispute.id],
      params: { evidence: { receipt: file.id, uncategorized_text: 'losing_evidence' } },
    });
    assert.equal(withFile.evidence.receipt, file.id);
    const fetched = await ctx.ok({ resource: 'files', method: 'retrieve', ids: [file.id] });
    assert.equal(fetched.id, file.id);
  },
};

const balanceAndPayouts: Scenario = {
  name: 'balance, balance transactions and payouts',
  async run(ctx) {
    const pi = await pay(ctx, { amount: 10000 });
    const pending = await ctx.ok({ resource: 'balance', method: 'retrieve' });
    assert.equal(pending.object, 'balance');
    assert.deepEqual(
      pending.pending.map((b: Json) => [b.currency, b.amount]),
      [['usd', 9680]],
    );
    const txns = await ctx.ok({
      resource: 'balanceTransactions',
      method: 'list',
      params: { type: 'charge', expand: ['data.source'] },
    });
    assert.equal(txns.data.length, 1);
    const [txn] = txns.data;
    assert.match(txn.id, /^txn_/);
    assert.equal(txn.amount, 10000);
    assert.equal(txn.fee, 320);
    assert.equal(txn.net, 9680);
    assert.equal(txn.source.id, chargeOf(pi));
    const one = await ctx.ok({ resource: 'balanceTransactions', method: 'retrieve', ids: [txn.id] });
    assert.equal(one.status, 'pending');

    await ctx.advance(3 * DAY);
    const available = await ctx.ok({ resource: 'balance', method: 'retrieve' });
    assert.equal(available.available.find((b: Json) => b.currency === 'usd')?.amount, 9680);

    const payout = await ctx.ok({ resource: 'payouts', method: 'create', params: { amount: 1000, currency: 'usd' } });
    assert.match(payout.id, /^po_/);
    assert.equal(payout.status, 'pending');
    const listed = await ctx.ok({ resource: 'payouts', method: 'list', params: { limit: 5 } });
    assert.deepEqual(
      listed.data.map((p: Json) => p.id),
      [payout.id],
    );
    const canceled = await ctx.ok({ resource: 'payouts', method: 'cancel', ids: [payout.id] });
    assert.equal(canceled.status, 'canceled');
    const tooMuch = await ctx.fails(
      { resource: 'payouts', method: 'create', params: { amount: 1_000_000, currency: 'usd' } },
      400,
    );
    assert.equal(tooMuch.error.code, 'balance_insufficient');
  },
};

const events: Scenario = {
  name: 'events: list by type, retrieve',
  async run(ctx) {
    const customer = await ctx.ok({ resource: 'customers', method: 'create', params: { name: 'Evented' } });
    await ctx.ok({ resource: 'customers', method: 'update', ids: [customer.id], params: { name: 'Renamed' } });
    const created = await ctx.ok({ resource: 'events', method: 'list', params: { type: 'customer.created' } });
    assert.equal(created.data.length, 1);
    const [event] = created.data;
    assert.match(event.id, /^evt_/);
    assert.equal(event.data.object.id, customer.id);
    const updated = await ctx.ok({ resource: 'events', method: 'list', params: { type: 'customer.*' } });
    assert.deepEqual(
      updated.data.map((e: Json) => e.type),
      ['customer.updated', 'customer.created'],
    );
    assert.deepEqual(updated.data[0].data.previous_attributes, { name: 'Evented' });
    const one = await ctx.ok({ resource: 'events', method: 'retrieve', ids: [event.id] });
    assert.equal(one.type, 'customer.created');
    assert.equal(one.data.object.name, 'Evented');
  },
};

const webhooks: Scenario = {
  name: 'webhooks: endpoint, delivery, signature verified by the SDK',
  async run(ctx) {
    const receiver = await ctx.receiver();
    const endpoint = await ctx.ok({
      resource: 'webhookEndpoints',
      method: 'create',
      // Pinned to the client's version, as Stripe advises: events are otherwise rendered in the
      // account's default version, whatever version the SDK that reads them pins.
      params: {
        url: receiver.url,
        enabled_events: ['customer.created', 'payment_intent.succeeded'],
        api_version: ctx.client.apiVersion,
      },
    });
    assert.match(endpoint.id, /^we_/);
    assert.equal(endpoint.api_version, ctx.client.apiVersion);
    assert.match(endpoint.secret, /^whsec_/);
    const customer = await ctx.ok({ resource: 'customers', method: 'create', params: { name: 'Hooked' } });
    const pi = await pay(ctx, { customer: customer.id });

    const delivered = await ctx.waitFor(
      () => `two deliveries (got ${receiver.received.map((r) => JSON.parse(r.body).type).join(', ') || 'none'})`,
      () => receiver.received.length >= 2 && receiver.received,
      20_000,
    );
    const types = [];
    for (const { body, signature } of delivered) {
      const verified = await ctx.client.constructEvent(body, signature, endpoint.secret);
      assert.ok(verified.ok, `the SDK accepts the signature: ${JSON.stringify(!verified.ok && verified.error)}`);
      ctx.record('webhook delivery (constructEvent)', verified.object);
      types.push(verified.object.type);
      if (verified.object.type === 'payment_intent.succeeded') assert.equal(verified.object.data.object.id, pi.id);
    }
    assert.deepEqual(types.sort(), ['customer.created', 'payment_intent.succeeded']);

    const [first] = delivered;
    assert.ok(first);
    const tampered = await ctx.client.constructEvent(
      first.body.replace('"livemode"', '"livemode" '),
      first.signature,
      endpoint.secret,
    );
    assert.ok(
      !tampered.ok && tampered.error.sdkClass === ctx.client.errorClasses.signature,
      'a changed body is refused',
    );
    const otherSecret = await ctx.client.constructEvent(first.body, first.signature, 'whsec_not_the_secret');
    assert.ok(
      !otherSecret.ok && otherSecret.error.sdkClass === ctx.client.errorClasses.signature,
      'another secret is refused',
    );
  },
};

const pagination: Scenario = {
  name: 'pagination: starting_after, ending_before, auto-pagination',
  async run(ctx) {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift((await ctx.ok({ resource: 'customers', method: 'create', params: { name: `c${i}` } })).id);
    }
    const first = await ctx.ok({ resource: 'customers', method: 'list', params: { limit: 2 } });
    assert.equal(first.has_more, true);
    assert.deepEqual(
      first.data.map((c: Json) => c.id),
      ids.slice(0, 2),
    );
    const second = await ctx.ok({
      resource: 'customers',
      method: 'list',
      params: { limit: 2, starting_after: first.data[1].id },
    });
    assert.deepEqual(
      second.data.map((c: Json) => c.id),
      ids.slice(2, 4),
    );
    const back = await ctx.ok({
      resource: 'customers',
      method: 'list',
      params: { limit: 2, ending_before: second.data[0].id },
    });
    assert.deepEqual(
      back.data.map((c: Json) => c.id),
      ids.slice(0, 2),
    );
    const everything = await ctx.all({ resource: 'customers', method: 'list', params: { limit: 2 } });
    assert.deepEqual(
      everything.map((c: Json) => c.id),
      ids,
    );
  },
};

const search: Scenario = {
  name: 'search: customers and PaymentIntents, next_page, auto-pagination',
  async run(ctx) {
    const tag = randomUUID().slice(0, 8);
    for (let i = 0; i < 3; i++) {
      await ctx.ok({ resource: 'customers', method: 'create', params: { name: `s${i}`, metadata: { batch: tag } } });
    }
    const page = await ctx.ok({
      resource: 'customers',
      method: 'search',
      params: { query: `metadata['batch']:'${tag}'`, limit: 2 },
    });
    assert.equal(page.data.length, 2);
    assert.equal(page.has_more, true);
    assert.equal(typeof page.next_page, 'string');
    const rest = await ctx.ok({
      resource: 'customers',
      method: 'search',
      params: { query: `metadata['batch']:'${tag}'`, limit: 2, page: page.next_page },
    });
    assert.equal(rest.data.length, 1);
    assert.equal(rest.has_more, false);
    const all = await ctx.all({
      resource: 'customers',
      method: 'search',
      params: { query: `metadata['batch']:'${tag}'`, limit: 1 },
    });
    assert.equal(new Set(all.map((c: Json) => c.id)).size, 3);

    const pi = await pay(ctx, { metadata: { order: tag } });
    const found = await ctx.ok({
      resource: 'paymentIntents',
      method: 'search',
      params: { query: `status:'succeeded' AND metadata['order']:'${tag}'` },
    });
    assert.deepEqual(
      found.data.map((p: Json) => p.id),
      [pi.id],
    );
    const bad = await ctx.fails({ resource: 'customers', method: 'search', params: { query: 'nonsense!!' } }, 400);
    assert.equal(bad.error.type, 'invalid_request_error');
  },
};

const expand: Scenario = {
  name: 'expand: on create, retrieve and list',
  async run(ctx) {
    const customer = await ctx.ok({ resource: 'customers', method: 'create', params: { email: 'x@example.com' } });
    const pi = await pay(ctx, { customer: customer.id, expand: ['customer', 'payment_method'] });
    assert.equal(pi.customer.id, customer.id);
    assert.equal(pi.customer.object, 'customer');
    assert.equal(pi.payment_method.object, 'payment_method');
    const charge = await ctx.ok({
      resource: 'charges',
      method: 'retrieve',
      ids: [chargeOf(pi)],
      params: { expand: ['balance_transaction', 'customer'] },
    });
    assert.equal(charge.balance_transaction.object, 'balance_transaction');
    assert.equal(charge.customer.email, 'x@example.com');
    const listed = await ctx.ok({
      resource: 'paymentIntents',
      method: 'list',
      params: { customer: customer.id, expand: ['data.customer'] },
    });
    assert.equal(listed.data[0].customer.id, customer.id);
    const bad = await ctx.fails(
      { resource: 'customers', method: 'retrieve', ids: [customer.id], params: { expand: ['nothing_here'] } },
      400,
    );
    assert.match(bad.error.message, /cannot be expanded \(nothing_here\)/);
  },
};

const idempotency: Scenario = {
  name: 'idempotency: replay and mismatch',
  async run(ctx) {
    const idempotencyKey = `sdk-${randomUUID()}`;
    const first = await ctx.okWithHeaders({
      resource: 'customers',
      method: 'create',
      params: { name: 'Once' },
      options: { idempotencyKey },
    });
    const again = await ctx.okWithHeaders({
      resource: 'customers',
      method: 'create',
      params: { name: 'Once' },
      options: { idempotencyKey },
    });
    assert.equal(again.object.id, first.object.id);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers['original-request'], first.headers['request-id']);
    const mismatch = await ctx.fails(
      { resource: 'customers', method: 'create', params: { name: 'Twice' }, options: { idempotencyKey } },
      400,
      ctx.client.errorClasses.idempotency,
    );
    assert.equal(mismatch.error.type, 'idempotency_error');
    const list = await ctx.ok({ resource: 'customers', method: 'list', params: {} });
    assert.equal(list.data.length, 1);

    // A per-request version override reaches the server.
    const { headers } = await ctx.okWithHeaders({
      resource: 'customers',
      method: 'retrieve',
      ids: [first.object.id],
      options: { apiVersion: '2024-06-20' },
    });
    assert.equal(headers['stripe-version'], '2024-06-20');
  },
};

const billing: Scenario = {
  name: 'billing: a product, a monthly price, a customer with a card, a subscription, its first invoice paid',
  async run(ctx) {
    const product = await ctx.ok({ resource: 'products', method: 'create', params: { name: 'Gold plan' } });
    assert.match(product.id, /^prod_/);
    const price = await ctx.ok({
      resource: 'prices',
      method: 'create',
      params: { product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } },
    });
    assert.match(price.id, /^price_/);
    assert.equal(price.recurring.interval, 'month');
    // `payment_method` attaches the card and makes it the invoices' default in one request.
    const customer = await ctx.ok({
      resource: 'customers',
      method: 'create',
      params: { payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } },
    });
    const subscription = await ctx.ok({
      resource: 'subscriptions',
      method: 'create',
      params: { customer: customer.id, items: [{ price: price.id }] },
    });
    assert.match(subscription.id, /^sub_/);
    assert.equal(subscription.status, 'active');
    // The billing period: on the subscription before 2025-03-31.basil, on its items since.
    const item = subscription.items.data[0];
    const periodEnd = subscription.current_period_end ?? item.current_period_end;
    assert.equal(typeof periodEnd, 'number');
    assert.ok(periodEnd > subscription.start_date);

    const invoice = await ctx.ok({ resource: 'invoices', method: 'retrieve', ids: [subscription.latest_invoice] });
    assert.match(invoice.id, /^in_/);
    assert.equal(invoice.status, 'paid');
    assert.equal(invoice.amount_paid, 1500);
    assert.equal(invoice.billing_reason, 'subscription_create');
    if (ctx.client.apiVersion < '2025-03-31') {
      // The fields older integrations read.
      assert.equal(invoice.paid, true);
      assert.equal(invoice.subscription, subscription.id);
      const intent = await ctx.ok({ resource: 'paymentIntents', method: 'retrieve', ids: [invoice.payment_intent] });
      assert.equal(intent.status, 'succeeded');
      assert.equal(intent.amount, 1500);
    } else {
      assert.equal(invoice.parent.subscription_details.subscription, subscription.id);
    }
  },
};

export const SCENARIOS: readonly Scenario[] = [
  customers,
  sourcesAndTaxIds,
  legacyCharges,
  paymentIntents,
  setupIntents,
  refunds,
  disputes,
  disputeFiles,
  balanceAndPayouts,
  events,
  webhooks,
  pagination,
  search,
  expand,
  idempotency,
  billing,
];
