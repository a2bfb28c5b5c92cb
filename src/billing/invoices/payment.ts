/**
 * Paying an invoice: an attempt confirms the invoice's PaymentIntent (created at finalisation)
 * with a payment method chosen in Stripe's order, and the outcome moves the invoice —
 * `paid` with `invoice.paid`, `invoice.payment_succeeded` and `invoice_payment.paid`; a decline
 * leaves it open with `invoice.payment_failed` (and, for automatic collection, the next retry
 * scheduled by the dunning policy); 3-D Secure leaves it open with
 * `invoice.payment_action_required` until the customer completes the PaymentIntent, which a
 * listener on the payments code picks up. Also paying out of band.
 */
import { CUSTOMER, type Customer } from '../../customers/object.js';
import { emitEvent } from '../../events/outbox.js';
import { onPaymentIntentSettled } from '../../payments/payment-intents/listeners.js';
import type { PaymentIntent } from '../../payments/payment-intents/object.js';
import { confirmPaymentIntent, updatePaymentIntent } from '../../payments/payment-intents/service.js';
import { invalidRequest, StripeError } from '../../platform/errors.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import { nextAttemptAt, retryable } from '../dunning/schedule.js';
import { dunningSettings } from '../dunning/settings.js';
import { cancelInvoicePayment, markInvoicePaymentPaid } from '../invoice-payments/service.js';
import { onTestClock } from '../test-clocks/context.js';
import { notify } from './hooks.js';
import { type LoadedInvoice, loadInvoiceState, saveInvoice } from './lines.js';
import { INVOICE, type Invoice, requireInvoiceStatus, transitionInvoice } from './object.js';
import { cancelOpenPaymentIntent, loadPaymentIntent } from './payment-intent.js';
import { finalizeInvoice, JOB_ATTEMPT, markInvoiceUncollectible, openInvoice } from './service.js';

const NO_PAYMENT_METHOD =
  'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.';

const REQUIRES_ACTION =
  'This invoice requires action: the customer must complete authentication of its PaymentIntent (confirmation_secret). Pass a different payment_method to try another one instead.';

/** PaymentIntents being confirmed by an invoice attempt right now: their outcome is handled by the attempt. */
const attempting = new Set<string>();

export interface AttemptOptions {
  /** An automatic attempt (auto_advance, dunning retries): counts on the retry schedule, never throws a decline. */
  automatic: boolean;
  /** A payment method to use instead of the invoice's and customer's defaults. */
  paymentMethod?: string | null;
  /** Default: true (Stripe's invoices are paid off-session unless told otherwise). */
  offSession?: boolean;
}

export interface AttemptResult {
  invoice: Invoice;
  outcome: 'paid' | 'failed' | 'requires_action';
  /** The decline a manual attempt answers with (a 402 card error). */
  error?: StripeError;
}

/**
 * The payment method an attempt uses, in Stripe's order: the invoice's `default_payment_method`
 * (or `default_source`), then the subscription's, then the customer's
 * `invoice_settings.default_payment_method`, then the customer's `default_source`.
 */
async function paymentMethodFor(ctx: MutationContext, invoice: Invoice): Promise<string | null> {
  if (invoice.default_payment_method) return invoice.default_payment_method;
  if (invoice.default_source) return invoice.default_source;
  const subId = invoice.parent?.subscription_details?.subscription;
  if (subId) {
    const row = await ctx.tx.getObject(ctx.account.id, subId);
    if (row && !row.deleted) {
      const sub = JSON.parse(row.json) as { default_payment_method?: string | null; default_source?: string | null };
      if (sub.default_payment_method) return sub.default_payment_method;
      if (sub.default_source) return sub.default_source;
    }
  }
  const customer = (await loadObject<Customer>(ctx.tx, ctx.account.id, invoice.customer, CUSTOMER)).object;
  return customer.invoice_settings.default_payment_method ?? customer.default_source ?? null;
}

