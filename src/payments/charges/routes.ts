/**
 * The Charge endpoints. Charges are made by confirming PaymentIntents (capture goes through the
 * intent) or by the legacy Charges API (`POST /v1/charges`, see legacy.ts).
 */

import { addressParam } from '../../customers/params.js';
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest } from '../../platform/errors.js';
import { expandParam, listParams, searchPage, searchParams } from '../../platform/list.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { p, params } from '../../platform/params.js';
import { listOperation, retrieveOperation } from '../../platform/resource-routes.js';
import type { JobHandler } from '../../platform/scheduler.js';
import { parseSearchQuery } from '../../platform/search.js';
import { capturePaymentIntent } from '../payment-intents/service.js';
import { captureLegacyCharge, createLegacyCharge, EXPIRE_JOB, expireCharge } from './legacy.js';
import { CHARGE, type Charge, chargeSearch, toChargeShipping } from './object.js';
import { loadCharge, saveCharge } from './service.js';

const updateChargeParams = params({
  customer: p.string(),
  description: p.string(),
  expand: expandParam,
  fraud_details: p.hash({ user_report: p.enum(['fraudulent', 'safe']) }),
  metadata: p.stringMap(),
  receipt_email: p.string(),
  shipping: p.hash({
    address: p.hash(addressParam.shape ?? {}, { required: true }),
    carrier: p.string(),
    name: p.string({ required: true }),
    phone: p.string(),
    tracking_number: p.string(),
  }),
  transfer_group: p.string(),
});

const shippingParam = p.hash({
  address: p.hash(addressParam.shape ?? {}, { required: true }),
  carrier: p.string(),
  name: p.string({ required: true }),
  phone: p.string(),
  tracking_number: p.string(),
});

/** `ChargeCreateParams` of the current SDK (amount and currency are required by the API itself). */
const createChargeParams = params({
  amount: p.integer({ min: 0 }),
  application_fee: p.integer(),
  application_fee_amount: p.integer(),
  capture: p.boolean(),
  currency: p.string(),
  customer: p.string(),
  description: p.string({ maxLength: 40000 }),
  destination: p.opaque(),
  expand: expandParam,
  metadata: p.stringMap(),
  on_behalf_of: p.string(),
  radar_options: p.hash({ session: p.string() }),
  receipt_email: p.string(),
  shipping: shippingParam,
  source: p.string(),
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  transfer_data: p.opaque(),
  transfer_group: p.string(),
});

/** What runs when a charge's scheduled job comes due. */
export const chargeJobHandlers: Record<string, JobHandler> = { [EXPIRE_JOB]: expireCharge };

const captureChargeParams = params({
  amount: p.integer({ min: 1 }),
  application_fee: p.integer(),
  application_fee_amount: p.integer(),
  expand: expandParam,
  receipt_email: p.string(),
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  transfer_data: p.opaque(),
  transfer_group: p.string(),
});

const listChargesParams = params({
  ...listParams,
  created: p.range(),
  customer: p.string(),
  payment_intent: p.string(),
  transfer_group: p.string(),
});

const json = (c: Charge) => c as unknown as Json;

export const chargeOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/charges',
    name: 'charges.create',
    params: createChargeParams,
    returns: { object: CHARGE },
    handler: async (ctx, input) => json(await createLegacyCharge(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/charges/search',
    name: 'charges.search',
    params: params(searchParams),
    returns: { search: CHARGE },
    handler: async (ctx, input) =>
      searchPage(ctx.reader, {
        account: ctx.account.id,
        type: CHARGE,
        url: '/v1/charges/search',
        input,
        ...parseSearchQuery(input.query, chargeSearch),
      }),
  }),
  retrieveOperation({
    path: '/v1/charges/:id',
    name: 'charges.retrieve',
    type: CHARGE,
    params: params({ expand: expandParam }),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/charges/:id',
    name: 'charges.update',
    params: updateChargeParams,
    returns: { object: CHARGE },
    handler: async (ctx, input, { id }) => {
      const loaded = await loadCharge(ctx, id as string);
      const charge = loaded.object;
      const before = structuredClone(charge);
      if (input.customer) {
        if (charge.customer && charge.customer !== input.customer) {
          throw invalidRequest('A charge that already has a customer cannot be given another one.', {
            param: 'customer',
          });
        }
        await loadObject(ctx.tx, ctx.account.id, input.customer, 'customer', { param: 'customer' });
        charge.customer = input.customer;
      }
      if (input.description !== undefined) charge.description = input.description;
      if (input.receipt_email !== undefined) charge.receipt_email = input.receipt_email;
      if (input.shipping !== undefined) charge.shipping = toChargeShipping(input.shipping);
      if (input.transfer_group !== undefined) charge.transfer_group = input.transfer_group;
      if (input.fraud_details?.user_report) charge.fraud_details = { user_report: input.fraud_details.user_report };
      charge.metadata = applyMetadata(charge.metadata, input.metadata);
      await saveCharge(ctx, loaded);
      if (JSON.stringify(before) !== JSON.stringify(charge)) await emitEvent(ctx, 'charge.updated', charge, before);
      return json(charge);
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/charges/:id/capture',
    name: 'charges.capture',
    params: captureChargeParams,
    returns: { object: CHARGE },
    handler: async (ctx, input, { id }) => {
      const loaded = await loadCharge(ctx, id as string);
      const charge = loaded.object;
      if (charge.captured) {
        throw invalidRequest(`Charge ${charge.id} has already been captured.`, { code: 'charge_already_captured' });
      }
      if (charge.status !== 'succeeded') {
        throw invalidRequest(`Charge ${charge.id} cannot be captured because it has a status of ${charge.status}.`);
      }
      if (!charge.payment_intent) return json(await captureLegacyCharge(ctx, loaded, input));
      await capturePaymentIntent(ctx, charge.payment_intent, {
        ...(input.amount != null ? { amount_to_capture: input.amount } : {}),
        ...(input.statement_descriptor != null ? { statement_descriptor: input.statement_descriptor } : {}),
        ...(input.statement_descriptor_suffix != null
          ? { statement_descriptor_suffix: input.statement_descriptor_suffix }
          : {}),
      });
      return json((await loadCharge(ctx, id as string)).object);
    },
  }),
  listOperation({
    path: '/v1/charges',
    name: 'charges.list',
    type: CHARGE,
    params: listChargesParams,
    filters: { customer: true, payment_intent: true },
  }),
];
