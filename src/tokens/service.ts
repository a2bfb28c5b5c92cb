/**
 * Tokens: single-use stand-ins for card or bank account details (and for PII and a new CVC), made
 * by Stripe.js or a server and then spent once — as a customer's source or on a charge. The card
 * number is checked, profiled by the card network table and dropped; the token keeps what a
 * PaymentMethod keeps (brand, last4, expiry, fingerprint, the test card's key).
 *
 * The network table's aliases (`tok_visa`, `tok_chargeDeclined`, …) are not stored tokens: each use
 * makes a fresh card, and they may be used any number of times, as on Stripe.
 */
import { fingerprint } from '../cards/details.js';
import { cardForTestId, cardProfile, normalizeCardNumber } from '../cards/network.js';
import { validateCard } from '../cards/validation.js';
import { invalidRequest, resourceMissing, StripeError } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { loadObject, saveObject, sortFields } from '../platform/objects.js';
import type { MutationContext } from '../platform/operation.js';
import {
  type BankAccount,
  type BankAccountState,
  type Card,
  type CardState,
  newCard,
  TOKEN,
  type Token,
  type TokenType,
} from './object.js';
import type { createTokenParams, tokenBankAccountParam, tokenCardParam } from './params.js';

type CreateInput = ReturnType<typeof createTokenParams.parse>;
type CardInput = ReturnType<typeof tokenCardParam.parse>;
type BankAccountInput = ReturnType<typeof tokenBankAccountParam.parse>;

/** What a spent token (or a test alias) stands for. */
export type Tokenized =
  | { kind: 'card'; card: Card; state: CardState; token: string }
  | { kind: 'bank_account'; bankAccount: BankAccount; state: BankAccountState; token: string };

/** Stripe's test bank (US routing number 110000000): its name shows on bank accounts made with it. */
const TEST_ROUTING_NUMBER = '110000000';
const TEST_BANK_NAME = 'STRIPE TEST BANK';

function missing(param: string): StripeError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

function connectOnly(param: string, what: string): StripeError {
  return invalidRequest(
    `${what} needs Connect (a platform acting for a connected account), which Sandbank does not support yet.`,
    { param },
  );
}

/** A test card's expiry for aliases: the end of next year, as PaymentMethods made from aliases have. */
function aliasExpiry(now: number): { exp_month: number; exp_year: number } {
  return { exp_month: 12, exp_year: new Date(now * 1000).getUTCFullYear() + 1 };
}

/** A Card object for raw details, checked as Stripe checks them (402 `card_error`s naming `card[…]`). */
export function cardFromDetails(ctx: MutationContext, input: CardInput): { card: Card; state: CardState } {
  if (!input.number) throw missing('card[number]');
  if (input.exp_month == null) throw missing('card[exp_month]');
  if (input.exp_year == null) throw missing('card[exp_year]');
  const number = normalizeCardNumber(input.number);
  const expYear = input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year;
  validateCard(
    { number, exp_month: input.exp_month, exp_year: expYear, ...(input.cvc ? { cvc: input.cvc } : {}) },
    ctx.clock.now(),
  );
  const profile = cardProfile(number);
  const card = newCard({
    id: newId('card', 24),
    card: profile,
    last4: number.slice(-4),
    exp_month: input.exp_month,
    exp_year: expYear,
    fingerprint: fingerprint(ctx.account.id, number),
    cvcProvided: !!input.cvc,
    name: input.name ?? null,
    address: input,
  });
  return { card, state: { card: profile.key } };
}

/** ABA routing numbers: nine digits with a weighted checksum (3, 7, 1). */
function abaValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const d = [...routing].map(Number);
  const sum = d.reduce((acc, digit, i) => acc + digit * ([3, 7, 1][i % 3] as number), 0);
  return sum % 10 === 0;
}

function bankAccountFromDetails(ctx: MutationContext, input: BankAccountInput): BankAccount {
  if (input.payment_method) {
    throw invalidRequest(
      'Bank account tokens from PaymentMethods need `us_bank_account` PaymentMethods, which Sandbank does not support yet.',
      { param: 'bank_account[payment_method]' },
    );
  }
  if (!input.country) throw missing('bank_account[country]');
  if (!input.account_number) throw missing('bank_account[account_number]');
  const country = input.country.toUpperCase();
  const routing = input.routing_number ?? null;
  if (country === 'US') {
    if (!routing) throw missing('bank_account[routing_number]');
    if (!/^\d{9}$/.test(routing)) {
      throw invalidRequest('Routing number must have 9 digits', {
        code: 'routing_number_invalid',
        param: 'bank_account[routing_number]',
      });
    }
    if (!abaValid(routing)) {
      throw invalidRequest(`Invalid routing number: ${routing}`, {
        code: 'routing_number_invalid',
        param: 'bank_account[routing_number]',
      });
    }
  }
  const account = input.account_number.replace(/[\s-]/g, '');
  if (!/^[0-9A-Za-z]{4,34}$/.test(account)) {
    throw invalidRequest('Your account number is invalid.', {
      code: 'account_number_invalid',
      param: 'bank_account[account_number]',
    });
  }
  return {
    id: newId('ba', 24),
    object: 'bank_account',
    account_holder_name: input.account_holder_name ?? null,
    account_holder_type: input.account_holder_type ?? null,
    account_type: input.account_type ?? null,
    bank_name: routing === TEST_ROUTING_NUMBER ? TEST_BANK_NAME : null,
    country,
    currency: (input.currency ?? (country === 'US' ? 'usd' : 'eur')).toLowerCase(),
    customer: null,
    fingerprint: fingerprint(ctx.account.id, `bank:${country}:${routing ?? ''}:${account}`),
    last4: account.slice(-4),
    metadata: {},
    routing_number: routing,
    status: 'new',
  };
}

