/** Recording an invoice's payments (InvoicePayment objects) as its PaymentIntent moves. */
import { emitEvent } from '../../events/outbox.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Invoice } from '../invoices/object.js';
import {
  INVOICE_PAYMENT,
  INVOICE_PAYMENT_TRANSITIONS,
  type InvoicePayment,
  type InvoicePaymentStatus,
  invoicePaymentFields,
} from './object.js';

function transition(p: InvoicePayment, to: InvoicePaymentStatus): void {
  if (!(INVOICE_PAYMENT_TRANSITIONS[p.status] as readonly string[]).includes(to)) {
    throw new Error(`invoice payment ${p.id}: ${p.status} → ${to} is not a transition`);
  }
  p.status = to;
}

async function save(ctx: MutationContext, p: InvoicePayment, insert = false): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, INVOICE_PAYMENT, p, { update: !insert, fields: invoicePaymentFields(p) });
}

/** The default payment of a finalised invoice: its PaymentIntent for the amount due. */
export async function createInvoicePayment(
  ctx: MutationContext,
  invoice: Invoice,
  paymentIntent: string,
): Promise<InvoicePayment> {
  const payment = sortFields<InvoicePayment>({
    id: newId('inpay', 24),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: invoice.amount_due,
    created: ctx.clock.now(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: paymentIntent, type: 'payment_intent' },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  });
  await save(ctx, payment, true);
  return payment;
}

async function load(ctx: MutationContext, id: string): Promise<InvoicePayment> {
  return (await loadObject<InvoicePayment>(ctx.tx, ctx.account.id, id, INVOICE_PAYMENT, { forUpdate: true })).object;
}

/** The payment succeeded: `paid`, with `invoice_payment.paid`. */
export async function markInvoicePaymentPaid(
  ctx: MutationContext,
  id: string,
  amount: number,
): Promise<InvoicePayment> {
  const payment = await load(ctx, id);
  if (payment.status === 'paid') return payment;
  transition(payment, 'paid');
  payment.amount_paid = amount;
  payment.status_transitions.paid_at = ctx.clock.now();
  await save(ctx, payment);
  await emitEvent(ctx, 'invoice_payment.paid', payment);
  return payment;
}

/** The invoice was voided or paid another way: the open payment is `canceled`. */
export async function cancelInvoicePayment(ctx: MutationContext, id: string): Promise<void> {
  const payment = await load(ctx, id);
  if (payment.status !== 'open') return;
  transition(payment, 'canceled');
  payment.status_transitions.canceled_at = ctx.clock.now();
  await save(ctx, payment);
}
