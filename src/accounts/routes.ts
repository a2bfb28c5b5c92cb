/**
 * `GET /v1/account` and `POST /v1/account`: the caller's own account. Updates change the stored
 * profile (see object.ts) and emit `account.updated` with the previous attributes, in the request's
 * transaction like every other change.
 */
import { addressParam } from '../customers/params.js';
import { emitEvent } from '../events/outbox.js';
import { invalidRequest } from '../platform/errors.js';
import { expandParam } from '../platform/list.js';
import { applyMetadata } from '../platform/metadata.js';
import { saveObject } from '../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import type { Account, Reader, Transaction } from '../store/store.js';
import { ACCOUNT, type AccountProfile, defaultProfile, type PayoutSchedule, renderAccount } from './object.js';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const updateAccountParams = params({
  business_profile: p.hash({
    mcc: p.string(),
    name: p.string(),
    product_description: p.string(),
    support_address: addressParam,
    support_email: p.string(),
    support_phone: p.string(),
    support_url: p.string(),
    url: p.string(),
  }),
  email: p.string(),
  expand: expandParam,
  metadata: p.stringMap(),
  settings: p.hash({
    branding: p.hash({ icon: p.string(), logo: p.string(), primary_color: p.string(), secondary_color: p.string() }),
    dashboard: p.hash({ display_name: p.string(), timezone: p.string() }),
    payments: p.hash({ statement_descriptor: p.string({ maxLength: 22 }) }),
    payouts: p.hash({
      debit_negative_balances: p.boolean(),
      schedule: p.hash({
        delay_days: p.opaque(),
        interval: p.enum(['manual', 'daily', 'weekly', 'monthly']),
        monthly_anchor: p.integer({ min: 1, max: 31 }),
        weekly_anchor: p.enum(WEEKDAYS),
      }),
      statement_descriptor: p.string({ maxLength: 22 }),
    }),
  }),
});

type UpdateInput = typeof updateAccountParams extends { parse(v: never, p: string): infer T } ? T : never;

/** The stored profile, or the defaults of an account never updated; `tx` locks the row. */
async function loadProfile(
  reader: Reader | Transaction,
  account: Account,
): Promise<{ profile: AccountProfile; stored: boolean }> {
  const row =
    'getObjectForUpdate' in reader
      ? await reader.getObjectForUpdate(account.id, account.id)
      : await reader.getObject(account.id, account.id);
  if (!row || row.type !== ACCOUNT) return { profile: defaultProfile(account), stored: false };
  return { profile: JSON.parse(row.json) as AccountProfile, stored: true };
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

function color(value: string | null | undefined, param: string): string | null | undefined {
  if (value && !HEX_COLOR.test(value)) throw invalidRequest(`Invalid hex color: ${value}`, { param });
  return value;
}

function schedule(
  current: PayoutSchedule,
  input: NonNullable<NonNullable<UpdateInput['settings']>['payouts']>['schedule'],
  minimum: number,
) {
  if (!input) return current;
  const next: PayoutSchedule = { ...current, interval: input.interval ?? current.interval };
  if (input.delay_days != null) {
    // `minimum` asks for the shortest delay the country allows; a number may not go below it.
    const raw = input.delay_days;
    const days = raw === 'minimum' ? minimum : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(days) || days < minimum || days > 365) {
      throw invalidRequest(
        `Invalid settings[payouts][schedule][delay_days]: must be 'minimum' or a whole number from ${minimum} to 365`,
        { param: 'settings[payouts][schedule][delay_days]' },
      );
    }
    next.delay_days = days;
  }
  delete next.weekly_anchor;
  delete next.monthly_anchor;
  if (next.interval === 'weekly') {
    next.weekly_anchor = input.weekly_anchor ?? current.weekly_anchor ?? 'monday';
  } else if (input.weekly_anchor) {
    throw invalidRequest('weekly_anchor can only be set for a weekly payout schedule.', {
      param: 'settings[payouts][schedule][weekly_anchor]',
    });
  }
  if (next.interval === 'monthly') {
    const anchor = input.monthly_anchor ?? current.monthly_anchor;
    if (anchor == null) {
      throw invalidRequest('A monthly payout schedule needs a monthly_anchor.', {
        param: 'settings[payouts][schedule][monthly_anchor]',
      });
    }
    next.monthly_anchor = anchor;
  } else if (input.monthly_anchor) {
    throw invalidRequest('monthly_anchor can only be set for a monthly payout schedule.', {
      param: 'settings[payouts][schedule][monthly_anchor]',
    });
  }
  return next;
}

