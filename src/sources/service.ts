/**
 * The legacy Sources API for cards: `POST /v1/sources` turns a token, a `tok_` alias or raw card
 * details into a chargeable, reusable card source (`src_…`); it can be updated (metadata, owner,
 * amount), attached to a customer (then it is one of the customer's sources and may be its
 * `default_source`), charged through the Charges API or a PaymentIntent, and detached (then it is
 * `consumed`). A reusable source charged without being attached is consumed too, as Stripe's docs
 * say. Every other source type (redirects, receivers, code verification) is refused: those are the
 * non-card payment methods, which Sandbank does not model through Sources.
 */
import { emitEvent } from '../events/outbox.js';
import { invalidRequest, resourceMissing, type StripeError } from '../platform/errors.js';
import { newId, randomBase62 } from '../platform/ids.js';
import { applyMetadata } from '../platform/metadata.js';
import { type Loaded, loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';
import { type Card, type CardState, SOURCE } from '../tokens/object.js';
import { cardFromDetails, spendToken } from '../tokens/service.js';
import {
  type Source,
  type SourceAddress,
  type SourceOwner,
  sourceAsCard,
  sourceCard,
  sourceObjectFields,
} from './object.js';
import type { createSourceObjectParams, updateSourceObjectParams } from './params.js';

type CreateInput = ReturnType<typeof createSourceObjectParams.parse>;
type UpdateInput = ReturnType<typeof updateSourceObjectParams.parse>;
type OwnerInput = NonNullable<CreateInput['owner']>;

export type LoadedSourceObject = Loaded<Source, CardState>;

function missing(param: string): StripeError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

function cardSourcesOnly(type: string): StripeError {
  return invalidRequest(
    `Sandbank models card sources only: sources of type \`${type}\` are not available. Use PaymentMethods for other payment methods.`,
    { param: 'type' },
  );
}

/** A parameter that only other source types take (`redirect`, `receiver`, …). */
function notForCards(param: string): StripeError {
  return invalidRequest(`\`${param}\` cannot be used with sources of type \`card\`.`, { param });
}

const EMPTY_ADDRESS: SourceAddress = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

function toAddress(input: OwnerInput['address']): SourceAddress | null {
  if (!input) return null;
  return {
    city: input.city ?? null,
    country: input.country ?? null,
    line1: input.line1 ?? null,
    line2: input.line2 ?? null,
    postal_code: input.postal_code ?? null,
    state: input.state ?? null,
  };
}

/** The card's own name and address stand for the owner's unless the owner is given. */
function ownerFor(card: Card, input: OwnerInput | null | undefined): SourceOwner {
  const cardAddress =
    card.address_line1 || card.address_zip || card.address_city || card.address_country
      ? {
          city: card.address_city,
          country: card.address_country,
          line1: card.address_line1,
          line2: card.address_line2,
          postal_code: card.address_zip,
          state: card.address_state,
        }
      : null;
  return {
    address: toAddress(input?.address) ?? cardAddress,
    email: input?.email ?? null,
    name: input?.name ?? card.name,
    phone: input?.phone ?? null,
    verified_address: null,
    verified_email: null,
    verified_name: null,
    verified_phone: null,
  };
}

/** The card a new source is made from: a token or alias (spent), or raw details (checked, then dropped). */
async function cardForSource(ctx: MutationContext, input: CreateInput): Promise<{ card: Card; state: CardState }> {
  if (input.token && input.card) {
    throw invalidRequest('You may only specify one of these parameters: token, card.', { param: 'card' });
  }
  if (input.token) {
    const spent = await spendToken(ctx, input.token, 'token');
    if (spent.kind !== 'card') throw cardSourcesOnly('bank_account');
    return { card: spent.card, state: spent.state };
  }
  if (!input.card) throw missing('card');
  return cardFromDetails(ctx, input.card);
}

/** `POST /v1/sources`. */
export async function createSourceObject(ctx: MutationContext, input: CreateInput): Promise<Source> {
  if (input.customer || input.original_source) {
    throw invalidRequest('Cloning a customer\u2019s source needs Connect, which Sandbank does not support yet.', {
      param: input.customer ? 'customer' : 'original_source',
    });
  }
  const type = input.type ?? (input.token ? 'card' : null);
  if (!type) throw missing('type');
  if (type !== 'card') throw cardSourcesOnly(type);
  if (input.flow && input.flow !== 'none') throw notForCards('flow');
  for (const param of ['mandate', 'receiver', 'redirect', 'source_order'] as const) {
    if (input[param] != null) throw notForCards(param);
  }
  const { card, state } = await cardForSource(ctx, input);
  const source: Source = sortFields<Source>({
    id: newId('src', 24),
    object: 'source',
    allow_redisplay: 'unspecified',
    amount: input.amount ?? null,
    card: sourceCard(card, state.card),
    client_secret: `src_client_secret_${randomBase62(24)}`,
    created: ctx.clock.now(),
    currency: input.currency ? input.currency.toLowerCase() : null,
    flow: 'none',
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    owner: ownerFor(card, input.owner),
    statement_descriptor: input.statement_descriptor ?? null,
    status: 'chargeable',
    type: 'card',
    usage: input.usage ?? 'reusable',
  });
  await saveObject(ctx.tx, ctx.account.id, SOURCE, source, {
    fields: sourceObjectFields(source),
    internal: { card: state.card },
  });
  // A card source needs no customer action: it is chargeable from the start, and says so.
  await emitEvent(ctx, 'source.chargeable', source);
  return source;
}

/** A Source (`src_…`), or Stripe's "No such source" (also for cards and bank accounts, which are not Sources). */
export async function loadSourceObject(ctx: MutationContext, id: string, param = 'id'): Promise<LoadedSourceObject> {
  const loaded = await loadObject<Source, CardState>(ctx.tx, ctx.account.id, id, SOURCE, {
    param,
    forUpdate: true,
  });
  if (loaded.object.object !== 'source') throw resourceMissing('source', id, param);
  return loaded;
}

export async function saveSourceObject(ctx: MutationContext, loaded: LoadedSourceObject): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, SOURCE, loaded.object, {
    update: true,
    fields: sourceObjectFields(loaded.object),
    internal: loaded.internal,
  });
}

