/** The Subscription endpoints (`/v1/subscriptions`), thin over create.ts, update.ts and the store. */
import { allObjects, listPageInMemory, searchPage } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import type { Range } from '../../platform/params.js';
import { parseSearchQuery, type SearchableResource } from '../../platform/search.js';
import { createSubscription } from './create.js';
import { renderSubscription } from './events.js';
import { SUBSCRIPTION, type Subscription } from './object.js';
import {
  cancelSubscriptionParams,
  createSubscriptionParams,
  deleteDiscountParams,
  listSubscriptionsParams,
  resumeSubscriptionParams,
  retrieveSubscriptionParams,
  searchSubscriptionsParams,
  updateSubscriptionParams,
} from './params.js';
import { loadSubscription } from './store.js';
import { cancelSubscription, deleteSubscriptionDiscount, resumeSubscription, updateSubscription } from './update.js';

export { subscriptionJobHandlers } from './lifecycle.js';

// Registers the subscription lines of invoice previews.
import './customer-deletion.js';
import './preview.js';

const json = (o: object) => o as unknown as Json;

export const subscriptionSearch: SearchableResource = {
  resource: 'subscriptions',
  metadata: true,
  fields: {
    created: { kind: 'numeric', target: { column: 'created' } },
    status: { kind: 'token', target: { json: ['status'], numeric: false } },
  },
};

function inRange(value: number, r: Range | null | undefined): boolean {
  if (!r) return true;
  if (r.gt != null && !(value > r.gt)) return false;
  if (r.gte != null && !(value >= r.gte)) return false;
  if (r.lt != null && !(value < r.lt)) return false;
  if (r.lte != null && !(value <= r.lte)) return false;
  return true;
}

/** Stripe's `status` list filter: by default every subscription that has not been canceled. */
function statusMatches(status: string, filter: string | null | undefined): boolean {
  if (filter === 'all') return true;
  if (filter === 'ended') return status === 'canceled' || status === 'incomplete_expired';
  if (filter) return status === filter;
  return status !== 'canceled' && status !== 'incomplete_expired';
}

export const subscriptionOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/subscriptions',
    name: 'subscriptions.create',
    params: createSubscriptionParams,
    returns: { object: SUBSCRIPTION },
    handler: async (ctx, input) => json(await createSubscription(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscriptions/search',
    name: 'subscriptions.search',
    params: searchSubscriptionsParams,
    returns: { search: SUBSCRIPTION },
    handler: async (ctx, input) => {
      const parsed = parseSearchQuery(input.query, subscriptionSearch);
      const page = await searchPage(ctx.reader, {
        account: ctx.account.id,
        type: SUBSCRIPTION,
        url: '/v1/subscriptions/search',
        input,
        ...parsed,
      });
      page.data = (page.data as unknown as Subscription[]).map(renderSubscription);
      return page as Json;
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscriptions/:id',
    name: 'subscriptions.retrieve',
    params: retrieveSubscriptionParams,
    returns: { object: SUBSCRIPTION },
    handler: async (ctx, _input, { id }) =>
      json(renderSubscription((await loadSubscription(ctx.reader, ctx.account.id, id as string)).sub)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscriptions/:id',
    name: 'subscriptions.update',
    params: updateSubscriptionParams,
    returns: { object: SUBSCRIPTION },
    handler: async (ctx, input, { id }) => json(await updateSubscription(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    name: 'subscriptions.cancel',
    params: cancelSubscriptionParams,
    returns: { object: SUBSCRIPTION },
    handler: async (ctx, input, { id }) => json(await cancelSubscription(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/subscriptions/:id/resume',
    name: 'subscriptions.resume',
    params: resumeSubscriptionParams,
    returns: { object: SUBSCRIPTION },
    handler: async (ctx, input, { id }) => json(await resumeSubscription(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/subscriptions/:id/discount',
    name: 'subscriptions.delete_discount',
    params: deleteDiscountParams,
    returns: { object: 'discount' },
    handler: async (ctx, _input, { id }) => json(await deleteSubscriptionDiscount(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/subscriptions',
    name: 'subscriptions.list',
    params: listSubscriptionsParams,
    returns: { list: SUBSCRIPTION },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.customer) equals.customer = input.customer;
      if (input.test_clock) equals.test_clock = input.test_clock;
      if (input.collection_method) equals.collection_method = input.collection_method;
      const all = await allObjects(ctx.reader, {
        account: ctx.account.id,
        type: SUBSCRIPTION,
        equals,
        ...(input.created ? { created: input.created } : {}),
      });
      const price = input.price ?? input.plan;
      const items = all.filter(({ object }) => {
        const sub = object as unknown as Subscription;
        if (!statusMatches(sub.status, input.status)) return false;
        if (price && !sub.items.data.some((i) => i.price.id === price)) return false;
        const first = sub.items.data[0];
        if (first && !inRange(first.current_period_end, input.current_period_end)) return false;
        if (first && !inRange(first.current_period_start, input.current_period_start)) return false;
        return true;
      });
      const page = await listPageInMemory(ctx.reader, {
        account: ctx.account.id,
        type: SUBSCRIPTION,
        url: '/v1/subscriptions',
        input,
        items,
      });
      page.data = (page.data as unknown as Subscription[]).map(renderSubscription) as unknown as Json[];
      return page as unknown as Json;
    },
  }),
];
