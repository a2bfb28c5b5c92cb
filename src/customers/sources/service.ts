/**
 * A customer's legacy payment sources: cards and bank accounts made from tokens (or the network
 * table's `tok_` aliases) and kept on the customer, with the customer's `default_source`. The first
 * source added becomes the default; deleting the default makes the newest remaining source the
 * default (or none). Bank accounts start `new` and are verified with Stripe's test microdeposit
 * amounts (32 and 45).
 *
 * Sources of both kinds are stored as one type (`source`) with the customer and the object kind as
 * indexed fields, so a customer's sources list pages over both, filtered by `object` when asked.
 */
import { cardByKey } from '../../cards/network.js';
import { emitEvent } from '../../events/outbox.js';
import { declinedError } from '../../payments/authorization.js';
import { invalidRequest, resourceMissing, StripeError } from '../../platform/errors.js';
import { applyMetadata } from '../../platform/metadata.js';
import { type Loaded, loadObject, saveObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Source } from '../../sources/object.js';
import {
  applySourceUpdate,
  attachSourceObject,
  detachSourceObject,
  type LoadedSourceObject,
} from '../../sources/service.js';
import type { BankAccount, BankAccountState, Card, CardState, SourceObject } from '../../tokens/object.js';
import { SOURCE } from '../../tokens/object.js';
import { spendToken } from '../../tokens/service.js';
import { CUSTOMER, type Customer, customerIndexFields } from '../object.js';
import type { updateSourceParams } from './params.js';

type UpdateInput = ReturnType<typeof updateSourceParams.parse>;

/** A customer's source: a card or bank account it owns, or a card Source (`src_…`) attached to it. */
export type CustomerSource = SourceObject | Source;

export type LoadedSource = Loaded<CustomerSource, Partial<CardState> & BankAccountState>;

/** Stripe's test microdeposits: these two amounts verify a bank account. */
const VERIFY_AMOUNTS = [32, 45] as const;
/** Failed verifications Stripe allows before it refuses further attempts. */
const MAX_VERIFY_ATTEMPTS = 10;

export const sourceFields = (s: SourceObject) => ({ customer: s.customer, object: s.object });

/** Indexed fields of any customer source (a detached Source no longer lists under its customer). */
function customerSourceFields(s: CustomerSource) {
  if (s.object === 'source')
    return { customer: s.status === 'consumed' ? null : (s.customer ?? null), object: s.object };
  return sourceFields(s);
}

function noSuchSource(id: string, param = 'id'): StripeError {
  return resourceMissing('source', id, param);
}

/** A customer's source, or Stripe's "No such source" (also for another customer's). */
export async function loadSource(
  ctx: MutationContext,
  customerId: string,
  id: string,
  param = 'id',
): Promise<LoadedSource> {
  const loaded = await loadObject<CustomerSource, Partial<CardState> & BankAccountState>(
    ctx.tx,
    ctx.account.id,
    id,
    SOURCE,
    {
      label: 'source',
      param,
      forUpdate: true,
    },
  );
  const source = loaded.object;
  // A detached Source keeps its `customer` but is no longer one of the customer's sources.
  if (source.customer !== customerId || (source.object === 'source' && source.status === 'consumed')) {
    throw noSuchSource(id, param);
  }
  return loaded;
}

/** Rewrites a changed source (its row's creation time stays). */
async function saveSource(ctx: MutationContext, loaded: LoadedSource): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, SOURCE, loaded.object, {
    update: true,
    fields: customerSourceFields(loaded.object),
    internal: loaded.internal,
  });
}

/**
 * Cards that decline every charge are refused when attached, as Stripe's issuer check refuses them
 * (402 `card_error`); cards that only fail later (`tok_chargeCustomerFail`) attach.
 */
function attachCheck(state: CardState): void {
  const card = cardByKey(state.card);
  const decline = card?.behaviour.attachDeclines ? card.behaviour.decline : undefined;
  if (decline) throw declinedError(decline);
}

/**
 * Spends `token` (named by `param`) into a new source of `customerId`, or attaches a Source (`src_…`). Emits nothing: the caller
 * emits `customer.source.created` where Stripe's order puts it (see `emitSourceCreated`).
 */
