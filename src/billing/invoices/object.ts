/**
 * The Invoice object and its line items, in the pinned API's shape (`parent`, `payments`,
 * `confirmation_secret`, `total_taxes`, `pricing` on lines), with the invoice's state machine as a
 * table and the private state kept beside it (every line, the hosted-page token, the payment).
 */
import type { Address, Shipping } from '../../customers/object.js';
import { invalidRequest, type StripeError } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';
import type { SearchableResource } from '../../platform/search.js';

export const INVOICE = 'invoice';
export const LINE_ITEM = 'line_item';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
export type CollectionMethod = 'charge_automatically' | 'send_invoice';
export type BillingReason =
  | 'automatic_pending_invoice_item_invoice'
  | 'manual'
  | 'quote_accept'
  | 'subscription'
  | 'subscription_create'
  | 'subscription_cycle'
  | 'subscription_threshold'
  | 'subscription_update'
  | 'upcoming';

/**
 * Which status may follow which (facts §8.3). Deleting a draft is not a transition: the invoice is
 * gone. `uncollectible` can still be paid (out of band or by a late payment) or voided.
 */
export const INVOICE_TRANSITIONS = {
  draft: ['open'],
  open: ['paid', 'void', 'uncollectible'],
  uncollectible: ['paid', 'void'],
  paid: [],
  void: [],
} as const satisfies Record<InvoiceStatus, readonly InvoiceStatus[]>;

/** Which statuses each action is allowed from, and Stripe's answer otherwise. */
export const INVOICE_ACTIONS = {
  finalize: ['draft'],
  pay: ['open', 'uncollectible'],
  send: ['open'],
  void: ['open', 'uncollectible'],
  mark_uncollectible: ['open'],
  delete: ['draft'],
  edit: ['draft'],
} as const satisfies Record<string, readonly InvoiceStatus[]>;

export type InvoiceAction = keyof typeof INVOICE_ACTIONS;

/** Stripe's refusal of a status-bound action (no `code`, as Stripe answers these). */
export const NOT_OPEN = "You can only pass in open invoices. This invoice isn't open.";
/** Stripe's refusal of a line or item change on a finalised invoice (this one does carry a code). */
export const NOT_EDITABLE = 'Invalid invoice: This invoice is no longer editable';

/**
 * Stripe's messages for an action the invoice's status does not allow (as recorded against the
 * API: only the line-editing refusal carries a `code`).
 */
function refusal(action: InvoiceAction, invoice: Invoice): StripeError {
  const status = invoice.status;
  switch (action) {
    case 'finalize':
      return invalidRequest("This invoice is already finalized, you can't re-finalize a non-draft invoice.");
    case 'pay':
      return invalidRequest(
        status === 'paid' ? 'Invoice is already paid' : `This invoice can no longer be paid because it is ${status}.`,
      );
    case 'send':
      return invalidRequest(
        'This invoice cannot be sent right now. Please contact us via https://support.stripe.com/contact with details, so we can help.',
      );
    case 'void':
      return invalidRequest(status === 'paid' ? 'Invoices with `paid` payments cannot be voided.' : NOT_OPEN);
    case 'mark_uncollectible':
      return invalidRequest(
        status === 'uncollectible' ? 'This invoice has already been marked uncollectible.' : NOT_OPEN,
      );
    case 'delete':
      return invalidRequest('You can only delete draft invoices.');
    case 'edit':
      return invalidRequest(NOT_EDITABLE, { code: 'invoice_not_editable' });
  }
}

/** Throws Stripe's error unless `action` is allowed in the invoice's current status. */
export function requireInvoiceStatus(invoice: Invoice, action: InvoiceAction): void {
  if (!(INVOICE_ACTIONS[action] as readonly string[]).includes(invoice.status)) throw refusal(action, invoice);
}

