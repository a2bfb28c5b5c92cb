/**
 * The invoice PDF (`invoice_pdf`): a small PDF 1.4 writer and the one layout it draws.
 *
 * No PDF library: the format needs little for a text document. Text uses the standard 14 fonts
 * Helvetica and Helvetica-Bold, which every reader has, so nothing is embedded; strings are
 * encoded in WinAnsi (cp1252), and widths come from the fonts' published metrics so amounts can
 * be right-aligned. The cross-reference table holds each object's exact byte offset, which strict
 * readers check.
 *
 * The layout reads a neutral {@link InvoiceDocument} (strings already formatted), the same one the
 * hosted invoice page renders as HTML, so the page and the PDF always say the same thing.
 */

// ---- The content ----

/** One row of the line-item table. */
export interface InvoiceDocumentLine {
  description: string;
  /** A second, muted line under the description (e.g. the service period). */
  detail?: string | null;
  quantity: string;
  unitPrice: string;
  amount: string;
}

/** A label/value row: the invoice's facts and its totals. */
export interface InvoiceDocumentRow {
  label: string;
  value: string;
  /** Drawn bold and separated from the rows above (Total, Amount due). */
  strong?: boolean;
}

/** What an invoice says, formatted for people; the hosted page and the PDF both render it. */
export interface InvoiceDocument {
  /** "Invoice", or "Receipt"-like titles a caller may choose. */
  title: string;
  merchant: { name: string; lines: string[] };
  billTo: { heading: string; lines: string[] };
  /** Invoice number, date of issue, date due, … */
  facts: InvoiceDocumentRow[];
  /** The sentence under the facts, e.g. "$12.00 due December 31, 2026". */
  headline: string;
  /** Where the invoice can be paid online (the hosted invoice page); drawn as a link. */
  payUrl: string | null;
  memo: string | null;
  lines: InvoiceDocumentLine[];
  totals: InvoiceDocumentRow[];
  footer: string | null;
  /** Shown in each page's footer beside the page number, e.g. the invoice number and amount. */
  reference: string;
}

// ---- Fonts ----

export type FontName = 'regular' | 'bold';

const FONT_RESOURCE: Record<FontName, { key: string; base: string }> = {
  regular: { key: 'F1', base: 'Helvetica' },
  bold: { key: 'F2', base: 'Helvetica-Bold' },
};

/** Helvetica's advance widths (1/1000 em) for WinAnsi codes 32–126, from Adobe's AFM. */
// biome-ignore format: a table
const HELVETICA_ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** Helvetica-Bold's advance widths for WinAnsi codes 32–126. */
// biome-ignore format: a table
const HELVETICA_BOLD_ASCII = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** WinAnsi codes above 127 for the characters invoices use, with widths [regular, bold]. */
const WIN_ANSI_EXTRA: Record<string, [code: number, regular: number, bold: number]> = {
  '€': [0x80, 556, 556],
  '‚': [0x82, 222, 278],
  '„': [0x84, 333, 500],
  '…': [0x85, 1000, 1000],
  '‘': [0x91, 222, 278],
  '’': [0x92, 222, 278],
  '“': [0x93, 333, 500],
  '”': [0x94, 333, 500],
  '•': [0x95, 350, 350],
  '–': [0x96, 556, 556],
  '—': [0x97, 1000, 1000],
  '™': [0x99, 1000, 1000],
  '\u00a0': [0xa0, 278, 278],
  '£': [0xa3, 556, 556],
  '¥': [0xa5, 556, 556],
  '§': [0xa7, 556, 556],
  '©': [0xa9, 737, 737],
  '®': [0xae, 737, 737],
  '°': [0xb0, 400, 400],
  '±': [0xb1, 584, 584],
  µ: [0xb5, 556, 611],
  '·': [0xb7, 278, 278],
  '×': [0xd7, 584, 584],
  ß: [0xdf, 611, 611],
  '÷': [0xf7, 584, 584],
};

/** One character as a WinAnsi byte and its width; `?` for what the encoding cannot show. */
function encodeChar(ch: string, font: FontName): [byte: number, width: number] {
  const code = ch.codePointAt(0) ?? 63;
  const ascii = font === 'bold' ? HELVETICA_BOLD_ASCII : HELVETICA_ASCII;
  if (code >= 32 && code <= 126) return [code, ascii[code - 32] ?? 556];
  const extra = WIN_ANSI_EXTRA[ch];
  if (extra) return [extra[0], font === 'bold' ? extra[2] : extra[1]];
  // Latin-1 letters with accents sit at their own code in WinAnsi and are as wide as their base letter.
  if (code >= 0xc0 && code <= 0xff) {
    const base = ch.normalize('NFD').charAt(0);
    const baseCode = base.charCodeAt(0);
    const width = baseCode >= 32 && baseCode <= 126 ? (ascii[baseCode - 32] ?? 556) : 556;
    return [code, width];
  }
  if (ch === '\t' || ch === '\n' || ch === '\r') return [32, ascii[0] ?? 278];
  return [63, ascii[63 - 32] ?? 556];
}

