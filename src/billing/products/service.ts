/**
 * Products: creation (with a custom id, and with `default_price_data`, which makes the product's
 * first price in the same request), updates (`default_price` must be one of its own active prices),
 * and deletion, which Stripe refuses while any price of the product exists — archive with
 * `active=false` instead.
 */
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest, resourceAlreadyExists } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { PRICE, type Price } from '../prices/object.js';
import { buildPrice, emitPrice, savePrice } from '../prices/service.js';
import { type DeletedProduct, PRODUCT, type Product, productFields } from './object.js';
import type { CreateProductInput, UpdateProductInput } from './params.js';

export const PRODUCT_HAS_PRICES = 'This product cannot be deleted because it has one or more user-created prices.';

/** The fields a product is made of, whether created directly or inline (`product_data`, plans' `product`). */
interface ProductFields {
  id?: string | null;
  name: string;
  active?: boolean | null;
  description?: string | null;
  images?: string[] | null;
  marketing_features?: { name: string }[] | null;
  metadata?: Record<string, string> | null;
  package_dimensions?: Product['package_dimensions'] | null;
  shippable?: boolean | null;
  statement_descriptor?: string | null;
  tax_code?: string | null;
  tax_details?: { performance_location?: string | null; tax_code?: string | null } | null;
  type?: 'good' | 'service' | null;
  unit_label?: string | null;
  url?: string | null;
}

async function newProduct(ctx: MutationContext, input: ProductFields, idParam: string): Promise<Product> {
  const now = ctx.clock.now();
  if (input.id) {
    const existing = await ctx.tx.getObject(ctx.account.id, input.id);
    if (existing) throw resourceAlreadyExists('Product', idParam);
  }
  return sortFields<Product>({
    id: input.id ?? newId('prod', 14),
    object: 'product',
    active: input.active ?? true,
    created: now,
    default_price: null,
    description: input.description ?? null,
    images: input.images ?? [],
    livemode: false,
    marketing_features: (input.marketing_features ?? []).map((f) => ({ name: f.name })),
    metadata: applyMetadata({}, input.metadata),
    name: input.name,
    package_dimensions: input.package_dimensions ?? null,
    shippable: input.shippable ?? null,
    statement_descriptor: input.statement_descriptor ?? null,
    tax_code: input.tax_code ?? input.tax_details?.tax_code ?? null,
    tax_details: input.tax_details
      ? {
          performance_location: input.tax_details.performance_location ?? null,
          tax_code: input.tax_details.tax_code ?? null,
        }
      : null,
    type: input.type ?? 'service',
    unit_label: input.unit_label ?? null,
    updated: now,
    url: input.url ?? null,
  });
}

async function saveProduct(ctx: MutationContext, product: Product, update = false): Promise<void> {
  await saveObject(ctx.tx, ctx.account.id, PRODUCT, product, { update, fields: productFields(product) });
}

/** A product made inline by a price or plan (`product_data`, `product[name]`), with `product.created`. */
export async function createInlineProduct(ctx: MutationContext, input: ProductFields, param: string): Promise<Product> {
  const product = await newProduct(ctx, input, `${param}[id]`);
  await saveProduct(ctx, product);
  await emitEvent(ctx, 'product.created', product);
  return product;
}

/** `POST /v1/products`: `product.created`, then the default price's `price.created`. */
export async function createProduct(ctx: MutationContext, input: CreateProductInput): Promise<Product> {
  const product = await newProduct(ctx, input, 'id');
  let price: Price | undefined;
  if (input.default_price_data) {
    price = await buildPrice(ctx, input.default_price_data, product.id, { prefix: 'default_price_data' });
    product.default_price = price.id;
  }
  await saveProduct(ctx, product);
  await emitEvent(ctx, 'product.created', product);
  if (price) {
    await savePrice(ctx, price);
    await emitPrice(ctx, 'created', price);
  }
  return product;
}

export async function loadProductForUpdate(ctx: MutationContext, id: string): Promise<Product> {
  return (await loadObject<Product>(ctx.tx, ctx.account.id, id, PRODUCT, { forUpdate: true })).object;
}

function changed<T>(current: T, next: T | null | undefined, clear: T): T {
  if (next === undefined) return current;
  return next === null ? clear : next;
}

/** `POST /v1/products/:id`. */
export async function updateProduct(ctx: MutationContext, id: string, input: UpdateProductInput): Promise<Product> {
  const product = await loadProductForUpdate(ctx, id);
  const before = structuredClone(product);
  if (input.name === null) {
    throw invalidRequest(
      "You passed an empty string for 'name'. We assume empty values are an attempt to unset a parameter; however 'name' cannot be unset. You should remove 'name' from your request or supply a non-empty value.",
      { code: 'parameter_invalid_empty', param: 'name' },
    );
  }
  if (input.default_price !== undefined) {
    if (input.default_price === null) product.default_price = null;
    else {
      const row = await ctx.tx.getObject(ctx.account.id, input.default_price);
      const price = row && row.type === PRICE && !row.deleted ? (JSON.parse(row.json) as Price) : undefined;
      if (!price || price.product !== product.id) {
        throw invalidRequest(`No such price: '${input.default_price}'`, {
          code: 'resource_missing',
          param: 'default_price',
        });
      }
      if (!price.active) {
        throw invalidRequest('The default price of a product must be active.', { param: 'default_price' });
      }
      product.default_price = price.id;
    }
  }
  product.active = input.active ?? product.active;
  product.name = input.name ?? product.name;
  product.description = changed(product.description, input.description, null);
  product.images = changed(product.images, input.images, []);
  product.marketing_features = changed(product.marketing_features, input.marketing_features, []);
  product.metadata = applyMetadata(product.metadata, input.metadata);
  product.package_dimensions = changed(product.package_dimensions, input.package_dimensions, null);
  product.shippable = changed(product.shippable, input.shippable, null);
  product.statement_descriptor = changed(product.statement_descriptor, input.statement_descriptor, null);
  product.tax_code = changed(product.tax_code, input.tax_code, null);
  if (input.tax_details !== undefined) {
    product.tax_details = input.tax_details
      ? {
          performance_location: input.tax_details.performance_location ?? null,
          tax_code: input.tax_details.tax_code ?? null,
        }
      : null;
  }
  product.unit_label = changed(product.unit_label, input.unit_label, null);
  product.url = changed(product.url, input.url, null);
  product.updated = ctx.clock.now();
  await saveProduct(ctx, product, true);
  await emitEvent(ctx, 'product.updated', product, before);
  return product;
}

/** `DELETE /v1/products/:id`: refused while any price (active or archived) belongs to it. */
export async function deleteProduct(ctx: MutationContext, id: string): Promise<DeletedProduct> {
  const product = await loadProductForUpdate(ctx, id);
  const prices = await ctx.tx.listObjects({ account: ctx.account.id, type: PRICE, limit: 1, equals: { product: id } });
  if (prices.rows.length > 0) throw invalidRequest(PRODUCT_HAS_PRICES);
  const tombstone: DeletedProduct = { id, object: 'product', deleted: true };
  await ctx.tx.markDeleted(ctx.account.id, id, tombstone);
  await emitEvent(ctx, 'product.deleted', product);
  return tombstone;
}
