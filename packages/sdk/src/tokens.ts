// OAuth2 client-credentials tokens: ONE cached token per client, refreshed before expiry, with a single
// in-flight token request shared by all concurrent callers (a new token disables the previous one, so
// fetching several in parallel would make them invalidate each other).
import { inspect } from 'node:util';
import { baseUrlAdvice, suggestBaseUrl } from './base-url.ts';
import { UmfApiError, errorFromResponse } from './errors.ts';
import type { RawResponse, Transport } from './transport.ts';

export interface AccessToken {
  accessToken: string;
  /** Lifetime in seconds as announced by the platform, if any. */
  expiresIn: number | undefined;
}

interface CachedToken {
  value: string;
  /** Epoch ms after which the token is refreshed before use. */
  refreshAt: number;
}

/** Refresh this long before the announced expiry: 10% of the lifetime, at most 60 s. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

/**
 * `promise`, unless `signal` aborts first: then a rejection with the signal's reason, as given (the
 * shared request goes on for the other callers).
 */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return raceAbort(promise, signal);
}

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort = (): void => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const settled = await Promise.race([promise.then((value) => ({ value })), aborted]);
    if (settled === undefined) throw signal.reason;
    return settled.value;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function readTokenResponse(raw: RawResponse): AccessToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.text);
  } catch {
    parsed = undefined;
  }
  const obj = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  const meta =
    obj?.meta && typeof obj.meta === 'object' ? (obj.meta as { ret_code?: unknown; ret_msg?: unknown }) : undefined;
  const ok = raw.status >= 200 && raw.status < 300 && (meta === undefined || meta.ret_code === '0000');
  if (ok && typeof obj?.access_token === 'string' && obj.access_token !== '') {
    const exp = Number(obj.expires_in);
    return { accessToken: obj.access_token, expiresIn: Number.isFinite(exp) && exp > 0 ? exp : undefined };
  }
  if (ok) {
    // A 2xx without a token: often a web server's page for any path, when baseUrl misses /cberest/v1.
    const advice = suggestBaseUrl(raw.baseUrl) === undefined ? '' : ` (from ${raw.url}). ${baseUrlAdvice(raw.baseUrl)}`;
    throw new UmfApiError(`${raw.operation}: the token response has no access_token${advice}`, {
      httpStatus: raw.status,
      requestId: raw.requestId,
    });
  }
  // Error bodies carry no token; safe to keep for diagnostics.
  throw errorFromResponse({
    httpStatus: raw.status,
    meta,
    rawBody: raw.text,
    requestId: raw.requestId,
    retryAfterMs: raw.retryAfterMs,
    operation: raw.operation,
    url: raw.url,
    baseUrl: raw.baseUrl,
  });
}

/** `client.tokens`. */
export class TokenManager {
  readonly #transport: Transport;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #now: () => number;
  #cached: CachedToken | undefined;
  #inflight: Promise<string> | undefined;
  #requests = 0;

  constructor(transport: Transport, clientId: string, clientSecret: string, now: () => number = Date.now) {
    this.#transport = transport;
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#now = now;
  }

  /** How many token requests this manager has sent (diagnostics). */
  get requestCount(): number {
    return this.#requests;
  }

  /**
   * The cached token, or a fresh one. Concurrent callers share ONE in-flight token request; aborting one
   * caller's signal does not cancel the shared request for the others.
   */
  getToken(options: { signal?: AbortSignal | undefined; forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh) this.#cached = undefined;
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return Promise.resolve(cached.value);
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return raceSignal(this.#inflight, options.signal);
  }

  /**
   * Drops the cached token. With `token`, drops it only if it is still the cached one (so many requests
   * failing with the same stale token trigger one refresh, not one each).
   */
  invalidate(token?: string): void {
    if (token === undefined || this.#cached?.value === token) this.#cached = undefined;
  }

  async #fetch(): Promise<string> {
    this.#requests++;
    const sentAt = this.#now();
    const result = await this.#transport.send(
      {
        method: 'POST',
        path: '/oauth/authorize',
        body: { client_id: this.#clientId, client_secret: this.#clientSecret, grant_type: 'client_credentials' },
        idempotencyKey: false,
        retrySafe: true,
      },
      {},
      undefined,
      readTokenResponse,
    );
    const lifetimeMs = result.expiresIn === undefined ? Infinity : result.expiresIn * 1000;
    this.#cached = { value: result.accessToken, refreshAt: sentAt + lifetimeMs - refreshMargin(lifetimeMs) };
    return result.accessToken;
  }

  toJSON(): Record<string, unknown> {
    return { clientId: this.#clientId, hasToken: this.#cached !== undefined };
  }

  [inspect.custom](): string {
    const token = this.#cached ? '[redacted]' : 'none';
    return `TokenManager { clientId: ${JSON.stringify(this.#clientId)}, token: ${token} }`;
  }
}
