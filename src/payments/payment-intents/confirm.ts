/**
 * Confirming a PaymentIntent: one attempt to pay with its PaymentMethod. The card network decides
 * (payments/authorization.ts); the outcome moves the intent through its status table, creates the
 * charge, and emits Stripe's events in Stripe's order. 3-D Secure pauses the attempt in
 * `requires_action` until the cardholder completes or fails authentication on the hosted page (or
 * through the test helper), which resumes it here.
 */
import { cardByKey, cardForTestId, type Decline } from '../../cards/network.js';
import { emitEvent } from '../../events/outbox.js';
import { docUrl, invalidRequest } from '../../platform/errors.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { raiseEarlyFraudWarningIfReported } from '../../radar/early-fraud-warnings.js';
import { openReviewIfElevated } from '../../radar/reviews.js';
import type { Source } from '../../sources/object.js';
import { consumeAfterCharge, loadSourceObject } from '../../sources/service.js';
import { type Card, SOURCE } from '../../tokens/object.js';
import { spendToken } from '../../tokens/service.js';
import { authorizePayment, type Decision, declinedError } from '../authorization.js';
import { afterCapture, createCharge, saveCharge } from '../charges/service.js';
import type { PaymentMethod } from '../payment-methods/object.js';
import {
  attachTo,
  consumeIfUnattached,
  createFromData,
  createFromLegacyCard,
  type LoadedPaymentMethod,
  markSetUpForOffSession,
  type PaymentMethodData,
  usablePaymentMethod,
} from '../payment-methods/service.js';
import { authenticationUrl } from '../three-d-secure/url.js';
import { type AmountDetailsInput, applyAmountDetails } from './amount-details.js';
import {
  type CaptureOptionName,
  captureFeatures,
  renderCaptureFeatures,
  withCaptureOptions,
} from './capture-features.js';
import { paymentIntentSettled } from './listeners.js';
import {
  lockedFieldError,
  PAYMENT_INTENT,
  type PaymentIntent,
  type PaymentIntentState,
  paymentIntentFields,
  requireStatus,
  transition,
  unexpectedState,
} from './object.js';

export interface LoadedIntent {
  object: PaymentIntent;
  internal: PaymentIntentState;
  /** Not stored yet: created in this request, so the first save inserts it (one write, not two). */
  unsaved?: boolean;
}

export interface ConfirmInput {
  amount_details?: AmountDetailsInput;
  payment_method?: string | null;
  /** Legacy: a token or a customer's card (`card_…`), used when no `payment_method` is given. */
  source?: string | null;
  payment_method_data?: PaymentMethodData | null;
  return_url?: string | null;
  off_session?: unknown;
  error_on_requires_action?: boolean | null;
  use_stripe_sdk?: boolean | null;
  receipt_email?: string | null;
  setup_future_usage?: 'off_session' | 'on_session' | null;
  shipping?: unknown;
  capture_method?: PaymentIntent['capture_method'] | null;
  payment_method_options?: {
    card?:
      | ({ request_three_d_secure?: 'any' | 'automatic' | 'challenge' | null } & Partial<
          Record<CaptureOptionName, 'if_available' | 'never' | null>
        >)
      | null;
  } | null;
}

export async function saveIntent(ctx: MutationContext, loaded: LoadedIntent): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, PAYMENT_INTENT, loaded.object, {
    update: !loaded.unsaved,
    fields: paymentIntentFields(loaded.object),
    internal: loaded.internal,
  });
  loaded.unsaved = false;
}

const ACTION_NOT_HANDLED: Decline = {
  code: 'authentication_required',
  declineCode: 'authentication_not_handled',
  message:
    "This payment required an authentication action to complete, but `error_on_requires_action` was set. When you're ready, you can upgrade your integration to handle actions at https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions.",
  outcome: {
    network_status: 'not_sent_to_network',
    reason: null,
    risk_level: 'normal',
    seller_message: '',
    type: 'invalid',
  },
};

const AUTHENTICATION_FAILURE =
  'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.';

function offSessionFlag(value: unknown): boolean {
  // `off_session` is a boolean, or (older API) `one_off` / `recurring`, both meaning true.
  return (
    value === true ||
    (typeof value === 'string' && value.toLowerCase() === 'true') ||
    value === 'one_off' ||
    value === 'recurring'
  );
}

