/**
 * Lines of the download files (transaction list 3.11, reconciliation statement, customs list): plain
 * text, comma-separated fields, every line ending with "\n" (so a file ends with a newline).
 *
 * One policy for a field that holds a comma or a line break (which could not be told from the
 * separators): each such character is written as a space. Ids and reference numbers are restricted to
 * [A-Za-z0-9_.-] when they are accepted, so this does not happen in practice; if it ever did, the
 * download still succeeds and every line keeps its number of fields, rather than one field making a
 * whole file fail.
 */
import { isCurrency, minorUnits } from '../money/currencies.ts';
import { formatScaled } from '../money/decimal.ts';

/** A field as written: commas, carriage returns and line feeds become spaces. */
export function fileField(value: string): string {
  return value.replace(/[,\r\n]/g, ' ');
}

/** One line of a download file: the fields, comma-separated, and its "\n". */
export function fileLine(fields: readonly string[]): string {
  return fields.map(fileField).join(',') + '\n';
}

/**
 * An amount in minor units of `currency`, written with exactly two decimals (reference 3.11: JPY 1000
 * is "1000.00"). A code that is not a known currency is taken to have two digits.
 */
export function twoDecimals(minor: bigint, currency: string): string {
  const digits = isCurrency(currency) ? minorUnits(currency) : 2;
  if (digits > 2) throw new RangeError(`${currency} has ${digits} minor digits: two decimals would lose precision`);
  return formatScaled(minor * 10n ** BigInt(2 - digits), 2);
}
