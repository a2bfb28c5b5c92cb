/**
 * PaymentMethod logic: making card PaymentMethods from details, test tokens (`tok_visa`) and test
 * PaymentMethod ids (`pm_card_visa`, each use of which makes a new `pm_`), attaching and detaching
 * them, and the reuse rules intents apply. The card number is used to derive brand, last4 and
 * fingerprint and then dropped; only the test card's key is kept.
 */
import { fingerprint, paymentMethodCard } from '../../cards/details.js';
import { cardByKey, cardForTestId, cardProfile, normalizeCardNumber, type TestCard } from '../../cards/network.js';
import { validateCard } from '../../cards/validation.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceMissing, type StripeError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { type Loaded, loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { sourceAsCard } from '../../sources/object.js';
import { loadSourceObject, requireChargeable } from '../../sources/service.js';
import type { Reader } from '../../store/store.js';
import { type Card, type CardState, SOURCE } from '../../tokens/object.js';
import { spendToken } from '../../tokens/service.js';
import { declinedError } from '../authorization.js';
import {
  type BillingDetails,
  PAYMENT_METHOD,
  PAYMENT_METHOD_LABEL,
  type PaymentMethod,
  type PaymentMethodState,
  paymentMethodFields,
} from './object.js';
import type { createPaymentMethodParams, paymentMethodDataShape, updatePaymentMethodParams } from './params.js';

type AddressInput = { [K in 'city' | 'country' | 'line1' | 'line2' | 'postal_code' | 'state']?: string | null };
type BillingInput = {
  address?: AddressInput | null;
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  tax_id?: string | null;
};
/** `payment_method_data` on intents and the body of `POST /v1/payment_methods` share this shape. */
export type PaymentMethodData = {
  [K in keyof typeof paymentMethodDataShape]?: ReturnType<(typeof paymentMethodDataShape)[K]['parse']> | null;
};
type CreateInput = ReturnType<typeof createPaymentMethodParams.parse>;
type UpdateInput = ReturnType<typeof updatePaymentMethodParams.parse>;

export type LoadedPaymentMethod = Loaded<PaymentMethod, PaymentMethodState>;

function billingDetails(current: BillingDetails | undefined, input: BillingInput | null | undefined): BillingDetails {
  const base: BillingDetails = current ?? {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  };
  if (!input) return base;
  const pick = <T>(next: T | null | undefined, old: T | null) => (next === undefined ? old : next);
  const a = input.address;
  return {
    address: a
      ? {
          city: pick(a.city, base.address.city),
          country: pick(a.country, base.address.country),
          line1: pick(a.line1, base.address.line1),
          line2: pick(a.line2, base.address.line2),
          postal_code: pick(a.postal_code, base.address.postal_code),
          state: pick(a.state, base.address.state),
        }
      : base.address,
    email: pick(input.email, base.email),
    name: pick(input.name, base.name),
    phone: pick(input.phone, base.phone),
    tax_id: pick(input.tax_id, base.tax_id),
  };
}

/** Test cards made from tokens and `pm_card_*` ids expire at the end of next year's December. */
function testExpiry(now: number): { exp_month: number; exp_year: number } {
  return { exp_month: 12, exp_year: new Date(now * 1000).getUTCFullYear() + 1 };
}

interface CardSource {
  card: TestCard;
  /** The number, only while this request runs (for the fingerprint). */
  number: string;
  exp_month: number;
  exp_year: number;
  cvcProvided: boolean;
}

function unknownToken(id: string, param: string): StripeError {
  return resourceMissing('token', id, param);
}

