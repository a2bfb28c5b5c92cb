/**
 * SetupIntent logic: create, update, confirm (the issuer's setup check, 3-D Secure when the card
 * asks for it), the end of authentication on the hosted 3-D Secure page, and cancel. Status changes
 * go through one `transition`, which refuses illegal moves with Stripe's
 * `setup_intent_unexpected_state` errors; every change emits Stripe's `setup_intent.*` event.
 */
import type { ThreeDSecureInput } from '../../cards/details.js';
import { cardByKey, type Decline, type TestCard } from '../../cards/network.js';
import { CUSTOMER } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { docUrl, invalidRequest, StripeError } from '../../platform/errors.js';
import { newId, randomBase62 } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { type Loaded, loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext, ReadContext } from '../../platform/operation.js';
import type { Reader } from '../../store/store.js';
import { type IntentDefaults, LATEST_INTENT_DEFAULTS } from '../../versions/requests.js';
import { authorizeSetup, type Decision, declinedError } from '../authorization.js';
import type { PaymentMethod } from '../payment-methods/object.js';
import {
  attachTo,
  createFromData,
  type LoadedPaymentMethod,
  loadOrMaterialize,
  markSetUpForOffSession,
  type PaymentMethodData,
  usablePaymentMethod,
} from '../payment-methods/service.js';
import { type AttemptResult, recordAttempt, settleAttempt } from '../setup-attempts/service.js';
import { authenticationUrl } from '../three-d-secure/url.js';
import {
  PUBLISHABLE_FIELDS,
  type RequestThreeDSecure,
  SETUP_INTENT,
  SETUP_INTENT_TRANSITIONS,
  type SetupError,
  type SetupIntent,
  type SetupIntentState,
  type SetupIntentStatus,
  setupIntentFields,
} from './object.js';
import type {
  CancelSetupIntentInput,
  ConfirmSetupIntentInput,
  CreateSetupIntentInput,
  UpdateSetupIntentInput,
} from './params.js';

type LoadedSetupIntent = Loaded<SetupIntent, SetupIntentState>;

// ---- the state machine ----

/** What can be done to a SetupIntent, and the statuses each may start from (as Stripe's messages list them). */
const ACTIONABLE = {
  confirm: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  cancel: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  update: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  authenticate: ['requires_action'],
} as const satisfies Record<string, readonly SetupIntentStatus[]>;

type Action = keyof typeof ACTIONABLE;

/** Stripe's refusal to `action` the intent in its current status, with the intent embedded. */
function unexpectedState(ctx: MutationContext, si: SetupIntent, action: Action, field?: string): StripeError {
  const status = si.status;
  const allowed = ACTIONABLE[action].join(', ');
  let message: string;
  if (action === 'confirm' && status === 'succeeded') {
    message = 'You cannot confirm this SetupIntent because it has already succeeded.';
  } else if (action === 'confirm' && status === 'canceled') {
    message = 'You cannot confirm this SetupIntent because it has been canceled.';
  } else if (action === 'update') {
    message = `This SetupIntent's ${field} could not be updated because it has a status of ${status}. You may only update the ${field} of a SetupIntent with one of the following statuses: ${allowed}.`;
  } else {
    const verb = { confirm: 'confirmed', cancel: 'canceled', authenticate: 'authenticated' }[action];
    message = `You cannot ${action} this SetupIntent because it has a status of ${status}. Only a SetupIntent with one of the following statuses may be ${verb}: ${allowed}.`;
  }
  return new StripeError({
    kind: 'bad_request',
    type: 'invalid_request_error',
    code: 'setup_intent_unexpected_state',
    message,
    ...(field ? { param: field } : {}),
    extra: { setup_intent: present(ctx, si) },
  });
}

function checkAction(ctx: MutationContext, si: SetupIntent, action: Action, field?: string): void {
  if (!(ACTIONABLE[action] as readonly SetupIntentStatus[]).includes(si.status)) {
    throw unexpectedState(ctx, si, action, field);
  }
}

