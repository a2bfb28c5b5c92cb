/**
 * Shape-checks any API response body by its `object`: the raw-HTTP and CLI tests pass every body
 * through here, so no object escapes the SDK-type and fixture checks. Later resources add a line to
 * `RESOURCE_TYPES`.
 */
import { assertShape } from './shape.js';

/** `object` value → [the stripe package's type name, the fixtures3.json resource name]. */
const RESOURCE_TYPES: Record<string, [string, string]> = {
  customer: ['Customer', 'customer'],
};

interface Body {
  object?: unknown;
  deleted?: unknown;
  data?: unknown;
  error?: unknown;
}

/** Asserts `body` has the shape of what it says it is; error envelopes and unknown objects pass through. */
export function assertResponseShape(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const b = body as Body;
  if (b.object === 'list' || b.object === 'search_result') {
    const first = Array.isArray(b.data) ? (b.data[0] as Body | undefined) : undefined;
    const item = RESOURCE_TYPES[String(first?.object ?? 'customer')];
    if (item) assertShape(body, `${b.object === 'list' ? 'ApiList' : 'ApiSearchResult'}<${item[0]}>`);
    return;
  }
  const known = RESOURCE_TYPES[String(b.object)];
  if (!known) return;
  if (b.deleted === true) assertShape(body, `Deleted${known[0]}`);
  else assertShape(body, known[0], known[1]);
}