/** The card behind `card[...]`: a token, or raw details checked like Stripe checks them. */
function cardSource(input: NonNullable<PaymentMethodData['card']>, now: number, param: string): CardSource {
  if (input.token) {
    const card = cardForTestId(input.token);
    if (!card || !input.token.startsWith('tok_')) throw unknownToken(input.token, `${param}[token]`);
    return { card, number: card.number, ...testExpiry(now), cvcProvided: false };
  }
  if (!input.number)
    throw invalidRequest(`Missing required param: ${param}[number].`, {
      code: 'parameter_missing',
      param: `${param}[number]`,
    });
  if (input.exp_month == null)
    throw invalidRequest(`Missing required param: ${param}[exp_month].`, {
      code: 'parameter_missing',
      param: `${param}[exp_month]`,
    });
  if (input.exp_year == null)
    throw invalidRequest(`Missing required param: ${param}[exp_year].`, {
      code: 'parameter_missing',
      param: `${param}[exp_year]`,
    });
  const number = normalizeCardNumber(input.number);
  const expYear = input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year;
  validateCard(
    { number, exp_month: input.exp_month, exp_year: expYear, ...(input.cvc ? { cvc: input.cvc } : {}) },
    now,
  );
  return { card: cardProfile(number), number, exp_month: input.exp_month, exp_year: expYear, cvcProvided: !!input.cvc };
}

async function insertCardPaymentMethod(
  ctx: MutationContext,
  source: CardSource,
  extra: {
    billing?: BillingInput | null;
    metadata?: Record<string, string> | null;
    allowRedisplay?: PaymentMethod['allow_redisplay'] | null;
  },
): Promise<LoadedPaymentMethod> {
  const billing = billingDetails(undefined, extra.billing);
  const pm = sortFields<PaymentMethod>({
    id: newId('pm', 24),
    object: 'payment_method',
    allow_redisplay: extra.allowRedisplay ?? 'unspecified',
    billing_details: billing,
    card: paymentMethodCard({
      card: source.card,
      last4: source.number.slice(-4),
      exp_month: source.exp_month,
      exp_year: source.exp_year,
      fingerprint: fingerprint(ctx.account.id, source.number),
      cvcProvided: source.cvcProvided,
      addressProvided: { line1: !!billing.address.line1, postal_code: !!billing.address.postal_code },
    }),
    created: ctx.clock.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: applyMetadata({}, extra.metadata),
    type: 'card',
  });
  const state: PaymentMethodState = { card: source.card.key };
  await saveObject(ctx.tx, ctx.account.id, PAYMENT_METHOD, pm, { fields: paymentMethodFields(pm), internal: state });
  return { object: pm, internal: state };
}

function requireCardType(type: string | null | undefined, param: string): void {
  if (type !== 'card') {
    throw invalidRequest(
      `Sandbank supports PaymentMethods of type \`card\` only so far; \`${type}\` is not available yet.`,
      { param },
    );
  }
}

/** A new card PaymentMethod from `payment_method_data`-shaped input (also `POST /v1/payment_methods`). */
export async function createFromData(
  ctx: MutationContext,
  data: PaymentMethodData,
  param = 'card',
): Promise<LoadedPaymentMethod> {
  requireCardType(data.type, param === 'card' ? 'type' : param.replace(/\[card\]$/, '[type]'));
  if (!data.card) {
    throw invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  }
  const token = data.card.token;
  if (token?.startsWith('tok_') && !cardForTestId(token)) {
    // A token made by `POST /v1/tokens` (Stripe.js `createToken`): spent into this PaymentMethod.
    const spent = await spendToken(ctx, token, `${param}[token]`);
    if (spent.kind !== 'card') throw unknownToken(token, `${param}[token]`);
    return createFromLegacyCard(ctx, spent.card, spent.state, data);
  }
  const source = cardSource(data.card, ctx.clock.now(), param);
  return insertCardPaymentMethod(ctx, source, {
    billing: data.billing_details ?? null,
    metadata: data.metadata ?? null,
    allowRedisplay: data.allow_redisplay ?? null,
  });
}

export async function createPaymentMethod(ctx: MutationContext, input: CreateInput): Promise<PaymentMethod> {
  if (input.payment_method || input.customer) {
    throw invalidRequest('Cloning PaymentMethods needs Connect, which Sandbank does not support yet.', {
      param: input.payment_method ? 'payment_method' : 'customer',
    });
  }
  if (!input.type) throw invalidRequest('Missing required param: type.', { code: 'parameter_missing', param: 'type' });
  const made = await createFromData(ctx, { ...input, type: input.type });
  return made.object;
}