/** Metadata, amount and owner (merged field by field, as Stripe merges it) of a card source. */
export function applySourceUpdate(source: Source, input: Partial<UpdateInput>): void {
  for (const param of ['mandate', 'source_order'] as const) {
    if (input[param] != null) throw notForCards(param);
  }
  if (input.amount !== undefined) source.amount = input.amount ?? null;
  if (input.owner) {
    const owner = input.owner;
    if (owner.address !== undefined) {
      const current: SourceAddress = source.owner.address ?? EMPTY_ADDRESS;
      source.owner.address = owner.address ? { ...current, ...definedOnly(owner.address) } : null;
    }
    for (const key of ['email', 'name', 'phone'] as const) {
      if (owner[key] !== undefined) source.owner[key] = owner[key] ?? null;
    }
  }
  source.metadata = applyMetadata(source.metadata, input.metadata);
}

function definedOnly(address: NonNullable<OwnerInput['address']>): Partial<SourceAddress> {
  return Object.fromEntries(Object.entries(address).filter(([, v]) => v !== undefined)) as Partial<SourceAddress>;
}

/** `POST /v1/sources/:id`. An attached source's change is the customer's too (`customer.source.updated`). */
export async function updateSourceObject(ctx: MutationContext, id: string, input: UpdateInput): Promise<Source> {
  const loaded = await loadSourceObject(ctx, id);
  const source = loaded.object;
  const before = structuredClone(source);
  applySourceUpdate(source, input);
  await saveSourceObject(ctx, loaded);
  if (source.customer && source.status === 'chargeable' && JSON.stringify(before) !== JSON.stringify(source)) {
    await emitEvent(ctx, 'customer.source.updated', source, before);
  }
  return source;
}

