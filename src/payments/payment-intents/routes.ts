/** The PaymentIntent endpoints: thin handlers over the service; publishable-key rules live here. */

import { invalidRequest } from '../../platform/errors.js';
import { listParams, searchPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import {
  type Json,
  type Operation,
  type ReadContext,
  readOperation,
  writeOperation,
} from '../../platform/operation.js';
import { params } from '../../platform/params.js';
import { listOperation } from '../../platform/resource-routes.js';
import { parseSearchQuery } from '../../platform/search.js';
import type { Reader } from '../../store/store.js';
import { intentDefaults } from '../../versions/requests.js';
import { LINE_ITEM, listLineItems } from './amount-details.js';
import { applyCustomerBalance, verifyPaymentIntentMicrodeposits } from './bank-actions.js';
import type { ConfirmInput } from './confirm.js';
import { PAYMENT_INTENT, type PaymentIntent, paymentIntentSearch, publishableView } from './object.js';
import {
  applyCustomerBalanceParams,
  cancelPaymentIntentParams,
  capturePaymentIntentParams,
  confirmPaymentIntentParams,
  createPaymentIntentParams,
  incrementAuthorizationParams,
  listPaymentIntentsParams,
  retrievePaymentIntentParams,
  searchPaymentIntentsParams,
  updatePaymentIntentParams,
  verifyPaymentIntentMicrodepositsParams,
} from './params.js';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  incrementAuthorization,
  updatePaymentIntent,
} from './service.js';

const json = (pi: PaymentIntent) => pi as unknown as Json;

function secretMismatch(): Error {
  return invalidRequest('The client_secret provided does not match any associated PaymentIntent on this account.', {
    param: 'client_secret',
  });
}

/**
 * A publishable key (Stripe.js) reaches an intent only with its client secret, and sees the
 * redacted view; a secret key sees everything.
 */
async function checkPublishable(
  ctx: ReadContext,
  reader: Reader,
  id: string,
  clientSecret: string | null | undefined,
): Promise<boolean> {
  if (ctx.principal.kind !== 'publishable') return false;
  if (!clientSecret) {
    throw invalidRequest(
      'You must provide a client_secret when retrieving or confirming a PaymentIntent with a publishable key.',
      { code: 'parameter_missing', param: 'client_secret' },
    );
  }
  const pi = (await loadObject<PaymentIntent>(reader, ctx.account.id, id, PAYMENT_INTENT)).object;
  if (pi.client_secret !== clientSecret) throw secretMismatch();
  return true;
}

export const paymentIntentOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents',
    name: 'payment_intents.create',
    params: createPaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input) => json(await createPaymentIntent(ctx, input, intentDefaults(ctx.version))),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/payment_intents/search',
    name: 'payment_intents.search',
    params: searchPaymentIntentsParams,
    returns: { search: PAYMENT_INTENT },
    handler: async (ctx, input) =>
      searchPage(ctx.reader, {
        account: ctx.account.id,
        type: PAYMENT_INTENT,
        url: '/v1/payment_intents/search',
        input,
        ...parseSearchQuery(input.query, paymentIntentSearch),
      }),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/payment_intents/:id',
    name: 'payment_intents.retrieve',
    params: retrievePaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    publishable: true,
    handler: async (ctx, input, { id }) => {
      const redacted = await checkPublishable(ctx, ctx.reader, id as string, input.client_secret);
      const pi = (await loadObject<PaymentIntent>(ctx.reader, ctx.account.id, id as string, PAYMENT_INTENT)).object;
      return redacted ? publishableView(pi) : json(pi);
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id',
    name: 'payment_intents.update',
    params: updatePaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input, { id }) => json(await updatePaymentIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    name: 'payment_intents.confirm',
    params: confirmPaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    publishable: true,
    handler: async (ctx, input, { id }) => {
      const redacted = await checkPublishable(ctx, ctx.tx, id as string, input.client_secret);
      if (redacted) {
        const pi = (await loadObject<PaymentIntent>(ctx.tx, ctx.account.id, id as string, PAYMENT_INTENT)).object;
        if (pi.confirmation_method === 'manual') {
          throw invalidRequest(
            'This PaymentIntent has `confirmation_method=manual`, so it can only be confirmed with your secret key.',
          );
        }
      }
      const pi = await confirmPaymentIntent(ctx, id as string, input as ConfirmInput);
      return redacted ? publishableView(pi) : json(pi);
    },
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/capture',
    name: 'payment_intents.capture',
    params: capturePaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input, { id }) => json(await capturePaymentIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/cancel',
    name: 'payment_intents.cancel',
    params: cancelPaymentIntentParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input, { id }) => json(await cancelPaymentIntent(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/increment_authorization',
    name: 'payment_intents.increment_authorization',
    params: incrementAuthorizationParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input, { id }) => json(await incrementAuthorization(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/apply_customer_balance',
    name: 'payment_intents.apply_customer_balance',
    params: applyCustomerBalanceParams,
    returns: { object: PAYMENT_INTENT },
    handler: async (ctx, input, { id }) => json(await applyCustomerBalance(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/payment_intents/:id/verify_microdeposits',
    name: 'payment_intents.verify_microdeposits',
    params: verifyPaymentIntentMicrodepositsParams,
    returns: { object: PAYMENT_INTENT },
    // Stripe.js verifies with the publishable key and the client secret (verifyMicrodepositsForPayment).
    publishable: true,
    handler: async (ctx, input, { id }) => {
      const publishable = await checkPublishable(ctx, ctx.tx, id as string, input.client_secret);
      const pi = await verifyPaymentIntentMicrodeposits(ctx, id as string, input, { publishable });
      return publishable ? publishableView(pi) : json(pi);
    },
  }),
  readOperation({
    method: 'GET',
    path: '/v1/payment_intents/:id/amount_details_line_items',
    name: 'payment_intents.list_amount_details_line_items',
    params: params(listParams),
    returns: { list: LINE_ITEM },
    handler: async (ctx, input, { id }) =>
      (await listLineItems(ctx.reader, ctx.account.id, id as string, input)) as unknown as Json,
  }),
  listOperation({
    path: '/v1/payment_intents',
    name: 'payment_intents.list',
    type: PAYMENT_INTENT,
    params: listPaymentIntentsParams,
    filters: { customer: true },
  }),
];
