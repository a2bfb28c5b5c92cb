/**
 * The Product object: what a merchant sells. Prices hang off it (`price.product`), and its
 * `default_price` names the one a storefront shows first.
 */

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