/**
 * A customer's legacy card (`card_…`, a source) seen as a card PaymentMethod, as Stripe lets a card
 * id stand wherever a PaymentMethod id goes. It is a view: nothing is written back to the card
 * (see `savePaymentMethod`).
 */
async function legacyCardAsPaymentMethod(
  ctx: MutationContext,
  id: string,
  param: string,
): Promise<LoadedPaymentMethod> {
  const { object: card, internal } = await loadObject<Card, CardState>(ctx.tx, ctx.account.id, id, SOURCE, {
    label: PAYMENT_METHOD_LABEL,
    param,
  });
  return { object: paymentMethodView(card, internal, ctx.clock.now()), internal: { card: internal.card } };
}

/**
 * A card Source (`src_…`) seen as a card PaymentMethod, as Stripe accepts a source wherever a
 * PaymentMethod id goes; one that is no longer chargeable is refused as the Charges API refuses it.
 */
async function sourceAsPaymentMethod(ctx: MutationContext, id: string, param: string): Promise<LoadedPaymentMethod> {
  const loaded = await loadSourceObject(ctx, id, param);
  const source = loaded.object;
  requireChargeable(source, param);
  return {
    object: paymentMethodView(sourceAsCard(source), loaded.internal, source.created),
    internal: { card: loaded.internal.card },
  };
}

function paymentMethodView(card: Card, state: CardState, created: number): PaymentMethod {
  const test = cardByKey(state.card);
  if (!test) throw new Error(`card ${card.id} has no test card`);
  return sortFields<PaymentMethod>({
    id: card.id,
    object: 'payment_method',
    allow_redisplay: card.allow_redisplay ?? 'unspecified',
    billing_details: cardBillingDetails(card),
    card: legacyCardDetails(card, test),
    created,
    customer: card.customer,
    customer_account: null,
    livemode: false,
    metadata: { ...card.metadata },
    type: 'card',
  });
}

/**
 * A new card PaymentMethod for a token's card (`source=tok_…` on a PaymentIntent): the token's card
 * details, with a PaymentMethod id of its own.
 */
export async function createFromLegacyCard(
  ctx: MutationContext,
  card: Card,
  state: CardState,
  extra: Pick<PaymentMethodData, 'billing_details' | 'metadata' | 'allow_redisplay'> = {},
): Promise<LoadedPaymentMethod> {
  const pm = paymentMethodView(card, state, ctx.clock.now());
  pm.id = newId('pm', 24);
  pm.customer = null;
  pm.metadata = applyMetadata({}, extra.metadata);
  if (extra.billing_details) pm.billing_details = billingDetails(pm.billing_details, extra.billing_details);
  if (extra.allow_redisplay) pm.allow_redisplay = extra.allow_redisplay;
  const internal: PaymentMethodState = { card: state.card };
  await saveObject(ctx.tx, ctx.account.id, PAYMENT_METHOD, pm, { fields: paymentMethodFields(pm), internal });
  return { object: pm, internal };
}

/** Loads a PaymentMethod, or makes a fresh one when `id` is a test id such as `pm_card_visa` or `tok_visa`. */
export async function loadOrMaterialize(ctx: MutationContext, id: string, param: string): Promise<LoadedPaymentMethod> {
  if (id.startsWith('card_')) return legacyCardAsPaymentMethod(ctx, id, param);
  if (id.startsWith('src_')) return sourceAsPaymentMethod(ctx, id, param);
  const test = cardForTestId(id);
  if (test)
    return insertCardPaymentMethod(
      ctx,
      { card: test, number: test.number, ...testExpiry(ctx.clock.now()), cvcProvided: false },
      {},
    );
  return loadObject<PaymentMethod, PaymentMethodState>(ctx.tx, ctx.account.id, id, PAYMENT_METHOD, {
    label: PAYMENT_METHOD_LABEL,
    param,
    forUpdate: true,
  });
}

