/**
 * `GET /v1/invoices/upcoming` and `GET /v1/invoices/upcoming/lines`: the Upcoming Invoice API that
 * versions before 2025-03-31.basil have, answered from the invoice preview
 * (`POST /v1/invoices/create_preview`, which replaced it:
 * https://docs.stripe.com/changelog/basil/2025-03-31/invoice-preview-api-deprecations).
 *
 * Its parameters are translated to the preview's: the flat `subscription_*` parameters become
 * `subscription_details[…]` (`subscription_items` → `subscription_details[items]`); `coupon`, as
 * on the preview before basil, becomes `discounts[0][coupon]` (src/versions/2025-03-31.basil.ts).
 * As before basil, a customer alone previews the next invoice of the customer's subscription.
 * Requests made with basil or later get Stripe's unrecognized URL.
 */
import { CUSTOMER } from '../../customers/object.js';
import { invalidRequest, StripeError, unrecognizedUrl } from '../../platform/errors.js';
import type { ParamHash } from '../../platform/form.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, type WriteContext, writeOperation } from '../../platform/operation.js';
import { p, params, validate } from '../../platform/params.js';
import { isBefore, upgradeRequest } from '../../platform/versions.js';
import { createPreviewParams } from '../invoices/params.js';
import { createInvoicePreview } from '../invoices/preview.js';

/** The first version without the Upcoming Invoice API. */
const REMOVED_IN = '2025-03-31.basil';

/** The flat `subscription_<x>` parameters of the Upcoming Invoice API → `subscription_details[<x>]`. */
const SUBSCRIPTION_PARAMS: Record<string, string> = {
  subscription_billing_cycle_anchor: 'billing_cycle_anchor',
  subscription_cancel_at: 'cancel_at',
  subscription_cancel_at_period_end: 'cancel_at_period_end',
  subscription_cancel_now: 'cancel_now',
  subscription_default_tax_rates: 'default_tax_rates',
  subscription_items: 'items',
  subscription_proration_behavior: 'proration_behavior',
  subscription_proration_date: 'proration_date',
  subscription_resume_at: 'resume_at',
  subscription_start_date: 'start_date',
  subscription_trial_end: 'trial_end',
};

/** What the preview takes as it is. */
const PREVIEW_PARAMS = [
  'automatic_tax',
  'currency',
  'customer',
  'customer_details',
  'discounts',
  'invoice_items',
  'issuer',
  'on_behalf_of',
  'preview_mode',
  'schedule',
  'schedule_details',
  'subscription',
  'subscription_details',
] as const;

const upcomingShape = {
  ...Object.fromEntries(PREVIEW_PARAMS.map((k) => [k, p.opaque()])),
  ...Object.fromEntries(Object.keys(SUBSCRIPTION_PARAMS).map((k) => [k, p.opaque()])),
  // Dropped by basil without a replacement: the preview uses the price's trial when one applies.
  subscription_trial_from_plan: p.boolean(),
  coupon: p.string(),
  expand: p.array(p.string()),
};
const upcomingParams = params(upcomingShape);
const upcomingLinesParams = params({
  ...upcomingShape,
  ending_before: p.string(),
  limit: p.integer({ min: 1, max: 100 }),
  starting_after: p.string(),
});

type UpcomingInput = Record<string, unknown> & { coupon?: string | null; customer?: unknown; subscription?: unknown };

function requireOlderVersion(ctx: WriteContext, path: string): void {
  if (!isBefore(ctx.version, REMOVED_IN)) throw unrecognizedUrl('GET', path);
}

/** `No upcoming invoices for customer: cus_…` (Stripe's 404 when there is nothing to preview). */
function noUpcoming(customer: string): StripeError {
  return new StripeError({
    kind: 'not_found',
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    message: `No upcoming invoices for customer: ${customer}`,
  });
}

