/**
 * The Subscription Item endpoints (`/v1/subscription_items`). An item change is a subscription
 * change: create, update and delete go through the subscription's update (subscriptions/update.ts)
 * with one `items[]` entry, so prorations, pending updates and events are the same as there.
 */
import { invalidRequest } from '../../platform/errors.js';
import { expandParam, listPage, listParams } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { p, params } from '../../platform/params.js';
import { renderItem, SUBSCRIPTION_ITEM, type SubscriptionItem } from '../subscriptions/object.js';
import { discountParam, priceDataParam } from '../subscriptions/params.js';
import { loadItem, loadSubscription } from '../subscriptions/store.js';
import { updateSubscription } from '../subscriptions/update.js';

const PRORATION = ['always_invoice', 'create_prorations', 'none'] as const;
const BEHAVIOR = ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const;

const itemFields = {
  price: p.string(),
  plan: p.string(),
  price_data: priceDataParam,
  quantity: p.integer({ min: 0 }),
  metadata: p.stringMap({ emptyable: true }),
  tax_rates: p.array(p.string(), { emptyable: true }),
  discounts: p.array(discountParam, { emptyable: true }),
  billing_thresholds: p.opaque(),
  payment_behavior: p.enum(BEHAVIOR),
  proration_behavior: p.enum(PRORATION),
  proration_date: p.integer({ min: 0 }),
  expand: expandParam,
};

const createParams = params({ ...itemFields, subscription: p.string({ required: true }) });
const updateParams = params({ ...itemFields, off_session: p.boolean() });
const deleteParams = params({
  clear_usage: p.boolean(),
  payment_behavior: p.enum(BEHAVIOR),
  proration_behavior: p.enum(PRORATION),
  proration_date: p.integer({ min: 0 }),
});
const listItemsParams = params({ ...listParams, subscription: p.string({ required: true }) });
const retrieveParams = params({ expand: expandParam });

const json = (o: object) => o as unknown as Json;

type ItemFields = ReturnType<typeof updateParams.parse>;

/** The subscription-level part of an item request (how the change is billed). */
function billing(input: Partial<ItemFields>) {
  return {
    ...(input.payment_behavior ? { payment_behavior: input.payment_behavior } : {}),
    ...(input.proration_behavior ? { proration_behavior: input.proration_behavior } : {}),
    ...(input.proration_date != null ? { proration_date: input.proration_date } : {}),
    ...(input.off_session != null ? { off_session: input.off_session } : {}),
  };
}

/** The item-level part, as an `items[]` entry. */
function entry(input: Partial<ItemFields>) {
  const {
    payment_behavior: _a,
    proration_behavior: _b,
    proration_date: _c,
    expand: _d,
    off_session: _e,
    ...rest
  } = input;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

export const subscriptionItemOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_items',
    name: 'subscription_items.create',
    params: createParams,
    returns: { object: SUBSCRIPTION_ITEM },
    handler: async (ctx, input) => {
      const before = await loadSubscription(ctx.tx, ctx.account.id, input.subscription, { param: 'subscription' });
      const known = new Set(before.sub.items.data.map((i) => i.id));
      const { subscription: _s, ...rest } = input;
      const sub = await updateSubscription(ctx, input.subscription, {
        ...billing(rest),
        items: [entry(rest)],
      } as Parameters<typeof updateSubscription>[2]);
      const added = sub.items.data.find((i) => !known.has(i.id));
      if (!added) throw new Error('subscription item was not added');
      return json(added);
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscription_items/:id',
    name: 'subscription_items.retrieve',
    params: retrieveParams,
    returns: { object: SUBSCRIPTION_ITEM },
    handler: async (ctx, _input, { id }) => json(renderItem(await loadItem(ctx.reader, ctx.account.id, id as string))),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscription_items/:id',
    name: 'subscription_items.update',
    params: updateParams,
    returns: { object: SUBSCRIPTION_ITEM },
    handler: async (ctx, input, { id }) => {
      const item = await loadItem(ctx.tx, ctx.account.id, id as string);
      const sub = await updateSubscription(ctx, item.subscription, {
        ...billing(input),
        items: [{ ...entry(input), id: item.id }],
      } as Parameters<typeof updateSubscription>[2]);
      return json(sub.items.data.find((i) => i.id === item.id) as SubscriptionItem);
    },
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/subscription_items/:id',
    name: 'subscription_items.delete',
    params: deleteParams,
    returns: { object: SUBSCRIPTION_ITEM },
    handler: async (ctx, input, { id }) => {
      const item = await loadItem(ctx.tx, ctx.account.id, id as string);
      const { sub } = await loadSubscription(ctx.tx, ctx.account.id, item.subscription);
      if (sub.items.data.length === 1) {
        throw invalidRequest(
          'A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.',
        );
      }
      await updateSubscription(ctx, item.subscription, {
        ...billing(input),
        items: [
          { id: item.id, deleted: true, ...(input.clear_usage != null ? { clear_usage: input.clear_usage } : {}) },
        ],
      } as Parameters<typeof updateSubscription>[2]);
      return { id: item.id, object: 'subscription_item', deleted: true };
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscription_items',
    name: 'subscription_items.list',
    params: listItemsParams,
    returns: { list: SUBSCRIPTION_ITEM },
    handler: async (ctx, input) => {
      await loadSubscription(ctx.reader, ctx.account.id, input.subscription, { param: 'subscription' });
      const page = await listPage(ctx.reader, {
        account: ctx.account.id,
        type: SUBSCRIPTION_ITEM,
        url: '/v1/subscription_items',
        input,
        equals: { subscription: input.subscription },
      });
      page.data = (page.data as unknown as SubscriptionItem[]).map(renderItem) as unknown as Json[];
      return json(page);
    },
  }),
];
