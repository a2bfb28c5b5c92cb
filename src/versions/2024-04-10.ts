/**
 * 2024-04-10 (stripe-node 15's pin): Product's marketing `features` became `marketing_features`
 * (https://docs.stripe.com/changelog/2024-04-10/rename-features-marketing-features), and Invoice
 * lost the legacy `rendering_options` for `rendering`
 * (https://docs.stripe.com/changelog/2024-04-10/remove-rendering-options).
 *
 * Its request-side change (PaymentIntents capture `automatic_async` by default) is in ./requests.ts.
 */
import type { Json } from '../platform/operation.js';
import type { VersionChange } from '../platform/versions.js';
import { removeFields, setField } from './fields.js';

const VERSION = '2024-04-10';

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'product',
    describe: 'Renames Product `features` (its marketing features) to `marketing_features`',
    downgrade(product) {
      if (product.marketing_features === undefined) return;
      setField(product, 'features', product.marketing_features);
      removeFields(product, 'marketing_features');
    },
  },
  {
    version: VERSION,
    object: 'invoice',
    describe: 'Removes the legacy `rendering_options` from Invoice (use `rendering`)',
    downgrade(invoice) {
      const rendering = invoice.rendering as Json | null | undefined;
      const display = rendering?.amount_tax_display ?? null;
      setField(invoice, 'rendering_options', display === null ? null : { amount_tax_display: display });
    },
  },
];
