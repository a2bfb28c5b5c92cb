/**
 * 2025-09-30.clover (stripe-node 19's pin): a Discount names what it applies under `source`
 * (`{type: "coupon", coupon}`) and a PromotionCode what it promotes under `promotion`, instead of
 * embedding the Coupon as `coupon`.
 * https://docs.stripe.com/changelog/clover/2025-09-30/add-discount-source-property
 * https://docs.stripe.com/changelog/clover/2025-09-30/polymorphic-coupon
 *
 * Older versions embed the full Coupon (it was auto-expanded), read by `load`.
 */
import type { Json } from '../platform/operation.js';
import type { RequestChange, VersionChange, VersionSource } from '../platform/versions.js';
import { idOf, isObject, removeFields, setField } from './fields.js';

const VERSION = '2025-09-30.clover';

/** The coupon `holder.coupon` names (an id, or already expanded), as the full Coupon object. */
async function embeddedCoupon(source: VersionSource, holder: unknown): Promise<Json | string | null> {
  const coupon = isObject(holder) ? holder.coupon : undefined;
  if (isObject(coupon)) return coupon;
  const id = idOf(coupon);
  if (!id) return null;
  return (await source.load(id)) ?? id;
}

export const changes: VersionChange[] = [
  {
    version: VERSION,
    object: 'discount',
    describe: 'Discount names its coupon under `source` instead of embedding it as `coupon`',
    async load(discount, source) {
      if (discount.coupon === undefined) discount.coupon = await embeddedCoupon(source, discount.source);
    },
    downgrade(discount) {
      if (discount.source === undefined && discount.coupon !== undefined) return;
      setField(discount, 'coupon', discount.coupon ?? (discount.source as Json | null | undefined)?.coupon ?? null);
      removeFields(discount, 'source');
    },
  },
  {
    version: VERSION,
    object: 'promotion_code',
    describe: 'PromotionCode names its coupon under `promotion` instead of embedding it as `coupon`',
    async load(code, source) {
      if (code.coupon === undefined) code.coupon = await embeddedCoupon(source, code.promotion);
    },
    downgrade(code) {
      if (code.promotion === undefined && code.coupon !== undefined) return;
      setField(code, 'coupon', code.coupon ?? (code.promotion as Json | null | undefined)?.coupon ?? null);
      removeFields(code, 'promotion');
    },
  },
];

/** Request side: promotion codes were created for a `coupon` before `promotion[coupon]`. */
export const requestChanges: RequestChange[] = [
  {
    version: VERSION,
    operations: ['promotion_codes.create'],
    describe: 'PromotionCode create takes `promotion[type]=coupon&promotion[coupon]` instead of `coupon`',
    upgrade(params) {
      if (params.coupon === undefined || params.promotion !== undefined) return;
      params.promotion = { type: 'coupon', coupon: params.coupon };
      delete params.coupon;
    },
  },
];
