/**
 * Sandbank's own endpoints, outside Stripe's `/v1` namespace: settings Stripe keeps in its
 * Dashboard (an account's country, default currency and custom pricing) and the controls a local
 * test platform needs (moving the clock forward). Authenticated with the account's secret key like
 * the API, so each test account controls only itself — its clock included.
 */

import { defaultCurrencyForCountry, isSupportedAccountCountry } from '../money/pricing.js';
import { accountClock, type Clock } from '../platform/clock.js';
import { invalidRequest } from '../platform/errors.js';
import { type Json, type Operation, readOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import type { Scheduler } from '../platform/scheduler.js';
import type { Account, Store } from '../store/store.js';

const accountParams = params({
  country: p.string(),
  default_currency: p.string(),
  /** Custom (volume) card pricing: `pricing[percent]=2.4&pricing[fixed]=30`; `pricing=` returns to standard. */
  pricing: p.hash({ percent: p.string({ required: true }), fixed: p.integer({ required: true, min: 0 }) }),
});

function renderAccount(a: Account): Json {
  return {
    id: a.id,
    object: 'sandbank.account',
    country: a.country,
    default_currency: a.defaultCurrency,
    pricing: a.pricing,
  };
}

function renderTime(a: Account, clock: Clock): Json {
  return { object: 'sandbank.time', account: a.id, now: accountClock(clock, a).now(), ahead_by: a.clockOffset };
}

function parsePercent(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > 100) {
    throw invalidRequest(`Invalid pricing[percent]: ${value} (a number of percent, e.g. 2.4)`, {
      param: 'pricing[percent]',
    });
  }
  return n;
}

export function sandbankOperations(deps: { store: Store; clock: Clock; scheduler: Scheduler }): Operation[] {
  return [
    readOperation({
      method: 'GET',
      path: '/sandbank/v1/account',
      name: 'sandbank.account.retrieve',
      params: params({}),
      returns: { object: 'sandbank.account' },
      handler: async (ctx) => renderAccount(ctx.account),
    }),
    // Not a write operation: it changes the account row, not objects, and must not hold a transaction.
    readOperation({
      method: 'POST',
      path: '/sandbank/v1/account',
      name: 'sandbank.account.update',
      params: accountParams,
      returns: { object: 'sandbank.account' },
      handler: async (ctx, input) => {
        const country = input.country?.toUpperCase() ?? ctx.account.country;
        if (!isSupportedAccountCountry(country)) {
          throw invalidRequest(`Sandbank does not know the country '${input.country}'.`, { param: 'country' });
        }
        const defaultCurrency =
          input.default_currency?.toLowerCase() ??
          (input.country ? defaultCurrencyForCountry(country) : ctx.account.defaultCurrency);
        let pricing = ctx.account.pricing;
        if (input.pricing === null) pricing = null;
        else if (input.pricing) pricing = { percent: parsePercent(input.pricing.percent), fixed: input.pricing.fixed };
        const updated = await deps.store.updateAccount(ctx.account.id, {
          country,
          defaultCurrency,
          pricing,
          clockOffset: ctx.account.clockOffset,
          webhooksPaused: ctx.account.webhooksPaused,
        });
        // Every cached key of this account shares this object (see auth.ts).
        Object.assign(ctx.account, updated);
        return renderAccount(updated);
      },
    }),
    readOperation({
      method: 'GET',
      path: '/sandbank/v1/time',
      name: 'sandbank.time.retrieve',
      params: params({}),
      returns: { object: 'sandbank.time' },
      handler: async (ctx) => renderTime(ctx.account, deps.clock),
    }),
    // Moves this account's clock forward (never back: Stripe's time only advances) and runs every
    // job that became due before answering, so the caller sees its effects.
    readOperation({
      method: 'POST',
      path: '/sandbank/v1/time/advance',
      name: 'sandbank.time.advance',
      params: params({ seconds: p.integer({ min: 0 }), to: p.integer({ min: 0 }) }),
      returns: { object: 'sandbank.time' },
      handler: async (ctx, input) => {
        const now = accountClock(deps.clock, ctx.account).now();
        const target = input.to ?? now + (input.seconds ?? 0);
        if (target < now) {
          throw invalidRequest(`The account's clock is already at ${now}; it cannot move back to ${target}.`, {
            param: 'to',
          });
        }
        const a = ctx.account;
        const updated = await deps.store.updateAccount(a.id, {
          country: a.country,
          defaultCurrency: a.defaultCurrency,
          pricing: a.pricing,
          clockOffset: a.clockOffset + (target - now),
          webhooksPaused: a.webhooksPaused,
        });
        Object.assign(ctx.account, updated);
        const ran = await deps.scheduler.runDue();
        return { ...renderTime(updated, deps.clock), jobs_run: ran };
      },
    }),
  ];
}
