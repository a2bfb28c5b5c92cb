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

/**
 * The coupon behind an applied discount, even after the coupon was deleted: Stripe keeps applying
 * existing discounts of a deleted coupon (deletion only stops new redemptions), so deletion keeps
 * the last state beside the tombstone. `undefined` when no such coupon ever existed.
 */
export async function loadAppliedCoupon(
  reader: Reader | Transaction,
  account: string,
  id: string,
): Promise<Coupon | undefined> {
  const row = await reader.getObject(account, id);
  if (!row || row.type !== COUPON) return undefined;
  if (!row.deleted) return JSON.parse(row.json) as Coupon;
  const internal = row.internal ? (JSON.parse(row.internal) as { coupon?: Coupon }) : {};
  return internal.coupon;
}
