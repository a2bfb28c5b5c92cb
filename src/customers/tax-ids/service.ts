/**
 * Tax IDs: creation with Stripe's format check and the country the type implies, the check with
 * the tax authority (a job, so the response and `customer.tax_id.created` show `pending` and
 * `customer.tax_id.updated` brings the outcome, as Stripe's asynchronous check does), and deletion.
 *
 * Test values (Stripe's "customer tax ID verification" test numbers): a value containing
 * `000000000` is verified, `111111111` unverified, and `222222222` stays pending for ever. Other
 * well-formed values of a checked type are verified; types Stripe does not check are `unavailable`.
 */
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceMissing } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { scheduleJob } from '../../platform/scheduler.js';
import type { Job } from '../../store/store.js';
import { CUSTOMER } from '../object.js';
import { taxIdCountry, VERIFIED_TYPES } from './formats.js';
import {
  type DeletedTaxId,
  type OwnerType,
  TAX_ID,
  type TaxId,
  type TaxIdOwner,
  taxIdFields,
  type VerificationStatus,
} from './object.js';

export const VERIFY_TAX_ID_JOB = 'tax_id.verify';

/** How Stripe names a tax ID in "No such tax id: 'txi_…'". */
const TAX_ID_LABEL = 'tax id';

export interface TaxIdInput {
  type: string;
  value: string;
  owner?: {
    type: OwnerType;
    customer?: string | null;
    account?: string | null;
    customer_account?: string | null;
  } | null;
}

/** Where a value's parameter is, for errors (`value`, or `tax_id_data[0][value]` on customer create). */
export interface ParamPaths {
  value: string;
}

/** The outcome of the authority's check for a test value, or `pending` for one that never ends. */
function checkOutcome(value: string): VerificationStatus {
  if (value.includes('222222222')) return 'pending';
  if (value.includes('111111111')) return 'unverified';
  return 'verified';
}

function customerEvent(t: TaxId): boolean {
  return t.owner.type === 'customer';
}

/** Creates a tax ID for `ownerOf` (resolved by the caller); refuses a malformed value as Stripe does. */
async function insertTaxId(
  ctx: MutationContext,
  input: { type: string; value: string },
  owner: TaxIdOwner,
  paths: ParamPaths,
): Promise<TaxId> {
  const country = taxIdCountry(input.type, input.value);
  if (country === undefined) {
    throw invalidRequest(`Invalid value for ${input.type}.`, { code: 'tax_id_invalid', param: paths.value });
  }
  const checked = VERIFIED_TYPES.has(input.type);
  const taxId: TaxId = {
    id: newId('txi', 24),
    object: 'tax_id',
    country,
    created: ctx.clock.now(),
    customer: owner.customer ?? null,
    customer_account: null,
    livemode: false,
    owner,
    type: input.type,
    value: input.value,
    verification: {
      status: checked ? 'pending' : 'unavailable',
      verified_address: null,
      verified_name: null,
    },
  };
  await saveObject(ctx.tx, ctx.account.id, TAX_ID, taxId, { fields: taxIdFields(taxId) });
  if (customerEvent(taxId)) await emitEvent(ctx, 'customer.tax_id.created', taxId);
  if (checked && checkOutcome(taxId.value) !== 'pending') {
    await scheduleJob(ctx, { dueAt: ctx.clock.now(), kind: VERIFY_TAX_ID_JOB, target: taxId.id, payload: {} });
  }
  return taxId;
}

async function requireCustomer(ctx: MutationContext, id: string, param?: string): Promise<void> {
  await loadObject(ctx.tx, ctx.account.id, id, CUSTOMER, param ? { param } : {});
}

/** `POST /v1/customers/:customer/tax_ids` (and `tax_id_data` on customer create). */
export async function createCustomerTaxId(
  ctx: MutationContext,
  customer: string,
  input: { type: string; value: string },
  paths: ParamPaths = { value: 'value' },
): Promise<TaxId> {
  await requireCustomer(ctx, customer);
  return insertTaxId(ctx, input, { customer, customer_account: null, type: 'customer' }, paths);
}

/** `POST /v1/tax_ids`: owned by the account itself unless `owner` names a customer or connected account. */
export async function createTaxId(ctx: MutationContext, input: TaxIdInput): Promise<TaxId> {
  const owner = input.owner ?? { type: 'self' as const };
  switch (owner.type) {
    case 'self':
      return insertTaxId(ctx, input, { customer_account: null, type: 'self' }, { value: 'value' });
    case 'customer': {
      if (!owner.customer && !owner.customer_account) {
        throw invalidRequest('Missing required param: owner[customer].', {
          code: 'parameter_missing',
          param: 'owner[customer]',
        });
      }
      if (!owner.customer)
        throw resourceMissing('account', owner.customer_account as string, 'owner[customer_account]');
      await requireCustomer(ctx, owner.customer, 'owner[customer]');
      return insertTaxId(
        ctx,
        input,
        { customer: owner.customer, customer_account: null, type: 'customer' },
        { value: 'value' },
      );
    }
    case 'account':
      if (!owner.account) {
        throw invalidRequest('Missing required param: owner[account].', {
          code: 'parameter_missing',
          param: 'owner[account]',
        });
      }
      // Sandbank has no connected accounts yet, so every account id names nothing.
      throw resourceMissing('account', owner.account, 'owner[account]');
    case 'application':
      throw invalidRequest('Tax IDs owned by an application can only be created by that application.', {
        param: 'owner[type]',
      });
  }
}

/** Loads a live tax ID; through a customer's path it must belong to that customer. */
export async function loadTaxId(
  reader: Parameters<typeof loadObject>[0],
  account: string,
  id: string,
  customer?: string,
): Promise<TaxId> {
  const { object } = await loadObject<TaxId>(reader, account, id, TAX_ID, { label: TAX_ID_LABEL });
  if (customer !== undefined && object.customer !== customer) throw resourceMissing(TAX_ID_LABEL, id);
  return object;
}

export async function deleteTaxId(ctx: MutationContext, id: string, customer?: string): Promise<DeletedTaxId> {
  if (customer !== undefined) await requireCustomer(ctx, customer);
  const taxId = await loadTaxId(ctx.tx, ctx.account.id, id, customer);
  const tombstone: DeletedTaxId = { id, object: 'tax_id', deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  if (customerEvent(taxId)) await emitEvent(ctx, 'customer.tax_id.deleted', taxId);
  return tombstone;
}

/** The tax authority answers: `pending` becomes the test value's outcome, with `customer.tax_id.updated`. */
export async function verifyTaxId(ctx: MutationContext, job: Job): Promise<void> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, job.target);
  if (!row || row.type !== TAX_ID || row.deleted) return;
  const taxId = JSON.parse(row.json) as TaxId;
  if (taxId.verification?.status !== 'pending') return;
  const before = structuredClone(taxId);
  taxId.verification.status = checkOutcome(taxId.value);
  await saveObject(ctx.tx, ctx.account.id, TAX_ID, taxId, { update: true, fields: taxIdFields(taxId) });
  if (customerEvent(taxId)) await emitEvent(ctx, 'customer.tax_id.updated', taxId, before);
}

export const taxIdJobHandlers = { [VERIFY_TAX_ID_JOB]: verifyTaxId };
