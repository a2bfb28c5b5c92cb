/**
 * `sandbank trigger <event>`: makes the server emit `<event>` by doing, through the public API,
 * what causes it (as the Stripe CLI's `stripe trigger` runs its fixtures), and `--list` lists the
 * events it can cause. Sandbank emits and delivers the events itself; nothing is faked.
 *
 * `FIXTURES` is the one table: event type → the requests that cause it. A step's path and string
 * parameters may name a field of an earlier step's answer, written `ref('name:path')` (which makes the
 * Stripe CLI fixture files' `${name:path}`), e.g. `ref('payment_intent:latest_charge')` or
 * `ref('disputes:data.0.id')`. What Stripe does later (a
 * dispute opening, funds becoming available, a payout arriving, a refund failing) is brought forward
 * with `POST /sandbank/v1/time/advance`, which moves **the account's** clock: triggering
 * `balance.available` or `payout.paid` leaves the account's clock days ahead.
 */

import { parseArgs } from 'node:util';
import { editDistance } from '../platform/params.js';
import {
  type AnyJson,
  type ApiClient,
  ApiError,
  CONNECTION_OPTIONS,
  clientFor,
  type FormParams,
  type FormValue,
  type Method,
  runCommand,
  sleep,
  UsageError,
  usageErrors,
} from './http-client.js';

export const TRIGGER_USAGE = `  sandbank trigger <event> [--api-key KEY] [--url URL]
  sandbank trigger --list`;

export interface Step {
  /** Printed (`Setting up fixture for: payment_intent`), and how later steps refer to its answer. */
  name: string;
  method: Method;
  path: string;
  params?: FormParams;
  /** Error statuses that are the point of the step (a declined card answers 402 and keeps the decline). */
  accept?: number[];
  /**
   * A field (`data.0.id`) the answer must have: the step is repeated until it does, for what the
   * server's clock-driven jobs produce (on PostgreSQL another node may be the one running them).
   */
  waitFor?: string;
}

/** How long a step's `waitFor`, and the check that the event exists, may take. */
const WAIT_MS = 15_000;
const RETRY_MS = 100;

const DAY = 86_400;

/** `${name:path}`: a field of step `name`'s answer, filled in when the step runs. */
const ref = (reference: string) => `\${${reference}}`;

// ---- the steps fixtures are made of ----

const customer: Step = {
  name: 'customer',
  method: 'POST',
  path: '/v1/customers',
  params: { description: '(created by sandbank trigger)' },
};

/** Attaching `pm_card_visa` makes a new PaymentMethod and attaches it (one request, as Stripe allows). */
const attachedCard: Step = {
  name: 'payment_method',
  method: 'POST',
  path: '/v1/payment_methods/pm_card_visa/attach',
  params: { customer: ref('customer:id') },
};

const NO_REDIRECTS = { enabled: true, allow_redirects: 'never' } as const;

/** A $20.00 PaymentIntent, confirmed with `card` unless `confirm: false`. */
function paymentIntent(card: string | null, extra: FormParams = {}, accept?: number[]): Step {
  return {
    name: 'payment_intent',
    method: 'POST',
    path: '/v1/payment_intents',
    params: {
      amount: 2000,
      currency: 'usd',
      automatic_payment_methods: NO_REDIRECTS,
      description: '(created by sandbank trigger)',
      ...(card ? { payment_method: card, confirm: true } : {}),
      ...extra,
    },
    ...(accept ? { accept } : {}),
  };
}

const paid = paymentIntent('pm_card_visa');
/** Authorised only: `capture_method=manual`. */
const authorized = paymentIntent('pm_card_visa', { capture_method: 'manual' });
const declined = paymentIntent('pm_card_chargeDeclined', {}, [402]);
/** Paid with the balance transaction written at once (not `automatic_async`), so time can release it. */
const paidSettled = paymentIntent('pm_card_visa', { capture_method: 'automatic' });
/** Paid into the available balance at once, so a payout can spend it. */
const paidAvailable = paymentIntent('pm_card_bypassPending', { capture_method: 'automatic' });
const disputed = paymentIntent('pm_card_createDispute');

function post(name: string, path: string, params: FormParams = {}): Step {
  return { name, method: 'POST', path, params };
}

/** Moves the account's clock `seconds` ahead and runs what came due (`0`: just what is due now). */
function advance(seconds: number): Step {
  return post('time_advance', '/sandbank/v1/time/advance', { seconds });
}