export async function attachSource(
  ctx: MutationContext,
  customerId: string,
  token: string,
  param: string,
  metadata?: Record<string, string> | null,
): Promise<LoadedSource> {
  // A Source is attached as it is (not spent like a token): the same `src_` id, now the customer's.
  if (token.startsWith('src_')) return attachSourceObject(ctx, customerId, token, param, metadata);
  const spent = await spendToken(ctx, token, param);
  let loaded: LoadedSource;
  if (spent.kind === 'card') {
    attachCheck(spent.state);
    const card: Card = { ...spent.card, customer: customerId, metadata: applyMetadata({}, metadata) };
    loaded = { object: card, internal: spent.state };
  } else {
    const bank: BankAccount = { ...spent.bankAccount, customer: customerId, metadata: applyMetadata({}, metadata) };
    loaded = { object: bank, internal: spent.state };
  }
  // Sources have no `created` field; the row's creation time orders a customer's list.
  await ctx.tx.insertObject({
    account: ctx.account.id,
    id: loaded.object.id,
    type: SOURCE,
    created: ctx.clock.now(),
    data: loaded.object,
    fields: customerSourceFields(loaded.object),
    internal: loaded.internal,
  });
  return loaded;
}

export async function emitSourceCreated(ctx: MutationContext, source: CustomerSource): Promise<void> {
  await emitEvent(ctx, 'customer.source.created', source);
}

async function loadCustomerForUpdate(
  ctx: MutationContext,
  id: string,
): Promise<{ customer: Customer; created: number }> {
  const row = await ctx.tx.getObjectForUpdate(ctx.account.id, id);
  if (!row || row.type !== CUSTOMER || row.deleted) throw resourceMissing(CUSTOMER, id);
  return { customer: JSON.parse(row.json) as Customer, created: row.created };
}

/** Sets the customer's default source, emitting `customer.updated` when it changes. */
async function setDefaultSource(ctx: MutationContext, customerId: string, sourceId: string | null): Promise<void> {
  const { customer } = await loadCustomerForUpdate(ctx, customerId);
  if (customer.default_source === sourceId) return;
  const before = structuredClone(customer);
  customer.default_source = sourceId;
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id: customer.id,
    type: CUSTOMER,
    created: customer.created,
    data: customer,
    fields: customerIndexFields(customer),
  });
  await emitEvent(ctx, 'customer.updated', customer, before);
}

/** `POST /v1/customers/:customer/sources`: the first source becomes the default. */
export async function createSource(
  ctx: MutationContext,
  customerId: string,
  input: { source: string; metadata?: Record<string, string> | null },
): Promise<CustomerSource> {
  const { customer } = await loadCustomerForUpdate(ctx, customerId);
  const attached = (await attachSource(ctx, customerId, input.source, 'source', input.metadata)).object;
  await emitSourceCreated(ctx, attached);
  if (customer.default_source === null) await setDefaultSource(ctx, customerId, attached.id);
  return attached;
}

/** A `default_source` named in a customer update must be one of that customer's sources. */
export async function requireOwnSource(ctx: MutationContext, customerId: string, id: string): Promise<void> {
  await loadSource(ctx, customerId, id, 'default_source');
}

export async function updateSource(
  ctx: MutationContext,
  customerId: string,
  id: string,
  input: UpdateInput,
): Promise<CustomerSource> {
  await loadCustomerForUpdate(ctx, customerId);
  const loaded = await loadSource(ctx, customerId, id);
  const source = loaded.object;
  const before = structuredClone(source);
  if (source.object === 'source') {
    // Through the customer, a Source takes what `POST /v1/sources/:id` takes (metadata, owner).
    for (const key of Object.keys(input) as (keyof UpdateInput)[]) {
      if (input[key] != null && key !== 'metadata' && key !== 'owner' && key !== 'expand') {
        throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
      }
    }
    applySourceUpdate(source, { metadata: input.metadata, owner: input.owner });
    await saveSource(ctx, loaded);
    if (JSON.stringify(before) !== JSON.stringify(source)) {
      await emitEvent(ctx, 'customer.source.updated', source, before);
    }
    return source;
  }
  if (input.owner != null) {
    throw invalidRequest('`owner` can only be updated on Source objects (`src_`), not on cards or bank accounts.', {
      param: 'owner',
    });
  }
  const set = <K extends string>(obj: Record<K, unknown>, key: K, value: unknown) => {
    if (value !== undefined) obj[key] = value;
  };
  if (source.object === 'card') {
    for (const key of ['account_holder_name', 'account_holder_type'] as const) {
      if (input[key] != null)
        throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
    }
    const card = source as unknown as Record<string, unknown>;
    for (const key of [
      'address_city',
      'address_country',
      'address_line1',
      'address_line2',
      'address_state',
      'address_zip',
      'name',
    ] as const) {
      set(card, key, input[key]);
    }
    if (input.exp_month != null) {
      if (input.exp_month < 1 || input.exp_month > 12) {
        throw new StripeError({
          kind: 'payment_failed',
          type: 'card_error',
          code: 'invalid_expiry_month',
          message: "Your card's expiration month is invalid.",
          param: 'exp_month',
        });
      }
      source.exp_month = input.exp_month;
    }
    if (input.exp_year != null) source.exp_year = input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year;
    // A changed address is checked again by the issuer.
    const checks = cardByKey(loaded.internal.card ?? '')?.behaviour.checks ?? {};
    if (input.address_line1 !== undefined) {
      source.address_line1_check = source.address_line1 ? (checks.address_line1_check ?? 'pass') : null;
    }
    if (input.address_zip !== undefined) {
      source.address_zip_check = source.address_zip ? (checks.address_postal_code_check ?? 'pass') : null;
    }
  } else {
    for (const key of [
      'address_city',
      'address_country',
      'address_line1',
      'address_line2',
      'address_state',
      'address_zip',
      'exp_month',
      'exp_year',
      'name',
    ] as const) {
      if (input[key] != null)
        throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
    }
    set(source as unknown as Record<string, unknown>, 'account_holder_name', input.account_holder_name);
    set(source as unknown as Record<string, unknown>, 'account_holder_type', input.account_holder_type);
  }
  source.metadata = applyMetadata(source.metadata, input.metadata);
  await saveSource(ctx, loaded);
  if (JSON.stringify(before) !== JSON.stringify(source)) {
    await emitEvent(ctx, 'customer.source.updated', source, before);
  }
  return source;
}

