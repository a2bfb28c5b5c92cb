/**
 * The InvoicePayment object (`inpay_`): one payment (a PaymentIntent) towards an invoice, with its
 * own status (`open` → `paid` | `canceled`). `/v1/invoice_payments` lists and retrieves them, and
 * `invoice.payments` (expanded) shows an invoice's.
 */
import { registerExpandable } from '../../platform/expand.js';

export const INVOICE_PAYMENT = 'invoice_payment';

export type InvoicePaymentStatus = 'open' | 'paid' | 'canceled';

export const INVOICE_PAYMENT_TRANSITIONS = {
  open: ['paid', 'canceled'],
  paid: [],
  canceled: [],
} as const satisfies Record<InvoicePaymentStatus, readonly InvoicePaymentStatus[]>;

export interface InvoicePayment {
  id: string;
  object: 'invoice_payment';
  amount_paid: number | null;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: false;
  payment: { payment_intent: string; type: 'payment_intent' };
  status: InvoicePaymentStatus;
  status_transitions: { canceled_at: number | null; paid_at: number | null };
}

export const invoicePaymentFields = (p: InvoicePayment) => ({
  invoice: p.invoice,
  status: p.status,
  payment_intent: p.payment.payment_intent,
});

registerExpandable(INVOICE_PAYMENT, 'invoice', { kind: 'reference', to: 'invoice' });
registerExpandable(INVOICE_PAYMENT, 'payment.payment_intent', { kind: 'reference', to: 'payment_intent' });

// `invoice.payments` and `invoice.confirmation_secret` are only present when expanded (Stripe's
// includable fields): the invoice's payments, and the client secret of its default PaymentIntent.
registerExpandable('invoice', 'payments', {
  kind: 'includable',
  resolve: async (invoice, source) => {
    const page = await source.list(INVOICE_PAYMENT, { invoice: String(invoice.id) }, 10);
    return {
      object: 'list',
      data: page.data,
      has_more: page.has_more,
      url: `/v1/invoice_payments?invoice=${invoice.id}`,
    };
  },
});
registerExpandable('invoice', 'confirmation_secret', {
  kind: 'includable',
  resolve: async (invoice, source) => {
    const page = await source.list(INVOICE_PAYMENT, { invoice: String(invoice.id) }, 10);
    const current = (page.data as unknown as InvoicePayment[]).find((p) => p.is_default);
    if (!current) return null;
    const pi = await source.load(current.payment.payment_intent);
    const secret = pi?.client_secret;
    return typeof secret === 'string' ? { client_secret: secret, type: 'payment_intent' } : null;
  },
});
