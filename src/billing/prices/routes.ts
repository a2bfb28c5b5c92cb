/** The Price endpoints (`/v1/prices`): thin handlers over the service; prices are rendered without their includable fields. */
import { allObjects, listPage, listPageInMemory } from '../../platform/list.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { catalogSearchPage } from '../catalog-search.js';
import { loadPrice } from './load.js';
import { PRICE, type Price, priceSearch, renderPrice } from './object.js';
import {
  createPriceParams,
  listPricesParams,
  retrievePriceParams,
  searchPricesParams,
  updatePriceParams,
} from './params.js';
import { createPrice, updatePrice } from './service.js';

const json = (p: Price) => renderPrice(p) as unknown as Json;

/** Stored prices in a list or search page, as Stripe renders them. */
function renderPage<T extends { data: Record<string, unknown>[] }>(page: T): Json {
  return { ...page, data: page.data.map((p) => renderPrice(p as unknown as Price)) } as unknown as Json;
}

export const priceOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/prices',
    name: 'prices.create',
    params: createPriceParams,
    returns: { object: PRICE },
    handler: async (ctx, input) => json(await createPrice(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/prices/search',
    name: 'prices.search',
    params: searchPricesParams,
    returns: { search: PRICE },
    handler: async (ctx, input) =>
      renderPage(
        (await catalogSearchPage(ctx.reader, {
          account: ctx.account.id,
          type: PRICE,
          url: '/v1/prices/search',
          input,
          search: { resource: priceSearch, booleans: ['active'] },
        })) as { data: Record<string, unknown>[] },
      ),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/prices/:id',
    name: 'prices.retrieve',
    params: retrievePriceParams,
    returns: { object: PRICE },
    handler: async (ctx, _input, { id }) => json(await loadPrice(ctx.reader, ctx.account.id, id as string)),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/prices/:id',
    name: 'prices.update',
    params: updatePriceParams,
    returns: { object: PRICE },
    handler: async (ctx, input, { id }) => json(await updatePrice(ctx, id as string, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/prices',
    name: 'prices.list',
    params: listPricesParams,
    returns: { list: PRICE },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.active != null) equals.active = String(input.active);
      if (input.currency) equals.currency = input.currency.toLowerCase();
      if (input.product) equals.product = input.product;
      if (input.type) equals.type = input.type;
      if (input.recurring?.interval) equals.interval = input.recurring.interval;
      if (input.recurring?.usage_type) equals.usage_type = input.recurring.usage_type;
      const base = { account: ctx.account.id, type: PRICE, url: '/v1/prices', input };
      const keys = input.lookup_keys;
      const meter = input.recurring?.meter;
      if (!keys?.length && !meter) return renderPage(await listPage(ctx.reader, { ...base, equals }));
      // Several lookup keys (an OR) or a meter: filtered in memory over the indexed matches.
      const items = (
        await allObjects(ctx.reader, {
          account: ctx.account.id,
          type: PRICE,
          equals,
          ...(input.created ? { created: input.created } : {}),
        })
      ).filter(({ object }) => {
        const p = object as unknown as Price;
        if (keys?.length && !(p.lookup_key !== null && keys.includes(p.lookup_key))) return false;
        if (meter && p.recurring?.meter !== meter) return false;
        return true;
      });
      return renderPage(await listPageInMemory(ctx.reader, { ...base, items }));
    },
  }),
];
