/**
 * API keys → accounts. In open mode (the default) every distinct suffix is its own account, created
 * the first time the key is seen (`sk_test_X` and `pk_test_X` share account X), so parallel test
 * suites with different keys never see each other's data. With `--strict-keys` only keys made by
 * `sandbank keys create` are accepted: each of them an independent random secret, so a publishable
 * key (which ships to browsers) says nothing about its secret key. Keys are never stored: only their
 * SHA-256.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, KeyKind, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { authenticationError, StripeError } from './errors.js';
import { randomBase62 } from './ids.js';

export interface Principal {
  account: Account;
  kind: KeyKind;
  /** The key as sent, for logs only after masking. */
  key: string;
}

const KEY_SHAPE = /^(sk|pk|rk)_(test|live)_([A-Za-z0-9_]{1,247})$/;
const KIND: Record<string, KeyKind> = { sk: 'secret', pk: 'publishable', rk: 'restricted' };

/** Stripe's masking: first 8 characters, one `*` per hidden character, last 4. */
export function maskKey(key: string): string {
  if (key.length <= 12) return key.slice(0, Math.min(8, key.length)) + '*'.repeat(Math.max(0, key.length - 8));
  return key.slice(0, 8) + '*'.repeat(key.length - 12) + key.slice(-4);
}

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

function headerWithoutKey(header: string): StripeError {
  return authenticationError(
    `You did not provide an API key, though you did set your Authorization header to "${header}". Using Bearer auth, your Authorization header should look something like 'Authorization: Bearer YOUR_SECRET_KEY'. See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.`,
  );
}

export function invalidKey(key: string): StripeError {
  if (/\s/.test(key)) {
    return authenticationError(
      'Invalid API Key provided: nil. This key contains at least one space. Please delete the spaces and try again. If you have any questions, we can help at https://support.stripe.com/.',
    );
  }
  return authenticationError(`Invalid API Key provided: ${maskKey(key)}`);
}

export function publishableKeyNotAllowed(): StripeError {
  return new StripeError({
    kind: 'unauthenticated',
    type: 'invalid_request_error',
    code: 'secret_key_required',
    message:
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
  });
}

/** The key from `Authorization: Bearer k` or HTTP Basic `k:`. */
export function keyFromHeader(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw authenticationError(NO_KEY);
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  const value = space === -1 ? '' : header.slice(space + 1).trim();
  let key = '';
  if (/^bearer$/i.test(scheme)) key = value;
  else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    key = decoded.split(':')[0] ?? '';
  }
  if (key === '') throw headerWithoutKey(header);
  return key;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** What the caches hold now, for tests and diagnostics. */
  stats(): { keys: number; accounts: number };
}

/** Keys whose principal is kept in memory; a key pushed out is looked up in the store again. */
export const DEFAULT_MAX_CACHED_KEYS = 10_000;

/**
 * Resolves keys to accounts, caching the answer in memory (keys never change their account), so the
 * hot path costs one map lookup.
 *
 * Both caches are bounded, since open mode makes an account of every key a client cares to send:
 * - keys → principals: at most `maxCachedKeys`; past it the oldest key goes unless it was used since
 *   it was last considered (second chance, an LRU approximation whose hit costs one flag write);
 * - account id → the one `Account` object all of the account's principals share, so a settings change
 *   (`sandbank accounts update`, `time advance`) reaches every cached key at once. It is held weakly:
 *   an entry lives as long as someone holds the object (a cached principal, or a request still
 *   running after its key was evicted), so every holder keeps sharing one object, and an account
 *   nobody holds is loaded afresh from the store. Its size therefore follows the key cache and the
 *   requests in flight.
 */
