/**
 * Unit tests of the invoice PDF writer: the file's structure as a strict reader checks it (header,
 * every cross-reference offset pointing at its object, startxref, trailer, %%EOF, stream lengths),
 * text encoding and escaping, right-alignment by font metrics, page breaks for long invoices, and —
 * where poppler's `pdftotext` is installed — that a real reader extracts the invoice's text.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type InvoiceDocument, invoicePdf, PdfDocument, textWidth, wrapText } from '../../src/billing/invoices/pdf.js';

function sampleDocument(lines = 2): InvoiceDocument {
  return {
    title: 'Invoice',
    merchant: { name: 'Acme (Test) Corp', lines: ['support@acme.test'] },
    billTo: { heading: 'Bill to', lines: ['Jenny Rosen', 'jenny@example.com', '1 Main St', 'Zürich 8000'] },
    facts: [
      { label: 'Invoice number', value: 'ABCD1234-0001' },
      { label: 'Date of issue', value: 'December 3, 2026' },
      { label: 'Date due', value: 'January 2, 2027' },
    ],
    headline: '$24.00 due January 2, 2027',
    payUrl: 'http://127.0.0.1:12111/invoice/inv_tok_123',
    memo: 'Thanks for your business \\ see you soon',
    lines: Array.from({ length: lines }, (_, i) => ({
      description: `Consulting hour ${i + 1}`,
      detail: 'Dec 3, 2026 – Jan 3, 2027',
      quantity: '2',
      unitPrice: '$6.00',
      amount: '$12.00',
    })),
    totals: [
      { label: 'Subtotal', value: '$24.00' },
      { label: 'Total', value: '$24.00' },
      { label: 'Amount due', value: '$24.00', strong: true },
    ],
    footer: 'Questions? Contact support@acme.test',
    reference: 'ABCD1234-0001 · $24.00 due January 2, 2027',
  };
}

interface Parsed {
  text: string;
  xrefOffset: number;
  entries: { offset: number; generation: number; inUse: boolean }[];
  trailer: string;
}

/** Reads the cross-reference section the way a reader does: from `startxref` at the end. */
function parse(buf: Buffer): Parsed {
  const text = buf.toString('latin1');
  const tail = /startxref\n(\d+)\n%%EOF\n?$/.exec(text);
  assert.ok(tail, 'the file ends with startxref <offset> %%EOF');
  const xrefOffset = Number(tail[1]);
  assert.equal(text.slice(xrefOffset, xrefOffset + 5), 'xref\n', 'startxref points at the xref keyword');
  const header = /^xref\n0 (\d+)\n/.exec(text.slice(xrefOffset));
  assert.ok(header);
  const count = Number(header[1]);
  const start = xrefOffset + header[0].length;
  const entries = [];
  for (let i = 0; i < count; i++) {
    // Every entry is exactly 20 bytes, as the specification requires.
    const entry = text.slice(start + i * 20, start + (i + 1) * 20);
    const m = /^(\d{10}) (\d{5}) ([nf]) \n$/.exec(entry);
    assert.ok(m, `xref entry ${i} is 20 bytes: ${JSON.stringify(entry)}`);
    entries.push({ offset: Number(m[1]), generation: Number(m[2]), inUse: m[3] === 'n' });
  }
  const trailer = text.slice(start + count * 20, text.lastIndexOf('startxref'));
  return { text, xrefOffset, entries, trailer };
}

