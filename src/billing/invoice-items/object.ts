/**
 * The InvoiceItem object (`ii_`): a charge or credit for a customer that goes on an invoice — the
 * draft it was added to, or (while `invoice` is null, "pending") the customer's next invoice.
 */
import { registerExpandable } from '../../platform/expand.js';
import type { Metadata } from '../../platform/metadata.js';
import type { TaxRate } from '../tax-rates/object.js';

export const INVOICE_ITEM = 'invoiceitem';

export interface InvoiceItem {
  id: string;
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  customer_account: null;
  date: number;
  description: string | null;
  discountable: boolean;
  discounts: string[];
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  net_amount: number;
  parent: { subscription_details: { subscription: string }; type: 'subscription_details' } | null;
  period: { end: number; start: number };
  pricing: {
    price_details?: { price: string; product: string };
    type: 'price_details';
    unit_amount_decimal: string | null;
  } | null;
  proration: boolean;
  quantity: number;
  quantity_decimal: string;
  tax_rates: TaxRate[];
  test_clock: string | null;
}

export interface DeletedInvoiceItem {
  id: string;
  object: 'invoiceitem';
  deleted: true;
}

/** Indexed fields: the list filters (`customer`, `invoice`, `pending`). */
export const invoiceItemFields = (ii: InvoiceItem) => ({
  customer: ii.customer,
  invoice: ii.invoice,
  pending: ii.invoice === null ? 'true' : 'false',
});

registerExpandable(INVOICE_ITEM, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(INVOICE_ITEM, 'invoice', { kind: 'reference', to: 'invoice' });
registerExpandable(INVOICE_ITEM, 'test_clock', { kind: 'reference', to: 'test_helpers.test_clock' });
registerExpandable(INVOICE_ITEM, 'pricing.price_details.price', { kind: 'reference', to: 'price' });
