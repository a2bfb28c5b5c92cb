/**
 * The simulated card network: every documented Stripe test card, one line each, and the profile of
 * any other card number (brand from its BIN, no special behaviour).
 *
 * Source: https://docs.stripe.com/testing (cards by brand and country, declined payments, fraud
 * prevention, invalid data, 3D Secure, disputes, refunds, available balance), as summarised in
 * ../shared/stripe-facts.md §4.1–§4.6. Rows marked "(Sandbank)" fill a gap the docs leave open.
 *
 * A card is identified everywhere else by its `key`, never by its number: the full number of a card
 * is only ever held while a request is being handled.
 */

export type CardBrand =
  | 'amex'
  | 'cartes_bancaires'
  | 'diners'
  | 'discover'
  | 'eftpos_au'
  | 'interac'
  | 'jcb'
  | 'link'
  | 'mastercard'
  | 'unionpay'
  | 'visa'
  | 'unknown';

export type CardFunding = 'credit' | 'debit' | 'prepaid' | 'unknown';

/** The charge outcome fields a decline decides (`Charge.outcome`; the rest are the charge's own). */
export interface DeclineOutcome {
  network_status: string;
  reason: string | null;
  risk_level: string;
  seller_message: string;
  type: string;
}

/** A declined charge: the 402 `card_error` (code, decline_code, message) and the charge's outcome. */
export interface Decline {
  code: string;
  declineCode?: string;
  message: string;
  outcome: DeclineOutcome;
}

/**
 * How a card's issuer asks for 3D Secure:
 * - `required`: every payment needs authentication, even off-session after a setup.
 * - `required_on_setup`: on-session payments and setups need it; off-session payments succeed once
 *   the card was set up for them (4000002500003155).
 * - `required_unless_setup_off_session`: the card counts as already set up: off-session payments
 *   succeed, on-session payments need authentication (4000003800000446).
 * - `frictionless`: authentication happens without a challenge and succeeds.
 * - `optional`: supported, not required; authenticates when requested.
 * - `optional_error`: supported, but a requested authentication attempt fails with an error.
 * - `not_supported`: the card cannot do 3DS; payments proceed without it.
 * Absent: supported but not enrolled (like 4242…), so requested 3DS is `attempt_acknowledged`.
 */
export type ThreeDSecureBehaviour =
  | 'required'
  | 'required_on_setup'
  | 'required_unless_setup_off_session'
  | 'frictionless'
  | 'optional'
  | 'optional_error'
  | 'not_supported';

export type DisputeReason =
  | 'bank_cannot_process'
  | 'credit_not_processed'
  | 'customer_initiated'
  | 'debit_not_authorized'
  | 'duplicate'
  | 'fraudulent'
  | 'general'
  | 'incorrect_account_details'
  | 'insufficient_funds'
  | 'noncompliant'
  | 'product_not_received'
  | 'product_unacceptable'
  | 'subscription_canceled'
  | 'unrecognized';

export interface CardBehaviour {
  /** Every charge is declined (402 card_error). */
  decline?: Decline;
  /** Attaching to a customer (or a setup) fails with `decline` too: the issuer declines at once. */
  attachDeclines?: boolean;
  threeDSecure?: ThreeDSecureBehaviour;
  /** Authentication succeeds, then the charge is declined with this. */
  declineAfterAuthentication?: Decline;
  risk?: { level: 'normal' | 'elevated' | 'highest'; score: number; blocked?: boolean };
  /** Check results when the value was provided (otherwise the check is null); absent means `pass`. */
  checks?: {
    cvc_check?: 'fail';
    address_line1_check?: 'fail' | 'unavailable';
    address_postal_code_check?: 'fail' | 'unavailable';
  };
  /** The charge succeeds, then is disputed (`count` disputes; an inquiry first when `inquiry`). */
  dispute?: { reason: DisputeReason; inquiry?: boolean; count?: number };
  /** The charge succeeds, then an early fraud warning is raised (no dispute). */
  earlyFraudWarning?: boolean;
  /** Refunds start `pending` and succeed later, or start `succeeded` and fail later. */
  refund?: 'pending' | 'fails';
  /** Funds go straight to the available balance. */
  bypassPending?: boolean;
}

