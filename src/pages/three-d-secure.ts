/**
 * The hosted 3-D Secure page (Stripe's lives on hooks.stripe.com): where `next_action` sends the
 * cardholder of an intent in `requires_action`. It shows what is being authenticated and two
 * buttons — complete or fail — which POST back to the same URL; the intent is then finished and the
 * browser sent to the merchant's `return_url` (303), or told it may close the window.
 *
 * The URL carries the intent's client secret, checked on every request, so only someone handed the
 * URL can act on the intent. Plain HTML: no script, no external resources, a strict CSP.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatAmount } from '../money/currencies.js';
import { parseAuthenticationPath } from '../payments/three-d-secure/url.js';
import type { Clock } from '../platform/clock.js';
import { StripeError } from '../platform/errors.js';
import { type EventSink, type MutationContext, unrequestedContext } from '../platform/operation.js';
import type { Store } from '../store/store.js';
import { BodyTooLarge, escapeHtml, htmlDocument, readBody, sendHtml } from './layout.js';

export type IntentPrefix = 'pi' | 'seti';
export type Outcome = 'complete' | 'fail';

export interface ThreeDSecurePageDeps {
  store: Store;
  clock: Clock;
  /** The base URL of links (platform/public-url.ts); never the request's Host header. */
  origin: () => string;
  /** Ends authentication of a PaymentIntent (`pi`) or SetupIntent (`seti`) in `requires_action`. */
  finish: Record<
    IntentPrefix,
    (ctx: MutationContext, id: string, outcome: Outcome) => Promise<{ intent: object; returnUrl: string | null }>
  >;
  /** Where the finished authentication's events go (events/outbox.ts). */
  events: EventSink;
  /** Runs the work the authentication made due, in its transaction (Scheduler.runDueNow). */
  runDueNow: (ctx: MutationContext) => Promise<void>;
  /** Where unexpected errors are reported (the app's logger). */
  onError: (err: unknown) => void;
}

/** Where the pages live; every other path is the API's. */
export const THREE_D_SECURE_PREFIX = '/sandbank/3ds/';
const PREFIX = THREE_D_SECURE_PREFIX;

function document(title: string, body: string): string {
  return htmlDocument(title, body, { footer: 'Sandbank test 3D Secure — no bank or card network is involved.' });
}

const send = sendHtml;

function message(res: ServerResponse, status: number, heading: string, text: string): void {
  send(res, status, document(heading, `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(text)}</p>`));
}

function notFound(res: ServerResponse): void {
  message(
    res,
    404,
    'Authentication not found',
    'This authentication link is not valid: the intent does not exist, or the link is incomplete.',
  );
}

