/**
 * Disputes end to end through the official SDK: the dispute test cards open a chargeback (funds and
 * the dispute fee withdrawn) or an inquiry (nothing withdrawn); the magic evidence wins, loses or
 * escalates; closing accepts the loss; closed disputes refuse changes; an unanswered dispute is lost
 * when its due date passes; events, balance transactions, lists, expansion and the refund refusal
 * on a charged-back charge.
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

interface Account {
  key: string;
  stripe: Stripe;
}

function account(): Account {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

/** Moves the server clock forward and runs every job that became due. */
async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

interface EventRow {
  type: string;
  data: { object: { id: string; status?: string }; previous_attributes?: Record<string, unknown> };
}

/** The account's events, oldest first. */
async function events(key: string): Promise<EventRow[]> {
  const res = await http(server, 'GET', '/sandbank/v1/account', { key });
  const page = await server.app.store.listEvents({ account: res.json.id, limit: 100 });
  return page.rows.map((row) => JSON.parse(row.json) as EventRow).reverse();
}

async function disputeEvents(key: string): Promise<string[]> {
  return (await events(key)).map((e) => e.type).filter((t) => t.startsWith('charge.dispute.'));
}

function checkDispute(d: Stripe.Dispute): Stripe.Dispute {
  assertShape(d, 'Dispute', 'dispute');
  assert.match(d.id, /^dp_[0-9A-Za-z]{24}$/);
  for (const txn of d.balance_transactions) assertShape(txn, 'BalanceTransaction', 'balance_transaction');
  return d;
}

/** Pays with a dispute test card and returns the dispute the network opens right after. */
async function disputed(a: Account, pm: string, amount = 5000) {
  const pi = await a.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: pm,
    confirm: true,
    capture_method: 'automatic',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  assert.equal(pi.status, 'succeeded');
  const charge = pi.latest_charge as string;
  await advance(a.key, 0);
  const list = await a.stripe.disputes.list({ charge });
  assert.equal(list.data.length, 1, 'one dispute per charge');
  return { pi, charge, dispute: checkDispute(list.data[0] as Stripe.Dispute) };
}

