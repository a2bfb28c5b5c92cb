/**
 * Dispute evidence that names files: every file-typed evidence field of the SDK's
 * `DisputeUpdateParams.Evidence` (and an appeal's supporting files) must name a file this account
 * uploaded with purpose `dispute_evidence`, within Stripe's 5 MB for one dispute's files together;
 * refused updates change nothing; accepted files count as evidence and are submitted as usual.
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

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('png')]);

/** The file-typed evidence fields, as the SDK's types mark them ("ID of a file upload"). */
const FILE_FIELDS = [
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
] as const;

interface Account {
  key: string;
  stripe: Stripe;
}

function account(): Account {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

/** Pays with a dispute test card and returns the dispute the network opens right after. */
async function disputed(a: Account, pm = 'pm_card_createDispute'): Promise<Stripe.Dispute> {
  const pi = await a.stripe.paymentIntents.create({
    amount: 5000,
    currency: 'usd',
    payment_method: pm,
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  await advance(a.key, 0);
  const list = await a.stripe.disputes.list({ charge: pi.latest_charge as string });
  assert.equal(list.data.length, 1);
  return list.data[0] as Stripe.Dispute;
}

async function upload(a: Account, purpose: Stripe.FileCreateParams.Purpose = 'dispute_evidence', data = PDF) {
  return a.stripe.files.create({ purpose, file: { data, name: 'evidence.pdf', type: 'application/octet-stream' } });
}

describe('dispute evidence files', () => {
  it('accepts a dispute_evidence file in every file-typed evidence field', async () => {
    const a = account();
    const dispute = await disputed(a);
    const evidence: Record<string, string> = {};
    for (const field of FILE_FIELDS) evidence[field] = (await upload(a)).id;
    const updated = await a.stripe.disputes.update(dispute.id, { evidence, submit: false });
    assertShape(updated, 'Dispute', 'dispute');
    for (const field of FILE_FIELDS) assert.equal(updated.evidence[field], evidence[field], field);
    assert.equal(updated.evidence_details.has_evidence, true);
    assert.equal(updated.status, 'needs_response', 'saved, not submitted');
    assert.equal(updated.evidence_details.submission_count, 0);
  });

  it('a file alone is evidence: submitted, the dispute goes under review', async () => {
    const a = account();
    const dispute = await disputed(a);
    const receipt = await upload(a, 'dispute_evidence', PNG);
    const submitted = await a.stripe.disputes.update(dispute.id, { evidence: { receipt: receipt.id } });
    assert.equal(submitted.status, 'under_review');
    assert.equal(submitted.evidence.receipt, receipt.id);
    assert.equal(submitted.evidence_details.has_evidence, true);
    assert.equal(submitted.evidence_details.submission_count, 1);
  });

  it("refuses an unknown file, another account's file and a file of another purpose, changing nothing", async () => {
    const a = account();
    const dispute = await disputed(a);
    await expectInvalid(a.stripe.disputes.update(dispute.id, { evidence: { receipt: 'file_nope' } }), {
      code: 'resource_missing',
      param: 'evidence[receipt]',
      message: "No such file upload: 'file_nope'",
    });
    const foreign = await upload(account());
    await expectInvalid(a.stripe.disputes.update(dispute.id, { evidence: { uncategorized_file: foreign.id } }), {
      code: 'resource_missing',
      param: 'evidence[uncategorized_file]',
      message: `No such file upload: '${foreign.id}'`,
    });
    const logo = await upload(a, 'business_logo', PNG);
    await expectInvalid(a.stripe.disputes.update(dispute.id, { evidence: { customer_signature: logo.id } }), {
      param: 'evidence[customer_signature]',
      message: `The file ${logo.id} has purpose business_logo, but dispute evidence must be a file uploaded with purpose dispute_evidence.`,
    });
    // Text and a bad file in one update: the whole update is refused.
    await expectInvalid(
      a.stripe.disputes.update(dispute.id, {
        evidence: { uncategorized_text: 'winning_evidence', shipping_documentation: 'file_nope' },
      }),
      { param: 'evidence[shipping_documentation]' },
    );
    const unchanged = await a.stripe.disputes.retrieve(dispute.id);
    assert.deepEqual(unchanged.evidence, dispute.evidence);
    assert.equal(unchanged.evidence_details.has_evidence, false);
    assert.equal(unchanged.status, 'needs_response');
  });

  it("checks an appeal's supporting files the same way", async () => {
    const a = account();
    const dispute = await disputed(a);
    const good = await upload(a);
    const bad = await upload(a, 'identity_document', PNG);
    await expectInvalid(
      a.stripe.disputes.update(dispute.id, {
        evidence: { appeal: { card: { supporting_files: [good.id, bad.id] } } },
        submit: false,
      }),
      { param: 'evidence[appeal][card][supporting_files][1]' },
    );
    const saved = await a.stripe.disputes.update(dispute.id, {
      evidence: { appeal: { card: { supporting_files: [good.id] } } },
      submit: false,
    });
    assert.deepEqual(saved.evidence.appeal?.card?.supporting_files, [good.id]);
  });

  it('refuses files that together exceed 5 MB for one dispute; clearing a field makes room', async () => {
    const a = account();
    const dispute = await disputed(a);
    const three = Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
    const first = await upload(a, 'dispute_evidence', three);
    const second = await upload(a, 'dispute_evidence', three);
    await a.stripe.disputes.update(dispute.id, { evidence: { receipt: first.id }, submit: false });
    await expectInvalid(
      a.stripe.disputes.update(dispute.id, { evidence: { refund_policy: second.id }, submit: false }),
      {
        param: 'evidence',
        message:
          "The files you've attached to this dispute as evidence will exceed the limit for a dispute's total size. Try using smaller files as evidence. Hint: if you've attached images, you might want to try providing them in lower resolutions.",
      },
    );
    // The same file twice counts twice: it is sent to the network with each field.
    await expectInvalid(
      a.stripe.disputes.update(dispute.id, { evidence: { refund_policy: first.id }, submit: false }),
      {
        param: 'evidence',
      },
    );
    const swapped = await a.stripe.disputes.update(dispute.id, {
      evidence: { receipt: '', refund_policy: second.id },
      submit: false,
    });
    assert.equal(swapped.evidence.receipt, null);
    assert.equal(swapped.evidence.refund_policy, second.id);
  });

  it('winning text with file evidence still wins', async () => {
    const a = account();
    const dispute = await disputed(a);
    const receipt = await upload(a);
    const submitted = await a.stripe.disputes.update(dispute.id, {
      evidence: { receipt: receipt.id, uncategorized_text: 'winning_evidence' },
    });
    assert.equal(submitted.status, 'under_review');
    await advance(a.key, 60);
    const decided = await a.stripe.disputes.retrieve(dispute.id);
    assert.equal(decided.status, 'won');
    assert.equal(decided.evidence.receipt, receipt.id);
  });
});
