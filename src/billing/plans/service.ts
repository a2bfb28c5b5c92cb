/**
 * Legacy plans (`/v1/plans`): each is a recurring price seen through the Plan shape, so creating,
 * changing or deleting one announces both views — `plan.*` and `price.*` — and a plan is usable
 * wherever a price is (and a recurring price wherever a plan is).
 */
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceAlreadyExists } from '../../platform/errors.js';
import { applyMetadata } from '../../platform/metadata.js';
import type { MutationContext } from '../../platform/operation.js';
import { loadPriceOrPlan } from '../prices/load.js';
import type { Price } from '../prices/object.js';
import { buildPrice, emitPrice, requireProduct, savePrice } from '../prices/service.js';
import { createInlineProduct } from '../products/service.js';
import { type DeletedPlan, type Plan, planFromPrice } from './object.js';
import type { CreatePlanInput, UpdatePlanInput } from './params.js';

async function emitPlan(ctx: MutationContext, what: 'created' | 'updated' | 'deleted', price: Price, before?: Price) {
  await emitEvent(ctx, `plan.${what}`, planFromPrice(price), before ? planFromPrice(before) : undefined);
  await emitPrice(ctx, what, price, before);
}

/** `POST /v1/plans`. */
export async function createPlan(ctx: MutationContext, input: CreatePlanInput): Promise<Plan> {
  if (input.id) {
    const existing = await ctx.tx.getObject(ctx.account.id, input.id);
    if (existing) {
      throw resourceAlreadyExists('Plan');
    }
  }
  if (input.product === undefined || input.product === null) {
    throw invalidRequest('Missing required param: product.', { code: 'parameter_missing', param: 'product' });
  }
  if (input.billing_scheme !== 'tiered' && input.amount == null && input.amount_decimal == null) {
    throw invalidRequest('Missing required param: amount.', { code: 'parameter_missing', param: 'amount' });
  }
  const product =
    typeof input.product === 'string'
      ? await requireProduct(ctx, input.product, 'product')
      : await createInlineProduct(ctx, input.product, 'product');
  const price = await buildPrice(
    ctx,
    {
      id: input.id ?? null,
      active: input.active ?? null,
      billing_scheme: input.billing_scheme ?? null,
      currency: input.currency,
      metadata: input.metadata ?? null,
      nickname: input.nickname ?? null,
      recurring: {
        interval: input.interval,
        interval_count: input.interval_count ?? null,
        meter: input.meter ?? null,
        trial_period_days: input.trial_period_days ?? null,
        usage_type: input.usage_type ?? null,
      },
      tiers: input.tiers ?? null,
      tiers_mode: input.tiers_mode ?? null,
      transform_quantity: input.transform_usage ?? null,
      unit_amount: input.amount ?? null,
      unit_amount_decimal: input.amount_decimal ?? null,
    },
    product.id,
  );
  await savePrice(ctx, price);
  await emitPlan(ctx, 'created', price);
  return planFromPrice(price);
}

/** `POST /v1/plans/:id`: `active`, `nickname`, `metadata`, `trial_period_days`, and the product it belongs to. */
export async function updatePlan(ctx: MutationContext, id: string, input: UpdatePlanInput): Promise<Plan> {
  const price = await loadPriceOrPlan(ctx.tx, ctx.account.id, id, undefined, 'plan');
  const before = structuredClone(price);
  if (input.product) price.product = (await requireProduct(ctx, input.product, 'product')).id;
  if (input.active != null) price.active = input.active;
  if (input.nickname !== undefined) price.nickname = input.nickname;
  price.metadata = applyMetadata(price.metadata, input.metadata);
  if (input.trial_period_days !== undefined && price.recurring) {
    price.recurring.trial_period_days = input.trial_period_days;
  }
  await savePrice(ctx, price, true);
  await emitPlan(ctx, 'updated', price, before);
  return planFromPrice(price);
}

/** `DELETE /v1/plans/:id`: the plan and the price it is go together. */
export async function deletePlan(ctx: MutationContext, id: string): Promise<DeletedPlan> {
  const price = await loadPriceOrPlan(ctx.tx, ctx.account.id, id, undefined, 'plan');
  const tombstone: DeletedPlan = { id, object: 'plan', deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  await emitPlan(ctx, 'deleted', price);
  return tombstone;
}