function sameSecret(given: string, expected: unknown): boolean {
  if (typeof expected !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Intent {
  id: string;
  object: string;
  status: string;
  client_secret: string;
  amount?: number;
  currency?: string;
  payment_method?: string | null;
}

function intentLabel(intent: Intent): string {
  return intent.object === 'payment_intent' ? 'payment' : 'card setup';
}

/** Serves `/sandbank/3ds/{account}/{intent}`; answers false for every other path. */
export function createThreeDSecurePages(
  deps: ThreeDSecurePageDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const onError = deps.onError;

  /** The intent the URL names, if its client secret matches. */
  async function load(account: string, id: string, secret: string | null): Promise<Intent | undefined> {
    if (secret === null) return undefined;
    const row = await deps.store.getObject(account, id);
    const expectedType = id.startsWith('pi_') ? 'payment_intent' : 'setup_intent';
    if (!row || row.deleted || row.type !== expectedType) return undefined;
    const intent = JSON.parse(row.json) as Intent;
    return sameSecret(secret, intent.client_secret) ? intent : undefined;
  }

  async function cardLabel(account: string, pmId: string | null | undefined): Promise<string | null> {
    if (!pmId) return null;
    const row = await deps.store.getObject(account, pmId);
    if (!row) return null;
    const pm = JSON.parse(row.json) as { card?: { brand: string; last4: string } };
    if (!pm.card) return null;
    const brand = pm.card.brand === 'amex' ? 'American Express' : pm.card.brand.replace(/^./, (c) => c.toUpperCase());
    return `${brand} •••• ${pm.card.last4}`;
  }

  async function showPage(res: ServerResponse, account: string, intent: Intent, action: string): Promise<void> {
    const rows: [string, string, string?][] = [];
    if (intent.object === 'payment_intent' && intent.amount !== undefined && intent.currency) {
      rows.push(['Amount', formatAmount(intent.amount, intent.currency), 'amount']);
    }
    rows.push(['Merchant', account, 'id']);
    const card = await cardLabel(account, intent.payment_method);
    if (card) rows.push(['Card', card]);
    rows.push([intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent', intent.id, 'id']);
    const details = `<dl>\n${rows
      .map(([k, v, cls]) => `<dt>${escapeHtml(k)}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(v)}</dd>`)
      .join('\n')}\n</dl>`;
    if (intent.status !== 'requires_action') {
      const body = `<h1>Nothing to authenticate</h1>
<p>This ${intentLabel(intent)} does not wait for authentication: its status is <strong>${escapeHtml(intent.status)}</strong>.</p>
${details}`;
      send(res, 200, document('Nothing to authenticate', body));
      return;
    }
    const body = `<h1>Authenticate this ${intentLabel(intent)}</h1>
<p>A real bank would ask the cardholder to confirm. Here you choose how authentication ends.</p>
${details}
<form method="post" action="${escapeHtml(action)}">
<button class="complete" type="submit" name="outcome" value="complete">Complete authentication</button>
<button class="fail" type="submit" name="outcome" value="fail">Fail authentication</button>
</form>`;
    send(res, 200, document('Sandbank test 3D Secure', body));
  }

  async function finish(req: IncomingMessage, res: ServerResponse, accountId: string, intent: Intent): Promise<void> {
    let outcome: string | null;
    try {
      outcome = new URLSearchParams(await readBody(req)).get('outcome');
    } catch (err) {
      if (err instanceof BodyTooLarge) return message(res, 413, 'Request too large', 'The form sent too much data.');
      throw err;
    }
    if (outcome !== 'complete' && outcome !== 'fail') {
      return message(res, 400, 'Choose an outcome', 'Send outcome=complete or outcome=fail.');
    }
    const account = await deps.store.getAccount(accountId);
    if (!account) return notFound(res);
    const prefix: IntentPrefix = intent.object === 'payment_intent' ? 'pi' : 'seti';
    const origin = deps.origin();
    let result: { intent: object; returnUrl: string | null };
    try {
      result = await deps.store.transaction(async (tx) => {
        const ctx = unrequestedContext({ account, tx, clock: deps.clock, origin, events: deps.events });
        const finished = await deps.finish[prefix](ctx, intent.id, outcome);
        await deps.runDueNow(ctx);
        return finished;
      });
    } catch (err) {
      if (err instanceof StripeError) return message(res, 400, 'Authentication not possible', err.message);
      throw err;
    }
    const finished = (result.intent as { status?: string }).status;
    const succeeded = outcome === 'complete' && finished !== 'requires_payment_method';
    if (result.returnUrl !== null && URL.canParse(result.returnUrl)) {
      const location = new URL(result.returnUrl).href;
      const text = `Continue to ${location}`;
      send(res, 303, document('Redirecting', `<h1>Redirecting…</h1>\n<p>${escapeHtml(text)}</p>`), {
        Location: location,
      });
      return;
    }
    const [mark, heading] = succeeded ? ['✓', 'Authentication complete'] : ['✕', 'Authentication failed'];
    const body = `<div class="result">${mark}</div>\n<h1>${heading}</h1>\n<p>You can close this window.</p>`;
    send(res, 200, document(heading, body));
  }

  return async function handle(req, res) {
    const url = req.url ?? '/';
    if (!url.startsWith(PREFIX)) return false;
    try {
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const target = parseAuthenticationPath(path);
      if (!target) {
        notFound(res);
        return true;
      }
      const secret = query.get('client_secret');
      const intent = await load(target.account, target.intentId, secret);
      if (!intent) {
        notFound(res);
        return true;
      }
      const action = `?client_secret=${encodeURIComponent(intent.client_secret)}`;
      if (req.method === 'GET' || req.method === 'HEAD') await showPage(res, target.account, intent, action);
      else if (req.method === 'POST') await finish(req, res, target.account, intent);
      else message(res, 405, 'Method not allowed', 'Open this page in a browser.');
    } catch (err) {
      onError(err);
      if (!res.headersSent) message(res, 500, 'Something went wrong', 'Sandbank could not handle this request.');
      else res.destroy();
    }
    return true;
  };
}
