/**
 * `expand[]`: a registry of expandable fields per object type, and the walk that replaces ids with
 * the objects they name (or fills in "includable" fields that are only present when expanded, such
 * as a customer's `tax`). Paths are dotted, at most four levels deep; on lists they start with
 * `data.`. Expanding a null leaves it null.
 */
import { invalidRequest } from './errors.js';

/** What an expansion may read: objects of the requesting account. */
export interface ExpandSource {
  load(id: string): Promise<Record<string, unknown> | undefined>;
  /**
   * The first `limit` objects of `type` whose indexed fields equal `equals`, newest first (for
   * includable lists such as a customer's `tax_ids`).
   */
  list(
    type: string,
    equals: Record<string, string>,
    limit: number,
  ): Promise<{ data: Record<string, unknown>[]; has_more: boolean }>;
}

export type ExpandableField =
  /** The field holds an object id; expansion loads that object (of type `to`, when always the same). */
  (
    | { kind: 'reference'; to?: string }
    /** The field is computed on demand from its parent object. */
    | { kind: 'includable'; resolve(parent: Record<string, unknown>, source: ExpandSource): Promise<unknown> }
  ) & {
    /**
     * The field exists only in API versions before this one (an invoice's `payment_intent` before
     * 2025-03-31.basil): newer requests may not expand it. Its value is what the older shape holds.
     */
    before?: string;
  };

const registry = new Map<string, Map<string, ExpandableField>>();

/** Declares `path` (dotted within the object, e.g. `invoice_settings.default_payment_method`) expandable on `objectType`. */
export function registerExpandable(objectType: string, path: string, field: ExpandableField): void {
  const fields = registry.get(objectType) ?? new Map<string, ExpandableField>();
  registry.set(objectType, fields);
  fields.set(path, field);
}

export const MAX_EXPAND_DEPTH = 4;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What an operation returns, for checking `expand[]` before anything runs. */
export type ExpandRoot = { object: string } | { list: string } | { search: string };

function tooDeep(path: string) {
  return invalidRequest(`You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`, {
    code: 'property_expansion_max_depth',
    param: 'expand',
  });
}

/**
 * Rejects paths that cannot expand on what the operation returns, before it executes — so a bad
 * `expand[]` is a validation error (never stored against an idempotency key) and is caught even on
 * an empty list. Levels behind a reference of unknown type are checked while rendering.
 */
export function checkExpandPaths(root: ExpandRoot, paths: readonly string[], version?: string): void {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) throw tooDeep(path);
    let type: string | undefined;
    let rest = segments;
    if ('object' in root) type = root.object;
    else if (segments[0] === 'data' && segments.length > 1) {
      type = 'list' in root ? root.list : root.search;
      rest = segments.slice(1);
    } else if ('search' in root && path === 'total_count') continue;
    else {
      throw cannotExpand(path, 'list' in root ? root.list : root.search);
    }
    checkOnType(type, rest, path, version);
  }
}

function checkOnType(type: string, segments: string[], fullPath: string, version: string | undefined): void {
  if (segments.length === 0) return;
  const found = registeredField(type, segments, version);
  if (found) {
    if (found.spec.kind === 'reference' && found.spec.to)
      checkOnType(found.spec.to, segments.slice(found.take), fullPath, version);
    return;
  }
  throw cannotExpand(fullPath);
}

/** Expands every path in `paths` on `root` in place, for a request made with `version` (default: the newest). */
export async function expand(
  root: Json,
  paths: readonly string[],
  source: ExpandSource,
  version?: string,
): Promise<void> {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) throw tooDeep(path);
    await expandAt(root, segments, path, source, true, version);
  }
}

async function expandAt(
  node: Json,
  segments: string[],
  fullPath: string,
  source: ExpandSource,
  atRoot: boolean,
  version?: string,
) {
  if (segments.length === 0) return;
  // A list (or search result): `data.x` applies `x` to every element; `data` alone names no expandable field.
  if (
    (node.object === 'list' || node.object === 'search_result') &&
    segments[0] === 'data' &&
    segments.length > 1 &&
    Array.isArray(node.data)
  ) {
    for (const item of node.data)
      if (isObject(item)) await expandAt(item, segments.slice(1), fullPath, source, false, version);
    return;
  }
  const found = registeredField(String(node.object), segments, version);
  if (found) {
    const { spec, take } = found;
    // A deleted object answers as its `{id, object, deleted}` stub: the path is valid, but nothing is added.
    if (node.deleted === true) return;
    const parentPath = segments.slice(0, take - 1);
    const last = segments[take - 1] as string;
    const parent = walk(node, parentPath);
    if (!parent) return;
    let value = parent[last];
    if (spec.kind === 'includable') {
      value = await spec.resolve(node, source);
      parent[last] = value;
    } else if (typeof value === 'string') {
      value = (await source.load(value)) ?? value;
      parent[last] = value;
    } else if (Array.isArray(value)) {
      // A list of references (`discounts`): each id becomes its object, and deeper paths apply to each.
      const items: unknown[] = [];
      for (const item of value) items.push(typeof item === 'string' ? ((await source.load(item)) ?? item) : item);
      parent[last] = items;
      for (const item of items)
        if (isObject(item)) await expandAt(item, segments.slice(take), fullPath, source, false, version);
      return;
    }
    if (isObject(value)) await expandAt(value, segments.slice(take), fullPath, source, false, version);
    return;
  }
  throw notExpandable(node, fullPath, atRoot);
}

/**
 * The registered field a path starts with on `type`: registered paths may contain dots themselves
 * (`invoice_settings.default_payment_method`), so the longest match wins. `take` is its segment count.
 */
function registeredField(
  type: string,
  segments: string[],
  version: string | undefined,
): { spec: ExpandableField; take: number } | undefined {
  const fields = registry.get(type);
  for (let take = segments.length; take >= 1; take--) {
    const spec = fields?.get(segments.slice(0, take).join('.'));
    if (spec && existsIn(spec, version)) return { spec, take };
  }
  return undefined;
}

/** Whether a field registered with `before` exists for `version` (absent: the newest, where it does not). */
function existsIn(spec: ExpandableField, version: string | undefined): boolean {
  return spec.before === undefined || (version !== undefined && version.slice(0, 10) < spec.before.slice(0, 10));
}

function walk(node: Json, path: string[]): Json | undefined {
  let current: unknown = node;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : undefined;
}

function notExpandable(node: Json, fullPath: string, atRoot: boolean) {
  const listItem = Array.isArray(node.data) ? node.data.find(isObject) : undefined;
  return cannotExpand(fullPath, atRoot && node.object === 'list' ? String(listItem?.object) : undefined);
}

/** Stripe's refusal; on a list, a hint to expand `data.<path>` when the items have that field. */
function cannotExpand(path: string, listItemType?: string) {
  const field = path.split('.')[0] as string;
  const hint =
    listItemType !== undefined && registry.get(listItemType)?.has(field)
      ? ` You may want to try expanding 'data.${path}' instead.`
      : '';
  return invalidRequest(`This property cannot be expanded (${path}).${hint}`, { param: 'expand' });
}
