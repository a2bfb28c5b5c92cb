/**
 * Files and file links. An upload is checked against its purpose (format, size), stored with its
 * bytes in the same transaction, and may get a link at once (`file_link_data`). A link's public URL
 * carries a secret; the link expires at `expires_at` (a job on the account clock), or at once with
 * `expires_at=now`. A file's `links` list is kept with the file and rewritten whenever one of its
 * links changes, so every read of a file (retrieve, list, `expand[]=file`) shows the same list.
 *
 * Expiry: a file with a lifetime (dispute evidence: 9 months) expires on its account's clock; its
 * bytes are then dropped (`file.expire`) and its contents no longer download.
 */
import { invalidRequest, type StripeError } from '../platform/errors.js';
import { newId, randomBase62 } from '../platform/ids.js';
import { applyMetadata } from '../platform/metadata.js';
import { uploadFor } from '../platform/multipart.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext, ReadContext } from '../platform/operation.js';
import { type JobHandler, scheduleJob } from '../platform/scheduler.js';
import type { Job } from '../store/store.js';
import {
  contentsId,
  contentsPath,
  FILE,
  FILE_CONTENTS,
  FILE_LINK,
  type FileContents,
  type FileLink,
  type FileLinkList,
  type FileLinkState,
  fileFields,
  fileLinkFields,
  LINKS_SHOWN,
  type StripeFile,
} from './object.js';
import type { createFileLinkParams, createFileParams, updateFileLinkParams } from './params.js';
import {
  detectType,
  type FilePurpose,
  LINKABLE_PURPOSES,
  MIME_TYPES,
  maxBytesFor,
  purposeRule,
  UPLOAD_PURPOSES,
} from './purposes.js';

type CreateFileInput = ReturnType<typeof createFileParams.parse>;
type CreateLinkInput = ReturnType<typeof createFileLinkParams.parse>;
type UpdateLinkInput = ReturnType<typeof updateFileLinkParams.parse>;

export const EXPIRE_FILE_JOB = 'file.expire';
export const EXPIRE_FILE_LINK_JOB = 'file_link.expire';

/** Where a link's contents download without a key (Stripe's are on files.stripe.com/links/…). */
export const LINKS_PREFIX = '/links/';

// ---- Stripe's refusals ----

/** Stripe's answer when `file` is not an uploaded file part (e.g. a text field). */
function notAFile(): StripeError {
  return invalidRequest('Invalid hash', { param: 'file' });
}

function unsupportedType(purpose: string): StripeError {
  const rule = purposeRule(purpose);
  const mimes = (rule?.types ?? []).map((t) => MIME_TYPES[t]).join(', ');
  return invalidRequest(
    `We don't currently support that file type. Try uploading a file with one of the following mimetypes: ${mimes}.`,
    { param: 'file' },
  );
}

function tooLarge(purpose: string, type: string, size: number, max: number): StripeError {
  return invalidRequest(
    `The file you uploaded is too large: files of type ${type} with purpose ${purpose} may be at most ${formatBytes(max)} (${max} bytes), and this one is ${size} bytes.`,
    { param: 'file' },
  );
}

function notLinkable(purpose: string, param: string): StripeError {
  return invalidRequest(
    `You cannot create a file link for a file with purpose ${purpose}. File links can be created only for files with one of these purposes: ${LINKABLE_PURPOSES.join(', ')}.`,
    { param },
  );
}

