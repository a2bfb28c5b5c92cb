/** Loading prices by id for the services that bill them (invoice items, subscriptions, plans). */
import { resourceMissing } from '../../platform/errors.js';
import { loadObject } from '../../platform/objects.js';
import type { Reader, Transaction } from '../../store/store.js';
import { PRICE, type Price } from './object.js';

/**
 * The price `id` of `account`, or Stripe's "No such price: 'x'" (404 for a path id; 400 naming
 * `param` when the id came from a parameter, e.g. `items[0][price]`). The stored price carries
 * `tiers` and `currency_options`, which amount calculations need.
 */
export async function loadPrice(
  reader: Reader | Transaction,
  account: string,
  id: string,
  param?: string,
): Promise<Price> {
  const { object } = await loadObject<Price>(reader, account, id, PRICE, param ? { param } : {});
  return object;
}

/**
 * A price named by a price id or a legacy plan id (`plan=…`, `items[0][plan]=…` of older
 * integrations): plans and prices share ids and storage, so this is the price either way; a plan
 * id must name a recurring price. A missing id answers "No such plan: 'x'" when `as` is `plan`.
 */
export async function loadPriceOrPlan(
  reader: Reader | Transaction,
  account: string,
  id: string,
  param?: string,
  as: 'price' | 'plan' = 'price',
): Promise<Price> {
  const { object } = await loadObject<Price>(reader, account, id, PRICE, {
    label: as,
    ...(param ? { param } : {}),
  });
  if (as === 'plan' && object.type !== 'recurring') throw resourceMissing('plan', id, param);
  return object;
}