/** `text`'s width in points at `size`. */
export function textWidth(text: string, font: FontName, size: number): number {
  let units = 0;
  for (const ch of text) units += encodeChar(ch, font)[1];
  return (units * size) / 1000;
}

/** `text` as a PDF literal string body in WinAnsi, with `(`, `)` and `\` escaped. */
function pdfString(text: string, font: FontName): string {
  let out = '';
  for (const ch of text) {
    const byte = encodeChar(ch, font)[0];
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 128) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** A number as PDF writes it: at most two decimals, no exponent. */
function num(n: number): string {
  const r = Math.round(n * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** The longest prefixes of `text` (split at spaces, or anywhere for long words) that fit in `width`. */
export function wrapText(text: string, font: FontName, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (textWidth(candidate, font, size) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      // A word longer than the line is cut where it overflows.
      let rest = word;
      while (textWidth(rest, font, size) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && textWidth(rest.slice(0, cut), font, size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

// ---- The writer ----

type Rgb = readonly [number, number, number];

interface Link {
  rect: [number, number, number, number];
  uri: string;
}

/** One page's drawing operators (points, origin at the bottom left) and its links. */
export class PdfPage {
  readonly ops: string[] = [];
  readonly links: Link[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Draws `text` with its baseline at `y`, starting at `x` (or ending there with `align: 'right'`). */
  text(
    x: number,
    y: number,
    text: string,
    opts: { font?: FontName; size?: number; color?: Rgb; align?: 'left' | 'right' } = {},
  ): void {
    const font = opts.font ?? 'regular';
    const size = opts.size ?? 10;
    const left = opts.align === 'right' ? x - textWidth(text, font, size) : x;
    const [r, g, b] = opts.color ?? [0, 0, 0];
    this.ops.push(
      `BT /${FONT_RESOURCE[font].key} ${num(size)} Tf ${num(r)} ${num(g)} ${num(b)} rg ${num(left)} ${num(y)} Td (${pdfString(text, font)}) Tj ET`,
    );
  }

  /** A straight stroke from (x1, y1) to (x2, y2). */
  line(x1: number, y1: number, x2: number, y2: number, opts: { width?: number; color?: Rgb } = {}): void {
    const [r, g, b] = opts.color ?? [0, 0, 0];
    this.ops.push(
      `${num(opts.width ?? 0.5)} w ${num(r)} ${num(g)} ${num(b)} RG ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`,
    );
  }

  /** A filled rectangle with its lower-left corner at (x, y). */
  rect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const [r, g, b] = color;
    this.ops.push(`${num(r)} ${num(g)} ${num(b)} rg ${num(x)} ${num(y)} ${num(w)} ${num(h)} re f`);
  }

  /** Makes the rectangle a link to `uri` (a URI action annotation). */
  link(x: number, y: number, w: number, h: number, uri: string): void {
    this.links.push({ rect: [x, y, x + w, y + h], uri });
  }
}

/** A PDF 1.4 document of pages drawn with {@link PdfPage}. */
export class PdfDocument {
  readonly pages: PdfPage[] = [];
  constructor(private readonly info: { title?: string; author?: string; creationDate?: number } = {}) {}

  /** A new page, US Letter unless told otherwise. */
  addPage(width = 612, height = 792): PdfPage {
    const page = new PdfPage(width, height);
    this.pages.push(page);
    return page;
  }

  /** The file's bytes. */
  toBuffer(): Buffer {
    // Objects are numbered up front so references can be written before their targets.
    // 1 catalog, 2 page tree, 3–4 fonts, 5 info, then per page: page, contents, and one per link.
    const bodies: string[] = [];
    const fontObjects = { regular: 3, bold: 4 };
    let next = 6;
    const pageRefs: { page: number; contents: number; links: number[] }[] = this.pages.map((p) => {
      const ref = { page: next, contents: next + 1, links: p.links.map((_, i) => next + 2 + i) };
      next += 2 + p.links.length;
      return ref;
    });
    const set = (n: number, body: string) => {
      bodies[n] = body;
    };
    set(1, '<< /Type /Catalog /Pages 2 0 R >>');
    set(2, `<< /Type /Pages /Kids [${pageRefs.map((r) => `${r.page} 0 R`).join(' ')}] /Count ${this.pages.length} >>`);
    for (const font of ['regular', 'bold'] as const) {
      set(
        fontObjects[font],
        `<< /Type /Font /Subtype /Type1 /BaseFont /${FONT_RESOURCE[font].base} /Encoding /WinAnsiEncoding >>`,
      );
    }
    const info: string[] = ['/Producer (Sandbank)'];
    if (this.info.title) info.push(`/Title (${pdfString(this.info.title, 'regular')})`);
    if (this.info.author) info.push(`/Author (${pdfString(this.info.author, 'regular')})`);
    if (this.info.creationDate !== undefined) info.push(`/CreationDate (${pdfDate(this.info.creationDate)})`);
    set(5, `<< ${info.join(' ')} >>`);
    const fonts = `<< /F1 ${fontObjects.regular} 0 R /F2 ${fontObjects.bold} 0 R >>`;
    this.pages.forEach((page, i) => {
      const ref = pageRefs[i];
      if (!ref) return;
      const annots = ref.links.length ? ` /Annots [${ref.links.map((n) => `${n} 0 R`).join(' ')}]` : '';
      set(
        ref.page,
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(page.width)} ${num(page.height)}] /Resources << /Font ${fonts} >> /Contents ${ref.contents} 0 R${annots} >>`,
      );
      const content = page.ops.join('\n');
      set(ref.contents, `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
      page.links.forEach((link, j) => {
        const n = ref.links[j];
        if (n === undefined) return;
        set(
          n,
          `<< /Type /Annot /Subtype /Link /Rect [${link.rect.map(num).join(' ')}] /Border [0 0 0] /A << /S /URI /URI (${pdfString(link.uri, 'regular')}) >> >>`,
        );
      });
    });

    // Every string above is Latin-1 (WinAnsi bytes), so one character is one byte.
    let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
    const offsets: number[] = [];
    for (let n = 1; n < next; n++) {
      offsets[n] = out.length;
      out += `${n} 0 obj\n${bodies[n]}\nendobj\n`;
    }
    const xref = out.length;
    out += `xref\n0 ${next}\n0000000000 65535 f \n`;
    for (let n = 1; n < next; n++) out += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
    out += `trailer\n<< /Size ${next} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(out, 'latin1');
  }
}

/** A Unix time as a PDF date string (UTC). */
function pdfDate(unix: number): string {
  const iso = new Date(unix * 1000).toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

// ---- The invoice layout ----

const INK: Rgb = [0.1, 0.12, 0.21];
const MUTED: Rgb = [0.41, 0.45, 0.53];
const RULE: Rgb = [0.89, 0.91, 0.93];
const ACCENT: Rgb = [0.39, 0.36, 1];

const PAGE_W = 612;
const PAGE_H = 792;
const MARGIN = 54;
const RIGHT = PAGE_W - MARGIN;
const CONTENT_W = RIGHT - MARGIN;
/** Columns of the line-item table: description from the margin, the rest right-aligned at these x. */
const COL_QTY = 360;
const COL_UNIT = 450;
const DESC_W = COL_QTY - 40 - MARGIN;
const FOOTER_Y = 36;
const BOTTOM = 72;

/**
 * The invoice as a PDF: header, merchant and customer, the amount due with a link to pay online,
 * the line items (continued on further pages when long), totals, memo and footer; each page ends
 * with the invoice's reference and "Page n of m".
 */
export function invoicePdf(doc: InvoiceDocument, opts: { creationDate?: number } = {}): Buffer {
  const pdf = new PdfDocument({
    title: `${doc.title} ${doc.reference}`.trim(),
    author: doc.merchant.name,
    ...(opts.creationDate !== undefined ? { creationDate: opts.creationDate } : {}),
  });
  let page = pdf.addPage(PAGE_W, PAGE_H);
  let y = PAGE_H - MARGIN - 20;

  page.text(MARGIN, y, doc.title, { font: 'bold', size: 22, color: INK });
  page.text(RIGHT, y, doc.merchant.name, { font: 'bold', size: 12, color: INK, align: 'right' });
  y -= 30;

  // The invoice's facts, as a two-column list.
  for (const fact of doc.facts) {
    page.text(MARGIN, y, fact.label, { size: 9, color: MUTED });
    page.text(MARGIN + 100, y, fact.value, { size: 9, color: INK, font: fact.strong ? 'bold' : 'regular' });
    y -= 14;
  }
  y -= 14;

  // Merchant and bill-to side by side.
  const blockTop = y;
  page.text(MARGIN, y, doc.merchant.name, { font: 'bold', size: 10, color: INK });
  let left = y - 14;
  for (const line of doc.merchant.lines) {
    page.text(MARGIN, left, line, { size: 9, color: INK });
    left -= 12;
  }
  const billX = MARGIN + CONTENT_W / 2;
  page.text(billX, blockTop, doc.billTo.heading, { font: 'bold', size: 10, color: INK });
  let right = blockTop - 14;
  for (const line of doc.billTo.lines) {
    for (const part of wrapText(line, 'regular', 9, CONTENT_W / 2)) {
      page.text(billX, right, part, { size: 9, color: INK });
      right -= 12;
    }
  }
  y = Math.min(left, right) - 20;

  page.text(MARGIN, y, doc.headline, { font: 'bold', size: 16, color: INK });
  y -= 18;
  if (doc.payUrl) {
    const label = 'Pay online';
    page.text(MARGIN, y, label, { size: 10, color: ACCENT });
    page.link(MARGIN, y - 3, textWidth(label, 'regular', 10), 14, doc.payUrl);
    y -= 16;
  }
  if (doc.memo) {
    y -= 6;
    for (const line of wrapText(doc.memo, 'regular', 9, CONTENT_W)) {
      page.text(MARGIN, y, line, { size: 9, color: INK });
      y -= 12;
    }
  }
  y -= 18;

  const tableHeader = () => {
    page.text(MARGIN, y, 'Description', { size: 8, color: MUTED });
    page.text(COL_QTY, y, 'Qty', { size: 8, color: MUTED, align: 'right' });
    page.text(COL_UNIT, y, 'Unit price', { size: 8, color: MUTED, align: 'right' });
    page.text(RIGHT, y, 'Amount', { size: 8, color: MUTED, align: 'right' });
    y -= 6;
    page.line(MARGIN, y, RIGHT, y, { color: INK, width: 0.75 });
    y -= 16;
  };
  const newPage = () => {
    page = pdf.addPage(PAGE_W, PAGE_H);
    y = PAGE_H - MARGIN - 10;
    page.text(MARGIN, y, `${doc.title} ${doc.reference}`.trim(), { size: 9, color: MUTED });
    y -= 28;
  };
  tableHeader();
  for (const item of doc.lines) {
    const desc = wrapText(item.description, 'regular', 9, DESC_W);
    const detail = item.detail ? wrapText(item.detail, 'regular', 8, DESC_W) : [];
    const height = desc.length * 12 + detail.length * 11 + 8;
    if (y - height < BOTTOM) {
      newPage();
      tableHeader();
    }
    page.text(COL_QTY, y, item.quantity, { size: 9, color: INK, align: 'right' });
    page.text(COL_UNIT, y, item.unitPrice, { size: 9, color: INK, align: 'right' });
    page.text(RIGHT, y, item.amount, { size: 9, color: INK, align: 'right' });
    for (const line of desc) {
      page.text(MARGIN, y, line, { size: 9, color: INK });
      y -= 12;
    }
    for (const line of detail) {
      page.text(MARGIN, y, line, { size: 8, color: MUTED });
      y -= 11;
    }
    y -= 6;
    page.line(MARGIN, y + 10, RIGHT, y + 10, { color: RULE });
  }
  y -= 8;

  // Totals: a right-hand column of label/value rows.
  const totalsX = COL_QTY - 40;
  if (y - doc.totals.length * 18 < BOTTOM) newPage();
  for (const row of doc.totals) {
    const font: FontName = row.strong ? 'bold' : 'regular';
    page.line(totalsX, y + 11, RIGHT, y + 11, { color: RULE });
    page.text(totalsX, y, row.label, { size: 9, color: INK, font });
    page.text(RIGHT, y, row.value, { size: 9, color: INK, font, align: 'right' });
    y -= 18;
  }
  if (doc.footer) {
    y -= 12;
    const lines = wrapText(doc.footer, 'regular', 9, CONTENT_W);
    if (y - lines.length * 12 < BOTTOM) newPage();
    for (const line of lines) {
      page.text(MARGIN, y, line, { size: 9, color: MUTED });
      y -= 12;
    }
  }

  const count = pdf.pages.length;
  pdf.pages.forEach((p, i) => {
    p.line(MARGIN, FOOTER_Y + 14, RIGHT, FOOTER_Y + 14, { color: RULE });
    p.text(MARGIN, FOOTER_Y, doc.reference, { size: 8, color: MUTED });
    p.text(RIGHT, FOOTER_Y, `Page ${i + 1} of ${count}`, { size: 8, color: MUTED, align: 'right' });
  });
  return pdf.toBuffer();
}
