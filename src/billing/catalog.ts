/**
 * The Billing catalog's endpoints in one list (products, prices, plans, coupons, promotion codes,
 * tax rates), so src/billing/routes.ts registers the whole catalog with one line.
 */
import type { Operation } from '../platform/operation.js';
import type { JobHandler } from '../platform/scheduler.js';
import { couponOperations } from './coupons/routes.js';
import { customerDiscountJobHandlers } from './discounts/customer.js';
import { planOperations } from './plans/routes.js';
import { priceOperations } from './prices/routes.js';
import { productOperations } from './products/routes.js';
import { promotionCodeOperations } from './promotion-codes/routes.js';
import { taxRateOperations } from './tax-rates/routes.js';

export const catalogOperations: Operation[] = [
  ...productOperations,
  ...priceOperations,
  ...planOperations,
  ...couponOperations,
  ...promotionCodeOperations,
  ...taxRateOperations,
];

export const catalogJobHandlers: Record<string, JobHandler> = { ...customerDiscountJobHandlers };
