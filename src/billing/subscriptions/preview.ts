/**
 * Subscription lines for `POST /v1/invoices/create_preview` (the invoices code's preview asks its
 * contributors): with `subscription`, the next renewal (the next period of each licensed item and
 * the metered usage so far); with `subscription_details[items]`, the proposed change — its
 * prorations at `proration_date` (default now) followed by the next period at the new prices; for
 * a customer without a subscription, a new subscription's first invoice. Nothing is stored.
 */
import { invalidRequest } from '../../platform/errors.js';
import type { MutationContext } from '../../platform/operation.js';
import { registerPreviewContributor } from '../invoices/hooks.js';
import { subscriptionLine } from '../invoices/lines.js';
import { loadPrice } from '../prices/load.js';
import { nthPeriodEnd } from './cycle.js';
import { lineInput, meteredUsage } from './invoicing.js';
import { isMetered, productName } from './items.js';
import { planOf, type Subscription, type SubscriptionItem } from './object.js';
import { cycleLine, prorationLines, type SubscriptionLine, taxRateIds, usageLine } from './proration.js';
import { loadSubscription } from './store.js';

interface ItemDetail {
  id?: string;
  price?: string;
  plan?: string;
  quantity?: string | number;
  deleted?: string | boolean;
}

interface Details {
  items?: ItemDetail[] | Record<string, ItemDetail>;
  proration_behavior?: string;
  proration_date?: string | number;
}

const asList = (v: Details['items']): ItemDetail[] => (Array.isArray(v) ? v : v ? Object.values(v) : []);
const truthy = (v: unknown) => v === true || v === 'true';

/** The subscription's items as the proposed change makes them, with the prorations it causes. */
async function proposed(
  ctx: MutationContext,
  sub: Subscription,
  details: Details,
): Promise<{ items: SubscriptionItem[]; prorations: SubscriptionLine[] }> {
  const at = details.proration_date != null ? Number(details.proration_date) : ctx.clock.now();
  const items = sub.items.data.map((i) => structuredClone(i));
  const prorations: SubscriptionLine[] = [];
  const side = async (it: SubscriptionItem) => ({
    price: it.price,
    quantity: it.quantity ?? 1,
    productName: await productName(ctx, it.price),
    taxRates: taxRateIds(it),
    discounts: it.discounts,
  });
  for (const [i, d] of asList(details.items).entries()) {
    const existing = d.id ? items.find((it) => it.id === d.id) : undefined;
    if (d.id && !existing) {
      throw invalidRequest(`No such subscription item: '${d.id}'`, {
        param: `subscription_details[items][${i}][id]`,
      });
    }
    const priceId = d.price ?? d.plan;
    const price = priceId
      ? await loadPrice(ctx.tx, ctx.account.id, priceId, `subscription_details[items][${i}][price]`)
      : undefined;
    const period = { start: items[0]?.current_period_start ?? at, end: items[0]?.current_period_end ?? at };
    if (existing && truthy(d.deleted)) {
      items.splice(items.indexOf(existing), 1);
      if (!isMetered(existing.price)) {
        prorations.push(...prorationLines({ itemId: existing.id, from: await side(existing), at, period }));
      }
      continue;
    }
    if (existing) {
      const was = structuredClone(existing);
      if (price) {
        existing.price = price;
        existing.plan = planOf(price);
      }
      if (d.quantity != null) existing.quantity = Number(d.quantity);
      if (!isMetered(existing.price) && (was.price.id !== existing.price.id || was.quantity !== existing.quantity)) {
        prorations.push(
          ...prorationLines({ itemId: existing.id, from: await side(was), to: await side(existing), at, period }),
        );
      }
      continue;
    }
    if (!price) continue;
    const added: SubscriptionItem = {
      ...structuredClone(items[0] as SubscriptionItem),
      id: `si_preview_${i}`,
      price,
      plan: planOf(price),
      quantity: d.quantity != null ? Number(d.quantity) : 1,
      discounts: [],
      tax_rates: [],
      metadata: {},
    };
    items.push(added);
    if (!isMetered(price)) prorations.push(...prorationLines({ itemId: added.id, to: await side(added), at, period }));
  }
  return { items, prorations: details.proration_behavior === 'none' ? [] : prorations };
}

registerPreviewContributor(async (ctx, draft) => {
  const subscriptionId = draft.input.subscription as string | null | undefined;
  if (!subscriptionId) return;
  const { sub } = await loadSubscription(ctx.tx, ctx.account.id, subscriptionId, { param: 'subscription' });
  const details = (draft.input.subscription_details ?? {}) as Details;
  const { items, prorations } = await proposed(ctx, sub, details);
  const periodStart = Math.min(...sub.items.data.map((i) => i.current_period_start));
  const periodEnd = Math.min(...sub.items.data.map((i) => i.current_period_end));
  const lines: SubscriptionLine[] = [...prorations];
  for (const item of items) {
    const name = await productName(ctx, item.price);
    if (isMetered(item.price)) {
      const ended = { start: periodStart, end: periodEnd };
      lines.push(usageLine(item, name, ended, await meteredUsage(ctx, sub, item, ended)));
      continue;
    }
    const r = item.price.recurring as NonNullable<typeof item.price.recurring>;
    lines.push(cycleLine(item, name, { start: periodEnd, end: nthPeriodEnd(periodEnd, r, 1) }));
  }
  const invoice = draft.invoice;
  invoice.billing_reason = 'upcoming';
  invoice.period_start = periodStart;
  invoice.period_end = periodEnd;
  invoice.created = periodEnd;
  invoice.parent = {
    quote_details: null,
    subscription_details: { metadata: sub.metadata, subscription: sub.id },
    type: 'subscription_details',
  };
  for (const line of lines) {
    const input = lineInput(sub, line);
    draft.addLine(subscriptionLine(input, null), input.taxRates ?? []);
  }
});
