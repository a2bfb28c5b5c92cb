/**
 * 2022-11-15 (stripe-node 11/12's pin): lists stopped being included by default.
 * https://docs.stripe.com/changelog/2022-11-15
 */
import type { VersionChange } from '../platform/versions.js';
import { emptyIncludedList, includedList, setField } from './fields.js';

const VERSION = '2022-11-15';

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'payment_intent',
    describe: 'Removes the `charges` list from PaymentIntent (use `latest_charge`)',
    async load(pi, source) {
      if (typeof pi.id !== 'string' || isIncludedList(pi.charges)) return;
      pi.charges = await includedList(
        source,
        'charge',
        { payment_intent: pi.id },
        `/v1/charges?payment_intent=${pi.id}`,
      );
    },
    downgrade(pi) {
      if (!isIncludedList(pi.charges))
        setField(pi, 'charges', emptyIncludedList(`/v1/charges?payment_intent=${pi.id}`));
      else setField(pi, 'charges', pi.charges);
    },
  },
  {
    version: VERSION,
    object: 'charge',
    describe: 'Charge no longer includes its `refunds` list unless expanded',
    async load(charge, source) {
      if (typeof charge.id !== 'string' || isIncludedList(charge.refunds)) return;
      charge.refunds = await includedList(source, 'refund', { charge: charge.id }, `/v1/charges/${charge.id}/refunds`);
    },
    downgrade(charge) {
      if (!isIncludedList(charge.refunds))
        setField(charge, 'refunds', emptyIncludedList(`/v1/charges/${charge.id}/refunds`));
      else setField(charge, 'refunds', charge.refunds);
    },
  },
  {
    version: VERSION,
    object: 'charge',
    // Not a changelog entry: the legacy Orders API was retired, and stripe-node 11 (this version's
    // SDK) dropped the resource and this field; the 2020-08-27 SDK still declares it (always null here).
    describe: 'Charge no longer names a legacy `order` (the Orders API was retired)',
    downgrade(charge) {
      setField(charge, 'order', charge.order ?? null);
    },
  },
];

function isIncludedList(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { object?: unknown }).object === 'list';
}
