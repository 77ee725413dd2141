// HTTP exchange with the platform: serialise once, sign, send with timeout, retry, token refresh, and
// verify the response before anything in it is trusted.
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { RetCodes, UmfApiError, UmfAuthenticationError, UmfConnectionError, errorFromResponse } from './errors.ts';
import { SignedDownload, dispositionFilename } from './download.ts';
import { markFinal, parseRetryAfter, withRetries } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { readMeta, signBytes, verifyResponseBody } from './signing.ts';
import type { VerifiedResponse } from './signing.ts';
import type { RequestOptions } from './types.ts';
import { SDK_VERSION } from './version.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportConfig {
  baseUrl: string;
  fetch: FetchLike;
  timeoutMs: number;
  retry: RetryPolicy;
  acceptLanguage: string | undefined;
  userAgent: string | undefined;
  merchantPrivateKey: KeyObject;
  platformPublicKey: KeyObject;
  /** Random source for backoff jitter (tests). */
  random?: (() => number) | undefined;
}

export interface TokenSource {
  getToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  invalidate(token?: string): void;
}

export interface CallSpec {
  method: 'GET' | 'POST';
  /** Relative to baseUrl, starting with '/'. */
  path: string;
  query?: Record<string, string | undefined> | undefined;
  /** JSON-serialised exactly once; those bytes are signed and sent. */
  body?: unknown;
  /** POSTs get an Idempotency-Key unless this is false. */
  idempotencyKey?: boolean;
  /** Treat the call as safe to retry even without an Idempotency-Key (the token request). */
  retrySafe?: boolean;
  /** A download: a 200 answer that is not JSON is handed over unread (`RawResponse.stream`). */
  download?: boolean;
}

export interface RawResponse {
  status: number;
  text: string;
  /** Only for downloads: the unread body of a successful file response (`text` is then ''). */
  stream?: ReadableStream<Uint8Array> | null | undefined;
  /** Only for downloads: call when the stream is finished with. */
  release?: (() => void) | undefined;
  headers: Headers;
  requestId: string | undefined;
  retryAfterMs: number | undefined;
  operation: string;
  /** The URL requested, and the client's baseUrl (for errors about answers that are not the UMF API). */
  url: string;
  baseUrl: string;
}

