/**
 * Turning `items[]` parameters into subscription items: the price each names (`price`, the legacy
 * `plan`, or an inline `price_data`, which becomes an inactive price as Stripe makes one), the
 * quantity (none for metered prices), tax rates, discounts and metadata, with Stripe's checks on
 * what a subscription may hold (recurring prices, one currency, one interval, at most 20 items).
 */
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { type Discount, legacyDiscounts, resolveDiscounts } from '../discounts/service.js';
import { loadPrice } from '../prices/load.js';
import { PRICE, type Price, priceFields } from '../prices/object.js';
import { PRODUCT, type Product } from '../products/object.js';
import { TAX_RATE, type TaxRate } from '../tax-rates/object.js';
import { planOf, type SubscriptionItem } from './object.js';
import type { ItemInput } from './params.js';

export const MAX_ITEMS = 20;

/** The price an item parameter names, loaded (or created from `price_data`). */
export async function itemPrice(ctx: MutationContext, item: ItemInput, at: string): Promise<Price> {
  const given = (['price', 'plan', 'price_data'] as const).filter((k) => item[k]);
  if (given.length === 0) {
    throw invalidRequest(`You must specify one of price, plan, or price_data in ${at}.`, { param: at });
  }
  if (given.length > 1) {
    throw invalidRequest(`You may only specify one of these parameters: ${given.join(', ')}.`, { param: at });
  }
  let price: Price;
  if (item.price_data) price = await inlinePrice(ctx, item.price_data, `${at}[price_data]`);
  else if (item.plan) price = await loadPrice(ctx.tx, ctx.account.id, item.plan, `${at}[plan]`);
  else price = await loadPrice(ctx.tx, ctx.account.id, item.price as string, `${at}[price]`);
  if (price.type !== 'recurring' || !price.recurring) {
    throw invalidRequest(
      'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
      { param: `${at}[price]` },
    );
  }
  return price;
}

async function inlinePrice(
  ctx: MutationContext,
  data: NonNullable<ItemInput['price_data']>,
  at: string,
): Promise<Price> {
  await loadObject<Product>(ctx.tx, ctx.account.id, data.product, PRODUCT, { param: `${at}[product]` });
  if (data.unit_amount == null && data.unit_amount_decimal == null) {
    throw invalidRequest(`Missing required param: ${at}[unit_amount].`, {
      code: 'parameter_missing',
      param: `${at}[unit_amount]`,
    });
  }
  const unit = data.unit_amount ?? null;
  const price: Price = {
    id: newId('price', 24),
    object: 'price',
    active: false,
    billing_scheme: 'per_unit',
    created: ctx.clock.now(),
    currency: data.currency.toLowerCase(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: data.product,
    recurring: {
      interval: data.recurring.interval,
      interval_count: data.recurring.interval_count ?? 1,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: data.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: unit ?? (data.unit_amount_decimal ? Math.round(Number(data.unit_amount_decimal)) : null),
    unit_amount_decimal: data.unit_amount_decimal ?? (unit === null ? null : String(unit)),
  };
  await saveObject(ctx.tx, ctx.account.id, PRICE, price, { fields: priceFields(price) });
  return price;
}

/** The Tax Rate objects `ids` (an item's or a subscription's), each of which must exist. */
export async function loadTaxRates(ctx: MutationContext, ids: readonly string[], at: string): Promise<TaxRate[]> {
  const out: TaxRate[] = [];
  for (const [i, id] of ids.entries()) {
    out.push((await loadObject<TaxRate>(ctx.tx, ctx.account.id, id, TAX_RATE, { param: `${at}[${i}]` })).object);
  }
  return out;
}

/** A metered price bills usage at period end and has no quantity. */
export function isMetered(price: Price): boolean {
  return price.recurring?.usage_type === 'metered';
}

/** The quantity of a new item: refused for metered prices, 1 by default otherwise. */
export function itemQuantity(price: Price, quantity: number | null | undefined, at: string): number | undefined {
  if (isMetered(price)) {
    if (quantity != null) {
      throw invalidRequest(
        `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${at}\`.`,
        { param: `${at}[quantity]` },
      );
    }
    return undefined;
  }
  return quantity ?? 1;
}

/** A new item of `subscription` from its parameters (discounts applied and counted). */
export async function buildItem(
  ctx: MutationContext,
  subscription: { id: string; customer: string },
  input: ItemInput,
  at: string,
  period: { start: number; end: number },
): Promise<SubscriptionItem> {
  const price = await itemPrice(ctx, input, at);
  const id = newId('si', 14);
  const quantity = itemQuantity(price, input.quantity, at);
  const discounts: Discount[] = await resolveDiscounts(
    ctx,
    input.discounts ?? legacyDiscounts({}),
    { customer: subscription.customer, subscription: subscription.id, subscription_item: id, currency: price.currency },
    `${at}[discounts]`,
  );
  const item: SubscriptionItem = {
    id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.clock.now(),
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: discounts.map((d) => d.id),
    metadata: input.metadata ?? {},
    plan: planOf(price),
    price,
    subscription: subscription.id,
    tax_rates: await loadTaxRates(ctx, input.tax_rates ?? [], `${at}[tax_rates]`),
  };
  if (quantity !== undefined) item.quantity = quantity;
  return item;
}

/** Stripe's checks across a subscription's items: count, one currency, one billing interval, no duplicate price. */
export function checkItems(items: SubscriptionItem[], param = 'items'): void {
  if (items.length === 0) {
    throw invalidRequest('A subscription must have at least one active plan.', { param });
  }
  if (items.length > MAX_ITEMS) {
    throw invalidRequest(`You may only specify up to ${MAX_ITEMS} items per subscription.`, { param });
  }
  const first = items[0] as SubscriptionItem;
  const seen = new Set<string>();
  for (const item of items) {
    if (item.price.currency !== first.price.currency) {
      throw invalidRequest(
        'Currency and interval fields must match across all plans on this subscription. Found mismatch in currency field.',
        { param },
      );
    }
    const a = item.price.recurring;
    const b = first.price.recurring;
    if (a?.interval !== b?.interval || a?.interval_count !== b?.interval_count) {
      throw invalidRequest(
        'Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.',
        { param },
      );
    }
    if (seen.has(item.price.id)) {
      throw invalidRequest(`Cannot add multiple subscription items with the same plan: ${item.price.id}`, { param });
    }
    seen.add(item.price.id);
  }
}

/** The product's name, for invoice line descriptions. */
export async function productName(ctx: MutationContext, price: Price): Promise<string> {
  const row = await ctx.tx.getObject(ctx.account.id, price.product);
  return row ? (JSON.parse(row.json) as Product).name : price.product;
}
