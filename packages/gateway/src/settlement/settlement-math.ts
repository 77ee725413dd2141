/**
 * The arithmetic of settlement, in integer minor units (bigint), ROUND_HALF_UP throughout:
 *
 * - service fee of a payment: `fee = round(cny_fen * bp / 10000)`, bp = the merchant's fee in basis
 *   points (100 bp = 1.00 %), never more than the payment's CNY;
 * - exchange of CNY into the order currency at the settlement's rate (CNY per one unit of the
 *   currency, as the FX feed quotes it): `minor = round(cny_fen / 100 / rate * 10^digits)`.
 *
 * Each line of a statement is converted on its own and the transfer is the sum of the lines, so a
 * statement always adds up exactly; the rounding of each line is part of that line.
 */
import { minorUnits, type Currency } from '../money/currencies.ts';
import { divRoundHalfUp, type ScaledDecimal } from '../money/decimal.ts';

export const MAX_FEE_BP = 10_000;

export function serviceFee(cnyMinor: bigint, feeBp: number): bigint {
  if (!Number.isInteger(feeBp) || feeBp < 0 || feeBp > MAX_FEE_BP)
    throw new RangeError(`service fee must be 0..${MAX_FEE_BP} basis points, got ${feeBp}`);
  if (cnyMinor <= 0n) return 0n;
  return divRoundHalfUp(cnyMinor * BigInt(feeBp), 10_000n);
}

/** CNY fen -> minor units of `to` at `rate` (CNY per unit of `to`), ROUND_HALF_UP. CNY -> CNY is the identity. */
export function exchangeFromCny(cnyMinor: bigint, to: Currency, rate: ScaledDecimal): bigint {
  if (to === 'CNY') return cnyMinor;
  // minor = cny_fen / 100 * 10^digits / (units / 10^scale)
  const numerator = cnyMinor * 10n ** BigInt(rate.scale + minorUnits(to));
  const denominator = rate.units * 100n;
  return divRoundHalfUp(numerator, denominator);
}

/** "1.00 %" style text of basis points, for people. */
export function formatBp(bp: number): string {
  return `${(bp / 100).toFixed(2)} %`;
}

/** Parses "1.5%", "1.5 %", "150bp" or "150" (basis points) into basis points. */
export function parseFeeRate(text: string): number {
  const t = text.trim().toLowerCase();
  let m = /^(\d{1,3})(?:\.(\d{1,2}))?\s*%$/.exec(t);
  if (m) {
    const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
    if (bp > MAX_FEE_BP) throw new RangeError(`a service fee of ${text} is more than 100 %`);
    return bp;
  }
  m = /^(\d{1,5})\s*(?:bp)?$/.exec(t);
  if (m) {
    const bp = Number(m[1]);
    if (bp > MAX_FEE_BP) throw new RangeError(`a service fee of ${text} is more than 100 %`);
    return bp;
  }
  throw new RangeError(
    `service fee must be a percentage such as 1.25% or basis points such as 125bp, got ${JSON.stringify(text)}`,
  );
}