function applyUpdate(profile: AccountProfile, input: UpdateInput, minimumDelay: number): AccountProfile {
  const next = structuredClone(profile);
  const bp = input.business_profile;
  if (bp) {
    for (const key of Object.keys(bp) as (keyof typeof bp)[]) {
      if (bp[key] === undefined) continue;
      if (key === 'support_address') {
        const address = bp.support_address;
        next.business_profile.support_address = address
          ? {
              city: address.city ?? null,
              country: address.country ?? null,
              line1: address.line1 ?? null,
              line2: address.line2 ?? null,
              postal_code: address.postal_code ?? null,
              state: address.state ?? null,
            }
          : null;
      } else next.business_profile[key] = (bp[key] as string | null) ?? null;
    }
  }
  if (input.email !== undefined) next.email = input.email ?? null;
  next.metadata = applyMetadata(next.metadata, input.metadata);
  const s = input.settings;
  if (s?.branding) {
    const b = next.settings.branding;
    if (s.branding.icon !== undefined) b.icon = s.branding.icon ?? null;
    if (s.branding.logo !== undefined) b.logo = s.branding.logo ?? null;
    const primary = color(s.branding.primary_color, 'settings[branding][primary_color]');
    const secondary = color(s.branding.secondary_color, 'settings[branding][secondary_color]');
    if (primary !== undefined) b.primary_color = primary;
    if (secondary !== undefined) b.secondary_color = secondary;
  }
  if (s?.dashboard) {
    if (s.dashboard.display_name !== undefined) next.settings.dashboard.display_name = s.dashboard.display_name ?? null;
    if (s.dashboard.timezone) {
      if (!isTimeZone(s.dashboard.timezone)) {
        throw invalidRequest(`Invalid timezone: ${s.dashboard.timezone}`, { param: 'settings[dashboard][timezone]' });
      }
      next.settings.dashboard.timezone = s.dashboard.timezone;
    }
  }
  if (s?.payments?.statement_descriptor !== undefined) {
    next.settings.payments.statement_descriptor = s.payments.statement_descriptor ?? null;
  }
  if (s?.payouts) {
    const payouts = next.settings.payouts;
    if (s.payouts.debit_negative_balances != null) payouts.debit_negative_balances = s.payouts.debit_negative_balances;
    if (s.payouts.statement_descriptor !== undefined)
      payouts.statement_descriptor = s.payouts.statement_descriptor ?? null;
    payouts.schedule = schedule(payouts.schedule, s.payouts.schedule, minimumDelay);
  }
  return next;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const accountOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/account',
    name: 'account.retrieve',
    params: params({ expand: expandParam }),
    returns: { object: ACCOUNT },
    handler: async (ctx) => renderAccount(ctx.account, (await loadProfile(ctx.reader, ctx.account)).profile) as Json,
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/account',
    name: 'account.update',
    params: updateAccountParams,
    returns: { object: ACCOUNT },
    handler: async (ctx, input) => {
      const { profile, stored } = await loadProfile(ctx.tx, ctx.account);
      const minimumDelay = defaultProfile(ctx.account).settings.payouts.schedule.delay_days;
      const next = applyUpdate(profile, input, minimumDelay);
      await saveObject(ctx.tx, ctx.account.id, ACCOUNT, { ...next, created: ctx.account.created }, { update: stored });
      const before = renderAccount(ctx.account, profile);
      const after = renderAccount(ctx.account, next);
      if (JSON.stringify(before) !== JSON.stringify(after))
        await emitEvent(ctx, 'account.updated', after as { object: string; id: string }, before);
      return after as Json;
    },
  }),
];
