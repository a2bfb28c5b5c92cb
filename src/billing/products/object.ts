/**
 * The Product object: what a merchant sells. Prices hang off it (`price.product`), and its
 * `default_price` names the one a storefront shows first.
 */
import { registerExpandable } from '../../platform/expand.js';
import type { SearchableResource } from '../../platform/search.js';
import { type Price, renderPrice } from '../prices/object.js';

export const PRODUCT = 'product';

export interface MarketingFeature {
  name?: string;
}

export interface PackageDimensions {
  height: number;
  length: number;
  weight: number;
  width: number;
}

export interface Product {
  id: string;
  object: 'product';
  active: boolean;
  created: number;
  /** A price id; expandable. */
  default_price: string | null;
  description: string | null;
  images: string[];
  livemode: false;
  marketing_features: MarketingFeature[];
  metadata: Record<string, string>;
  name: string;
  package_dimensions: PackageDimensions | null;
  shippable: boolean | null;
  statement_descriptor: string | null;
  tax_code: string | null;
  tax_details: { performance_location: string | null; tax_code: string | null } | null;
  type: 'good' | 'service';
  unit_label: string | null;
  updated: number;
  url: string | null;
}

export interface DeletedProduct {
  id: string;
  object: 'product';
  deleted: true;
}

/** Indexed fields for the list filters (`active`, `shippable`, `url`). */
export const productFields = (p: Product) => ({
  active: String(p.active),
  shippable: p.shippable === null ? null : String(p.shippable),
  url: p.url,
});

/**
 * `default_price` expands to the price as Stripe renders it (without its includable `tiers` and
 * `currency_options`), so it is computed rather than a plain reference to the stored price.
 */
registerExpandable(PRODUCT, 'default_price', {
  kind: 'includable',
  resolve: async (product, source) => {
    const id = product.default_price;
    if (typeof id !== 'string') return id ?? null;
    const stored = (await source.load(id)) as Price | undefined;
    return stored ? renderPrice(stored) : id;
  },
});

export const productSearch: SearchableResource = {
  resource: 'products',
  metadata: true,
  // `active` and `shippable` (booleans) are searched by billing/catalog-search.ts.
  fields: {
    created: { kind: 'numeric', target: { column: 'created' } },
    description: { kind: 'string', target: { json: ['description'], numeric: false } },
    name: { kind: 'string', target: { json: ['name'], numeric: false } },
    url: { kind: 'token', target: { json: ['url'], numeric: false } },
  },
};
