/**
 * Files and file links end to end: uploads through the official SDK (current, and the older majors
 * that send uploads to files.stripe.com unless told otherwise), the purpose rules (formats, sizes,
 * downloadable or not, linkable or not), listing, downloading the contents with a key and through a
 * link without one, links expiring (at once, and on the account clock), and the raw-HTTP multipart
 * edge cases the SDK never sends.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type Stripe from 'stripe';
import { MAX_CONCURRENT_UPLOADS } from '../../src/platform/http.js';
import { expectInvalid } from '../support/customers.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('IHDR fake png body\r\n--'),
]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
const GIF = Buffer.from('GIF89a\u0001\u0000\u0001\u0000', 'latin1');

function account() {
  const key = newSecretKey();
  return { key, stripe: server.stripe(key) };
}

function checkFile(f: Stripe.File): Stripe.File {
  assertShape(f, 'File', 'file');
  assert.match(f.id, /^file_[0-9A-Za-z]{24}$/);
  for (const link of f.links?.data ?? []) checkLink(link);
  return f;
}

function checkLink(l: Stripe.FileLink): Stripe.FileLink {
  assertShape(l, 'FileLink', 'file_link');
  assert.match(l.id, /^link_[0-9A-Za-z]{24}$/);
  return l;
}

/** Downloads a URL Sandbank handed out, with or without a key. */
async function download(url: string, key?: string) {
  const res = await fetch(url, key ? { headers: { Authorization: `Bearer ${key}` } } : {});
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

async function advance(key: string, seconds: number): Promise<void> {
  const res = await http(server, 'POST', '/sandbank/v1/time/advance', { key, body: `seconds=${seconds}` });
  assert.equal(res.status, 200, res.text);
}

/** A hand-made multipart body (for what the SDK never sends). */
function multipart(
  parts: ([string, string] | [string, Buffer, string])[],
  boundary = 'sandbank-test-boundary',
): Buffer {
  const chunks: Buffer[] = [];
  for (const [name, value, filename] of parts) {
    const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`),
      Buffer.from(value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

async function rawUpload(key: string, body: Buffer | string, contentType: string) {
  const res = await fetch(`${server.url}/v1/files`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as { error?: Record<string, string> } & Record<string, unknown>,
  };
}

describe('uploading files with the SDK', () => {
  it('uploads dispute evidence: the File object, retrieve, and its contents with the secret key', async () => {
    const a = account();
    const file = checkFile(
      await a.stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: PNG, name: 'receipt.png', type: 'application/octet-stream' },
      }),
    );
    assert.equal(file.purpose, 'dispute_evidence');
    assert.equal(file.filename, 'receipt.png');
    assert.equal(file.size, PNG.length);
    assert.equal(file.type, 'png');
    assert.equal(file.title, null);
    assert.equal(file.expires_at, file.created + 270 * 86_400, 'dispute evidence lives 9 months');
    assert.deepEqual(file.links, { object: 'list', data: [], has_more: false, url: `/v1/file_links?file=${file.id}` });
    assert.equal(file.url, `${server.url}/v1/files/${file.id}/contents`);

    assert.deepEqual(checkFile(await a.stripe.files.retrieve(file.id)), file);

    const got = await download(file.url as string, a.key);
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, PNG);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(got.headers.get('request-id') ?? '', /^req_/);

    const anonymous = await download(file.url as string);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json().error.type, 'invalid_request_error');
    const stranger = await download(file.url as string, newSecretKey());
    assert.equal(stranger.status, 404);
    assert.equal(stranger.json().error.message, `No such file: '${file.id}'`);
    const missing = await download(`${server.url}/v1/files/file_nope/contents`, a.key);
    assert.equal(missing.status, 404);
    // The row holding the bytes is no API object, under any path.
    const bytesRow = await http(server, 'GET', `/v1/files/${file.id}%2Fcontents`, { key: a.key });
    assert.equal(bytesRow.status, 404);
    assert.equal(bytesRow.json.error.message, `No such file: '${file.id}/contents'`);
    for (const odd of ['file_%00x', 'file_%E0%A4%A', `${file.id}%2Fcontents`]) {
      const res = await download(`${server.url}/v1/files/${odd}/contents`, a.key);
      assert.equal(res.status, 404, odd);
      assert.equal(res.json().error.type, 'invalid_request_error');
    }
    await expectInvalid(a.stripe.files.retrieve('file_nope'), {
      statusCode: 404,
      code: 'resource_missing',
      message: "No such file: 'file_nope'",
    });
  });

  it('detects the type from the contents, whatever the name says', async () => {
    const a = account();
    const pdf = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PDF, name: 'scan.jpg', type: 'image/jpeg' },
    });
    assert.equal(pdf.type, 'pdf');
    const jpeg = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), name: 'photo', type: 'application/octet-stream' },
    });
    assert.equal(jpeg.type, 'jpg');
    const csv = await a.stripe.files.create({
      purpose: 'tax_document_user_upload',
      file: { data: Buffer.from('year,amount\n2026,100\n'), name: 'taxes.csv', type: 'text/csv' },
    });
    assert.equal(csv.type, 'csv');
    assert.equal(csv.expires_at, null, 'tax documents never expire');
  });

  it('lists files newest first, filtered by purpose and created', async () => {
    const a = account();
    const first = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PNG, name: 'a.png', type: 'image/png' },
    });
    await advance(a.key, 10);
    const logo = await a.stripe.files.create({
      purpose: 'business_logo',
      file: { data: PNG, name: 'logo.png', type: 'image/png' },
    });
    const third = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PDF, name: 'b.pdf', type: 'application/pdf' },
    });

    const all = await a.stripe.files.list();
    assertShape(all, 'ApiList<File>');
    assert.deepEqual(
      all.data.map((f) => f.id),
      [third.id, logo.id, first.id],
    );
    assert.equal(all.url, '/v1/files');
    const evidence = await a.stripe.files.list({ purpose: 'dispute_evidence' });
    assert.deepEqual(
      evidence.data.map((f) => f.id),
      [third.id, first.id],
    );
    const recent = await a.stripe.files.list({ created: { gt: first.created } });
    assert.deepEqual(
      recent.data.map((f) => f.id),
      [third.id, logo.id],
    );
    const paged = await a.stripe.files.list({ limit: 1, starting_after: third.id });
    assert.deepEqual(
      paged.data.map((f) => f.id),
      [logo.id],
    );
    assert.equal(paged.has_more, true);
    await expectInvalid(a.stripe.files.list({ purpose: 'holiday_photos' as 'dispute_evidence' }), {
      param: 'purpose',
      message: /^Invalid purpose: must be one of account_requirement, /,
    });
  });

  it('refuses what a purpose does not take: a wrong purpose, format or size', async () => {
    const a = account();
    await expectInvalid(
      a.stripe.files.create({
        purpose: 'holiday_photos' as 'dispute_evidence',
        file: { data: PNG, name: 'a.png', type: 'image/png' },
      }),
      { param: 'purpose', message: /^Invalid purpose: must be one of account_requirement, additional_verification, / },
    );
    await expectInvalid(
      a.stripe.files.create({ purpose: 'dispute_evidence', file: { data: GIF, name: 'a.gif', type: 'image/gif' } }),
      {
        param: 'file',
        message:
          "We don't currently support that file type. Try uploading a file with one of the following mimetypes: application/pdf, image/jpeg, image/png.",
      },
    );
    await expectInvalid(
      a.stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: Buffer.from('just text'), name: 'a.txt', type: 'text/plain' },
      }),
      { param: 'file', message: /^We don't currently support that file type/ },
    );
    // 5 MB is the most dispute evidence may weigh; one byte more is refused, exactly 5 MB is fine.
    const fiveMb = 5 * 1024 * 1024;
    const big = Buffer.concat([PDF, Buffer.alloc(fiveMb - PDF.length, 0x20)]);
    const ok = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: big, name: 'big.pdf', type: 'application/pdf' },
    });
    assert.equal(ok.size, fiveMb);
    await expectInvalid(
      a.stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: Buffer.concat([big, Buffer.from(' ')]), name: 'big.pdf', type: 'application/pdf' },
      }),
      {
        param: 'file',
        message: /too large: files of type pdf with purpose dispute_evidence may be at most 5 MB \(5242880 bytes\)/,
      },
    );
    await expectInvalid(
      a.stripe.files.create({
        purpose: 'business_logo',
        file: { data: Buffer.concat([PNG, Buffer.alloc(512 * 1024)]), name: 'logo.png', type: 'image/png' },
      }),
      { param: 'file', message: /may be at most 512 KB/ },
    );
    assert.equal((await a.stripe.files.list()).data.length, 1, 'refused uploads leave nothing behind');
  });

  it('a file expires with its lifetime: its contents no longer download, its object stays', async () => {
    const a = account();
    const signature = await a.stripe.files.create({
      purpose: 'customer_signature',
      file: { data: PNG, name: 'sig.png', type: 'image/png' },
      file_link_data: { create: true },
    });
    assert.equal(signature.expires_at, signature.created + 7 * 86_400, 'customer signatures live 7 days');
    assert.equal((await download(signature.url as string, a.key)).status, 200);
    await advance(a.key, 7 * 86_400);
    const gone = await download(signature.url as string, a.key);
    assert.equal(gone.status, 404);
    assert.equal(
      gone.json().error.message,
      `The file ${signature.id} has expired: its contents are no longer available.`,
    );
    assert.equal((await download(signature.links?.data[0]?.url as string)).status, 404, 'nor through its link');
    assert.equal((await a.stripe.files.retrieve(signature.id)).id, signature.id);
  });

  it('keeps files that cannot be downloaded without a url', async () => {
    const a = account();
    const id = await a.stripe.files.create({
      purpose: 'identity_document',
      file: { data: PNG, name: 'passport.png', type: 'image/png' },
    });
    checkFile(id);
    assert.equal(id.url, null);
    assert.equal(id.expires_at, null);
    const res = await download(`${server.url}/v1/files/${id.id}/contents`, a.key);
    assert.equal(res.status, 403);
    assert.equal(res.json().error.message, 'Files with purpose identity_document cannot be downloaded.');
    await expectInvalid(a.stripe.fileLinks.create({ file: id.id }), {
      param: 'file',
      message: /^You cannot create a file link for a file with purpose identity_document\./,
    });
    await expectInvalid(
      a.stripe.files.create({
        purpose: 'identity_document',
        file: { data: PNG, name: 'passport.png', type: 'image/png' },
        file_link_data: { create: true },
      }),
      { param: 'file_link_data[create]' },
    );
  });

  it('needs a file: a missing one, or a text field named file, is refused', async () => {
    const a = account();
    // (The SDK itself cannot send an upload without a file: it fails before sending.)
    const none = await rawUpload(
      a.key,
      multipart([['purpose', 'dispute_evidence']]),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.equal(none.status, 400);
    assert.deepEqual(
      [none.json.error?.code, none.json.error?.param, none.json.error?.message],
      ['parameter_missing', 'file', 'Missing required param: file.'],
    );
    const asText = await http(server, 'POST', '/v1/files', {
      key: a.key,
      body: 'purpose=dispute_evidence&file=receipt.png',
    });
    assert.equal(asText.status, 400);
    assert.deepEqual([asText.json.error.message, asText.json.error.param], ['Invalid hash', 'file']);
    // A forged upload token is no upload either.
    const forged = await rawUpload(
      a.key,
      multipart([
        ['purpose', 'dispute_evidence'],
        ['file', `upload:${'0'.repeat(64)}:3`],
      ]),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.deepEqual([forged.status, forged.json.error?.message], [400, 'Invalid hash']);
  });

  it('lets a publishable key upload (as Stripe.js does) but not create a link', async () => {
    const a = account();
    // In open mode pk_test_X belongs to the account of sk_test_X.
    const publishable = `pk_test_${a.key.slice('sk_test_'.length)}`;
    const pk = server.stripe(publishable);
    const file = await pk.files.create({
      purpose: 'dispute_evidence',
      file: { data: PNG, name: 'a.png', type: 'image/png' },
    });
    checkFile(file);
    await expectInvalid(
      pk.files.create({
        purpose: 'dispute_evidence',
        file: { data: PNG, name: 'a.png', type: 'image/png' },
        file_link_data: { create: true },
      }),
      { param: 'file_link_data[create]' },
    );
    // The upload is the account's: its secret key sees it, the publishable key cannot read it back.
    assert.equal((await a.stripe.files.retrieve(file.id)).id, file.id);
    await assert.rejects(pk.files.retrieve(file.id), (err: Stripe.errors.StripeError) => err.statusCode === 401);
  });

  it('replays an idempotent upload, and refuses the same key with another file', async () => {
    const a = account();
    const first = await a.stripe.files.create(
      { purpose: 'dispute_evidence', file: { data: PNG, name: 'a.png', type: 'image/png' } },
      { idempotencyKey: 'upload-1' },
    );
    const again = await a.stripe.files.create(
      { purpose: 'dispute_evidence', file: { data: PNG, name: 'a.png', type: 'image/png' } },
      { idempotencyKey: 'upload-1' },
    );
    assert.equal(again.id, first.id);
    assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
    const other = a.stripe.files.create(
      { purpose: 'dispute_evidence', file: { data: PDF, name: 'a.png', type: 'image/png' } },
      { idempotencyKey: 'upload-1' },
    );
    await assert.rejects(other, (err: Stripe.errors.StripeError) => err.type === 'StripeIdempotencyError');
  });
});

describe('older SDKs: uploads go to files.stripe.com unless the request names the host', () => {
  // stripe-node 8 to 18 send files.create to the resource's own host, files.stripe.com, whatever
  // `host` the client was configured with (port and protocol do follow the configuration). A
  // per-request `host` option wins over it. stripe-node 19 and later send every request, uploads
  // included, to a configured host.
  // Loaded untyped: their type declarations augment the 'stripe' module and would clash with 23's.
  const load = createRequire(import.meta.url);
  const majors = ['stripe-v8', 'stripe-v12', 'stripe-v14', 'stripe-v16', 'stripe-v18'].map(
    (name) => [name.slice('stripe-v'.length), load(name)] as const,
  );
  for (const [major, Sdk] of majors) {
    it(`stripe-node ${major}: a configured host alone sends uploads to files.stripe.com`, async () => {
      // An HTTP client that records the host the SDK asks for and delivers to Sandbank instead, so
      // the test shows where the upload would have gone without leaving the machine.
      const real = Sdk.createNodeHttpClient();
      const asked: string[] = [];
      const httpClient = Object.create(real);
      httpClient.makeRequest = (host: string, ...rest: unknown[]) => {
        asked.push(host);
        return real.makeRequest('127.0.0.1', ...rest);
      };
      const client = new Sdk(newSecretKey(), {
        host: '127.0.0.1',
        port: server.port,
        protocol: 'http',
        maxNetworkRetries: 0,
        httpClient,
      });
      const file = await client.files.create({
        purpose: 'dispute_evidence',
        file: { data: PDF, name: 'old.pdf', type: 'application/pdf' },
      });
      await client.files.retrieve(file.id);
      assert.deepEqual(
        asked,
        ['files.stripe.com', '127.0.0.1'],
        'the upload asked for files.stripe.com, the read for the host',
      );
    });

    it(`stripe-node ${major}: files.create(params, { host }) reaches Sandbank`, async () => {
      const key = newSecretKey();
      const client = new Sdk(key, {
        host: '127.0.0.1',
        port: server.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const file = await client.files.create(
        { purpose: 'dispute_evidence', file: { data: PDF, name: 'old.pdf', type: 'application/pdf' } },
        { host: '127.0.0.1' },
      );
      assert.equal(file.object, 'file');
      assert.equal(file.type, 'pdf');
      assert.equal(file.size, PDF.length);
      const retrieved = await client.files.retrieve(file.id);
      assert.equal(retrieved.id, file.id);
    });
  }
});

describe('stripe-python: uploads go to upload_api_base', () => {
  // Debian's python3-stripe (5.0.0) sends File.create to `stripe.upload_api_base`
  // (https://files.stripe.com), apart from `stripe.api_base`: pointing both at Sandbank is the setup.
  const python = '/usr/bin/python3';
  const available = spawnSync(python, ['-c', 'import stripe'], { stdio: 'ignore' }).status === 0;
  it('File.create with stripe.upload_api_base set reaches Sandbank', {
    skip: !available && 'no python3-stripe',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbank-py-'));
    try {
      const path = join(dir, 'receipt.pdf');
      writeFileSync(path, PDF);
      const script = [
        'import json, sys, stripe',
        'stripe.api_key = sys.argv[1]',
        'stripe.api_base = sys.argv[2]',
        'stripe.upload_api_base = sys.argv[2]',
        'stripe.max_network_retries = 0',
        "f = stripe.File.create(purpose='dispute_evidence', file=open(sys.argv[3], 'rb'))",
        'g = stripe.File.retrieve(f.id)',
        'print(json.dumps({"id": f.id, "size": f.size, "type": f.type, "filename": f.filename, "same": g.id == f.id}))',
      ].join('\n');
      // Asynchronously: the server runs in this process and must keep answering.
      const run = await promisify(execFile)(python, ['-c', script, newSecretKey(), server.url, path], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      const out = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.match(String(out.id), /^file_/);
      assert.deepEqual(
        { size: out.size, type: out.type, filename: out.filename, same: out.same },
        { size: PDF.length, type: 'pdf', filename: 'receipt.pdf', same: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('file links', () => {
  it('creates a link with the upload, downloads without a key, updates and expires it now', async () => {
    const a = account();
    const file = checkFile(
      await a.stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: PDF, name: 'invoice.pdf', type: 'application/pdf' },
        file_link_data: { create: true, metadata: { order: '6735' } },
      }),
    );
    assert.equal(file.links?.data.length, 1);
    const link = checkLink(file.links?.data[0] as Stripe.FileLink);
    assert.equal(link.file, file.id);
    assert.equal(link.expired, false);
    assert.equal(link.expires_at, null);
    assert.deepEqual(link.metadata, { order: '6735' });
    assert.match(link.url ?? '', new RegExp(`^${server.url}/links/[A-Za-z0-9_-]+$`));

    const got = await download(link.url as string);
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, PDF);
    assert.equal(got.headers.get('content-type'), 'application/pdf');
    assert.equal(got.headers.get('content-disposition'), "inline; filename*=UTF-8''invoice.pdf");
    // A URL one character off is no link.
    const tampered = `${(link.url as string).slice(0, -1)}${(link.url as string).endsWith('A') ? 'B' : 'A'}`;
    assert.equal((await download(tampered)).status, 404);

    const updated = checkLink(await a.stripe.fileLinks.update(link.id, { metadata: { order: '', note: 'x' } }));
    assert.deepEqual(updated.metadata, { note: 'x' });
    assert.deepEqual(checkLink(await a.stripe.fileLinks.retrieve(link.id)), updated);

    const expired = checkLink(await a.stripe.fileLinks.update(link.id, { expires_at: 'now' }));
    assert.equal(expired.expired, true);
    assert.ok(expired.expires_at !== null && expired.expires_at <= Math.floor(Date.now() / 1000) + 1);
    const refused = await download(link.url as string);
    assert.equal(refused.status, 404);
    assert.equal(refused.json().error.message, `The file link ${link.id} has expired.`);
    await expectInvalid(a.stripe.fileLinks.update(link.id, { metadata: { a: 'b' } }), {
      message: `The file link ${link.id} has expired and can no longer be updated.`,
    });
    // Downloads reach the request log, a link's secret token masked.
    const log = await http(server, 'GET', '/sandbank/v1/requests', { key: a.key });
    const downloads = (log.json.data as { method: string; path: string; status: number }[])
      .filter((r) => r.path.startsWith('/links/'))
      .map((r) => [r.method, r.path, r.status]);
    assert.deepEqual(downloads, [
      ['GET', '/links/…', 200],
      ['GET', '/links/…', 404],
    ]);
    assert.ok(!JSON.stringify(log.json).includes((link.url as string).slice(-20)), 'no token in the log');
    // The file's own list shows the link as it is now.
    const again = checkFile(await a.stripe.files.retrieve(file.id));
    assert.deepEqual(again.links?.data, [expired]);
  });

  it('creates, lists and filters links; a link expires on the account clock', async () => {
    const a = account();
    const file = await a.stripe.files.create({
      purpose: 'business_logo',
      file: { data: PNG, name: 'logo.png', type: 'image/png' },
    });
    const other = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PDF, name: 'x.pdf', type: 'application/pdf' },
    });
    const now = Math.floor(Date.now() / 1000);
    const soon = checkLink(await a.stripe.fileLinks.create({ file: file.id, expires_at: now + 3600 }));
    const forever = checkLink(await a.stripe.fileLinks.create({ file: file.id, metadata: { k: 'v' } }));
    const elsewhere = checkLink(await a.stripe.fileLinks.create({ file: other.id }));
    assert.equal(soon.expires_at, now + 3600);

    const all = await a.stripe.fileLinks.list();
    assertShape(all, 'ApiList<FileLink>');
    assert.deepEqual(
      all.data.map((l) => l.id),
      [elsewhere.id, forever.id, soon.id],
    );
    const ofFile = await a.stripe.fileLinks.list({ file: file.id });
    assert.deepEqual(
      ofFile.data.map((l) => l.id),
      [forever.id, soon.id],
    );
    assert.equal((await a.stripe.files.retrieve(file.id)).links?.data.length, 2);

    assert.equal((await download(soon.url as string)).status, 200);
    await advance(a.key, 3600);
    const after = checkLink(await a.stripe.fileLinks.retrieve(soon.id));
    assert.equal(after.expired, true, 'the expiry job ran when the clock passed expires_at');
    assert.equal((await download(soon.url as string)).status, 404);
    assert.equal((await download(forever.url as string)).status, 200);

    const expired = await a.stripe.fileLinks.list({ expired: true });
    assert.deepEqual(
      expired.data.map((l) => l.id),
      [soon.id],
    );
    const live = await a.stripe.fileLinks.list({ expired: false, file: file.id });
    assert.deepEqual(
      live.data.map((l) => l.id),
      [forever.id],
    );
    const links = (await a.stripe.files.retrieve(file.id)).links?.data ?? [];
    assert.deepEqual(
      links.map((l) => [l.id, l.expired]),
      [
        [forever.id, false],
        [soon.id, true],
      ],
    );
  });

  it('moves and clears expires_at; refuses past times, unknown files and foreign links', async () => {
    const a = account();
    const file = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PNG, name: 'a.png', type: 'image/png' },
    });
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(a.stripe.fileLinks.create({ file: file.id, expires_at: now - 10 }), {
      param: 'expires_at',
      message: 'The expires_at timestamp must be in the future.',
    });
    await expectInvalid(a.stripe.fileLinks.create({ file: 'file_missing' }), {
      code: 'resource_missing',
      param: 'file',
      message: "No such file: 'file_missing'",
    });
    await expectInvalid(a.stripe.fileLinks.list({ file: 'file_missing' }), { param: 'file' });
    const link = await a.stripe.fileLinks.create({ file: file.id, expires_at: now + 60 });
    const moved = await a.stripe.fileLinks.update(link.id, { expires_at: now + 7200 });
    assert.equal(moved.expires_at, now + 7200);
    await advance(a.key, 120);
    assert.equal((await a.stripe.fileLinks.retrieve(link.id)).expired, false, 'the old expiry no longer applies');
    const cleared = await a.stripe.fileLinks.update(link.id, { expires_at: '' });
    assert.equal(cleared.expires_at, null);
    await advance(a.key, 7200);
    assert.equal((await a.stripe.fileLinks.retrieve(link.id)).expired, false);
    await expectInvalid(a.stripe.fileLinks.update(link.id, { expires_at: now - 5 }), { param: 'expires_at' });
    await expectInvalid(server.stripe().fileLinks.retrieve(link.id), {
      statusCode: 404,
      message: `No such file_link: '${link.id}'`,
    });
  });

  it('expands the file of a link', async () => {
    const a = account();
    const file = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PNG, name: 'a.png', type: 'image/png' },
      file_link_data: { create: true },
    });
    const link = await a.stripe.fileLinks.retrieve(file.links?.data[0]?.id as string, { expand: ['file'] });
    checkFile(link.file as Stripe.File);
    assert.equal((link.file as Stripe.File).id, file.id);
  });
});

describe('multipart over raw HTTP', () => {
  it('uploads with a hand-made body, as curl -F sends it', async () => {
    const key = newSecretKey();
    const res = await rawUpload(
      key,
      multipart([
        ['purpose', 'dispute_evidence'],
        ['file', PNG, 'curl.png'],
        ['file_link_data[create]', 'true'],
        ['file_link_data[metadata][from]', 'curl'],
        ['expand[]', 'links'],
      ]),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.filename, 'curl.png');
    assert.deepEqual((res.json.links as { data: { metadata: object }[] }).data[0]?.metadata, { from: 'curl' });
  });

  it('refuses a multipart body without a boundary, a malformed one, and an unknown parameter', async () => {
    const key = newSecretKey();
    const body = multipart([
      ['purpose', 'dispute_evidence'],
      ['file', PNG, 'a.png'],
    ]);
    const noBoundary = await rawUpload(key, body, 'multipart/form-data');
    assert.equal(noBoundary.status, 400);
    assert.match(noBoundary.json.error?.message ?? '', /needs a boundary/);
    const wrongBoundary = await rawUpload(key, body, 'multipart/form-data; boundary=other');
    assert.equal(wrongBoundary.status, 400);
    assert.match(wrongBoundary.json.error?.message ?? '', /no part starts with the boundary "--other"/);
    const truncated = await rawUpload(
      key,
      body.subarray(0, body.length - 30),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.equal(truncated.status, 400);
    assert.match(truncated.json.error?.message ?? '', /ends before its closing boundary/);
    const unknown = await rawUpload(
      key,
      multipart([
        ['purpose', 'dispute_evidence'],
        ['file', PNG, 'a.png'],
        ['colour', 'red'],
      ]),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.deepEqual(
      [unknown.status, unknown.json.error?.code, unknown.json.error?.param],
      [400, 'parameter_unknown', 'colour'],
    );
    const wrongPurpose = await rawUpload(
      key,
      multipart([
        ['purpose', 'selfie'],
        ['file', PNG, 'a.png'],
      ]),
      'multipart/form-data; boundary=sandbank-test-boundary',
    );
    assert.deepEqual([wrongPurpose.status, wrongPurpose.json.error?.param], [400, 'purpose']);
  });

  it('refuses a body that is not multipart or a form', async () => {
    const key = newSecretKey();
    const json = await rawUpload(key, JSON.stringify({ purpose: 'dispute_evidence' }), 'application/json');
    assert.equal(json.status, 400);
    assert.match(json.json.error?.message ?? '', /^Invalid request: unsupported Content-Type application\/json/);
    const raw = await rawUpload(key, PNG, 'image/png');
    assert.equal(raw.status, 400);
    assert.match(raw.json.error?.message ?? '', /unsupported Content-Type image\/png/);
  });

  it('refuses a body over the upload limit, and keeps serving the connection', async () => {
    const key = newSecretKey();
    const huge = multipart([
      ['purpose', 'dispute_evidence'],
      ['file', Buffer.alloc(17 * 1024 * 1024 + 1, 0x20), 'huge.pdf'],
    ]);
    const res = await rawUpload(key, huge, 'multipart/form-data; boundary=sandbank-test-boundary');
    assert.equal(res.status, 400);
    assert.equal(res.json.error?.message, `Request body too large: at most ${17 * 1024 * 1024} bytes are accepted.`);
    // A url-encoded body keeps its own, smaller limit.
    const form = await http(server, 'POST', '/v1/customers', {
      key,
      body: `description=${'x'.repeat(1024 * 1024 + 1)}`,
    });
    assert.equal(form.status, 400);
    assert.equal(form.json.error.message, `Request body too large: at most ${1024 * 1024} bytes are accepted.`);
  });

  it('answers downloads only to GET and HEAD', async () => {
    const a = account();
    const file = await a.stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: PNG, name: 'a.png', type: 'image/png' },
    });
    const head = await fetch(file.url as string, { method: 'HEAD', headers: { Authorization: `Bearer ${a.key}` } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(PNG.length));
    const post = await fetch(file.url as string, { method: 'POST', headers: { Authorization: `Bearer ${a.key}` } });
    assert.equal(post.status, 404);
    assert.match(
      ((await post.json()) as { error: { message: string } }).error.message,
      /^Unrecognized request URL \(POST: /,
    );
  });
});

describe('uploads held in memory at once', () => {
  it(`answers Stripe's 429 rate_limit beyond ${MAX_CONCURRENT_UPLOADS} unfinished uploads, and takes them again once one ends`, async () => {
    const key = newSecretKey();
    const boundary = 'sandbankboundary';
    // Each upload sends its headers and a first part, then stalls: the server holds it.
    const stalled = Array.from({ length: MAX_CONCURRENT_UPLOADS }, () => {
      const req = request(`${server.url}/v1/files`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': '100000',
        },
      });
      req.on('error', () => {});
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n`);
      return req;
    });
    try {
      let res: Awaited<ReturnType<typeof http>> | undefined;
      // The stalled requests reach the server in their own time; wait until all are held.
      for (let i = 0; i < 50; i++) {
        res = await http(server, 'POST', '/v1/files', {
          key,
          headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
          body: `--${boundary}--\r\n`,
        });
        if (res.status === 429) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(res?.status, 429, res?.text);
      assert.equal(res?.json.error.code, 'rate_limit');
      assert.equal(res?.json.error.type, 'invalid_request_error');
    } finally {
      for (const req of stalled) req.destroy();
    }
    // Once they are gone, uploads are taken again (this one is refused for its content, not its count).
    for (let i = 0; i < 50; i++) {
      const res = await http(server, 'POST', '/v1/files', {
        key,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body: `--${boundary}--\r\n`,
      });
      if (res.status !== 429) {
        assert.equal(res.status, 400, res.text);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('uploads stayed refused after the stalled ones ended');
  });
});
