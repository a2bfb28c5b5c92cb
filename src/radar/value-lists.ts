/**
 * Radar value lists (`rsl_`) and their items (`rsli_`): named sets of values (emails, IP addresses,
 * card BINs…) that Radar rules refer to by alias. Sandbank keeps them as data: they do not block
 * or review payments. An alias is unique within the account; an item's value must suit the list's
 * `item_type`, and appears once per list (case-insensitively, except in `case_sensitive_string`
 * lists). A list embeds its newest items (`list_items`), rewritten whenever its items change.
 */
import { isIP } from 'node:net';
import { invalidRequest } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { allObjects, type ListEnvelope, listPage, listPageInMemory, type Positioned } from '../platform/list.js';
import { applyMetadata, type Metadata } from '../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';
import type { Range } from '../platform/params.js';
import type { Reader } from '../store/store.js';

export const VALUE_LIST = 'radar.value_list';
export const VALUE_LIST_ITEM = 'radar.value_list_item';

export const ITEM_TYPES = [
  'account',
  'card_bin',
  'card_fingerprint',
  'case_sensitive_string',
  'country',
  'crypto_fingerprint',
  'customer_id',
  'email',
  'ip_address',
  'sepa_debit_fingerprint',
  'string',
  'us_bank_account_fingerprint',
] as const;

export type ItemType = (typeof ITEM_TYPES)[number];

export interface ValueListItem {
  id: string;
  object: 'radar.value_list_item';
  created: number;
  created_by: string;
  livemode: false;
  value: string;
  value_list: string;
}

export interface ValueList {
  id: string;
  object: 'radar.value_list';
  alias: string;
  created: number;
  created_by: string;
  item_type: ItemType;
  list_items: ListEnvelope;
  livemode: false;
  metadata: Metadata;
  name: string;
}

/** Who made a list or item through the API: Stripe names the user; an API key has none, so this. */
const CREATED_BY = 'API';

/** How many items a list embeds in `list_items` (the default page size). */
const EMBEDDED_ITEMS = 10;

/** Aliases are written into rules as `@alias`, so they are word characters only. */
const ALIAS = /^[A-Za-z0-9_]+$/;

/** What each item type accepts; types without an entry take any non-empty string. */
const VALUE_FORMATS: Partial<Record<ItemType, (v: string) => boolean>> = {
  account: (v) => /^acct_[A-Za-z0-9]+$/.test(v),
  card_bin: (v) => /^\d{6,8}$/.test(v),
  card_fingerprint: (v) => /^[A-Za-z0-9]{16}$/.test(v),
  country: (v) => /^[A-Za-z]{2}$/.test(v),
  customer_id: (v) => /^cus_[A-Za-z0-9]+$/.test(v),
  email: (v) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v),
  ip_address: (v) => isIP(v) !== 0,
};

/** The form two values are compared in: exact for case-sensitive lists, else lower case. */
function matchKey(type: ItemType, value: string): string {
  return type === 'case_sensitive_string' ? value : value.toLowerCase();
}

const listFields = (l: ValueList) => ({ alias: l.alias });
const itemFields = (i: ValueListItem, type: ItemType) => ({
  value_list: i.value_list,
  match: matchKey(type, i.value),
});

async function saveList(ctx: MutationContext, list: ValueList, update: boolean): Promise<ValueList> {
  const data = sortFields(list);
  await saveObject(ctx.tx, ctx.account.id, VALUE_LIST, data, { update, fields: listFields(data) });
  return data;
}

async function loadList(ctx: MutationContext, id: string, param?: string): Promise<ValueList> {
  return (
    await loadObject<ValueList>(ctx.tx, ctx.account.id, id, VALUE_LIST, {
      forUpdate: true,
      ...(param ? { param } : {}),
    })
  ).object;
}

function itemsUrl(listId: string): string {
  return `/v1/radar/value_list_items?value_list=${listId}`;
}

