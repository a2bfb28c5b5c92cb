/**
 * The File object (an uploaded document, e.g. dispute evidence) and the FileLink object (a public,
 * optionally expiring URL to a file's contents). A file's bytes are not part of its JSON: they live
 * in a row of their own (`FILE_CONTENTS`), so listing files never reads them.
 */
import { registerExpandable } from '../platform/expand.js';
import type { Metadata } from '../platform/metadata.js';
import type { FilePurpose } from './purposes.js';

export const FILE = 'file';
export const FILE_LINK = 'file_link';
/** The stored type of the row holding a file's bytes (never an API object). */
export const FILE_CONTENTS = 'file_contents';

/** How many of a file's links its `links` list shows (Stripe's default page size). */
export const LINKS_SHOWN = 10;

export interface FileLinkList {
  object: 'list';
  data: FileLink[];
  has_more: boolean;
  url: string;
}

export interface StripeFile {
  id: string;
  object: 'file';
  created: number;
  expires_at: number | null;
  filename: string | null;
  links: FileLinkList;
  purpose: FilePurpose;
  size: number;
  title: string | null;
  type: string | null;
  /** Where the contents download with a secret key; null for purposes Stripe does not let you download. */
  url: string | null;
}

export interface FileLink {
  id: string;
  object: 'file_link';
  created: number;
  expired: boolean;
  expires_at: number | null;
  file: string;
  livemode: false;
  metadata: Metadata;
  url: string;
}

/** A link's server-only state: the secret part of its public URL. */
export interface FileLinkState {
  secret: string;
}

/** The row of a file's bytes: base64 in the JSON the store keeps (both stores hold text). */
export interface FileContents {
  id: string;
  object: typeof FILE_CONTENTS;
  content_type: string;
  data: string;
}

/** The id of the row holding `fileId`'s bytes. A `/` never occurs in an id a URL or parameter resolves to a file. */
export function contentsId(fileId: string): string {
  return `${fileId}/contents`;
}

/** The path of a file's contents on Sandbank's own host (Stripe's is on files.stripe.com). */
export function contentsPath(fileId: string): string {
  return `/v1/files/${fileId}/contents`;
}

/** Indexed fields, for `GET /v1/files?purpose=`. */
export const fileFields = (f: StripeFile) => ({ purpose: f.purpose });

/** Indexed fields, for `GET /v1/file_links?file=` and `?expired=`. */
export const fileLinkFields = (l: FileLink) => ({ file: l.file, expired: String(l.expired) });

registerExpandable(FILE_LINK, 'file', { kind: 'reference', to: FILE });
// Stripe lists `links` among a file's expandable fields; Sandbank always includes it, so expanding keeps it.
registerExpandable(FILE, 'links', { kind: 'includable', resolve: async (file) => file.links });
