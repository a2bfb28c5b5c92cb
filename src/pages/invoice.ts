/**
 * The hosted invoice page (`hosted_invoice_url`; Stripe's is on invoice.stripe.com), the invoice
 * PDF (`invoice_pdf`), and credit notes' PDFs (`credit_note.pdf`).
 *
 * The page shows what Stripe's shows — the merchant, number, dates, status, amount due, line
 * items, discounts, tax and totals, a "Download invoice" link — and, while the invoice can still be
 * paid, a card form. Paying turns the typed card into a PaymentMethod (checked by the payments code
 * as `POST /v1/payment_methods` would) and makes one payment attempt through the invoices code. A
 * card that needs 3-D Secure sends the browser to the hosted 3-D Secure page, which comes back here
 * when done; a decline is shown with Stripe's message.
 *
 * The URL's token is the only credential, as Stripe's is: it names the account and the invoice.
 * Plain HTML in the shared design system (layout.ts): no script, no external resources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCOUNT, type AccountProfile } from '../accounts/object.js';
import { CREDIT_NOTE, type CreditNote, type CreditNoteState } from '../billing/credit-notes/object.js';
import type { LoadedInvoice } from '../billing/invoices/lines.js';
import type { Invoice, InvoiceLine } from '../billing/invoices/object.js';
import { attemptInvoicePayment } from '../billing/invoices/payment.js';
import { type InvoiceDocument, type InvoiceDocumentRow, invoicePdf } from '../billing/invoices/pdf.js';
import { findInvoiceByPageToken, invoicePageAccount } from '../billing/invoices/service.js';
import { formatAmount } from '../money/currencies.js';
import { saveIntent } from '../payments/payment-intents/confirm.js';
import { loadIntent } from '../payments/payment-intents/service.js';
import { createFromData, type PaymentMethodData } from '../payments/payment-methods/service.js';
import { authenticationUrl } from '../payments/three-d-secure/url.js';
import type { Clock } from '../platform/clock.js';
import { StripeError } from '../platform/errors.js';
import { type EventSink, type MutationContext, unrequestedContext } from '../platform/operation.js';
import type { Account, Reader, Store } from '../store/store.js';
import { BodyTooLarge, escapeHtml, field, htmlDocument, readBody, sendHtml } from './layout.js';

export interface InvoicePageDeps {
  store: Store;
  clock: Clock;
  /** The base URL of links (platform/public-url.ts); never the request's Host header. */
  origin: () => string;
  /** Where the payment's events go (events/outbox.ts). */
  events: EventSink;
  /** Runs the work the payment made due, in its transaction (Scheduler.runDueNow). */
  runDueNow: (ctx: MutationContext) => Promise<void>;
  /** Where unexpected errors are reported (the app's logger). */
  onError: (err: unknown) => void;
}

/** Where the pages live: `/invoice/<token>` (+ `/pay`, `/pdf`) and `/credit_notes/<account>/<token>/pdf`. */
export const INVOICE_PAGE_PREFIX = '/invoice/';
export const CREDIT_NOTE_PDF_PREFIX = '/credit_notes/';

/**
 * What Stripe's hosted pages tell a customer whose 3-D Secure failed (the PaymentIntent's own
 * `last_payment_error.message` speaks to developers).
 */
const AUTHENTICATION_FAILED =
  'We are unable to authenticate your payment method. Please choose a different payment method and try again.';

const FOOTER = 'Sandbank test invoice — no real money moves, no card network is involved.';

// ---- Formatting ----

function dateIn(timeZone: string, unix: number | null | undefined): string {
  if (unix === null || unix === undefined) return '';
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone }).format(new Date(unix * 1000));
}

function shortDate(timeZone: string, unix: number): string {
  return new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone }).format(
    new Date(unix * 1000),
  );
}