export interface TestCard {
  /** Stable identifier stored instead of the number (table name, or `bin:<first6>:<last4>:<length>`). */
  key: string;
  /** The documented number for table cards; '' for the profile of any other number (never kept). */
  number: string;
  last4: string;
  brand: CardBrand;
  /** The second network of a co-branded card (Cartes Bancaires, eftpos). */
  coBrand?: CardBrand;
  funding: CardFunding;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  behaviour: CardBehaviour;
  /** `pm_card_<alias>` and `tok_<alias>` both name this card. */
  aliases: string[];
}

// ---- declines ----

const DECLINED = 'Your card was declined.';

/** An issuer decline: Stripe's seller message names the decline code, except for generic declines. */
function issuer(declineCode: string, message = DECLINED, code = 'card_declined'): Decline {
  const sellerMessage =
    declineCode === 'generic_decline'
      ? 'The bank did not return any further details with this decline.'
      : `The bank returned the decline code \`${declineCode}\`.`;
  return {
    code,
    declineCode,
    message,
    outcome: {
      network_status: 'declined_by_network',
      reason: declineCode,
      risk_level: 'normal',
      seller_message: sellerMessage,
      type: 'issuer_declined',
    },
  };
}

const GENERIC = issuer('generic_decline');
const INSUFFICIENT_FUNDS = issuer('insufficient_funds', 'Your card has insufficient funds.');
const LOST = issuer('lost_card');
const STOLEN = issuer('stolen_card');
const EXPIRED = issuer('expired_card', 'Your card has expired.', 'expired_card');
const INCORRECT_CVC = issuer('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc');
// The outcome of a processing error is not documented; it is modelled like the other issuer declines.
const PROCESSING = issuer(
  'processing_error',
  'An error occurred while processing your card. Try again in a little bit.',
  'processing_error',
);
const VELOCITY = issuer('card_velocity_exceeded');

/** Radar blocks the payment before it reaches the network. */
const BLOCKED: Decline = {
  code: 'card_declined',
  declineCode: 'fraudulent',
  message: DECLINED,
  outcome: {
    network_status: 'not_sent_to_network',
    reason: 'highest_risk_level',
    risk_level: 'highest',
    seller_message: 'Stripe blocked this payment as too risky.',
    type: 'blocked',
  },
};

const HIGHEST = { level: 'highest', score: 95, blocked: true } as const;
const ELEVATED = { level: 'elevated', score: 70 } as const;

// ---- row builders: one line per card ----

interface Attrs {
  /** Defaults to the brand the number's BIN says. */
  brand?: CardBrand;
  coBrand?: CardBrand;
  funding?: CardFunding;
  country?: string;
  /** Aliases besides the key. */
  also?: string[];
  /** The key is not an alias (the docs give the card no pm_card_/tok_ name of that form). */
  alias?: false;
}

/** A table card: a US credit card unless told, `key` doubling as its first alias. */
function card(number: string, key: string, attrs: Attrs = {}, behaviour: CardBehaviour = {}): TestCard {
  const row: TestCard = {
    key,
    number,
    last4: number.slice(-4),
    brand: attrs.brand ?? brandFromBin(number),
    funding: attrs.funding ?? 'credit',
    country: attrs.country ?? 'US',
    behaviour,
    aliases: [...(attrs.alias === false ? [] : [key]), ...(attrs.also ?? [])],
  };
  if (attrs.coBrand !== undefined) row.coBrand = attrs.coBrand;
  return row;
}

/** A Visa credit card issued in `cc`, named by the lower-case country code. */
const country = (cc: string, number: string) =>
  card(number, `country_${cc.toLowerCase()}`, { country: cc, alias: false, also: [cc.toLowerCase()] });

