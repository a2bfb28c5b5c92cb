/** The InvoiceItem endpoints (`/v1/invoiceitems`). */
import { CUSTOMER } from '../../customers/object.js';
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { retrieveOperation } from '../../platform/resource-routes.js';
import { INVOICE } from '../invoices/object.js';
import { INVOICE_ITEM } from './object.js';
import {
  createInvoiceItemParams,
  deleteInvoiceItemParams,
  listInvoiceItemsParams,
  retrieveInvoiceItemParams,
  updateInvoiceItemParams,
} from './params.js';
import { createInvoiceItem, deleteInvoiceItem, updateInvoiceItem } from './service.js';

const json = (o: object) => o as unknown as Json;

export const invoiceItemOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/invoiceitems',
    name: 'invoiceitems.create',
    params: createInvoiceItemParams,
    returns: { object: INVOICE_ITEM },
    handler: async (ctx, input) => json(await createInvoiceItem(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/invoiceitems/:id',
    name: 'invoiceitems.retrieve',
    type: INVOICE_ITEM,
    params: retrieveInvoiceItemParams,
    label: 'Invoice Item',
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/invoiceitems/:id',
    name: 'invoiceitems.update',
    params: updateInvoiceItemParams,
    returns: { object: INVOICE_ITEM },
    handler: async (ctx, input, { id }) => json(await updateInvoiceItem(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/invoiceitems/:id',
    name: 'invoiceitems.delete',
    params: deleteInvoiceItemParams,
    returns: { object: INVOICE_ITEM },
    handler: async (ctx, _input, { id }) => json(await deleteInvoiceItem(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoiceitems',
    name: 'invoiceitems.list',
    params: listInvoiceItemsParams,
    returns: { list: INVOICE_ITEM },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.customer) {
        await loadObject(ctx.reader, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
        equals.customer = input.customer;
      }
      if (input.invoice) {
        await loadObject(ctx.reader, ctx.account.id, input.invoice, INVOICE, { param: 'invoice' });
        equals.invoice = input.invoice;
      }
      // `pending=true`: items on no invoice yet; `pending=false`: items on one.
      if (input.pending != null) equals.pending = String(input.pending);
      return json(
        await listPage(ctx.reader, {
          account: ctx.account.id,
          type: INVOICE_ITEM,
          url: '/v1/invoiceitems',
          input,
          equals,
        }),
      );
    },
  }),
];
