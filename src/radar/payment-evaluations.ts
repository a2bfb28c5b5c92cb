/**
 * Radar payment evaluations (`POST /v1/radar/payment_evaluations`): Radar's fraud signal for a
 * payment another processor will make, asked for before authorisation. The card is a tokenised
 * PaymentMethod of the account (or a `pm_card_…` test id), and its signal comes from the card
 * network table's Radar behaviour, the same risk level and score a Stripe charge on that card gets:
 * `highest` for the blocking test cards, `elevated` for the elevated-risk ones, `normal` otherwise.
 *
 * Only `fraudulent_payment` is provided, as by default on Stripe (`fraudulent_dispute` and
 * `early_fraud_warning` need access Stripe grants on request, so they are null), and
 * `recommended_action` follows its risk level: `block` at `highest`, `continue` below. The
 * evaluation starts with no `events` and no `outcome` (Stripe's report endpoints add them; they
 * are not in the SDK yet).
 */
import { cardByKey } from '../cards/network.js';
import { CUSTOMER } from '../customers/object.js';
import { addressParam } from '../customers/params.js';
import { requireCurrency } from '../money/currencies.js';
import { radarRiskScore } from '../payments/charges/service.js';
import { loadOrMaterialize } from '../payments/payment-methods/service.js';
import { newId } from '../platform/ids.js';
import { expandParam } from '../platform/list.js';
import { applyMetadata } from '../platform/metadata.js';
import { loadObject } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';
import { p, params } from '../platform/params.js';

export const PAYMENT_EVALUATION = 'radar.payment_evaluation';

const PAYMENT_METHOD_PARAM = 'payment_details[payment_method_details][payment_method]';

/** `Radar.PaymentEvaluationCreateParams`. */
export const createPaymentEvaluationParams = params({
  client_device_metadata_details: p.hash({ radar_session: p.string({ required: true }) }),
  customer_details: p.hash(
    {
      customer: p.string(),
      customer_account: p.string(),
      email: p.string(),
      name: p.string(),
      phone: p.string(),
    },
    { required: true },
  ),
  expand: expandParam,
  metadata: p.stringMap(),
  payment_details: p.hash(
    {
      amount: p.integer({ required: true, min: 1 }),
      currency: p.string({ required: true }),
      description: p.string(),
      money_movement_details: p.hash({
        card: p.hash({
          customer_presence: p.enum(['off_session', 'on_session']),
          payment_type: p.enum(['one_off', 'recurring', 'setup_one_off', 'setup_recurring']),
        }),
        money_movement_type: p.enum(['card'], { required: true }),
      }),
      payment_method_details: p.hash(
        {
          billing_details: p.hash({
            address: addressParam,
            email: p.string(),
            name: p.string(),
            phone: p.string(),
          }),
          payment_method: p.string({ required: true }),
        },
        { required: true },
      ),
      shipping_details: p.hash({ address: addressParam, name: p.string(), phone: p.string() }),
      statement_descriptor: p.string({ maxLength: 22 }),
    },
    { required: true },
  ),
});

type CreateInput = ReturnType<typeof createPaymentEvaluationParams.parse>;
type AddressInput = { [K in keyof Address]?: string | null } | null | undefined;

interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

type RiskLevel = 'normal' | 'elevated' | 'highest';

export interface PaymentEvaluation {
  id: string;
  object: typeof PAYMENT_EVALUATION;
  client_device_metadata_details?: { radar_session: string };
  created_at: number;
  customer_details: {
    customer: string | null;
    customer_account: string | null;
    email: string | null;
    name: string | null;
    phone: string | null;
  };
  events: never[];
  livemode: false;
  metadata: Record<string, string>;
  outcome: null;
  payment_details: {
    amount: number;
    currency: string;
    description: string | null;
    money_movement_details: {
      card: { customer_presence: string | null; payment_type: string | null } | null;
      money_movement_type: 'card';
    } | null;
    payment_method_details: {
      billing_details: { address: Address; email: string | null; name: string | null; phone: string | null } | null;
      payment_method: string;
    };
    shipping_details: { address: Address; name: string | null; phone: string | null } | null;
    statement_descriptor: string | null;
  };
  recommended_action: 'block' | 'continue';
  signals: {
    early_fraud_warning: null;
    fraudulent_dispute: null;
    fraudulent_payment: { evaluated_at: number; risk_level: RiskLevel; score: number };
  };
}

function address(a: AddressInput): Address {
  return {
    city: a?.city ?? null,
    country: a?.country ?? null,
    line1: a?.line1 ?? null,
    line2: a?.line2 ?? null,
    postal_code: a?.postal_code ?? null,
    state: a?.state ?? null,
  };
}

/** Evaluates the payment and stores the evaluation (it has no retrieve endpoint yet, but an id). */
export async function createPaymentEvaluation(ctx: MutationContext, input: CreateInput): Promise<PaymentEvaluation> {
  const details = input.payment_details;
  const currency = requireCurrency(details.currency, 'payment_details[currency]').code;
  const customer = input.customer_details;
  if (customer.customer) {
    await loadObject(ctx.tx, ctx.account.id, customer.customer, CUSTOMER, { param: 'customer_details[customer]' });
  }
  const pm = await loadOrMaterialize(ctx, details.payment_method_details.payment_method, PAYMENT_METHOD_PARAM);
  const card = cardByKey(pm.internal.card);
  if (!card) throw new Error(`payment method ${pm.object.id} has no card`);
  const level: RiskLevel = card.behaviour.risk?.level ?? 'normal';
  const now = ctx.clock.now();
  const billing = details.payment_method_details.billing_details;
  const movement = details.money_movement_details;
  const shipping = details.shipping_details;
  const evaluation: PaymentEvaluation = {
    id: newId('payeval', 24),
    object: PAYMENT_EVALUATION,
    ...(input.client_device_metadata_details
      ? { client_device_metadata_details: { radar_session: input.client_device_metadata_details.radar_session } }
      : {}),
    created_at: now,
    customer_details: {
      customer: customer.customer ?? null,
      customer_account: customer.customer_account ?? null,
      email: customer.email ?? null,
      name: customer.name ?? null,
      phone: customer.phone ?? null,
    },
    events: [],
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    outcome: null,
    payment_details: {
      amount: details.amount,
      currency,
      description: details.description ?? null,
      money_movement_details: movement
        ? {
            card: movement.card
              ? {
                  customer_presence: movement.card.customer_presence ?? null,
                  payment_type: movement.card.payment_type ?? null,
                }
              : null,
            money_movement_type: movement.money_movement_type,
          }
        : null,
      payment_method_details: {
        billing_details: billing
          ? {
              address: address(billing.address),
              email: billing.email ?? null,
              name: billing.name ?? null,
              phone: billing.phone ?? null,
            }
          : null,
        payment_method: pm.object.id,
      },
      shipping_details: shipping
        ? { address: address(shipping.address), name: shipping.name ?? null, phone: shipping.phone ?? null }
        : null,
      statement_descriptor: details.statement_descriptor ?? null,
    },
    recommended_action: level === 'highest' ? 'block' : 'continue',
    signals: {
      early_fraud_warning: null,
      fraudulent_dispute: null,
      fraudulent_payment: { evaluated_at: now, risk_level: level, score: radarRiskScore(card) },
    },
  };
  await ctx.tx.insertObject({
    account: ctx.account.id,
    id: evaluation.id,
    type: PAYMENT_EVALUATION,
    created: now,
    data: evaluation,
  });
  return evaluation;
}
