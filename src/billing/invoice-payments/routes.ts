/** `/v1/invoice_payments`: list (by invoice, payment intent, status) and retrieve. */
import { expandParam, listPage, listParams } from '../../platform/list.js';
import { type Json, type Operation, readOperation } from '../../platform/operation.js';
import { p, params } from '../../platform/params.js';
import { retrieveOperation } from '../../platform/resource-routes.js';
import { INVOICE_PAYMENT } from './object.js';

const listInvoicePaymentsParams = params({
  ...listParams,
  created: p.range(),
  invoice: p.string(),
  payment: p.hash({ payment_intent: p.string(), payment_record: p.string(), type: p.string({ required: true }) }),
  status: p.enum(['canceled', 'open', 'paid']),
});

export const invoicePaymentOperations: Operation[] = [
  retrieveOperation({
    path: '/v1/invoice_payments/:id',
    name: 'invoice_payments.retrieve',
    type: INVOICE_PAYMENT,
    params: params({ expand: expandParam }),
    label: 'invoice payment',
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoice_payments',
    name: 'invoice_payments.list',
    params: listInvoicePaymentsParams,
    returns: { list: INVOICE_PAYMENT },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.invoice) equals.invoice = input.invoice;
      if (input.status) equals.status = input.status;
      if (input.payment?.payment_intent) equals.payment_intent = input.payment.payment_intent;
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: INVOICE_PAYMENT,
        url: '/v1/invoice_payments',
        input,
        equals,
      })) as unknown as Json;
    },
  }),
];
