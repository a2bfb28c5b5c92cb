/**
 * `multipart/form-data` request bodies (RFC 7578), which Stripe takes for file uploads only
 * (`POST /v1/files`). A small, strict parser over the already-buffered body: the body's size is
 * bounded before it gets here (`MULTIPART_LIMITS.maxBodyBytes`), and this bounds the rest — parts,
 * header bytes per part, text bytes — so hostile input is a 400, never a crash or a slow loop.
 *
 * Text parts become parameters with the same bracket grammar as url-encoded bodies
 * (`file_link_data[create]=true`). A part with a `filename` is an upload: it is kept aside as bytes,
 * and its parameter holds a digest of them (`upload:<sha256>:<size>`), so an idempotent retry with
 * another file is a different request, and a text field cannot pose as an upload (see `uploadFor`).
 */
import { createHash } from 'node:crypto';
import { invalidRequest, type StripeError } from './errors.js';
import { FORM_LIMITS, newHash, type ParamHash, setParam } from './form.js';

export const MULTIPART_LIMITS = {
  /** Bytes of a whole multipart body: the largest file Sandbank keeps (16 MiB) plus room for the other fields. */
  maxBodyBytes: 17 * 1024 * 1024,
  /** Parts in one body. */
  maxParts: 1_000,
  /** Bytes of one part's header block. */
  maxPartHeaderBytes: 8 * 1024,
  /** Bytes of all text parts together (the limit of a url-encoded body). */
  maxTextBytes: FORM_LIMITS.maxBodyBytes,
} as const;

/** An uploaded file part. */
export interface UploadedFile {
  /** The part's `filename`, as sent (may be empty). */
  filename: string;
  /** The part's own `Content-Type`, if it sent one. */
  contentType: string | null;
  data: Buffer;
  /** What the part's parameter holds in the params tree. */
  token: string;
}

export interface MultipartBody {
  params: ParamHash;
  /** Uploads by parameter name (e.g. `file`). */
  uploads: Map<string, UploadedFile>;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** RFC 2046: 1 to 70 characters from this set, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

function malformed(why: string): StripeError {
  return invalidRequest(`Invalid multipart/form-data request body: ${why}.`);
}

/** Whether a `Content-Type` header (already lower-cased media type) is multipart/form-data. */
export function isMultipart(mediaType: string): boolean {
  return mediaType === 'multipart/form-data';
}

/**
 * The `boundary` parameter of a multipart/form-data `Content-Type` header, or a 400 when it is
 * missing or not a boundary RFC 2046 allows.
 */
export function boundaryOf(contentType: string): string {
  const params = headerParams(contentType);
  const boundary = params.get('boundary');
  if (boundary === undefined || boundary === '') {
    throw invalidRequest(
      'Invalid request: a multipart/form-data body needs a boundary, e.g. `Content-Type: multipart/form-data; boundary=XYZ`.',
    );
  }
  if (!BOUNDARY.test(boundary)) {
    throw invalidRequest(
      "Invalid request: the multipart/form-data boundary must be 1 to 70 letters, digits or one of '()+_,-./:=? and not end in a space.",
    );
  }
  return boundary;
}

/** Parses a whole multipart/form-data body delimited by `boundary`. Throws a 400 StripeError on bad input. */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const params = newHash();
  const uploads = new Map<string, UploadedFile>();
  // The first delimiter opens the body, or follows a preamble (which RFC 2046 says to ignore) and a CRLF.
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : indexAfterCrlf(body, delimiter, 0);
  if (at === -1) throw malformed(`no part starts with the boundary "--${boundary}" given in Content-Type`);
  let parts = 0;
  let textBytes = 0;
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return { params, uploads }; // `--boundary--`: the end (an epilogue is ignored)
    // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (!(body[at] === 0x0d && body[at + 1] === 0x0a)) throw malformed('a boundary line must end with CRLF');
    at += 2;
    if (++parts > MULTIPART_LIMITS.maxParts) {
      throw malformed(`at most ${MULTIPART_LIMITS.maxParts} parts are accepted in one request`);
    }
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd === -1 || headerEnd - at > MULTIPART_LIMITS.maxPartHeaderBytes) {
      throw malformed(
        headerEnd === -1
          ? 'a part has no blank line after its headers'
          : `a part's headers may be at most ${MULTIPART_LIMITS.maxPartHeaderBytes} bytes`,
      );
    }
    const headers = partHeaders(body.subarray(at, headerEnd).toString('latin1'));
    const contentStart = headerEnd + HEADER_END.length;
    const next = indexAfterCrlf(body, delimiter, contentStart);
    if (next === -1) throw malformed(`the body ends before its closing boundary "--${boundary}--"`);
    const content = body.subarray(contentStart, Math.max(contentStart, next - CRLF.length));
    addPart(headers, content, params, uploads, (n) => {
      textBytes += n;
      if (textBytes > MULTIPART_LIMITS.maxTextBytes) {
        throw malformed(`text fields may be at most ${MULTIPART_LIMITS.maxTextBytes} bytes together`);
      }
    });
    at = next;
  }
}