/** `POST /v1/sources/:id/verify`: only code-verification sources verify; a card source has nothing to verify. */
export async function verifySourceObject(ctx: MutationContext, id: string): Promise<Source> {
  const { object } = await loadSourceObject(ctx, id);
  throw invalidRequest(
    `This source cannot be verified: only sources with \`flow=code_verification\` can be verified, and ${object.id} has \`flow=${object.flow}\`.`,
    { param: 'id' },
  );
}

/**
 * A source that can no longer be charged is refused: a consumed reusable one with Stripe's own
 * words (it was charged unattached, or detached), any other with a plain statement of its state.
 */
export function requireChargeable(source: Source, param: string): void {
  if (source.status === 'chargeable') return;
  if (source.status === 'consumed' && source.usage === 'reusable') {
    throw invalidRequest(
      'The reusable source you provided is consumed because it was previously charged without being attached to a customer or was detached from a customer. To charge a reusable source multiple time you must attach it to a customer first.',
      { param },
    );
  }
  throw invalidRequest(`The source you provided (${source.id}) is ${source.status} and can no longer be charged.`, {
    param,
  });
}

/**
 * A source about to be charged (or used as a PaymentIntent's payment method): chargeable, and, when
 * attached, charged with its customer — Stripe's messages for each mismatch.
 */
export async function chargeableSource(
  ctx: MutationContext,
  id: string,
  customer: string | null,
  param: string,
): Promise<LoadedSourceObject> {
  const loaded = await loadSourceObject(ctx, id, param);
  const source = loaded.object;
  requireChargeable(source, param);
  if (source.customer && !customer) {
    throw invalidRequest(
      `The source ${id} belongs to the customer ${source.customer}; include the customer when charging it.`,
      { param: 'customer' },
    );
  }
  if (customer && source.customer !== customer) {
    throw invalidRequest(`Customer ${customer} does not have a linked source with ID ${id}.`, {
      code: 'resource_missing',
      param,
    });
  }
  return loaded;
}

/** The card to charge for a chargeable source, as the card paths take it. */
export function cardOfSource(loaded: LoadedSourceObject): { card: Card; state: CardState } {
  return { card: sourceAsCard(loaded.object), state: { card: loaded.internal.card } };
}

/**
 * After a charge: a source charged without a customer, or a single-use one, cannot be charged again
 * (Stripe: `consumed`).
 */
export async function consumeAfterCharge(ctx: MutationContext, loaded: LoadedSourceObject): Promise<void> {
  const source = loaded.object;
  if ((source.customer && source.usage === 'reusable') || source.status !== 'chargeable') return;
  source.status = 'consumed';
  await saveSourceObject(ctx, loaded);
}

/** Attaches a chargeable, unattached source to a customer (the caller emits `customer.source.created`). */
export async function attachSourceObject(
  ctx: MutationContext,
  customer: string,
  id: string,
  param: string,
  metadata?: Record<string, string> | null,
): Promise<LoadedSourceObject> {
  const loaded = await loadSourceObject(ctx, id, param);
  const source = loaded.object;
  requireChargeable(source, param);
  if (source.customer) {
    throw invalidRequest(
      source.customer === customer
        ? `The source ${id} is already attached to this customer.`
        : `The source ${id} is already attached to another customer.`,
      { param },
    );
  }
  source.customer = customer;
  source.metadata = applyMetadata(source.metadata, metadata);
  loaded.object = sortFields(source);
  await saveSourceObject(ctx, loaded);
  return loaded;
}

/** Detaches a source from its customer: it is `consumed` and cannot be charged again, as Stripe documents. */
export async function detachSourceObject(ctx: MutationContext, loaded: LoadedSourceObject): Promise<Source> {
  loaded.object.status = 'consumed';
  await saveSourceObject(ctx, loaded);
  return loaded.object;
}
