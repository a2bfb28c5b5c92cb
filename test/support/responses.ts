/**
 * Shape-checks any API response body by its `object`: the raw-HTTP and CLI tests pass every body
 * through here, so no object escapes the SDK-type and fixture checks. Later resources add a line to
 * `RESOURCE_TYPES`.
 */
import { PUBLISHABLE_FIELDS } from '../../src/payments/payment-intents/object.js';
import { assertShape } from './shape.js';

/** `object` value → [the stripe package's type name, the fixtures3.json resource name]. */
const RESOURCE_TYPES: Record<string, [string, string]> = {
  customer: ['Customer', 'customer'],
  balance: ['Balance', 'balance'],
  balance_transaction: ['BalanceTransaction', 'balance_transaction'],
  payout: ['Payout', 'payout'],
  refund: ['Refund', 'refund'],
  dispute: ['Dispute', 'dispute'],
  setup_intent: ['SetupIntent', 'setup_intent'],
  setup_attempt: ['SetupAttempt', 'setup_attempt'],
  webhook_endpoint: ['WebhookEndpoint', 'webhook_endpoint'],
  account: ['Account', 'account'],
  tax_id: ['TaxId', 'tax_id'],
  customer_balance_transaction: ['CustomerBalanceTransaction', 'customer_balance_transaction'],
  cash_balance: ['CashBalance', 'cash_balance'],
  customer_cash_balance_transaction: ['CustomerCashBalanceTransaction', 'customer_cash_balance_transaction'],
  funding_instructions: ['FundingInstructions', 'funding_instructions'],
  token: ['Token', 'token'],
  card: ['Card', 'card'],
  bank_account: ['BankAccount', 'bank_account'],
  file: ['File', 'file'],
  file_link: ['FileLink', 'file_link'],
};

interface Body {
  object?: unknown;
  deleted?: unknown;
  data?: unknown;
  error?: unknown;
}

/** Asserts `body` has the shape of what it says it is; error envelopes and unknown objects pass through. */
export function assertResponseShape(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const b = body as Body;
  if (b.object === 'list' || b.object === 'search_result') {
    const first = Array.isArray(b.data) ? (b.data[0] as Body | undefined) : undefined;
    const item = RESOURCE_TYPES[String(first?.object ?? 'customer')];
    if (item) assertShape(body, `${b.object === 'list' ? 'ApiList' : 'ApiSearchResult'}<${item[0]}>`);
    return;
  }
  const known = RESOURCE_TYPES[String(b.object)];
  if (!known) return;
  // A publishable key sees Stripe.js's redacted PaymentIntent: a subset of the fields, no metadata.
  if (b.object === 'payment_intent' && !('metadata' in b)) {
    assertPublishableView(b);
    return;
  }
  if (b.deleted === true) assertShape(body, `Deleted${known[0]}`);
  else assertShape(body, known[0], known[1]);
}

function assertPublishableView(body: object): void {
  const extra = Object.keys(body).filter((k) => !(PUBLISHABLE_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) throw new Error(`publishable PaymentIntent shows secret-key fields: ${extra.join(', ')}`);
}
