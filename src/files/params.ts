/** Parameters of the File and FileLink endpoints, as the current `stripe` package's types declare them. */
import { expandParam, listParams } from '../platform/list.js';
import { p, params } from '../platform/params.js';
import { FILE_PURPOSES, UPLOAD_PURPOSES, type UploadPurpose } from './purposes.js';

const uploadPurposes = Object.keys(UPLOAD_PURPOSES) as UploadPurpose[];

export const createFileParams = params({
  // The upload's token (platform/multipart.ts); the bytes come from the request's uploads.
  file: p.string({ required: true, maxLength: 200 }),
  purpose: p.enum(uploadPurposes, { required: true }),
  expand: expandParam,
  file_link_data: p.hash({
    create: p.boolean({ required: true }),
    expires_at: p.timestamp(),
    metadata: p.stringMap(),
  }),
});

export const retrieveFileParams = params({ expand: expandParam });

export const listFilesParams = params({
  ...listParams,
  created: p.range(),
  purpose: p.enum(FILE_PURPOSES),
});

export const createFileLinkParams = params({
  file: p.string({ required: true }),
  expand: expandParam,
  expires_at: p.timestamp(),
  metadata: p.stringMap(),
});

export const retrieveFileLinkParams = params({ expand: expandParam });

export const updateFileLinkParams = params({
  expand: expandParam,
  // `''` clears it (the link never expires), `now` expires the link at once.
  expires_at: p.timestamp({ allowNow: true }),
  metadata: p.stringMap(),
});

export const listFileLinksParams = params({
  ...listParams,
  created: p.range(),
  expired: p.boolean(),
  file: p.string(),
});
