/**
 * The Charge object: one attempt to move money from a card, created by confirming a PaymentIntent or
 * directly through the legacy Charges API (`POST /v1/charges`, with a token or a customer's card).
 */
import type { ChargeCard } from '../../cards/details.js';
import { type Address, toAddress } from '../../customers/object.js';
import { registerExpandable } from '../../platform/expand.js';
import type { SearchableResource } from '../../platform/search.js';
import type { Source } from '../../sources/object.js';
import type { Card } from '../../tokens/object.js';
import type { BillingDetails } from '../payment-methods/object.js';

export const CHARGE = 'charge';

export interface Outcome {
  advice_code: string | null;
  network_advice_code: string | null;
  network_decline_code: string | null;
  network_status: string | null;
  reason: string | null;
  risk_level: string;
  risk_score: number;
  seller_message: string | null;
  type: string;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  calculated_statement_descriptor: string | null;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, string>;
  livemode: false;
  metadata: Record<string, string>;
  on_behalf_of: null;
  outcome: Outcome | null;
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  payment_method_details: { card: ChargeCard; type: 'card' } | null;
  radar_options: Record<string, never>;
  receipt_email: string | null;
  receipt_number: string | null;
  receipt_url: string | null;
  refunded: boolean;
  /** The Radar review the payment was placed in (radar/reviews.ts). */
  review: string | null;
  shipping: unknown;
  /** The legacy card or card Source charged (`POST /v1/charges`, or a PaymentIntent paid with one); else null. */
  source: Card | Source | null;
  source_transfer: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  transfer_data: null;
  transfer_group: string | null;
}

/** Server-only state: the test card the charge was made with (its behaviour drives refunds and disputes). */
export interface ChargeState {
  card: string;
  /** An uncaptured legacy charge released after its capture window (it can no longer be captured). */
  expired?: boolean;
}

export interface ChargeShipping {
  address: Address;
  carrier: string | null;
  name: string;
  phone: string | null;
  tracking_number: string | null;
}

type ShippingInput = {
  address: { [K in keyof Address]?: string | null };
  carrier?: string | null;
  name: string;
  phone?: string | null;
  tracking_number?: string | null;
};

/** `shipping` as Stripe renders it: every field present, null where not given. */
export function toChargeShipping(s: ShippingInput | null | undefined): ChargeShipping | null {
  if (!s) return null;
  return {
    address: toAddress(s.address) as Address,
    carrier: s.carrier ?? null,
    name: s.name,
    phone: s.phone ?? null,
    tracking_number: s.tracking_number ?? null,
  };
}

export const chargeFields = (c: Charge) => ({ customer: c.customer, payment_intent: c.payment_intent });

// `disputed` and `refunded` (booleans) are not searchable yet: the two stores extract JSON booleans differently.
export const chargeSearch: SearchableResource = {
  resource: 'charges',
  metadata: true,
  fields: {
    amount: { kind: 'numeric', target: { json: ['amount'], numeric: true } },
    created: { kind: 'numeric', target: { column: 'created' } },
    currency: { kind: 'token', target: { json: ['currency'], numeric: false } },
    customer: { kind: 'token', target: { json: ['customer'], numeric: false } },
    payment_method_details_card_last4: {
      kind: 'token',
      target: { json: ['payment_method_details', 'card', 'last4'], numeric: false },
    },
    payment_intent: { kind: 'token', target: { json: ['payment_intent'], numeric: false } },
    status: { kind: 'token', target: { json: ['status'], numeric: false } },
  },
};

registerExpandable(CHARGE, 'balance_transaction', { kind: 'reference', to: 'balance_transaction' });
registerExpandable(CHARGE, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(CHARGE, 'payment_intent', { kind: 'reference', to: 'payment_intent' });
registerExpandable(CHARGE, 'failure_balance_transaction', { kind: 'reference', to: 'balance_transaction' });
// Not included since 2022-11-15 ("no longer auto-expands refunds"), but still expandable.
registerExpandable(CHARGE, 'refunds', {
  kind: 'includable',
  resolve: async (c, source) => {
    const page = await source.list('refund', { charge: String(c.id) }, 10);
    return { object: 'list', data: page.data, has_more: page.has_more, url: `/v1/charges/${c.id}/refunds` };
  },
});
