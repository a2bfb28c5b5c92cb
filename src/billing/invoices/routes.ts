/** The Invoice endpoints: thin handlers over service.ts, payment.ts and preview.ts. */

import { CUSTOMER } from '../../customers/object.js';
import { allObjects, listPage, listPageInMemory, searchPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import type { JobHandler } from '../../platform/scheduler.js';
import { parseSearchQuery } from '../../platform/search.js';
import { loadInvoiceState } from './lines.js';
import { INVOICE, invoiceSearch, LINE_ITEM } from './object.js';
import {
  addLinesParams,
  createInvoiceParams,
  createPreviewParams,
  finalizeInvoiceParams,
  listInvoiceLinesParams,
  listInvoicesParams,
  payInvoiceParams,
  removeLinesParams,
  retrieveInvoiceParams,
  searchInvoicesParams,
  simpleInvoiceActionParams,
  updateInvoiceParams,
  updateLineItemParams,
  updateLinesParams,
} from './params.js';
import { payInvoice, runAttemptJob, runAutoFinalizeJob } from './payment.js';
import { createInvoicePreview } from './preview.js';
import {
  addLines,
  createInvoice,
  deleteInvoice,
  finalizeInvoice,
  JOB_ATTEMPT,
  JOB_AUTO_FINALIZE,
  JOB_OVERDUE,
  markInvoiceUncollectible,
  removeLines,
  runOverdueJob,
  sendInvoice,
  updateInvoice,
  updateLines,
  voidInvoice,
} from './service.js';

const json = (o: object) => o as unknown as Json;
const RETURNS = { object: INVOICE };

export const invoiceOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/invoices',
    name: 'invoices.create',
    params: createInvoiceParams,
    returns: RETURNS,
    handler: async (ctx, input) => json(await createInvoice(ctx, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/invoices/create_preview',
    name: 'invoices.create_preview',
    params: createPreviewParams,
    returns: RETURNS,
    handler: async (ctx, input) => json(await createInvoicePreview(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoices/search',
    name: 'invoices.search',
    params: searchInvoicesParams,
    returns: { search: INVOICE },
    handler: async (ctx, input) =>
      searchPage(ctx.reader, {
        account: ctx.account.id,
        type: INVOICE,
        url: '/v1/invoices/search',
        input,
        ...parseSearchQuery(input.query, invoiceSearch),
      }),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoices',
    name: 'invoices.list',
    params: listInvoicesParams,
    returns: { list: INVOICE },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.customer) {
        await loadObject(ctx.reader, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
        equals.customer = input.customer;
      }
      if (input.status) equals.status = input.status;
      if (input.subscription) equals.subscription = input.subscription;
      if (input.collection_method) equals.collection_method = input.collection_method;
      const base = { account: ctx.account.id, type: INVOICE, url: '/v1/invoices', input };
      const due = input.due_date;
      if (!due) return json(await listPage(ctx.reader, { ...base, equals }));
      // `due_date` ranges are rare: filter in memory over the (indexed) rest.
      const all = await allObjects(ctx.reader, {
        account: ctx.account.id,
        type: INVOICE,
        equals,
        ...(input.created ? { created: input.created } : {}),
      });
      const items = all.filter((i) => {
        const d = i.object.due_date;
        if (typeof d !== 'number') return false;
        return (
          (due.gt == null || d > due.gt) &&
          (due.gte == null || d >= due.gte) &&
          (due.lt == null || d < due.lt) &&
          (due.lte == null || d <= due.lte)
        );
      });
      return json(await listPageInMemory(ctx.reader, { ...base, items }));
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoices/:id',
    name: 'invoices.retrieve',
    params: retrieveInvoiceParams,
    returns: RETURNS,
    handler: async (ctx, _input, { id }) =>
      json((await loadInvoiceState(ctx.reader, ctx.account.id, id as string)).invoice),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/invoices/:id',
    name: 'invoices.update',
    params: updateInvoiceParams,
    returns: RETURNS,
    handler: async (ctx, input, { id }) => json(await updateInvoice(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/invoices/:id',
    name: 'invoices.delete',
    params: simpleInvoiceActionParams,
    returns: RETURNS,
    handler: async (ctx, _input, { id }) => json(await deleteInvoice(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    name: 'invoices.lines.list',
    params: listInvoiceLinesParams,
    returns: { list: LINE_ITEM },
    handler: async (ctx, input, { id }) => {
      const { state } = await loadInvoiceState(ctx.reader, ctx.account.id, id as string);
      const url = `/v1/invoices/${id}/lines`;
      // Lines are in invoice order; cursors are line ids within this invoice.
      const limit = input.limit ?? 10;
      const all = state.lines;
      let page = all.slice(0, limit);
      let hasMore = all.length > limit;
      if (input.starting_after) {
        const rest = all.slice(all.findIndex((l) => l.id === input.starting_after) + 1 || all.length);
        page = rest.slice(0, limit);
        hasMore = rest.length > limit;
      } else if (input.ending_before) {
        const i = all.findIndex((l) => l.id === input.ending_before);
        const before = i >= 0 ? all.slice(0, i) : [];
        page = before.slice(Math.max(0, before.length - limit));
        hasMore = before.length > limit;
      }
      return json({ object: 'list', data: page, has_more: hasMore, url });
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/invoices/:id/lines/:line',
    name: 'invoices.update_line_item',
    params: updateLineItemParams,
    returns: { object: LINE_ITEM },
    handler: async (ctx, input, { id, line }) => {
      // One line through update_lines; Stripe answers with the line, not the invoice.
      const { expand: _expand, ...fields } = input;
      const invoice = await updateLines(ctx, id as string, { lines: [{ ...fields, id: line as string }] });
      const { state } = await loadInvoiceState(ctx.tx, ctx.account.id, invoice.id);
      return json(state.lines.find((l) => l.id === line) as object);
    },
  }),
  ...(
    [
      [
        'finalize',
        finalizeInvoiceParams,
        (ctx, input, id) => finalizeInvoice(ctx, id, input as { auto_advance?: boolean }),
      ],
      ['pay', payInvoiceParams, (ctx, input, id) => payInvoice(ctx, id, input as Parameters<typeof payInvoice>[2])],
      ['send', simpleInvoiceActionParams, (ctx, _input, id) => sendInvoice(ctx, id)],
      ['void', simpleInvoiceActionParams, (ctx, _input, id) => voidInvoice(ctx, id)],
      ['mark_uncollectible', simpleInvoiceActionParams, (ctx, _input, id) => markInvoiceUncollectible(ctx, id)],
      ['add_lines', addLinesParams, (ctx, input, id) => addLines(ctx, id, input as Parameters<typeof addLines>[2])],
      [
        'update_lines',
        updateLinesParams,
        (ctx, input, id) => updateLines(ctx, id, input as Parameters<typeof updateLines>[2]),
      ],
      [
        'remove_lines',
        removeLinesParams,
        (ctx, input, id) => removeLines(ctx, id, input as Parameters<typeof removeLines>[2]),
      ],
    ] as const satisfies readonly (readonly [
      string,
      Parameters<typeof writeOperation>[0]['params'],
      (ctx: Parameters<typeof finalizeInvoice>[0], input: unknown, id: string) => Promise<object>,
    ])[]
  ).map(([action, schema, run]) =>
    writeOperation({
      method: 'POST',
      path: `/v1/invoices/:id/${action}`,
      name: `invoices.${action}`,
      params: schema,
      returns: RETURNS,
      handler: async (ctx, input, { id }) => json(await run(ctx, input, id as string)),
    }),
  ),
];

export const invoiceJobHandlers: Record<string, JobHandler> = {
  [JOB_AUTO_FINALIZE]: async (ctx, job) => runAutoFinalizeJob(ctx, job.target, (job.payload as { at: number }).at),
  [JOB_OVERDUE]: async (ctx, job) => runOverdueJob(ctx, job.target, (job.payload as { at: number }).at),
  [JOB_ATTEMPT]: async (ctx, job) => runAttemptJob(ctx, job.target, (job.payload as { at: number }).at),
};
