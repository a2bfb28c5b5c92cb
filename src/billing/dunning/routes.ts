/**
 * `GET/POST /sandbank/v1/billing/settings`: the account's dunning settings (settings.ts), which
 * Stripe keeps in its Dashboard. Authenticated with the account's secret key like the API.
 */
import { saveObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { p, params } from '../../platform/params.js';
import { BILLING_SETTINGS, BILLING_SETTINGS_ID, changedSettings, dunningSettings, settingsObject } from './settings.js';

const RETURNS = { object: BILLING_SETTINGS };

export const dunningOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/sandbank/v1/billing/settings',
    name: 'sandbank.billing.settings.retrieve',
    params: params({}),
    returns: RETURNS,
    handler: async (ctx) => settingsObject(await dunningSettings(ctx.reader, ctx.account.id)) as unknown as Json,
  }),
  writeOperation({
    method: 'POST',
    path: '/sandbank/v1/billing/settings',
    name: 'sandbank.billing.settings.update',
    params: params({
      payment_retries: p.hash({ tries: p.integer(), window_days: p.integer() }),
      subscription_end: p.enum(['cancel', 'unpaid', 'past_due']),
      invoice_end: p.enum(['leave_open', 'mark_uncollectible']),
    }),
    returns: RETURNS,
    handler: async (ctx, input) => {
      const exists = (await ctx.tx.getObjectForUpdate(ctx.account.id, BILLING_SETTINGS_ID)) !== undefined;
      const next = changedSettings(await dunningSettings(ctx.tx, ctx.account.id), {
        tries: input.payment_retries?.tries ?? null,
        window_days: input.payment_retries?.window_days ?? null,
        subscription_end: input.subscription_end ?? null,
        invoice_end: input.invoice_end ?? null,
      });
      const object = settingsObject(next, ctx.clock.now());
      await saveObject(ctx.tx, ctx.account.id, BILLING_SETTINGS, object, { update: exists });
      return object as unknown as Json;
    },
  }),
];