function countAttempt(invoice: Invoice, automatic: boolean): void {
  invoice.attempted = true;
  // Any attempt is the first; after it only automatic retries count (Stripe's `attempt_count`).
  if (invoice.attempt_count === 0 || automatic) invoice.attempt_count += 1;
}

/**
 * Marks the invoice paid (after its PaymentIntent succeeded, out of band, or with nothing due):
 * `invoice.paid`, `invoice.payment_succeeded`, `invoice_payment.paid`, then the `paid` listeners.
 */
export async function markInvoicePaid(
  ctx: MutationContext,
  loaded: LoadedInvoice,
  how: { paymentIntent: PaymentIntent | null; outOfBand?: boolean; automatic?: boolean },
): Promise<Invoice> {
  const { invoice, state } = loaded;
  const paidNow = invoice.amount_remaining;
  transitionInvoice(invoice, 'paid');
  if (how.paymentIntent) countAttempt(invoice, how.automatic ?? false);
  invoice.amount_paid += paidNow;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = ctx.clock.now();
  invoice.next_payment_attempt = null;
  invoice.auto_advance = false;
  const saved = await saveInvoice(ctx, loaded);
  await emitEvent(ctx, 'invoice.paid', saved);
  if (!how.outOfBand) await emitEvent(ctx, 'invoice.payment_succeeded', saved);
  if (state.invoicePayment) {
    if (how.paymentIntent) await markInvoicePaymentPaid(ctx, state.invoicePayment, paidNow);
    else await cancelInvoicePayment(ctx, state.invoicePayment);
  }
  await notify('paid', ctx, saved);
  return saved;
}

/**
 * A failed attempt: counted, `invoice.payment_failed`, and for automatic collection the next
 * retry scheduled (or, when none follows, the retries-exhausted listeners and the account's
 * invoice-end setting).
 */
async function recordFailure(
  ctx: MutationContext,
  loaded: LoadedInvoice,
  failure: { automatic: boolean; declineCode: string | null; noPaymentMethod: boolean },
): Promise<Invoice> {
  const { invoice, state } = loaded;
  const now = ctx.clock.now();
  countAttempt(invoice, failure.automatic);
  state.firstAttemptAt ??= now;
  // Retries follow automatic collection only, and not a subscription's first invoice (the
  // subscription stays incomplete instead, and expires).
  const dunned =
    failure.automatic &&
    invoice.collection_method === 'charge_automatically' &&
    invoice.billing_reason !== 'subscription_create';
  let next: number | null = null;
  if (dunned && retryable(failure)) {
    next = nextAttemptAt(state.firstAttemptAt, invoice.attempt_count, await dunningSettings(ctx.tx, ctx.account.id));
  }
  invoice.next_payment_attempt = next;
  const saved = await saveInvoice(ctx, loaded);
  await emitEvent(ctx, 'invoice.payment_failed', saved);
  if (next !== null) {
    await scheduleJob(ctx, {
      dueAt: next,
      kind: JOB_ATTEMPT,
      target: invoice.id,
      payload: { at: next, automatic: true },
    });
  }
  await notify('paymentFailed', ctx, saved, { final: next === null, automatic: failure.automatic });
  if (dunned && next === null) {
    await notify('retriesExhausted', ctx, saved);
    const settings = await dunningSettings(ctx.tx, ctx.account.id);
    const current = await loadInvoiceState(ctx.tx, ctx.account.id, invoice.id);
    if (settings.invoiceEnd === 'mark_uncollectible' && current.invoice.status === 'open') {
      return markInvoiceUncollectible(ctx, invoice.id);
    }
    return current.invoice;
  }
  return saved;
}

async function recordActionRequired(ctx: MutationContext, loaded: LoadedInvoice, pi: PaymentIntent): Promise<Invoice> {
  // Stripe shows an attempt waiting for the customer as attempted, without counting it.
  loaded.invoice.attempted = true;
  loaded.state.firstAttemptAt ??= ctx.clock.now();
  loaded.invoice.next_payment_attempt = null;
  const saved = await saveInvoice(ctx, loaded);
  await emitEvent(ctx, 'invoice.payment_action_required', saved);
  await notify('actionRequired', ctx, saved, pi);
  return saved;
}