const refund = post('refund', '/v1/refunds', { payment_intent: ref('payment_intent:id') });
const metadata = { metadata: { sandbank_trigger: 'true' } };
/** The dispute test card's dispute opens as soon as jobs due now run. */
const disputeOpened: Step[] = [
  disputed,
  advance(0),
  {
    name: 'disputes',
    method: 'GET',
    path: '/v1/disputes',
    params: { payment_intent: ref('payment_intent:id') },
    waitFor: 'data.0.id',
  },
];
const payout = post('payout', '/v1/payouts', { amount: 1000, currency: 'usd' });
const setupIntent = (card: string | null, accept?: number[]): Step => ({
  name: 'setup_intent',
  method: 'POST',
  path: '/v1/setup_intents',
  params: {
    automatic_payment_methods: NO_REDIRECTS,
    description: '(created by sandbank trigger)',
    ...(card ? { payment_method: card, confirm: true } : {}),
  },
  ...(accept ? { accept } : {}),
});

// ---- Billing (the same flows as the Stripe CLI's fixtures) ----

const product = post('product', '/v1/products', { name: 'myproduct', description: '(created by sandbank trigger)' });
const monthlyPrice = post('price', '/v1/prices', {
  product: ref('product:id'),
  unit_amount: 1500,
  currency: 'usd',
  recurring: { interval: 'month' },
});
const coupon = post('coupon', '/v1/coupons', { percent_off: 25, duration: 'once' });
const promotionCode = post('promotion_code', '/v1/promotion_codes', {
  promotion: { type: 'coupon', coupon: ref('coupon:id') },
});
const taxRate = post('tax_rate', '/v1/tax_rates', {
  display_name: 'VAT',
  percentage: 20,
  inclusive: false,
  description: '(created by sandbank trigger)',
});
/** A customer whose default payment method is a working card (as the CLI's subscription fixtures). */
const payingCustomer: Step[] = [
  customer,
  attachedCard,
  post('customer', `/v1/customers/${ref('customer:id')}`, {
    invoice_settings: { default_payment_method: ref('payment_method:id') },
  }),
];
/** A customer paying with `card` (a test PaymentMethod alias), attached and made the default. */
function customerPayingWith(card: string): Step[] {
  return [
    customer,
    post('payment_method', `/v1/payment_methods/${card}/attach`, { customer: ref('customer:id') }),
    post('customer', `/v1/customers/${ref('customer:id')}`, {
      invoice_settings: { default_payment_method: ref('payment_method:id') },
    }),
  ];
}
/** A monthly subscription paid at once by the customer's card: created, invoiced, finalised and paid. */
const subscribed: Step[] = [
  ...payingCustomer,
  product,
  monthlyPrice,
  post('subscription', '/v1/subscriptions', { customer: ref('customer:id'), items: [{ price: ref('price:id') }] }),
];
const subscriptionPath = `/v1/subscriptions/${ref('subscription:id')}`;
const invoiceItem = post('invoiceitem', '/v1/invoiceitems', {
  customer: ref('customer:id'),
  amount: 2000,
  currency: 'usd',
  description: '(created by sandbank trigger)',
});
const draftInvoice = post('invoice', '/v1/invoices', {
  customer: ref('customer:id'),
  pending_invoice_items_behavior: 'include',
  description: '(created by sandbank trigger)',
});
const invoicePath = `/v1/invoices/${ref('invoice:id')}`;
const finalized = [customer, invoiceItem, draftInvoice, post('invoice', `${invoicePath}/finalize`)];
/** A one-off invoice paid with `card` through `POST /v1/invoices/:id/pay`. */
function invoicePaidWith(card: string, accept?: number[]): Step[] {
  return [
    ...customerPayingWith(card),
    invoiceItem,
    draftInvoice,
    { ...post('invoice', `${invoicePath}/pay`), ...(accept ? { accept } : {}) },
  ];
}
/** 2020-01-01 and a month later, as the Stripe CLI's test clock fixtures use. */
const CLOCK_START = 1_577_836_800;
const testClock = post('test_clock', '/v1/test_helpers/test_clocks', {
  frozen_time: CLOCK_START,
  name: '(created by sandbank trigger)',
});
const testClockPath = `/v1/test_helpers/test_clocks/${ref('test_clock:id')}`;
const clockAdvanced = [
  testClock,
  post('test_clock', `${testClockPath}/advance`, { frozen_time: CLOCK_START + 31 * DAY }),
];

