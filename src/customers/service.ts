/**
 * Customer domain logic: building a customer from create parameters with Stripe's defaults, applying
 * updates with Stripe's "empty string unsets" rules, and deletion, which leaves a tombstone that
 * retrieval still answers with `deleted: true`.
 */

import { applyCustomerCoupon, emitPending } from '../billing/discounts/customer.js';
import { attachNewCustomer, detachCustomer } from '../billing/test-clocks/service.js';
import { cardByKey } from '../cards/network.js';
import { emitEvent } from '../events/outbox.js';
import { attachTo, loadOrMaterialize } from '../payments/payment-methods/service.js';
import { invalidRequest, resourceMissing } from '../platform/errors.js';
import { newId, randomBase62 } from '../platform/ids.js';
import { applyMetadata } from '../platform/metadata.js';
import { sortFields } from '../platform/objects.js';
import type { WriteContext } from '../platform/operation.js';
import type { Reader, Transaction } from '../store/store.js';
import { recordBalanceSet } from './balance-transactions/service.js';
import { customerDeleting } from './listeners.js';
import {
  type Address,
  CUSTOMER,
  type Customer,
  customerIndexFields,
  type DeletedCustomer,
  type InvoiceSettings,
  type Shipping,
  toAddress,
} from './object.js';
import type { createCustomerParams, updateCustomerParams } from './params.js';
import { attachSource, emitSourceCreated, requireOwnSource } from './sources/service.js';
import { createCustomerTaxId } from './tax-ids/service.js';

type CreateInput = ReturnType<typeof createCustomerParams.parse>;
type UpdateInput = ReturnType<typeof updateCustomerParams.parse>;

// Deliberately simple: one @, no spaces, a dot in the domain — the mistakes Stripe's check catches.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const INVOICE_PREFIX = /^[A-Z0-9]{3,12}$/;

function checkEmail(email: string | null | undefined): void {
  if (email && !EMAIL.test(email)) {
    throw invalidRequest(`Invalid email address: ${email}`, { code: 'email_invalid', param: 'email' });
  }
}

function checkInvoicePrefix(prefix: string | null | undefined): void {
  if (prefix && !INVOICE_PREFIX.test(prefix)) {
    throw invalidRequest(`Invalid invoice_prefix: must be 3-12 uppercase letters or numbers`, {
      param: 'invoice_prefix',
    });
  }
}

function toShipping(
  s: { address: { [K in keyof Address]?: string | null }; name: string; phone?: string | null } | null | undefined,
): Shipping | null {
  if (!s) return null;
  return { address: toAddress(s.address) as Address, name: s.name, phone: s.phone ?? null };
}

/** `undefined` keeps the current value; `null` (sent empty) clears it. */
function updated<T>(current: T, next: T | null | undefined, clear: T): T {
  if (next === undefined) return current;
  return next === null ? clear : next;
}

/** A referenced object must exist in this account; until its resource stores objects, none do. */
async function requireObject(reader: Reader, account: string, type: string, label: string, id: string, param: string) {
  const row = await reader.getObject(account, id);
  if (!row || row.type !== type || row.deleted) throw resourceMissing(label, id, param);
  return row;
}

