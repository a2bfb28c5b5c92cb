/**
 * The caller's own Account (`GET /v1/account`). Country and default currency are the account's
 * Sandbank settings (set with `sandbank accounts update`); the profile a merchant edits through the
 * API (business profile, email, dashboard and payout settings, branding, metadata) is stored as an
 * `account` object beside the account's other objects, created on the first update. An account
 * that was never updated renders the defaults of a fully onboarded test-mode account.
 */
import type { Metadata } from '../platform/metadata.js';
import type { Account } from '../store/store.js';

export const ACCOUNT = 'account';

type Address = Record<'city' | 'country' | 'line1' | 'line2' | 'postal_code' | 'state', string | null>;

export interface PayoutSchedule {
  delay_days: number;
  interval: 'manual' | 'daily' | 'weekly' | 'monthly';
  monthly_anchor?: number;
  monthly_payout_days?: number[];
  weekly_anchor?: string;
  weekly_payout_days?: string[];
}

/** What a merchant can change about its own account; the rest of the object is derived. */
export interface AccountProfile {
  id: string;
  object: 'account';
  business_profile: {
    mcc: string | null;
    name: string | null;
    product_description: string | null;
    support_address: Address | null;
    support_email: string | null;
    support_phone: string | null;
    support_url: string | null;
    url: string | null;
  };
  email: string | null;
  metadata: Metadata;
  settings: {
    branding: {
      icon: string | null;
      logo: string | null;
      primary_color: string | null;
      secondary_color: string | null;
    };
    dashboard: { display_name: string | null; timezone: string };
    payments: { statement_descriptor: string | null };
    payouts: { debit_negative_balances: boolean; schedule: PayoutSchedule; statement_descriptor: string | null };
  };
}

/**
 * Days from a charge to its funds' payout, by country, as Stripe's standard schedules document them
 * (the same delays balance transactions use for `available_on` would be the better single source
 * once payouts follow the schedule automatically).
 */
const PAYOUT_DELAY_DAYS: Record<string, number> = { US: 2, CA: 2, AU: 2, GB: 3, JP: 4, SG: 2, HK: 4, NZ: 4, BR: 30 };

export function defaultProfile(account: Account): AccountProfile {
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      mcc: null,
      name: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    email: null,
    metadata: {},
    settings: {
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      dashboard: { display_name: null, timezone: 'Etc/UTC' },
      payments: { statement_descriptor: null },
      payouts: {
        debit_negative_balances: true,
        schedule: { delay_days: PAYOUT_DELAY_DAYS[account.country] ?? 7, interval: 'daily' },
        statement_descriptor: null,
      },
    },
  };
}

const NO_REQUIREMENTS = {
  alternatives: [],
  current_deadline: null,
  currently_due: [],
  disabled_reason: null,
  errors: [],
  eventually_due: [],
  past_due: [],
  pending_verification: [],
};

/** The Account object as Stripe renders a standard account to itself. */
export function renderAccount(account: Account, profile: AccountProfile): Record<string, unknown> {
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      minority_owned_business_designation: null,
      specified_commercial_transactions_act_url: null,
      ...profile.business_profile,
    },
    business_type: null,
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    controller: { type: 'account' },
    country: account.country,
    created: account.created,
    default_currency: account.defaultCurrency,
    details_submitted: true,
    email: profile.email,
    external_accounts: {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/accounts/${account.id}/external_accounts`,
    },
    future_requirements: NO_REQUIREMENTS,
    metadata: profile.metadata,
    payouts_enabled: true,
    requirements: NO_REQUIREMENTS,
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: profile.settings.branding,
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: profile.settings.dashboard,
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: {
        statement_descriptor: profile.settings.payments.statement_descriptor,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: profile.settings.payouts,
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: account.created, ip: null, user_agent: null },
    type: 'standard',
  };
}
