/** The Tax Rate endpoints (`/v1/tax_rates`); Stripe has no delete for tax rates. */
import { listPage } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { TAX_RATE, type TaxRate } from './object.js';
import { createTaxRateParams, listTaxRatesParams, retrieveTaxRateParams, updateTaxRateParams } from './params.js';
import { createTaxRate, updateTaxRate } from './service.js';

const json = (o: object) => o as unknown as Json;

export const taxRateOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/tax_rates',
    name: 'tax_rates.create',
    params: createTaxRateParams,
    returns: { object: TAX_RATE },
    handler: async (ctx, input) => json(await createTaxRate(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/tax_rates/:id',
    name: 'tax_rates.retrieve',
    params: retrieveTaxRateParams,
    returns: { object: TAX_RATE },
    handler: async (ctx, _input, { id }) =>
      json((await loadObject<TaxRate>(ctx.reader, ctx.account.id, id as string, TAX_RATE)).object),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/tax_rates/:id',
    name: 'tax_rates.update',
    params: updateTaxRateParams,
    returns: { object: TAX_RATE },
    handler: async (ctx, input, { id }) => json(await updateTaxRate(ctx, id as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/tax_rates',
    name: 'tax_rates.list',
    params: listTaxRatesParams,
    returns: { list: TAX_RATE },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.active != null) equals.active = String(input.active);
      if (input.inclusive != null) equals.inclusive = String(input.inclusive);
      return json(
        await listPage(ctx.reader, { account: ctx.account.id, type: TAX_RATE, url: '/v1/tax_rates', input, equals }),
      );
    },
  }),
];
