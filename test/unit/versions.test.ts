/**
 * Every modelled API version change, both ways: a version just before it renders the older shape;
 * the change's own version and every later one render the newest shape. Plus the version header's
 * validation, events keeping their own version, and the request-side defaults.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/platform/operation.js';
import {
  checkOperationVersion,
  isBefore,
  LATEST_VERSION,
  renderEvent,
  renderForVersion,
  renderWithIncludes,
  resolveVersion,
  VERSION_CHANGES,
  type VersionSource,
} from '../../src/platform/versions.js';
import '../../src/versions/index.js';
import { intentDefaults } from '../../src/versions/requests.js';
import { BILLING_SAMPLES, BILLING_STORE } from './billing-version-samples.js';

/** An in-memory store for the changes that read: objects by type, filtered on equal fields, newest first. */
function memorySource(objects: Json[]): VersionSource {
  return {
    async load(id) {
      const found = objects.find((o) => o.id === id);
      return found && structuredClone(found);
    },
    async list(type, equals, limit) {
      const matching = objects
        .filter((o) => o.object === type && Object.entries(equals).every(([k, v]) => o[k] === v))
        .sort((a, b) => Number(b.created) - Number(a.created));
      return { data: structuredClone(matching.slice(0, limit)), has_more: matching.length > limit };
    },
  };
}

const charge = (over: Json = {}): Json => ({
  id: 'ch_1',
  object: 'charge',
  amount: 1000,
  amount_refunded: 300,
  created: 100,
  disputed: false,
  payment_intent: 'pi_1',
  refunded: false,
  status: 'succeeded',
  ...over,
});
const paymentIntent = (over: Json = {}): Json => ({
  id: 'pi_1',
  object: 'payment_intent',
  amount: 1000,
  created: 90,
  latest_charge: 'ch_1',
  status: 'succeeded',
  ...over,
});
const refund = (id: string, created: number): Json => ({ id, object: 'refund', amount: 100, charge: 'ch_1', created });
const dispute: Json = { id: 'dp_1', object: 'dispute', charge: 'ch_1', created: 120 };

const STORE = [charge(), refund('re_1', 110), refund('re_2', 111), refund('re_3', 112), dispute, ...BILLING_STORE];
const SAMPLES: Record<string, () => Json> = { charge, payment_intent: paymentIntent, ...BILLING_SAMPLES };