function declineCodeOf(err: unknown, pi: PaymentIntent): string | null {
  if (err instanceof StripeError && err.declineCode) return err.declineCode;
  return pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? null;
}

/**
 * One payment attempt on an open (or uncollectible) invoice. Automatic attempts never throw a
 * decline; manual ones report it in `error` (the API rethrows it as Stripe's 402). Subscriptions
 * call this for a new subscription's first invoice (`automatic: false` with
 * `payment_behavior=error_if_incomplete`, or `automatic: true` for `allow_incomplete`).
 */
export async function attemptInvoicePayment(
  ctx: MutationContext,
  id: string,
  opts: AttemptOptions,
): Promise<AttemptResult> {
  const { loaded, ctx: cctx } = await openInvoice(ctx, id);
  const { invoice, state } = loaded;
  requireInvoiceStatus(invoice, 'pay');
  if (invoice.amount_remaining === 0 || !state.paymentIntent) {
    return { invoice: await markInvoicePaid(cctx, loaded, { paymentIntent: null }), outcome: 'paid' };
  }
  let pi = await loadPaymentIntent(cctx, state.paymentIntent);
  if (pi.status === 'succeeded') {
    return {
      invoice: await markInvoicePaid(cctx, loaded, { paymentIntent: pi, automatic: opts.automatic }),
      outcome: 'paid',
    };
  }
  const chosen = opts.paymentMethod ?? (pi.status === 'requires_action' ? null : await paymentMethodFor(cctx, invoice));
  if (pi.status === 'requires_action' && !chosen) {
    if (opts.automatic) return { invoice, outcome: 'requires_action' };
    throw invalidRequest(REQUIRES_ACTION, { code: 'invoice_payment_intent_requires_action' });
  }
  if (!chosen) {
    if (!opts.automatic) throw invalidRequest(NO_PAYMENT_METHOD, { code: 'resource_missing' });
    return {
      invoice: await recordFailure(cctx, loaded, { automatic: true, declineCode: null, noPaymentMethod: true }),
      outcome: 'failed',
    };
  }
  if (pi.status === 'requires_action') {
    // A new payment method replaces the one awaiting authentication.
    await updatePaymentIntent(cctx, pi.id, { payment_method: chosen } as Parameters<typeof updatePaymentIntent>[2]);
  }
  const legacy = chosen.startsWith('card_') || chosen.startsWith('src_');
  let error: StripeError | undefined;
  attempting.add(pi.id);
  try {
    pi = await confirmPaymentIntent(cctx, pi.id, {
      ...(legacy ? { source: chosen } : { payment_method: chosen }),
      off_session: opts.offSession ?? true,
    });
  } catch (err) {
    if (!(err instanceof StripeError) || !err.keepChanges) throw err;
    error = err;
    pi = await loadPaymentIntent(cctx, pi.id);
  } finally {
    attempting.delete(pi.id);
  }
  const fresh = await loadInvoiceState(cctx.tx, cctx.account.id, id, { forUpdate: true });
  if (pi.status === 'succeeded') {
    return {
      invoice: await markInvoicePaid(cctx, fresh, { paymentIntent: pi, automatic: opts.automatic }),
      outcome: 'paid',
    };
  }
  if (pi.status === 'requires_action') {
    return { invoice: await recordActionRequired(cctx, fresh, pi), outcome: 'requires_action' };
  }
  const failed = await recordFailure(cctx, fresh, {
    automatic: opts.automatic,
    declineCode: declineCodeOf(error, pi),
    noPaymentMethod: false,
  });
  return { invoice: failed, outcome: 'failed', ...(error ? { error } : {}) };
}

export interface PayInput {
  forgive?: boolean | null;
  mandate?: string | null;
  off_session?: boolean | null;
  paid_out_of_band?: boolean | null;
  payment_method?: string | null;
  source?: string | null;
}

/**
 * `POST /v1/invoices/:id/pay`: a draft is finalised first; `paid_out_of_band` marks it paid
 * without a payment (its PaymentIntent is canceled); otherwise one attempt, whose decline is
 * answered with Stripe's 402 card error (the invoice keeps the failed attempt).
 */
