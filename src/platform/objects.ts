/**
 * Small helpers every resource uses to load and store its objects, so services read as domain logic:
 * Stripe's field order, "No such x" for missing or foreign ids, and one write call that keeps an
 * object's indexed fields and private state together.
 */
import type { IndexedFields, Reader, Transaction } from '../store/store.js';
import { resourceMissing } from './errors.js';

export interface StripeObject {
  id: string;
  object: string;
  created?: number;
}

/** Stripe's field order: `id`, `object`, then alphabetical (optional fields land in their place). */
export function sortFields<T extends { id: string; object: string }>(o: T): T {
  const { id, object, ...rest } = o;
  const sorted: Record<string, unknown> = { id, object };
  for (const key of Object.keys(rest).sort()) sorted[key] = (rest as Record<string, unknown>)[key];
  return sorted as T;
}

export interface Loaded<T, I> {
  object: T;
  internal: I;
}

/**
 * Loads an object of `type` (the stored type, e.g. `payment_intent`), or throws Stripe's
 * `No such <label>: 'id'` (404 for a path id, 400 naming `param` for a parameter). With a
 * transaction the row stays locked until commit.
 */
export async function loadObject<T, I = Record<string, never>>(
  reader: Reader | Transaction,
  account: string,
  id: string,
  type: string,
  opts: { label?: string; param?: string; forUpdate?: boolean } = {},
): Promise<Loaded<T, I>> {
  const row =
    opts.forUpdate && 'getObjectForUpdate' in reader
      ? await reader.getObjectForUpdate(account, id)
      : await reader.getObject(account, id);
  if (!row || row.type !== type || row.deleted) throw resourceMissing(opts.label ?? type, id, opts.param);
  return { object: JSON.parse(row.json) as T, internal: (row.internal ? JSON.parse(row.internal) : {}) as I };
}

/** Inserts (or, with `update`, rewrites) an object with its indexed fields and private state. */
export async function saveObject(
  tx: Transaction,
  account: string,
  type: string,
  object: StripeObject,
  opts: { update?: boolean; fields?: IndexedFields; internal?: object } = {},
): Promise<void> {
  const write = {
    account,
    id: object.id,
    type,
    created: object.created ?? 0,
    data: object,
    ...(opts.fields ? { fields: opts.fields } : {}),
    ...(opts.internal ? { internal: opts.internal } : {}),
  };
  if (opts.update) await tx.updateObject(write);
  else await tx.insertObject(write);
}
