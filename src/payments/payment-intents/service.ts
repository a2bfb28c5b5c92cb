/**
 * PaymentIntent lifecycle outside confirmation: create (and confirm in one call), update, capture,
 * cancel, increment an authorisation. Each action checks the status table first and answers
 * Stripe's `payment_intent_unexpected_state` when it does not allow the move.
 */
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { checkChargeAmount, requireCurrency } from '../../money/currencies.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { afterCapture, loadCharge, saveCharge } from '../charges/service.js';
import { createFromData, usablePaymentMethod } from '../payment-methods/service.js';
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

export async function createPaymentIntent(ctx: MutationContext, input: CreateInput): Promise<PaymentIntent> {
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
  const apm = explicitTypes
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
    capture_method: input.capture_method ?? 'automatic_async',
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
        ...(input.payment_method_options?.card?.request_incremental_authorization
          ? { request_incremental_authorization: input.payment_method_options.card.request_incremental_authorization }
          : {}),
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
  if (input.confirm) return confirmIntent(ctx, loadedNew, input as ConfirmInput);
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
  if (input.amount != null) pi.amount = input.amount;
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

export async function capturePaymentIntent(
  ctx: MutationContext,
  id: string,
  input: Partial<CaptureInput>,
): Promise<PaymentIntent> {
  const loaded = await loadIntent(ctx, id);
  const pi = loaded.object;
  requireStatus(pi, 'capture');
  refuseConnect(input);
  const amount = input.amount_to_capture ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalidRequest(
      'The payment could not be captured because the requested capture amount is greater than the authorized amount. If you are trying to collect a tip or over-capture, your account might not be configured for those features. Contact us via https://support.stripe.com/contact/',
      { code: 'amount_too_large', param: 'amount_to_capture' },
    );
  }
  const charge = await loadCharge(ctx, pi.latest_charge as string);
  charge.object.captured = true;
  charge.object.amount_captured = amount;
  // A partial capture releases the rest of the authorisation; Stripe shows it as refunded.
  charge.object.amount_refunded = charge.object.amount - amount;
  if (input.statement_descriptor !== undefined) pi.statement_descriptor = input.statement_descriptor;
  if (input.statement_descriptor_suffix !== undefined)
    pi.statement_descriptor_suffix = input.statement_descriptor_suffix;
  pi.metadata = applyMetadata(pi.metadata, input.metadata);
  pi.amount_received = amount;
  pi.amount_capturable = 0;
  transition(pi, 'succeeded');
  await saveCharge(ctx, charge);
  await saveIntent(ctx, loaded);
  await afterCapture(ctx, charge, true);
  await emitEvent(ctx, 'charge.captured', charge.object);
  await emitEvent(ctx, 'payment_intent.succeeded', pi);
  return pi;
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
    charge.object.amount_refunded = charge.object.amount;
    charge.object.refunded = true;
    await saveCharge(ctx, charge);
    await emitEvent(ctx, 'charge.refunded', charge.object);
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
  if (pi.payment_method_options.card.request_incremental_authorization !== 'if_available') {
    throw invalidRequest(
      'This PaymentIntent is not eligible for incremental authorization: confirm it with `payment_method_options[card][request_incremental_authorization]=if_available`.',
      { code: 'payment_intent_incremental_authorization_failed' },
    );
  }
  if (input.amount <= pi.amount) {
    throw invalidRequest('The amount must be greater than the currently authorized amount.', { param: 'amount' });
  }
  checkChargeAmount(input.amount, pi.currency);
  const charge = await loadCharge(ctx, pi.latest_charge as string);
  charge.object.amount = input.amount;
  if (charge.object.payment_method_details) charge.object.payment_method_details.card.amount_authorized = input.amount;
  pi.amount = input.amount;
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