/** The position of `delimiter` where it starts a line (right after a CRLF) at or after `from`; -1 if none. */
function indexAfterCrlf(body: Buffer, delimiter: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const found = body.indexOf(delimiter, i);
    if (found === -1) return -1;
    if (found >= 2 && body[found - 2] === 0x0d && body[found - 1] === 0x0a) return found;
    i = found + 1;
  }
}

interface PartHeaders {
  name: string;
  filename: string | undefined;
  contentType: string | null;
}

/** The part's header lines: `Content-Disposition: form-data; name="…"` is required, `Content-Type` optional. */
function partHeaders(block: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | null = null;
  for (const line of block === '' ? [] : block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(`a part header line is not "Name: value" (${JSON.stringify(line.slice(0, 40))})`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (disposition === undefined) throw malformed('a part has no Content-Disposition header');
  const type = disposition.split(';')[0]?.trim().toLowerCase();
  if (type !== 'form-data') throw malformed(`a part's Content-Disposition must be form-data, not ${type}`);
  const params = headerParams(disposition);
  const name = params.get('name');
  if (name === undefined || name === '') throw malformed('a part has no name in its Content-Disposition');
  return { name: utf8(name), filename: filenameOf(params), contentType };
}

/** `filename*=UTF-8''…` (RFC 5987) wins over `filename="…"`; headers arrive as bytes, names as UTF-8. */
function filenameOf(params: Map<string, string>): string | undefined {
  const extended = params.get('filename*');
  if (extended !== undefined) {
    const match = /^utf-8'[^']*'(.*)$/i.exec(extended);
    if (match) {
      try {
        return decodeURIComponent(match[1] as string);
      } catch {
        throw malformed('filename* is not valid percent-encoded UTF-8');
      }
    }
  }
  const plain = params.get('filename');
  return plain === undefined ? undefined : utf8(plain);
}

/** Header text was read as latin1 (one char per byte); names and filenames are UTF-8 bytes. */
function utf8(latin1: string): string {
  const decoded = Buffer.from(latin1, 'latin1').toString('utf8');
  if (decoded.includes('\u0000')) throw malformed('null characters are not accepted in names');
  return decoded;
}

/**
 * `type; a=1; b="x; y"` → {a: '1', b: 'x; y'} (keys lower-cased). Quoted values may escape with a
 * backslash; browsers and stripe-node percent-encode quotes in filenames instead, which stays as sent.
 */
export function headerParams(header: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = header.indexOf(';');
  if (i === -1) return out;
  i++;
  while (i < header.length) {
    while (header[i] === ' ' || header[i] === '\t' || header[i] === ';') i++;
    const eq = header.indexOf('=', i);
    if (eq === -1) break;
    const key = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++;
        value += header[i];
        i++;
      }
      if (header[i] !== '"') throw malformed('a quoted header parameter is not closed');
      i++;
    } else {
      const end = header.indexOf(';', i);
      value = header.slice(i, end === -1 ? header.length : end).trim();
      i = end === -1 ? header.length : end;
    }
    if (key !== '' && !out.has(key)) out.set(key, value);
  }
  return out;
}

function addPart(
  headers: PartHeaders,
  content: Buffer,
  params: ParamHash,
  uploads: Map<string, UploadedFile>,
  countText: (bytes: number) => void,
): void {
  if (headers.filename !== undefined) {
    if (uploads.has(headers.name)) throw malformed(`more than one file was sent as '${headers.name}'`);
    const data = Buffer.from(content); // its own copy: the body buffer can then be freed
    const token = `upload:${createHash('sha256').update(data).digest('hex')}:${data.length}`;
    uploads.set(headers.name, { filename: headers.filename, contentType: headers.contentType, data, token });
    setParam(params, headers.name, token);
    return;
  }
  countText(content.length);
  const value = content.toString('utf8');
  if (value.includes('\u0000')) {
    throw invalidRequest(
      `Invalid request parameters near '${headers.name.slice(0, 40)}': null characters are not accepted.`,
    );
  }
  setParam(params, headers.name, value);
}

/**
 * The file uploaded as parameter `name` whose token is what validation left in the params (so a
 * text field of the same name, sent after the file, does not smuggle in another value).
 */
export function uploadFor(
  uploads: ReadonlyMap<string, UploadedFile> | undefined,
  name: string,
  value: unknown,
): UploadedFile | undefined {
  const upload = uploads?.get(name);
  return upload && upload.token === value ? upload : undefined;
}