/** Billing's events → the requests that cause them. */
const BILLING_FIXTURES: Record<string, Step[]> = {
  'product.created': [product],
  'product.updated': [product, post('product', `/v1/products/${ref('product:id')}`, metadata)],
  'product.deleted': [product, { name: 'product', method: 'DELETE', path: `/v1/products/${ref('product:id')}` }],
  'price.created': [product, monthlyPrice],
  'price.updated': [product, monthlyPrice, post('price', `/v1/prices/${ref('price:id')}`, metadata)],
  'coupon.created': [coupon],
  'coupon.updated': [coupon, post('coupon', `/v1/coupons/${ref('coupon:id')}`, metadata)],
  'coupon.deleted': [coupon, { name: 'coupon', method: 'DELETE', path: `/v1/coupons/${ref('coupon:id')}` }],
  'promotion_code.created': [coupon, promotionCode],
  'promotion_code.updated': [
    coupon,
    promotionCode,
    post('promotion_code', `/v1/promotion_codes/${ref('promotion_code:id')}`, metadata),
  ],
  'tax_rate.created': [taxRate],
  'tax_rate.updated': [taxRate, post('tax_rate', `/v1/tax_rates/${ref('tax_rate:id')}`, metadata)],

  'customer.subscription.created': subscribed,
  'customer.subscription.updated': [...subscribed, post('subscription', subscriptionPath, metadata)],
  'customer.subscription.deleted': [...subscribed, { name: 'subscription', method: 'DELETE', path: subscriptionPath }],
  // A one-day trial ends within three days: Stripe announces its end at once.
  'customer.subscription.trial_will_end': [
    customer,
    product,
    monthlyPrice,
    post('subscription', '/v1/subscriptions', {
      customer: ref('customer:id'),
      items: [{ price: ref('price:id') }],
      trial_period_days: 1,
    }),
  ],

  'invoiceitem.created': [customer, invoiceItem],
  'invoiceitem.deleted': [
    customer,
    invoiceItem,
    { name: 'invoiceitem', method: 'DELETE', path: `/v1/invoiceitems/${ref('invoiceitem:id')}` },
  ],
  'invoice.created': [customer, invoiceItem, draftInvoice],
  'invoice.updated': [customer, invoiceItem, draftInvoice, post('invoice', invoicePath, metadata)],
  'invoice.deleted': [customer, invoiceItem, draftInvoice, { name: 'invoice', method: 'DELETE', path: invoicePath }],
  'invoice.finalized': finalized,
  'invoice.voided': [...finalized, post('invoice', `${invoicePath}/void`)],
  'invoice.marked_uncollectible': [...finalized, post('invoice', `${invoicePath}/mark_uncollectible`)],
  'invoice.sent': [
    customer,
    invoiceItem,
    post('invoice', '/v1/invoices', {
      customer: ref('customer:id'),
      collection_method: 'send_invoice',
      days_until_due: 30,
      pending_invoice_items_behavior: 'include',
    }),
    post('invoice', `${invoicePath}/finalize`),
    post('invoice', `${invoicePath}/send`),
  ],
  'invoice.paid': invoicePaidWith('pm_card_visa'),
  'invoice.payment_succeeded': invoicePaidWith('pm_card_visa'),
  'invoice.payment_failed': invoicePaidWith('pm_card_chargeCustomerFail', [402]),
  // A subscription's first invoice, charged to a card that asks for 3-D Secure: the PaymentIntent
  // waits in requires_action and the invoice stays open.
  'invoice.payment_action_required': [
    ...customerPayingWith('pm_card_threeDSecure2Required'),
    product,
    monthlyPrice,
    post('subscription', '/v1/subscriptions', { customer: ref('customer:id'), items: [{ price: ref('price:id') }] }),
  ],

  'test_helpers.test_clock.created': [testClock],
  'test_helpers.test_clock.advancing': clockAdvanced,
  'test_helpers.test_clock.ready': clockAdvanced,
  'test_helpers.test_clock.deleted': [testClock, { name: 'test_clock', method: 'DELETE', path: testClockPath }],
};

// ---- the table ----