/** Applies a confirmation's parameters and checks the intent can be confirmed now. */
async function prepare(ctx: MutationContext, loaded: LoadedIntent, input: ConfirmInput): Promise<LoadedPaymentMethod> {
  const pi = loaded.object;
  // On a canceled intent a new payment method is refused like an update, before the confirmation
  // itself (Stripe's order; a succeeded one answers "already succeeded" whatever is sent).
  const newMethod = input.payment_method_data || input.payment_method;
  if (newMethod && pi.status === 'canceled') throw lockedFieldError(pi, 'payment_method');
  requireStatus(pi, 'confirm');
  if (input.receipt_email !== undefined) pi.receipt_email = input.receipt_email;
  if (input.setup_future_usage !== undefined) pi.setup_future_usage = input.setup_future_usage;
  if (input.shipping !== undefined) pi.shipping = input.shipping;
  if (input.capture_method) pi.capture_method = input.capture_method;
  await applyAmountDetails(ctx, pi, input.amount_details, pi.amount);
  const tds = input.payment_method_options?.card?.request_three_d_secure;
  if (tds) pi.payment_method_options.card.request_three_d_secure = tds;
  pi.payment_method_options.card = withCaptureOptions(
    pi.payment_method_options.card,
    input.payment_method_options?.card,
  );
  let pm: LoadedPaymentMethod | undefined;
  if (input.payment_method_data) pm = await createFromData(ctx, input.payment_method_data, 'payment_method_data[card]');
  else if (!input.payment_method && (input.source || (!pi.payment_method && pi.customer))) {
    pm = await paymentMethodFromSource(ctx, pi, input.source ?? null);
  }
  if (pm || input.payment_method_data) {
    // Chosen above: new details, or the legacy source.
  } else if (input.payment_method) {
    pm = await usablePaymentMethod(ctx, input.payment_method, {
      customer: pi.customer,
      param: 'payment_method',
      intent: 'PaymentIntent',
    });
  } else if (pi.payment_method) {
    pm = await usablePaymentMethod(ctx, pi.payment_method, {
      customer: pi.customer,
      param: 'payment_method',
      intent: 'PaymentIntent',
    });
  }
  if (!pm) {
    throw unexpectedState(
      pi,
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
    );
  }
  if (pm.object.id !== pi.payment_method) loaded.internal.authenticated = false;
  pi.payment_method = pm.object.id;
  const returnUrl = input.return_url ?? loaded.internal.returnUrl ?? null;
  const apm = pi.automatic_payment_methods;
  if (apm?.enabled && apm.allow_redirects !== 'never' && !returnUrl) {
    throw invalidRequest(
      'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    );
  }
  loaded.internal.returnUrl = returnUrl;
  loaded.internal.offSession = offSessionFlag(input.off_session);
  pi.last_payment_error = null;
  return pm;
}

/**
 * The legacy `source` of a confirmation: a customer's card (`card_…`, used as a PaymentMethod), a
 * token or `tok_` alias (spent into a new PaymentMethod), or, with neither `source` nor
 * `payment_method`, the customer's default source — as Stripe fills it in "to improve migration for
 * users of the Charges API". Undefined when the customer has no default card either.
 */
export async function paymentMethodFromSource(
  ctx: MutationContext,
  pi: PaymentIntent,
  source: string | null,
): Promise<LoadedPaymentMethod | undefined> {
  let id = source;
  if (!id) {
    const row = pi.customer ? await ctx.tx.getObject(ctx.account.id, pi.customer) : undefined;
    const fallback = row ? (JSON.parse(row.json) as { default_source?: string | null }).default_source : null;
    if (!fallback?.startsWith('card_') && !fallback?.startsWith('src_')) return undefined;
    id = fallback;
  }
  let pm: LoadedPaymentMethod;
  if (id.startsWith('card_') || id.startsWith('src_') || cardForTestId(id)) {
    pm = await usablePaymentMethod(ctx, id, { customer: pi.customer, param: 'source', intent: 'PaymentIntent' });
  } else {
    const spent = await spendToken(ctx, id, 'source');
    if (spent.kind !== 'card') {
      throw invalidRequest('Only card sources can be used with PaymentIntents in Sandbank so far.', {
        param: 'source',
      });
    }
    pm = await createFromLegacyCard(ctx, spent.card, spent.state);
  }
  pi.source = id.startsWith('card_') || id.startsWith('src_') ? id : null;
  return pm;
}

/** `POST /v1/payment_intents/:id/confirm` (and create with `confirm=true`). */
export async function confirmIntent(
  ctx: MutationContext,
  loaded: LoadedIntent,
  input: ConfirmInput,
): Promise<PaymentIntent> {
  const pm = await prepare(ctx, loaded, input);
  const card = cardByKey(pm.internal.card);
  if (!card) throw new Error(`payment method ${pm.object.id} has no card`);
  const decision = authorizePayment(card, {
    offSession: loaded.internal.offSession ?? false,
    setUpForOffSession: pm.internal.setUpForOffSession ?? false,
    authenticated: loaded.internal.authenticated ?? false,
    requestThreeDSecure: loaded.object.payment_method_options.card.request_three_d_secure,
  });
  if (decision.result === 'requires_action') {
    // The integration said it cannot handle actions: the attempt fails like a decline (402).
    if (input.error_on_requires_action) return fail(ctx, loaded, pm, ACTION_NOT_HANDLED, true);
    await requireAction(ctx, loaded, input.use_stripe_sdk ?? false);
    return loaded.object;
  }
  return settleAttempt(ctx, loaded, pm, decision, true);
}

async function requireAction(ctx: MutationContext, loaded: LoadedIntent, useStripeSdk: boolean): Promise<void> {
  const pi = loaded.object;
  const url = authenticationUrl(ctx.origin, ctx.account.id, pi.id, pi.client_secret);
  const returnUrl = loaded.internal.returnUrl;
  pi.next_action =
    returnUrl && !useStripeSdk
      ? { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } }
      : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: pi.id } };
  transition(pi, 'requires_action');
  await saveIntent(ctx, loaded);
  await emitEvent(ctx, 'payment_intent.requires_action', pi);
}

