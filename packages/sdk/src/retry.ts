// The SDK's one retry loop: capped exponential backoff with full jitter, honouring Retry-After.
import { UmfApiError, UmfConnectionError, UmfError, UmfRateLimitError } from './errors.ts';

export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** Base of the exponential backoff (default 200 ms). */
  baseDelayMs: number;
  /** Cap of the exponential backoff (default 5 000 ms). */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is thrown instead (default 60 000 ms). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 2,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
});

/** Full jitter: uniform in [0, min(cap, base * 2^retryIndex)). `retryIndex` is 0 for the first retry. */
export function backoffDelay(
  retryIndex: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

/** Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Codes worth retrying even though they are not 5xx: the same Idempotency-Key is still being processed. */
const RETRYABLE_CODES = new Set(['00060743']);

/** Errors that must never be retried by the outer loop (e.g. already retried inside token acquisition). */
const FINAL = new WeakSet<object>();

export function markFinal<T>(err: T): T {
  if (err && typeof err === 'object') FINAL.add(err);
  return err;
}

/**
 * Whether an error of one attempt may be retried: network errors and timeouts, HTTP 429 and 5xx without a
 * more specific meaning (UmfRateLimitError / UmfApiError, e.g. 00060999), and 00060743 (same Idempotency-Key
 * in flight) — only for idempotent calls (GET, POST with Idempotency-Key).
 */
export function isRetryable(err: unknown, idempotent: boolean): boolean {
  if (!idempotent || !(err instanceof UmfError) || FINAL.has(err)) return false;
  if (err instanceof UmfConnectionError) return true;
  if (err.retCode !== undefined && RETRYABLE_CODES.has(err.retCode)) return true;
  // A code with a specific meaning (00280704 auth lock-out, 00080706 SMS too frequent, ...) is an answer,
  // not a transient failure, whatever its HTTP status (some come with 429): never retried.
  if (!(err instanceof UmfApiError || err instanceof UmfRateLimitError)) return false;
  const status = err.httpStatus;
  if (status === undefined) return false;
  return status === 429 || status >= 500;
}

/** Waits `ms`; an abort of `signal` (before or during the wait) rejects with the signal's reason, as given. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  let aborted = false;
  await new Promise<void>((resolve) => {
    const onAbort = (): void => {
      aborted = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (aborted) signal?.throwIfAborted();
}

export interface RetryContext {
  policy: RetryPolicy;
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  random?: () => number;
  /** Called before each wait (for tests and diagnostics). */
  onRetry?: (info: { retry: number; delayMs: number; error: unknown }) => void;
}

/** Runs `attempt` until it succeeds, a non-retryable error occurs, or `maxRetries` retries are spent. */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= ctx.policy.maxRetries || !isRetryable(err, ctx.idempotent) || ctx.signal?.aborted) throw err;
      const retryAfter = err instanceof UmfError ? err.retryAfterMs : undefined;
      let delayMs: number;
      if (retryAfter !== undefined) {
        if (retryAfter > ctx.policy.maxRetryAfterMs) throw err;
        delayMs = retryAfter;
      } else {
        delayMs = backoffDelay(n, ctx.policy, ctx.random);
      }
      ctx.onRetry?.({ retry: n + 1, delayMs, error: err });
      await sleep(delayMs, ctx.signal);
    }
  }
}