function checkAlias(alias: string): void {
  if (!ALIAS.test(alias)) {
    throw invalidRequest(`Invalid alias '${alias}': an alias may contain only letters, numbers and underscores.`, {
      param: 'alias',
    });
  }
}

/** Refuses an alias another list of the account already has. */
async function checkAliasFree(ctx: MutationContext, alias: string, except?: string): Promise<void> {
  const page = await ctx.tx.listObjects({ account: ctx.account.id, type: VALUE_LIST, limit: 2, equals: { alias } });
  if (page.rows.some((row) => row.id !== except)) {
    throw invalidRequest(`A value list with the alias '${alias}' already exists.`, { param: 'alias' });
  }
}

export interface CreateListInput {
  alias: string;
  name: string;
  item_type?: ItemType | null;
  metadata?: Record<string, string> | null;
}

export async function createValueList(ctx: MutationContext, input: CreateListInput): Promise<ValueList> {
  checkAlias(input.alias);
  await checkAliasFree(ctx, input.alias);
  const id = newId('rsl', 24);
  return saveList(
    ctx,
    {
      id,
      object: 'radar.value_list',
      alias: input.alias,
      created: ctx.clock.now(),
      created_by: CREATED_BY,
      item_type: input.item_type ?? 'string',
      list_items: { object: 'list', data: [], has_more: false, url: itemsUrl(id) },
      livemode: false,
      metadata: applyMetadata({}, input.metadata),
      name: input.name,
    },
    false,
  );
}

export interface UpdateListInput {
  alias?: string | null;
  name?: string | null;
  metadata?: Record<string, string> | null;
}

/** Changes alias, name or metadata; `item_type` cannot change (the schema does not accept it). */
export async function updateValueList(ctx: MutationContext, id: string, input: UpdateListInput): Promise<ValueList> {
  const list = await loadList(ctx, id);
  if (input.alias) {
    checkAlias(input.alias);
    if (input.alias !== list.alias) await checkAliasFree(ctx, input.alias, list.id);
    list.alias = input.alias;
  }
  if (input.name) list.name = input.name;
  list.metadata = applyMetadata(list.metadata, input.metadata);
  return saveList(ctx, list, true);
}

/** Deletes a list and every item in it. */
export async function deleteValueList(ctx: MutationContext, id: string) {
  const list = await loadList(ctx, id);
  for (const item of await allObjects(ctx.tx, {
    account: ctx.account.id,
    type: VALUE_LIST_ITEM,
    equals: { value_list: list.id },
  })) {
    const itemId = item.object.id as string;
    await ctx.tx.markDeleted(ctx.account.id, itemId, { id: itemId, object: VALUE_LIST_ITEM, deleted: true });
  }
  const tombstone = { id: list.id, object: VALUE_LIST, deleted: true as const };
  await ctx.tx.markDeleted(ctx.account.id, list.id, tombstone);
  return tombstone;
}

/** Rewrites the list's embedded `list_items` after an item was added or removed. */
async function refreshEmbeddedItems(ctx: MutationContext, list: ValueList): Promise<void> {
  list.list_items = await listPage(ctx.tx, {
    account: ctx.account.id,
    type: VALUE_LIST_ITEM,
    url: itemsUrl(list.id),
    input: { limit: EMBEDDED_ITEMS },
    equals: { value_list: list.id },
  });
  await saveList(ctx, list, true);
}