/** Moves the invoice along the table; an illegal move is a bug in the caller (actions check first). */
export function transitionInvoice(invoice: Invoice, to: InvoiceStatus): void {
  const allowed = INVOICE_TRANSITIONS[invoice.status] as readonly InvoiceStatus[];
  if (!allowed.includes(to)) throw new Error(`invoice ${invoice.id}: ${invoice.status} → ${to} is not a transition`);
  invoice.status = to;
}

export interface DiscountAmount {
  amount: number;
  discount: string;
}

export interface TaxAmount {
  amount: number;
  tax_behavior: 'exclusive' | 'inclusive';
  tax_rate_details: { tax_rate: string };
  taxability_reason: 'standard_rated';
  taxable_amount: number;
  type: 'tax_rate_details';
}

export interface PretaxCreditAmount {
  amount: number;
  discount: string;
  type: 'discount';
}

export interface LineParent {
  invoice_item_details: {
    invoice_item: string;
    proration: boolean;
    proration_details: { credited_items: null } | null;
    subscription: string | null;
  } | null;
  subscription_item_details: {
    invoice_item: string | null;
    proration: boolean;
    proration_details: { credited_items: null } | null;
    subscription: string | null;
    subscription_item: string;
  } | null;
  type: 'invoice_item_details' | 'subscription_item_details';
}

export interface LinePricing {
  price_details?: { price: string; product: string };
  type: 'price_details';
  unit_amount_decimal: string | null;
}

/** An invoice line (`il_`), as `GET /v1/invoices/:id/lines` and `invoice.lines` show it. */
export interface InvoiceLine {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  discount_amounts: DiscountAmount[];
  discountable: boolean;
  discounts: string[];
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  parent: LineParent;
  period: { end: number; start: number };
  pretax_credit_amounts: PretaxCreditAmount[];
  pricing: LinePricing | null;
  quantity: number | null;
  quantity_decimal: string | null;
  subscription: string | null;
  /** Quantity × unit price, before discounts and taxes (the same as `amount`). */
  subtotal: number;
  taxes: TaxAmount[];
}

/**
 * What computing amounts needs of a line besides its shape: the tax rates that apply to it (its
 * own, else the invoice's defaults). Kept in the invoice's private state, never rendered.
 */
export interface LineState {
  /** `txr_` ids of the line's own tax rates (empty: the invoice's `default_tax_rates` apply). */
  taxRates: string[];
}

export interface StatusTransitions {
  finalized_at: number | null;
  marked_uncollectible_at: number | null;
  paid_at: number | null;
  voided_at: number | null;
}

export interface InvoiceParent {
  quote_details: null;
  subscription_details: { metadata: Metadata | null; subscription: string } | null;
  type: 'subscription_details';
}

export interface Invoice {
  id: string;
  object: 'invoice';
  account_country: string;
  account_name: string | null;
  account_tax_ids: null;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  application: null;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: {
    disabled_reason: null;
    enabled: false;
    liability: null;
    provider: null;
    status: null;
  };
  automatically_finalizes_at: number | null;
  billing_reason: BillingReason | null;
  collection_method: CollectionMethod;
  created: number;
  currency: string;
  custom_fields: { name: string; value: string }[] | null;
  customer: string;
  customer_account: null;
  customer_address: Address | null;
  customer_email: string | null;
  customer_name: string | null;
  customer_phone: string | null;
  customer_shipping: Shipping | null;
  customer_tax_exempt: 'exempt' | 'none' | 'reverse' | null;
  customer_tax_ids: { type: string; value: string }[];
  default_payment_method: string | null;
  default_source: string | null;
  /** Full TaxRate objects, as Stripe embeds them. */
  default_tax_rates: Record<string, unknown>[];
  description: string | null;
  discounts: string[];
  due_date: number | null;
  effective_at: number | null;
  ending_balance: number | null;
  footer: string | null;
  from_invoice: null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  issuer: { type: 'self' };
  last_finalization_error: null | { message: string; type: string; code?: string };
  latest_revision: null;
  lines: { object: 'list'; data: InvoiceLine[]; has_more: boolean; url: string };
  livemode: false;
  metadata: Metadata;
  next_payment_attempt: number | null;
  number: string | null;
  on_behalf_of: null;
  parent: InvoiceParent | null;
  payment_settings: {
    default_mandate: null;
    payment_method_options: null;
    payment_method_types: string[] | null;
  };
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  receipt_number: null;
  rendering: { amount_tax_display: null; pdf: { page_size: 'auto' }; template: null; template_version: null };
  shipping_cost: null;
  shipping_details: null;
  starting_balance: number;
  statement_descriptor: string | null;
  status: InvoiceStatus;
  status_transitions: StatusTransitions;
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: string | null;
  total: number;
  total_discount_amounts: DiscountAmount[];
  total_excluding_tax: number;
  total_pretax_credit_amounts: PretaxCreditAmount[];
  total_taxes: TaxAmount[];
  webhooks_delivered_at: number | null;
}