async function checkReferences(
  ctx: WriteContext,
  input: Partial<CreateInput & UpdateInput>,
  customerId: string | null,
) {
  const account = ctx.account.id;
  const pm = input.invoice_settings?.default_payment_method;
  // A PaymentMethod attached in this same call is checked once it is attached (see attachOnCreate).
  if (pm && pm !== input.payment_method) {
    const row = await requireObject(
      ctx.tx,
      account,
      'payment_method',
      'PaymentMethod',
      pm,
      'invoice_settings[default_payment_method]',
    );
    // The default must already belong to this customer (a new customer has none attached yet).
    const owner = (JSON.parse(row.json) as { customer: string | null }).customer;
    if (owner === null || owner !== customerId) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${pm}. The payment method must be attached to the customer.`,
        { param: 'invoice_settings[default_payment_method]' },
      );
    }
  }
  // `source` (a token, spent when the customer is written) and `default_source` are checked there.
}

function invoiceSettings(current: InvoiceSettings, input: CreateInput['invoice_settings']): InvoiceSettings {
  if (!input) return current;
  const rendering = input.rendering_options;
  return {
    custom_fields: updated(current.custom_fields, input.custom_fields, null),
    default_payment_method: updated(current.default_payment_method, input.default_payment_method, null),
    footer: updated(current.footer, input.footer, null),
    rendering_options: updated(
      current.rendering_options,
      rendering && { amount_tax_display: rendering.amount_tax_display ?? null, template: rendering.template ?? null },
      null,
    ),
  };
}

/** Optional name fields that are absent from the object until set. */
function setOptional(c: Customer, key: 'business_name' | 'individual_name', value: string | null | undefined) {
  if (value === undefined) return;
  if (value === null) delete c[key];
  else c[key] = value;
}

export async function createCustomer(ctx: WriteContext, input: CreateInput): Promise<Customer> {
  checkEmail(input.email);
  checkInvoicePrefix(input.invoice_prefix);
  await checkReferences(ctx, input, null);
  // A customer on a test clock is created at the clock's frozen time (the clock must be ready and
  // have room for it: billing/test-clocks).
  const created = input.test_clock ? await attachNewCustomer(ctx, input.test_clock) : ctx.clock.now();
  const customer: Customer = {
    id: newId('cus'),
    object: 'customer',
    address: toAddress(input.address),
    balance: input.balance ?? 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: input.invoice_prefix ?? randomBase62(8).toUpperCase(),
    invoice_settings: invoiceSettings(
      { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      input.invoice_settings,
    ),
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    name: input.name ?? null,
    next_invoice_sequence: input.next_invoice_sequence ?? 1,
    phone: input.phone ?? null,
    preferred_locales: input.preferred_locales ?? [],
    shipping: toShipping(input.shipping),
    tax_exempt: input.tax_exempt ?? 'none',
    test_clock: input.test_clock ?? null,
  };
  setOptional(customer, 'business_name', input.business_name);
  setOptional(customer, 'individual_name', input.individual_name);
  await recordBalanceSet(ctx, customer, 0, 'initial');
  // `source` adds that token's card or bank account and makes it the default, as Stripe does.
  const source = input.source ? await attachSource(ctx, customer.id, input.source, 'source') : undefined;
  if (source) customer.default_source = source.object.id;
  const discountEvents = await applyCustomerCoupon(ctx, customer, input);
  const data = sortFields(customer);
  await ctx.tx.insertObject({
    account: ctx.account.id,
    id: data.id,
    type: CUSTOMER,
    created: data.created,
    data,
    fields: customerIndexFields(data),
  });
  await emitEvent(ctx, 'customer.created', data);
  await emitPending(ctx, discountEvents);
  for (const [i, taxId] of (input.tax_id_data ?? []).entries()) {
    await createCustomerTaxId(ctx, data.id, taxId, { value: `tax_id_data[${i}][value]` });
  }
  if (source) await emitSourceCreated(ctx, source.object);
  if (input.payment_method) return attachOnCreate(ctx, data, input.payment_method);
  return data;
}

/**
 * `payment_method` on create attaches that PaymentMethod (a test id such as `pm_card_visa` makes a
 * new one) to the new customer, and may also be named as its default in the same call.
 */
async function attachOnCreate(ctx: WriteContext, customer: Customer, pmId: string): Promise<Customer> {
  const loaded = await loadOrMaterialize(ctx, pmId, 'payment_method');
  await attachTo(ctx, loaded, customer.id, cardByKey(loaded.internal.card));
  if (customer.invoice_settings.default_payment_method !== pmId) return customer;
  const before = structuredClone(customer);
  customer.invoice_settings.default_payment_method = loaded.object.id;
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id: customer.id,
    type: CUSTOMER,
    created: customer.created,
    data: customer,
  });
  await emitEvent(ctx, 'customer.updated', customer, before);
  return customer;
}

/** Loads a live customer for a write, or answers Stripe's 404 (deleted customers cannot be changed). */
async function loadForUpdate(tx: Transaction, account: string, id: string): Promise<Customer> {
  const row = await tx.getObjectForUpdate(account, id);
  if (!row || row.type !== CUSTOMER || row.deleted) throw resourceMissing(CUSTOMER, id);
  return JSON.parse(row.json) as Customer;
}

export async function updateCustomer(ctx: WriteContext, id: string, input: UpdateInput): Promise<Customer> {
  const c = await loadForUpdate(ctx.tx, ctx.account.id, id);
  const before = structuredClone(c);
  checkEmail(input.email);
  checkInvoicePrefix(input.invoice_prefix);
  await checkReferences(ctx, input, id);
  c.address = updated(c.address, input.address === undefined ? undefined : toAddress(input.address), null);
  c.balance = updated(c.balance, input.balance, 0);
  await recordBalanceSet(ctx, c, before.balance, 'adjustment');
  c.description = updated(c.description, input.description, null);
  c.email = updated(c.email, input.email, null);
  c.invoice_prefix = updated(c.invoice_prefix, input.invoice_prefix, c.invoice_prefix);
  c.invoice_settings = invoiceSettings(c.invoice_settings, input.invoice_settings);
  c.metadata = applyMetadata(c.metadata, input.metadata);
  c.name = updated(c.name, input.name, null);
  c.next_invoice_sequence = updated(c.next_invoice_sequence, input.next_invoice_sequence, c.next_invoice_sequence);
  c.phone = updated(c.phone, input.phone, null);
  c.preferred_locales = updated(c.preferred_locales, input.preferred_locales, []);
  c.shipping = updated(c.shipping, input.shipping === undefined ? undefined : toShipping(input.shipping), null);
  c.tax_exempt = updated(c.tax_exempt, input.tax_exempt, 'none');
  if (input.default_source) await requireOwnSource(ctx, id, input.default_source);
  c.default_source = updated(c.default_source, input.default_source, null);
  // A new `source` is added and becomes the default (the previous default stays attached).
  if (input.source) {
    const source = await attachSource(ctx, id, input.source, 'source');
    await emitSourceCreated(ctx, source.object);
    c.default_source = source.object.id;
  }
  setOptional(c, 'business_name', input.business_name);
  setOptional(c, 'individual_name', input.individual_name);
  const discountEvents = await applyCustomerCoupon(ctx, c, input);
  const data = sortFields(c);
  await ctx.tx.updateObject({
    account: ctx.account.id,
    id: data.id,
    type: CUSTOMER,
    created: data.created,
    data,
    fields: customerIndexFields(data),
  });
  await emitPending(ctx, discountEvents);
  if (JSON.stringify(before) !== JSON.stringify(data)) await emitEvent(ctx, 'customer.updated', data, before);
  return data;
}

export async function deleteCustomer(ctx: WriteContext, id: string): Promise<DeletedCustomer> {
  const customer = await loadForUpdate(ctx.tx, ctx.account.id, id);
  const tombstone: DeletedCustomer = { id, object: 'customer', deleted: true };
  await customerDeleting(ctx, customer);
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  if (customer.test_clock) await detachCustomer(ctx, customer.test_clock);
  await emitEvent(ctx, 'customer.deleted', customer);
  return tombstone;
}
