/**
 * Reading fields of a request body, shared by the payment, refund and customs parsers: every problem
 * is a DomainError naming the field's path (`order.sub_orders[1].amount.total is required`) and,
 * where the reference gives one, its own reason (a missing amount is `amount_missing`).
 */
import { invalid, type Reason } from '../errors/domain-error.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';

export function fail(path: string, problem: string, reason: Reason = 'invalid_request'): never {
  return invalid(path, problem, reason);
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

/**
 * An absolute http(s) URL field (notify_url, ret_url), at most 512 characters, without a user name or
 * password. Where it points is checked by `outboundUrl` (it resolves the host, so it is async).
 */
export function url(value: unknown, path: string, required: boolean): string | undefined {
  const text = str(value, path, { required, max: 512 });
  if (text === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return fail(path, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(path, 'must be an absolute http(s) URL');
  if (parsed.username !== '' || parsed.password !== '') fail(path, 'must not hold a user name or password');
  return text;
}

/**
 * Refuses a URL the gateway would call or send a browser to when the outbound policy refuses it
 * (`notify_url points at a loopback address (127.0.0.1)`): a DomainError `invalid_request` naming the
 * field. Absent (undefined) URLs pass.
 */
export async function outboundUrl(policy: OutboundPolicy, text: string | undefined, path: string): Promise<void> {
  if (text === undefined) return;
  const refused = await policy.refusal(text);
  if (refused !== undefined) fail(path, refused);
}
