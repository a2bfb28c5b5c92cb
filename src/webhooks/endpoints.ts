/**
 * Webhook endpoints (`/v1/webhook_endpoints`): where an account's events are delivered. The signing
 * secret is private state, shown once, in the create response, as Stripe does.
 */
import { isKnownEventType } from '../events/types.js';
import { invalidRequest } from '../platform/errors.js';
import { newId, randomBase62 } from '../platform/ids.js';
import { expandParam, listParams } from '../platform/list.js';
import { applyMetadata } from '../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import { type Json, type MutationContext, type Operation, writeOperation } from '../platform/operation.js';
import { p, params } from '../platform/params.js';
import { listOperation, retrieveOperation } from '../platform/resource-routes.js';
import { resolveVersion } from '../platform/versions.js';

export const WEBHOOK_ENDPOINT = 'webhook_endpoint';

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: false;
  metadata: Record<string, string>;
  secret?: string;
  status: 'enabled' | 'disabled';
  url: string;
}

export interface WebhookEndpointState {
  /** `whsec_…`: the HMAC key of every signature, kept out of the object's JSON. */
  secret: string;
}

/** Whether an endpoint listening for `enabled` wants an event of `type`. */
export function wantsEvent(enabled: readonly string[], type: string): boolean {
  return enabled.includes('*') || enabled.includes(type);
}

function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // Stripe requires https for live endpoints; test mode (and a local Sandbank) delivers over http too.
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw invalidRequest(`Invalid URL: ${url}. URLs must begin with http:// or https://.`, { param: 'url' });
  }
}

function checkEnabledEvents(events: string[]): void {
  if (events.length === 0) {
    throw invalidRequest('Invalid enabled_events: must contain at least one event type.', { param: 'enabled_events' });
  }
  events.forEach((type, i) => {
    if (type !== '*' && !isKnownEventType(type)) {
      throw invalidRequest(`Invalid enabled_events[${i}]: ${type} is not a valid event type.`, {
        param: `enabled_events[${i}]`,
      });
    }
  });
}

function checkApiVersion(version: string): string {
  try {
    return resolveVersion(version);
  } catch {
    throw invalidRequest(`Invalid api_version: ${version}`, { param: 'api_version' });
  }
}

const createParams = params({
  api_version: p.string(),
  connect: p.boolean(),
  description: p.string(),
  enabled_events: p.array(p.string(), { required: true }),
  expand: expandParam,
  metadata: p.stringMap(),
  url: p.string({ required: true }),
});

const updateParams = params({
  description: p.string(),
  disabled: p.boolean(),
  enabled_events: p.array(p.string()),
  expand: expandParam,
  metadata: p.stringMap(),
  url: p.string(),
});

async function createEndpoint(
  ctx: MutationContext,
  input: ReturnType<typeof createParams.parse>,
): Promise<WebhookEndpoint> {
  checkUrl(input.url);
  checkEnabledEvents(input.enabled_events);
  if (input.connect) {
    throw invalidRequest('Connect endpoints need Connect, which Sandbank does not support yet.', { param: 'connect' });
  }
  const endpoint = sortFields<WebhookEndpoint>({
    id: newId('we', 24),
    object: 'webhook_endpoint',
    api_version: input.api_version ? checkApiVersion(input.api_version) : null,
    application: null,
    created: ctx.clock.now(),
    description: input.description ?? null,
    enabled_events: input.enabled_events,
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    status: 'enabled',
    url: input.url,
  });
  const state: WebhookEndpointState = { secret: `whsec_${randomBase62(32)}` };
  await saveObject(ctx.tx, ctx.account.id, WEBHOOK_ENDPOINT, endpoint, { internal: state });
  // Every node's fan-out (webhooks/fanout.ts) reloads this account's endpoints on its next event.
  await ctx.tx.bumpEndpointsVersion(ctx.account.id);
  return sortFields({ ...endpoint, secret: state.secret });
}

async function updateEndpoint(
  ctx: MutationContext,
  id: string,
  input: ReturnType<typeof updateParams.parse>,
): Promise<WebhookEndpoint> {
  const { object: endpoint } = await loadObject<WebhookEndpoint>(ctx.tx, ctx.account.id, id, WEBHOOK_ENDPOINT, {
    forUpdate: true,
  });
  if (input.url) {
    checkUrl(input.url);
    endpoint.url = input.url;
  }
  if (input.enabled_events) {
    checkEnabledEvents(input.enabled_events);
    endpoint.enabled_events = input.enabled_events;
  }
  if (input.description !== undefined) endpoint.description = input.description;
  if (input.disabled != null) endpoint.status = input.disabled ? 'disabled' : 'enabled';
  endpoint.metadata = applyMetadata(endpoint.metadata, input.metadata);
  await saveObject(ctx.tx, ctx.account.id, WEBHOOK_ENDPOINT, endpoint, { update: true });
  await ctx.tx.bumpEndpointsVersion(ctx.account.id);
  return endpoint;
}

async function deleteEndpoint(ctx: MutationContext, id: string): Promise<Json> {
  await loadObject(ctx.tx, ctx.account.id, id, WEBHOOK_ENDPOINT, { forUpdate: true });
  const tombstone = { id, object: WEBHOOK_ENDPOINT, deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  await ctx.tx.bumpEndpointsVersion(ctx.account.id);
  return tombstone;
}

export const webhookEndpointOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/webhook_endpoints',
    name: 'webhook_endpoints.create',
    params: createParams,
    returns: { object: WEBHOOK_ENDPOINT },
    handler: async (ctx, input) => (await createEndpoint(ctx, input)) as unknown as Json,
  }),
  retrieveOperation({
    path: '/v1/webhook_endpoints/:id',
    name: 'webhook_endpoints.retrieve',
    type: WEBHOOK_ENDPOINT,
    params: params({ expand: expandParam }),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    name: 'webhook_endpoints.update',
    params: updateParams,
    returns: { object: WEBHOOK_ENDPOINT },
    handler: async (ctx, input, { id }) => (await updateEndpoint(ctx, id as string, input)) as unknown as Json,
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    name: 'webhook_endpoints.delete',
    params: params({}),
    returns: { object: WEBHOOK_ENDPOINT },
    handler: async (ctx, _input, { id }) => deleteEndpoint(ctx, id as string),
  }),
  listOperation({
    path: '/v1/webhook_endpoints',
    name: 'webhook_endpoints.list',
    type: WEBHOOK_ENDPOINT,
    params: params({ ...listParams }),
  }),
];
