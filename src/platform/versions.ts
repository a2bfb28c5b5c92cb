/**
 * API versions. Objects are stored and computed in the newest shape; a response is rendered for the
 * version the request asked for (`Stripe-Version`) or the default, by applying, newest first, the
 * transform of every version change newer than the requested version. The changes themselves are
 * data, one file per version date, in src/versions/; adding one is adding an entry there.
 */
import type { Reader } from '../store/store.js';
import { invalidRequest } from './errors.js';
import type { ExpandSource } from './expand.js';
import type { Json } from './operation.js';

/** The version the current `stripe` npm package pins (stripe@23.1.0), and Sandbank's default. */
export const LATEST_VERSION = '2026-10-28.endive';

/**
 * What a version change may read to build an older shape: the lists older versions included, and
 * the objects they embedded where the newer shape only names them (an invoice line's `price`).
 * The same reads expansions make, limited to the requesting account.
 */
export type VersionSource = Pick<ExpandSource, 'list' | 'load'>;

/** One documented shape change: the first version with the new shape, and the step back to the old one. */
export interface VersionChange {
  /** Requests for versions before this one get `downgrade` applied. */
  version: string;
  /** The object type it changes (`charge`, `payment_intent`, …); without one, every object. */
  object?: string;
  /** One line naming the documented change. */
  describe: string;
  /**
   * Fetches what the older shape includes but the newer one only links to (a charge's refunds), and
   * sets it on `object` in the newest shape; `downgrade` then runs on it like on everything else.
   */
  load?(object: Json, source: VersionSource): Promise<void>;
  downgrade(object: Json): void;
}

/** Newest first. Filled in by src/versions/index.ts (which imports every version's changes). */
export const VERSION_CHANGES: VersionChange[] = [];

/** Registers changes (kept newest first, so rendering applies them from the newest down). */
export function registerVersionChanges(changes: readonly VersionChange[]): void {
  VERSION_CHANGES.push(...changes);
  VERSION_CHANGES.sort((a, b) => versionDate(b.version).localeCompare(versionDate(a.version)));
}

const VERSION_FORMAT = /^(\d{4})-(\d{2})-(\d{2})(?:\.([a-z]+))?$/;

/**
 * Since 2024-09-30 versions carry the name of their major release; a name that does not belong to
 * the date (`2025-09-30.acacia`) names no version and is refused, as Stripe does. Each entry is the
 * release's first date; newer names than the last one here are accepted for later dates.
 */
const RELEASES: readonly (readonly [first: string, name: string])[] = [
  ['2024-09-30', 'acacia'],
  ['2025-03-31', 'basil'],
  ['2025-09-30', 'clover'],
  ['2026-03-25', 'dahlia'],
  ['2026-09-30', 'endive'],
];

/** The date part, which orders versions (`2026-10-28.endive` → `2026-10-28`). */
export function versionDate(v: string): string {
  return v.slice(0, 10);
}

/** Whether `version` predates `change` (a version date like `2023-08-16`, or a full version). */
export function isBefore(version: string, change: string): boolean {
  return versionDate(version) < versionDate(change);
}

function releaseFits(date: string, name: string | undefined): boolean {
  if (name === undefined) return true;
  let current: string | undefined;
  for (const [first, release] of RELEASES) if (date >= first) current = release;
  if (current === undefined) return false; // plain dates only before the first named release
  if (name === current) return true;
  // A date after Sandbank's newest release may belong to a release it does not know yet.
  const last = RELEASES[RELEASES.length - 1] as readonly [string, string];
  return current === last[1] && date > versionDate(LATEST_VERSION) && !RELEASES.some(([, r]) => r === name);
}

/**
 * The version a request renders for. Any real Stripe version is accepted, so SDKs that pin older
 * versions keep working; versions Sandbank does not model differently render in the nearest newer
 * shape it knows, and versions newer than Sandbank's newest in its newest shape.
 */
export function resolveVersion(header: string | undefined): string {
  if (header === undefined || header === '') return LATEST_VERSION;
  const m = VERSION_FORMAT.exec(header.trim());
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  // A real calendar date (no 2023-02-30).
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!m || !real || !releaseFits(versionDate(header.trim()), m[4])) {
    throw invalidRequest(`Invalid Stripe API version: ${header}`);
  }
  return header.trim();
}

/**
 * One documented request-side change: a parameter older versions sent that the newest version
 * spells differently (`billing_cycle_anchor=now` → `billing_cycle_anchor[type]=now`). Requests made
 * with an older version are rewritten into the newest form before validation, so the operations and
 * their schemas stay version-free.
 */