function notInFuture(param: string): StripeError {
  return invalidRequest('The expires_at timestamp must be in the future.', { param });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${n / 1024} KB`;
}

// ---- files ----

async function saveFile(ctx: MutationContext, file: StripeFile, update: boolean): Promise<StripeFile> {
  const data = sortFields(file);
  await saveObject(ctx.tx, ctx.account.id, FILE, data, { fields: fileFields(data), update });
  return data;
}

/** Uploads a file: `file` must be a file part of a multipart/form-data body. */
export async function createFile(
  ctx: MutationContext & Pick<ReadContext, 'uploads' | 'principal'>,
  input: CreateFileInput,
): Promise<StripeFile> {
  const upload = uploadFor(ctx.uploads, 'file', input.file);
  if (!upload) throw notAFile();
  const rule = UPLOAD_PURPOSES[input.purpose];
  const type = detectType(upload.data, upload.filename, upload.contentType);
  if (type === null || !rule.types.includes(type)) throw unsupportedType(input.purpose);
  const max = maxBytesFor(rule, type);
  if (upload.data.length > max) throw tooLarge(input.purpose, type, upload.data.length, max);
  const linkData = input.file_link_data;
  if (linkData?.create && ctx.principal.kind === 'publishable') {
    // Stripe lets browsers upload with a publishable key, but a link needs the secret key.
    throw invalidRequest(
      'Creating a file link requires a secret API key: leave file_link_data unset when uploading with a publishable key.',
      {
        param: 'file_link_data[create]',
      },
    );
  }
  if (linkData?.create && !rule.linkable) {
    throw notLinkable(input.purpose, 'file_link_data[create]');
  }
  const now = ctx.clock.now();
  const id = newId('file', 24);
  const file: StripeFile = {
    id,
    object: 'file',
    created: now,
    expires_at: rule.lifetime === null ? null : now + rule.lifetime,
    filename: fileName(upload.filename),
    links: emptyLinks(id),
    purpose: input.purpose,
    size: upload.data.length,
    title: null,
    type,
    url: rule.downloadable ? `${ctx.origin}${contentsPath(id)}` : null,
  };
  const contents: FileContents = {
    id: contentsId(id),
    object: FILE_CONTENTS,
    content_type: MIME_TYPES[type],
    data: upload.data.toString('base64'),
  };
  await ctx.tx.insertObject({
    account: ctx.account.id,
    id: contents.id,
    type: FILE_CONTENTS,
    created: now,
    data: contents,
  });
  let saved = await saveFile(ctx, file, false);
  if (file.expires_at !== null) {
    await scheduleJob(ctx, { dueAt: file.expires_at, kind: EXPIRE_FILE_JOB, target: id, payload: {} });
  }
  if (linkData?.create) {
    await insertLink(ctx, saved, {
      expiresAt: typeof linkData.expires_at === 'number' ? linkData.expires_at : null,
      metadata: linkData.metadata,
      param: 'file_link_data[expires_at]',
    });
    saved = await refreshLinks(ctx, id);
  }
  return saved;
}

/**
 * A name suitable for saving the file: the last component of what the client sent, since some
 * clients send a whole path (stripe-python sends the path it opened; old browsers a Windows path).
 */
function fileName(sent: string): string | null {
  const base = sent.slice(Math.max(sent.lastIndexOf('/'), sent.lastIndexOf('\\')) + 1);
  return base === '' ? null : base;
}

function emptyLinks(fileId: string): FileLinkList {
  return { object: 'list', data: [], has_more: false, url: `/v1/file_links?file=${fileId}` };
}

/** Rewrites the file's `links` list from its links as they now are (newest first). */
async function refreshLinks(ctx: MutationContext, fileId: string): Promise<StripeFile> {
  const { object: file } = await loadObject<StripeFile>(ctx.tx, ctx.account.id, fileId, FILE, { forUpdate: true });
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: FILE_LINK,
    limit: LINKS_SHOWN,
    equals: { file: fileId },
  });
  file.links = {
    ...emptyLinks(fileId),
    data: page.rows.map((r) => JSON.parse(r.json) as FileLink),
    has_more: page.hasMore,
  };
  return saveFile(ctx, file, true);
}

/** The bytes of a file of this account, or undefined once they expired. */
export async function fileContents(
  reader: ReadContext['reader'],
  account: string,
  fileId: string,
): Promise<{ data: Buffer; contentType: string } | undefined> {
  const row = await reader.getObject(account, contentsId(fileId));
  if (!row || row.type !== FILE_CONTENTS || row.deleted) return undefined;
  const contents = JSON.parse(row.json) as FileContents;
  return { data: Buffer.from(contents.data, 'base64'), contentType: contents.content_type };
}

/** `file.expire`: the file's lifetime is over; its bytes are dropped. */
async function expireFile(ctx: MutationContext, job: Job): Promise<void> {
  const { object: file } = await loadObject<StripeFile>(ctx.tx, ctx.account.id, job.target, FILE);
  if (file.expires_at === null || file.expires_at > ctx.clock.now()) return;
  const id = contentsId(file.id);
  const row = await ctx.tx.getObject(ctx.account.id, id);
  if (row && !row.deleted) await ctx.tx.markDeleted(ctx.account.id, id, { id, object: FILE_CONTENTS, deleted: true });
}

// ---- file links ----

async function saveLink(ctx: MutationContext, link: FileLink, update: boolean, internal?: FileLinkState) {
  const data = sortFields(link);
  await saveObject(ctx.tx, ctx.account.id, FILE_LINK, data, {
    fields: fileLinkFields(data),
    update,
    ...(internal ? { internal } : {}),
  });
  return data;
}

/** The public URL of a link: its account, id and secret, so no key is needed and none can be guessed. */
function linkUrl(origin: string, account: string, linkId: string, secret: string): string {
  const token = Buffer.from(`${account}|${linkId}|${secret}`).toString('base64url');
  return `${origin}${LINKS_PREFIX}${token}`;
}

/** Decodes a link token from its URL; undefined when it cannot be one. */
export function parseLinkToken(token: string): { account: string; linkId: string; secret: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(token)) return undefined;
  const [account, linkId, secret, ...rest] = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (!account || !linkId?.startsWith('link_') || !secret || rest.length > 0) return undefined;
  return { account, linkId, secret };
}

async function insertLink(
  ctx: MutationContext,
  file: StripeFile,
  opts: { expiresAt: number | null; metadata: Record<string, string> | null | undefined; param: string },
): Promise<FileLink> {
  const now = ctx.clock.now();
  if (opts.expiresAt !== null && opts.expiresAt <= now) throw notInFuture(opts.param);
  const id = newId('link', 24);
  const secret = randomBase62(32);
  const link: FileLink = {
    id,
    object: 'file_link',
    created: now,
    expired: false,
    expires_at: opts.expiresAt,
    file: file.id,
    livemode: false,
    metadata: applyMetadata({}, opts.metadata),
    url: linkUrl(ctx.origin, ctx.account.id, id, secret),
  };
  const saved = await saveLink(ctx, link, false, { secret });
  if (opts.expiresAt !== null) await scheduleExpiry(ctx, saved);
  return saved;
}

async function scheduleExpiry(ctx: MutationContext, link: FileLink): Promise<void> {
  if (link.expires_at === null) return;
  await scheduleJob(ctx, { dueAt: link.expires_at, kind: EXPIRE_FILE_LINK_JOB, target: link.id, payload: {} });
}

export async function createFileLink(ctx: MutationContext, input: CreateLinkInput): Promise<FileLink> {
  const { object: file } = await loadObject<StripeFile>(ctx.tx, ctx.account.id, input.file, FILE, {
    param: 'file',
    forUpdate: true,
  });
  if (!LINKABLE_PURPOSES.includes(file.purpose as FilePurpose)) throw notLinkable(file.purpose, 'file');
  const link = await insertLink(ctx, file, {
    expiresAt: typeof input.expires_at === 'number' ? input.expires_at : null,
    metadata: input.metadata,
    param: 'expires_at',
  });
  await refreshLinks(ctx, file.id);
  return link;
}

export async function updateFileLink(ctx: MutationContext, id: string, input: UpdateLinkInput): Promise<FileLink> {
  const loaded = await loadObject<FileLink, FileLinkState>(ctx.tx, ctx.account.id, id, FILE_LINK, {
    forUpdate: true,
  });
  const link = loaded.object;
  const now = ctx.clock.now();
  const changesExpiry = input.expires_at !== undefined;
  if (
    (link.expired || (link.expires_at !== null && link.expires_at <= now)) &&
    (changesExpiry || input.metadata !== undefined)
  ) {
    throw invalidRequest(`The file link ${id} has expired and can no longer be updated.`);
  }
  if (input.expires_at === 'now') {
    link.expires_at = now;
    link.expired = true;
  } else if (input.expires_at === null) link.expires_at = null;
  else if (typeof input.expires_at === 'number') {
    if (input.expires_at <= now) throw notInFuture('expires_at');
    link.expires_at = input.expires_at;
  }
  link.metadata = applyMetadata(link.metadata, input.metadata);
  const saved = await saveLink(ctx, link, true);
  if (typeof input.expires_at === 'number') await scheduleExpiry(ctx, saved);
  await refreshLinks(ctx, link.file);
  return saved;
}

/** `file_link.expire`: a link's `expires_at` has come (if it still says so: it may have been moved). */
async function expireFileLink(ctx: MutationContext, job: Job): Promise<void> {
  const { object: link } = await loadObject<FileLink>(ctx.tx, ctx.account.id, job.target, FILE_LINK, {
    forUpdate: true,
  });
  if (link.expired || link.expires_at === null || link.expires_at > ctx.clock.now()) return;
  link.expired = true;
  await saveLink(ctx, link, true);
  await refreshLinks(ctx, link.file);
}

/** Whether a link can still be used at `now` (its expiry job may not have run yet). */
export function isLinkLive(link: FileLink, now: number): boolean {
  return !link.expired && (link.expires_at === null || link.expires_at > now);
}

/** A file of this account by id, for other resources' parameters (e.g. dispute evidence). */
export async function loadFileForParam(ctx: MutationContext, id: string, param: string): Promise<StripeFile> {
  // Stripe names the object "file upload" here (its older name), e.g. `No such file upload: 'x'`.
  return (await loadObject<StripeFile>(ctx.tx, ctx.account.id, id, FILE, { param, label: 'file upload' })).object;
}

export const fileJobHandlers: Record<string, JobHandler> = {
  [EXPIRE_FILE_JOB]: expireFile,
  [EXPIRE_FILE_LINK_JOB]: expireFileLink,
};