/**
 * The network has answered: record the charge and move the intent. `throwOnDecline` is true when a
 * caller waits for the answer (a confirm request gets Stripe's 402); the hosted page shows it instead.
 */
async function settleAttempt(
  ctx: MutationContext,
  loaded: LoadedIntent,
  pm: LoadedPaymentMethod,
  decision: Exclude<Decision, { result: 'requires_action' }>,
  throwOnDecline: boolean,
): Promise<PaymentIntent> {
  const pi = loaded.object;
  const card = cardByKey(pm.internal.card);
  if (!card) throw new Error(`payment method ${pm.object.id} has no card`);
  const manual = pi.capture_method === 'manual';
  const charge = await createCharge(ctx, {
    source: {
      amount: pi.amount,
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      metadata: pi.metadata,
      paymentIntent: pi.id,
      receiptEmail: pi.receipt_email,
      shipping: pi.shipping,
      statementDescriptor: pi.statement_descriptor,
      statementDescriptorSuffix: pi.statement_descriptor_suffix,
      transferGroup: pi.transfer_group,
    },
    paymentMethod: pm.object,
    // A customer's legacy card shows on the charge as its `source`, as on Stripe.
    legacySource:
      pm.object.id.startsWith('card_') || pm.object.id.startsWith('src_')
        ? (await loadObject<Card | Source>(ctx.tx, ctx.account.id, pm.object.id, SOURCE)).object
        : null,
    card,
    result: decision.result === 'authorized' ? { authorized: true } : { authorized: false, decline: decision.decline },
    threeDSecure: decision.threeDSecure,
    manualCapture: manual,
  });
  pi.latest_charge = charge.object.id;
  const details = charge.object.payment_method_details?.card;
  if (decision.result === 'authorized' && details) {
    // What the network grants of the flexible-capture features the merchant asked for.
    const features = captureFeatures(pi.payment_method_options.card, card, ctx.account.country, manual);
    if (Object.values(features).some(Boolean)) {
      renderCaptureFeatures(details, features, charge.object.created);
      await saveCharge(ctx, charge);
    }
  }
  pi.next_action = null;
  loaded.internal.authenticated = false;
  if (decision.result === 'declined') {
    await emitEvent(ctx, 'charge.failed', charge.object);
    return fail(ctx, loaded, pm, decision.decline, throwOnDecline, charge.object.id);
  }
  await keepPaymentMethod(ctx, pi, pm);
  // Radar looks at every successful charge: an elevated-risk one goes to the review queue.
  pi.review = await openReviewIfElevated(ctx, charge);
  if (manual) {
    pi.amount_capturable = pi.amount;
    transition(pi, 'requires_capture');
    await saveIntent(ctx, loaded);
    await emitEvent(ctx, 'payment_intent.amount_capturable_updated', pi);
    await emitEvent(ctx, 'charge.succeeded', charge.object);
    await raiseEarlyFraudWarningIfReported(ctx, charge);
    return pi;
  }
  pi.amount_received = pi.amount;
  transition(pi, 'succeeded');
  await saveIntent(ctx, loaded);
  await afterCapture(ctx, charge, pi.capture_method === 'automatic');
  await emitEvent(ctx, 'payment_intent.succeeded', pi);
  await emitEvent(ctx, 'charge.succeeded', charge.object);
  await raiseEarlyFraudWarningIfReported(ctx, charge);
  await paymentIntentSettled(ctx, pi);
  return pi;
}

/**
 * After a successful payment the PaymentMethod is saved to the customer when asked
 * (`setup_future_usage`), and a PaymentMethod that belongs to nobody is used up.
 */
