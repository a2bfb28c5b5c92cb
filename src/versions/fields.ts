/** Small tools the version changes share: adding a field in Stripe's order, and nested lists. */
import type { Json } from '../platform/operation.js';
import type { VersionSource } from '../platform/versions.js';

/**
 * Sets `key` on `object` in place, keeping Stripe's field order (`id`, `object`, then alphabetical),
 * so an older shape reads like one Stripe rendered.
 */
export function setField(object: Json, key: string, value: unknown): void {
  // A key a `load` step added already is still out of place: it is reordered like a new one.
  const keys = Object.keys(object);
  const at = keys.indexOf(key);
  object[key] = value;
  if (at !== -1 && inOrder(keys, at)) return;
  const { id, object: type, ...rest } = object;
  for (const k of Object.keys(object)) delete object[k];
  if (id !== undefined) object.id = id;
  if (type !== undefined) object.object = type;
  for (const k of Object.keys(rest).sort()) object[k] = rest[k];
}

/** Whether `keys[at]` sits where Stripe's order puts it (after `id`/`object`, alphabetically). */
function inOrder(keys: string[], at: number): boolean {
  const key = keys[at] as string;
  if (key === 'id' || key === 'object') return true;
  const before = keys[at - 1];
  const after = keys[at + 1];
  return (
    (before === undefined || before === 'id' || before === 'object' || before < key) &&
    (after === undefined || key < after)
  );
}

/** How many items older versions show in an included list (Stripe's default page size). */
export const INCLUDED_LIST_SIZE = 10;
/** How far `total_count` counts: the lists these changes include are short in practice. */
const COUNT_LIMIT = 100;

/**
 * An included list as older versions render them (`charge.refunds`, `payment_intent.charges`): the
 * first page, newest first, with `total_count`, which nested lists carried then.
 */
export async function includedList(
  source: VersionSource,
  type: string,
  equals: Record<string, string>,
  url: string,
): Promise<Json> {
  const page = await source.list(type, equals, COUNT_LIMIT);
  return {
    object: 'list',
    data: page.data.slice(0, INCLUDED_LIST_SIZE),
    has_more: page.has_more || page.data.length > INCLUDED_LIST_SIZE,
    total_count: page.data.length,
    url,
  };
}

/** The list shape with nothing in it, for an object rendered without a store (a deleted stub, a unit test). */
export function emptyIncludedList(url: string): Json {
  return { object: 'list', data: [], has_more: false, total_count: 0, url };
}

/** Deletes `keys` from `object` (fields a newer version introduced in place of older ones). */
export function removeFields(object: Json, ...keys: string[]): void {
  for (const key of keys) delete object[key];
}

/** The id of a reference field, expanded or not (`"pi_…"` or `{id: "pi_…", …}`), or null. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Json).id === 'string')
    return (value as Json).id as string;
  return null;
}

/** Whether a field holds an expanded (or embedded) object rather than an id. */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