const TOKEN_PREFIX: Record<TokenType, string> = {
  card: 'tok',
  bank_account: 'btok',
  pii: 'pii',
  cvc_update: 'cvctok',
};

/** `POST /v1/tokens`: exactly one kind of token per request. */
export async function createToken(ctx: MutationContext, input: CreateInput): Promise<Token> {
  if (input.account != null) throw connectOnly('account', 'Account tokens');
  if (input.person != null) throw connectOnly('person', 'Person tokens');
  if (input.customer) throw connectOnly('customer', "Tokens for a customer's card (cloning)");
  const given = (['card', 'bank_account', 'pii', 'cvc_update'] as const).filter((k) => input[k] != null);
  if (given.length === 0) {
    throw invalidRequest(
      'You must supply either a card, customer, PII data, bank account, or account legal entity to create a token.',
    );
  }
  if (given.length > 1) {
    throw invalidRequest(`You may only specify one of these parameters: ${given.join(', ')}.`, {
      param: given[1] as string,
    });
  }
  const type = given[0] as TokenType;
  const token: Token = {
    id: newId(TOKEN_PREFIX[type], 24),
    object: 'token',
    client_ip: null,
    created: ctx.clock.now(),
    livemode: false,
    type,
    used: false,
  };
  let internal: object = {};
  if (type === 'card') {
    if (typeof input.card === 'string') {
      // A card id names a customer's saved card, which only a platform may tokenize.
      throw connectOnly('card', "Tokens for a customer's card (cloning)");
    }
    const made = cardFromDetails(ctx, input.card as CardInput);
    token.card = made.card;
    internal = made.state;
  } else if (type === 'bank_account') {
    if (typeof input.bank_account === 'string') {
      throw connectOnly('bank_account', "Tokens for a customer's bank account (cloning)");
    }
    token.bank_account = bankAccountFromDetails(ctx, input.bank_account as BankAccountInput);
  } else if (type === 'pii') {
    if (!input.pii?.id_number) throw missing('pii[id_number]');
  } else {
    const cvc = input.cvc_update?.cvc ?? '';
    if (!/^\d{3,4}$/.test(cvc)) {
      throw new StripeError({
        kind: 'payment_failed',
        type: 'card_error',
        code: 'invalid_cvc',
        message: "Your card's security code is invalid.",
        param: 'cvc_update[cvc]',
      });
    }
  }
  const data = sortFields(token);
  // Tokens are not listed, so they need no indexed fields; the PII and the CVC themselves are not kept.
  await saveObject(ctx.tx, ctx.account.id, TOKEN, data, { internal });
  return data;
}

export function tokenAlreadyUsed(id: string, param: string): StripeError {
  return invalidRequest(`You cannot use a Stripe token more than once: ${id}.`, {
    code: 'token_already_used',
    param,
  });
}

/**
 * Spends a card or bank account token named by `param`: a stored token is marked used (a second
 * use is Stripe's `token_already_used`); a test alias (`tok_visa`) makes a fresh card every time.
 */
export async function spendToken(ctx: MutationContext, id: string, param: string): Promise<Tokenized> {
  const alias = id.startsWith('tok_') ? cardForTestId(id) : undefined;
  if (alias) {
    const card = newCard({
      id: newId('card', 24),
      card: alias,
      last4: alias.last4,
      ...aliasExpiry(ctx.clock.now()),
      fingerprint: fingerprint(ctx.account.id, alias.number),
      cvcProvided: false,
    });
    return { kind: 'card', card, state: { card: alias.key }, token: id };
  }
  const loaded = await loadObject<Token, CardState & BankAccountState>(ctx.tx, ctx.account.id, id, TOKEN, {
    param,
    forUpdate: true,
  });
  const token = loaded.object;
  if (token.used) throw tokenAlreadyUsed(id, param);
  if (token.type !== 'card' && token.type !== 'bank_account') {
    throw invalidRequest(`A token of type ${token.type} cannot be used here: ${id}.`, { param });
  }
  token.used = true;
  await saveObject(ctx.tx, ctx.account.id, TOKEN, token, { update: true, internal: loaded.internal });
  if (token.card) return { kind: 'card', card: token.card, state: { card: loaded.internal.card }, token: id };
  if (!token.bank_account) throw resourceMissing('token', id, param);
  return { kind: 'bank_account', bankAccount: token.bank_account, state: {}, token: id };
}
