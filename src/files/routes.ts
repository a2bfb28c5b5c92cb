/** The File and FileLink endpoints. Downloads (raw bytes, not JSON) are served by downloads.ts. */
import { listPage } from '../platform/list.js';
import { loadObject } from '../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import { listOperation, retrieveOperation } from '../platform/resource-routes.js';
import { FILE, FILE_LINK } from './object.js';
import {
  createFileLinkParams,
  createFileParams,
  listFileLinksParams,
  listFilesParams,
  retrieveFileLinkParams,
  retrieveFileParams,
  updateFileLinkParams,
} from './params.js';
import { createFile, createFileLink, updateFileLink } from './service.js';

export { fileJobHandlers } from './service.js';

const json = (o: object) => o as unknown as Json;

export const fileOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/files',
    name: 'files.create',
    params: createFileParams,
    returns: { object: FILE },
    // Stripe lets browsers upload with a publishable key (not create links: see the service).
    publishable: true,
    handler: async (ctx, input) => json(await createFile(ctx, input)),
  }),
  retrieveOperation({ path: '/v1/files/:id', name: 'files.retrieve', type: FILE, params: retrieveFileParams }),
  listOperation({
    path: '/v1/files',
    name: 'files.list',
    type: FILE,
    params: listFilesParams,
    filters: { purpose: true },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/file_links',
    name: 'file_links.create',
    params: createFileLinkParams,
    returns: { object: FILE_LINK },
    handler: async (ctx, input) => json(await createFileLink(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/file_links/:id',
    name: 'file_links.retrieve',
    type: FILE_LINK,
    params: retrieveFileLinkParams,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/file_links/:id',
    name: 'file_links.update',
    params: updateFileLinkParams,
    returns: { object: FILE_LINK },
    handler: async (ctx, input, { id }) => json(await updateFileLink(ctx, id as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/file_links',
    name: 'file_links.list',
    params: listFileLinksParams,
    returns: { list: FILE_LINK },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.file) {
        await loadObject(ctx.reader, ctx.account.id, input.file, FILE, { param: 'file' });
        equals.file = input.file;
      }
      // `expired` is an indexed field kept as text (the expiry job flips it).
      if (typeof input.expired === 'boolean') equals.expired = String(input.expired);
      return json(
        await listPage(ctx.reader, { account: ctx.account.id, type: FILE_LINK, url: '/v1/file_links', input, equals }),
      );
    },
  }),
];