/** Moves `si` to `to` as part of `action`, or throws Stripe's error for an illegal move. */
export function transition(ctx: MutationContext, si: SetupIntent, to: SetupIntentStatus, action: Action): void {
  checkAction(ctx, si, action);
  if (!(SETUP_INTENT_TRANSITIONS[si.status] as readonly SetupIntentStatus[]).includes(to)) {
    throw unexpectedState(ctx, si, action);
  }
  si.status = to;
}

// ---- rendering for publishable keys ----

function isPublishable(ctx: MutationContext | ReadContext): boolean {
  return 'principal' in ctx && ctx.principal.kind === 'publishable';
}

/** The intent as the caller may see it: publishable keys get Stripe's client-side subset. */
export function present(ctx: MutationContext | ReadContext, si: SetupIntent): SetupIntent {
  if (!isPublishable(ctx)) return si;
  const subset: Record<string, unknown> = {};
  for (const key of PUBLISHABLE_FIELDS) subset[key] = si[key];
  return subset as unknown as SetupIntent;
}

/**
 * A publishable key may only act on an intent whose client secret it presents; a secret key that
 * sends one must send the right one too.
 */
export function checkClientSecret(
  ctx: MutationContext | ReadContext,
  si: SetupIntent,
  clientSecret: string | null | undefined,
): void {
  if (clientSecret == null) {
    if (isPublishable(ctx)) {
      throw invalidRequest(
        'You must provide a client_secret when retrieving or confirming a SetupIntent with a publishable key.',
        { code: 'parameter_missing', param: 'client_secret' },
      );
    }
    return;
  }
  if (clientSecret !== si.client_secret) {
    throw invalidRequest('The client_secret provided does not match any associated SetupIntent on this account.', {
      param: 'client_secret',
    });
  }
}

// ---- loading and saving ----

async function loadForUpdate(ctx: MutationContext, id: string): Promise<LoadedSetupIntent> {
  return loadObject<SetupIntent, SetupIntentState>(ctx.tx, ctx.account.id, id, SETUP_INTENT, { forUpdate: true });
}

async function save(ctx: MutationContext, loaded: LoadedSetupIntent, opts: { insert?: boolean } = {}): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, SETUP_INTENT, loaded.object, {
    update: !opts.insert,
    fields: setupIntentFields(loaded.object),
    internal: loaded.internal,
  });
}

export async function retrieveSetupIntent(
  ctx: ReadContext,
  id: string,
  input: { client_secret?: string | null },
): Promise<SetupIntent> {
  const { object: si } = await loadObject<SetupIntent>(ctx.reader, ctx.account.id, id, SETUP_INTENT);
  checkClientSecret(ctx, si, input.client_secret);
  return present(ctx, si);
}

export async function requireSetupIntent(reader: Reader, account: string, id: string, param: string): Promise<void> {
  await loadObject(reader, account, id, SETUP_INTENT, { param });
}

// ---- parameters shared by create, update and confirm ----

/** Sandbank sets up cards only; Stripe's other payment method types are refused by name. */
function paymentMethodTypes(types: string[]): string[] {
  types.forEach((type, i) => {
    if (type !== 'card') {
      throw invalidRequest(
        `Sandbank supports PaymentMethods of type \`card\` only so far; \`${type}\` is not available yet.`,
        { param: `payment_method_types[${i}]` },
      );
    }
  });
  return types;
}

/**
 * `allowed_payment_method_types` (API versions from 2026-07-29): a filter, not a demand: types
 * Sandbank cannot set up are dropped silently, as Stripe drops incompatible ones.
 */
function applyAllowedTypes(si: SetupIntent, allowed: string[] | null): void {
  si.allowed_payment_method_types = allowed;
  if (allowed === null) {
    si.payment_method_types = ['card'];
    si.automatic_payment_methods = { allow_redirects: 'always', enabled: true };
    return;
  }
  const usable = allowed.filter((type) => type === 'card');
  if (usable.length === 0) {
    throw invalidRequest(
      'None of the allowed_payment_method_types can be used: Sandbank supports PaymentMethods of type `card` only so far.',
      { param: 'allowed_payment_method_types' },
    );
  }
  si.payment_method_types = usable;
  si.automatic_payment_methods = null;
}

function exclusive(a: string, b: string): StripeError {
  return invalidRequest(`You may only specify one of these parameters: ${a}, ${b}.`, { param: b });
}

