/**
 * A PaymentIntent's `amount_details` (Stripe's "payment line items"): the discount, shipping and
 * tax portions of the amount and up to 200 line items, accepted on create, update, confirm,
 * capture and increment_authorization, and Stripe's arithmetic check that they add up to the
 * amount.
 *
 * The line items are not part of the stored intent: Stripe returns them only when
 * `expand[]=amount_details.line_items` is asked for, or from
 * `GET /v1/payment_intents/:id/amount_details_line_items`. They are kept in one companion object
 * stored under a key derived from the intent (in the order they were sent, which is the order both
 * render them); sending `line_items` again replaces the whole list, with new `uli_` ids.
 */

import { invalidRequest, StripeError } from '../../platform/errors.js';
import { registerExpandable } from '../../platform/expand.js';
import { newId } from '../../platform/ids.js';
import type { ListInput } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { type Infer, invalidParam, p } from '../../platform/params.js';
import type { Reader, Transaction } from '../../store/store.js';
import { PAYMENT_INTENT, type PaymentIntent } from './object.js';

export const LINE_ITEM = 'payment_intent_amount_details_line_item';
/** The stored type of the companion object holding an intent's line items. */
const LINE_ITEMS = 'payment_intent_amount_details_line_items';
const MAX_LINE_ITEMS = 200;
/** Line items an `expand[]=amount_details.line_items` includes, as Stripe's includable lists do. */
const INCLUDED_LINE_ITEMS = 10;

const lineItemsKey = (pi: string) => `${pi}/amount_details_line_items`;
const lineItemsUrl = (pi: string) => `/v1/payment_intents/${pi}/amount_details_line_items`;

// ---- parameters (PaymentIntent{Create,Update,Confirm,Capture,IncrementAuthorization}Params.AmountDetails) ----

const POSTAL_CODE = /^[A-Za-z0-9 -]*$/;

function postalCode() {
  const base = p.string({ maxLength: 10 });
  return {
    ...base,
    parse(value: Parameters<typeof base.parse>[0], path: string) {
      const s = base.parse(value, path);
      if (!POSTAL_CODE.test(s)) {
        throw invalidParam(path, `Invalid ${path}: only letters, digits, hyphens and spaces are allowed`);
      }
      return s;
    },
  };
}

const lineItemShape = {
  discount_amount: p.integer({ min: 1 }),
  payment_method_options: p.hash({
    card: p.hash({ commodity_code: p.string() }),
    card_present: p.hash({ commodity_code: p.string() }),
    klarna: p.hash({
      image_url: p.string({ maxLength: 4096 }),
      product_url: p.string({ maxLength: 4096 }),
      reference: p.string({ maxLength: 255 }),
      subscription_reference: p.string({ maxLength: 2048 }),
    }),
    paypal: p.hash({
      category: p.enum(['digital_goods', 'donation', 'physical_goods']),
      description: p.string(),
      sold_by: p.string(),
    }),
  }),
  product_code: p.string({ maxLength: 12 }),
  product_name: p.string({ required: true, maxLength: 1024 }),
  quantity: p.integer({ required: true, min: 1 }),
  tax: p.hash({ total_tax_amount: p.integer({ required: true, min: 0 }) }),
  unit_cost: p.integer({ required: true, min: 0 }),
  unit_of_measure: p.string({ maxLength: 12 }),
};

export const amountDetailsParam = p.hash({
  discount_amount: p.integer({ min: 1 }),
  enforce_arithmetic_validation: p.boolean(),
  line_items: p.array(p.hash(lineItemShape, { required: true }), { maxItems: MAX_LINE_ITEMS }),
  shipping: p.hash({
    amount: p.integer({ min: 0 }),
    from_postal_code: postalCode(),
    to_postal_code: postalCode(),
  }),
  tax: p.hash({ total_tax_amount: p.integer({ required: true, min: 0 }) }),
});

/** What the param parses to; `null` means sent empty (unset). */
export type AmountDetailsInput = ReturnType<typeof amountDetailsParam.parse> | null;
type LineItemInput = Infer<typeof lineItemShape>;

// ---- objects ----

