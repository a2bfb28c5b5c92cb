/**
 * The Tax ID object: a tax number of a customer (`owner.type=customer`) or of the account itself
 * (`self`, or a connected `account`), with the country its type implies and the state of its check
 * with the tax authority.
 */
import { registerExpandable } from '../../platform/expand.js';

export const TAX_ID = 'tax_id';

export type VerificationStatus = 'pending' | 'unavailable' | 'unverified' | 'verified';
export type OwnerType = 'account' | 'application' | 'customer' | 'self';

export interface TaxIdOwner {
  account?: string;
  application?: string;
  customer?: string;
  customer_account: string | null;
  type: OwnerType;
}

export interface TaxId {
  id: string;
  object: 'tax_id';
  country: string | null;
  created: number;
  customer: string | null;
  customer_account: string | null;
  livemode: false;
  owner: TaxIdOwner;
  type: string;
  value: string;
  verification: { status: VerificationStatus; verified_address: string | null; verified_name: string | null } | null;
}

export interface DeletedTaxId {
  id: string;
  object: 'tax_id';
  deleted: true;
}

/** Indexed fields: the customer's list and the top-level list by owner. */
export const taxIdFields = (t: TaxId) => ({
  customer: t.customer,
  owner_type: t.owner.type,
  owner_account: t.owner.account ?? null,
});

/** How many of a customer's tax IDs its includable `tax_ids` list shows (a list page's default size). */
export const INCLUDED_TAX_IDS = 10;

registerExpandable(TAX_ID, 'customer', { kind: 'reference', to: 'customer' });
registerExpandable(TAX_ID, 'owner.customer', { kind: 'reference', to: 'customer' });
