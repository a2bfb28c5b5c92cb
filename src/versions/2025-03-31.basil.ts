/**
 * 2025-03-31.basil (stripe-node 18's pin): Billing's big reshaping. Invoice payments moved to
 * InvoicePayment (so invoices lost `paid`, `payment_intent`, `charge`, and charges and
 * PaymentIntents no longer name their invoice); an invoice's subscription moved under `parent`;
 * invoice lines and invoice items describe their price under `pricing` and their origin under
 * `parent`; taxes became `total_taxes`/`taxes`; the billing period moved from the subscription to
 * its items; the singular `discount` fields gave way to `discounts`; credit notes list `refunds`;
 * metered prices lost `aggregate_usage`.
 * https://docs.stripe.com/changelog/basil
 *
 * Older versions get the older fields back, computed from the newest shape; where the older shape
 * embeds or names another object (an invoice's PaymentIntent and charge, a line's Price), `load`
 * reads it. Fields basil *added* without replacing anything (`amount_overpaid`,
 * `confirmation_secret`, `billing_mode`, credit amounts) stay, as Stripe adds fields to every version.
 */
import { registerExpandable } from '../platform/expand.js';
import type { Json } from '../platform/operation.js';
import type { RequestChange, VersionChange, VersionSource } from '../platform/versions.js';
import { idOf, isObject, removeFields, setField } from './fields.js';

const VERSION = '2025-03-31.basil';

/** The invoice a charge's PaymentIntent (or a PaymentIntent) was created to pay, or null. */
async function invoiceOfPaymentIntent(source: VersionSource, paymentIntent: unknown): Promise<string | null> {
  const id = idOf(paymentIntent);
  if (!id) return null;
  const invoices = await source.list('invoice', { payment_intent: id }, 1);
  return (invoices.data[0]?.id as string | undefined) ?? null;
}

/** What an invoice's default payment (its InvoicePayment) names: the PaymentIntent, or a charge. */
async function defaultPayment(
  source: VersionSource,
  invoice: string,
): Promise<{ payment_intent?: string; charge?: string } | undefined> {
  const payments = await source.list('invoice_payment', { invoice }, 10);
  const payment = payments.data.find((p) => p.is_default === true) ?? payments.data.find((p) => p.status === 'paid');
  return payment?.payment as { payment_intent?: string; charge?: string } | undefined;
}

/** A Price as an older line or item embedded it: the stored price without its includable fields. */
async function embeddedPrice(source: VersionSource, price: unknown): Promise<Json | null> {
  if (isObject(price)) return price;
  const id = idOf(price);
  if (!id) return null;
  const loaded = await source.load(id);
  if (!loaded) return null;
  // `tiers` and `currency_options` are includable: an embedded price shows them only when expanded.
  removeFields(loaded, 'tiers', 'currency_options');
  return loaded;
}

/** The legacy Plan view of a recurring price (same id), which older lines and items embedded beside it. */
export function planOf(price: Json): Json | null {
  const recurring = price.recurring as Json | null | undefined;
  if (!recurring) return null;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    aggregate_usage: recurring.usage_type === 'metered' ? 'sum' : null,
    amount: price.unit_amount ?? null,
    amount_decimal: price.unit_amount_decimal ?? null,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: price.livemode ?? false,
    metadata: price.metadata ?? {},
    meter: recurring.meter ?? null,
    nickname: price.nickname ?? null,
    product: price.product,
    tiers_mode: price.tiers_mode ?? null,
    transform_usage: price.transform_quantity ?? null,
    trial_period_days: recurring.trial_period_days ?? null,
    usage_type: recurring.usage_type,
  };
}

