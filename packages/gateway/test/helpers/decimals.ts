/**
 * The tests' own decimal arithmetic on amount strings, as the API and the download files write them
 * (no library code, so the tests check the gateway's formatting rather than reuse it): read into
 * integer minor units, written back.
 */
import assert from 'node:assert/strict';

/**
 * A decimal string in minor units with `digits` decimals: "12.3" -> 1230n, "-0.05" -> -5n, "1000" (JPY, 0) ->
 * 1000n. More decimals than `digits` fails the test.
 */
export function units(text: string, digits = 2): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  assert.ok(m, `a decimal: ${JSON.stringify(text)}`);
  const fraction = m[3] ?? '';
  assert.ok(fraction.length <= digits, `at most ${digits} decimals: ${text}`);
  const value = BigInt(m[2]! + fraction.padEnd(digits, '0'));
  return m[1] ? -value : value;
}

/** CNY fen (or cents) of a decimal with at most two decimals. */
export function fen(text: string): bigint {
  return units(text, 2);
}

/** An amount of a download file, which has exactly two decimals (checked): "12.30" -> 1230n. */
export function cents(text: string): bigint {
  assert.match(text, /^-?\d+\.\d{2}$/, `two decimals: ${text}`);
  return units(text, 2);
}

/** Minor units written with `digits` decimals: 1230n -> "12.30", -5n -> "-0.05", 1000n at 0 -> "1000". */
export function decimal(minor: bigint, digits = 2): string {
  const negative = minor < 0n;
  const s = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  return (negative ? '-' : '') + (digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s);
}

/** An API amount ("1000" JPY, "100.02" USD) as the download files write it, with two decimals ("1000.00"). */
export function twoDecimals(total: string): string {
  return decimal(units(total, 2), 2);
}