export function reuseRefused(): StripeError {
  return invalidRequest(
    'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
    { param: 'payment_method' },
  );
}

/**
 * A PaymentMethod an intent may use: not consumed, and owned by the intent's customer if by anyone
 * (Stripe's messages for each mismatch). `intent` names the intent kind in messages.
 */
export async function usablePaymentMethod(
  ctx: MutationContext,
  id: string,
  opts: { customer: string | null; param: string; intent: 'PaymentIntent' | 'SetupIntent' },
): Promise<LoadedPaymentMethod> {
  const loaded = await loadOrMaterialize(ctx, id, opts.param);
  const pm = loaded.object;
  if (loaded.internal.consumed) throw reuseRefused();
  if (pm.customer && opts.customer && pm.customer !== opts.customer) {
    throw invalidRequest(
      `The PaymentMethod ${pm.id} does not belong to the Customer you supplied ${opts.customer}. Please use this PaymentMethod with the Customer that it belongs to instead.`,
      { param: opts.param },
    );
  }
  if (pm.customer && !opts.customer) {
    throw invalidRequest(
      `The payment method supplied (${pm.id}) belongs to the Customer ${pm.customer}. Please include the Customer in the \`customer\` parameter on the ${opts.intent}.`,
      { param: opts.param },
    );
  }
  return loaded;
}

async function savePaymentMethod(ctx: MutationContext, loaded: LoadedPaymentMethod): Promise<void> {
  // A legacy card or a Source used as a PaymentMethod is a view: it keeps no PaymentMethod state (a
  // Source's own state changes after a payment: see `keepPaymentMethod` in payment-intents/confirm.ts).
  if (loaded.object.id.startsWith('card_') || loaded.object.id.startsWith('src_')) return;
  await saveObject(ctx.tx, ctx.account.id, PAYMENT_METHOD, loaded.object, {
    update: true,
    fields: paymentMethodFields(loaded.object),
    internal: loaded.internal,
  });
}

/** After a payment: a PaymentMethod used without a customer may not be used again. */
export async function consumeIfUnattached(ctx: MutationContext, loaded: LoadedPaymentMethod): Promise<void> {
  if (loaded.object.customer || loaded.internal.consumed) return;
  loaded.internal.consumed = true;
  await savePaymentMethod(ctx, loaded);
}

/** Marks a PaymentMethod as authenticated for off-session use (after a setup). */
export async function markSetUpForOffSession(ctx: MutationContext, loaded: LoadedPaymentMethod): Promise<void> {
  if (loaded.internal.setUpForOffSession) return;
  loaded.internal.setUpForOffSession = true;
  await savePaymentMethod(ctx, loaded);
}

/** The issuer check attaching runs: cards that decline everything refuse to be attached. */
export function attachCheck(loaded: LoadedPaymentMethod, card: TestCard | undefined): void {
  const decline = card?.behaviour.attachDeclines ? card.behaviour.decline : undefined;
  if (decline) throw declinedError(decline, { extra: { payment_method: loaded.object } });
}

/** Attaches to `customer` (a no-op when already attached to it), emitting `payment_method.attached`. */
export async function attachTo(
  ctx: MutationContext,
  loaded: LoadedPaymentMethod,
  customer: string,
  card: TestCard | undefined,
): Promise<PaymentMethod> {
  const pm = loaded.object;
  if (pm.customer === customer) return pm;
  if (pm.customer) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', {
      param: 'payment_method',
    });
  }
  if (loaded.internal.consumed) throw reuseRefused();
  attachCheck(loaded, card);
  pm.customer = customer;
  await savePaymentMethod(ctx, loaded);
  await emitEvent(ctx, 'payment_method.attached', pm);
  return pm;
}

async function requireCustomer(reader: Reader, account: string, id: string, param: string): Promise<void> {
  await loadObject(reader, account, id, CUSTOMER, { param });
}