/** Server-only state of an invoice. */
export interface InvoiceState {
  /** Every line in order (the object shows the first ten, as Stripe embeds them). */
  lines: InvoiceLine[];
  /** Per line id: what amounts need but the line does not show. */
  lineState: Record<string, LineState>;
  /** The hosted invoice page's token (`/invoice/<token>`, `/invoice/<token>/pdf`). */
  token: string;
  /** The PaymentIntent finalisation created (when there was anything to pay). */
  paymentIntent?: string;
  /** The InvoicePayment recording that PaymentIntent. */
  invoicePayment?: string;
  /** When the first payment attempt was made (the retry schedule counts from it). */
  firstAttemptAt?: number;
  /** The customer balance transaction written when credit was applied at finalization. */
  balanceTransaction?: string;
  /** Sequence number of the invoice under its customer (for `number`). */
  sequence?: number;
}

/** How many lines the invoice object embeds; the rest are read through `/v1/invoices/:id/lines`. */
export const EMBEDDED_LINES = 10;

export const invoiceFields = (inv: Invoice, state: InvoiceState) => ({
  customer: inv.customer,
  status: inv.status,
  subscription: inv.parent?.subscription_details?.subscription ?? null,
  collection_method: inv.collection_method,
  due_date: inv.due_date === null ? null : String(inv.due_date),
  payment_intent: state.paymentIntent ?? null,
  page_token: state.token,
});

export const invoiceSearch: SearchableResource = {
  resource: 'invoices',
  metadata: true,
  fields: {
    created: { kind: 'numeric', target: { column: 'created' } },
    currency: { kind: 'token', target: { json: ['currency'], numeric: false } },
    customer: { kind: 'token', target: { json: ['customer'], numeric: false } },
    number: { kind: 'string', target: { json: ['number'], numeric: false } },
    receipt_number: { kind: 'string', target: { json: ['receipt_number'], numeric: false } },
    status: { kind: 'token', target: { json: ['status'], numeric: false } },
    subscription: {
      kind: 'token',
      target: { json: ['parent', 'subscription_details', 'subscription'], numeric: false },
    },
    total: { kind: 'numeric', target: { json: ['total'], numeric: true } },
  },
};

registerExpandable(INVOICE, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(INVOICE, 'default_payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(INVOICE, 'default_source', { kind: 'reference' });
registerExpandable(INVOICE, 'test_clock', { kind: 'reference', to: 'test_helpers.test_clock' });
registerExpandable(INVOICE, 'parent.subscription_details.subscription', { kind: 'reference', to: 'subscription' });
registerExpandable(INVOICE, 'discounts', { kind: 'reference', to: 'discount' });
registerExpandable(LINE_ITEM, 'discounts', { kind: 'reference', to: 'discount' });
registerExpandable(LINE_ITEM, 'subscription', { kind: 'reference', to: 'subscription' });
registerExpandable(LINE_ITEM, 'pricing.price_details.price', { kind: 'reference', to: 'price' });