function checkReturnUrl(url: string | null | undefined): void {
  if (url != null && !URL.canParse(url)) {
    throw invalidRequest('Not a valid URL', { code: 'url_invalid', param: 'return_url' });
  }
}

type CardOptionsInput = {
  card?: {
    moto?: boolean | null;
    network?: string | null;
    request_three_d_secure?: RequestThreeDSecure | null;
  } | null;
} | null;

function applyPaymentMethodOptions(si: SetupIntent, options: CardOptionsInput | undefined): void {
  const card = options?.card;
  if (!card) return;
  if (card.request_three_d_secure !== undefined) {
    si.payment_method_options.card.request_three_d_secure = card.request_three_d_secure ?? 'automatic';
  }
  if (card.network !== undefined) si.payment_method_options.card.network = card.network;
}

/**
 * The PaymentMethod named by `payment_method` (a `pm_` id or a test id such as `pm_card_visa`) or
 * made from `payment_method_data`, checked against the intent's customer.
 */
async function paymentMethodFor(
  ctx: MutationContext,
  si: SetupIntent,
  input: { payment_method?: string | null; payment_method_data?: PaymentMethodData | null },
): Promise<LoadedPaymentMethod | undefined> {
  if (input.payment_method && input.payment_method_data) throw exclusive('payment_method', 'payment_method_data');
  if (input.payment_method) {
    return usablePaymentMethod(ctx, input.payment_method, {
      customer: si.customer,
      param: 'payment_method',
      intent: 'SetupIntent',
    });
  }
  if (input.payment_method_data) return createFromData(ctx, input.payment_method_data, 'payment_method_data[card]');
  return undefined;
}

// ---- create, update, cancel ----