/** Every event the implemented resources emit → the requests that cause it. */
export const FIXTURES: Record<string, Step[]> = {
  'customer.created': [customer],
  'customer.updated': [customer, post('customer', `/v1/customers/${ref('customer:id')}`, metadata)],
  'customer.deleted': [customer, { name: 'customer', method: 'DELETE', path: `/v1/customers/${ref('customer:id')}` }],

  'payment_method.attached': [customer, attachedCard],
  'payment_method.detached': [
    customer,
    attachedCard,
    post('payment_method', `/v1/payment_methods/${ref('payment_method:id')}/detach`),
  ],
  'payment_method.updated': [
    customer,
    attachedCard,
    post('payment_method', `/v1/payment_methods/${ref('payment_method:id')}`, metadata),
  ],

  'payment_intent.created': [paymentIntent(null)],
  'payment_intent.succeeded': [paid],
  'payment_intent.payment_failed': [declined],
  'payment_intent.canceled': [
    paymentIntent(null),
    post('payment_intent', `/v1/payment_intents/${ref('payment_intent:id')}/cancel`),
  ],
  'payment_intent.requires_action': [paymentIntent('pm_card_authenticationRequired')],
  'payment_intent.amount_capturable_updated': [authorized],

  'charge.succeeded': [paid],
  'charge.failed': [declined],
  'charge.captured': [authorized, post('payment_intent', `/v1/payment_intents/${ref('payment_intent:id')}/capture`)],
  'charge.refunded': [paid, refund],
  'charge.updated': [
    paid,
    post('charge', `/v1/charges/${ref('payment_intent:latest_charge')}`, {
      description: '(updated by sandbank trigger)',
    }),
  ],
  'charge.refund.updated': [paid, refund, post('refund', `/v1/refunds/${ref('refund:id')}`, metadata)],

  'refund.created': [paid, refund],
  'refund.updated': [paid, refund, post('refund', `/v1/refunds/${ref('refund:id')}`, metadata)],
  // The refund succeeds, then the card refuses it a minute later.
  'refund.failed': [paymentIntent('pm_card_refundFail'), refund, advance(120)],

  'charge.dispute.created': disputeOpened,
  'charge.dispute.funds_withdrawn': disputeOpened,
  'charge.dispute.updated': [
    ...disputeOpened,
    post('dispute', `/v1/disputes/${ref('disputes:data.0.id')}`, {
      evidence: { uncategorized_text: '(sandbank trigger)' },
      submit: false,
    }),
  ],
  'charge.dispute.closed': [...disputeOpened, post('dispute', `/v1/disputes/${ref('disputes:data.0.id')}/close`)],
  // Winning evidence is decided a minute after it is submitted.
  'charge.dispute.funds_reinstated': [
    ...disputeOpened,
    post('dispute', `/v1/disputes/${ref('disputes:data.0.id')}`, {
      evidence: { uncategorized_text: 'winning_evidence' },
    }),
    advance(120),
  ],

  'setup_intent.created': [setupIntent(null)],
  'setup_intent.succeeded': [setupIntent('pm_card_visa')],
  'setup_intent.setup_failed': [setupIntent('pm_card_chargeDeclined', [402])],
  'setup_intent.canceled': [
    setupIntent(null),
    post('setup_intent', `/v1/setup_intents/${ref('setup_intent:id')}/cancel`),
  ],
  'setup_intent.requires_action': [setupIntent('pm_card_authenticationRequired')],

  'payout.created': [paidAvailable, payout],
  'payout.updated': [paidAvailable, payout, post('payout', `/v1/payouts/${ref('payout:id')}`, metadata)],
  'payout.canceled': [paidAvailable, payout, post('payout', `/v1/payouts/${ref('payout:id')}/cancel`)],
  // A standard payout goes in transit at the next midnight UTC and arrives two days later.
  'payout.paid': [paidAvailable, payout, advance(4 * DAY)],
  'payout.failed': [
    paidAvailable,
    post('payout', '/v1/payouts', { amount: 1000, currency: 'usd', destination: 'ba_no_account' }),
    advance(4 * DAY),
  ],

  // Card funds become available at midnight UTC two days after the payment.
  'balance.available': [paidSettled, advance(3 * DAY)],

  ...BILLING_FIXTURES,
};

export function runTrigger(args: string[]): Promise<void> {
  return runCommand(TRIGGER_USAGE, () => trigger(args));
}

