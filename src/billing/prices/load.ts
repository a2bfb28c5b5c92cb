/** Loading prices by id for the services that bill them (invoice items, subscriptions, plans). */
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
