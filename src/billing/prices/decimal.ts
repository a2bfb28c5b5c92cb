/**
 * Exact decimal arithmetic for Billing amounts. Stripe takes fractional minor units
 * (`unit_amount_decimal`, up to 12 decimal places) and percentages (up to 4 places for tax rates, 2
 * for coupons) and rounds only the final line amount; doing the sums in binary floating point would
 * turn 0.5 into 0.49999… and round the wrong way. Values here are BigInts scaled by 10^SCALE.
 */

/** Decimal places every scaled value carries (enough for 12-place prices times 4-place percentages). */
export const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?$/;

/** Whether `s` is a plain decimal number (`12`, `0.5`, `.25`, `3.`), as Stripe's decimal params accept. */
export function isDecimal(s: string): boolean {
  const m = DECIMAL.exec(s);
  return m !== null && ((m[2] ?? '') + (m[3] ?? '')).length > 0;
}

/** Digits after the decimal point in `s` (trailing zeros count, as written). */
export function decimalPlaces(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** `s` as a scaled BigInt; throws on text that is not a decimal (callers validate first). */
export function toScaled(s: string | number): bigint {
  const text = typeof s === 'number' ? numberText(s) : s;
  const m = DECIMAL.exec(text);
  if (!m || !isDecimal(text)) throw new RangeError(`not a decimal: ${text}`);
  const whole = m[2] === '' ? '0' : (m[2] as string);
  const fraction = (m[3] ?? '').slice(0, SCALE).padEnd(SCALE, '0');
  const value = BigInt(whole) * ONE + BigInt(fraction);
  return m[1] === '-' ? -value : value;
}

/** A JS number as plain decimal text (no exponent), for numbers such as 8.25 or 1e-7. */
function numberText(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(SCALE).replace(/0+$/, '');
}

/** The product of two scaled values, still scaled (exact to SCALE places, truncated below). */
export function mul(a: bigint, b: bigint): bigint {
  return (a * b) / ONE;
}

/** `a / b` of two scaled values, scaled (truncated at SCALE places). */
export function div(a: bigint, b: bigint): bigint {
  return (a * ONE) / b;
}

/** An integer as a scaled value. */
export function scaled(n: number): bigint {
  return BigInt(n) * ONE;
}

/**
 * A scaled value rounded to an integer, halves away from zero: Stripe rounds a fractional cent of
 * 0.5 up (its rounding note: 0.025 becomes 0.03, 0.024 becomes 0.02).
 */
export function roundHalfUp(v: bigint): number {
  const negative = v < 0n;
  const abs = negative ? -v : v;
  let whole = abs / ONE;
  if ((abs % ONE) * 2n >= ONE) whole += 1n;
  return Number(negative ? -whole : whole);
}

/** A scaled value rounded up (towards +∞) or down (towards −∞) to an integer. */
export function roundDirected(v: bigint, direction: 'up' | 'down'): number {
  let whole = v / ONE;
  const rest = v % ONE;
  if (direction === 'up' && rest > 0n) whole += 1n;
  if (direction === 'down' && rest < 0n) whole -= 1n;
  return Number(whole);
}

/** A scaled value as the shortest decimal text Stripe would show (`12.5`, `1000`). */
export function scaledText(v: bigint): string {
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const whole = abs / ONE;
  const fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
