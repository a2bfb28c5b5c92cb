/**
 * The Price object (shape of the pinned SDK's `Stripe.Price`): how much a product costs, once or
 * per recurring interval, per unit or in tiers. Amounts are in the currency's minor unit; the
 * `_decimal` variants carry fractional minor units as decimal text (`"1.5"`), as on the wire.
 *
 * `tiers` and `currency_options` are includable: they are stored on the price but Stripe only
 * renders them when asked (`expand[]=tiers`, `expand[]=currency_options`), see `renderPrice`.
 */

import { registerExpandable } from '../../platform/expand.js';
import type { SearchableResource } from '../../platform/search.js';

export const PRICE = 'price';

export type PriceType = 'one_time' | 'recurring';
export type BillingScheme = 'per_unit' | 'tiered';
export type TiersMode = 'graduated' | 'volume';
export type TaxBehavior = 'exclusive' | 'inclusive' | 'unspecified';
export type Interval = 'day' | 'week' | 'month' | 'year';
export type UsageType = 'licensed' | 'metered';

export interface Tier {
  flat_amount: number | null;
  flat_amount_decimal: string | null;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  /** The last quantity of this tier; `null` for the last tier (`up_to: 'inf'` when created). */
  up_to: number | null;
}

export interface CustomUnitAmount {
  maximum: number | null;
  minimum: number | null;
  preset: number | null;
}

export interface CurrencyOption {
  custom_unit_amount: CustomUnitAmount | null;
  tax_behavior: TaxBehavior | null;
  tiers?: Tier[];
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface Recurring {
  interval: Interval;
  interval_count: number;
  meter: string | null;
  trial_period_days: number | null;
  usage_type: UsageType;
}

export interface TransformQuantity {
  divide_by: number;
  round: 'up' | 'down';
}

export interface Price {
  id: string;
  object: 'price';
  active: boolean;
  billing_scheme: BillingScheme;
  created: number;
  currency: string;
  currency_options?: Record<string, CurrencyOption>;
  custom_unit_amount: CustomUnitAmount | null;
  livemode: false;
  lookup_key: string | null;
  metadata: Record<string, string>;
  nickname: string | null;
  /** A product id; expandable. */
  product: string;
  recurring: Recurring | null;
  tax_behavior: TaxBehavior | null;
  tiers?: Tier[];
  tiers_mode: TiersMode | null;
  transform_quantity: TransformQuantity | null;
  type: PriceType;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface DeletedPrice {
  id: string;
  object: 'price';
  deleted: true;
}

/** Indexed fields for the list filters and the lookup-key uniqueness check. */
export const priceFields = (p: Price) => ({
  active: String(p.active),
  currency: p.currency,
  product: p.product,
  type: p.type,
  lookup_key: p.lookup_key,
  interval: p.recurring?.interval ?? null,
  usage_type: p.recurring?.usage_type ?? null,
});

/** A stored price as Stripe renders it: `tiers` and `currency_options` only when expanded. */
export function renderPrice(p: Price, expand: readonly string[] = []): Price {
  const out: Price = { ...p };
  if (!expand.includes('tiers')) delete out.tiers;
  if (!expand.includes('currency_options')) delete out.currency_options;
  else if (out.currency_options && !expand.includes('tiers')) {
    out.currency_options = Object.fromEntries(
      Object.entries(out.currency_options).map(([c, o]) => {
        const { tiers: _tiers, ...rest } = o;
        return [c, rest];
      }),
    );
  }
  return out;
}

/**
 * Stripe renders `tiers` and `currency_options` only when expanded. The stored price keeps both (the
 * amount calculations need them), so responses strip them (`renderPrice`) and expansion reads them
 * back from the stored object.
 */
registerExpandable(PRICE, 'tiers', {
  kind: 'includable',
  resolve: async (p, source) => ((await source.load(String(p.id))) as Price | undefined)?.tiers ?? [],
});
registerExpandable(PRICE, 'currency_options', {
  kind: 'includable',
  resolve: async (p, source) => {
    const stored = (await source.load(String(p.id))) as Price | undefined;
    const options = stored ? renderPrice(stored, ['currency_options']).currency_options : undefined;
    return options ?? {};
  },
});
// 'product' spelled out: products/object.ts imports this module (no import cycle at load time).
registerExpandable(PRICE, 'product', { kind: 'reference', to: 'product' });

export const priceSearch: SearchableResource = {
  resource: 'prices',
  metadata: true,
  // `active` (a boolean) is searched by billing/catalog-search.ts.
  fields: {
    created: { kind: 'numeric', target: { column: 'created' } },
    currency: { kind: 'token', target: { json: ['currency'], numeric: false } },
    lookup_key: { kind: 'token', target: { json: ['lookup_key'], numeric: false } },
    product: { kind: 'token', target: { json: ['product'], numeric: false } },
    type: { kind: 'token', target: { json: ['type'], numeric: false } },
  },
};
