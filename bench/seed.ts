/**
 * Seeds the bench's big account before the server starts: `count` objects of the payment types (with
 * the indexed fields the real ones have) and `count` events, written straight through the store in
 * large transactions, so that `sandbank PI big` measures a payment on an account that already holds
 * them. The API would take minutes for this; the store takes seconds.
 */
import { newId } from '../src/platform/ids.js';
import { memoryLogger } from '../src/platform/log.js';
import { openStore } from '../src/store/index.js';

const PER_TRANSACTION = 2_000;
const DAY = 86_400;

/** Seeds the account of the open-mode key suffix `suffix`; resolves with how long it took (ms). */
export async function seedBigAccount(db: string, suffix: string, count: number): Promise<number> {
  const started = performance.now();
  const store = await openStore(db, { logger: memoryLogger() });
  try {
    const now = Math.floor(Date.now() / 1000);
    const account = (await store.accountForSuffix(suffix, now - 30 * DAY)).id;
    for (let done = 0; done < count; done += PER_TRANSACTION) {
      await store.transaction(async (tx) => {
        for (let i = done; i < Math.min(count, done + PER_TRANSACTION); i++) {
          // Oldest first, spread over the last 30 days, as an account's history would be.
          const created = now - 30 * DAY + Math.floor((i / count) * 30 * DAY);
          const { type, prefix, fields } = KINDS[i % KINDS.length] as Kind;
          const id = newId(prefix, 24);
          const data = { id, object: type, amount: 2000, created, currency: 'usd', metadata: {}, padding: PADDING };
          await tx.insertObject({ account, id, type, created, data, fields: fields(id) });
          const eventId = newId('evt', 24);
          const json = JSON.stringify({
            id: eventId,
            object: 'event',
            created,
            data: { object: data },
            type: `${type}.created`,
          });
          await tx.insertEvent({ account, id: eventId, type: `${type}.created`, created, json });
        }
      });
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

interface Kind {
  type: string;
  prefix: string;
  fields: (id: string) => Record<string, string>;
}

const KINDS: Kind[] = [
  { type: 'customer', prefix: 'cus', fields: (id) => ({ email: `${id}@example.com` }) },
  { type: 'payment_method', prefix: 'pm', fields: () => ({ type: 'card' }) },
  { type: 'payment_intent', prefix: 'pi', fields: () => ({}) },
  { type: 'charge', prefix: 'ch', fields: (id) => ({ payment_intent: `pi_${id.slice(3)}` }) },
  {
    type: 'balance_transaction',
    prefix: 'txn',
    fields: (id) => ({ status: 'available', type: 'charge', source: `ch_${id.slice(4)}`, currency: 'usd' }),
  },
];

/** About a kilobyte per object, like a small Stripe object. */
const PADDING = 'x'.repeat(800);