/** Basil's `taxes` / `total_taxes` entries as the older `tax_amounts` / `total_tax_amounts`. */
function taxAmounts(taxes: unknown): Json[] {
  if (!Array.isArray(taxes)) return [];
  return (taxes as Json[])
    .filter((t) => t.type === 'tax_rate_details')
    .map((t) => ({
      amount: t.amount,
      inclusive: t.tax_behavior === 'inclusive',
      tax_rate: (t.tax_rate_details as Json | null)?.tax_rate ?? null,
      taxability_reason: t.taxability_reason ?? null,
      taxable_amount: t.taxable_amount ?? null,
    }));
}

/** The sum of a line's inclusive taxes: what `amount` holds beyond the amount excluding tax. */
function inclusiveTax(taxes: unknown): number {
  return taxAmounts(taxes)
    .filter((t) => t.inclusive)
    .reduce((sum, t) => sum + Number(t.amount), 0);
}

/** `amount / quantity` as decimal text (`"1000"`, `"333.333333333333"`), as `_decimal` fields are. */
function unitDecimal(amount: number, quantity: number | null | undefined): string | null {
  if (!quantity) return null;
  const unit = amount / quantity;
  return Number.isInteger(unit) ? String(unit) : String(Number(unit.toFixed(12)));
}

/** The first discount of `discounts` as a full Discount object (the older singular `discount`). */
async function firstDiscount(source: VersionSource, discounts: unknown): Promise<Json | null> {
  if (!Array.isArray(discounts) || discounts.length === 0) return null;
  const first = discounts[0] as unknown;
  if (isObject(first)) return structuredClone(first);
  const id = idOf(first);
  return (id && (await source.load(id))) || null;
}

/** The origin details of a line (`parent.subscription_item_details` or `parent.invoice_item_details`). */
function lineOrigin(line: Json): Json {
  const parent = line.parent as Json | null | undefined;
  if (!parent) return {};
  return ((parent.subscription_item_details ?? parent.invoice_item_details) as Json | null) ?? {};
}