export interface LineItem {
  id: string;
  object: typeof LINE_ITEM;
  discount_amount: number | null;
  payment_method_options: Record<string, unknown> | null;
  product_code: string | null;
  product_name: string;
  quantity: number;
  tax: { total_tax_amount: number } | null;
  unit_cost: number;
  unit_of_measure: string | null;
}

/** `amount_details` as rendered on the intent (`line_items` only when expanded). */
export interface AmountDetails {
  discount_amount?: number;
  error?: { code: ArithmeticErrorCode; message: string };
  shipping?: { amount: number | null; from_postal_code: string | null; to_postal_code: string | null };
  tax?: { total_tax_amount: number | null };
  tip: Record<string, never>;
}

interface StoredLineItems {
  id: string;
  object: typeof LINE_ITEMS;
  payment_intent: string;
  data: LineItem[];
}

type ArithmeticErrorCode =
  | 'amount_details_amount_mismatch'
  | 'amount_details_tax_shipping_discount_greater_than_amount';

// ---- reading ----

async function loadLineItems(reader: Reader | Transaction, account: string, pi: string): Promise<LineItem[]> {
  const row = await reader.getObject(account, lineItemsKey(pi));
  return row ? (JSON.parse(row.json) as StoredLineItems).data : [];
}

registerExpandable(PAYMENT_INTENT, 'amount_details.line_items', {
  kind: 'includable',
  resolve: async (pi, source) => {
    const stored = (await source.load(lineItemsKey(String(pi.id)))) as StoredLineItems | undefined;
    const items = stored?.data ?? [];
    return {
      object: 'list',
      data: items.slice(0, INCLUDED_LINE_ITEMS),
      has_more: items.length > INCLUDED_LINE_ITEMS,
      url: lineItemsUrl(String(pi.id)),
    };
  },
});

/**
 * `GET /v1/payment_intents/:id/amount_details_line_items`: the intent's line items in the order
 * they were sent, paged by Stripe's cursor rules (`starting_after` / `ending_before` name a `uli_`).
 */
