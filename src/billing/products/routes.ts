/** The Product endpoints (`/v1/products`): thin handlers over the service. */
import { allObjects, listPage, listPageInMemory } from '../../platform/list.js';
import { loadObject } from '../../platform/objects.js';
import { type Json, type Operation, readOperation, writeOperation } from '../../platform/operation.js';
import { catalogSearchPage } from '../catalog-search.js';
import { PRODUCT, type Product, productSearch } from './object.js';
import {
  createProductParams,
  deleteProductParams,
  listProductsParams,
  retrieveProductParams,
  searchProductsParams,
  updateProductParams,
} from './params.js';
import { createProduct, deleteProduct, updateProduct } from './service.js';

const json = (o: object) => o as unknown as Json;

export const productOperations: Operation[] = [
  writeOperation({
    method: 'POST',
    path: '/v1/products',
    name: 'products.create',
    params: createProductParams,
    returns: { object: PRODUCT },
    handler: async (ctx, input) => json(await createProduct(ctx, input)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/products/search',
    name: 'products.search',
    params: searchProductsParams,
    returns: { search: PRODUCT },
    handler: async (ctx, input) =>
      catalogSearchPage(ctx.reader, {
        account: ctx.account.id,
        type: PRODUCT,
        url: '/v1/products/search',
        input,
        search: { resource: productSearch, booleans: ['active', 'shippable'] },
      }),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/products/:id',
    name: 'products.retrieve',
    params: retrieveProductParams,
    returns: { object: PRODUCT },
    handler: async (ctx, _input, { id }) =>
      json((await loadObject<Product>(ctx.reader, ctx.account.id, id as string, PRODUCT)).object),
  }),
  writeOperation({
    method: 'POST',
    path: '/v1/products/:id',
    name: 'products.update',
    params: updateProductParams,
    returns: { object: PRODUCT },
    handler: async (ctx, input, { id }) => json(await updateProduct(ctx, id as string, input)),
  }),
  writeOperation({
    method: 'DELETE',
    path: '/v1/products/:id',
    name: 'products.delete',
    params: deleteProductParams,
    returns: { object: PRODUCT },
    handler: async (ctx, _input, { id }) => json(await deleteProduct(ctx, id as string)),
  }),
  readOperation({
    method: 'GET',
    path: '/v1/products',
    name: 'products.list',
    params: listProductsParams,
    returns: { list: PRODUCT },
    handler: async (ctx, input) => {
      const equals: Record<string, string> = {};
      if (input.active != null) equals.active = String(input.active);
      if (input.shippable != null) equals.shippable = String(input.shippable);
      if (input.url) equals.url = input.url;
      const base = { account: ctx.account.id, type: PRODUCT, url: '/v1/products', input };
      if (!input.ids?.length && !input.type) return json(await listPage(ctx.reader, { ...base, equals }));
      const ids = input.ids?.length ? new Set(input.ids) : undefined;
      const items = (
        await allObjects(ctx.reader, {
          account: ctx.account.id,
          type: PRODUCT,
          equals,
          ...(input.created ? { created: input.created } : {}),
        })
      ).filter(({ object }) => (!ids || ids.has(String(object.id))) && (!input.type || object.type === input.type));
      return json(await listPageInMemory(ctx.reader, { ...base, items }));
    },
  }),
];
