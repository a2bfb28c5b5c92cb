/**
 * The two endpoints nearly every resource has, built from data: retrieve by id and a filtered list.
 * A resource's routes file then holds only what is particular to it.
 */
import { type ListInput, listPage } from './list.js';
import { loadObject } from './objects.js';
import { type Json, type Operation, readOperation } from './operation.js';
import type { Field } from './params.js';

/** `GET <path>` with an `:id`: the stored object of `type`, or Stripe's `No such <label>` 404. */
export function retrieveOperation(def: {
  path: string;
  name: string;
  type: string;
  params: Field<unknown>;
  /** How Stripe names the object in "No such …" (default: the type). */
  label?: string;
}): Operation {
  return readOperation({
    method: 'GET',
    path: def.path,
    name: def.name,
    params: def.params,
    returns: { object: def.type },
    handler: async (ctx, _input, { id }) =>
      (
        await loadObject<Json>(ctx.reader, ctx.account.id, id as string, def.type, {
          ...(def.label ? { label: def.label } : {}),
        })
      ).object,
  });
}

/**
 * A list filter: the list parameter filters on the indexed field of the same name. With
 * `references`, the value is the id of an object of that type, which must exist (Stripe answers
 * "No such …" naming the parameter rather than an empty list).
 */
export type ListFilter = true | { references: string; label?: string };

/** `GET <path>`: Stripe's list envelope of `type`, newest first, narrowed by the given filters. */
export function listOperation<P extends ListInput>(def: {
  path: string;
  name: string;
  type: string;
  params: Field<P>;
  filters?: Record<string, ListFilter>;
  /** Indexed fields every page is narrowed by, whatever the request says (e.g. open reviews only). */
  fixed?: Record<string, string>;
}): Operation {
  return readOperation({
    method: 'GET',
    path: def.path,
    name: def.name,
    params: def.params,
    returns: { list: def.type },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = { ...def.fixed };
      for (const [param, filter] of Object.entries(def.filters ?? {})) {
        const value = (input as Record<string, unknown>)[param];
        if (typeof value !== 'string' || value === '') continue;
        if (filter !== true) {
          await loadObject(ctx.reader, ctx.account.id, value, filter.references, {
            param,
            ...(filter.label ? { label: filter.label } : {}),
          });
        }
        equals[param] = value;
      }
      const url = def.path;
      return (await listPage(ctx.reader, {
        account: ctx.account.id,
        type: def.type,
        url,
        input,
        equals,
      })) as unknown as Json;
    },
  });
}
