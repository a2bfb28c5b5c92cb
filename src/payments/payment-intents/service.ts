/**
 * PaymentIntent lifecycle outside confirmation: create (and confirm in one call), update, capture,
 * cancel, increment an authorisation. Each action checks the status table first and answers
 * Stripe's `payment_intent_unexpected_state` when it does not allow the move.
 */
import { availableOnAfter, recordBalanceTransaction } from '../../balance/transactions.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { checkChargeAmount, requireCurrency } from '../../money/currencies.js';
import { cardProcessingFee } from '../../money/pricing.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { closeReviewOf } from '../../radar/reviews.js';
import { type IntentDefaults, LATEST_INTENT_DEFAULTS } from '../../versions/requests.js';
import type { Charge } from '../charges/object.js';
import { afterCapture, loadCharge, saveCharge } from '../charges/service.js';
import { createFromData, usablePaymentMethod } from '../payment-methods/service.js';
import { applyAmountDetails } from './amount-details.js';
import { MAX_CAPTURES, maximumCapturable, withCaptureOptions } from './capture-features.js';
import {
  type ConfirmInput,
  confirmIntent,
  finishAuthentication,
  type LoadedIntent,
  paymentMethodFromSource,
  saveIntent,
} from './confirm.js';
import {
  ALLOWED_FROM,
  lockedFieldError,
  PAYMENT_INTENT,
  type PaymentIntent,
  type PaymentIntentState,
  requireStatus,
  transition,
  unexpectedState,
} from './object.js';
import type {
  cancelPaymentIntentParams,
  capturePaymentIntentParams,
  createPaymentIntentParams,
  incrementAuthorizationParams,
  updatePaymentIntentParams,
} from './params.js';

type CreateInput = ReturnType<typeof createPaymentIntentParams.parse>;
type UpdateInput = ReturnType<typeof updatePaymentIntentParams.parse>;
type CaptureInput = ReturnType<typeof capturePaymentIntentParams.parse>;
type CancelInput = ReturnType<typeof cancelPaymentIntentParams.parse>;
type IncrementInput = ReturnType<typeof incrementAuthorizationParams.parse>;

/** Sandbank's card network carries cards only; other types arrive with the local payment methods. */
const SUPPORTED_TYPES = ['card'];

function checkPaymentMethodTypes(types: string[], param = 'payment_method_types'): void {
  for (const type of types) {
    if (!SUPPORTED_TYPES.includes(type)) {
      throw invalidRequest(
        `The payment method type provided: ${type} is invalid. Please ensure the provided type is activated in your dashboard (https://dashboard.stripe.com/account/payments/settings) and your account is enabled for any preview features that you are trying to use.`,
        { param },
      );
    }
  }
}

