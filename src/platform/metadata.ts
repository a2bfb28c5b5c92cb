/** Metadata: Stripe's limits (50 keys, 40-character keys, 500-character values) and its update rules. */
import { invalidRequest } from './errors.js';

export const METADATA_LIMITS = { maxKeys: 50, maxKeyLength: 40, maxValueLength: 500 } as const;

export type Metadata = Record<string, string>;

/**
 * The metadata after an update: `undefined` keeps it, `null` (`metadata=`) clears it, and in a
 * hash an empty value (`metadata[k]=`) deletes that key while other keys are set or replaced.
 */
export function applyMetadata(current: Metadata, update: Record<string, string> | null | undefined): Metadata {
  if (update === undefined) return current;
  if (update === null) return {};
  const next: Metadata = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (key.length > METADATA_LIMITS.maxKeyLength) {
      throw invalidRequest(
        `Metadata keys can have up to ${METADATA_LIMITS.maxKeyLength} characters, but you passed in a key that is ${key.length} characters. Invalid key: ${key}`,
        { param: 'metadata' },
      );
    }
    if (value.length > METADATA_LIMITS.maxValueLength) {
      throw invalidRequest(
        `Metadata values can have up to ${METADATA_LIMITS.maxValueLength} characters, but you passed in a value that is ${value.length} characters. Invalid value: ${value}`,
        { param: `metadata[${key}]` },
      );
    }
    if (value === '') delete next[key];
    // Defined, not assigned: assigning `__proto__` would hit the prototype setter and drop the key.
    else Object.defineProperty(next, key, { value, enumerable: true, writable: true, configurable: true });
  }
  const count = Object.keys(next).length;
  if (count > METADATA_LIMITS.maxKeys) {
    throw invalidRequest(`Metadata can have up to ${METADATA_LIMITS.maxKeys} keys, but you've set ${count}`, {
      param: 'metadata',
    });
  }
  return next;
}
