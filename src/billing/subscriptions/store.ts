/**
 * Loading and saving subscriptions. A subscription embeds all its items (`items.data`, at most 20),
 * and each item is also its own `subscription_item` object (for `/v1/subscription_items`): one
 * save writes both, so they never disagree. Removed items are marked deleted.
 */
import { resourceMissing } from '../../platform/errors.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Reader, Transaction } from '../../store/store.js';
import {
  SUBSCRIPTION,
  SUBSCRIPTION_ITEM,
  type Subscription,
  type SubscriptionInternal,
  type SubscriptionItem,
  subscriptionFields,
  subscriptionItemFields,
} from './object.js';

export interface LoadedSubscription {
  sub: Subscription;
  internal: SubscriptionInternal;
}

/** The subscription `id`, or Stripe's "No such subscription: 'sub_x'" (naming `param` when given). */
export async function loadSubscription(
  reader: Reader | Transaction,
  account: string,
  id: string,
  opts: { param?: string; forUpdate?: boolean } = {},
): Promise<LoadedSubscription> {
  const row =
    opts.forUpdate && 'getObjectForUpdate' in reader
      ? await reader.getObjectForUpdate(account, id)
      : await reader.getObject(account, id);
  // A canceled subscription stays retrievable: it is never marked deleted.
  if (!row || row.type !== SUBSCRIPTION) throw resourceMissing(SUBSCRIPTION, id, opts.param);
  return {
    sub: JSON.parse(row.json) as Subscription,
    internal: (row.internal ? JSON.parse(row.internal) : {}) as SubscriptionInternal,
  };
}

/** Refreshes the embedded list's bookkeeping (count, order) after items changed. */
export function setItems(sub: Subscription, items: SubscriptionItem[]): void {
  sub.items = {
    object: 'list',
    data: items,
    has_more: false,
    url: `/v1/subscription_items?subscription=${sub.id}`,
  };
}

/**
 * Writes `sub` (inserting it when `insert`) and each of its items; `removed` items are marked
 * deleted so they leave `/v1/subscription_items` lists.
 */
export async function saveSubscription(
  ctx: MutationContext,
  sub: Subscription,
  internal: SubscriptionInternal,
  opts: { insert?: boolean; removed?: SubscriptionItem[] } = {},
): Promise<void> {
  const account = ctx.account.id;
  setItems(sub, sub.items.data);
  await saveObject(ctx.tx, account, SUBSCRIPTION, sub, {
    update: !opts.insert,
    fields: subscriptionFields(sub),
    internal,
  });
  for (const item of sub.items.data) {
    const existing = opts.insert ? undefined : await ctx.tx.getObject(account, item.id);
    await saveObject(ctx.tx, account, SUBSCRIPTION_ITEM, item, {
      update: existing !== undefined,
      fields: subscriptionItemFields(item),
    });
  }
  for (const item of opts.removed ?? []) {
    await ctx.tx.markDeleted(account, item.id, { id: item.id, object: 'subscription_item', deleted: true });
  }
}

/** The item `id` (of any subscription), or "No such subscription_item: 'si_x'". */
export async function loadItem(reader: Reader | Transaction, account: string, id: string): Promise<SubscriptionItem> {
  return (await loadObject<SubscriptionItem>(reader, account, id, SUBSCRIPTION_ITEM)).object;
}