describe('disputes: opening', () => {
  it('pm_card_createDispute: a chargeback withdraws the amount and the dispute fee', async () => {
    const a = account();
    const { pi, charge, dispute } = await disputed(a, 'pm_card_createDispute');
    assert.equal(dispute.object, 'dispute');
    assert.equal(dispute.amount, 5000);
    assert.equal(dispute.currency, 'usd');
    assert.equal(dispute.charge, charge);
    assert.equal(dispute.payment_intent, pi.id);
    assert.equal(dispute.reason, 'fraudulent');
    assert.equal(dispute.status, 'needs_response');
    assert.equal(dispute.is_charge_refundable, false);
    assert.equal(dispute.livemode, false);
    assert.equal(dispute.evidence.uncategorized_text, null);
    assert.equal(dispute.evidence_details.has_evidence, false);
    assert.equal(dispute.evidence_details.past_due, false);
    assert.equal(dispute.evidence_details.submission_count, 0);
    assert.ok((dispute.evidence_details.due_by ?? 0) > dispute.created + 6 * 86_400);
    assert.equal(dispute.payment_method_details?.card?.case_type, 'chargeback');
    assert.equal(dispute.payment_method_details?.card?.brand, 'visa');

    assert.equal(dispute.balance_transactions.length, 1);
    const txn = dispute.balance_transactions[0] as Stripe.BalanceTransaction;
    assert.equal(txn.type, 'adjustment');
    assert.equal(txn.reporting_category, 'dispute');
    assert.equal(txn.amount, -5000);
    assert.equal(txn.fee, 1500);
    assert.equal(txn.net, -6500);
    assert.equal(txn.fee_details[0]?.description, 'Dispute fee');
    assert.equal(txn.fee_details[0]?.type, 'stripe_fee');
    assert.equal(txn.source, dispute.id);
    assert.equal(txn.status, 'available');
    assert.equal(txn.description, `Chargeback withdrawal for ${charge}`);
    const stored = await a.stripe.balanceTransactions.retrieve(txn.id);
    assert.equal(stored.net, -6500);

    assert.equal((await a.stripe.charges.retrieve(charge)).disputed, true);
    assert.deepEqual(await disputeEvents(a.key), ['charge.dispute.created', 'charge.dispute.funds_withdrawn']);

    await expectInvalid(a.stripe.refunds.create({ charge }), {
      code: 'charge_disputed',
      message: `Charge ${charge} has been charged back; cannot issue a refund.`,
    });
  });

  it('pm_card_createDisputeInquiry: an inquiry withdraws nothing and leaves the charge refundable', async () => {
    const a = account();
    const { charge, dispute } = await disputed(a, 'pm_card_createDisputeInquiry');
    assert.equal(dispute.status, 'warning_needs_response');
    assert.equal(dispute.payment_method_details?.card?.case_type, 'inquiry');
    assert.deepEqual(dispute.balance_transactions, []);
    assert.equal(dispute.is_charge_refundable, true);
    assert.deepEqual(await disputeEvents(a.key), ['charge.dispute.created']);
    const refund = await a.stripe.refunds.create({ charge, amount: 100 });
    assert.equal(refund.status, 'succeeded');
  });

  it('other dispute cards: their reason, and the dispute opens once', async () => {
    const a = account();
    const { dispute } = await disputed(a, 'pm_card_createDisputeProductNotReceived');
    assert.equal(dispute.reason, 'product_not_received');
    assert.equal(dispute.network_reason_code, '13.1');
    const multiple = await disputed(a, 'pm_card_createMultipleDisputes');
    assert.equal(multiple.dispute.status, 'needs_response');
    await advance(a.key, 0);
    assert.equal((await a.stripe.disputes.list({ charge: multiple.charge })).data.length, 1);
  });

  it('an ordinary card is never disputed', async () => {
    const a = account();
    await a.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    await advance(a.key, 0);
    assert.deepEqual((await a.stripe.disputes.list()).data, []);
  });
});

