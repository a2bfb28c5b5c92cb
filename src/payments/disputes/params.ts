/** Parameters of the Dispute endpoints, as the current `stripe` package's types declare them. */
import { addressParam } from '../../customers/params.js';
import { expandParam, listParams } from '../../platform/list.js';
import { type Field, p, params } from '../../platform/params.js';
import { EVIDENCE_FIELDS, type EvidenceField } from './object.js';

/** Stripe caps each evidence text at 20,000 characters (150,000 across all of them). */
const evidenceText = p.string({ maxLength: 20_000 });

const compellingEvidenceTransaction = {
  customer_account_id: p.string(),
  customer_device_fingerprint: p.string(),
  customer_device_id: p.string(),
  customer_email_address: p.string(),
  customer_purchase_ip: p.string(),
  product_description: evidenceText,
  shipping_address: addressParam,
};

const enhancedEvidenceParam = p.hash({
  mastercard_compliance: p.hash({ fee_acknowledged: p.boolean() }),
  visa_compelling_evidence_3: p.hash({
    disputed_transaction: p.hash({
      ...compellingEvidenceTransaction,
      merchandise_or_services: p.enum(['merchandise', 'services']),
    }),
    prior_undisputed_transactions: p.array(
      p.hash({ charge: p.string({ required: true }), ...compellingEvidenceTransaction }),
    ),
  }),
  visa_compliance: p.hash({ fee_acknowledged: p.boolean() }),
});

const appealParam = p.hash({
  card: p.hash({ reason_for_filing: p.string(), supporting_files: p.array(p.string()) }),
});

const textFields = Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, evidenceText])) as Record<
  EvidenceField,
  Field<string>
>;

const evidenceParam = p.hash(
  { ...textFields, appeal: appealParam, enhanced_evidence: enhancedEvidenceParam },
  // `evidence=` would not say which field to clear.
  { emptyable: false },
);

export const updateDisputeParams = params({
  evidence: evidenceParam,
  expand: expandParam,
  intended_submission_method: p.enum(['manual', 'prefer_manual', 'prefer_smart_disputes', 'smart_disputes']),
  metadata: p.stringMap(),
  submit: p.boolean(),
});

export const retrieveDisputeParams = params({ expand: expandParam });

export const closeDisputeParams = params({ expand: expandParam });

export const listDisputesParams = params({
  ...listParams,
  charge: p.string(),
  created: p.range(),
  payment_intent: p.string(),
});
