/**
 * 2023-08-16 (stripe-node 13's pin): deprecated Charge fields removed (stripe-node 13.0.0: "Remove
 * support for `alternate_statement_descriptors`, `dispute` and `destination` on `Charge`"), and the
 * fields Products had for the retired Orders API ("Remove support for `attributes`, `caption` and
 * `deactivate_on` on `Product`").
 * https://docs.stripe.com/changelog/2023-08-16
 *
 * Its request-side change — PaymentIntents and SetupIntents default to automatic payment methods —
 * is in ./requests.ts.
 */
import type { VersionChange } from '../platform/versions.js';
import { setField } from './fields.js';

const VERSION = '2023-08-16';

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'charge',
    describe: 'Removes `dispute` (the id of the charge’s dispute) from Charge',
    async load(charge, source) {
      if (typeof charge.id !== 'string' || charge.disputed !== true) return;
      const disputes = await source.list('dispute', { charge: charge.id }, 1);
      charge.dispute = (disputes.data[0]?.id as string | undefined) ?? null;
    },
    downgrade(charge) {
      setField(charge, 'dispute', charge.dispute ?? null);
    },
  },
  {
    version: VERSION,
    object: 'charge',
    describe: 'Removes `destination` (Connect destination charges, never set by Sandbank) from Charge',
    downgrade(charge) {
      setField(charge, 'destination', null);
    },
  },
  {
    version: VERSION,
    object: 'product',
    describe: 'Removes `attributes` and `caption` (for goods of the retired Orders API) from Product',
    downgrade(product) {
      setField(product, 'attributes', product.attributes ?? []);
      setField(product, 'caption', product.caption ?? null);
      // `deactivate_on` was only ever present on goods: left out, as Stripe did for services.
    },
  },
];