describe('disputes: evidence and outcomes', () => {
  it('winning_evidence: under review, then won with the amount reinstated (the fee is kept)', async () => {
    const a = account();
    const { charge, dispute } = await disputed(a, 'pm_card_createDispute');
    const submitted = checkDispute(
      await a.stripe.disputes.update(dispute.id, {
        evidence: { uncategorized_text: 'winning_evidence', customer_name: 'Jenny Rosen' },
        metadata: { case: '7' },
      }),
    );
    assert.equal(submitted.status, 'under_review');
    assert.equal(submitted.evidence.uncategorized_text, 'winning_evidence');
    assert.equal(submitted.evidence.customer_name, 'Jenny Rosen');
    assert.equal(submitted.evidence_details.has_evidence, true);
    assert.equal(submitted.evidence_details.submission_count, 1);
    assert.deepEqual(submitted.metadata, { case: '7' });

    await advance(a.key, 61);
    const won = checkDispute(await a.stripe.disputes.retrieve(dispute.id));
    assert.equal(won.status, 'won');
    assert.equal(won.balance_transactions.length, 2);
    const reversal = won.balance_transactions[1] as Stripe.BalanceTransaction;
    assert.equal(reversal.type, 'adjustment');
    assert.equal(reversal.reporting_category, 'dispute_reversal');
    assert.equal(reversal.amount, 5000);
    assert.equal(reversal.fee, 0);
    assert.equal(reversal.net, 5000);
    assert.equal(reversal.description, `Chargeback reversal for ${charge}`);
    assert.deepEqual(await disputeEvents(a.key), [
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.updated',
      'charge.dispute.funds_reinstated',
      'charge.dispute.closed',
    ]);
    const closed = (await events(a.key)).at(-1);
    assert.deepEqual(closed?.data.previous_attributes?.status, 'under_review');
  });

  it('losing_evidence: under review, then lost; a closed dispute refuses evidence but keeps metadata', async () => {
    const a = account();
    const { dispute } = await disputed(a, 'pm_card_createDispute');
    const submitted = await a.stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'losing_evidence' },
    });
    assert.equal(submitted.status, 'under_review');
    await advance(a.key, 61);
    const lost = checkDispute(await a.stripe.disputes.retrieve(dispute.id));
    assert.equal(lost.status, 'lost');
    assert.equal(lost.balance_transactions.length, 1);
    assert.deepEqual((await disputeEvents(a.key)).slice(-2), ['charge.dispute.updated', 'charge.dispute.closed']);

    await expectInvalid(
      a.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } }),
      {
        message: 'This dispute is already closed.',
      },
    );
    await expectInvalid(a.stripe.disputes.close(dispute.id), { message: 'This dispute is already closed.' });
    const tagged = await a.stripe.disputes.update(dispute.id, { metadata: { note: 'accepted' } });
    assert.equal(tagged.status, 'lost');
    assert.deepEqual(tagged.metadata, { note: 'accepted' });
  });

  it('submit=false saves evidence without submitting it', async () => {
    const a = account();
    const { dispute } = await disputed(a, 'pm_card_createDispute');
    const saved = checkDispute(
      await a.stripe.disputes.update(dispute.id, { evidence: { product_description: 'A ride' }, submit: false }),
    );
    assert.equal(saved.status, 'needs_response');
    assert.equal(saved.evidence.product_description, 'A ride');
    assert.equal(saved.evidence_details.has_evidence, true);
    assert.equal(saved.evidence_details.submission_count, 0);
    // Other text: under review, with no decision in test mode.
    const submitted = await a.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'see receipt' } });
    assert.equal(submitted.status, 'under_review');
    await advance(a.key, 120);
    assert.equal((await a.stripe.disputes.retrieve(dispute.id)).status, 'under_review');
    // Under review: the evidence is in and cannot change, and the dispute cannot be accepted any more.
    await expectInvalid(a.stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Late' } }), {
      param: 'evidence',
      message: 'This dispute is under review: its evidence has been submitted and can no longer be changed.',
    });
    await expectInvalid(a.stripe.disputes.close(dispute.id), {
      message: 'This dispute is under review and can no longer be closed.',
    });
  });

  it('close accepts the dispute: lost', async () => {
    const a = account();
    const { dispute } = await disputed(a, 'pm_card_createDispute');
    const closed = checkDispute(await a.stripe.disputes.close(dispute.id));
    assert.equal(closed.status, 'lost');
    assert.equal(closed.balance_transactions.length, 1);
    const last = (await events(a.key)).at(-1);
    assert.equal(last?.type, 'charge.dispute.closed');
    assert.deepEqual(last?.data.previous_attributes, { status: 'needs_response' });
  });

  it('inquiries: losing_evidence closes them; escalate_inquiry_evidence makes a chargeback', async () => {
    const a = account();
    const first = await disputed(a, 'pm_card_createDisputeInquiry');
    const reviewing = await a.stripe.disputes.update(first.dispute.id, {
      evidence: { uncategorized_text: 'losing_evidence' },
    });
    assert.equal(reviewing.status, 'warning_under_review');
    await advance(a.key, 61);
    const closed = checkDispute(await a.stripe.disputes.retrieve(first.dispute.id));
    assert.equal(closed.status, 'warning_closed');
    assert.deepEqual(closed.balance_transactions, []);

    const b = account();
    const second = await disputed(b, 'pm_card_createDisputeInquiry');
    await b.stripe.disputes.update(second.dispute.id, {
      evidence: { uncategorized_text: 'escalate_inquiry_evidence' },
    });
    await advance(b.key, 61);
    const escalated = checkDispute(await b.stripe.disputes.retrieve(second.dispute.id));
    assert.equal(escalated.status, 'needs_response');
    assert.equal(escalated.is_charge_refundable, false);
    assert.equal(escalated.payment_method_details?.card?.case_type, 'chargeback');
    assert.equal(escalated.balance_transactions.length, 1);
    assert.equal(escalated.balance_transactions[0]?.amount, -5000);
    assert.equal(escalated.balance_transactions[0]?.fee, 1500);
    assert.deepEqual(await disputeEvents(b.key), [
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.updated',
      'charge.dispute.funds_withdrawn',
    ]);
    // Now a chargeback, it can be won.
    await b.stripe.disputes.update(second.dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    await advance(b.key, 61);
    assert.equal((await b.stripe.disputes.retrieve(second.dispute.id)).status, 'won');

    // Closing an inquiry closes it without a chargeback.
    const third = await disputed(b, 'pm_card_createDisputeInquiry');
    assert.equal((await b.stripe.disputes.close(third.dispute.id)).status, 'warning_closed');
  });
});