export function createAuthenticator(
  store: Store,
  clock: Clock,
  opts: { strictKeys: boolean; maxCachedKeys?: number },
): Authenticator {
  const maxKeys = opts.maxCachedKeys ?? DEFAULT_MAX_CACHED_KEYS;
  // A Map iterates in insertion order, so its first key is the one considered for eviction next.
  const cache = new Map<string, { principal: Principal; used: boolean }>();
  const accounts = new Map<string, WeakRef<Account>>();
  const forget = new FinalizationRegistry<string>((id) => {
    if (accounts.get(id)?.deref() === undefined) accounts.delete(id);
  });

  /** Drops one key: the oldest not used since it was last passed over (each pass clears the mark). */
  function evictOne(): void {
    for (const [key, entry] of cache) {
      cache.delete(key);
      if (!entry.used) return;
      entry.used = false;
      cache.set(key, entry);
    }
  }

  /** The shared object for `loaded`'s account: the one someone still holds, or `loaded` from now on. */
  function share(loaded: Account): Account {
    const held = accounts.get(loaded.id)?.deref();
    if (held) return held;
    accounts.set(loaded.id, new WeakRef(loaded));
    forget.register(loaded, loaded.id);
    return loaded;
  }

  return {
    async authenticate(authorization) {
      const sent = keyFromHeader(authorization);
      const cached = cache.get(sent);
      if (cached) {
        cached.used = true;
        return cached.principal;
      }
      const shape = KEY_SHAPE.exec(sent);
      if (!shape || shape[2] === 'live') throw invalidKey(sent);
      // A copy: the key may be a slice of a much longer header, which caching the slice would keep alive.
      const key = Buffer.from(sent, 'utf8').toString('utf8');
      const kind = KIND[shape[1] as string] as KeyKind;
      let account: Account | undefined;
      // A key made by `sandbank keys create` reaches its account in either mode (so a database
      // made for strict mode still works when served open); in strict mode nothing else does.
      const hash = hashKey(key);
      const record = await store.findApiKey(hash);
      // The lookup is by hash; compare again in constant time so a timing side channel cannot
      // reveal how much of a guessed hash matched an index entry.
      if (record && timingSafeEqual(Buffer.from(record.hash), Buffer.from(hash))) {
        account = await store.getAccount(record.account);
      } else if (!opts.strictKeys) {
        account = await store.accountForSuffix(shape[3] as string, clock.now());
      }
      if (!account) throw invalidKey(key);
      const principal: Principal = { account: share(account), kind, key };
      cache.set(key, { principal, used: false });
      if (cache.size > maxKeys) evictOne();
      return principal;
    },
    stats() {
      return { keys: cache.size, accounts: accounts.size };
    },
  };
}

/**
 * Random characters in a key made by `sandbank keys create`: 32 base62 characters, about 190 bits,
 * so neither key of a pair can be guessed from the other or at all.
 */
const KEY_SECRET_LENGTH = 32;

/**
 * Accounts made for strict-mode keys are registered under a suffix no key can have (`:` is outside
 * `KEY_SHAPE`), so no open-mode key, whatever its suffix, reaches them: only their keys' hashes do.
 */
const UNREACHABLE_SUFFIX_PREFIX = 'keys-create:';

/**
 * Creates an account with a fresh key pair for strict mode (`sandbank keys create`). The secret and
 * publishable keys are independent random secrets: only their hashes are stored, and the account is
 * found through them alone, never through a key suffix.
 */
export async function createKeyPair(store: Store, clock: Clock) {
  const account = await store.accountForSuffix(`${UNREACHABLE_SUFFIX_PREFIX}${randomBase62(24)}`, clock.now());
  const secret = `sk_test_${randomBase62(KEY_SECRET_LENGTH)}`;
  const publishable = `pk_test_${randomBase62(KEY_SECRET_LENGTH)}`;
  await store.saveApiKey({ hash: hashKey(secret), account: account.id, kind: 'secret' }, clock.now());
  await store.saveApiKey({ hash: hashKey(publishable), account: account.id, kind: 'publishable' }, clock.now());
  return { account: account.id, secret, publishable };
}
