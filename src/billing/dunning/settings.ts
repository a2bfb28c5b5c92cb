/**
 * The account's dunning settings (Stripe's Dashboard → Billing → Revenue recovery → Retries):
 * how many times a failed automatic payment is tried within what window, and what happens when
 * the last try fails — to the subscription (cancel, mark unpaid, leave past due) and to the
 * invoice (leave it open, or mark it uncollectible). Kept as one object per account in the object
 * store (no migration), read through `dunningSettings`, changed through the Sandbank endpoint
 * `/sandbank/v1/billing/settings` and `sandbank billing settings`.
 */
import { invalidRequest } from '../../platform/errors.js';
import type { Reader, Transaction } from '../../store/store.js';

export const BILLING_SETTINGS = 'sandbank.billing_settings';
/** One settings object per account, under a fixed id. */
export const BILLING_SETTINGS_ID = 'billing_settings';

export type SubscriptionEnd = 'cancel' | 'unpaid' | 'past_due';
export type InvoiceEnd = 'leave_open' | 'mark_uncollectible';

/** Stripe's windows for Smart Retries (days). */
export const RETRY_WINDOWS = [7, 14, 21, 30, 60] as const;

export interface DunningSettings {
  /** Payment attempts in all, the first included (Stripe's recommended default: 8). */
  tries: number;
  /** Days from the first attempt within which the retries are spread (default: 14, two weeks). */
  windowDays: number;
  /** What happens to a subscription whose invoice's last retry failed. */
  subscriptionEnd: SubscriptionEnd;
  /** What happens to the invoice itself. */
  invoiceEnd: InvoiceEnd;
}

/** Stripe's recommended default: 8 tries within 2 weeks; then cancel the subscription, leave the invoice open. */
export const DEFAULT_DUNNING: DunningSettings = {
  tries: 8,
  windowDays: 14,
  subscriptionEnd: 'cancel',
  invoiceEnd: 'leave_open',
};

/** The wire shape (`GET /sandbank/v1/billing/settings`). */
export interface BillingSettingsObject {
  id: typeof BILLING_SETTINGS_ID;
  object: 'sandbank.billing_settings';
  created: number;
  payment_retries: { tries: number; window_days: number };
  subscription_end: SubscriptionEnd;
  invoice_end: InvoiceEnd;
}

export function settingsObject(s: DunningSettings, created = 0): BillingSettingsObject {
  return {
    id: BILLING_SETTINGS_ID,
    object: BILLING_SETTINGS,
    created,
    payment_retries: { tries: s.tries, window_days: s.windowDays },
    subscription_end: s.subscriptionEnd,
    invoice_end: s.invoiceEnd,
  };
}

/** The account's dunning settings (the defaults until changed). */
export async function dunningSettings(reader: Reader | Transaction, account: string): Promise<DunningSettings> {
  const row = await reader.getObject(account, BILLING_SETTINGS_ID);
  if (!row || row.type !== BILLING_SETTINGS) return { ...DEFAULT_DUNNING };
  const o = JSON.parse(row.json) as BillingSettingsObject;
  return {
    tries: o.payment_retries.tries,
    windowDays: o.payment_retries.window_days,
    subscriptionEnd: o.subscription_end,
    invoiceEnd: o.invoice_end,
  };
}

export interface SettingsChange {
  tries?: number | null;
  window_days?: number | null;
  subscription_end?: SubscriptionEnd | null;
  invoice_end?: InvoiceEnd | null;
}

/** Applies a change, checking it against Stripe's limits (1–8 tries; a window Stripe offers). */
export function changedSettings(current: DunningSettings, change: SettingsChange): DunningSettings {
  const next = { ...current };
  if (change.tries != null) {
    if (change.tries < 1 || change.tries > 8) {
      throw invalidRequest('payment_retries[tries] must be between 1 and 8.', { param: 'payment_retries[tries]' });
    }
    next.tries = change.tries;
  }
  if (change.window_days != null) {
    if (!(RETRY_WINDOWS as readonly number[]).includes(change.window_days)) {
      throw invalidRequest(`payment_retries[window_days] must be one of ${RETRY_WINDOWS.join(', ')} (days).`, {
        param: 'payment_retries[window_days]',
      });
    }
    next.windowDays = change.window_days;
  }
  if (change.subscription_end) next.subscriptionEnd = change.subscription_end;
  if (change.invoice_end) next.invoiceEnd = change.invoice_end;
  return next;
}