/** An issuer decline that also refuses attachment; named with and without the `visa_` prefix. */
const declined = (number: string, name: string, decline: Decline, more: string[] = []) =>
  card(number, name, { also: [`visa_${name}`, ...more] }, { decline, attachDeclines: true });

const tds = (threeDSecure: ThreeDSecureBehaviour): CardBehaviour => ({ threeDSecure });
const authThen = (decline: Decline): CardBehaviour => ({
  threeDSecure: 'required',
  declineAfterAuthentication: decline,
});
const dispute = (reason: DisputeReason, more: { inquiry?: boolean; count?: number } = {}): CardBehaviour => ({
  dispute: { reason, ...more },
});

const RADAR_BLOCK: CardBehaviour = { decline: BLOCKED, attachDeclines: true, risk: HIGHEST };
const DEBIT = { funding: 'debit' } as const;
const UNNAMED = { alias: false } as const;
const NONE: CardBehaviour = {};
const AVS_FAIL = { address_line1_check: 'fail', address_postal_code_check: 'fail' } as const;
const AVS_UNAVAILABLE = { address_line1_check: 'unavailable', address_postal_code_check: 'unavailable' } as const;

// biome-ignore format: one line per card
export const TEST_CARDS: readonly TestCard[] = [
  // §4.1 brands
  card('4242424242424242', 'visa', { also: ['us'] }),
  card('4000056655665556', 'visa_debit', DEBIT),
  card('5555555555554444', 'mastercard'),
  card('2223003122003222', 'mastercard_2series', UNNAMED),
  card('5200828282828210', 'mastercard_debit', DEBIT),
  card('5105105105105100', 'mastercard_prepaid', { funding: 'prepaid' }),
  card('371449635398431', 'amex'),
  card('378282246310005', 'amex_threeDSecureNotSupported', {}, tds('not_supported')),
  card('6011111111111117', 'discover'),
  card('6011000990139424', 'discover_2', UNNAMED),
  card('6011981111111113', 'discover_debit', { funding: 'debit', alias: false }),
  card('3056930009020004', 'diners'),
  card('36227206271667', 'diners_14digit', UNNAMED),
  // BCcard and DinaCard run on the Discover Global Network, hence `discover` from the BIN (Sandbank).
  card('6555900000604105', 'bccard_dinacard', UNNAMED),
  card('3566002020360505', 'jcb', { country: 'JP' }),
  card('6200000000000005', 'unionpay', { country: 'CN' }),
  card('6200000000000047', 'unionpay_debit', { funding: 'debit', country: 'CN', alias: false }),
  card('6205500000000000004', 'unionpay_19digit', { country: 'CN', alias: false }),
  card('4000002500001001', 'visa_cartesBancaires', { country: 'FR', coBrand: 'cartes_bancaires' }),
  card('5555552500001001', 'mastercard_cartesBancaires', { country: 'FR', coBrand: 'cartes_bancaires' }),
  card('4000050360000001', 'visa_debit_eftposAuCoBranded', { funding: 'debit', country: 'AU', coBrand: 'eftpos_au' }),
  card('5555050360000080', 'mastercard_debit_eftposAuCoBranded', { funding: 'debit', country: 'AU', coBrand: 'eftpos_au' }),
  card('4000051230000072', 'debit_visaFsaProductCode', { funding: 'debit', also: ['debit_visaHsaProductCode'] }),
  card('5200828282828897', 'mastercard_debit_mastercardFsaProductCode', DEBIT),

  // §4.2 issuing countries (the US card is `visa`)
  country('AR', '4000000320000021'),
  country('BR', '4000000760000002'),
  country('CA', '4000001240000000'),
  country('CL', '4000001520000001'),
  country('CO', '4000001700000003'),
  country('CR', '4000001880000005'),
  country('EC', '4000002180000000'),
  country('MX', '4000004840008001'),
  // Carnet is not among the API's brands and the docs do not say what `brand` reports (Sandbank).
  card('5062210000000009', 'country_mx_carnet', { brand: 'unknown', country: 'MX', alias: false }),
  country('PA', '4000005910000000'),
  country('PY', '4000006000000066'),
  country('PE', '4000006040000068'),
  country('UY', '4000008580000003'),
  country('AE', '4000007840000001'),
  card('5200007840000022', 'ae_mastercard', { country: 'AE' }),
  country('AT', '4000000400000008'),
  country('BE', '4000000560000004'),
  country('BG', '4000001000000000'),
  country('BY', '4000001120000005'),
  country('HR', '4000001910000009'),
  country('CY', '4000001960000008'),
  country('CZ', '4000002030000002'),
  country('DK', '4000002080000001'),
  country('EE', '4000002330000009'),
  country('FI', '4000002460000001'),
  country('FR', '4000002500000003'),
  country('DE', '4000002760000016'),
  country('GI', '4000002920000005'),
  country('GR', '4000003000000030'),
  country('HU', '4000003480000005'),
  country('IE', '4000003720000005'),
  country('IT', '4000003800000008'),
  country('LV', '4000004280000005'),
  country('LI', '4000004380000004'),
  country('LT', '4000004400000000'),
  country('LU', '4000004420000006'),
  country('MT', '4000004700000007'),
  country('NL', '4000005280000002'),
  country('NO', '4000005780000007'),
  country('PL', '4000006160000005'),
  country('PT', '4000006200000007'),
  country('RO', '4000006420000001'),
  country('SA', '4000006820000007'),
  country('SI', '4000007050000006'),
  country('SK', '4000007030000001'),
  country('ES', '4000007240000007'),
  country('SE', '4000007520000008'),
  country('CH', '4000007560000009'),
  country('GB', '4000008260000000'),
  card('4000058260000005', 'gb_debit', { funding: 'debit', country: 'GB' }),
  card('5555558265554449', 'gb_mastercard', { country: 'GB' }),
  country('AU', '4000000360000006'),
  country('CN', '4000001560000002'),
  country('HK', '4000003440000004'),
  country('IN', '4000003560000008'),
  country('JP', '4000003920000003'),
  card('3530111333300000', 'country_jp_jcb', { country: 'JP', alias: false }),
  country('MY', '4000004580000002'),
  country('NZ', '4000005540000008'),
  country('SG', '4000007020000003'),
  country('TW', '4000001580000008'),
  card('4000007640000003', 'th_credit', { country: 'TH' }),
  card('4000057640000008', 'th_debit', { funding: 'debit', country: 'TH' }),

  // §4.3 declines. tok_visa_debit_chargeDeclinedInsufficientFunds has no published number of its own.
  declined('4000000000000002', 'chargeDeclined', GENERIC),
  declined('4000000000009995', 'chargeDeclinedInsufficientFunds', INSUFFICIENT_FUNDS, ['visa_debit_chargeDeclinedInsufficientFunds']),
  declined('4000000000009987', 'chargeDeclinedLostCard', LOST),
  declined('4000000000009979', 'chargeDeclinedStolenCard', STOLEN),
  declined('4000000000000069', 'chargeDeclinedExpiredCard', EXPIRED),
  // The docs add "you must supply a CVC" for this card; the decline itself does not depend on it.
  declined('4000000000000127', 'chargeDeclinedIncorrectCvc', INCORRECT_CVC),
  declined('4000000000000119', 'chargeDeclinedProcessingError', PROCESSING),
  declined('4000000000006975', 'chargeDeclinedVelocityLimitExceeded', VELOCITY),
  card('4000000000000341', 'chargeCustomerFail', { also: ['visa_chargeCustomerFail'] }, { decline: GENERIC }),
  // These two tokens have no published number: the numbers are Sandbank's own (Sandbank).
  card('4000000000003402', 'visa_chargeCustomerFailLostCard', {}, { decline: LOST }),
  card('4000000000003501', 'visa_chargeCustomerFailStolenCard', {}, { decline: STOLEN }),

  // §4.4 Radar. Scores Radar computes beyond risk_level (dispute and EFW scores, dynamic thresholds,
  // free-trial abuse) are not simulated: those cards behave as ordinary cards.
  card('4100000000000019', 'radarBlock', { also: ['chargeDeclinedFraudulent', 'visa_chargeDeclinedFraudulent'] }, RADAR_BLOCK),
  card('4000000000004954', 'riskLevelHighest', {}, { decline: BLOCKED, risk: HIGHEST }),
  card('4000000000009235', 'riskLevelElevated', {}, { risk: ELEVATED }),
  card('4000008400000407', 'highFraudDisputeScore'),
  card('4000008400000159', 'highEfwScore'),
  card('4000008400001017', 'radarDynamicRiskThreshold'),
  card('4001858821843804', 'freeTrialAbuseBlock'),
  card('4000008405600003', 'adaptive3dsChallenge', {}, tds('required')),
  card('4000000000000101', 'cvcCheckFail', {}, { checks: { cvc_check: 'fail' } }),
  card('4000000000000036', 'avsZipFail', {}, { checks: { address_postal_code_check: 'fail' } }),
  card('4000000000000028', 'avsLine1Fail', {}, { checks: { address_line1_check: 'fail' } }),
  card('4000000000000010', 'avsFail', {}, { checks: AVS_FAIL }),
  card('4000000000000044', 'avsUnchecked', {}, { checks: AVS_UNAVAILABLE }),
  card('4000058400307872', 'cvcCheckFailElevatedRisk', {}, { checks: { cvc_check: 'fail' }, risk: ELEVATED }),
  card('4000058400306072', 'avsZipFailElevatedRisk', {}, { checks: { address_postal_code_check: 'fail' }, risk: ELEVATED }),

  // §4.5 3D Secure
  card('4000002500003155', 'authenticationRequiredOnSetup', { country: 'FR' }, tds('required_on_setup')),
  card('4000002760003184', 'authenticationRequired', { country: 'DE' }, tds('required')),
  card('4000003800000446', 'authenticationRequiredSetupForOffSession', { country: 'IT' }, tds('required_unless_setup_off_session')),
  card('4000008260003178', 'authenticationRequiredChargeDeclinedInsufficientFunds', { country: 'GB' }, authThen(INSUFFICIENT_FUNDS)),
  card('4000000000003220', 'threeDSecure2Required', { country: 'IE' }, tds('required')),
  card('4000008400000027', 'threeDSecure2Required_us', UNNAMED, tds('required')),
  card('4000008400001629', 'threeDSecureRequiredChargeDeclined', {}, authThen(GENERIC)),
  // The 3DS lookup itself fails, so the payment is declined without an authentication step.
  card('4000008400001280', 'threeDSecureRequiredProcessingError', {}, { decline: GENERIC }),
  card('4000000000003055', 'threeDSecureOptional', {}, tds('optional')),
  card('4000000000003097', 'threeDSecureOptionalProcessingError', {}, tds('optional_error')),
  card('4000000032200000', 'threeDSecure2Frictionless', UNNAMED, tds('frictionless')),
  card('4000582600000094', 'threeDSecureMobileOob', { country: 'GB', alias: false }, tds('required')),
  card('4000582600000045', 'threeDSecureMobileOtp', { country: 'GB', alias: false }, tds('required')),
  card('4000582600000102', 'threeDSecureMobileSingleSelect', { country: 'GB', alias: false }, tds('required')),
  card('4000582600000110', 'threeDSecureMobileMultiSelect', { country: 'GB', alias: false }, tds('required')),

  // §4.6 disputes. Dispute prevention (RDR, CE 3.0 blocks, Ethoca alerts) is not simulated.
  card('4000000000000259', 'createDispute', {}, dispute('fraudulent')),
  card('4000000000002685', 'createDisputeProductNotReceived', {}, dispute('product_not_received')),
  card('4000000000001976', 'createDisputeInquiry', {}, dispute('fraudulent', { inquiry: true })),
  card('4000000000005423', 'createIssuerFraudRecord', {}, { earlyFraudWarning: true }),
  card('4000000404000079', 'createMultipleDisputes', {}, dispute('fraudulent', { count: 2 })),
  card('4000000404000038', 'createCe3EligibleDispute', {}, dispute('fraudulent')),
  card('4000008400000779', 'createComplianceDispute', {}, dispute('noncompliant')),
  card('5105008400000002', 'createMastercardComplianceDispute', {}, dispute('noncompliant')),
  card('4000000001000043', 'createAutoRepresentmentEligibleDispute', {}, dispute('fraudulent')),
  card('4000000404004816', 'createRapidDisputeResolutionDispute', {}, NONE),
  card('4000000404005649', 'createCe3BlockDispute', {}, NONE),
  card('5105000300000018', 'createEthocaAlert', {}, NONE),

  // §4.6 refunds and balance
  card('4000000000007726', 'pendingRefund', {}, { refund: 'pending' }),
  card('4000000000005126', 'refundFail', {}, { refund: 'fails' }),
  card('4000000000000077', 'bypassPending', {}, { bypassPending: true }),
  card('4000003720000278', 'bypassPendingInternational', { country: 'IE' }, { bypassPending: true }),
];

