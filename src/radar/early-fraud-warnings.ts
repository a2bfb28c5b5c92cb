/**
 * Early fraud warnings: the issuer reports a successful payment as fraud before (or instead of) a
 * dispute. Stripe's test card 4000000000005423 (`pm_card_createIssuerFraudRecord`) gets one as soon
 * as its charge succeeds. A warning is `actionable` until its charge is disputed or fully refunded;
 * losing that emits `radar.early_fraud_warning.updated`.
 */
import { cardByKey } from '../cards/network.js';
import { emitEvent } from '../events/outbox.js';
import type { LoadedCharge } from '../payments/charges/service.js';
import { registerExpandable } from '../platform/expand.js';
import { newId } from '../platform/ids.js';
import { saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';

export const EARLY_FRAUD_WARNING = 'radar.early_fraud_warning';

export type FraudType =
  | 'card_never_received'
  | 'fraudulent_card_application'
  | 'made_with_counterfeit_card'
  | 'made_with_lost_card'
  | 'made_with_stolen_card'
  | 'misc'
  | 'unauthorized_use_of_card';

export interface EarlyFraudWarning {
  id: string;
  object: 'radar.early_fraud_warning';
  actionable: boolean;
  charge: string;
  created: number;
  fraud_type: FraudType;
  livemode: false;
  payment_intent?: string;
}

/** Indexed, for the list's `charge` and `payment_intent` filters. */
const warningFields = (w: EarlyFraudWarning) => ({ charge: w.charge, payment_intent: w.payment_intent ?? null });

async function save(ctx: MutationContext, warning: EarlyFraudWarning, update: boolean): Promise<EarlyFraudWarning> {
  const data = sortFields(warning);
  await saveObject(ctx.tx, ctx.account.id, EARLY_FRAUD_WARNING, data, { update, fields: warningFields(data) });
  return data;
}

/**
 * Raises the warning of a charge that just succeeded on a card whose issuer reports fraud, and
 * emits `radar.early_fraud_warning.created`. Other cards raise none.
 */
export async function raiseEarlyFraudWarningIfReported(ctx: MutationContext, loaded: LoadedCharge): Promise<void> {
  const charge = loaded.object;
  if (charge.status !== 'succeeded') return;
  if (!cardByKey(loaded.internal.card)?.behaviour.earlyFraudWarning) return;
  const warning = await save(
    ctx,
    {
      id: newId('issfr', 24),
      object: 'radar.early_fraud_warning',
      actionable: true,
      charge: charge.id,
      created: ctx.clock.now(),
      // The test card's issuer report carries no particular type: Stripe's example object says `misc`.
      fraud_type: 'misc',
      livemode: false,
      ...(charge.payment_intent ? { payment_intent: charge.payment_intent } : {}),
    },
    false,
  );
  await emitEvent(ctx, 'radar.early_fraud_warning.created', warning);
}

/**
 * Re-evaluates `actionable` for the warnings of a charge after it was refunded or disputed: a
 * warning stops being actionable once the charge is disputed or refunded in full. Only the cards
 * that raise warnings have any, so other charges cost no query.
 */
export async function updateEarlyFraudWarningsOf(ctx: MutationContext, loaded: LoadedCharge): Promise<void> {
  if (!cardByKey(loaded.internal.card)?.behaviour.earlyFraudWarning) return;
  const charge = loaded.object;
  const actionable = !charge.disputed && !charge.refunded;
  const page = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: EARLY_FRAUD_WARNING,
    limit: 100,
    equals: { charge: charge.id },
  });
  for (const row of page.rows) {
    const warning = JSON.parse(row.json) as EarlyFraudWarning;
    if (warning.actionable === actionable) continue;
    const before = structuredClone(warning);
    warning.actionable = actionable;
    const saved = await save(ctx, warning, true);
    await emitEvent(ctx, 'radar.early_fraud_warning.updated', saved, before);
  }
}

registerExpandable(EARLY_FRAUD_WARNING, 'charge', { kind: 'reference', to: 'charge' });
registerExpandable(EARLY_FRAUD_WARNING, 'payment_intent', { kind: 'reference', to: 'payment_intent' });