/** The day before `version`'s date (a plain date: the renderer orders versions by date). */
function dayBefore(version: string): string {
  const d = new Date(`${version.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

async function render(object: Json, version: string, store: Json[] = STORE): Promise<Json> {
  return renderWithIncludes(object, version, memorySource(store));
}

describe('VERSION_CHANGES', () => {
  it('is newest first, each change dated, described, and keyed by an object Sandbank has or will have', () => {
    assert.ok(VERSION_CHANGES.length >= 6);
    for (let i = 1; i < VERSION_CHANGES.length; i++) {
      const [newer, older] = [VERSION_CHANGES[i - 1], VERSION_CHANGES[i]];
      assert.ok(!isBefore(newer?.version ?? '', older?.version ?? ''), `${newer?.version} before ${older?.version}`);
    }
    for (const change of VERSION_CHANGES) {
      assert.doesNotThrow(() => resolveVersion(change.version), change.version);
      assert.ok(change.describe.length > 10 && !change.describe.includes('\n'), change.describe);
      assert.ok(change.object && SAMPLES[change.object], `${change.describe}: no sample ${change.object}`);
    }
  });

  for (const change of VERSION_CHANGES) {
    it(`${change.version} ${change.object}: ${change.describe}`, async () => {
      const sample = SAMPLES[change.object as string] as () => Json;
      const source = memorySource(STORE);
      const apply = async (object: Json) => {
        const copy = structuredClone(object);
        await change.load?.(copy, source);
        change.downgrade(copy);
        return copy;
      };
      // The newest version, and versions after it: the newest shape, untouched.
      for (const version of [LATEST_VERSION, '2099-01-01.zeta']) {
        assert.deepEqual(await render(sample(), version), sample(), version);
      }
      // The change's own version: not applied yet (applying it still changes something).
      const atChange = await render(sample(), change.version);
      assert.notDeepEqual(await apply(atChange), atChange);
      // Just before it: applied (applying it again changes nothing).
      const before = await render(sample(), dayBefore(change.version));
      assert.notDeepEqual(before, atChange);
      assert.deepEqual(await apply(before), before);
    });
  }
});

describe('2022-11-15: included lists', () => {
  it('a PaymentIntent before 2022-11-15 lists its charges, each with its refunds, in the older shapes', async () => {
    const pi = await render(paymentIntent(), '2022-11-14');
    const charges = pi.charges as Json;
    assert.deepEqual(Object.keys(charges), ['object', 'data', 'has_more', 'total_count', 'url']);
    assert.equal(charges.url, '/v1/charges?payment_intent=pi_1');
    assert.equal(charges.total_count, 1);
    const [first] = charges.data as Json[];
    assert.equal(first?.id, 'ch_1');
    const refunds = first?.refunds as Json;
    assert.deepEqual(
      (refunds.data as Json[]).map((r) => r.id),
      ['re_3', 're_2', 're_1'],
    );
    assert.equal(refunds.url, '/v1/charges/ch_1/refunds');
    assert.equal(refunds.total_count, 3);
    assert.equal(refunds.has_more, false);
    // The nested charge got the other older-version fields too.
    assert.equal(first?.invoice, null);
    assert.equal(first?.destination, null);
    // Stripe's field order survives: id, object, then alphabetical.
    assert.deepEqual(Object.keys(pi).slice(0, 4), ['id', 'object', 'amount', 'charges']);
  });

  it('an included list shows ten items, with has_more and the full count', async () => {
    const many = Array.from({ length: 12 }, (_, i) => refund(`re_${i}`, 200 + i));
    const c = await render(charge(), '2020-08-27', many);
    const refunds = c.refunds as Json;
    assert.equal((refunds.data as Json[]).length, 10);
    assert.equal(refunds.has_more, true);
    assert.equal(refunds.total_count, 12);
    assert.equal((refunds.data as Json[])[0]?.id, 're_11');
  });

  it('a charge whose refunds were expanded keeps them', async () => {
    const expanded = { object: 'list', data: [refund('re_x', 1)], has_more: false, url: '/v1/charges/ch_1/refunds' };
    const c = await render(charge({ refunds: expanded }), '2020-08-27');
    assert.deepEqual(c.refunds, expanded);
  });

  it('renders an empty list when nothing can be read (the sync renderer)', () => {
    const c = renderForVersion(charge(), '2020-08-27');
    assert.deepEqual(c.refunds, {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: '/v1/charges/ch_1/refunds',
    });
  });
});

describe('2023-08-16: Charge.dispute and destination', () => {
  it('names the dispute of a disputed charge, null otherwise', async () => {
    assert.equal((await render(charge({ disputed: true }), '2023-08-15')).dispute, 'dp_1');
    assert.equal((await render(charge(), '2023-08-15')).dispute, null);
    assert.equal((await render(charge(), '2023-08-15')).destination, null);
    assert.equal('dispute' in (await render(charge({ disputed: true }), '2023-08-16')), false);
  });
});

describe('2025-03-31.basil: invoice', () => {
  it('charges and PaymentIntents name no invoice before basil, and no field from basil on', async () => {
    assert.equal((await render(charge(), '2025-03-30')).invoice, null);
    assert.equal((await render(paymentIntent(), '2025-02-24.acacia')).invoice, null);
    assert.equal('invoice' in (await render(paymentIntent(), '2025-03-31.basil')), false);
    // acacia still has no charges list on a PaymentIntent (that ended 2022-11-15).
    assert.equal('charges' in (await render(paymentIntent(), '2024-09-30.acacia')), false);
  });
});

describe('nesting', () => {
  it('downgrades objects in lists, expanded fields and event data alike', async () => {
    const list = { object: 'list', data: [paymentIntent({ latest_charge: charge() })], has_more: false, url: '/v1/x' };
    const out = await render(list, '2024-06-20');
    const pi = (out.data as Json[])[0] as Json;
    assert.equal(pi.invoice, null);
    assert.equal((pi.latest_charge as Json).invoice, null);
  });

  it('leaves an event’s data in its own version; renderEvent renders it for another', async () => {
    const event = (): Json => ({
      id: 'evt_1',
      object: 'event',
      api_version: LATEST_VERSION,
      data: { object: charge() },
      type: 'charge.succeeded',
    });
    // A request for an old version does not re-render an event's data (Stripe renders events once).
    const listed = await render({ object: 'list', data: [event()], has_more: false, url: '/v1/events' }, '2020-08-27');
    assert.deepEqual((listed.data as Json[])[0], event());
    // A webhook endpoint pinned to an old version gets the data in that version's shape.
    const sent = await renderEvent(event(), '2022-08-01', memorySource(STORE));
    assert.equal(sent.api_version, '2022-08-01');
    const data = (sent.data as Json).object as Json;
    assert.equal((data.refunds as Json).total_count, 3);
    assert.equal(data.invoice, null);
  });
});

describe('resolveVersion and release names', () => {
  it('accepts each date with its own release name, or a plain date', () => {
    for (const v of [
      '2020-08-27',
      '2022-11-15',
      '2024-06-20',
      '2024-09-30.acacia',
      '2025-02-24.acacia',
      '2025-03-31.basil',
      '2025-08-27.basil',
      '2025-09-30.clover',
      '2026-03-25.dahlia',
      '2026-09-30.endive',
      LATEST_VERSION,
      '2099-01-01.zeta',
    ]) {
      assert.equal(resolveVersion(v), v);
    }
  });

  it('refuses a release name that does not belong to the date, as Stripe does', () => {
    for (const v of [
      '2025-09-30.acacia',
      '2024-06-20.acacia',
      '2025-03-31.clover',
      '2023-10-16.basil',
      '2027-01-01.basil',
    ]) {
      assert.throws(
        () => resolveVersion(v),
        (err: Error & { status?: number }) => err.message === `Invalid Stripe API version: ${v}` && err.status === 400,
        v,
      );
    }
  });
});

describe('checkOperationVersion', () => {
  it('refuses search before 2020-08-27 with Stripe’s message, and nothing else', () => {
    assert.throws(
      () => checkOperationVersion({ search: 'customer' }, '2019-12-03'),
      (err: Error & { status?: number }) =>
        err.status === 400 &&
        err.message ===
          'Search is not supported on api version 2019-12-03. Update your API version, or set the API Version of this request to 2020-08-27 or greater.',
    );
    assert.doesNotThrow(() => checkOperationVersion({ search: 'customer' }, '2020-08-27'));
    assert.doesNotThrow(() => checkOperationVersion({ list: 'customer' }, '2019-12-03'));
  });
});

describe('intentDefaults', () => {
  it('cards only before 2023-08-16, dynamic payment methods from it', () => {
    assert.equal(intentDefaults('2023-08-15').automaticPaymentMethods, false);
    assert.equal(intentDefaults('2020-08-27').automaticPaymentMethods, false);
    assert.equal(intentDefaults('2023-08-16').automaticPaymentMethods, true);
    assert.equal(intentDefaults(LATEST_VERSION).automaticPaymentMethods, true);
  });

  it('captures synchronously before 2024-04-10, asynchronously from it', () => {
    assert.equal(intentDefaults('2024-04-09').captureMethod, 'automatic');
    assert.equal(intentDefaults('2023-10-16').captureMethod, 'automatic');
    assert.equal(intentDefaults('2024-04-10').captureMethod, 'automatic_async');
    assert.equal(intentDefaults('2025-03-31.basil').captureMethod, 'automatic_async');
  });
});
