/**
 * Card numbers (PANs) in text Sandbank keeps or prints. Stripe echoes a wrong value in its error
 * messages (`No such PaymentMethod: '4242…'`), so a card number sent in the wrong field, or in a URL,
 * would otherwise land in a stored idempotent response, the request log or a log line. This module
 * finds anything that looks like one and masks it; the Luhn check lives here so that card validation
 * and redaction agree on what a card number is.
 *
 * What counts as a PAN: 12 to 19 digits (ISO/IEC 7812) passing the Luhn check, written as one run or
 * in groups separated by spaces or dashes (as `card[number]` accepts them). A run of more than 19
 * digits is a longer number, not a card number.
 *
 * Masking keeps the last four digits and replaces every other digit by `*`, separators in place
 * (`4242 4242 4242 4242` → `**** **** **** 4242`). The last four are what Stripe itself shows of a
 * card (`card.last4`, "•••• 4242") and what Sandbank stores anyway, so the masked text reveals nothing
 * new; showing the first six too (PCI DSS's maximum) would leave a 12-digit number with two unknown
 * digits, one of them fixed by Luhn.
 */

export const PAN_MIN_DIGITS = 12;
export const PAN_MAX_DIGITS = 19;
const KEPT_DIGITS = 4;
const MASK = '*';

/** The Luhn (mod 10) check every card number passes. Expects digits only. */
export function luhnValid(number: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let digit = number.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whitespace or a dash: what may separate the groups of a written card number. */
function isSeparator(code: number): boolean {
  return code === 32 || code === 45 || (code >= 9 && code <= 13) || code === 160;
}

/** [start, end) of a run of digits. */
type Group = [number, number];

/**
 * `text` with every PAN-like run masked (see the module comment); the same string when there is
 * none. Costs one pass over the text when it has fewer than 12 digits, so it is cheap enough for
 * every request's path and idempotency key.
 */
export function redactPans(text: string): string {
  let digits = 0;
  for (let i = 0; i < text.length && digits < PAN_MIN_DIGITS; i++) if (isDigit(text.charCodeAt(i))) digits++;
  if (digits < PAN_MIN_DIGITS) return text;

  let masked: Uint8Array | undefined;
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A cluster: digit groups joined by separators, ending at anything else.
    const groups: Group[] = [];
    for (;;) {
      const start = i;
      while (i < text.length && isDigit(text.charCodeAt(i))) i++;
      groups.push([start, i]);
      let j = i;
      while (j < text.length && isSeparator(text.charCodeAt(j))) j++;
      if (j === i || j >= text.length || !isDigit(text.charCodeAt(j))) break;
      i = j;
    }
    for (const [from, to] of panWindows(text, groups)) {
      masked ??= new Uint8Array(text.length);
      maskWindow(text, from, to, masked);
    }
  }
  if (!masked) return text;
  let out = '';
  let last = 0;
  for (let k = 0; k < text.length; k++) {
    if (masked[k] === 1) {
      out += text.slice(last, k) + MASK;
      last = k + 1;
    }
  }
  return out + text.slice(last);
}

/** [start, end) text ranges of the runs of consecutive groups that spell a PAN. */
function panWindows(text: string, groups: Group[]): Group[] {
  const found: Group[] = [];
  for (let a = 0; a < groups.length; a++) {
    let number = '';
    for (let b = a; b < groups.length; b++) {
      const [start, end] = groups[b] as Group;
      number += text.slice(start, end);
      if (number.length > PAN_MAX_DIGITS) break;
      if (number.length >= PAN_MIN_DIGITS && luhnValid(number)) {
        found.push([(groups[a] as Group)[0], end]);
      }
    }
  }
  return found;
}

/** Marks the digits of `text[from, to)` for masking, all but the last four. */
function maskWindow(text: string, from: number, to: number, masked: Uint8Array): void {
  let keep = KEPT_DIGITS;
  for (let k = to - 1; k >= from; k--) {
    if (!isDigit(text.charCodeAt(k))) continue;
    if (keep > 0) keep--;
    else masked[k] = 1;
  }
}

/**
 * A copy of a log field with PANs masked in every string it holds (arrays, plain objects and errors
 * walked; large integers checked as digits too), so structured log lines are as clean as text ones.
 */
export function redactPansDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactPans(value);
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 10 ** (PAN_MIN_DIGITS - 1)) {
    const text = String(value);
    const redacted = redactPans(text);
    return redacted === text ? value : redacted;
  }
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  if (value instanceof Error) {
    const copy = new Error(redactPans(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactPans(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) Object.assign(copy, { code });
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => redactPansDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redactPans(k)] = redactPansDeep(v, depth + 1);
  return out;
}
