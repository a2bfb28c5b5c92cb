/**
 * 2025-03-31.basil (stripe-node 18's pin): invoice payments moved to InvoicePayment, so charges and
 * PaymentIntents no longer name their invoice.
 * https://docs.stripe.com/changelog/basil
 */
import type { VersionChange } from '../platform/versions.js';
import { setField } from './fields.js';

const VERSION = '2025-03-31.basil';

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'charge',
    describe: 'Removes `invoice` from Charge (Sandbank has no invoices: it was always null)',
    downgrade(charge) {
      setField(charge, 'invoice', charge.invoice ?? null);
    },
  },
  {
    version: VERSION,
    object: 'payment_intent',
    describe: 'Removes `invoice` from PaymentIntent (Sandbank has no invoices: it was always null)',
    downgrade(pi) {
      setField(pi, 'invoice', pi.invoice ?? null);
    },
  },
];