const DESCRIPTOR_FORBIDDEN = /[<>'"*\\]/;

function checkDescriptor(value: string | null | undefined, param: string, max: number): void {
  if (!value) return;
  if (value.length > max || DESCRIPTOR_FORBIDDEN.test(value) || /^\d+$/.test(value)) {
    throw invalidRequest(
      `Invalid ${param}: statement descriptors must be at most ${max} characters, contain at least one letter, and must not contain any of < > \\ ' " *`,
      { param },
    );
  }
}

function refuseConnect(input: {
  application_fee_amount?: unknown;
  on_behalf_of?: unknown;
  transfer_data?: unknown;
}): void {
  for (const param of ['application_fee_amount', 'on_behalf_of', 'transfer_data'] as const) {
    if (input[param] != null) {
      throw invalidRequest(`\`${param}\` needs Connect, which Sandbank does not support yet.`, { param });
    }
  }
}

export async function loadIntent(ctx: MutationContext, id: string, param = 'id'): Promise<LoadedIntent> {
  return loadObject<PaymentIntent, PaymentIntentState>(ctx.tx, ctx.account.id, id, PAYMENT_INTENT, {
    param,
    forUpdate: true,
  });
}

/** `defaults` are those of the request's API version (versions/requests.ts). */
export async function createPaymentIntent(
  ctx: MutationContext,
  input: CreateInput,
  defaults: IntentDefaults = LATEST_INTENT_DEFAULTS,
): Promise<PaymentIntent> {
  const currency = requireCurrency(input.currency).code;
  checkChargeAmount(input.amount, currency);
  refuseConnect(input);
  checkDescriptor(input.statement_descriptor, 'statement_descriptor', 22);
  checkDescriptor(input.statement_descriptor_suffix, 'statement_descriptor_suffix', 22);
  if (input.off_session != null && !input.confirm) {
    throw invalidRequest('You can only set `off_session` when `confirm` is true.', { param: 'off_session' });
  }
  if (input.customer) await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
  // The pinned API version lists the allowed types in `allowed_payment_method_types`; older
  // versions (and raw requests) still send `payment_method_types`, which means the same here.
  const allowed = input.allowed_payment_method_types ?? null;
  const explicitTypes = allowed ?? input.payment_method_types ?? null;
  if (explicitTypes)
    checkPaymentMethodTypes(explicitTypes, allowed ? 'allowed_payment_method_types' : 'payment_method_types');
  if (explicitTypes && input.automatic_payment_methods?.enabled) {
    throw invalidRequest(
      `You may only specify one of these parameters: automatic_payment_methods, ${allowed ? 'allowed_payment_method_types' : 'payment_method_types'}.`,
      { param: 'automatic_payment_methods' },
    );
  }
  // Without types, dynamic payment methods — unless turned off, or the version predates them as the default.
  const automatic = !explicitTypes && (input.automatic_payment_methods?.enabled ?? defaults.automaticPaymentMethods);
  const apm = !automatic
    ? null
    : {
        ...(input.automatic_payment_methods?.allow_redirects
          ? { allow_redirects: input.automatic_payment_methods.allow_redirects }
          : {}),
        enabled: true,
      };
  const id = newId('pi', 24);
  const pi = sortFields<PaymentIntent>({
    id,
    object: 'payment_intent',
    allowed_payment_method_types: allowed,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: apm,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.capture_method ?? defaults.captureMethod,
    client_secret: `${id}_secret_${randomBase62(25)}`,
    confirmation_method: input.confirmation_method ?? 'automatic',
    created: ctx.clock.now(),
    currency,
    customer: input.customer ?? null,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: applyMetadata({}, input.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: apm ? { id: `pmc_${randomBase62(24)}`, parent: null } : null,
    payment_method_options: {
      card: {
        installments: null,
        mandate_options: null,
        network: input.payment_method_options?.card?.network ?? null,
        request_three_d_secure: input.payment_method_options?.card?.request_three_d_secure ?? 'automatic',
      },
    },
    payment_method_types: explicitTypes ?? ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.receipt_email ?? null,
    review: null,
    setup_future_usage: input.setup_future_usage ?? null,
    shipping: input.shipping ?? null,
    source: null,
    statement_descriptor: input.statement_descriptor ?? null,
    statement_descriptor_suffix: input.statement_descriptor_suffix ?? null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: input.transfer_group ?? null,
  });
  pi.payment_method_options.card = withCaptureOptions(
    pi.payment_method_options.card,
    input.payment_method_options?.card,
  );
  await applyAmountDetails(ctx, pi, input.amount_details, pi.amount);
  const loaded: LoadedIntent = { object: pi, internal: { returnUrl: input.return_url ?? null } };
  // Without confirmation the PaymentMethod is only recorded (a test id becomes a real pm_ now).
  if (!input.confirm) {
    if (input.payment_method_data) {
      pi.payment_method = (await createFromData(ctx, input.payment_method_data, 'payment_method_data[card]')).object.id;
    } else if (input.payment_method) {
      const pm = await usablePaymentMethod(ctx, input.payment_method, {
        customer: pi.customer,
        param: 'payment_method',
        intent: 'PaymentIntent',
      });
      pi.payment_method = pm.object.id;
    } else if (input.source) {
      pi.payment_method = (await paymentMethodFromSource(ctx, pi, input.source))?.object.id ?? null;
    }
    if (pi.payment_method) transition(pi, 'requires_confirmation');
  }
  const loadedNew: LoadedIntent = { ...loaded, unsaved: true };
  // With `confirm=true` the confirmation's own save stores the intent (every path through it saves).
  if (!input.confirm) await saveIntent(ctx, loadedNew);
  await emitEvent(ctx, 'payment_intent.created', pi);
  // The amount details are applied above; the confirmation must not apply them a second time.
  if (input.confirm) return confirmIntent(ctx, loadedNew, { ...input, amount_details: undefined } as ConfirmInput);
  return pi;
}

/** Fields that only change while the payment is not yet made (Stripe's per-field message). */
const LOCKED_FIELDS = [
  'amount',
  'currency',
  'customer',
  'payment_method',
  'payment_method_data',
  'payment_method_types',
  'allowed_payment_method_types',
  'capture_method',
  'setup_future_usage',
  'payment_method_options',
  'statement_descriptor',
  'statement_descriptor_suffix',
] as const;

export async function updatePaymentIntent(
  ctx: MutationContext,
  id: string,
  input: UpdateInput,
): Promise<PaymentIntent> {
  const loaded = await loadIntent(ctx, id);
  const pi = loaded.object;
  refuseConnect(input);
  const editable = (ALLOWED_FROM.update as readonly string[]).includes(pi.status);
  for (const field of LOCKED_FIELDS) {
    if (input[field] !== undefined && !editable) throw lockedFieldError(pi, field);
  }
  const currency = input.currency ? requireCurrency(input.currency).code : pi.currency;
  if (input.amount != null || input.currency) checkChargeAmount(input.amount ?? pi.amount, currency);
  checkDescriptor(input.statement_descriptor, 'statement_descriptor', 22);
  checkDescriptor(input.statement_descriptor_suffix, 'statement_descriptor_suffix', 22);
  if (input.payment_method_types) checkPaymentMethodTypes(input.payment_method_types);
  if (input.allowed_payment_method_types) {
    checkPaymentMethodTypes(input.allowed_payment_method_types, 'allowed_payment_method_types');
  }
  if (input.customer) {
    await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
    pi.customer = input.customer;
  }
  if (input.amount_details !== undefined && !editable) throw lockedFieldError(pi, 'amount_details');
  const amountChanged = input.amount != null && input.amount !== pi.amount;
  if (input.amount != null) pi.amount = input.amount;
  await applyAmountDetails(ctx, pi, input.amount_details, pi.amount, { amountChanged });
  pi.currency = currency;
  if (input.capture_method) pi.capture_method = input.capture_method;
  if (input.description !== undefined) pi.description = input.description;
  if (input.receipt_email !== undefined) pi.receipt_email = input.receipt_email;
  if (input.setup_future_usage !== undefined) pi.setup_future_usage = input.setup_future_usage;
  if (input.shipping !== undefined) pi.shipping = input.shipping;
  if (input.statement_descriptor !== undefined) pi.statement_descriptor = input.statement_descriptor;
  if (input.statement_descriptor_suffix !== undefined)
    pi.statement_descriptor_suffix = input.statement_descriptor_suffix;
  if (input.transfer_group !== undefined) pi.transfer_group = input.transfer_group;
  const types = input.allowed_payment_method_types ?? input.payment_method_types;
  if (types) {
    if (input.allowed_payment_method_types) pi.allowed_payment_method_types = input.allowed_payment_method_types;
    pi.payment_method_types = types;
    pi.automatic_payment_methods = null;
    pi.payment_method_configuration_details = null;
  }
  const tds = input.payment_method_options?.card?.request_three_d_secure;
  if (tds) pi.payment_method_options.card.request_three_d_secure = tds;
  pi.payment_method_options.card = withCaptureOptions(
    pi.payment_method_options.card,
    input.payment_method_options?.card,
  );
  pi.metadata = applyMetadata(pi.metadata, input.metadata);
  let newPm: string | undefined;
  if (input.payment_method_data) {
    newPm = (await createFromData(ctx, input.payment_method_data, 'payment_method_data[card]')).object.id;
  } else if (input.payment_method) {
    newPm = (
      await usablePaymentMethod(ctx, input.payment_method, {
        customer: pi.customer,
        param: 'payment_method',
        intent: 'PaymentIntent',
      })
    ).object.id;
  }
  if (newPm) {
    pi.payment_method = newPm;
    pi.last_payment_error = null;
    loaded.internal.authenticated = false;
    // A new payment method always needs a new confirmation, also in the middle of 3-D Secure.
    pi.next_action = null;
    if (pi.status !== 'requires_confirmation') transition(pi, 'requires_confirmation');
  }
  await saveIntent(ctx, loaded);
  return pi;
}

export async function confirmPaymentIntent(
  ctx: MutationContext,
  id: string,
  input: ConfirmInput,
): Promise<PaymentIntent> {
  return confirmIntent(ctx, await loadIntent(ctx, id), input);
}

const CAPTURE_TOO_LARGE =
  'The payment could not be captured because the requested capture amount is greater than the authorized amount. If you are trying to collect a tip or over-capture, your account might not be configured for those features. Contact us via https://support.stripe.com/contact/';

/**
 * Captures an authorised card payment: all that is capturable, or `amount_to_capture`. A partial
 * capture releases the rest (shown as refunded on the charge) unless multicapture is available and
 * `final_capture=false`, in which case the intent stays `requires_capture` with less capturable, to
 * be captured again (`charge.captured` each time, each capture its own balance transaction). With
 * overcapture available a final capture may exceed the authorisation up to the charge's
 * `overcapture.maximum_amount_capturable`.
 */
export async function capturePaymentIntent(
  ctx: MutationContext,
  id: string,
  input: Partial<CaptureInput>,
): Promise<PaymentIntent> {
  const loaded = await loadIntent(ctx, id);
  const pi = loaded.object;
  requireStatus(pi, 'capture');
  refuseConnect(input);
  const charge = await loadCharge(ctx, pi.latest_charge as string);
  const details = charge.object.payment_method_details?.card;
  const multicapture = details?.multicapture.status === 'available';
  const final = input.final_capture !== false;
  if (!final && !multicapture) {
    throw invalidRequest(
      '`final_capture=false` can only be used when multicapture is available for the PaymentIntent: confirm it with `payment_method_options[card][request_multicapture]=if_available` and check `payment_method_details.card.multicapture.status` on its charge.',
      { param: 'final_capture' },
    );
  }
  const captures = loaded.internal.captures ?? 0;
  if (captures >= MAX_CAPTURES) {
    throw unexpectedState(
      pi,
      `This PaymentIntent has already been captured ${MAX_CAPTURES} times, the most Stripe allows.`,
    );
  }
  const amount = input.amount_to_capture ?? pi.amount_capturable;
  // Overcapture lifts the ceiling of the last capture of an untouched authorisation only.
  const ceiling =
    final && captures === 0 && details?.overcapture.status === 'available'
      ? details.overcapture.maximum_amount_capturable
      : pi.amount_capturable;
  if (amount > ceiling) {
    throw invalidRequest(CAPTURE_TOO_LARGE, { code: 'amount_too_large', param: 'amount_to_capture' });
  }
  await applyAmountDetails(ctx, pi, input.amount_details, amount);
  const firstCapture = !charge.object.captured;
  charge.object.captured = true;
  charge.object.amount_captured += amount;
  if (input.statement_descriptor !== undefined) pi.statement_descriptor = input.statement_descriptor;
  if (input.statement_descriptor_suffix !== undefined)
    pi.statement_descriptor_suffix = input.statement_descriptor_suffix;
  pi.metadata = applyMetadata(pi.metadata, input.metadata);
  pi.amount_received += amount;
  pi.amount_capturable = Math.max(0, pi.amount_capturable - amount);
  loaded.internal.captures = captures + 1;
  const done = final || pi.amount_capturable === 0;
  if (done) {
    // What was authorised and not captured is released; Stripe shows it as refunded.
    charge.object.amount_refunded += Math.max(0, charge.object.amount - charge.object.amount_captured);
    pi.amount_capturable = 0;
    transition(pi, 'succeeded');
  }
  await saveCharge(ctx, charge);
  await saveIntent(ctx, loaded);
  // The first capture settles through the charge's own balance transaction; later ones add theirs.
  if (firstCapture) await afterCapture(ctx, charge, true);
  else await recordAdditionalCapture(ctx, charge.object, amount);
  await emitEvent(ctx, 'charge.captured', charge.object);
  await emitEvent(ctx, done ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated', pi);
  return pi;
}

/** The balance transaction of a later capture of a multicapture charge, with its own card fee. */
async function recordAdditionalCapture(ctx: MutationContext, charge: Charge, amount: number): Promise<void> {
  const fee = cardProcessingFee({
    accountCountry: ctx.account.country,
    cardCountry: charge.payment_method_details?.card.country ?? null,
    currency: charge.currency,
    amount,
    custom: ctx.account.pricing,
  });
  await recordBalanceTransaction(ctx, {
    amount,
    currency: charge.currency,
    type: 'charge',
    reportingCategory: 'charge',
    source: charge.id,
    description: charge.description,
    fees: [fee],
    availableOn: availableOnAfter(ctx.clock.now()),
  });
}

export async function cancelPaymentIntent(
  ctx: MutationContext,
  id: string,
  input: CancelInput,
): Promise<PaymentIntent> {
  const loaded = await loadIntent(ctx, id);
  const pi = loaded.object;
  requireStatus(pi, 'cancel');
  if (pi.status === 'requires_capture' && pi.latest_charge) {
    // The authorisation is released: the uncaptured charge shows the whole amount refunded.
    const charge = await loadCharge(ctx, pi.latest_charge);
    // What a multicapture already captured stays captured; the rest is released.
    charge.object.amount_refunded = charge.object.amount - charge.object.amount_captured;
    charge.object.refunded = charge.object.amount_captured === 0;
    await saveCharge(ctx, charge);
    await emitEvent(ctx, 'charge.refunded', charge.object);
    await closeReviewOf(ctx, charge.object, 'canceled');
  }
  pi.amount_capturable = 0;
  pi.canceled_at = ctx.clock.now();
  pi.cancellation_reason = input.cancellation_reason ?? null;
  pi.next_action = null;
  transition(pi, 'canceled');
  await saveIntent(ctx, loaded);
  await emitEvent(ctx, 'payment_intent.canceled', pi);
  return pi;
}

export async function incrementAuthorization(
  ctx: MutationContext,
  id: string,
  input: IncrementInput,
): Promise<PaymentIntent> {
  const loaded = await loadIntent(ctx, id);
  const pi = loaded.object;
  requireStatus(pi, 'increment_authorization');
  const charge = await loadCharge(ctx, pi.latest_charge as string);
  // The network decides at confirmation (the charge says `available`): asking is not enough,
  // and a multicapture that has started captures no longer grows.
  const available = charge.object.payment_method_details?.card.incremental_authorization.status === 'available';
  if (!available || charge.object.captured) {
    const asked = pi.payment_method_options.card.request_incremental_authorization === 'if_available';
    throw invalidRequest(
      asked && !charge.object.captured
        ? `This PaymentIntent is not eligible for incremental authorization: the card network did not grant it (see \`payment_method_details.card.incremental_authorization.status\` on charge ${charge.object.id}).`
        : asked
          ? 'This PaymentIntent is not eligible for incremental authorization: it has already been partially captured.'
          : 'This PaymentIntent is not eligible for incremental authorization: confirm it with `payment_method_options[card][request_incremental_authorization]=if_available`.',
      { code: 'payment_intent_incremental_authorization_failed' },
    );
  }
  if (input.amount <= pi.amount) {
    throw invalidRequest('The amount must be greater than the currently authorized amount.', { param: 'amount' });
  }
  checkChargeAmount(input.amount, pi.currency);
  charge.object.amount = input.amount;
  const details = charge.object.payment_method_details?.card;
  if (details) {
    details.amount_authorized = input.amount;
    // Overcapture is reckoned on the authorisation as it now stands.
    if (details.overcapture.status === 'available') {
      details.overcapture.maximum_amount_capturable = maximumCapturable(input.amount);
    } else details.overcapture.maximum_amount_capturable = input.amount;
  }
  pi.amount = input.amount;
  await applyAmountDetails(ctx, pi, input.amount_details, input.amount, { amountChanged: true });
  pi.amount_capturable = input.amount;
  if (input.description !== undefined) pi.description = input.description;
  pi.metadata = applyMetadata(pi.metadata, input.metadata);
  await saveCharge(ctx, charge);
  await saveIntent(ctx, loaded);
  await emitEvent(ctx, 'payment_intent.amount_capturable_updated', pi);
  return pi;
}

/** The hosted 3-D Secure page and the test helper end an authentication through here. */
export async function finishPaymentIntentAuthentication(
  ctx: MutationContext,
  id: string,
  outcome: 'complete' | 'fail',
): Promise<{ intent: PaymentIntent; returnUrl: string | null }> {
  return finishAuthentication(ctx, await loadIntent(ctx, id), outcome);
}