// What older versions could expand on an invoice: its PaymentIntent (`expand[]=payment_intent`,
// and `latest_invoice.payment_intent` from a subscription), its charge and its subscription.
registerExpandable('invoice', 'payment_intent', {
  kind: 'includable',
  before: VERSION,
  async resolve(invoice, source) {
    const id = (await defaultPayment(source, String(invoice.id)))?.payment_intent;
    return id ? ((await source.load(id)) ?? id) : null;
  },
});
registerExpandable('invoice', 'charge', {
  kind: 'includable',
  before: VERSION,
  async resolve(invoice, source) {
    const payment = await defaultPayment(source, String(invoice.id));
    const intent = payment?.payment_intent ? await source.load(payment.payment_intent) : undefined;
    const id = payment?.charge ?? (intent?.latest_charge as string | null | undefined);
    return id ? ((await source.load(id)) ?? id) : null;
  },
});
registerExpandable('invoice', 'subscription', {
  kind: 'includable',
  before: VERSION,
  async resolve(invoice, source) {
    const parent = invoice.parent as { subscription_details?: { subscription?: unknown } | null } | null | undefined;
    const sub = parent?.subscription_details?.subscription;
    if (isObject(sub)) return sub;
    return typeof sub === 'string' ? ((await source.load(sub)) ?? sub) : null;
  },
});

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'charge',
    describe: 'Removes `invoice` from Charge (the invoice its PaymentIntent paid)',
    async load(charge, source) {
      if (charge.invoice === undefined) charge.invoice = await invoiceOfPaymentIntent(source, charge.payment_intent);
    },
    downgrade(charge) {
      setField(charge, 'invoice', charge.invoice ?? null);
    },
  },
  {
    version: VERSION,
    object: 'payment_intent',
    describe: 'Removes `invoice` from PaymentIntent (the invoice it was created to pay)',
    async load(pi, source) {
      if (pi.invoice === undefined) pi.invoice = await invoiceOfPaymentIntent(source, pi.id);
    },
    downgrade(pi) {
      setField(pi, 'invoice', pi.invoice ?? null);
    },
  },
  {
    version: VERSION,
    object: 'subscription',
    describe: 'Moves `current_period_start`/`current_period_end` from Subscription to its items',
    // Read from the items before they are downgraded (the walk downgrades children first).
    async load(sub) {
      const first = ((sub.items as Json | undefined)?.data as Json[] | undefined)?.[0];
      if (sub.current_period_start === undefined) sub.current_period_start = first?.current_period_start ?? null;
      if (sub.current_period_end === undefined) sub.current_period_end = first?.current_period_end ?? null;
    },
    downgrade(sub) {
      setField(sub, 'current_period_start', sub.current_period_start ?? null);
      setField(sub, 'current_period_end', sub.current_period_end ?? null);
    },
  },
  {
    version: VERSION,
    object: 'subscription_item',
    describe: 'SubscriptionItem gains `current_period_start`/`current_period_end` (from the subscription)',
    downgrade(item) {
      removeFields(item, 'current_period_start', 'current_period_end');
    },
  },
  {
    version: VERSION,
    object: 'subscription',
    describe: 'Removes the singular `discount` from Subscription (use `discounts`)',
    async load(sub, source) {
      if (sub.discount === undefined) sub.discount = await firstDiscount(source, sub.discounts);
    },
    downgrade(sub) {
      setField(sub, 'discount', sub.discount ?? null);
    },
  },
  {
    version: VERSION,
    object: 'invoice',
    describe: 'Removes `paid`, `paid_out_of_band`, `payment_intent` and `charge` from Invoice (use `payments`)',
    async load(invoice, source) {
      if (invoice.charge !== undefined || typeof invoice.id !== 'string') return;
      const payment = await defaultPayment(source, invoice.id);
      // `expand[]=payment_intent` (or `charge`) has set it already: keep the expanded object.
      if (invoice.payment_intent === undefined) invoice.payment_intent = payment?.payment_intent ?? null;
      const pi = invoice.payment_intent;
      const intent = isObject(pi) ? pi : idOf(pi) ? await source.load(idOf(pi) as string) : undefined;
      invoice.charge = payment?.charge ?? intent?.latest_charge ?? null;
    },
    downgrade(invoice) {
      const paid = invoice.status === 'paid';
      setField(invoice, 'paid', paid);
      // Paid, with something to pay, but not by a payment Stripe collected.
      const offStripe = typeof invoice.amount_paid_off_stripe === 'number' ? invoice.amount_paid_off_stripe : null;
      setField(
        invoice,
        'paid_out_of_band',
        offStripe !== null ? paid && offStripe > 0 : paid && (invoice.amount_paid as number) > 0 && !invoice.charge,
      );
      setField(invoice, 'payment_intent', invoice.payment_intent ?? null);
      setField(invoice, 'charge', invoice.charge ?? null);
      removeFields(invoice, 'payments');
    },
  },
  {
    version: VERSION,
    object: 'invoice',
    describe:
      'Moves `subscription`, `subscription_details` and `subscription_proration_date` of Invoice under `parent`',
    downgrade(invoice) {
      if (invoice.parent === undefined && invoice.subscription !== undefined) return;
      const details = (invoice.parent as Json | null | undefined)?.subscription_details as Json | null | undefined;
      // Expanded (`expand[]=subscription`) it is the object already.
      setField(invoice, 'subscription', invoice.subscription ?? details?.subscription ?? null);
      setField(invoice, 'subscription_details', details ? { metadata: details.metadata ?? null } : null);
      if (typeof details?.subscription_proration_date === 'number')
        setField(invoice, 'subscription_proration_date', details.subscription_proration_date);
      setField(invoice, 'quote', null);
      removeFields(invoice, 'parent');
    },
  },
  {
    version: VERSION,
    object: 'invoice',
    describe: 'Replaces `tax` and `total_tax_amounts` of Invoice with `total_taxes`',
    downgrade(invoice) {
      if (invoice.total_taxes === undefined && invoice.total_tax_amounts !== undefined) return;
      const amounts = taxAmounts(invoice.total_taxes);
      setField(invoice, 'total_tax_amounts', amounts);
      setField(invoice, 'tax', amounts.length === 0 ? null : amounts.reduce((sum, t) => sum + Number(t.amount), 0));
      removeFields(invoice, 'total_taxes');
    },
  },
  {
    version: VERSION,
    object: 'invoice',
    describe: 'Removes the singular `discount`, `application_fee_amount` and `transfer_data` from Invoice',
    async load(invoice, source) {
      if (invoice.discount === undefined) invoice.discount = await firstDiscount(source, invoice.discounts);
    },
    downgrade(invoice) {
      setField(invoice, 'discount', invoice.discount ?? null);
      // Connect fields: Sandbank has no Connect, so they were always null.
      setField(invoice, 'application_fee_amount', null);
      setField(invoice, 'transfer_data', null);
    },
  },
  {
    version: VERSION,
    object: 'line_item',
    describe:
      'Invoice lines describe their price under `pricing` and their origin under `parent` (was `price`, `plan`, `type`, `proration`…)',
    async load(line, source) {
      if (line.price !== undefined) return;
      const pricing = line.pricing as Json | null | undefined;
      const price = await embeddedPrice(source, (pricing?.price_details as Json | undefined)?.price);
      line.price = price;
      line.plan = price ? planOf(price) : null;
    },
    downgrade(line) {
      const origin = lineOrigin(line);
      const parent = line.parent as Json | null | undefined;
      setField(line, 'price', line.price ?? null);
      setField(line, 'plan', line.plan ?? null);
      if (parent !== undefined) {
        setField(line, 'type', parent?.type === 'subscription_item_details' ? 'subscription' : 'invoiceitem');
        // Both were left out, not null, on lines that had none.
        if (origin.invoice_item) setField(line, 'invoice_item', origin.invoice_item);
        if (origin.subscription_item) setField(line, 'subscription_item', origin.subscription_item);
        setField(line, 'proration', origin.proration ?? false);
        setField(line, 'proration_details', origin.proration_details ?? { credited_items: null });
      }
      removeFields(line, 'parent', 'pricing');
    },
  },
  {
    version: VERSION,
    object: 'line_item',
    describe:
      'Replaces `tax_amounts`, `tax_rates`, `amount_excluding_tax` and `unit_amount_excluding_tax` of invoice lines with `taxes`',
    async load(line, source) {
      if (line.tax_rates !== undefined || !Array.isArray(line.taxes)) return;
      const rates: Json[] = [];
      for (const tax of taxAmounts(line.taxes)) {
        const id = idOf(tax.tax_rate);
        if (!id || rates.some((r) => r.id === id)) continue;
        const rate = await source.load(id);
        if (rate) rates.push(rate);
      }
      line.tax_rates = rates;
    },
    downgrade(line) {
      if (line.taxes === undefined && line.tax_amounts !== undefined) return;
      const excluding = Number(line.amount) - inclusiveTax(line.taxes);
      setField(line, 'tax_amounts', taxAmounts(line.taxes));
      setField(line, 'tax_rates', line.tax_rates ?? []);
      setField(line, 'amount_excluding_tax', excluding);
      setField(line, 'unit_amount_excluding_tax', unitDecimal(excluding, line.quantity as number | null));
      removeFields(line, 'taxes');
    },
  },
  {
    version: VERSION,
    object: 'invoiceitem',
    describe:
      'Invoice items describe their price under `pricing` and their subscription under `parent` (was `price`, `plan`, `unit_amount`…)',
    async load(item, source) {
      if (item.price !== undefined) return;
      const pricing = item.pricing as Json | null | undefined;
      const price = await embeddedPrice(source, (pricing?.price_details as Json | undefined)?.price);
      item.price = price;
      item.plan = price ? planOf(price) : null;
    },
    downgrade(item) {
      const pricing = item.pricing as Json | null | undefined;
      const details = (item.parent as Json | null | undefined)?.subscription_details as Json | null | undefined;
      setField(item, 'price', item.price ?? null);
      setField(item, 'plan', item.plan ?? null);
      if (item.pricing !== undefined) {
        const decimal = (pricing?.unit_amount_decimal as string | null | undefined) ?? null;
        setField(item, 'unit_amount_decimal', decimal);
        setField(item, 'unit_amount', decimal !== null && Number.isInteger(Number(decimal)) ? Number(decimal) : null);
      }
      if (item.parent !== undefined) {
        setField(item, 'subscription', details?.subscription ?? null);
        setField(item, 'subscription_item', details?.subscription_item ?? null);
      }
      removeFields(item, 'parent', 'pricing');
    },
  },
  {
    version: VERSION,
    object: 'credit_note',
    describe: 'Replaces `refund` and `tax_amounts` of CreditNote with `refunds` and `total_taxes`',
    downgrade(note) {
      if (note.refunds !== undefined) {
        const first = (note.refunds as Json[])[0];
        setField(note, 'refund', first?.refund ?? null);
      }
      if (note.total_taxes !== undefined) setField(note, 'tax_amounts', taxAmounts(note.total_taxes));
      removeFields(note, 'refunds', 'total_taxes');
    },
  },
  {
    version: VERSION,
    object: 'credit_note_line_item',
    describe:
      'Replaces `tax_amounts`, `amount_excluding_tax` and `unit_amount_excluding_tax` of credit note lines with `taxes`',
    downgrade(line) {
      if (line.taxes === undefined && line.tax_amounts !== undefined) return;
      const excluding = Number(line.amount) - inclusiveTax(line.taxes);
      setField(line, 'tax_amounts', taxAmounts(line.taxes));
      setField(line, 'amount_excluding_tax', excluding);
      setField(line, 'unit_amount_excluding_tax', unitDecimal(excluding, line.quantity as number | null));
      removeFields(line, 'taxes');
    },
  },
  {
    version: VERSION,
    object: 'subscription_schedule',
    describe: 'Removes `coupon` from subscription schedule phases (use `discounts`)',
    downgrade(schedule) {
      for (const phase of (schedule.phases as Json[] | undefined) ?? []) {
        if (phase.coupon !== undefined) continue;
        const first = (phase.discounts as Json[] | undefined)?.[0];
        setField(phase, 'coupon', first?.coupon ?? null);
      }
    },
  },
  {
    version: VERSION,
    object: 'price',
    describe: 'Removes `recurring.aggregate_usage` from Price (metered usage is aggregated by meters)',
    downgrade(price) {
      const recurring = price.recurring as Json | null | undefined;
      if (!recurring || recurring.aggregate_usage !== undefined) return;
      const withUsage: Json = { ...recurring, aggregate_usage: recurring.usage_type === 'metered' ? 'sum' : null };
      price.recurring = Object.fromEntries(Object.entries(withUsage).sort(([a], [b]) => a.localeCompare(b)));
    },
  },
  {
    version: VERSION,
    object: 'plan',
    describe: 'Removes `aggregate_usage` from Plan',
    downgrade(plan) {
      setField(plan, 'aggregate_usage', plan.aggregate_usage ?? (plan.usage_type === 'metered' ? 'sum' : null));
    },
  },
];

/**
 * Request side: the invoice preview took a single `coupon` before `discounts[]` only
 * (https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-singular-coupon-promotion-code).
 * Customers and subscriptions accept `coupon` / `promotion_code` in their own schemas (they also
 * remove a discount with an empty value), so only the preview is rewritten here.
 */
export const requestChanges: RequestChange[] = [
  {
    version: VERSION,
    operations: ['invoices.create_preview'],
    describe: 'The invoice preview takes `discounts[][coupon]` instead of `coupon`',
    upgrade(params) {
      if (params.coupon === undefined) return;
      if (params.discounts === undefined && params.coupon !== '') params.discounts = [{ coupon: params.coupon }];
      delete params.coupon;
    },
  },
];