export interface RequestChange {
  /** Requests for versions before this one get `upgrade` applied. */
  version: string;
  /** The operations (`Operation.name`, e.g. `subscriptions.update`) whose parameters it rewrites. */
  operations: readonly string[];
  /** One line naming the documented change. */
  describe: string;
  /** Rewrites `params` (the parsed form, before validation) in place into the newer spelling. */
  upgrade(params: Record<string, unknown>): void;
}

/** Oldest first, so a request is brought forward one version at a time. */
export const REQUEST_CHANGES: RequestChange[] = [];

export function registerRequestChanges(changes: readonly RequestChange[]): void {
  REQUEST_CHANGES.push(...changes);
  REQUEST_CHANGES.sort((a, b) => versionDate(a.version).localeCompare(versionDate(b.version)));
}

/** Brings the parameters of a request to `operation` made with `version` into the newest form, in place. */
export function upgradeRequest(operation: string, version: string, params: Record<string, unknown>): void {
  if (version === LATEST_VERSION) return;
  for (const change of REQUEST_CHANGES) {
    if (isBefore(version, change.version) && change.operations.includes(operation)) change.upgrade(params);
  }
}

/** Search arrived with 2020-08-27; older versions are refused with Stripe's message. */
export const SEARCH_MIN_VERSION = '2020-08-27';

/** Refuses an operation the request's version predates (today: search before 2020-08-27). */
export function checkOperationVersion(returns: object, version: string): void {
  if ('search' in returns && isBefore(version, SEARCH_MIN_VERSION)) {
    throw invalidRequest(
      `Search is not supported on api version ${version}. Update your API version, or set the API Version of this request to ${SEARCH_MIN_VERSION} or greater.`,
    );
  }
}

function changesFor(version: string): VersionChange[] {
  if (VERSION_CHANGES.length === 0 || version === LATEST_VERSION) return [];
  return VERSION_CHANGES.filter((change) => isBefore(version, change.version));
}

/**
 * Renders a response for `version`, in place: each applicable change's `downgrade` runs on every
 * object in it (`object` field set) — the response itself, list items, expanded objects — innermost
 * first, so a change sees its own object already in the older shape of its children. An event's
 * `data` is left alone: it has the shape of the event's own `api_version` (see `renderEvent`).
 */
export function renderForVersion<T extends Record<string, unknown>>(response: T, version: string): T {
  const changes = changesFor(version);
  if (changes.length > 0) downgradeTree(response, changes);
  return response;
}

/**
 * `renderForVersion`, after first fetching what the older shapes include (changes with `load`):
 * top-down, so what one load brings (a payment's charges) gets its own loads (their refunds).
 */
export async function renderWithIncludes<T extends Record<string, unknown>>(
  response: T,
  version: string,
  source: VersionSource,
): Promise<T> {
  const changes = changesFor(version);
  if (changes.length === 0) return response;
  const loaders = changes.filter((c) => c.load);
  if (loaders.length > 0) await includeTree(response, loaders, source);
  downgradeTree(response, changes);
  return response;
}

/** An event rendered for `version`: its `data.object` in that version's shape, and saying so. */
export async function renderEvent(event: Json, version: string, source: VersionSource): Promise<Json> {
  const data = event.data as { object?: Json } | undefined;
  if (data?.object) await renderWithIncludes(data.object, version, source);
  event.api_version = version;
  return event;
}

function applies(change: VersionChange, object: Json): boolean {
  return change.object === undefined || change.object === object.object;
}

async function includeTree(node: unknown, changes: VersionChange[], source: VersionSource): Promise<void> {
  if (Array.isArray(node)) {
    for (const item of node) await includeTree(item, changes, source);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Json;
  if (typeof object.object === 'string') {
    for (const change of changes) if (applies(change, object)) await change.load?.(object, source);
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === 'data' && object.object === 'event') continue;
    await includeTree(value, changes, source);
  }
}

function downgradeTree(node: unknown, changes: VersionChange[]): void {
  if (Array.isArray(node)) {
    for (const item of node) downgradeTree(item, changes);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Json;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'data' && object.object === 'event') continue;
    downgradeTree(value, changes);
  }
  if (typeof object.object === 'string')
    for (const change of changes) if (applies(change, object)) change.downgrade(object);
}

/** Reads for version changes from the store, limited to `account`'s objects. */
export function storeVersionSource(reader: Reader, account: string): VersionSource {
  return {
    async load(id) {
      const row = await reader.getObject(account, id);
      return row && (JSON.parse(row.json) as Json);
    },
    async list(type, equals, limit) {
      const page = await reader.listObjects({ account, type, limit, equals });
      return { data: page.rows.map((row) => JSON.parse(row.json) as Json), has_more: page.hasMore };
    },
  };
}