export async function listLineItems(
  reader: Reader,
  account: string,
  id: string,
  input: ListInput,
): Promise<{ object: 'list'; data: LineItem[]; has_more: boolean; url: string }> {
  await loadObject(reader, account, id, PAYMENT_INTENT);
  if (input.starting_after && input.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  const items = await loadLineItems(reader, account, id);
  const limit = input.limit ?? 10;
  const indexOf = (cursor: string, param: string) => {
    const at = items.findIndex((item) => item.id === cursor);
    if (at < 0) throw invalidRequest(`No such line item: '${cursor}'`, { code: 'resource_missing', param });
    return at;
  };
  let data: LineItem[];
  let hasMore: boolean;
  if (input.ending_before) {
    const end = indexOf(input.ending_before, 'ending_before');
    data = items.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = input.starting_after ? indexOf(input.starting_after, 'starting_after') + 1 : 0;
    data = items.slice(start, start + limit);
    hasMore = start + limit < items.length;
  }
  return { object: 'list', data, has_more: hasMore, url: lineItemsUrl(id) };
}

// ---- writing ----

function newLineItem(input: LineItemInput): LineItem {
  return {
    id: newId('uli', 14),
    object: LINE_ITEM,
    discount_amount: input.discount_amount ?? null,
    payment_method_options: (input.payment_method_options as Record<string, unknown> | null | undefined) ?? null,
    product_code: input.product_code ?? null,
    product_name: input.product_name,
    quantity: input.quantity,
    tax: input.tax ? { total_tax_amount: input.tax.total_tax_amount } : null,
    unit_cost: input.unit_cost,
    unit_of_measure: input.unit_of_measure ?? null,
  };
}

async function storeLineItems(ctx: MutationContext, pi: PaymentIntent, items: LineItem[]): Promise<void> {
  const id = lineItemsKey(pi.id);
  const exists = (await ctx.tx.getObjectForUpdate(ctx.account.id, id)) !== undefined;
  const write = {
    account: ctx.account.id,
    id,
    type: LINE_ITEMS,
    created: pi.created,
    data: { id, object: LINE_ITEMS, payment_intent: pi.id, data: items } satisfies StoredLineItems,
  };
  if (exists) await ctx.tx.updateObject(write);
  else await ctx.tx.insertObject(write);
}

function exclusive(a: string, b: string): StripeError {
  return invalidRequest(`You may only specify one of these parameters: ${a}, ${b}.`, { param: a });
}

/**
 * Applies `amount_details` from a request to the intent (and its stored line items), then checks
 * the arithmetic against `amount` — the intent's amount, or on capture the amount captured.
 * Sent empty, it clears everything but `tip`. Also re-checks stored details when only the amount
 * changed (`input` undefined, `amountChanged`). Without details nothing is checked.
 */
export async function applyAmountDetails(
  ctx: MutationContext,
  pi: PaymentIntent,
  input: AmountDetailsInput | undefined,
  amount: number,
  opts: { amountChanged?: boolean } = {},
): Promise<void> {
  if (input === undefined && !opts.amountChanged) return;
  const current = pi.amount_details as AmountDetails;
  let items = await loadLineItems(ctx.tx, ctx.account.id, pi.id);
  const next: AmountDetails = { tip: current.tip ?? {} };
  let enforce = true;
  if (input === null) {
    items = [];
  } else {
    const keep = <K extends 'discount_amount' | 'shipping' | 'tax'>(key: K) => {
      if (input?.[key] === undefined && current[key] !== undefined) next[key] = current[key];
    };
    keep('discount_amount');
    keep('shipping');
    keep('tax');
    if (input) {
      enforce = input.enforce_arithmetic_validation ?? true;
      if (input.discount_amount != null) next.discount_amount = input.discount_amount;
      if (input.shipping) {
        next.shipping = {
          amount: input.shipping.amount ?? null,
          from_postal_code: input.shipping.from_postal_code ?? null,
          to_postal_code: input.shipping.to_postal_code ?? null,
        };
      }
      if (input.tax) next.tax = { total_tax_amount: input.tax.total_tax_amount };
      if (input.line_items !== undefined) items = (input.line_items ?? []).map(newLineItem);
    }
  }
  if (next.discount_amount !== undefined && items.some((i) => i.discount_amount !== null)) {
    throw exclusive('amount_details[discount_amount]', 'amount_details[line_items][#][discount_amount]');
  }
  if (next.tax?.total_tax_amount != null && items.some((i) => i.tax !== null)) {
    throw exclusive('amount_details[tax][total_tax_amount]', 'amount_details[line_items][#][tax][total_tax_amount]');
  }
  const error = arithmeticError(next, items, amount);
  if (error && enforce) {
    throw new StripeError({
      kind: 'bad_request',
      type: 'invalid_request_error',
      code: error.code,
      message: error.message,
      param: 'amount_details',
    });
  }
  if (error) next.error = error;
  pi.amount_details = sortDetails(next);
  if (input !== undefined) await storeLineItems(ctx, pi, items);
}

/**
 * Stripe's arithmetic: with line items, Σ(unit_cost × quantity − discount + tax) + shipping + tax
 * − discount must equal the amount; without, shipping + tax + discount may not exceed it.
 */
function arithmeticError(
  details: AmountDetails,
  items: LineItem[],
  amount: number,
): { code: ArithmeticErrorCode; message: string } | null {
  const shipping = details.shipping?.amount ?? 0;
  const tax = details.tax?.total_tax_amount ?? 0;
  const discount = details.discount_amount ?? 0;
  if (items.length > 0) {
    const lines = items.reduce(
      (sum, i) => sum + i.unit_cost * i.quantity - (i.discount_amount ?? 0) + (i.tax?.total_tax_amount ?? 0),
      0,
    );
    const total = lines + shipping + tax - discount;
    if (total === amount) return null;
    return {
      code: 'amount_details_amount_mismatch',
      message: `The line items, shipping and tax less discounts add up to ${total}, which does not match the amount ${amount}. Each line item counts unit_cost × quantity − discount_amount + tax.`,
    };
  }
  if (shipping + tax + discount <= amount) return null;
  return {
    code: 'amount_details_tax_shipping_discount_greater_than_amount',
    message: `The sum of amount_details[shipping][amount], amount_details[tax][total_tax_amount] and amount_details[discount_amount] (${shipping + tax + discount}) is greater than the amount ${amount}.`,
  };
}

function sortDetails(d: AmountDetails): AmountDetails {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(d).sort()) out[key] = (d as unknown as Record<string, unknown>)[key];
  return out as unknown as AmountDetails;
}
