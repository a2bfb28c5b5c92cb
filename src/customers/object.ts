/**
 * The Customer object: its shape with Stripe's defaults, the fields that can be expanded, and the
 * fields search can query. Field order follows Stripe's responses (id, object, then alphabetical).
 */
import type { Discount } from '../billing/discounts/object.js';
import { registerExpandable } from '../platform/expand.js';
import type { Metadata } from '../platform/metadata.js';
import type { SearchableResource } from '../platform/search.js';
import { cashBalanceKey, defaultCashBalance } from './cash-balance/object.js';
import { INCLUDED_TAX_IDS, TAX_ID } from './tax-ids/object.js';

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

/** An address from parameters: every field present, `null` where not given. */
export function toAddress(a: { [K in keyof Address]?: string | null } | null | undefined): Address | null {
  if (!a) return null;
  return {
    city: a.city ?? null,
    country: a.country ?? null,
    line1: a.line1 ?? null,
    line2: a.line2 ?? null,
    postal_code: a.postal_code ?? null,
    state: a.state ?? null,
  };
}

export interface Shipping {
  address: Address;
  name: string;
  phone: string | null;
}

export interface InvoiceSettings {
  custom_fields: { name: string; value: string }[] | null;
  default_payment_method: string | null;
  footer: string | null;
  rendering_options: { amount_tax_display: string | null; template: string | null } | null;
}

export interface Customer {
  id: string;
  object: 'customer';
  address: Address | null;
  balance: number;
  business_name?: string;
  created: number;
  currency: string | null;
  default_source: string | null;
  delinquent: boolean;
  description: string | null;
  discount: Discount | null;
  email: string | null;
  individual_name?: string;
  invoice_prefix: string;
  invoice_settings: InvoiceSettings;
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: Shipping | null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: string | null;
}

export interface DeletedCustomer {
  id: string;
  object: 'customer';
  deleted: true;
}

export const CUSTOMER = 'customer';

/** Secondary indexed fields, for `GET /v1/customers?email=` and `?test_clock=`. */
export function customerIndexFields(c: Customer) {
  return { email: c.email, test_clock: c.test_clock };
}

export const customerSearch: SearchableResource = {
  resource: 'customers',
  metadata: true,
  fields: {
    created: { kind: 'numeric', target: { column: 'created' } },
    email: { kind: 'string', target: { json: ['email'], numeric: false } },
    name: { kind: 'string', target: { json: ['name'], numeric: false } },
    phone: { kind: 'string', target: { json: ['phone'], numeric: false } },
  },
};

/** No `total_count`: the pinned SDK's ApiList declares none (2025-03-31.basil stopped offering it on lists). */
function emptyList(url: string) {
  return { object: 'list', data: [], has_more: false, url };
}

// References to objects other resources own; they resolve once those resources store objects.
registerExpandable(CUSTOMER, 'default_source', { kind: 'reference' });
registerExpandable(CUSTOMER, 'invoice_settings.default_payment_method', { kind: 'reference', to: 'payment_method' });
registerExpandable(CUSTOMER, 'test_clock', { kind: 'reference' });
// Fields Stripe includes only when expanded.
// The first page of the customer's sources (cards and bank accounts), as Stripe includes it.
registerExpandable(CUSTOMER, 'sources', {
  kind: 'includable',
  resolve: async (c, source) => {
    const page = await source.list('source', { customer: String(c.id) }, 10);
    return { object: 'list', data: page.data, has_more: page.has_more, url: `/v1/customers/${c.id}/sources` };
  },
});
registerExpandable(CUSTOMER, 'subscriptions', {
  kind: 'includable',
  resolve: async (c) => emptyList(`/v1/customers/${c.id}/subscriptions`),
});
registerExpandable(CUSTOMER, 'tax_ids', {
  kind: 'includable',
  resolve: async (c, source) => ({
    object: 'list',
    ...(await source.list(TAX_ID, { customer: c.id as string }, INCLUDED_TAX_IDS)),
    url: `/v1/customers/${c.id}/tax_ids`,
  }),
});
registerExpandable(CUSTOMER, 'invoice_credit_balance', { kind: 'includable', resolve: async () => ({}) });
registerExpandable(CUSTOMER, 'cash_balance', {
  kind: 'includable',
  resolve: async (c, source) =>
    (await source.load(cashBalanceKey(c.id as string))) ?? defaultCashBalance(c.id as string),
});
registerExpandable(CUSTOMER, 'tax', {
  kind: 'includable',
  resolve: async (c) => {
    const country = (c.address as Address | null)?.country ?? null;
    return {
      automatic_tax: country ? 'not_collecting' : 'unrecognized_location',
      ip_address: null,
      location: country ? { country, source: 'billing_address', state: (c.address as Address).state } : null,
      provider: 'stripe',
    };
  },
});
