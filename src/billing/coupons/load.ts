/** Loading coupons by id, for discounts, promotion codes and the coupon endpoints. */
import { loadObject } from '../../platform/objects.js';
import type { Reader, Transaction } from '../../store/store.js';
import { COUPON, type Coupon } from './object.js';

/** The coupon `id`, or "No such coupon: 'x'" (400 naming `param` when given, else 404). */
export async function loadCoupon(
  reader: Reader | Transaction,
  account: string,
  id: string,
  param?: string,
): Promise<Coupon> {
  const { object } = await loadObject<Coupon>(reader, account, id, COUPON, param ? { param } : {});
  return object;
}
