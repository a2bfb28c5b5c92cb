/** The Radar endpoints: reviews, early fraud warnings, value lists and their items. Thin handlers. */

import { CHARGE } from '../payments/charges/object.js';
import { PAYMENT_INTENT } from '../payments/payment-intents/object.js';
import { expandParam, listParams } from '../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import { listOperation, retrieveOperation } from '../platform/resource-routes.js';
import { EARLY_FRAUD_WARNING } from './early-fraud-warnings.js';
import { createPaymentEvaluation, createPaymentEvaluationParams, PAYMENT_EVALUATION } from './payment-evaluations.js';
import { approveReview, REVIEW } from './reviews.js';
import {
  createValueList,
  createValueListItem,
  deleteValueList,
  deleteValueListItem,
  ITEM_TYPES,
  listValueListItems,
  listValueLists,
  updateValueList,
  VALUE_LIST,
  VALUE_LIST_ITEM,
} from './value-lists.js';

const expandOnly = params({ expand: expandParam });
const json = (o: object) => o as unknown as Json;

const createValueListParams = params({
  alias: p.string({ required: true, maxLength: 100 }),
  expand: expandParam,
  item_type: p.enum(ITEM_TYPES),
  metadata: p.stringMap(),
  name: p.string({ required: true, maxLength: 100 }),
});

const updateValueListParams = params({
  alias: p.string({ maxLength: 100 }),
  expand: expandParam,
  metadata: p.stringMap(),
  name: p.string({ maxLength: 100 }),
});

const listValueListsParams = params({
  ...listParams,
  alias: p.string({ maxLength: 100 }),
  contains: p.string({ maxLength: 800 }),
  created: p.range(),
});

const createItemParams = params({
  expand: expandParam,
  value: p.string({ required: true, maxLength: 800 }),
  value_list: p.string({ required: true }),
});

const listItemsParams = params({
  ...listParams,
  created: p.range(),
  value: p.string({ maxLength: 800 }),
  value_list: p.string({ required: true }),
});

export const radarOperations: Operation[] = [
  // ---- reviews ----
  listOperation({
    path: '/v1/reviews',
    name: 'reviews.list',
    type: REVIEW,
    params: params({ ...listParams, created: p.range() }),
    // Stripe lists open reviews only; `open` is not a parameter, so it is fixed here.
    fixed: { open: 'true' },
  }),
  retrieveOperation({ path: '/v1/reviews/:id', name: 'reviews.retrieve', type: REVIEW, params: expandOnly }),
  writeOperation({
    method: 'POST',
    path: '/v1/reviews/:id/approve',
    name: 'reviews.approve',
    params: expandOnly,
    returns: { object: REVIEW },
    handler: async (ctx, _input, { id }) => json(await approveReview(ctx, id as string)),
  }),

  // ---- payment evaluations (Radar for payments made with another processor) ----
  writeOperation({
    method: 'POST',
    path: '/v1/radar/payment_evaluations',
    name: 'radar.payment_evaluations.create',
    params: createPaymentEvaluationParams,
    returns: { object: PAYMENT_EVALUATION },
    handler: async (ctx, input) => json(await createPaymentEvaluation(ctx, input)),
  }),

  // ---- early fraud warnings ----
  listOperation({
    path: '/v1/radar/early_fraud_warnings',
    name: 'radar.early_fraud_warnings.list',
    type: EARLY_FRAUD_WARNING,
    params: params({ ...listParams, charge: p.string(), created: p.range(), payment_intent: p.string() }),
    filters: { charge: { references: CHARGE }, payment_intent: { references: PAYMENT_INTENT } },
  }),
  retrieveOperation({
    path: '/v1/radar/early_fraud_warnings/:id',
    name: 'radar.early_fraud_warnings.retrieve',
    type: EARLY_FRAUD_WARNING,
    params: expandOnly,
  }),

  // ---- value lists ----
  writeOperation({
    method: 'POST',
    path: '/v1/radar/value_lists',
    name: 'radar.value_lists.create',
    params: createValueListParams,
    returns: { object: VALUE_LIST },
    handler: async (ctx, input) => json(await createValueList(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/radar/value_lists/:id',
    name: 'radar.value_lists.retrieve',
    type: VALUE_LIST,
    params: expandOnly,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/radar/value_lists/:id',
    name: 'radar.value_lists.update',
    params: updateValueListParams,
    returns: { object: VALUE_LIST },
    handler: async (ctx, input, { id }) => json(await updateValueList(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/radar/value_lists/:id',
    name: 'radar.value_lists.delete',
    params: params({}),
    returns: { object: VALUE_LIST },
    handler: async (ctx, _input, { id }) => json(await deleteValueList(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/radar/value_lists',
    name: 'radar.value_lists.list',
    params: listValueListsParams,
    returns: { list: VALUE_LIST },
    handler: async (ctx, input) => json(await listValueLists(ctx.reader, ctx.account.id, input)),
  }),

  // ---- value list items ----
  writeOperation({
    method: 'POST',
    path: '/v1/radar/value_list_items',
    name: 'radar.value_list_items.create',
    params: createItemParams,
    returns: { object: VALUE_LIST_ITEM },
    handler: async (ctx, input) => json(await createValueListItem(ctx, input)),
  }),
  retrieveOperation({
    path: '/v1/radar/value_list_items/:id',
    name: 'radar.value_list_items.retrieve',
    type: VALUE_LIST_ITEM,
    params: expandOnly,
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/radar/value_list_items/:id',
    name: 'radar.value_list_items.delete',
    params: params({}),
    returns: { object: VALUE_LIST_ITEM },
    handler: async (ctx, _input, { id }) => json(await deleteValueListItem(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/radar/value_list_items',
    name: 'radar.value_list_items.list',
    params: listItemsParams,
    returns: { list: VALUE_LIST_ITEM },
    handler: async (ctx, input) => json(await listValueListItems(ctx.reader, ctx.account.id, input)),
  }),
];