function pdftotext(buf: Buffer): string | null {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sandbank-pdf-'));
  try {
    const file = join(dir, 'invoice.pdf');
    writeFileSync(file, buf);
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PDF writer', () => {
  it('writes a PDF 1.4 file whose cross-reference table points at every object', () => {
    const buf = invoicePdf(sampleDocument(), { creationDate: 1_796_000_000 });
    assert.equal(buf.subarray(0, 9).toString('latin1'), '%PDF-1.4\n');
    // The binary comment on line two tells transfer tools the file is binary.
    assert.ok(buf.subarray(9, 15).some((b) => b > 127));
    const { text, entries, trailer } = parse(buf);
    assert.deepEqual(entries[0], { offset: 0, generation: 65535, inUse: false });
    for (let n = 1; n < entries.length; n++) {
      const entry = entries[n];
      assert.ok(entry?.inUse);
      assert.equal(text.slice(entry.offset, entry.offset + `${n} 0 obj\n`.length), `${n} 0 obj\n`, `object ${n}`);
    }
    const size = /\/Size (\d+)/.exec(trailer);
    assert.equal(Number(size?.[1]), entries.length);
    assert.match(trailer, /\/Root 1 0 R/);
    assert.match(text.slice(entries[1]?.offset ?? 0), /^1 0 obj\n<< \/Type \/Catalog \/Pages 2 0 R >>/);
    assert.match(text, /\/BaseFont \/Helvetica \/Encoding \/WinAnsiEncoding/);
    assert.match(text, /\/BaseFont \/Helvetica-Bold /);
    assert.match(text, /\/CreationDate \(D:\d{14}Z\)/);
  });

  it('gives every content stream its exact /Length', () => {
    const { text } = parse(invoicePdf(sampleDocument()));
    const streams = [...text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)];
    assert.ok(streams.length >= 1);
    for (const m of streams) {
      const start = (m.index ?? 0) + m[0].length;
      const length = Number(m[1]);
      assert.equal(text.slice(start + length, start + length + 10), '\nendstream');
    }
  });

  it('escapes parentheses and backslashes and encodes text in WinAnsi', () => {
    const pdf = new PdfDocument();
    const page = pdf.addPage();
    page.text(10, 10, 'a (b) \\ c € é • 漢');
    const text = pdf.toBuffer().toString('latin1');
    // € is 0x80 (octal 200), é 0xE9 (351), • 0x95 (225); what WinAnsi lacks becomes '?'.
    assert.ok(text.includes('(a \\(b\\) \\\\ c \\200 \\351 \\225 ?) Tj'), text);
  });

  it('measures text with Helvetica metrics, so right-aligned amounts end at the same x', () => {
    assert.equal(textWidth('0', 'regular', 1000), 556);
    assert.equal(textWidth('Wi', 'regular', 10), (944 + 222) / 100);
    assert.equal(textWidth('b', 'bold', 10), 6.11);
    const pdf = new PdfDocument();
    const page = pdf.addPage();
    page.text(500, 100, '$1.00', { align: 'right' });
    const x = Number(/rg ([\d.]+) 100 Td/.exec(page.ops[0] ?? '')?.[1]);
    assert.equal(Math.round((x + textWidth('$1.00', 'regular', 10)) * 100) / 100, 500);
  });

  it('wraps long text at spaces and cuts words longer than a line', () => {
    const lines = wrapText('one two three four five six seven', 'regular', 10, 60);
    assert.ok(lines.length > 1);
    for (const line of lines) assert.ok(textWidth(line, 'regular', 10) <= 60, line);
    assert.equal(lines.join(' '), 'one two three four five six seven');
    const cut = wrapText('x'.repeat(100), 'regular', 10, 50);
    assert.ok(cut.length > 1);
    assert.equal(cut.join(''), 'x'.repeat(100));
  });

  it('continues a long invoice on further pages, numbering them', () => {
    const buf = invoicePdf(sampleDocument(60));
    const { text } = parse(buf);
    const count = Number(/\/Type \/Pages \/Kids \[[^\]]*\] \/Count (\d+)/.exec(text)?.[1]);
    assert.ok(count >= 2, `pages: ${count}`);
    assert.ok(text.includes(`(Page ${count} of ${count}) Tj`));
  });

  it('links "Pay online" to the hosted invoice page', () => {
    const { text } = parse(invoicePdf(sampleDocument()));
    assert.match(text, /\/Subtype \/Link .*\/URI \(http:\/\/127\.0\.0\.1:12111\/invoice\/inv_tok_123\)/);
  });

  it('is read by a real PDF reader (pdftotext), when one is installed', (t) => {
    const extracted = pdftotext(invoicePdf(sampleDocument(40)));
    if (extracted === null) {
      t.skip('pdftotext is not installed');
      return;
    }
    for (const expected of [
      'Invoice',
      'Acme (Test) Corp',
      'ABCD1234-0001',
      'Jenny Rosen',
      'Zürich 8000',
      '$24.00 due January 2, 2027',
      'Consulting hour 1',
      'Consulting hour 40',
      'Dec 3, 2026 – Jan 3, 2027',
      'Amount due',
      'Thanks for your business \\ see you soon',
      'Page 1 of',
    ]) {
      assert.ok(extracted.includes(expected), `pdftotext finds ${JSON.stringify(expected)} in:\n${extracted}`);
    }
  });
});
