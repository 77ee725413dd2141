/**
 * Money as integers: decimal strings are parsed into bigint minor units and formatted back. No
 * floating point anywhere on a money path.
 */
import { minorUnits, type Currency } from './currencies.ts';

export type ParseAmountResult =
  | { readonly ok: true; readonly minor: bigint }
  | { readonly ok: false; readonly reason: 'blank' | 'format' | 'scale' | 'not_integer' };

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,8}))?$/;

/**
 * Parses an amount as merchants send it ("100.02", "2", or the JSON number 100.02 already turned to
 * its shortest string by the JSON parser) into minor units of `currency`. Rejects more fraction digits
 * than the currency has, except trailing zeros ("1000.00" JPY is 1000).
 */
export function parseAmount(input: unknown, currency: Currency): ParseAmountResult {
  if (input === undefined || input === null || input === '') return { ok: false, reason: 'blank' };
  const text = typeof input === 'number' ? numberToPlainString(input) : typeof input === 'string' ? input.trim() : null;
  if (text === null || text === '') return { ok: false, reason: text === '' ? 'blank' : 'format' };
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: 'format' };
  const whole = match[1] ?? '0';
  let fraction = (match[2] ?? '').replace(/0+$/, '');
  const digits = minorUnits(currency);
  if (fraction.length > digits) return { ok: false, reason: digits === 0 ? 'not_integer' : 'scale' };
  fraction = fraction.padEnd(digits, '0');
  return { ok: true, minor: BigInt(whole + fraction) };
}

function numberToPlainString(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  // JSON numbers reach us as JS numbers; their shortest round-trip string is the decimal the client
  // wrote for any amount of up to 15 significant digits. Exponent forms are refused.
  const text = String(value);
  return /e/i.test(text) ? null : text;
}

/** Formats minor units with the currency's number of fraction digits: 10002n USD -> "100.02". */
export function formatAmount(minor: bigint, currency: Currency): string {
  return formatScaled(minor, minorUnits(currency));
}

export function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? '.' + digits.slice(digits.length - scale) : '';
  return (negative ? '-' : '') + whole + fraction;
}

/** A positive decimal (exchange rates): digits and scale, e.g. "6.9193" -> { units: 69193n, scale: 4 }. */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

export function parseRate(text: string): ScaledDecimal | null {
  const match = /^(\d{1,6})(?:\.(\d{1,10}))?$/.exec(text.trim());
  if (!match) return null;
  const fraction = match[2] ?? '';
  const units = BigInt((match[1] ?? '0') + fraction);
  if (units <= 0n) return null;
  return { units, scale: fraction.length };
}

/** Integer division rounding half up (away from zero for the positive values used here). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = (n * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
}

/**
 * Converts an amount in `from` minor units to CNY fen at `rate` (CNY per one unit of `from`),
 * rounding ROUND_HALF_UP to the fen.
 */
export function convertToCny(minor: bigint, from: Currency, rate: ScaledDecimal): bigint {
  const fromDigits = minorUnits(from);
  // cny_fen = minor / 10^fromDigits * rate.units / 10^rate.scale * 100
  const numerator = minor * rate.units * 100n;
  const denominator = 10n ** BigInt(fromDigits + rate.scale);
  return divRoundHalfUp(numerator, denominator);
}
