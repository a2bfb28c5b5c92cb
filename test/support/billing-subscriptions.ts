/**
 * Helpers shared by the subscription end-to-end tests: a customer on a test clock with a saved
 * card, a product with a price, advancing a clock and waiting until it is ready, and the events of
 * an account in the order they happened.
 */
import assert from 'node:assert/strict';
import type Stripe from 'stripe';

export const DAY = 86_400;
/** 2030-01-01T00:00:00Z. */
export const T0 = 1_893_456_000;

/** `ts` moved by `months` calendar months (UTC), the day clamped to the month's length. */
export function addMonths(ts: number, months: number): number {
  const d = new Date(ts * 1000);
  const day = d.getUTCDate();
  const t = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  t.setUTCDate(Math.min(day, last));
  return t.getTime() / 1000;
}

/** A test clock frozen at `at` and a customer on it with `card` attached as its default (unless null). */
export async function clockCustomer(
  stripe: Stripe,
  opts: { at?: number; card?: string | null } = {},
): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer; pm: string | null }> {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: opts.at ?? T0 });
  const customer = await stripe.customers.create({ test_clock: clock.id, email: 'sub@example.com' });
  const card = opts.card === undefined ? 'pm_card_visa' : opts.card;
  let pm: string | null = null;
  if (card) {
    pm = (await stripe.paymentMethods.attach(card, { customer: customer.id })).id;
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
  }
  return { clock, customer, pm };
}

/** A product named `name` and a recurring price for it. */
export async function recurringPrice(
  stripe: Stripe,
  params: Partial<Stripe.PriceCreateParams> & { name?: string } = {},
): Promise<Stripe.Price> {
  const { name, ...rest } = params;
  const product = await stripe.products.create({ name: name ?? 'Gold' });
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: 1000,
    recurring: { interval: 'month' },
    ...rest,
    product: product.id,
  } as Stripe.PriceCreateParams);
}

/** Advances `clock` to `to` and waits until it is ready again. */
export async function advanceClock(stripe: Stripe, clock: string, to: number): Promise<Stripe.TestHelpers.TestClock> {
  await stripe.testHelpers.testClocks.advance(clock, { frozen_time: to });
  for (let i = 0; i < 2000; i++) {
    const c = await stripe.testHelpers.testClocks.retrieve(clock);
    if (c.status !== 'advancing') {
      assert.equal(c.status, 'ready', `clock ${clock} ended ${c.status}`);
      assert.equal(c.frozen_time, to);
      return c;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`test clock ${clock} still advancing`);
}

/** Every event of the account, oldest first (through the API, newest first, reversed). */
export async function allEvents(stripe: Stripe): Promise<Stripe.Event[]> {
  const out: Stripe.Event[] = [];
  for await (const e of stripe.events.list({ limit: 100 })) out.push(e);
  return out.reverse();
}

/** The customer's invoices, oldest first. */
export async function invoicesOf(stripe: Stripe, customer: string): Promise<Stripe.Invoice[]> {
  const out: Stripe.Invoice[] = [];
  for await (const inv of stripe.invoices.list({ customer, limit: 100 })) out.push(inv);
  return out.reverse();
}
