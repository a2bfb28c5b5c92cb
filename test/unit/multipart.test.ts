/**
 * Unit tests of the multipart/form-data parser (src/platform/multipart.ts): the bodies stripe-node,
 * browsers and curl send, the bracket grammar in field names, and the malformed or oversized bodies
 * that must become a 400 instead of a crash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { StripeError } from '../../src/platform/errors.js';
import type { ParamValue } from '../../src/platform/form.js';
import { boundaryOf, headerParams, MULTIPART_LIMITS, parseMultipart, uploadFor } from '../../src/platform/multipart.js';
import { thrownStripeError } from '../support/errors.js';

const B = 'X-BOUNDARY-123';

function plain(value: ParamValue): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

/** A body from parts: [name, value] text fields, or [name, bytes, filename, contentType] files. */
function body(parts: ([string, string] | [string, Buffer, string, string?])[], boundary = B): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const [name, value, filename, type] = part as [string, string | Buffer, string?, string?];
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (filename !== undefined)
      head += `; filename="${filename}"\r\nContent-Type: ${type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function expect400(fn: () => unknown, message?: RegExp): StripeError {
  const caught = thrownStripeError(fn);
  assert.equal(caught.status, 400);
  assert.equal(caught.type, 'invalid_request_error');
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('multipart/form-data parsing', () => {
  it('parses text fields with the bracket grammar and keeps files aside with a digest token', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 13, 10, 45, 45]);
    const parsed = parseMultipart(
      body([
        ['purpose', 'dispute_evidence'],
        ['file', bytes, 'receipt.png', 'image/png'],
        ['file_link_data[create]', 'true'],
        ['file_link_data[metadata][order]', 'ünïcode'],
        ['expand[]', 'links'],
      ]),
      B,
    );
    const token = `upload:${createHash('sha256').update(bytes).digest('hex')}:${bytes.length}`;
    assert.deepEqual(plain(parsed.params), {
      purpose: 'dispute_evidence',
      file: token,
      file_link_data: { create: 'true', metadata: { order: 'ünïcode' } },
      expand: ['links'],
    });
    const upload = parsed.uploads.get('file');
    assert.ok(upload);
    assert.deepEqual(upload.data, bytes, 'bytes survive exactly, CRLF and dashes included');
    assert.equal(upload.filename, 'receipt.png');
    assert.equal(upload.contentType, 'image/png');
    assert.equal(uploadFor(parsed.uploads, 'file', token), upload);
    assert.equal(uploadFor(parsed.uploads, 'file', 'upload:forged:1'), undefined);
    assert.equal(uploadFor(undefined, 'file', token), undefined);
  });

  it('parses what stripe-node 23 sends', async () => {
    // The SDK's own encoder (its package exports do not expose the file, so it is required by path).
    const { multipartRequestDataProcessor } = createRequire(import.meta.url)(
      '../../node_modules/stripe/cjs/multipart.js',
    ) as {
      multipartRequestDataProcessor: (
        this: unknown,
        method: string,
        data: object,
        headers: Record<string, string>,
        cb: (err: unknown, body: Uint8Array) => void,
      ) => void;
    };
    const headers: Record<string, string> = {};
    const data = Buffer.from('%PDF-1.4 test\r\n--not-a-boundary\r\n');
    const sent = await new Promise<Uint8Array>((resolve, reject) =>
      multipartRequestDataProcessor.call(
        {
          _stripe: {
            _platformFunctions: {
              tryBufferData: async (d: object) => d,
              uuid4: () => 'b0f1c2d3-e4f5-4a6b-8c7d-8e9fa0b1c2d3',
            },
          },
        },
        'POST',
        { purpose: 'dispute_evidence', file: { data, name: 'a "quoted".pdf', type: 'application/pdf' } },
        headers,
        (err, b) => (err ? reject(err) : resolve(b)),
      ),
    );
    const parsed = parseMultipart(Buffer.from(sent), boundaryOf(headers['Content-Type'] as string));
    assert.equal(parsed.params.purpose, 'dispute_evidence');
    const upload = parsed.uploads.get('file');
    assert.deepEqual(upload?.data, data);
    // stripe-node percent-encodes quotes in names; they stay as sent.
    assert.equal(upload?.filename, 'a %22quoted%22.pdf');
  });

  it('accepts a preamble, an epilogue, transport padding and RFC 5987 file names', () => {
    const raw = Buffer.from(
      `This is a preamble.\r\n--${B}  \r\nContent-Disposition: form-data; name="file"; filename="x.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv\r\n\r\na,b\r\n--${B}--\r\nepilogue`,
    );
    const parsed = parseMultipart(raw, B);
    assert.equal(parsed.uploads.get('file')?.filename, 'résumé.csv');
    assert.equal(parsed.uploads.get('file')?.data.toString(), 'a,b');
  });

  it('reads boundaries from Content-Type, quoted or not', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b:c"'), 'a b:c');
    assert.equal(headerParams('form-data; name="a\\"b"; filename=x').get('name'), 'a"b');
  });

  it('refuses a missing or invalid boundary', () => {
    expect400(() => boundaryOf('multipart/form-data'), /needs a boundary/);
    expect400(() => boundaryOf('multipart/form-data; boundary='), /needs a boundary/);
    expect400(() => boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), /1 to 70/);
    expect400(() => boundaryOf('multipart/form-data; boundary="ends in space "'), /1 to 70/);
  });

  it('refuses malformed bodies with a 400', () => {
    expect400(() => parseMultipart(Buffer.from('purpose=dispute_evidence'), B), /no part starts with the boundary/);
    expect400(() => parseMultipart(Buffer.from(''), B), /no part starts/);
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue`), B),
      /ends before its closing boundary/,
    );
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a"`), B),
      /no blank line/,
    );
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nX-Other: 1\r\n\r\nv\r\n--${B}--`), B),
      /no Content-Disposition/,
    );
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--${B}--`), B),
      /must be form-data/,
    );
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--${B}--`), B),
      /no name/,
    );
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nbroken header\r\n\r\nv\r\n--${B}--`), B),
      /not "Name: value"/,
    );
    expect400(() => parseMultipart(Buffer.from(`--${B}garbage\r\n`), B), /must end with CRLF/);
    expect400(
      () => parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="abc\r\n\r\nv\r\n--${B}--`), B),
      /not closed/,
    );
    expect400(
      () =>
        parseMultipart(
          body([
            ['file', Buffer.from('1'), 'a.txt'],
            ['file', Buffer.from('2'), 'b.txt'],
          ]),
          B,
        ),
      /more than one file/,
    );
    expect400(() => parseMultipart(body([['a', 'x\u0000y']]), B), /null characters/);
    expect400(
      () =>
        parseMultipart(
          body([
            ['a[]', 'x'],
            ['a[b]', 'y'],
          ]),
          B,
        ),
      /Invalid array or hash structure/,
    );
  });

  it('bounds parts, header sizes and text bytes', () => {
    const many = Array.from({ length: MULTIPART_LIMITS.maxParts + 1 }, (_, i) => [`f${i}`, 'v'] as [string, string]);
    expect400(() => parseMultipart(body(many), B), /at most 1000 parts/);
    const longHeader = Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${'p'.repeat(MULTIPART_LIMITS.maxPartHeaderBytes)}\r\n\r\nv\r\n--${B}--`,
    );
    expect400(() => parseMultipart(longHeader, B), /headers may be at most/);
    const text = 'x'.repeat(MULTIPART_LIMITS.maxTextBytes / 2 + 1);
    expect400(
      () =>
        parseMultipart(
          body([
            ['a', text],
            ['b', text],
          ]),
          B,
        ),
      /text fields may be at most/,
    );
    // A file as large as the text limit is fine: files count against the body limit only.
    const big = Buffer.alloc(MULTIPART_LIMITS.maxTextBytes + 10, 7);
    assert.equal(parseMultipart(body([['file', big, 'big.bin']]), B).uploads.get('file')?.data.length, big.length);
  });
});