async function keepPaymentMethod(ctx: MutationContext, pi: PaymentIntent, pm: LoadedPaymentMethod): Promise<void> {
  if (pm.object.id.startsWith('src_')) {
    // A Source keeps its own state: charged unattached (or single-use), it is consumed.
    await consumeAfterCharge(ctx, await loadSourceObject(ctx, pm.object.id));
    return;
  }
  if (pi.setup_future_usage && pi.customer) {
    await attachTo(ctx, pm, pi.customer, undefined);
    if (pi.setup_future_usage === 'off_session') await markSetUpForOffSession(ctx, pm);
    return;
  }
  if (!pi.customer || pm.object.customer !== pi.customer) await consumeIfUnattached(ctx, pm);
}

/** A failed attempt: back to `requires_payment_method` with `last_payment_error`, then Stripe's 402. */
async function fail(
  ctx: MutationContext,
  loaded: LoadedIntent,
  pm: LoadedPaymentMethod,
  decline: Decline,
  throwError: boolean,
  chargeId?: string,
): Promise<PaymentIntent> {
  const pi = loaded.object;
  const pmObject: PaymentMethod = pm.object;
  pi.last_payment_error = {
    ...(chargeId ? { charge: chargeId } : {}),
    code: decline.code,
    ...(decline.declineCode ? { decline_code: decline.declineCode } : {}),
    doc_url: docUrl(decline.code),
    message: decline.message,
    payment_method: pmObject,
    type: 'card_error',
  };
  pi.payment_method = null;
  pi.next_action = null;
  transition(pi, 'requires_payment_method');
  await saveIntent(ctx, loaded);
  await emitEvent(ctx, 'payment_intent.payment_failed', pi);
  await paymentIntentSettled(ctx, pi);
  if (!throwError) return pi;
  throw declinedError(decline, {
    extra: { ...(chargeId ? { charge: chargeId } : {}), payment_intent: pi, payment_method: pmObject },
    keepChanges: true,
  });
}

/** Adds Stripe's redirect parameters to the merchant's return URL. */
export function decoratedReturnUrl(returnUrl: string, params: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * The cardholder finished 3-D Secure on the hosted page or through the test helper. Completing
 * resumes the attempt (or waits for the server's confirmation with `confirmation_method=manual`);
 * failing returns the intent to `requires_payment_method`.
 */
export async function finishAuthentication(
  ctx: MutationContext,
  loaded: LoadedIntent,
  outcome: 'complete' | 'fail',
): Promise<{ intent: PaymentIntent; returnUrl: string | null }> {
  const pi = loaded.object;
  if (pi.status !== 'requires_action') {
    throw unexpectedState(
      pi,
      `This PaymentIntent has a status of ${pi.status}; authentication can only be completed or failed while it is requires_action.`,
    );
  }
  const pmId = pi.payment_method as string;
  const pm = await usablePaymentMethod(ctx, pmId, {
    customer: pi.customer,
    param: 'payment_method',
    intent: 'PaymentIntent',
  });
  if (outcome === 'fail') {
    pi.last_payment_error = {
      code: 'payment_intent_authentication_failure',
      doc_url: docUrl('payment_intent_authentication_failure'),
      message: AUTHENTICATION_FAILURE,
      payment_method: pm.object,
      type: 'invalid_request_error',
    };
    pi.payment_method = null;
    pi.next_action = null;
    loaded.internal.authenticated = false;
    transition(pi, 'requires_payment_method');
    await saveIntent(ctx, loaded);
    await emitEvent(ctx, 'payment_intent.payment_failed', pi);
    await paymentIntentSettled(ctx, pi);
  } else {
    loaded.internal.authenticated = true;
    if (pi.confirmation_method === 'manual') {
      pi.next_action = null;
      transition(pi, 'requires_confirmation');
      await saveIntent(ctx, loaded);
    } else {
      const card = cardByKey(pm.internal.card);
      if (!card) throw new Error(`payment method ${pmId} has no card`);
      const decision = authorizePayment(card, {
        offSession: false,
        setUpForOffSession: pm.internal.setUpForOffSession ?? false,
        authenticated: true,
        requestThreeDSecure: pi.payment_method_options.card.request_three_d_secure,
      });
      if (decision.result === 'requires_action')
        throw new Error('authenticated attempt asked for authentication again');
      await settleAttempt(ctx, loaded, pm, decision, false);
    }
  }
  const returnUrl = loaded.internal.returnUrl;
  const succeeded = ['succeeded', 'requires_capture', 'processing', 'requires_confirmation'].includes(pi.status);
  return {
    intent: pi,
    returnUrl: returnUrl
      ? decoratedReturnUrl(returnUrl, {
          payment_intent: pi.id,
          payment_intent_client_secret: pi.client_secret,
          redirect_status: succeeded ? 'succeeded' : 'failed',
        })
      : null,
  };
}
