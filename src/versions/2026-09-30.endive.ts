/**
 * 2026-09-30.endive: a subscription's billing cycle anchor is changed with an object
 * (`billing_cycle_anchor[type]=now`) on subscription update and resume, and with
 * `subscription_details[billing_cycle_anchor][type|timestamp]` on invoice previews, instead of the
 * string (`now`, `unchanged`) or timestamp older versions send.
 * https://docs.stripe.com/changelog/endive/2026-09-30/polymorphic-billing-cycle-anchor
 *
 * Only the request changes: responses keep `billing_cycle_anchor` as a timestamp.
 */
import type { RequestChange } from '../platform/versions.js';

const VERSION = '2026-09-30.endive';

/** `now` / `unchanged` (or, on previews, a timestamp) as the object form. */
function anchorObject(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'now' || value === 'unchanged') return { type: value };
  if (/^\d+$/.test(value)) return { type: 'timestamp', timestamp: value };
  return value; // left for validation to refuse with the parameter's own error
}

export const requestChanges: RequestChange[] = [
  {
    version: VERSION,
    operations: ['subscriptions.update', 'subscriptions.resume'],
    describe: '`billing_cycle_anchor` is an object with a `type` (was `now` or `unchanged`)',
    upgrade(params) {
      if (params.billing_cycle_anchor !== undefined)
        params.billing_cycle_anchor = anchorObject(params.billing_cycle_anchor);
    },
  },
  {
    version: VERSION,
    operations: ['invoices.create_preview'],
    describe:
      '`subscription_details[billing_cycle_anchor]` is an object with a `type` (was `now`, `unchanged` or a timestamp)',
    upgrade(params) {
      const details = params.subscription_details as Record<string, unknown> | undefined;
      if (details && typeof details === 'object' && details.billing_cycle_anchor !== undefined)
        details.billing_cycle_anchor = anchorObject(details.billing_cycle_anchor);
    },
  },
];