export async function payInvoice(ctx: MutationContext, id: string, input: PayInput): Promise<Invoice> {
  const current = (await loadInvoiceState(ctx.tx, ctx.account.id, id, { forUpdate: true })).invoice;
  if (current.status === 'draft') await finalizeInvoice(ctx, id);
  if (input.paid_out_of_band) {
    if (input.payment_method || input.source) {
      throw invalidRequest('You cannot pass `payment_method` or `source` with `paid_out_of_band`.', {
        param: 'paid_out_of_band',
      });
    }
    const { loaded, ctx: cctx } = await openInvoice(ctx, id);
    requireInvoiceStatus(loaded.invoice, 'pay');
    if (loaded.state.paymentIntent) await cancelOpenPaymentIntent(cctx, loaded.state.paymentIntent);
    const fresh = await loadInvoiceState(cctx.tx, cctx.account.id, id, { forUpdate: true });
    return markInvoicePaid(cctx, fresh, { paymentIntent: null, outOfBand: true });
  }
  const result = await attemptInvoicePayment(ctx, id, {
    automatic: false,
    paymentMethod: input.payment_method ?? input.source ?? null,
    offSession: input.off_session ?? true,
  });
  if (result.error) throw result.error;
  return result.invoice;
}

/**
 * Job `invoice.attempt_payment`: the first automatic attempt after finalisation, and each dunning
 * retry. Stale jobs (the invoice was paid, voided or rescheduled meanwhile) do nothing.
 */
export async function runAttemptJob(ctx: MutationContext, invoiceId: string, at: number): Promise<void> {
  const row = await ctx.tx.getObject(ctx.account.id, invoiceId);
  if (!row || row.deleted || row.type !== INVOICE) return;
  const invoice = JSON.parse(row.json) as Invoice;
  if (invoice.status !== 'open' || invoice.collection_method !== 'charge_automatically') return;
  if (invoice.next_payment_attempt !== at) return;
  await attemptInvoicePayment(ctx, invoiceId, { automatic: true });
}

/**
 * Job `invoice.auto_finalize`: a draft with `auto_advance` finalises itself at
 * `automatically_finalizes_at`; its first payment attempt follows (finalizeInvoice schedules it).
 */
export async function runAutoFinalizeJob(ctx: MutationContext, invoiceId: string, at: number): Promise<void> {
  const row = await ctx.tx.getObject(ctx.account.id, invoiceId);
  if (!row || row.deleted || row.type !== INVOICE) return;
  const invoice = JSON.parse(row.json) as Invoice;
  if (invoice.status !== 'draft' || !invoice.auto_advance || invoice.automatically_finalizes_at !== at) return;
  await finalizeInvoice(ctx, invoiceId);
}

// A PaymentIntent of an invoice settled outside an invoice attempt: the customer completed (or
// failed) 3-D Secure, or confirmed it with the client secret. The invoice follows.
onPaymentIntentSettled(async (ctx, pi) => {
  // An invoice's PaymentIntent always has the invoice's customer: other payments cost no lookup.
  if (attempting.has(pi.id) || pi.customer === null) return;
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: INVOICE,
    limit: 1,
    equals: { payment_intent: pi.id },
  });
  const row = page.rows[0];
  if (!row) return;
  const loaded = await loadInvoiceState(ctx.tx, ctx.account.id, row.id, { forUpdate: true });
  if (loaded.invoice.status !== 'open' && loaded.invoice.status !== 'uncollectible') return;
  const cctx = await onTestClock(ctx, loaded.invoice.test_clock);
  if (pi.status === 'succeeded') {
    await markInvoicePaid(cctx, loaded, { paymentIntent: pi });
  } else if (pi.status === 'requires_payment_method') {
    await recordFailure(cctx, loaded, {
      automatic: false,
      declineCode: pi.last_payment_error?.decline_code ?? null,
      noPaymentMethod: false,
    });
  }
});
