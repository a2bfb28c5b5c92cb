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
}

/**
 * Resolves keys to accounts, caching the answer in memory (keys never change their account), so the
 * hot path costs one map lookup.
 */
export function createAuthenticator(store: Store, clock: Clock, opts: { strictKeys: boolean }): Authenticator {
  const cache = new Map<string, Principal>();
  // One Account object per account, shared by all its keys' principals, so a settings change
  // (`sandbank accounts update`) reaches every cached key at once.
  const accounts = new Map<string, Account>();
  return {
    async authenticate(authorization) {
      const key = keyFromHeader(authorization);
      const cached = cache.get(key);
      if (cached) return cached;
      const shape = KEY_SHAPE.exec(key);
      if (!shape || shape[2] === 'live') throw invalidKey(key);
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
      const shared = accounts.get(account.id) ?? account;
      accounts.set(account.id, shared);
      const principal: Principal = { account: shared, kind, key };
      if (cache.size > 10_000) {
        cache.clear();
        accounts.clear();
      }
      cache.set(key, principal);
      return principal;
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
