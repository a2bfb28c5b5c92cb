/** `GET /v1/events` and `GET /v1/events/:id`: the last 30 days of an account's events. */
import { invalidRequest, resourceMissing } from '../platform/errors.js';
import { expandParam, listParams } from '../platform/list.js';
import { type Json, type Operation, type ReadContext, readOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import { renderEvent, storeVersionSource } from '../platform/versions.js';
import type { Cursor, EventQuery, StoredEvent } from '../store/store.js';
import { EVENT } from './outbox.js';

/** Stripe lists and retrieves events of the last 30 days only. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

const listEventsParams = params({
  ...listParams,
  created: p.range(),
  delivery_success: p.boolean(),
  type: p.string(),
  types: p.array(p.string(), { maxItems: 20 }),
});

/** `type` or `types[]`: exact names, and `charge.*`-style wildcards as prefixes. */
function typeFilter(input: { type?: string | null; types?: string[] | null }): EventQuery['types'] {
  if (input.type && input.types) {
    throw invalidRequest('You may only specify one of these parameters: type, types.', { param: 'types' });
  }
  const names = input.types ?? (input.type ? [input.type] : []);
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const name of names) {
    if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
    else exact.push(name);
  }
  return { exact, prefixes };
}

/**
 * The event as delivered now: `pending_webhooks` counts the deliveries still outstanding. Its
 * `data.object` keeps the shape of the event's own `api_version` (the account's version when it was
 * created), whatever version the request asks for — as Stripe's events do.
 */
async function render(ctx: ReadContext, events: StoredEvent[]): Promise<Json[]> {
  const pending = await ctx.reader.pendingWebhooks(
    ctx.account.id,
    events.map((e) => e.id),
  );
  const source = storeVersionSource(ctx.reader, ctx.account.id);
  const rendered: Json[] = [];
  for (const e of events) {
    const event = JSON.parse(e.json) as Json;
    event.pending_webhooks = pending.get(e.id) ?? 0;
    rendered.push(await renderEvent(event, String(event.api_version), source));
  }
  return rendered;
}

function oldest(ctx: ReadContext): number {
  return ctx.clock.now() - EVENT_RETENTION_SECONDS;
}

async function visibleEvent(ctx: ReadContext, id: string, param = 'id'): Promise<StoredEvent> {
  const event = await ctx.reader.getEvent(ctx.account.id, id);
  if (!event || event.created < oldest(ctx)) throw resourceMissing(EVENT, id, param);
  return event;
}

export const eventOperations: Operation[] = [
  readOperation({
    method: 'GET',
    path: '/v1/events/:id',
    name: 'events.retrieve',
    params: params({ expand: expandParam }),
    returns: { object: EVENT },
    handler: async (ctx, _input, { id }) => (await render(ctx, [await visibleEvent(ctx, id as string)]))[0] as Json,
  }),
  readOperation({
    method: 'GET',
    path: '/v1/events',
    name: 'events.list',
    params: listEventsParams,
    returns: { list: EVENT },
    handler: async (ctx, input) => {
      if (input.starting_after && input.ending_before) {
        throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
          param: 'ending_before',
        });
      }
      const cursor = async (id: string, param: string): Promise<Cursor> => {
        const e = await visibleEvent(ctx, id, param);
        return { created: e.created, seq: e.seq };
      };
      const created = { ...input.created };
      created.gte = Math.max(created.gte ?? 0, oldest(ctx));
      const query: EventQuery = {
        account: ctx.account.id,
        limit: input.limit ?? 10,
        created,
        types: typeFilter(input),
      };
      if (input.delivery_success != null) query.deliverySuccess = input.delivery_success;
      if (input.starting_after) query.after = await cursor(input.starting_after, 'starting_after');
      if (input.ending_before) query.before = await cursor(input.ending_before, 'ending_before');
      const page = await ctx.reader.listEvents(query);
      return { object: 'list', data: await render(ctx, page.rows), has_more: page.hasMore, url: '/v1/events' };
    },
  }),
];