/** The customer's subscription whose next invoice the Upcoming Invoice API previewed by default. */
async function customerSubscription(ctx: WriteContext, customer: string): Promise<string | null> {
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: 'subscription',
    limit: 20,
    equals: { customer },
  });
  const live = page.rows
    .map((row) => JSON.parse(row.json) as { id: string; status: string })
    .find((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  return live?.id ?? null;
}

/** The preview the Upcoming Invoice request describes. */
async function upcomingInvoice(ctx: WriteContext, input: UpcomingInput, path: string): Promise<Json> {
  requireOlderVersion(ctx, path);
  const preview: Record<string, unknown> = {};
  for (const key of PREVIEW_PARAMS) if (input[key] !== undefined) preview[key] = input[key];
  const details: Record<string, unknown> = { ...((input.subscription_details as object | undefined) ?? {}) };
  for (const [flat, nested] of Object.entries(SUBSCRIPTION_PARAMS)) {
    if (input[flat] !== undefined) details[nested] = input[flat];
  }
  if (Object.keys(details).length > 0) preview.subscription_details = details;
  if (input.coupon !== undefined) preview.coupon = input.coupon;
  if (typeof input.customer !== 'string' && typeof input.subscription !== 'string') {
    throw invalidRequest('Missing required param: customer.', { param: 'customer', code: 'parameter_missing' });
  }
  // A customer alone: the next invoice of the customer's subscription, or Stripe's 404.
  if (typeof input.customer === 'string' && preview.subscription === undefined) {
    await loadObject(ctx.tx, ctx.account.id, input.customer, CUSTOMER, { param: 'customer' });
    const subscription = await customerSubscription(ctx, input.customer);
    if (subscription) preview.subscription = subscription;
  }
  // The preview's own parameters, in the newest spelling (basil's discounts, endive's anchor object).
  upgradeRequest('invoices.create_preview', ctx.version, preview);
  const invoice = await createInvoicePreview(ctx, validate(createPreviewParams, preview as ParamHash));
  // Nothing to bill (no subscription, no pending or proposed items): Stripe's 404.
  const lines = (invoice.lines?.data ?? []) as unknown[];
  if (preview.subscription === undefined && lines.length === 0) throw noUpcoming(String(invoice.customer));
  return invoice as unknown as Json;
}

/** A page of the preview's lines (they have no stored rows: cursors are positions among them). */
function linesPage(
  invoice: Json,
  input: { ending_before?: string | null; limit?: number | null; starting_after?: string | null },
): Json {
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const lines = ((invoice.lines as Json | undefined)?.data as Json[] | undefined) ?? [];
  const limit = input.limit ?? 10;
  const at = (id: string, param: string) => {
    const i = lines.findIndex((l) => l.id === id);
    if (i === -1) throw invalidRequest(`No such line item: '${id}'`, { param, code: 'resource_missing' });
    return i;
  };
  let data: Json[];
  let hasMore: boolean;
  if (input.ending_before) {
    const end = at(input.ending_before, 'ending_before');
    data = lines.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = input.starting_after ? at(input.starting_after, 'starting_after') + 1 : 0;
    data = lines.slice(start, start + limit);
    hasMore = start + limit < lines.length;
  }
  return { object: 'list', data, has_more: hasMore, url: '/v1/invoices/upcoming/lines' };
}

export const upcomingInvoiceOperations: Operation[] = [
  // Computed in a transaction that writes nothing: the preview reads what a write would.
  writeOperation({
    method: 'GET',
    path: '/v1/invoices/upcoming',
    name: 'invoices.upcoming',
    params: upcomingParams,
    returns: { object: 'invoice' },
    handler: (ctx, input) => upcomingInvoice(ctx, input as UpcomingInput, '/v1/invoices/upcoming'),
  }),
  writeOperation({
    method: 'GET',
    path: '/v1/invoices/upcoming/lines',
    name: 'invoices.upcoming_lines',
    params: upcomingLinesParams,
    returns: { list: 'line_item' },
    handler: async (ctx, input) => {
      const { ending_before, limit, starting_after, ...rest } = input;
      const invoice = await upcomingInvoice(ctx, rest as UpcomingInput, '/v1/invoices/upcoming/lines');
      return linesPage(invoice, { ending_before, limit, starting_after });
    },
  }),
];
