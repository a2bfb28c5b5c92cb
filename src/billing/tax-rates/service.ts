/**
 * Tax Rates: created once with a fixed percentage and inclusiveness (those are not update
 * parameters at all, so changing them is Stripe's unknown-parameter error); descriptive fields and
 * `active` change; there is no delete — a retired rate is archived with `active=false`.
 */
import { emitEvent } from '../../events/outbox.js';
import { invalidRequest } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { applyMetadata } from '../../platform/metadata.js';
import { loadObject, saveObject, sortFields } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import { TAX_RATE, type TaxRate, taxRateFields } from './object.js';
import type { CreateTaxRateInput, UpdateTaxRateInput } from './params.js';

const COUNTRY = /^[A-Za-z]{2}$/;

function checkCountry(country: string | null | undefined): void {
  if (country && !COUNTRY.test(country)) {
    throw invalidRequest(`Invalid country: ${country}. Use a two-letter ISO 3166-1 country code.`, {
      param: 'country',
    });
  }
}

/** `POST /v1/tax_rates`. */
export async function createTaxRate(ctx: MutationContext, input: CreateTaxRateInput): Promise<TaxRate> {
  if (input.percentage < 0 || input.percentage > 100) {
    throw invalidRequest('Invalid percentage: must be between 0 and 100.', { param: 'percentage' });
  }
  checkCountry(input.country);
  const rate = sortFields<TaxRate>({
    id: newId('txr', 24),
    object: 'tax_rate',
    active: input.active ?? true,
    country: input.country ? input.country.toUpperCase() : null,
    created: ctx.clock.now(),
    description: input.description ?? null,
    display_name: input.display_name,
    effective_percentage: input.percentage,
    flat_amount: null,
    inclusive: input.inclusive,
    jurisdiction: input.jurisdiction ?? null,
    jurisdiction_level: null,
    livemode: false,
    metadata: applyMetadata({}, input.metadata),
    percentage: input.percentage,
    rate_type: 'percentage',
    state: input.state ?? null,
    tax_type: input.tax_type ?? null,
  });
  await saveObject(ctx.tx, ctx.account.id, TAX_RATE, rate, { fields: taxRateFields(rate) });
  await emitEvent(ctx, 'tax_rate.created', rate);
  return rate;
}

/** `POST /v1/tax_rates/:id`. */
export async function updateTaxRate(ctx: MutationContext, id: string, input: UpdateTaxRateInput): Promise<TaxRate> {
  const rate = (await loadObject<TaxRate>(ctx.tx, ctx.account.id, id, TAX_RATE, { forUpdate: true })).object;
  const before = structuredClone(rate);
  if (input.display_name === null) {
    throw invalidRequest(
      "You passed an empty string for 'display_name'. We assume empty values are an attempt to unset a parameter; however 'display_name' cannot be unset. You should remove 'display_name' from your request or supply a non-empty value.",
      { code: 'parameter_invalid_empty', param: 'display_name' },
    );
  }
  checkCountry(input.country);
  if (input.active != null) rate.active = input.active;
  if (input.country !== undefined) rate.country = input.country ? input.country.toUpperCase() : null;
  if (input.description !== undefined) rate.description = input.description;
  if (input.display_name) rate.display_name = input.display_name;
  if (input.jurisdiction !== undefined) rate.jurisdiction = input.jurisdiction;
  rate.metadata = applyMetadata(rate.metadata, input.metadata);
  if (input.state !== undefined) rate.state = input.state;
  if (input.tax_type !== undefined) rate.tax_type = input.tax_type;
  await saveObject(ctx.tx, ctx.account.id, TAX_RATE, rate, { update: true, fields: taxRateFields(rate) });
  await emitEvent(ctx, 'tax_rate.updated', rate, before);
  return rate;
}