// ---- lookups ----

const BY_NUMBER = new Map(TEST_CARDS.map((card) => [card.number, card]));
const BY_KEY = new Map(TEST_CARDS.map((card) => [card.key, card]));
const BY_ALIAS = new Map(TEST_CARDS.flatMap((card) => card.aliases.map((alias) => [alias, card] as const)));

/** Brand from the leading digits (IIN ranges); `unknown` when no range matches. */
export function brandFromBin(digits: string): CardBrand {
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (four === 6011 || (three >= 644 && three <= 649) || two === 65) return 'discover';
  if (two === 62) return 'unionpay';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (two === 36 || two === 38 || two === 39 || (three >= 300 && three <= 305)) return 'diners';
  return 'unknown';
}

/** A card number without the spaces and dashes people type between digit groups. */
export function normalizeCardNumber(number: string): string {
  return number.replace(/[\s-]/g, '');
}

function binProfile(first6: string, last4: string, length: number): TestCard {
  return {
    key: `bin:${first6}:${last4}:${length}`,
    number: '',
    last4,
    brand: brandFromBin(first6),
    funding: 'credit',
    country: 'US',
    behaviour: {},
    aliases: [],
  };
}

/**
 * The profile of any card number: its table card if documented, otherwise a US credit card of the
 * brand its BIN says, with no special behaviour. The number is assumed valid (see validateCard).
 */
export function cardProfile(number: string): TestCard {
  const digits = normalizeCardNumber(number);
  return BY_NUMBER.get(digits) ?? binProfile(digits.slice(0, 6), digits.slice(-4), digits.length);
}

/** `pm_card_<alias>` / `tok_<alias>` → the table card, or undefined for any other id. */
export function cardForTestId(id: string): TestCard | undefined {
  const alias = id.startsWith('pm_card_') ? id.slice(8) : id.startsWith('tok_') ? id.slice(4) : undefined;
  return alias === undefined ? undefined : BY_ALIAS.get(alias);
}

const BIN_KEY = /^bin:(\d{6}):(\d{4}):(\d{1,2})$/;

/** Inverse of `TestCard.key`: the table card, or a behaviour-free profile for a `bin:` key. */
export function cardByKey(key: string): TestCard | undefined {
  const card = BY_KEY.get(key);
  if (card !== undefined) return card;
  const match = BIN_KEY.exec(key);
  if (match === null) return undefined;
  const [, first6 = '', last4 = '', length = ''] = match;
  return binProfile(first6, last4, Number(length));
}
