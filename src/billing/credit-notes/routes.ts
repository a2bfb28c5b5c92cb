/** The CreditNote endpoints: create, preview (and its lines), retrieve, update, list, lines, void. */

import { CUSTOMER } from '../../customers/object.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import { INVOICE } from '../invoices/object.js';
import { CREDIT_NOTE, CREDIT_NOTE_LINE_ITEM, type CreditNote } from './object.js';
import {
  createCreditNoteParams,
  listCreditNoteLinesParams,
  listCreditNotesParams,
  previewCreditNoteLinesParams,
  previewCreditNoteParams,
  retrieveCreditNoteParams,
  updateCreditNoteParams,
  voidCreditNoteParams,
} from './params.js';
import {
  createCreditNote,
  loadCreditNote,
  pageLines,
  previewCreditNote,
  propose,
  updateCreditNote,
  voidCreditNote,
} from './service.js';

const json = (cn: CreditNote) => cn as unknown as Json;

export const creditNoteOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/credit_notes',
    name: 'credit_notes.create',
    params: createCreditNoteParams,
    returns: { object: CREDIT_NOTE },
    handler: async (ctx, input) => json(await createCreditNote(ctx, input)),
  }),
  // Before `/v1/credit_notes/:id`, so `preview` is not taken for an id.
  readOperation({
    method: 'GET',
    path: '/v1/credit_notes/preview',
    name: 'credit_notes.preview',
    params: previewCreditNoteParams,
    returns: { object: CREDIT_NOTE },
    handler: async (ctx, input) =>
      json(
        await previewCreditNote(ctx.reader, { account: ctx.account, origin: ctx.origin, now: ctx.clock.now() }, input),
      ),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/credit_notes/preview/lines',
    name: 'credit_notes.preview_lines',
    params: previewCreditNoteLinesParams,
    returns: { list: CREDIT_NOTE_LINE_ITEM },
    handler: async (ctx, input) => {
      const { state } = await propose(
        ctx.reader,
        { account: ctx.account, origin: ctx.origin, now: ctx.clock.now() },
        input,
      );
      return pageLines(state.lines, '/v1/credit_notes/preview/lines', input) as unknown as Json;
    },
  }),
  retrieveOperation({
    path: '/v1/credit_notes/:id',
    name: 'credit_notes.retrieve',
    type: CREDIT_NOTE,
    params: retrieveCreditNoteParams,
    label: 'credit note',
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/credit_notes/:id',
    name: 'credit_notes.update',
    params: updateCreditNoteParams,
    returns: { object: CREDIT_NOTE },
    handler: async (ctx, input, { id }) => json(await updateCreditNote(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/credit_notes/:id/void',
    name: 'credit_notes.void_credit_note',
    params: voidCreditNoteParams,
    returns: { object: CREDIT_NOTE },
    handler: async (ctx, _input, { id }) => json(await voidCreditNote(ctx, id as string)),
  }),
  listOperation({
    path: '/v1/credit_notes',
    name: 'credit_notes.list',
    type: CREDIT_NOTE,
    params: listCreditNotesParams,
    filters: { customer: { references: CUSTOMER }, invoice: { references: INVOICE } },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/credit_notes/:id/lines',
    name: 'credit_notes.list_line_items',
    params: listCreditNoteLinesParams,
    returns: { list: CREDIT_NOTE_LINE_ITEM },
    handler: async (ctx, input, { id }) => {
      const { internal } = await loadCreditNote(ctx.reader, ctx.account.id, id as string);
      return pageLines(internal.lines, `/v1/credit_notes/${id}/lines`, input) as unknown as Json;
    },
  }),
];