/** Deletes a source; a deleted default is replaced by the newest remaining source, or none. */
export async function deleteSource(
  ctx: MutationContext,
  customerId: string,
  id: string,
): Promise<{ id: string; object: string; deleted: true } | Source> {
  const { customer } = await loadCustomerForUpdate(ctx, customerId);
  const loaded = await loadSource(ctx, customerId, id);
  let result: { id: string; object: string; deleted: true } | Source;
  if (loaded.object.object === 'source') {
    // A Source is detached, not deleted: it answers as itself, `consumed` (Stripe's "Detach a source").
    result = await detachSourceObject(ctx, loaded as LoadedSourceObject);
    await emitEvent(ctx, 'customer.source.deleted', result);
  } else {
    result = { id, object: loaded.object.object, deleted: true as const };
    await ctx.tx.markDeleted(ctx.account.id, id, result);
    await emitEvent(ctx, 'customer.source.deleted', loaded.object);
  }
  if (customer.default_source === id) {
    const next = await ctx.tx.listObjects({
      account: ctx.account.id,
      type: SOURCE,
      limit: 1,
      equals: { customer: customerId },
    });
    const nextId = next.rows[0]?.id ?? null;
    await setDefaultSource(ctx, customerId, nextId);
  }
  return result;
}

/** `POST …/sources/:id/verify`: Stripe's test microdeposit amounts (32, 45) verify a bank account. */
export async function verifySource(
  ctx: MutationContext,
  customerId: string,
  id: string,
  input: { amounts?: number[] | null },
): Promise<BankAccount> {
  await loadCustomerForUpdate(ctx, customerId);
  const loaded = await loadSource(ctx, customerId, id);
  const source = loaded.object;
  if (source.object !== 'bank_account') {
    throw invalidRequest('Only bank account sources can be verified.', { param: 'id' });
  }
  if (source.status === 'verified') {
    throw invalidRequest('This bank account has already been verified.', { code: 'bank_account_exists' });
  }
  const amounts = input.amounts ?? [];
  if (amounts.length !== 2) {
    throw invalidRequest('You must provide exactly two amounts to verify this bank account.', { param: 'amounts' });
  }
  const attempts = loaded.internal.verifyAttempts ?? 0;
  if (attempts >= MAX_VERIFY_ATTEMPTS) {
    throw invalidRequest('You have exceeded the maximum number of verification attempts for this bank account.', {
      code: 'bank_account_verification_failed',
    });
  }
  const matches = [...amounts].sort((a, b) => a - b).every((a, i) => a === VERIFY_AMOUNTS[i]);
  if (!matches) {
    loaded.internal.verifyAttempts = attempts + 1;
    await saveSource(ctx, loaded);
    throw new StripeError({
      kind: 'bad_request',
      type: 'invalid_request_error',
      code: 'bank_account_verification_failed',
      message: 'The amounts provided do not match the amounts that were sent to the bank account.',
      param: 'amounts',
      keepChanges: true,
    });
  }
  const before = structuredClone(source);
  source.status = 'verified';
  await saveSource(ctx, loaded);
  await emitEvent(ctx, 'customer.source.updated', source, before);
  return source;
}