async function trigger(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({ args, allowPositionals: true, options: { ...CONNECTION_OPTIONS, list: { type: 'boolean' } } }),
  );
  if (values.list) {
    for (const event of Object.keys(FIXTURES).sort()) console.log(event);
    return;
  }
  const [event, ...rest] = positionals;
  if (!event) throw new UsageError('trigger needs an event type (sandbank trigger --list lists them)');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  const steps = FIXTURES[event];
  if (!steps) {
    const close = closeMatches(event);
    throw new UsageError(
      `event ${event} is not supported.${close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : ''}`,
    );
  }
  try {
    await triggerEvent(clientFor(values), event);
  } catch (err) {
    if (err instanceof ApiError || err instanceof TriggerError) console.error(`Trigger failed: ${err.message}`);
    if (err instanceof TriggerError) {
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  console.log('Trigger succeeded! Check dashboard for event details.');
}

/** The fixture ran but the event did not appear. */
export class TriggerError extends Error {}

/**
 * Runs `event`'s fixture and waits until the account has a new event of that type (so "succeeded"
 * means the event exists); resolves with its id.
 */
export async function triggerEvent(
  client: ApiClient,
  event: string,
  print: (line: string) => void = console.log,
): Promise<string> {
  const steps = FIXTURES[event];
  if (!steps) throw new TriggerError(`event ${event} is not supported.`);
  const newest = async (endingBefore?: string) =>
    ((await client.get('/v1/events', { type: event, limit: 1, ending_before: endingBefore })) as AnyJson).data[0]?.id as
      | string
      | undefined;
  const before = await newest();
  await runFixtures(client, steps, print);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const id = await newest(before);
    if (id) return id;
    if (Date.now() > deadline) throw new TriggerError(`no ${event} event appeared within ${WAIT_MS / 1000} s`);
    await sleep(RETRY_MS);
  }
}

/**
 * Runs `steps` against the server, printing each as the Stripe CLI does; resolves with every step's
 * answer by name. Throws the first unexpected `ApiError`.
 */
export async function runFixtures(
  client: ApiClient,
  steps: readonly Step[],
  print: (line: string) => void = console.log,
): Promise<Map<string, unknown>> {
  const answers = new Map<string, unknown>();
  for (const step of steps) {
    print(`Setting up fixture for: ${step.name}`);
    const path = resolve(step.path, answers) as string;
    const params = resolve(step.params ?? {}, answers) as FormParams;
    print(`Running fixture for: ${step.name}`);
    const deadline = Date.now() + WAIT_MS;
    let answer: unknown;
    for (;;) {
      try {
        answer = await client.request(step.method, path, params);
      } catch (err) {
        if (!(err instanceof ApiError && step.accept?.includes(err.status))) throw err;
        answer = err.body;
      }
      if (!step.waitFor || lookup(answer, step.waitFor) !== undefined) break;
      if (Date.now() > deadline) {
        throw new TriggerError(`${step.name} has no ${step.waitFor} after ${WAIT_MS / 1000} s`);
      }
      await sleep(RETRY_MS);
    }
    answers.set(step.name, answer);
  }
  return answers;
}

function lookup(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) at = (at as Record<string, unknown> | null | undefined)?.[key];
  return at ?? undefined;
}

/** Replaces `${name:path}` in strings (recursively through params) with earlier answers' fields. */
function resolve(value: FormValue, answers: Map<string, unknown>): FormValue {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+):([\w.]+)\}/g, (_, name: string, path: string) => {
      const at = lookup(answers.get(name), path);
      if (typeof at !== 'string' && typeof at !== 'number') {
        throw new Error(`fixture reference \${${name}:${path}} has no value`);
      }
      return String(at);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, answers));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v as FormValue, answers)]));
  }
  return value;
}

/** Supported events close to a mistyped one: a small edit distance, or the same object (`charge.…`). */
export function closeMatches(event: string): string[] {
  const object = event.slice(0, event.lastIndexOf('.'));
  const scored = Object.keys(FIXTURES)
    .map((name) => ({ name, distance: editDistance(event, name) }))
    .filter(
      ({ name, distance }) =>
        distance <= Math.max(2, Math.floor(event.length / 4)) || (object !== '' && name.startsWith(`${object}.`)),
    );
  return scored
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, 8)
    .map((s) => s.name);
}
