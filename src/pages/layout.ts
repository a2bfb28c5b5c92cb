/**
 * The one small design system every hosted page shares (3-D Secure, invoices): colour and spacing
 * tokens, the card the page sits in, a definition list, a table, one form field with label, hint
 * and error, one button, an alert, a status pill; plus the HTML frame and the response headers.
 *
 * Pages are plain HTML with a single inline stylesheet and nothing else: no script, no external
 * resource, and a Content-Security-Policy that allows exactly that stylesheet (by hash).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const STYLE = `
:root { color-scheme: light; --ink: #1a1f36; --muted: #697386; --line: #e3e8ee; --accent: #635bff;
  --accent-dark: #4f46e5; --danger: #c0123c; --danger-bg: #fff5f7; --danger-line: #f3c2cd;
  --ok: #0e6245; --ok-bg: #cbf4c9; --bg: #f6f9fc; --radius: 8px; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: min(440px, calc(100vw - 32px)); background: #fff; border: 1px solid var(--line);
  border-radius: 12px; box-shadow: 0 8px 24px rgba(50, 50, 93, .08); padding: 28px; margin: 32px 0; }
main.wide { width: min(680px, calc(100vw - 32px)); }
.badge { display: inline-block; font-size: 12px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase;
  color: #8a4b00; background: #fff4d6; border-radius: 4px; padding: 2px 8px; }
h1 { font-size: 20px; margin: 12px 0 4px; }
h2 { font-size: 15px; margin: 24px 0 8px; }
p { margin: 0 0 16px; color: var(--muted); }
dl { display: grid; grid-template-columns: auto 1fr; gap: 8px 16px; margin: 0 0 24px; padding: 16px;
  border: 1px solid var(--line); border-radius: var(--radius); }
dt { color: var(--muted); }
dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.amount { font-size: 18px; font-weight: 600; }
.big { font-size: 32px; font-weight: 650; letter-spacing: -.01em; margin: 4px 0 0; color: var(--ink); }
.id { font: 13px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.row { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 16px 0 0; }
.cols p { margin: 0; color: var(--ink); white-space: pre-line; }
.label { display: block; color: var(--muted); font-size: 13px; }
.pill { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 999px; padding: 2px 10px;
  background: #e3e8ee; color: var(--ink); text-transform: capitalize; }
.pill.paid { background: var(--ok-bg); color: var(--ok); }
.pill.open { background: #d6ecff; color: #0055bc; }
.pill.void, .pill.uncollectible { background: #ebeef1; color: var(--muted); }
table { width: 100%; border-collapse: collapse; margin: 8px 0 0; font-variant-numeric: tabular-nums; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--ink);
  padding: 6px 0; }
td { padding: 10px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th.num, td.num { text-align: right; padding-left: 12px; white-space: nowrap; }
td .detail { display: block; color: var(--muted); font-size: 13px; }
table.totals { width: min(320px, 100%); margin-left: auto; }
table.totals td { padding: 6px 0; }
table.totals tr.strong td { font-weight: 650; border-bottom: 0; }
form { display: grid; gap: 10px; margin: 0; }
.field { display: grid; gap: 4px; align-content: start; }
.field label { font-size: 13px; font-weight: 600; }
.field input { font: inherit; padding: 9px 12px; border: 1px solid #cfd7df; border-radius: var(--radius); width: 100%;
  font-variant-numeric: tabular-nums; }
.field input:focus { outline: 2px solid var(--accent); outline-offset: 1px; border-color: var(--accent); }
.field .hint { font-size: 12px; color: var(--muted); }
.field[data-invalid] input { border-color: var(--danger); }
.field .error { font-size: 12px; color: var(--danger); }
.fields2 { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; align-items: start; }
button, .button { font: inherit; font-weight: 600; padding: 11px 16px; border-radius: var(--radius); cursor: pointer;
  border: 1px solid transparent; text-align: center; text-decoration: none; display: inline-block; }
.complete, .primary { background: var(--accent); color: #fff; }
.complete:hover, .primary:hover { background: var(--accent-dark); }
.fail { background: #fff; color: var(--danger); border-color: var(--danger-line); }
.fail:hover { background: var(--danger-bg); }
.secondary { background: #fff; color: var(--ink); border-color: var(--line); }
.secondary:hover { background: var(--bg); }
.alert { border-radius: var(--radius); padding: 12px 14px; margin: 0 0 16px; font-size: 14px; }
.alert.error { background: var(--danger-bg); color: var(--danger); border: 1px solid var(--danger-line); }
.alert.success { background: #effaf0; color: var(--ok); border: 1px solid var(--ok-bg); }
.panel { border: 1px solid var(--line); border-radius: var(--radius); padding: 16px; margin: 24px 0 0; }
.row.head { margin-top: 12px; align-items: flex-start; }
.row.head h1 { margin-top: 0; }
h2.first { margin-top: 0; }
.memo { margin-top: 16px; color: var(--ink); }
.note { margin-top: 16px; }
.result { font-size: 40px; line-height: 1; margin-bottom: 8px; }
footer { margin-top: 20px; font-size: 12px; color: var(--muted); text-align: center; }
@media (max-width: 520px) { .cols, .fields2 { grid-template-columns: 1fr; } main { padding: 20px; } }
`;

/** Only this stylesheet may apply; nothing else may load or run. */
export const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
].join('; ');

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page: the test-mode badge, `body`, and a footer line, in the shared frame. */
export function htmlDocument(title: string, body: string, opts: { footer: string; wide?: boolean }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main${opts.wide ? ' class="wide"' : ''}>
<span class="badge">Sandbank test mode</span>
${body}
<footer>${escapeHtml(opts.footer)}</footer>
</main>
</body>
</html>
`;
}

/** Sends a page with the headers every hosted page needs. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Content-Security-Policy': CSP,
    // Page URLs hold secrets (client secrets, invoice tokens): never leak them to the next site, never cache.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(html);
}

export class BodyTooLarge extends Error {}

/** A form post's body, refused past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A form field: label, input, optional hint and error, wired for assistive technology. */
export function field(opts: {
  name: string;
  label: string;
  value?: string;
  hint?: string;
  error?: string | null;
  attrs?: string;
}): string {
  const id = `f-${opts.name}`;
  const described = [opts.hint ? `${id}-hint` : null, opts.error ? `${id}-error` : null].filter(Boolean).join(' ');
  return `<div class="field"${opts.error ? ' data-invalid' : ''}>
<label for="${id}">${escapeHtml(opts.label)}</label>
<input id="${id}" name="${escapeHtml(opts.name)}" value="${escapeHtml(opts.value ?? '')}"${described ? ` aria-describedby="${described}"` : ''}${opts.error ? ' aria-invalid="true"' : ''} ${opts.attrs ?? ''}>
${opts.hint ? `<span class="hint" id="${id}-hint">${escapeHtml(opts.hint)}</span>\n` : ''}${opts.error ? `<span class="error" id="${id}-error">${escapeHtml(opts.error)}</span>\n` : ''}</div>`;
}
