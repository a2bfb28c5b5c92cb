/**
 * The invoice's PaymentIntent: a real one from the payments code, created at finalisation for the
 * amount due, for cards (an invoice's payment is collected with the customer's saved card, or one
 * the customer enters on the hosted page).
 */

import { PAYMENT_INTENT, type PaymentIntent } from '../../payments/payment-intents/object.js';
import type { createPaymentIntentParams } from '../../payments/payment-intents/params.js';
import { cancelPaymentIntent, createPaymentIntent } from '../../payments/payment-intents/service.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Invoice } from './object.js';

type CreateInput = ReturnType<typeof createPaymentIntentParams.parse>;

/** Stripe's description on an invoice's PaymentIntent depends on why the invoice exists. */
function description(invoice: Invoice): string {
  switch (invoice.billing_reason) {
    case 'subscription_create':
      return 'Subscription creation';
    case 'subscription_cycle':
      return 'Subscription update';
    case 'subscription_update':
      return 'Subscription update';
    default:
      return 'Payment for Invoice';
  }
}

export async function createInvoicePaymentIntent(ctx: MutationContext, invoice: Invoice): Promise<PaymentIntent> {
  const input = {
    amount: invoice.amount_due,
    currency: invoice.currency,
    customer: invoice.customer,
    description: description(invoice),
    payment_method_types: ['card'],
    statement_descriptor: invoice.statement_descriptor ?? undefined,
  } as unknown as CreateInput;
  return createPaymentIntent(ctx, input);
}

export async function loadPaymentIntent(ctx: MutationContext, id: string): Promise<PaymentIntent> {
  return (await loadObject<PaymentIntent>(ctx.tx, ctx.account.id, id, PAYMENT_INTENT)).object;
}

/** Cancels the invoice's PaymentIntent unless it already succeeded or was canceled. */
export async function cancelOpenPaymentIntent(ctx: MutationContext, id: string): Promise<void> {
  const pi = await loadPaymentIntent(ctx, id);
  if (pi.status === 'succeeded' || pi.status === 'canceled' || pi.status === 'processing') return;
  await cancelPaymentIntent(ctx, id, {} as Parameters<typeof cancelPaymentIntent>[2]);
}
