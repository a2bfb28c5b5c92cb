/**
 * Parameters of the Price endpoints, as the pinned SDK declares them, plus the pieces other catalog
 * endpoints reuse (`default_price_data` on products, `/v1/plans`): decimal amounts, tiers, recurring.
 */
import { expandParam, listParams, searchParams } from '../../platform/list.js';
import { type Field, invalidParam, p, params } from '../../platform/params.js';
import { isDecimal } from './decimal.js';

/**
 * A decimal number sent as text (`unit_amount_decimal=1.5`, `percent_off=12.5`), kept as sent for
 * `_decimal` fields. Stripe allows at most 12 decimal places in amounts.
 */
export function decimalParam<O extends { required?: boolean }>(opts = {} as O, maxPlaces = 12) {
  const field: Field<string> = {
    required: opts.required ?? false,
    emptyable: true,
    parse(value, path) {
      if (typeof value !== 'string' || !isDecimal(value)) {
        throw invalidParam(path, `Invalid decimal: ${typeof value === 'string' ? value : 'a hash'}`);
      }
      const dot = value.indexOf('.');
      if (dot >= 0 && value.length - dot - 1 > maxPlaces) {
        throw invalidParam(path, `Invalid decimal: ${value}; must contain at most ${maxPlaces} decimal places`);
      }
      return value;
    },
  };
  return field as Field<string> & { required: O extends { required: true } ? true : false };
}

/** A decimal parameter as a JS number (`percent_off`, `percentage`, package dimensions). */
export function numberParam<O extends { required?: boolean }>(opts = {} as O, maxPlaces = 12) {
  const text = decimalParam(opts, maxPlaces);
  return {
    ...text,
    parse: (value: unknown, path: string) => Number(text.parse(value as string, path)),
  } as Field<number> & { required: O extends { required: true } ? true : false };
}

/** `up_to`: a positive integer, or `inf` for the last tier. */
const upTo: Field<number | 'inf'> & { required: true } = {
  ...p.string({ required: true }),
  parse(value: unknown, path: string) {
    if (value === 'inf') return 'inf';
    if (typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= 1) return Number(value);
    throw invalidParam(
      path,
      `Invalid integer: ${typeof value === 'string' ? value : 'a hash'}`,
      'parameter_invalid_integer',
    );
  },
} as Field<number | 'inf'> & { required: true };

export const tierParam = p.hash({
  flat_amount: p.integer({ min: 0 }),
  flat_amount_decimal: decimalParam(),
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: decimalParam(),
  up_to: upTo,
});

export const customUnitAmountParam = p.hash({
  enabled: p.boolean({ required: true }),
  maximum: p.integer({ min: 0 }),
  minimum: p.integer({ min: 0 }),
  preset: p.integer({ min: 0 }),
});

export const TAX_BEHAVIORS = ['exclusive', 'inclusive', 'unspecified'] as const;
export const INTERVALS = ['day', 'week', 'month', 'year'] as const;
export const USAGE_TYPES = ['licensed', 'metered'] as const;

export const currencyOptionParam = p.hash({
  custom_unit_amount: customUnitAmountParam,
  tax_behavior: p.enum(TAX_BEHAVIORS),
  tiers: p.array(tierParam),
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: decimalParam(),
});

/** `currency_options[eur][unit_amount]=…`: a hash keyed by currency. */
export const currencyOptionsParam: Field<Record<string, ReturnType<typeof currencyOptionParam.parse>>> = {
  required: false,
  emptyable: true,
  parse(value, path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParam(path, 'Invalid object');
    const out: Record<string, ReturnType<typeof currencyOptionParam.parse>> = {};
    for (const [currency, option] of Object.entries(value)) {
      out[currency.toLowerCase()] = currencyOptionParam.parse(option, `${path}[${currency}]`);
    }
    return out;
  },
};

export const recurringParam = p.hash({
  interval: p.enum(INTERVALS, { required: true }),
  interval_count: p.integer({ min: 1 }),
  meter: p.string(),
  trial_period_days: p.integer({ min: 0 }),
  usage_type: p.enum(USAGE_TYPES),
});

export const transformQuantityParam = p.hash({
  divide_by: p.integer({ required: true, min: 1 }),
  round: p.enum(['down', 'up'] as const, { required: true }),
});

export const productDataParam = p.hash({
  active: p.boolean(),
  id: p.string(),
  metadata: p.stringMap(),
  name: p.string({ required: true }),
  statement_descriptor: p.string({ maxLength: 22 }),
  tax_code: p.string(),
  tax_details: p.hash({ performance_location: p.string(), tax_code: p.string() }),
  unit_label: p.string({ maxLength: 12 }),
});

/** The amount-describing fields a price is made of (shared with `default_price_data` and plans). */
export const priceAmountFields = {
  billing_scheme: p.enum(['per_unit', 'tiered'] as const),
  currency: p.string({ required: true }),
  currency_options: currencyOptionsParam,
  custom_unit_amount: customUnitAmountParam,
  recurring: recurringParam,
  tax_behavior: p.enum(TAX_BEHAVIORS),
  tiers: p.array(tierParam),
  tiers_mode: p.enum(['graduated', 'volume'] as const),
  transform_quantity: transformQuantityParam,
  unit_amount: p.integer({ min: 0 }),
  unit_amount_decimal: decimalParam(),
};

export const createPriceParams = params({
  ...priceAmountFields,
  active: p.boolean(),
  expand: expandParam,
  lookup_key: p.string({ maxLength: 200 }),
  metadata: p.stringMap(),
  nickname: p.string(),
  product: p.string(),
  product_data: productDataParam,
  transfer_lookup_key: p.boolean(),
});

export const updatePriceParams = params({
  active: p.boolean(),
  currency_options: currencyOptionsParam,
  expand: expandParam,
  lookup_key: p.string({ maxLength: 200 }),
  metadata: p.stringMap(),
  nickname: p.string(),
  tax_behavior: p.enum(TAX_BEHAVIORS),
  transfer_lookup_key: p.boolean(),
});

export const retrievePriceParams = params({ expand: expandParam });

export const listPricesParams = params({
  ...listParams,
  active: p.boolean(),
  created: p.range(),
  currency: p.string(),
  lookup_keys: p.array(p.string(), { maxItems: 10 }),
  product: p.string(),
  recurring: p.hash({ interval: p.enum(INTERVALS), meter: p.string(), usage_type: p.enum(USAGE_TYPES) }),
  type: p.enum(['one_time', 'recurring'] as const),
});

export const searchPricesParams = params(searchParams);

/** `recurring` as every caller may send it (`default_price_data` allows only interval and count). */
export interface RecurringInput {
  interval: (typeof INTERVALS)[number];
  interval_count?: number | null;
  meter?: string | null;
  trial_period_days?: number | null;
  usage_type?: (typeof USAGE_TYPES)[number] | null;
}

export type PriceAmountInput = {
  [K in Exclude<keyof typeof priceAmountFields, 'recurring'>]?: ReturnType<
    (typeof priceAmountFields)[K]['parse']
  > | null;
} & { recurring?: RecurringInput | null };
export type CreatePriceInput = ReturnType<typeof createPriceParams.parse>;
export type UpdatePriceInput = ReturnType<typeof updatePriceParams.parse>;