export interface SignedResult extends VerifiedResponse {
  httpStatus: number;
  requestId: string | undefined;
}

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export class Transport {
  readonly #cfg: TransportConfig;

  constructor(config: TransportConfig) {
    this.#cfg = config;
  }

  get baseUrl(): string {
    return this.#cfg.baseUrl;
  }

  /** A call whose response carries a signed `meta`: verified before it is returned. */
  requestSigned(spec: CallSpec, options: RequestOptions = {}, tokens?: TokenSource): Promise<SignedResult> {
    return this.send(spec, options, tokens, (raw) => this.readSigned(raw));
  }

  /** Maps a raw response: "0000" -> verified result; anything else -> the typed error. */
  readSigned(raw: RawResponse): SignedResult {
    const meta = readMeta(raw.text);
    if (meta?.ret_code === RetCodes.SUCCESS) {
      const verified = verifyResponseBody(raw.text, this.#cfg.platformPublicKey, {
        httpStatus: raw.status,
        requestId: raw.requestId,
        operation: raw.operation,
      });
      return { ...verified, httpStatus: raw.status, requestId: raw.requestId };
    }
    throw errorFromResponse({
      httpStatus: raw.status,
      meta,
      rawBody: raw.text,
      requestId: raw.requestId,
      retryAfterMs: raw.retryAfterMs,
      operation: raw.operation,
      location: raw.headers.get('location') ?? undefined,
      url: raw.url,
      baseUrl: raw.baseUrl,
    });
  }

  /**
   * Serialises and signs once, then sends with retries. With `tokens`, authenticates with a Bearer token
   * and, on 00280703, drops that token, fetches a new one and resends ONCE (same body, same key).
   */
  async send<T>(
    spec: CallSpec,
    options: RequestOptions,
    tokens: TokenSource | undefined,
    read: (raw: RawResponse) => T,
  ): Promise<T> {
    const bodyBytes = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), 'utf8');
    const isPost = spec.method === 'POST';
    const signature = isPost ? signBytes(bodyBytes ?? Buffer.alloc(0), this.#cfg.merchantPrivateKey) : undefined;

    let idempotencyKey: string | undefined;
    if (isPost && spec.idempotencyKey !== false) {
      idempotencyKey = options.idempotencyKey ?? randomUUID();
      if (!IDEMPOTENCY_KEY_RE.test(idempotencyKey)) {
        throw new TypeError('idempotencyKey must be 1-255 printable ASCII characters without spaces');
      }
    }
    const idempotent = !isPost || idempotencyKey !== undefined || spec.retrySafe === true;
    const maxRetries = options.maxRetries ?? this.#cfg.retry.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.#cfg.timeoutMs;

    let url = this.#cfg.baseUrl + spec.path;
    if (spec.query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(spec.query)) if (v !== undefined) qs.set(k, v);
      const s = qs.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    const operation = `${spec.method} ${spec.path}`;

    let refreshedToken = false;
    return withRetries(
      async () => {
        for (;;) {
          let token: string | undefined;
          if (tokens) {
            try {
              token = await tokens.getToken({ signal: options.signal });
            } catch (err) {
              throw markFinal(err); // token acquisition already retried on its own
            }
          }
          const headers: Record<string, string> = {
            Accept: spec.download ? 'text/plain, application/json' : 'application/json',
            'Content-Type': 'application/json',
            'User-Agent':
              `umf-sdk/${SDK_VERSION} node/${process.versions.node}` +
              `${this.#cfg.userAgent ? ' ' + this.#cfg.userAgent : ''}`,
          };
          if (this.#cfg.acceptLanguage) headers['Accept-Language'] = this.#cfg.acceptLanguage;
          if (token !== undefined) headers.Authorization = `Bearer ${token}`;
          if (signature !== undefined) headers.Signature = signature;
          if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;

          const raw = await this.#exchange(
            url,
            spec.method,
            headers,
            bodyBytes,
            operation,
            timeoutMs,
            options.signal,
            spec.download === true,
          );
          try {
            return read(raw);
          } catch (err) {
            if (
              tokens &&
              token !== undefined &&
              !refreshedToken &&
              err instanceof UmfAuthenticationError &&
              err.retCode === RetCodes.TOKEN_INVALID
            ) {
              refreshedToken = true;
              tokens.invalidate(token);
              continue;
            }
            throw err;
          }
        }
      },
      {
        policy: { ...this.#cfg.retry, maxRetries },
        idempotent,
        signal: options.signal,
        random: this.#cfg.random,
      },
    );
  }

  async #exchange(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    operation: string,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
    download = false,
  ): Promise<RawResponse> {
    if (callerSignal?.aborted) throw markFinal(callerSignal.reason);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let handedOver = false;
    try {
      const init: RequestInit = { method, headers, signal: controller.signal, redirect: 'manual' };
      if (body !== undefined) init.body = body as unknown as BodyInit; // the exact signed bytes
      const res = await this.#cfg.fetch(url, init);
      const common = {
        status: res.status,
        headers: res.headers,
        requestId: res.headers.get('x-request-id') ?? undefined,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        operation,
        url,
        baseUrl: this.#cfg.baseUrl,
      };
      if (download && res.status === 200 && !/json/i.test(res.headers.get('content-type') ?? '')) {
        // The timeout covers the wait for the headers; the caller's signal keeps covering the body.
        handedOver = true;
        clearTimeout(timer);
        return {
          ...common,
          text: '',
          stream: res.body,
          release: () => callerSignal?.removeEventListener('abort', onCallerAbort),
        };
      }
      const text = await res.text();
      return { ...common, text };
    } catch (err) {
      if (callerSignal?.aborted) throw markFinal(callerSignal.reason ?? err);
      if (timedOut) {
        throw new UmfConnectionError(
          `${operation}: no complete response within ${timeoutMs} ms (timeoutMs). ` +
            'The request may have reached the platform.',
          { timedOut: true, cause: err },
        );
      }
      throw new UmfConnectionError(
        `${operation}: network error (${describeNetworkError(err)}) talking to ${new URL(url).origin}. ` +
          'The request may or may not have reached the platform.',
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
      if (!handedOver) callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * An authenticated GET of a download file, retried like any GET until the headers arrive. A JSON
   * answer is a UMF error (thrown typed, as for every call); a file is returned unread.
   */
  download(
    spec: Omit<CallSpec, 'method' | 'download'>,
    options: RequestOptions,
    tokens: TokenSource,
  ): Promise<SignedDownload> {
    return this.send({ ...spec, method: 'GET', download: true }, options, tokens, (raw) => {
      if (raw.stream === undefined) {
        this.readSigned(raw); // throws the typed error (a success here would be a JSON answer to a download)
        throw new UmfApiError(`${raw.operation}: expected a download file, got a JSON response`, {
          httpStatus: raw.status,
          requestId: raw.requestId,
        });
      }
      return new SignedDownload({
        body: raw.stream,
        signature: raw.headers.get('signature'),
        filename: dispositionFilename(raw.headers.get('content-disposition')),
        platformPublicKey: this.#cfg.platformPublicKey,
        operation: raw.operation,
        requestId: raw.requestId,
        onDone: raw.release,
      });
    });
  }
}