function addressLines(address: Invoice['customer_address'] | null | undefined): string[] {
  if (!address) return [];
  const cityLine = [address.city, [address.state, address.postal_code].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  return [address.line1, address.line2, cityLine, address.country].filter((l): l is string => !!l);
}

function statusLabel(status: Invoice['status']): string {
  return status === 'uncollectible' ? 'Uncollectible' : status.charAt(0).toUpperCase() + status.slice(1);
}

/** What the page and the PDF need besides the invoice: names of things it refers to. */
interface Context {
  merchant: string;
  merchantLines: string[];
  timeZone: string;
  /** Labels of discounts (coupon names) and tax rates, by id. */
  labels: Map<string, string>;
}

async function readJson<T>(reader: Reader, account: string, id: string): Promise<T | undefined> {
  const row = await reader.getObject(account, id);
  return row && !row.deleted ? (JSON.parse(row.json) as T) : undefined;
}

async function loadContext(reader: Reader, account: Account, invoice: Invoice): Promise<Context> {
  const profile = await readJson<AccountProfile>(reader, account.id, account.id);
  const stored = profile && (profile as { object?: string }).object === ACCOUNT ? profile : undefined;
  const bp = stored?.business_profile;
  const merchant = bp?.name ?? stored?.settings.dashboard.display_name ?? invoice.account_name ?? account.id;
  const merchantLines = [
    ...addressLines(bp?.support_address as Invoice['customer_address']),
    bp?.support_email,
    bp?.support_phone,
    bp?.support_url,
  ].filter((l): l is string => !!l);
  const labels = new Map<string, string>();
  const discountIds = new Set(invoice.total_discount_amounts.map((d) => d.discount));
  for (const id of discountIds) {
    const discount = await readJson<{ source?: { coupon?: string } }>(reader, account.id, id);
    const couponId = discount?.source?.coupon;
    const coupon = couponId
      ? await readJson<{ name: string | null; percent_off: number | null; id: string }>(reader, account.id, couponId)
      : undefined;
    const name = coupon?.name ?? coupon?.id ?? 'Discount';
    labels.set(id, coupon?.percent_off ? `${name} (${coupon.percent_off}% off)` : name);
  }
  for (const tax of invoice.total_taxes) {
    const id = tax.tax_rate_details.tax_rate;
    const rate = await readJson<{ display_name: string; percentage: number; inclusive: boolean }>(
      reader,
      account.id,
      id,
    );
    labels.set(id, rate ? `${rate.display_name} (${rate.percentage}%${rate.inclusive ? ' inclusive' : ''})` : 'Tax');
  }
  return {
    merchant,
    merchantLines,
    timeZone: stored?.settings.dashboard.timezone ?? 'Etc/UTC',
    labels,
  };
}

function lineRow(line: InvoiceLine, currency: string, timeZone: string) {
  const unitDecimal = line.pricing?.unit_amount_decimal;
  const unit =
    unitDecimal !== null && unitDecimal !== undefined
      ? Math.round(Number(unitDecimal))
      : line.quantity
        ? Math.round(line.amount / line.quantity)
        : line.amount;
  const period =
    line.period.end > line.period.start
      ? `${shortDate(timeZone, line.period.start)} – ${shortDate(timeZone, line.period.end)}`
      : null;
  return {
    description: line.description ?? 'Item',
    detail: period,
    quantity: String(line.quantity ?? 1),
    unitPrice: formatAmount(unit, currency),
    amount: formatAmount(line.amount, currency),
  };
}

/** The invoice as people read it: the one content both the page and the PDF render. */
export function invoiceDocument(invoice: Invoice, lines: readonly InvoiceLine[], c: Context): InvoiceDocument {
  const cur = invoice.currency;
  const fmt = (n: number) => formatAmount(n, cur);
  const issued = invoice.status_transitions.finalized_at ?? invoice.created;
  const facts: InvoiceDocumentRow[] = [{ label: 'Invoice number', value: invoice.number ?? invoice.id }];
  facts.push({ label: 'Date of issue', value: dateIn(c.timeZone, issued) });
  if (invoice.due_date) facts.push({ label: 'Date due', value: dateIn(c.timeZone, invoice.due_date) });
  if (invoice.status_transitions.paid_at) {
    facts.push({ label: 'Date paid', value: dateIn(c.timeZone, invoice.status_transitions.paid_at) });
  }

  const totals: InvoiceDocumentRow[] = [{ label: 'Subtotal', value: fmt(invoice.subtotal) }];
  for (const d of invoice.total_discount_amounts) {
    if (d.amount) totals.push({ label: c.labels.get(d.discount) ?? 'Discount', value: fmt(-d.amount) });
  }
  if (invoice.total_taxes.length > 0) {
    totals.push({ label: 'Total excluding tax', value: fmt(invoice.total_excluding_tax) });
    for (const t of invoice.total_taxes) {
      totals.push({
        label: `${c.labels.get(t.tax_rate_details.tax_rate) ?? 'Tax'} on ${fmt(t.taxable_amount)}`,
        value: fmt(t.amount),
      });
    }
  }
  totals.push({ label: 'Total', value: fmt(invoice.total) });
  if (invoice.starting_balance) totals.push({ label: 'Applied balance', value: fmt(invoice.starting_balance) });
  if (invoice.pre_payment_credit_notes_amount) {
    totals.push({ label: 'Credit notes', value: fmt(-invoice.pre_payment_credit_notes_amount) });
  }
  if (invoice.amount_paid) totals.push({ label: 'Amount paid', value: fmt(invoice.amount_paid) });
  totals.push({
    label: invoice.status === 'paid' ? 'Amount remaining' : 'Amount due',
    value: fmt(invoice.amount_remaining),
    strong: true,
  });

  // Collected automatically, an invoice has no due date: it is due when issued.
  const due = dateIn(c.timeZone, invoice.due_date ?? issued);
  let headline: string;
  switch (invoice.status) {
    case 'paid':
      headline = `${fmt(invoice.amount_paid)} paid on ${dateIn(c.timeZone, invoice.status_transitions.paid_at)}`;
      break;
    case 'void':
      headline = 'This invoice has been voided';
      break;
    default:
      headline = `${fmt(invoice.amount_remaining)} due ${due}`;
  }
  const billTo = [
    invoice.customer_name,
    invoice.customer_email,
    ...addressLines(invoice.customer_address),
    invoice.customer_phone,
  ].filter((l): l is string => !!l);
  return {
    title: 'Invoice',
    merchant: { name: c.merchant, lines: c.merchantLines },
    billTo: { heading: 'Bill to', lines: billTo.length ? billTo : [invoice.customer] },
    facts,
    headline,
    payUrl: invoice.status === 'open' || invoice.status === 'uncollectible' ? invoice.hosted_invoice_url : null,
    memo: invoice.description,
    lines: lines.map((l) => lineRow(l, cur, c.timeZone)),
    totals,
    footer: invoice.footer,
    reference: `${invoice.number ?? invoice.id} · ${headline}`,
  };
}

/** A credit note as a document in the same layout as its invoice's. */
function creditNoteDocument(cn: CreditNote, state: CreditNoteState, invoice: Invoice, c: Context): InvoiceDocument {
  const fmt = (n: number) => formatAmount(n, cn.currency);
  const totals: InvoiceDocumentRow[] = [{ label: 'Subtotal', value: fmt(cn.subtotal) }];
  if (cn.discount_amount) totals.push({ label: 'Discounts', value: fmt(-cn.discount_amount) });
  for (const t of cn.total_taxes) totals.push({ label: `Tax on ${fmt(t.taxable_amount)}`, value: fmt(t.amount) });
  totals.push({ label: 'Total credited', value: fmt(cn.total), strong: true });
  if (cn.pre_payment_amount) totals.push({ label: 'Adjustment to invoice', value: fmt(cn.pre_payment_amount) });
  const refunded = cn.refunds.reduce((sum, r) => sum + r.amount_refunded, 0);
  if (refunded) totals.push({ label: 'Refunded to card', value: fmt(refunded) });
  if (state.creditAmount) totals.push({ label: 'Credited to customer balance', value: fmt(state.creditAmount) });
  if (cn.out_of_band_amount) totals.push({ label: 'Credited outside Stripe', value: fmt(cn.out_of_band_amount) });
  const facts: InvoiceDocumentRow[] = [
    { label: 'Credit note number', value: cn.number },
    { label: 'Invoice number', value: invoice.number ?? invoice.id },
    { label: 'Date of issue', value: dateIn(c.timeZone, cn.effective_at ?? cn.created) },
  ];
  if (cn.reason) facts.push({ label: 'Reason', value: cn.reason.replace(/_/g, ' ') });
  if (cn.status === 'void') facts.push({ label: 'Status', value: 'Void' });
  const billTo = [invoice.customer_name, invoice.customer_email, ...addressLines(invoice.customer_address)].filter(
    (l): l is string => !!l,
  );
  return {
    title: 'Credit note',
    merchant: { name: c.merchant, lines: c.merchantLines },
    billTo: { heading: 'Bill to', lines: billTo.length ? billTo : [invoice.customer] },
    facts,
    headline: `${fmt(cn.total)} credited`,
    payUrl: null,
    memo: cn.memo,
    // A note made from an amount alone has no lines: it credits the invoice as a whole.
    lines: state.lines.length
      ? state.lines.map((l) => ({
          description: l.description ?? 'Credit',
          quantity: l.quantity === null ? '' : String(l.quantity),
          unitPrice: l.unit_amount === null ? '' : fmt(l.unit_amount),
          amount: fmt(l.amount),
        }))
      : [
          {
            description: `Credit for invoice ${invoice.number ?? invoice.id}`,
            quantity: '',
            unitPrice: '',
            amount: fmt(cn.subtotal),
          },
        ],
    totals,
    footer: null,
    reference: `${cn.number} · ${fmt(cn.total)} credited`,
  };
}

// ---- HTML ----

interface FormState {
  values: Record<string, string>;
  errors: Partial<Record<'number' | 'exp' | 'cvc', string>>;
  /** A payment error not tied to one field (a decline, failed authentication). */
  alert: string | null;
}

const EMPTY_FORM: FormState = { values: {}, errors: {}, alert: null };

function rowsHtml(rows: readonly InvoiceDocumentRow[]): string {
  return rows
    .map(
      (r) =>
        `<tr${r.strong ? ' class="strong"' : ''}><td>${escapeHtml(r.label)}</td><td class="num">${escapeHtml(r.value)}</td></tr>`,
    )
    .join('\n');
}

/**
 * The payment already tried needs 3-D Secure (an automatic attempt with the customer's card, or a
 * subscription's first invoice): the customer can authenticate it, or pay with another card below.
 */
function authenticatePanel(invoice: Invoice): string {
  const action = `${invoice.hosted_invoice_url}/authenticate`;
  return `<section class="panel" aria-labelledby="auth-heading">
<h2 id="auth-heading" class="first">Confirm your payment</h2>
<p>Your bank asks you to authenticate this payment of ${escapeHtml(formatAmount(invoice.amount_remaining, invoice.currency))}.</p>
<form method="post" action="${escapeHtml(action)}">
<button class="primary" type="submit">Authenticate payment</button>
</form>
</section>`;
}

/**
 * The card form. The card number and CVC typed are never written back into a page (a decline
 * re-renders the form): only the expiry, name and email are kept for the customer.
 */
function payForm(invoice: Invoice, token: string, form: FormState): string {
  const v = form.values;
  // Absolute: the page is also rendered at `…/pay` (after a decline), where a relative action would nest.
  const payAction = `${invoice.hosted_invoice_url ?? `${INVOICE_PAGE_PREFIX}${token}`}/pay`;
  const due = formatAmount(invoice.amount_remaining, invoice.currency);
  return `<section class="panel" aria-labelledby="pay-heading">
<h2 id="pay-heading" class="first">Pay with card</h2>
${form.alert ? `<div class="alert error" role="alert">${escapeHtml(form.alert)}</div>` : ''}
<form method="post" action="${escapeHtml(payAction)}" novalidate>
${field({ name: 'email', label: 'Email', value: v.email ?? invoice.customer_email ?? '', attrs: 'type="email" autocomplete="email"' })}
${field({
  name: 'number',
  label: 'Card number',
  hint: 'Any Sandbank test card, e.g. 4242 4242 4242 4242',
  error: form.errors.number ?? null,
  attrs: 'inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234"',
})}
<div class="fields2">
${field({ name: 'exp', label: 'Expiration', value: v.exp ?? '', error: form.errors.exp ?? null, attrs: 'autocomplete="cc-exp" placeholder="MM / YY"' })}
${field({ name: 'cvc', label: 'CVC', error: form.errors.cvc ?? null, attrs: 'inputmode="numeric" autocomplete="cc-csc" placeholder="CVC"' })}
</div>
${field({ name: 'name', label: 'Name on card', value: v.name ?? invoice.customer_name ?? '', attrs: 'autocomplete="cc-name"' })}
<button class="primary" type="submit">Pay ${escapeHtml(due)}</button>
</form>
</section>`;
}

function pageHtml(
  invoice: Invoice,
  doc: InvoiceDocument,
  token: string,
  form: FormState,
  notice: string | null,
  awaitingAuthentication = false,
): string {
  const payable = invoice.status === 'open' || invoice.status === 'uncollectible';
  const amount =
    invoice.status === 'paid'
      ? formatAmount(invoice.amount_paid, invoice.currency)
      : formatAmount(invoice.amount_remaining, invoice.currency);
  const sub =
    invoice.status === 'paid'
      ? doc.headline.replace(/^\S+ /, '').replace(/^paid/, 'Paid')
      : invoice.status === 'void'
        ? 'This invoice has been voided and cannot be paid.'
        : doc.headline.replace(/^\S+ /, '').replace(/^due/, 'Due');
  const facts = doc.facts.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd>`).join('\n');
  const lines = doc.lines
    .map(
      (
        l,
      ) => `<tr><td>${escapeHtml(l.description)}${l.detail ? `<span class="detail">${escapeHtml(l.detail)}</span>` : ''}</td>
<td class="num">${escapeHtml(l.quantity)}</td><td class="num">${escapeHtml(l.unitPrice)}</td><td class="num">${escapeHtml(l.amount)}</td></tr>`,
    )
    .join('\n');
  const pdf = invoice.invoice_pdf
    ? `<a class="button secondary" href="${escapeHtml(invoice.invoice_pdf)}" download>Download invoice</a>`
    : '';
  const status = `<span class="pill ${escapeHtml(invoice.status)}">${escapeHtml(statusLabel(invoice.status))}</span>`;
  return `<div class="row head">
<div><span class="label">Invoice from</span><h1>${escapeHtml(doc.merchant.name)}</h1></div>
${status}
</div>
<p class="big" id="amount">${escapeHtml(amount)}</p>
<p id="headline">${escapeHtml(sub)}</p>
${notice ? `<div class="alert success" role="status">${escapeHtml(notice)}</div>` : ''}
<dl>
${facts}
</dl>
<div class="row">${pdf}</div>
${payable && awaitingAuthentication ? authenticatePanel(invoice) : ''}
${payable ? payForm(invoice, token, form) : ''}
<div class="cols">
<div><span class="label">From</span><p>${[doc.merchant.name, ...doc.merchant.lines].map(escapeHtml).join('\n')}</p></div>
<div><span class="label">${escapeHtml(doc.billTo.heading)}</span><p>${doc.billTo.lines.map(escapeHtml).join('\n')}</p></div>
</div>
${doc.memo ? `<p class="memo">${escapeHtml(doc.memo)}</p>` : ''}
<h2>Items</h2>
<table aria-label="Line items">
<thead><tr><th>Description</th><th class="num">Qty</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead>
<tbody>
${lines}
</tbody>
</table>
<table class="totals" aria-label="Totals">
${rowsHtml(doc.totals)}
</table>
${doc.footer ? `<p class="note">${escapeHtml(doc.footer)}</p>` : ''}`;
}

// ---- Card input ----

/** The typed card as `payment_method_data[card]`, or Stripe.js's messages for what is incomplete. */
function parseCard(
  values: Record<string, string>,
):
  | { ok: true; card: { number: string; exp_month: number; exp_year: number; cvc: string } }
  | { ok: false; errors: FormState['errors'] } {
  const errors: FormState['errors'] = {};
  const number = (values.number ?? '').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) errors.number = 'Your card number is incomplete.';
  const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(values.exp ?? '');
  let month = 0;
  let year = 0;
  if (!exp) errors.exp = "Your card's expiration date is incomplete.";
  else {
    month = Number(exp[1]);
    year = Number(exp[2]);
    if (year < 100) year += 2000;
    if (month < 1 || month > 12) errors.exp = "Your card's expiration date is invalid.";
  }
  const cvc = (values.cvc ?? '').trim();
  if (!/^\d{3,4}$/.test(cvc)) errors.cvc = "Your card's security code is incomplete.";
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, card: { number, exp_month: month, exp_year: year, cvc } };
}

/** Which form field a card error from the payments code belongs to. */
function fieldOf(err: StripeError): keyof FormState['errors'] | null {
  switch (err.code) {
    case 'incorrect_number':
    case 'invalid_number':
      return 'number';
    case 'invalid_expiry_month':
    case 'invalid_expiry_year':
    case 'expired_card':
      return 'exp';
    case 'invalid_cvc':
    case 'incorrect_cvc':
      return 'cvc';
    default:
      return null;
  }
}

// ---- The handler ----

type Outcome = { kind: 'paid' } | { kind: 'authenticate'; url: string } | { kind: 'error'; form: FormState };

/** Serves the invoice pages; answers false for every other path. */
export function createInvoicePages(
  deps: InvoicePageDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  function page(res: ServerResponse, status: number, title: string, body: string, headers?: Record<string, string>) {
    sendHtml(res, status, htmlDocument(title, body, { footer: FOOTER, wide: true }), headers);
  }

  function message(res: ServerResponse, status: number, heading: string, text: string): void {
    page(res, status, heading, `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(text)}</p>`);
  }

  function notFound(res: ServerResponse): void {
    message(
      res,
      404,
      'Invoice not found',
      'This invoice link is not valid: the invoice does not exist, or the link is incomplete.',
    );
  }

  async function find(token: string): Promise<{ account: Account; loaded: LoadedInvoice } | undefined> {
    const accountId = invoicePageAccount(token);
    if (!accountId) return undefined;
    const account = await deps.store.getAccount(accountId);
    if (!account) return undefined;
    const loaded = await findInvoiceByPageToken(deps.store, accountId, token);
    // Drafts have no page; a deleted invoice is gone.
    if (!loaded || loaded.invoice.status === 'draft') return undefined;
    return { account, loaded };
  }

  async function show(
    res: ServerResponse,
    account: Account,
    loaded: LoadedInvoice,
    token: string,
    opts: { status?: number; form?: FormState; notice?: string | null } = {},
  ): Promise<void> {
    const invoice = loaded.invoice;
    const ctx = await loadContext(deps.store, account, invoice);
    const doc = invoiceDocument(invoice, loaded.state.lines, ctx);
    const title = `Invoice ${invoice.number ?? ''} from ${ctx.merchant}`.replace(/\s+/g, ' ');
    const awaiting = (await waitingIntent(account, loaded)) !== undefined;
    page(
      res,
      opts.status ?? 200,
      title,
      pageHtml(invoice, doc, token, opts.form ?? EMPTY_FORM, opts.notice ?? null, awaiting),
    );
  }

  /** The invoice's PaymentIntent when it waits for 3-D Secure. */
  async function waitingIntent(account: Account, loaded: LoadedInvoice): Promise<string | undefined> {
    const id = loaded.state.paymentIntent;
    if (!id || (loaded.invoice.status !== 'open' && loaded.invoice.status !== 'uncollectible')) return undefined;
    const pi = await readJson<{ status: string }>(deps.store, account.id, id);
    return pi?.status === 'requires_action' ? id : undefined;
  }

  /** Sends the customer to authenticate the waiting payment, to come back to this page. */
  async function handleAuthenticate(res: ServerResponse, token: string): Promise<void> {
    const found = await find(token);
    if (!found) return notFound(res);
    const { account, loaded } = found;
    const id = await waitingIntent(account, loaded);
    if (!id) return show(res, account, loaded, token, { status: 409 });
    const origin = deps.origin();
    const url = await deps.store.transaction(async (tx) => {
      const ctx = unrequestedContext({ account, tx, clock: deps.clock, origin, events: deps.events });
      const intent = await loadIntent(ctx, id);
      intent.internal.returnUrl = loaded.invoice.hosted_invoice_url ?? `${origin}${INVOICE_PAGE_PREFIX}${token}`;
      await saveIntent(ctx, intent);
      return authenticationUrl(origin, account.id, intent.object.id, intent.object.client_secret);
    });
    page(res, 303, 'Redirecting', '<h1>Authenticate your payment</h1>\n<p>Continue to 3D Secure.</p>', {
      Location: url,
    });
  }

  async function pdf(res: ServerResponse, account: Account, loaded: LoadedInvoice): Promise<void> {
    const ctx = await loadContext(deps.store, account, loaded.invoice);
    const body = invoicePdf(invoiceDocument(loaded.invoice, loaded.state.lines, ctx), {
      creationDate: loaded.invoice.status_transitions.finalized_at ?? loaded.invoice.created,
    });
    sendPdf(res, body, `Invoice-${loaded.invoice.number ?? loaded.invoice.id}.pdf`);
  }

  function sendPdf(res: ServerResponse, body: Buffer, filename: string): void {
    res.writeHead(200, {
      'Content-Type': 'application/pdf',
      'Content-Length': String(body.length),
      'Content-Disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  }

  async function creditNotePdf(res: ServerResponse, accountId: string, token: string): Promise<void> {
    const account = await deps.store.getAccount(accountId);
    if (!account) return notFound(res);
    const found = await deps.store.listObjects({
      account: accountId,
      type: CREDIT_NOTE,
      limit: 1,
      equals: { page_token: token },
    });
    const row = found.rows[0];
    if (!row) return notFound(res);
    const cn = JSON.parse(row.json) as CreditNote;
    const state = JSON.parse(row.internal ?? '{}') as CreditNoteState;
    const invoiceRow = await deps.store.getObject(accountId, cn.invoice);
    if (!invoiceRow) return notFound(res);
    const invoice = JSON.parse(invoiceRow.json) as Invoice;
    const ctx = await loadContext(deps.store, account, invoice);
    sendPdf(
      res,
      invoicePdf(creditNoteDocument(cn, state, invoice, ctx), { creationDate: cn.created }),
      `CreditNote-${cn.number}.pdf`,
    );
  }

  /** The payment: a PaymentMethod from the typed card, then one attempt on the invoice, in one transaction. */
  async function pay(
    account: Account,
    loaded: LoadedInvoice,
    token: string,
    values: Record<string, string>,
  ): Promise<Outcome> {
    const invoice = loaded.invoice;
    const parsed = parseCard(values);
    if (!parsed.ok) return { kind: 'error', form: { values, errors: parsed.errors, alert: null } };
    const origin = deps.origin();
    try {
      return await deps.store.transaction(async (tx) => {
        const ctx = unrequestedContext({ account, tx, clock: deps.clock, origin, events: deps.events });
        // What `POST /v1/payment_methods` with `card[...]` and `billing_details` would receive.
        const data = {
          type: 'card',
          card: { ...parsed.card, networks: null, token: null },
          billing_details: {
            address: null,
            email: values.email || null,
            name: values.name || null,
            phone: null,
            tax_id: null,
          },
        } as PaymentMethodData;
        const pm = await createFromData(ctx, data);
        const result = await attemptInvoicePayment(ctx, invoice.id, {
          automatic: false,
          paymentMethod: pm.object.id,
          // The customer is here, paying: an on-session payment, which may ask for 3-D Secure.
          offSession: false,
        });
        let outcome: Outcome;
        if (result.outcome === 'paid') outcome = { kind: 'paid' };
        else if (result.outcome === 'requires_action') {
          // The 3-D Secure page sends the browser back here when authentication ends.
          const intent = await loadIntent(ctx, loaded.state.paymentIntent as string);
          intent.internal.returnUrl = `${origin}${INVOICE_PAGE_PREFIX}${token}`;
          await saveIntent(ctx, intent);
          outcome = {
            kind: 'authenticate',
            url: authenticationUrl(origin, account.id, intent.object.id, intent.object.client_secret),
          };
        } else {
          outcome = {
            kind: 'error',
            form: { values, errors: {}, alert: result.error?.message ?? 'Your card was declined.' },
          };
        }
        await deps.runDueNow(ctx);
        return outcome;
      });
    } catch (err) {
      if (!(err instanceof StripeError)) throw err;
      const at = fieldOf(err);
      return {
        kind: 'error',
        form: at ? { values, errors: { [at]: err.message }, alert: null } : { values, errors: {}, alert: err.message },
      };
    }
  }

  async function handlePay(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    let values: Record<string, string>;
    try {
      values = Object.fromEntries(new URLSearchParams(await readBody(req)));
    } catch (err) {
      if (err instanceof BodyTooLarge) return message(res, 413, 'Request too large', 'The form sent too much data.');
      throw err;
    }
    const found = await find(token);
    if (!found) return notFound(res);
    const { account, loaded } = found;
    if (loaded.invoice.status !== 'open' && loaded.invoice.status !== 'uncollectible') {
      // Paid meanwhile (another tab), or voided: the page says which.
      return show(res, account, loaded, token, { status: 409 });
    }
    const outcome = await pay(account, loaded, token, values);
    if (outcome.kind === 'paid') {
      const location = loaded.invoice.hosted_invoice_url ?? `${deps.origin()}${INVOICE_PAGE_PREFIX}${token}`;
      page(res, 303, 'Redirecting', `<h1>Payment complete</h1>\n<p>Continue to the invoice.</p>`, {
        Location: location,
      });
      return;
    }
    if (outcome.kind === 'authenticate') {
      page(res, 303, 'Redirecting', '<h1>Authenticate your payment</h1>\n<p>Continue to 3D Secure.</p>', {
        Location: outcome.url,
      });
      return;
    }
    const fresh = await find(token);
    if (!fresh) return notFound(res);
    await show(res, account, fresh.loaded, token, { status: 402, form: outcome.form });
  }

  /** Back from 3-D Secure: say how it ended (the invoice itself shows whether it is paid). */
  async function returnNotice(
    account: Account,
    loaded: LoadedInvoice,
    query: URLSearchParams,
  ): Promise<{ form?: FormState; notice?: string | null }> {
    const status = query.get('redirect_status');
    const piId = query.get('payment_intent');
    if (!status || !piId) return {};
    if (status === 'succeeded' && loaded.invoice.status === 'paid') return { notice: 'Payment complete. Thank you!' };
    if (status === 'failed') {
      const row = await deps.store.getObject(account.id, piId);
      const pi = row
        ? (JSON.parse(row.json) as { last_payment_error?: { code?: string; message?: string } | null })
        : undefined;
      const error = pi?.last_payment_error;
      const alert =
        !error || error.code === 'payment_intent_authentication_failure'
          ? AUTHENTICATION_FAILED
          : (error.message ?? AUTHENTICATION_FAILED);
      return { form: { values: {}, errors: {}, alert } };
    }
    return {};
  }

  return async function handle(req, res) {
    const url = req.url ?? '/';
    const isInvoice = url.startsWith(INVOICE_PAGE_PREFIX);
    if (!isInvoice && !url.startsWith(CREDIT_NOTE_PDF_PREFIX)) return false;
    try {
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const method = req.method ?? 'GET';
      if (!isInvoice) {
        const m = /^\/credit_notes\/(acct_[A-Za-z0-9]+)\/(cnst_[A-Za-z0-9]+)\/pdf$/.exec(path);
        if (!m || (method !== 'GET' && method !== 'HEAD')) notFound(res);
        else await creditNotePdf(res, m[1] as string, m[2] as string);
        return true;
      }
      const m = /^\/invoice\/([A-Za-z0-9_]+)(\/pdf|\/pay|\/authenticate)?$/.exec(path);
      if (!m) {
        notFound(res);
        return true;
      }
      const token = m[1] as string;
      const action = m[2];
      if (action === '/pay' || action === '/authenticate') {
        if (method !== 'POST') message(res, 405, 'Method not allowed', 'Pay from the invoice page.');
        else if (action === '/pay') await handlePay(req, res, token);
        else await handleAuthenticate(res, token);
        return true;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        message(res, 405, 'Method not allowed', 'Open this page in a browser.');
        return true;
      }
      const found = await find(token);
      if (!found) notFound(res);
      else if (action === '/pdf') await pdf(res, found.account, found.loaded);
      else await show(res, found.account, found.loaded, token, await returnNotice(found.account, found.loaded, query));
    } catch (err) {
      deps.onError(err);
      if (!res.headersSent) message(res, 500, 'Something went wrong', 'Sandbank could not handle this request.');
      else res.destroy();
    }
    return true;
  };
}