export async function createValueListItem(
  ctx: MutationContext,
  input: { value: string; value_list: string },
): Promise<ValueListItem> {
  const list = await loadList(ctx, input.value_list, 'value_list');
  const valid = VALUE_FORMATS[list.item_type];
  if (valid && !valid(input.value)) {
    throw invalidRequest(`Invalid value '${input.value}' for a value list of item_type ${list.item_type}.`, {
      param: 'value',
    });
  }
  const duplicate = await ctx.tx.listObjects({
    account: ctx.account.id,
    type: VALUE_LIST_ITEM,
    limit: 1,
    equals: { value_list: list.id, match: matchKey(list.item_type, input.value) },
  });
  if (duplicate.rows.length > 0) {
    throw invalidRequest(`The value '${input.value}' is already in the value list ${list.id}.`, { param: 'value' });
  }
  const item = sortFields<ValueListItem>({
    id: newId('rsli', 24),
    object: 'radar.value_list_item',
    created: ctx.clock.now(),
    created_by: CREATED_BY,
    livemode: false,
    value: input.value,
    value_list: list.id,
  });
  await saveObject(ctx.tx, ctx.account.id, VALUE_LIST_ITEM, item, { fields: itemFields(item, list.item_type) });
  await refreshEmbeddedItems(ctx, list);
  return item;
}

export async function deleteValueListItem(ctx: MutationContext, id: string) {
  const { object: item } = await loadObject<ValueListItem>(ctx.tx, ctx.account.id, id, VALUE_LIST_ITEM, {
    forUpdate: true,
  });
  const tombstone = { id: item.id, object: VALUE_LIST_ITEM, deleted: true as const };
  await ctx.tx.markDeleted(ctx.account.id, item.id, tombstone);
  await refreshEmbeddedItems(ctx, await loadList(ctx, item.value_list));
  return tombstone;
}

export interface ListListsInput {
  alias?: string | null;
  contains?: string | null;
  created?: Range | null;
  limit?: number | null;
  starting_after?: string | null;
  ending_before?: string | null;
}

/** `GET /v1/radar/value_lists`: by alias (indexed), or the lists that contain a value. */
export async function listValueLists(reader: Reader, account: string, input: ListListsInput): Promise<ListEnvelope> {
  const url = '/v1/radar/value_lists';
  const equals = input.alias ? { alias: input.alias } : undefined;
  if (!input.contains)
    return listPage(reader, { account, type: VALUE_LIST, url, input, ...(equals ? { equals } : {}) });
  const value = input.contains;
  // Items are indexed as compared: lower case, except in case-sensitive lists (as sent).
  const keys = [...new Set([value, value.toLowerCase()])];
  const hits: Positioned[] = [];
  for (const match of keys)
    hits.push(...(await allObjects(reader, { account, type: VALUE_LIST_ITEM, equals: { match } })));
  const lists = await allObjects(reader, {
    account,
    type: VALUE_LIST,
    ...(equals ? { equals } : {}),
    ...(input.created ? { created: input.created } : {}),
  });
  const items = lists.filter(({ object }) => {
    const list = object as unknown as ValueList;
    return hits.some(({ object: o }) => {
      const item = o as unknown as ValueListItem;
      return item.value_list === list.id && matchKey(list.item_type, item.value) === matchKey(list.item_type, value);
    });
  });
  return listPageInMemory(reader, { account, type: VALUE_LIST, url, input, items });
}

export interface ListItemsInput {
  value_list: string;
  value?: string | null;
  created?: Range | null;
  limit?: number | null;
  starting_after?: string | null;
  ending_before?: string | null;
}

/** `GET /v1/radar/value_list_items`: one list's items, optionally those whose value is like `value`. */
export async function listValueListItems(
  reader: Reader,
  account: string,
  input: ListItemsInput,
): Promise<ListEnvelope> {
  await loadObject(reader, account, input.value_list, VALUE_LIST, { param: 'value_list' });
  const url = '/v1/radar/value_list_items';
  const equals = { value_list: input.value_list };
  if (!input.value) return listPage(reader, { account, type: VALUE_LIST_ITEM, url, input, equals });
  const needle = input.value.toLowerCase();
  const items = (
    await allObjects(reader, {
      account,
      type: VALUE_LIST_ITEM,
      equals,
      ...(input.created ? { created: input.created } : {}),
    })
  ).filter(({ object }) => (object as unknown as ValueListItem).value.toLowerCase().includes(needle));
  return listPageInMemory(reader, { account, type: VALUE_LIST_ITEM, url, input, items });
}
