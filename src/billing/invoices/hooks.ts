/**
 * Listeners other Billing services register to react to an invoice's payment life, so invoices
 * never need to know about subscriptions: a subscription moves to `active`, `past_due`, `unpaid`
 * or `canceled` from these calls. Every listener runs in the transaction of the change, on the
 * invoice customer's clock, after the invoice's own events are emitted.
 *
 * Register at module load (e.g. `onInvoiceEvents({ paid: … })` in subscriptions/invoicing.ts).
 */

import type { Customer } from '../../customers/object.js';
import type { PaymentIntent } from '../../payments/payment-intents/object.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Invoice, InvoiceLine } from './object.js';

export interface InvoiceListeners {
  /** The invoice became `paid` (a payment, out of band, or nothing to pay at finalisation). */
  paid?(ctx: MutationContext, invoice: Invoice): Promise<void>;
  /**
   * A payment attempt failed. `final` is true when no automatic retry will follow (a hard
   * decline, no payment method, the retry schedule used up, or not an automatic attempt).
   */
  paymentFailed?(ctx: MutationContext, invoice: Invoice, info: { final: boolean; automatic: boolean }): Promise<void>;
  /** The attempt needs the customer (3-D Secure): the PaymentIntent is `requires_action`. */
  actionRequired?(ctx: MutationContext, invoice: Invoice, paymentIntent: PaymentIntent): Promise<void>;
  voided?(ctx: MutationContext, invoice: Invoice): Promise<void>;
  markedUncollectible?(ctx: MutationContext, invoice: Invoice): Promise<void>;
  /** A `send_invoice` invoice is still open on its due date (`invoice.overdue`). */
  overdue?(ctx: MutationContext, invoice: Invoice): Promise<void>;
  /** The invoice was finalised (`open`, or `paid` when nothing was due). */
  finalized?(ctx: MutationContext, invoice: Invoice): Promise<void>;
  /**
   * The retry schedule is used up and the last automatic attempt failed (dunning). Called before
   * the account's invoice-end setting (leave open / mark uncollectible) is applied.
   */
  retriesExhausted?(ctx: MutationContext, invoice: Invoice): Promise<void>;
}

const listeners: InvoiceListeners[] = [];

/** Registers listeners; each call adds one set (all sets are called, in registration order). */
export function onInvoiceEvents(l: InvoiceListeners): void {
  listeners.push(l);
}

/** Shorthand for the dunning hook the brief names. */
export function onRetriesExhausted(fn: NonNullable<InvoiceListeners['retriesExhausted']>): void {
  listeners.push({ retriesExhausted: fn });
}

type Hook = keyof InvoiceListeners;

/** Calls every registered listener for `hook`. */
export async function notify<H extends Hook>(
  hook: H,
  ...args: Parameters<NonNullable<InvoiceListeners[H]>>
): Promise<void> {
  for (const l of listeners) {
    const fn = l[hook] as ((...a: unknown[]) => Promise<void>) | undefined;
    if (fn) await fn(...args);
  }
}

/** What a preview is being built from, for contributors (`POST /v1/invoices/create_preview`). */
export interface PreviewDraft {
  /** The preview invoice (not stored): contributors may set `parent`, `period_*`, `billing_reason`, `currency`. */
  invoice: Invoice;
  customer: Customer | null;
  /** The request's parameters as parsed (`subscription`, `subscription_details`, `schedule`, …). */
  input: Record<string, unknown>;
  /** Adds a line to the preview; `taxRates` as for a stored line. */
  addLine(line: InvoiceLine, taxRates?: string[]): void;
}

export type PreviewContributor = (ctx: MutationContext, draft: PreviewDraft) => Promise<void>;

const contributors: PreviewContributor[] = [];

/**
 * Lets another service add lines to previews: subscriptions contributes the next period's (or a
 * proposed change's) subscription lines when `subscription` / `subscription_details` is given.
 */
export function registerPreviewContributor(fn: PreviewContributor): void {
  contributors.push(fn);
}

export function previewContributors(): readonly PreviewContributor[] {
  return contributors;
}