/** `defaults` are those of the request's API version (versions/requests.ts). */
export async function createSetupIntent(
  ctx: MutationContext,
  input: CreateSetupIntentInput,
  defaults: IntentDefaults = LATEST_INTENT_DEFAULTS,
): Promise<SetupIntent> {
  if (input.single_use) {
    throw invalidRequest('Sandbank does not support single-use SetupIntents (`single_use`) yet.', {
      param: 'single_use',
    });
  }
  if (input.allowed_payment_method_types) {
    for (const other of [
      'automatic_payment_methods',
      'excluded_payment_method_types',
      'payment_method_types',
    ] as const) {
      if (input[other] != null) throw exclusive('allowed_payment_method_types', other);
    }
  }
  const explicit = input.allowed_payment_method_types ?? input.payment_method_types;
  const automatic = input.automatic_payment_methods?.enabled ?? (!explicit && defaults.automaticPaymentMethods);
  if (automatic && input.payment_method_types) throw exclusive('automatic_payment_methods', 'payment_method_types');
  if (input.return_url != null && !input.confirm) {
    throw invalidRequest(
      'The parameter `return_url` cannot be passed when creating a SetupIntent unless `confirm` is set to true.',
      { param: 'return_url' },
    );
  }
  if (input.customer) await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
  const id = newId('seti', 24);
  const si = sortFields<SetupIntent>({
    id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: automatic
      ? { allow_redirects: input.automatic_payment_methods?.allow_redirects ?? 'always', enabled: true }
      : null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomBase62(24)}`,
    created: ctx.clock.now(),
    customer: input.customer ?? null,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: input.excluded_payment_method_types ?? null,
    flow_directions: input.flow_directions ?? null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: applyMetadata({}, input.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: paymentMethodTypes(input.payment_method_types ?? ['card']),
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: input.usage ?? 'off_session',
  });
  if (input.allowed_payment_method_types) applyAllowedTypes(si, input.allowed_payment_method_types);
  applyPaymentMethodOptions(si, input.payment_method_options);
  const pm = await paymentMethodFor(ctx, si, input);
  if (pm) {
    si.payment_method = pm.object.id;
    si.status = 'requires_confirmation';
  }
  const loaded: LoadedSetupIntent = { object: si, internal: {} };
  await save(ctx, loaded, { insert: true });
  await emitEvent(ctx, 'setup_intent.created', si);
  if (!input.confirm) return si;
  return confirmLoaded(ctx, loaded, pm, {
    return_url: input.return_url ?? null,
    use_stripe_sdk: input.use_stripe_sdk ?? null,
  });
}

/** Fields that only change before the intent succeeds or is canceled (in this order of checking). */
const LOCKED_FIELDS = [
  'allowed_payment_method_types',
  'customer',
  'excluded_payment_method_types',
  'flow_directions',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
] as const;

export async function updateSetupIntent(
  ctx: MutationContext,
  id: string,
  input: UpdateSetupIntentInput,
): Promise<SetupIntent> {
  const loaded = await loadForUpdate(ctx, id);
  const si = loaded.object;
  for (const field of LOCKED_FIELDS) if (input[field] != null) checkAction(ctx, si, 'update', field);
  if (input.description !== undefined) si.description = input.description;
  si.metadata = applyMetadata(si.metadata, input.metadata);
  if (input.customer != null && input.customer !== si.customer) {
    await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
    si.customer = input.customer;
  }
  if (input.excluded_payment_method_types !== undefined) {
    si.excluded_payment_method_types = input.excluded_payment_method_types;
  }
  if (input.flow_directions != null) si.flow_directions = input.flow_directions;
  if (input.allowed_payment_method_types !== undefined) applyAllowedTypes(si, input.allowed_payment_method_types);
  if (input.payment_method_types != null) {
    si.payment_method_types = paymentMethodTypes(input.payment_method_types);
    si.automatic_payment_methods = null;
  }
  applyPaymentMethodOptions(si, input.payment_method_options);
  const pm = await paymentMethodFor(ctx, si, input);
  if (pm) {
    await abandonPendingAttempt(ctx, si);
    transition(ctx, si, 'requires_confirmation', 'update');
    si.payment_method = pm.object.id;
    si.next_action = null;
    si.last_setup_error = null;
  }
  await save(ctx, loaded);
  return si;
}

export async function cancelSetupIntent(
  ctx: MutationContext,
  id: string,
  input: CancelSetupIntentInput,
): Promise<SetupIntent> {
  const loaded = await loadForUpdate(ctx, id);
  const si = loaded.object;
  checkAction(ctx, si, 'cancel');
  await abandonPendingAttempt(ctx, si);
  transition(ctx, si, 'canceled', 'cancel');
  si.cancellation_reason = input.cancellation_reason ?? null;
  si.next_action = null;
  await save(ctx, loaded);
  await emitEvent(ctx, 'setup_intent.canceled', si);
  return si;
}

/** An attempt left waiting for authentication is abandoned when the intent moves on without it. */
async function abandonPendingAttempt(ctx: MutationContext, si: SetupIntent): Promise<void> {
  if (si.status !== 'requires_action') return;
  await settleAttempt(ctx, si.latest_attempt, null, { status: 'abandoned', threeDSecure: null, error: null });
}

// ---- confirm ----

export async function confirmSetupIntent(
  ctx: MutationContext,
  id: string,
  input: ConfirmSetupIntentInput,
): Promise<SetupIntent> {
  const loaded = await loadForUpdate(ctx, id);
  const si = loaded.object;
  checkClientSecret(ctx, si, input.client_secret);
  checkAction(ctx, si, 'confirm');
  if (input.allowed_payment_method_types) applyAllowedTypes(si, input.allowed_payment_method_types);
  applyPaymentMethodOptions(si, input.payment_method_options);
  const pm = await paymentMethodFor(ctx, si, input);
  return present(
    ctx,
    await confirmLoaded(ctx, loaded, pm, {
      return_url: input.return_url ?? null,
      use_stripe_sdk: input.use_stripe_sdk ?? null,
    }),
  );
}

function missingPaymentMethod(ctx: MutationContext, si: SetupIntent): StripeError {
  return new StripeError({
    kind: 'bad_request',
    type: 'invalid_request_error',
    code: 'setup_intent_unexpected_state',
    message:
      "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
    extra: { setup_intent: present(ctx, si) },
  });
}

function returnUrlRequired(): StripeError {
  return invalidRequest(
    'A `return_url` must be specified because this Setup Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
  );
}

function testCard(pm: LoadedPaymentMethod): TestCard {
  const card = cardByKey(pm.internal.card);
  if (!card) throw new Error(`PaymentMethod ${pm.object.id} names no known card (${pm.internal.card})`);
  return card;
}

/**
 * The issuer's answer to setting `card` up. Merchants may ask for 3-D Secure
 * (`request_three_d_secure=any|challenge`), which cards that support it then require.
 */
function decideSetup(card: TestCard, request: RequestThreeDSecure, authenticated: boolean): Decision {
  const supports =
    card.behaviour.threeDSecure === 'optional' || card.behaviour.threeDSecure === 'required_unless_setup_off_session';
  if (!authenticated && request !== 'automatic' && supports) return { result: 'requires_action' };
  return authorizeSetup(card, { authenticated });
}

async function confirmLoaded(
  ctx: MutationContext,
  loaded: LoadedSetupIntent,
  given: LoadedPaymentMethod | undefined,
  opts: { return_url: string | null; use_stripe_sdk: boolean | null },
): Promise<SetupIntent> {
  const si = loaded.object;
  checkReturnUrl(opts.return_url);
  const pm =
    given ?? (si.payment_method ? await paymentMethodFor(ctx, si, { payment_method: si.payment_method }) : undefined);
  if (!pm) throw missingPaymentMethod(ctx, si);
  const returnUrl = opts.return_url ?? loaded.internal.returnUrl ?? null;
  // Intents open to redirect-based methods must say where the customer comes back to.
  if (si.automatic_payment_methods?.allow_redirects === 'always' && !returnUrl) throw returnUrlRequired();
  await abandonPendingAttempt(ctx, si);
  si.payment_method = pm.object.id;
  si.last_setup_error = null;
  si.next_action = null;
  loaded.internal.returnUrl = returnUrl;
  const card = testCard(pm);
  const decision = decideSetup(card, si.payment_method_options.card.request_three_d_secure, false);
  if (decision.result === 'requires_action') {
    transition(ctx, si, 'requires_action', 'confirm');
    const url = authenticationUrl(ctx.origin, ctx.account.id, si.id, si.client_secret);
    si.next_action =
      returnUrl && !opts.use_stripe_sdk
        ? { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } }
        : {
            type: 'use_stripe_sdk',
            use_stripe_sdk: { source: newId('src', 24), stripe_js: url, type: 'three_d_secure_redirect' },
          };
    const attempt = await recordAttempt(ctx, si, pm.object, {
      status: 'requires_action',
      threeDSecure: null,
      error: null,
    });
    si.latest_attempt = attempt.id;
    await save(ctx, loaded);
    await emitEvent(ctx, 'setup_intent.requires_action', si);
    return si;
  }
  if (decision.result === 'declined') {
    const error = declineError(decision.decline, pm.object);
    await fail(ctx, loaded, pm, error, { status: 'failed', threeDSecure: decision.threeDSecure, error }, 'confirm');
    throw declinedError(decision.decline, {
      extra: { payment_method: pm.object, setup_intent: present(ctx, si) },
      keepChanges: true,
    });
  }
  await succeed(ctx, loaded, pm, card, decision.threeDSecure, 'confirm');
  return si;
}

function declineError(decline: Decline, pm: PaymentMethod): SetupError {
  return {
    code: decline.code,
    ...(decline.declineCode ? { decline_code: decline.declineCode } : {}),
    doc_url: docUrl(decline.code),
    message: decline.message,
    payment_method: pm,
    type: 'card_error',
  };
}

function authenticationFailure(pm: PaymentMethod): SetupError {
  return {
    code: 'setup_intent_authentication_failure',
    doc_url: docUrl('setup_intent_authentication_failure'),
    message: 'The latest attempt to set up the payment method has failed because authentication failed.',
    payment_method: pm,
    type: 'invalid_request_error',
  };
}

/** The attempt this step concludes: a new one for a confirmation, the waiting one after authentication. */
async function concludeAttempt(
  ctx: MutationContext,
  si: SetupIntent,
  pm: LoadedPaymentMethod,
  result: AttemptResult,
  step: 'confirm' | 'authenticate',
): Promise<void> {
  if (step === 'authenticate') {
    await settleAttempt(ctx, si.latest_attempt, pm.object.card, result);
    return;
  }
  si.latest_attempt = (await recordAttempt(ctx, si, pm.object, result)).id;
}

/** The setup failed: the intent goes back to `requires_payment_method` with the error kept. */
async function fail(
  ctx: MutationContext,
  loaded: LoadedSetupIntent,
  pm: LoadedPaymentMethod,
  error: SetupError,
  result: AttemptResult,
  step: 'confirm' | 'authenticate',
): Promise<void> {
  const si = loaded.object;
  await concludeAttempt(ctx, si, pm, result, step);
  transition(ctx, si, 'requires_payment_method', step);
  si.last_setup_error = error;
  si.next_action = null;
  // The failed payment method leaves the intent; it stays on the error.
  si.payment_method = null;
  await save(ctx, loaded);
  await emitEvent(ctx, 'setup_intent.setup_failed', si);
}

/**
 * The setup succeeded: the card is attached to the intent's customer (if any) and, for
 * `usage=off_session`, counts as authenticated for later off-session payments.
 */
async function succeed(
  ctx: MutationContext,
  loaded: LoadedSetupIntent,
  pm: LoadedPaymentMethod,
  card: TestCard,
  threeDSecure: ThreeDSecureInput | null,
  step: 'confirm' | 'authenticate',
): Promise<void> {
  const si = loaded.object;
  if (si.customer) await attachTo(ctx, pm, si.customer, card);
  if (si.usage === 'off_session') await markSetUpForOffSession(ctx, pm);
  await concludeAttempt(ctx, si, pm, { status: 'succeeded', threeDSecure, error: null }, step);
  transition(ctx, si, 'succeeded', step);
  si.next_action = null;
  si.last_setup_error = null;
  await save(ctx, loaded);
  await emitEvent(ctx, 'setup_intent.succeeded', si);
}

// ---- the end of 3-D Secure ----

/**
 * Completes or fails the cardholder's authentication of a SetupIntent in `requires_action` (the
 * hosted 3-D Secure page and the test helper call this). Returns the intent and, when the
 * confirmation named a `return_url`, where to send the cardholder, with Stripe's query parameters.
 */
export async function finishSetupIntentAuthentication(
  ctx: MutationContext,
  id: string,
  outcome: 'complete' | 'fail',
): Promise<{ intent: SetupIntent; returnUrl: string | null }> {
  const loaded = await loadForUpdate(ctx, id);
  const si = loaded.object;
  checkAction(ctx, si, 'authenticate');
  const pm = await loadOrMaterialize(ctx, si.payment_method as string, 'payment_method');
  if (outcome === 'fail') {
    const error = authenticationFailure(pm.object);
    const threeDSecure: ThreeDSecureInput = { result: 'failed', authenticationFlow: 'challenge' };
    await fail(ctx, loaded, pm, error, { status: 'failed', threeDSecure, error }, 'authenticate');
  } else {
    const card = testCard(pm);
    const decision = decideSetup(card, si.payment_method_options.card.request_three_d_secure, true);
    if (decision.result === 'declined') {
      const error = declineError(decision.decline, pm.object);
      await fail(
        ctx,
        loaded,
        pm,
        error,
        { status: 'failed', threeDSecure: decision.threeDSecure, error },
        'authenticate',
      );
    } else {
      const threeDSecure = decision.result === 'authorized' ? decision.threeDSecure : null;
      await succeed(ctx, loaded, pm, card, threeDSecure, 'authenticate');
    }
  }
  const returnUrl = loaded.internal.returnUrl
    ? withRedirectParams(loaded.internal.returnUrl, si, si.status === 'succeeded' ? 'succeeded' : 'failed')
    : null;
  return { intent: si, returnUrl };
}

/** Stripe's query parameters on the way back: `setup_intent`, its client secret, `redirect_status`. */
function withRedirectParams(url: string, si: SetupIntent, status: 'succeeded' | 'failed'): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const query = new URLSearchParams({
    setup_intent: si.id,
    setup_intent_client_secret: si.client_secret,
    redirect_status: status,
  }).toString();
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}${query}${fragment}`;
}
