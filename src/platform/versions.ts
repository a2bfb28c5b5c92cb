/**
 * API versions. Objects are stored and computed in the newest shape; a response is rendered for the
 * version the request asked for (`Stripe-Version`) or the default, by applying, newest first, the
 * transform of every version change newer than the requested version. Adding a version is adding
 * one entry to `VERSION_CHANGES`.
 */
import { invalidRequest } from './errors.js';

/** The version the current `stripe` npm package pins (stripe@23.1.0), and Sandbank's default. */
export const LATEST_VERSION = '2026-10-28.endive';

/** The first version of each dated shape change, with the step that turns the newer shape into the older one. */
export interface VersionChange {
  /** Requests for versions before this one get `downgrade` applied. */
  version: string;
  describe: string;
  downgrade(object: Record<string, unknown>): void;
}

/** Newest first. Empty until an older version's shape is modelled. */
export const VERSION_CHANGES: VersionChange[] = [];

const VERSION_FORMAT = /^(\d{4})-(\d{2})-(\d{2})(\.[a-z]+)?$/;

/** The date part, which orders versions (`2026-10-28.endive` → `2026-10-28`). */
function versionDate(v: string): string {
  return v.slice(0, 10);
}

/**
 * The version a request renders for. Any well-formed Stripe version is accepted, so SDKs that pin
 * older versions keep working; versions Sandbank does not model differently render in the nearest
 * newer shape it knows.
 */
export function resolveVersion(header: string | undefined): string {
  if (header === undefined || header === '') return LATEST_VERSION;
  const m = VERSION_FORMAT.exec(header.trim());
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  // A real calendar date (no 2023-02-30). Versions newer than Sandbank's newest render in its newest
  // shape, so an SDK released later still works.
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!m || !real) {
    throw invalidRequest(`Invalid Stripe API version: ${header}`);
  }
  return header.trim();
}

/**
 * Renders a response for `version`, in place: each applicable change's `downgrade` runs on every
 * object in it (`object` field set) — the response itself, list items, expanded objects — innermost
 * first, so a change sees its own object already in the older shape of its children.
 */
export function renderForVersion<T extends Record<string, unknown>>(response: T, version: string): T {
  if (VERSION_CHANGES.length === 0 || version === LATEST_VERSION) return response;
  const date = versionDate(version);
  const changes = VERSION_CHANGES.filter((change) => date < versionDate(change.version));
  if (changes.length > 0) downgradeTree(response, changes);
  return response;
}

function downgradeTree(node: unknown, changes: VersionChange[]): void {
  if (Array.isArray(node)) {
    for (const item of node) downgradeTree(item, changes);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Record<string, unknown>;
  for (const value of Object.values(object)) downgradeTree(value, changes);
  if (typeof object.object === 'string') for (const change of changes) change.downgrade(object);
}
