/** The InvoiceItem endpoints (`/v1/invoiceitems`). */
import { CUSTOMER } from '../../customers/object.js';
import { type Json, type Operation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
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
  listOperation({
    path: '/v1/invoiceitems',
    name: 'invoiceitems.list',
    type: INVOICE_ITEM,
    params: listInvoiceItemsParams,
    filters: { customer: { references: CUSTOMER }, invoice: { references: INVOICE } },
  }),
];
