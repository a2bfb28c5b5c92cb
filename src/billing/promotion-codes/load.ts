/** Loading promotion codes by id, for discounts and the promotion code endpoints. */
import { loadObject } from '../../platform/objects.js';
import type { Reader, Transaction } from '../../store/store.js';
import { PROMOTION_CODE, type PromotionCode } from './object.js';

/** How Stripe names the object in "No such promotion code: 'promo_x'". */
export const PROMOTION_CODE_LABEL = 'promotion code';

export async function loadPromotionCode(
  reader: Reader | Transaction,
  account: string,
  id: string,
  param?: string,
): Promise<PromotionCode> {
  const { object } = await loadObject<PromotionCode>(reader, account, id, PROMOTION_CODE, {
    label: PROMOTION_CODE_LABEL,
    ...(param ? { param } : {}),
  });
  return object;
}