export async function attachPaymentMethod(
  ctx: MutationContext,
  id: string,
  input: { customer?: string | null; customer_account?: string | null },
): Promise<PaymentMethod> {
  if (!input.customer) {
    throw invalidRequest('Missing required param: customer.', { code: 'parameter_missing', param: 'customer' });
  }
  await requireCustomer(ctx.tx, ctx.account.id, input.customer, 'customer');
  const loaded = await loadOrMaterialize(ctx, id, 'id');
  return attachTo(ctx, loaded, input.customer, cardByKey(loaded.internal.card));
}

export async function detachPaymentMethod(ctx: MutationContext, id: string): Promise<PaymentMethod> {
  if (id.startsWith('card_') || id.startsWith('src_')) {
    throw invalidRequest(
      "This is a customer's card (a legacy source): delete it with DELETE /v1/customers/:customer/sources/:id instead.",
      { param: 'id' },
    );
  }
  const loaded = await loadOrMaterialize(ctx, id, 'id');
  const pm = loaded.object;
  if (!pm.customer) {
    throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.');
  }
  const before = pm.customer;
  pm.customer = null;
  // A detached PaymentMethod cannot be used again, as Stripe's docs say.
  loaded.internal.consumed = true;
  await savePaymentMethod(ctx, loaded);
  await clearDefaultIfDetached(ctx, before, pm.id);
  await emitEvent(ctx, 'payment_method.detached', pm, { ...pm, customer: before });
  return pm;
}

/** A customer whose default PaymentMethod is detached has no default any more. */
async function clearDefaultIfDetached(ctx: MutationContext, customerId: string, pmId: string): Promise<void> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, customerId);
  if (!row || row.deleted) return;
  const customer = JSON.parse(row.json) as { invoice_settings: { default_payment_method: string | null } };
  if (customer.invoice_settings.default_payment_method !== pmId) return;
  const before = structuredClone(customer);
  customer.invoice_settings.default_payment_method = null;
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id: customerId,
    type: CUSTOMER,
    created: row.created,
    data: customer,
  });
  await emitEvent(ctx, 'customer.updated', customer as unknown as { id: string; object: string }, before);
}

export async function updatePaymentMethod(
  ctx: MutationContext,
  id: string,
  input: UpdateInput,
): Promise<PaymentMethod> {
  const loaded = await loadObject<PaymentMethod, PaymentMethodState>(ctx.tx, ctx.account.id, id, PAYMENT_METHOD, {
    label: PAYMENT_METHOD_LABEL,
    forUpdate: true,
  });
  const pm = loaded.object;
  const before = structuredClone(pm);
  pm.billing_details = billingDetails(pm.billing_details, input.billing_details);
  if (input.card?.exp_month != null) pm.card.exp_month = input.card.exp_month;
  if (input.card?.exp_year != null) pm.card.exp_year = input.card.exp_year;
  if (input.allow_redisplay) pm.allow_redisplay = input.allow_redisplay;
  pm.metadata = applyMetadata(pm.metadata, input.metadata);
  await savePaymentMethod(ctx, loaded);
  await emitEvent(ctx, 'payment_method.updated', pm, before);
  return pm;
}

/** A legacy card's name and address as a PaymentMethod's (and its charges') billing details. */
export function cardBillingDetails(card: Card): BillingDetails {
  return billingDetails(undefined, {
    name: card.name,
    address: {
      city: card.address_city,
      country: card.address_country,
      line1: card.address_line1,
      line2: card.address_line2,
      postal_code: card.address_zip,
      state: card.address_state,
    },
  });
}

/** A legacy card (`card_`, a token's card) as a PaymentMethod's `card` sub-object. */
export function legacyCardDetails(card: Card, test: TestCard): ReturnType<typeof paymentMethodCard> {
  return paymentMethodCard({
    card: test,
    last4: card.last4,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    fingerprint: card.fingerprint ?? '',
    cvcProvided: card.cvc_check !== null,
    addressProvided: { line1: !!card.address_line1, postal_code: !!card.address_zip },
  });
}
