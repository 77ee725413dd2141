/**
 * ISO 4217 minor units of the currencies an order may be priced in. The reference's currency table
 * numbers 15 rows but skips row 11; its FAQ names KRW as a settlement currency, so KRW fills it.
 */
export const MINOR_UNITS = {
  CNY: 2,
  HKD: 2,
  USD: 2,
  EUR: 2,
  JPY: 0,
  GBP: 2,
  AUD: 2,
  CAD: 2,
  NZD: 2,
  SGD: 2,
  KRW: 0,
  CHF: 2,
  SEK: 2,
  DKK: 2,
  NOK: 2,
} as const;

export type Currency = keyof typeof MINOR_UNITS;

export const CURRENCIES = Object.keys(MINOR_UNITS) as Currency[];

export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(MINOR_UNITS, code);
}

export function minorUnits(currency: Currency): number {
  return MINOR_UNITS[currency];
}
