/**
 * Prices: building one from its parameters with Stripe's rules (one amount form per billing scheme,
 * tiers only for recurring prices, metered prices backed by a meter, intervals of at most three
 * years), lookup keys unique per account (or transferred with `transfer_lookup_key`), and the few
 * updates Stripe allows — a price's amount and interval never change; a new price replaces it.
 */
import { emitEvent } from '../../events/outbox.js';
import { requireCurrency } from '../../money/currencies.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { PRODUCT, type Product } from '../products/object.js';
import { createInlineProduct } from '../products/service.js';
import {
  type CurrencyOption,
  type CustomUnitAmount,
  PRICE,
  type Price,
  priceFields,
  type Recurring,
  renderPrice,
  type Tier,
} from './object.js';
import type { CreatePriceInput, PriceAmountInput, UpdatePriceInput } from './params.js';

/** Longest recurring interval Stripe allows: three years, in each unit. */
const MAX_INTERVAL_COUNT: Record<string, number> = { day: 1095, week: 156, month: 36, year: 3 };

type TierInput = NonNullable<PriceAmountInput['tiers']>[number];
type CustomInput = NonNullable<PriceAmountInput['custom_unit_amount']>;

/** Where the amount fields sit in the request, for error `param`s (`default_price_data[…]` on products). */
export interface PricePaths {
  prefix: string;
}

function at(paths: PricePaths, field: string): string {
  return paths.prefix ? `${paths.prefix}[${field}]` : field;
}

function onlyOne(paths: PricePaths, a: string, b: string) {
  return invalidRequest(`You may only specify one of these parameters: ${a}, ${b}.`, { param: at(paths, a) });
}

/** An integer amount and its decimal text, from whichever form was sent. */
function amountPair(integer: number | null | undefined, decimal: string | null | undefined) {
  if (integer !== undefined && integer !== null) return { amount: integer, decimal: String(integer) };
  if (decimal !== undefined && decimal !== null) {
    const normal = normalizeDecimal(decimal);
    return { amount: /^\d+$/.test(normal) ? Number(normal) : null, decimal: normal };
  }
  return { amount: null, decimal: null };
}

