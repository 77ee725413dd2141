/**
 * Flag values read and checked before a command does anything: each refusal a UsageError that names
 * the flag, what it got and what it takes.
 */
import { CURRENCIES, isCurrency, type Currency } from '../money/currencies.ts';
import { parseFeeRate } from '../settlement/settlement-math.ts';
import { calendarDay } from '../time/china-time.ts';
import { UsageError, type FlagValues } from './command.ts';

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredFlag(flags: FlagValues, name: string, placeholder: string, command: string): string {
  const value = stringFlag(flags, name)?.trim();
  if (!value) throw new UsageError(`${command} needs --${name} ${placeholder}`);
  return value;
}

/** One of `choices`, compared as written. */
export function choiceFlag<T extends string>(flags: FlagValues, name: string, choices: readonly T[]): T | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A currency of the reference's table (ISO 4217 codes, upper case accepted in any case). */
export function currencyValue(text: string, what: string): Currency {
  const code = text.trim().toUpperCase();
  if (!isCurrency(code)) {
    throw new UsageError(
      `${what}: unknown currency ${JSON.stringify(text)}; the currencies an order may be priced in are ` +
        CURRENCIES.join(', '),
    );
  }
  return code;
}

/** `--currencies USD,EUR`: a comma-separated list of currencies, none twice. */
export function currencyListFlag(flags: FlagValues, name: string): Currency[] | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--${name} is a comma-separated list such as USD,EUR`);
  const codes = parts.map((p) => currencyValue(p, `--${name}`));
  const twice = codes.find((c, i) => codes.indexOf(c) !== i);
  if (twice) throw new UsageError(`--${name} names ${twice} twice`);
  return codes;
}

/** A service fee: `1.25%` or `125bp` (basis points of the CNY collected). */
export function feeFlag(flags: FlagValues, name: string): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  try {
    return parseFeeRate(value);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

/** A date written YYYYMMDD that exists in the calendar. */
export function dateFlag(flags: FlagValues, name: string): string | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (calendarDay(value) === undefined)
    throw new UsageError(`--${name} must be a date written YYYYMMDD (e.g. 20261203), got ${JSON.stringify(value)}`);
  return value;
}

/** A whole number from `min` to `max`. */
export function integerFlag(flags: FlagValues, name: string, min: number, max: number): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}
