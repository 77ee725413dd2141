/**
 * Reading fields of a request body, shared by the payment and refund parsers: every problem is a
 * UmfError naming the field's path (`order.sub_orders[1].amount.total is required`).
 */
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';

export function fail(path: string, problem: string, entry: RetCodeEntry = RET.VALIDATION): never {
  throw new UmfError(entry, `${path} ${problem}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A string field (numbers are accepted and turned to text), trimmed; undefined when absent. */
export function str(
  value: unknown,
  path: string,
  opts: { required?: boolean; max?: number; pattern?: RegExp } = {},
): string | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    if (opts.required) fail(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') fail(path, 'must be a string');
  const text = String(value).trim();
  if (opts.max !== undefined && text.length > opts.max) fail(path, `is longer than ${opts.max} characters`);
  if (opts.pattern && !opts.pattern.test(text)) fail(path, 'has an invalid format');
  return text;
}
