/**
 * Sandbank's webhook controls (not under `/v1`): every delivery attempt, resending an event now,
 * and pausing or resuming delivery for the account. `sandbank listen` and `sandbank events resend`
 * use them.
 */
import { invalidRequest, resourceMissing } from '../platform/errors.js';
import { type Json, type Operation, readOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import type { Account } from '../store/store.js';
import type { WebhookWorker } from './delivery.js';
import { WEBHOOK_ENDPOINT } from './endpoints.js';

function settings(a: Account): Json {
  return { object: 'sandbank.webhook_settings', paused: a.webhooksPaused };
}

export function webhookControlOperations(worker: WebhookWorker): Operation[] {
  return [
    readOperation({
      method: 'GET',
      path: '/sandbank/v1/webhook_attempts',
      name: 'sandbank.webhook_attempts.list',
      params: params({
        event: p.string(),
        endpoint: p.string(),
        after: p.string(),
        limit: p.integer({ min: 1, max: 1000 }),
      }),
      returns: { list: 'sandbank.webhook_attempt' },
      handler: async (ctx, input) => {
        let afterSeq: number | undefined;
        if (input.after) {
          afterSeq = await ctx.reader.attemptSeq(ctx.account.id, input.after);
          if (afterSeq === undefined) throw resourceMissing('webhook attempt', input.after, 'after');
        }
        const page = await ctx.reader.listAttempts({
          account: ctx.account.id,
          ...(input.event ? { eventId: input.event } : {}),
          ...(input.endpoint ? { endpointId: input.endpoint } : {}),
          ...(afterSeq !== undefined ? { afterSeq } : {}),
          limit: input.limit ?? 100,
        });
        return {
          object: 'list',
          data: page.rows.map((r) => JSON.parse(r.json) as Json),
          has_more: page.hasMore,
          url: '/sandbank/v1/webhook_attempts',
        };
      },
    }),
    // Not a write operation: the worker writes the deliveries in transactions of its own.
    readOperation({
      method: 'POST',
      path: '/sandbank/v1/events/:id/resend',
      name: 'sandbank.events.resend',
      params: params({ endpoint: p.string() }),
      returns: { list: 'sandbank.webhook_delivery' },
      handler: async (ctx, input, { id }) => {
        const event = await ctx.reader.getEvent(ctx.account.id, id as string);
        if (!event) throw resourceMissing('event', id as string);
        if (input.endpoint) {
          const row = await ctx.reader.getObject(ctx.account.id, input.endpoint);
          if (!row || row.type !== WEBHOOK_ENDPOINT || row.deleted) {
            throw resourceMissing(WEBHOOK_ENDPOINT, input.endpoint, 'endpoint');
          }
        }
        const endpoints = await worker.resend(ctx.account, event.id, input.endpoint ?? undefined);
        if (endpoints.length === 0) {
          throw invalidRequest(`No enabled webhook endpoint of this account listens for ${event.type}.`, {
            param: 'endpoint',
          });
        }
        return {
          object: 'list',
          data: endpoints.map((e) => ({
            object: 'sandbank.webhook_delivery',
            event: event.id,
            endpoint: e.id,
            status: 'pending',
          })),
          has_more: false,
          url: `/sandbank/v1/events/${event.id}/resend`,
        };
      },
    }),
    readOperation({
      method: 'GET',
      path: '/sandbank/v1/webhooks',
      name: 'sandbank.webhooks.retrieve',
      params: params({}),
      returns: { object: 'sandbank.webhook_settings' },
      handler: async (ctx) => settings(ctx.account),
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      readOperation({
        method: 'POST',
        path: `/sandbank/v1/webhooks/${action}`,
        name: `sandbank.webhooks.${action}`,
        params: params({}),
        returns: { object: 'sandbank.webhook_settings' },
        handler: async (ctx) => {
          const updated = await worker.setPaused(ctx.account, action === 'pause');
          // Every cached key of this account shares this object (see auth.ts).
          Object.assign(ctx.account, updated);
          return settings(updated);
        },
      }),
    ),
  ];
}
