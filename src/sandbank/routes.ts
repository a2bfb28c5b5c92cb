/**
 * Sandbank's own endpoints, outside Stripe's `/v1` namespace: settings Stripe keeps in its
 * Dashboard (an account's country, default currency and custom pricing) and the controls a local
 * test platform needs (moving the clock forward). Authenticated with the account's secret key like
 * the API, so each test account controls only itself — its clock included.
 *
 * Settings are validated as strictly as the public API validates its parameters: they feed fee
 * arithmetic, balances and every timestamp the account writes, where nonsense would surface later
 * as wrong numbers rather than as an error now.
 */

import { MAX_AMOUNT, requireCurrency } from '../money/currencies.js';
import { defaultCurrencyForCountry, isSettlementCurrency, isSupportedAccountCountry } from '../money/pricing.js';
import { accountClock, type Clock, MAX_ACCOUNT_TIME } from '../platform/clock.js';
import { invalidRequest } from '../platform/errors.js';
import { type Json, type Operation, readOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import type { Scheduler } from '../platform/scheduler.js';
import type { Account, Store } from '../store/store.js';

export { MAX_ACCOUNT_TIME } from '../platform/clock.js';

/**
 * The largest custom fixed fee, in minor units: the largest amount a PaymentIntent may have
 * ("up to eight digits"). A fixed fee above any payment is meaningless, and with this bound a fee
 * stays an exact integer (far below 2^53) even converted into the currency with the most minor
 * units per dollar.
 */
export const MAX_FIXED_FEE = MAX_AMOUNT;

/**
 * A custom percentage: 0 to 100 with at most four decimals, because fees are computed in
 * millionths of the amount (pricing.ts `percentOf`): 2.9% is exactly 29000 parts per million, while
 * a fifth decimal would be silently rounded away.
 */
const PERCENT = /^\d{1,3}(\.\d{1,4})?$/;
const PERCENT_HINT = 'a percentage from 0 to 100 with at most 4 decimals, e.g. 2.4';

const accountParams = params({
  country: p.string(),
  default_currency: p.string(),
  /** Custom (volume) card pricing: `pricing[percent]=2.4&pricing[fixed]=30`; `pricing=` returns to standard. */
  pricing: p.hash({
    percent: p.string({ required: true }),
    fixed: p.integer({ required: true, min: 0, max: MAX_FIXED_FEE }),
  }),
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
  if (!PERCENT.test(value) || n > 100) {
    throw invalidRequest(`Invalid pricing[percent]: ${value} (${PERCENT_HINT})`, { param: 'pricing[percent]' });
  }
  return n;
}

/**
 * The account's new default currency: one Stripe accepts (the public API's error otherwise) and one
 * some account country settles in.
 */
function parseDefaultCurrency(value: string): string {
  const code = requireCurrency(value, 'default_currency').code;
  if (!isSettlementCurrency(code)) {
    throw invalidRequest(
      `The currency ${code} cannot be an account's default currency: no country Stripe supports settles in it.`,
      { param: 'default_currency' },
    );
  }
  return code;
}

/** Where `POST /sandbank/v1/time/advance` would move the clock, or Stripe-shaped errors. */
function advanceTarget(now: number, input: { seconds?: number | null; to?: number | null }): number {
  const seconds = input.seconds ?? undefined;
  const to = input.to ?? undefined;
  if (seconds !== undefined && to !== undefined) {
    throw invalidRequest('Pass either seconds (how far to move) or to (a Unix timestamp), not both.', {
      param: 'to',
    });
  }
  const target = to ?? now + (seconds ?? 0);
  if (target < now) {
    throw invalidRequest(`The account's clock is already at ${now}; it cannot move back to ${target}.`, {
      param: 'to',
    });
  }
  if (target > MAX_ACCOUNT_TIME) {
    const latest = new Date(MAX_ACCOUNT_TIME * 1000).toISOString();
    throw invalidRequest(
      `The account's clock is at ${now} and cannot move past ${MAX_ACCOUNT_TIME} (${latest}); ${target} is too far.`,
      { param: to !== undefined ? 'to' : 'seconds' },
    );
  }
  return target;
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
        const defaultCurrency = input.default_currency
          ? parseDefaultCurrency(input.default_currency)
          : input.country
            ? defaultCurrencyForCountry(country)
            : ctx.account.defaultCurrency;
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
      params: params({
        seconds: p.integer({ min: 0, max: MAX_ACCOUNT_TIME }),
        to: p.integer({ min: 0, max: MAX_ACCOUNT_TIME }),
      }),
      returns: { object: 'sandbank.time' },
      handler: async (ctx, input) => {
        const now = accountClock(deps.clock, ctx.account).now();
        const target = advanceTarget(now, input);
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