/** `"1.50"` → `"1.5"`, `"007"` → `"7"`, as Stripe echoes decimals. */
function normalizeDecimal(s: string): string {
  let [whole = '0', fraction = ''] = s.split('.');
  whole = whole.replace(/^0+(?=\d)/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

function buildTiers(tiers: readonly TierInput[], param: string): Tier[] {
  if (tiers.length === 0)
    throw invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  let previous = 0;
  return tiers.map((t, i) => {
    const last = i === tiers.length - 1;
    const here = `${param}[${i}]`;
    if (t.unit_amount != null && t.unit_amount_decimal != null) {
      throw invalidRequest('You may only specify one of these parameters: unit_amount, unit_amount_decimal.', {
        param: `${here}[unit_amount]`,
      });
    }
    if (t.flat_amount != null && t.flat_amount_decimal != null) {
      throw invalidRequest('You may only specify one of these parameters: flat_amount, flat_amount_decimal.', {
        param: `${here}[flat_amount]`,
      });
    }
    if (last !== (t.up_to === 'inf')) {
      throw invalidRequest(
        last
          ? 'The final tier must have `up_to` set to `inf` so that it applies to every quantity above the previous tier.'
          : 'Only the final tier may have `up_to` set to `inf`.',
        { param: `${here}[up_to]` },
      );
    }
    if (t.up_to !== 'inf') {
      if (t.up_to <= previous) {
        throw invalidRequest('Tiers must be in ascending order of `up_to`, each above the one before.', {
          param: `${here}[up_to]`,
        });
      }
      previous = t.up_to;
    }
    const unit = amountPair(t.unit_amount, t.unit_amount_decimal);
    const flat = amountPair(t.flat_amount, t.flat_amount_decimal);
    return {
      flat_amount: flat.amount,
      flat_amount_decimal: flat.decimal,
      unit_amount: unit.amount,
      unit_amount_decimal: unit.decimal,
      up_to: t.up_to === 'inf' ? null : t.up_to,
    };
  });
}

function buildCustom(c: CustomInput, recurring: boolean, param: string): CustomUnitAmount | null {
  if (!c.enabled) return null;
  if (recurring) {
    throw invalidRequest('`custom_unit_amount` is only supported for prices with `type=one_time`.', { param });
  }
  if (c.minimum != null && c.maximum != null && c.minimum > c.maximum) {
    throw invalidRequest('`custom_unit_amount[minimum]` must be less than or equal to `custom_unit_amount[maximum]`.', {
      param: `${param}[minimum]`,
    });
  }
  if (c.preset != null) {
    if ((c.minimum != null && c.preset < c.minimum) || (c.maximum != null && c.preset > c.maximum)) {
      throw invalidRequest('`custom_unit_amount[preset]` must be between the minimum and the maximum.', {
        param: `${param}[preset]`,
      });
    }
  }
  return { maximum: c.maximum ?? null, minimum: c.minimum ?? null, preset: c.preset ?? null };
}

async function buildRecurring(
  ctx: MutationContext,
  r: NonNullable<PriceAmountInput['recurring']>,
  paths: PricePaths,
): Promise<Recurring> {
  const param = at(paths, 'recurring');
  const count = r.interval_count ?? 1;
  if (count > (MAX_INTERVAL_COUNT[r.interval] as number)) {
    throw invalidRequest(
      'Invalid recurring[interval_count]: the maximum interval allowed is three years (3 years, 36 months, 156 weeks, or 1095 days).',
      { param: `${param}[interval_count]` },
    );
  }
  const usage = r.usage_type ?? 'licensed';
  if (usage === 'metered' && !r.meter) {
    throw invalidRequest('Starting with Stripe version `2025-03-31.basil`, metered prices must be backed by meters.');
  }
  if (r.meter) {
    if (usage !== 'metered') {
      throw invalidRequest('A `meter` can only be set on prices with `recurring[usage_type]=metered`.', {
        param: `${param}[meter]`,
      });
    }
    // Meters belong to the meters resource (Billing's usage side): the id must name one of this account's.
    const row = await ctx.tx.getObject(ctx.account.id, r.meter);
    if (row?.type !== 'billing.meter' || row.deleted) throw resourceMissing('meter', r.meter, `${param}[meter]`);
  }
  return {
    interval: r.interval,
    interval_count: count,
    meter: r.meter ?? null,
    trial_period_days: r.trial_period_days ?? null,
    usage_type: usage,
  };
}

/**
 * A new price for `product` from its amount parameters (not yet saved). Refuses what Stripe
 * refuses before creating anything; `paths.prefix` places the error `param`s.
 */
export async function buildPrice(
  ctx: MutationContext,
  input: PriceAmountInput & {
    active?: boolean | null;
    lookup_key?: string | null;
    metadata?: Record<string, string> | null;
    nickname?: string | null;
    id?: string | null;
  },
  product: string,
  paths: PricePaths = { prefix: '' },
): Promise<Price> {
  const currency = requireCurrency(input.currency as string, at(paths, 'currency')).code;
  const recurring = input.recurring ? await buildRecurring(ctx, input.recurring, paths) : null;
  const scheme = input.billing_scheme ?? 'per_unit';
  let unit = { amount: null as number | null, decimal: null as string | null };
  let tiers: Tier[] | undefined;
  let custom: CustomUnitAmount | null = null;
  if (scheme === 'tiered') {
    if (!recurring) {
      throw invalidRequest('Prices with `type=one_time` are not supported with tiered billing.', { param: 'interval' });
    }
    if (input.unit_amount != null || input.unit_amount_decimal != null) {
      throw invalidRequest(
        'You may not set `unit_amount` or `unit_amount_decimal` on a price with `billing_scheme=tiered`; set the amounts in `tiers`.',
        {
          param: at(paths, 'unit_amount'),
        },
      );
    }
    if (!input.tiers_mode) {
      throw invalidRequest(`Missing required param: ${at(paths, 'tiers_mode')}.`, {
        code: 'parameter_missing',
        param: at(paths, 'tiers_mode'),
      });
    }
    if (input.transform_quantity) {
      throw invalidRequest('`transform_quantity` is not supported with `billing_scheme=tiered`.', {
        param: at(paths, 'transform_quantity'),
      });
    }
    tiers = buildTiers(input.tiers ?? [], at(paths, 'tiers'));
  } else {
    if (input.tiers || input.tiers_mode) {
      throw invalidRequest('`tiers` and `tiers_mode` are only supported with `billing_scheme=tiered`.', {
        param: at(paths, input.tiers ? 'tiers' : 'tiers_mode'),
      });
    }
    if (input.unit_amount != null && input.unit_amount_decimal != null) {
      throw onlyOne(paths, 'unit_amount', 'unit_amount_decimal');
    }
    if (input.custom_unit_amount) {
      if (input.unit_amount != null || input.unit_amount_decimal != null) {
        throw onlyOne(paths, 'custom_unit_amount', 'unit_amount');
      }
      custom = buildCustom(input.custom_unit_amount, recurring !== null, at(paths, 'custom_unit_amount'));
    }
    unit = amountPair(input.unit_amount, input.unit_amount_decimal);
    if (unit.decimal === null && custom === null) {
      throw invalidRequest('Prices require an `unit_amount` or `unit_amount_decimal` parameter to be set.');
    }
  }
  const taxBehavior = input.tax_behavior ?? 'unspecified';
  const price: Price = {
    id: input.id ?? newId('price', 24),
    object: 'price',
    active: input.active ?? true,
    billing_scheme: scheme,
    created: ctx.clock.now(),
    currency,
    custom_unit_amount: custom,
    livemode: false,
    lookup_key: input.lookup_key ?? null,
    metadata: applyMetadata({}, input.metadata),
    nickname: input.nickname ?? null,
    product,
    recurring,
    tax_behavior: taxBehavior,
    tiers_mode: scheme === 'tiered' ? (input.tiers_mode ?? null) : null,
    transform_quantity: input.transform_quantity
      ? { divide_by: input.transform_quantity.divide_by, round: input.transform_quantity.round }
      : null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unit.amount,
    unit_amount_decimal: unit.decimal,
  };
  if (tiers) price.tiers = tiers;
  price.currency_options = {
    [currency]: ownCurrencyOption(price),
    ...buildCurrencyOptions(price, input.currency_options ?? {}, at(paths, 'currency_options')),
  };
  return sortFields(price);
}

/** The price's own currency, as its `currency_options` lists it beside the others. */
function ownCurrencyOption(price: Price): CurrencyOption {
  const option: CurrencyOption = {
    custom_unit_amount: price.custom_unit_amount,
    tax_behavior: price.tax_behavior,
    unit_amount: price.unit_amount,
    unit_amount_decimal: price.unit_amount_decimal,
  };
  if (price.tiers) option.tiers = price.tiers;
  return option;
}

function buildCurrencyOptions(
  price: Price,
  options: NonNullable<PriceAmountInput['currency_options']>,
  param: string,
): Record<string, CurrencyOption> {
  const out: Record<string, CurrencyOption> = {};
  for (const [code, o] of Object.entries(options)) {
    const here = `${param}[${code}]`;
    requireCurrency(code, here);
    if (code === price.currency) {
      throw invalidRequest(
        `\`currency_options\` may not include the price's own currency (\`${code}\`); its amount is the price's \`unit_amount\`.`,
        { param: here },
      );
    }
    if (o.unit_amount != null && o.unit_amount_decimal != null) {
      throw invalidRequest('You may only specify one of these parameters: unit_amount, unit_amount_decimal.', {
        param: `${here}[unit_amount]`,
      });
    }
    const option: CurrencyOption = {
      custom_unit_amount: o.custom_unit_amount
        ? buildCustom(o.custom_unit_amount, false, `${here}[custom_unit_amount]`)
        : null,
      tax_behavior: o.tax_behavior ?? price.tax_behavior,
      unit_amount: null,
      unit_amount_decimal: null,
    };
    if (price.billing_scheme === 'tiered') {
      option.tiers = buildTiers(o.tiers ?? [], `${here}[tiers]`);
    } else {
      const unit = amountPair(o.unit_amount, o.unit_amount_decimal);
      if (unit.decimal === null && option.custom_unit_amount === null) {
        throw invalidRequest(`Missing required param: ${here}[unit_amount].`, {
          code: 'parameter_missing',
          param: `${here}[unit_amount]`,
        });
      }
      option.unit_amount = unit.amount;
      option.unit_amount_decimal = unit.decimal;
    }
    out[code] = option;
  }
  return out;
}

/**
 * Makes `key` this price's: refused when another price holds it, unless `transfer` moves it (the
 * holder loses its key, with its own `price.updated` first).
 */
async function claimLookupKey(ctx: MutationContext, key: string, transfer: boolean, own?: string): Promise<void> {
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: PRICE,
    limit: 2,
    equals: { lookup_key: key },
  });
  const holderRow = page.rows.find((r) => r.id !== own);
  if (!holderRow) return;
  if (!transfer) {
    throw invalidRequest(`A price (\`${holderRow.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
  }
  const holder = (await loadObject<Price>(ctx.tx, ctx.account.id, holderRow.id, PRICE, { forUpdate: true })).object;
  const before = structuredClone(holder);
  holder.lookup_key = null;
  await savePrice(ctx, holder, true);
  await emitPrice(ctx, 'updated', holder, before);
}

export async function savePrice(ctx: MutationContext, price: Price, update = false): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, PRICE, price, { update, fields: priceFields(price) });
}

/** `price.<what>`, with the price as Stripe renders it (no includable `tiers`/`currency_options`). */
export async function emitPrice(
  ctx: MutationContext,
  what: 'created' | 'updated' | 'deleted',
  price: Price,
  before?: Price,
): Promise<void> {
  await emitEvent(ctx, `price.${what}`, renderPrice(price), before ? renderPrice(before) : undefined);
}

/** The product a price names (live, of this account), or Stripe's "No such product". */
export async function requireProduct(ctx: MutationContext, id: string, param: string): Promise<Product> {
  return (await loadObject<Product>(ctx.tx, ctx.account.id, id, PRODUCT, { param })).object;
}

/** `POST /v1/prices`. */
export async function createPrice(ctx: MutationContext, input: CreatePriceInput): Promise<Price> {
  if (!input.product && !input.product_data) {
    throw invalidRequest('You must specify either `product` or `product_data` when creating a price.');
  }
  if (input.product && input.product_data) {
    throw invalidRequest('You may only specify one of these parameters: product, product_data.', { param: 'product' });
  }
  let product: string;
  if (input.product) product = (await requireProduct(ctx, input.product, 'product')).id;
  else
    product = (
      await createInlineProduct(
        ctx,
        input.product_data as NonNullable<CreatePriceInput['product_data']>,
        'product_data',
      )
    ).id;
  const price = await buildPrice(ctx, input, product);
  if (price.lookup_key) await claimLookupKey(ctx, price.lookup_key, input.transfer_lookup_key ?? false);
  await savePrice(ctx, price);
  await emitPrice(ctx, 'created', price);
  return price;
}

/** Loads a price for change, locked. */
export async function loadPriceForUpdate(ctx: MutationContext, id: string): Promise<Price> {
  return (await loadObject<Price>(ctx.tx, ctx.account.id, id, PRICE, { forUpdate: true })).object;
}

/**
 * `POST /v1/prices/:id`: only `active`, `nickname`, `metadata`, `lookup_key`, `currency_options`
 * and a `tax_behavior` still `unspecified` may change (amounts are not even parameters here).
 */
export async function updatePrice(ctx: MutationContext, id: string, input: UpdatePriceInput): Promise<Price> {
  const price = await loadPriceForUpdate(ctx, id);
  const before = structuredClone(price);
  if (input.tax_behavior !== undefined && input.tax_behavior !== null && input.tax_behavior !== price.tax_behavior) {
    if (price.tax_behavior !== 'unspecified' && price.tax_behavior !== null) {
      throw invalidRequest(
        'Tax behavior cannot be changed once it has been set to `inclusive` or `exclusive`. Create a new price instead.',
        { param: 'tax_behavior' },
      );
    }
    price.tax_behavior = input.tax_behavior;
    const own = price.currency_options?.[price.currency];
    if (own) own.tax_behavior = input.tax_behavior;
  }
  if (input.active === false && price.active) {
    const product = await ctx.tx.getObject(ctx.account.id, price.product);
    if (product && !product.deleted && (JSON.parse(product.json) as Product).default_price === price.id) {
      throw invalidRequest(
        "This price cannot be archived because it is the default price of its product. Set another price as the product's `default_price` first.",
        { param: 'active' },
      );
    }
  }
  if (input.active != null) price.active = input.active;
  if (input.nickname !== undefined) price.nickname = input.nickname;
  price.metadata = applyMetadata(price.metadata, input.metadata);
  if (input.lookup_key !== undefined) {
    if (input.lookup_key !== null && input.lookup_key !== price.lookup_key) {
      await claimLookupKey(ctx, input.lookup_key, input.transfer_lookup_key ?? false, price.id);
    }
    price.lookup_key = input.lookup_key;
  }
  if (input.currency_options !== undefined) {
    const own = price.currency_options?.[price.currency] ?? ownCurrencyOption(price);
    const merged = { ...(price.currency_options ?? {}) };
    if (input.currency_options === null) {
      for (const code of Object.keys(merged)) if (code !== price.currency) delete merged[code];
    } else {
      Object.assign(merged, buildCurrencyOptions(price, input.currency_options, 'currency_options'));
    }
    price.currency_options = { ...merged, [price.currency]: own };
  }
  await savePrice(ctx, price, true);
  await emitPrice(ctx, 'updated', price, before);
  return price;
}