describe('disputes: reads', () => {
  it('lists by charge and payment_intent, expands, and answers 404 for unknown ids', async () => {
    const a = account();
    const one = await disputed(a, 'pm_card_createDispute');
    const two = await disputed(a, 'pm_card_createDisputeInquiry');
    assert.deepEqual(
      (await a.stripe.disputes.list()).data.map((d) => d.id),
      [two.dispute.id, one.dispute.id],
    );
    assert.deepEqual(
      (await a.stripe.disputes.list({ payment_intent: one.pi.id })).data.map((d) => d.id),
      [one.dispute.id],
    );
    const expanded = await a.stripe.disputes.retrieve(one.dispute.id, { expand: ['charge', 'payment_intent'] });
    assert.equal((expanded.charge as Stripe.Charge).id, one.charge);
    assert.equal((expanded.charge as Stripe.Charge).disputed, true);
    assert.equal((expanded.payment_intent as Stripe.PaymentIntent).id, one.pi.id);
    await expectInvalid(a.stripe.disputes.retrieve('dp_missing'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such dispute: 'dp_missing'",
    });
    await expectInvalid(account().stripe.disputes.retrieve(one.dispute.id), { statusCode: 404 });
    await expectInvalid(a.stripe.disputes.list({ charge: 'ch_missing' }), { param: 'charge' });
    const raw = await http(server, 'GET', `/v1/disputes/${one.dispute.id}`, { key: a.key });
    assert.equal(raw.status, 200);
  });
});

describe('disputes: due date', () => {
  // A server of its own on an in-memory SQLite store: moving a clock a week ahead would let its
  // scheduler run other test files' jobs early when they share a PostgreSQL database.
  let own: TestServer;
  before(async () => {
    own = await startServer({ db: ':memory:' });
  });
  after(async () => {
    await own?.close();
  });

  it('an unanswered chargeback is lost and an unanswered inquiry closes when the due date passes', async () => {
    const shared = server;
    server = own;
    try {
      await dueDateScenario();
    } finally {
      server = shared;
    }
  });
});

async function dueDateScenario(): Promise<void> {
  {
    const a = account();
    const chargeback = await disputed(a, 'pm_card_createDispute');
    const inquiry = await disputed(a, 'pm_card_createDisputeInquiry');
    const saved = await disputed(a, 'pm_card_createDispute');
    await a.stripe.disputes.update(saved.dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
      submit: false,
    });
    await advance(a.key, 8 * 86_400);
    const lost = await a.stripe.disputes.retrieve(chargeback.dispute.id);
    assert.equal(lost.status, 'lost');
    assert.equal(lost.evidence_details.past_due, true);
    assert.equal((await a.stripe.disputes.retrieve(inquiry.dispute.id)).status, 'warning_closed');
    // Evidence saved but not submitted is submitted at the due date.
    const submitted = await a.stripe.disputes.retrieve(saved.dispute.id);
    assert.equal(submitted.status, 'under_review');
    await advance(a.key, 61);
    assert.equal((await a.stripe.disputes.retrieve(saved.dispute.id)).status, 'won');
  }
}
