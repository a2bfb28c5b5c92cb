/**
 * Funding instructions: the bank account a customer sends money to so that it lands in their cash
 * balance. Stripe gives each customer a virtual account per transfer type that stays the same across
 * calls; Sandbank derives its numbers from the account, customer and type, so the same request
 * always answers the same account (and a valid IBAN, with its check digits) without storing it.
 */
import { createHash } from 'node:crypto';
import { invalidRequest } from '../../platform/errors.js';
import { loadObject } from '../../platform/objects.js';
import type { MutationContext } from '../../platform/operation.js';
import type { Address } from '../object.js';
import { CUSTOMER } from '../object.js';
import { BANK_TRANSFER_TYPES, type BankTransferType } from './object.js';
import type { createFundingInstructionsParams } from './params.js';

type Input = ReturnType<typeof createFundingInstructionsParams.parse>;

/** The countries whose IBANs `eu_bank_transfer` hands out. */
const EU_COUNTRIES = ['BE', 'DE', 'ES', 'FR', 'IE', 'NL'] as const;

/** `n` digits that depend only on `seed`. */
function digits(seed: string, n: number): string {
  let out = '';
  for (let i = 0; out.length < n; i++) {
    for (const byte of createHash('sha256').update(`${seed}:${i}`).digest()) {
      if (out.length < n && byte < 250) out += String(byte % 10);
    }
  }
  return out;
}

/** An IBAN for `country` whose check digits are right (ISO 13616: mod 97 of the rearranged number). */
export function iban(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const ch of rearranged) remainder = (remainder * 10 + Number(ch)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

function address(country: string, city: string): Address {
  return { city, country, line1: null, line2: null, postal_code: null, state: null };
}

const HOLDER = 'Sandbank test account';
const BANK = 'Sandbank Test Bank';

function financialAddresses(type: BankTransferType, country: string, seed: string): Record<string, unknown>[] {
  switch (type) {
    case 'us_bank_transfer': {
      const holder = { account_holder_address: address('US', 'San Francisco'), account_holder_name: HOLDER };
      const bank = { bank_address: address('US', 'New York'), bank_name: BANK };
      const account = digits(`${seed}:aba`, 12);
      return [
        {
          aba: { ...holder, account_number: account, account_type: 'checking', ...bank, routing_number: '110000000' },
          supported_networks: ['ach', 'domestic_wire_us'],
          type: 'aba',
        },
        {
          supported_networks: ['swift'],
          swift: { ...holder, account_number: account, account_type: 'checking', ...bank, swift_code: 'TSTEUS33XXX' },
          type: 'swift',
        },
      ];
    }
    case 'eu_bank_transfer':
      return [
        {
          iban: {
            account_holder_address: address(country, 'Berlin'),
            account_holder_name: HOLDER,
            bank_address: address(country, 'Berlin'),
            bic: 'TSTEDEFFXXX',
            country,
            iban: iban(country, digits(`${seed}:iban`, 18)),
          },
          supported_networks: ['sepa'],
          type: 'iban',
        },
      ];
    case 'gb_bank_transfer':
      return [
        {
          sort_code: {
            account_holder_address: address('GB', 'London'),
            account_holder_name: HOLDER,
            account_number: digits(`${seed}:gb`, 8),
            bank_address: address('GB', 'London'),
            sort_code: '108800',
          },
          supported_networks: ['bacs', 'fps'],
          type: 'sort_code',
        },
      ];
    case 'jp_bank_transfer':
      return [
        {
          supported_networks: ['zengin'],
          type: 'zengin',
          zengin: {
            account_holder_address: address('JP', 'Tokyo'),
            account_holder_name: HOLDER,
            account_number: digits(`${seed}:jp`, 7),
            account_type: 'futsu',
            bank_address: address('JP', 'Tokyo'),
            bank_code: '0001',
            bank_name: BANK,
            branch_code: '001',
            branch_name: 'Sandbank',
          },
        },
      ];
    case 'mx_bank_transfer':
      return [
        {
          spei: {
            account_holder_address: address('MX', 'Ciudad de México'),
            account_holder_name: HOLDER,
            bank_address: address('MX', 'Ciudad de México'),
            bank_code: '002',
            bank_name: BANK,
            clabe: `002${digits(`${seed}:spei`, 15)}`,
          },
          supported_networks: ['spei'],
          type: 'spei',
        },
      ];
  }
}

const COUNTRY: Record<Exclude<BankTransferType, 'eu_bank_transfer'>, string> = {
  gb_bank_transfer: 'GB',
  jp_bank_transfer: 'JP',
  mx_bank_transfer: 'MX',
  us_bank_transfer: 'US',
};

/** `POST /v1/customers/:customer/funding_instructions`. */
export async function createFundingInstructions(ctx: MutationContext, customer: string, input: Input) {
  await loadObject(ctx.tx, ctx.account.id, customer, CUSTOMER);
  const { type } = input.bank_transfer;
  const currency = input.currency.toLowerCase();
  const expected = BANK_TRANSFER_TYPES[type].currency;
  if (currency !== expected) {
    throw invalidRequest(`The currency for ${type} must be ${expected}.`, { param: 'currency' });
  }
  let country: string;
  if (type === 'eu_bank_transfer') {
    const requested = input.bank_transfer.eu_bank_transfer?.country;
    if (!requested) {
      throw invalidRequest('Missing required param: bank_transfer[eu_bank_transfer][country].', {
        code: 'parameter_missing',
        param: 'bank_transfer[eu_bank_transfer][country]',
      });
    }
    if (!(EU_COUNTRIES as readonly string[]).includes(requested)) {
      throw invalidRequest(
        `Invalid bank_transfer[eu_bank_transfer][country]: must be one of ${EU_COUNTRIES.join(', ')}`,
        { param: 'bank_transfer[eu_bank_transfer][country]' },
      );
    }
    country = requested;
  } else {
    country = COUNTRY[type];
  }
  let addresses = financialAddresses(type, country, `${ctx.account.id}:${customer}:${type}:${country}`);
  const wanted = input.bank_transfer.requested_address_types;
  if (wanted && wanted.length > 0) {
    const kept = addresses.filter((a) => (wanted as string[]).includes(a.type as string));
    if (kept.length > 0) addresses = kept;
  }
  return {
    object: 'funding_instructions',
    bank_transfer: { country, financial_addresses: addresses, type },
    currency,
    funding_type: 'bank_transfer',
    livemode: false,
  };
}
