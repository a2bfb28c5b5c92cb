/**
 * The Billing catalog's endpoints in one list (products, prices, plans, coupons, promotion codes,
 * tax rates), so src/billing/routes.ts registers the whole catalog with one line.
 */
import type { Operation } from '../platform/operation.js';
import { priceOperations } from './prices/routes.js';
import { productOperations } from './products/routes.js';

export const catalogOperations: Operation[] = [...productOperations, ...priceOperations];
