import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { assertEncryptionMode } from './encryption.ts';
import type { EncryptionMode } from './encryption.ts';
import { loadPrivateKey, loadPublicKey } from './keys.ts';
import type { CertificateInput, PrivateKeyInput } from './keys.ts';
import { notificationReply, verifyNotification } from './notifications.ts';
import type { NotificationReply, UmfNotification } from './notifications.ts';
import { Banks } from './resources/banks.ts';
import { Customs } from './resources/customs.ts';
import { Enterprises } from './resources/enterprises.ts';
import { Documents, type DocumentsFtpOptions } from './resources/documents.ts';
import type { ClientContext } from './resources/context.ts';
import { ExchangeRates } from './resources/exchange-rates.ts';
import { Payments } from './resources/payments.ts';
import { Refunds } from './resources/refunds.ts';
import { Transactions } from './resources/transactions.ts';
import { Reconciliation } from './resources/reconciliation.ts';
import { Wechat } from './resources/wechat.ts';
import { DEFAULT_RETRY_POLICY } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { TokenManager } from './tokens.ts';
import { Transport } from './transport.ts';
import type { FetchLike, SignedResult } from './transport.ts';
import type { RequestOptions } from './types.ts';

export interface UmfClientOptions {
  /**
   * e.g. `https://uatfx.soopay.net/cberest/v1` or `http://127.0.0.1:8080/cberest/v1` (the API's path is
   * `/cberest/v1`; a proxy may serve it under another). An answer that is not the UMF API, such as a 404
   * without a UMF body, throws `UmfBaseUrlError`, which names the URL and the baseUrl to use.
   */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** PKCS#8 DER (the `.key.p8` file as a Buffer), PEM (string or Buffer), or a KeyObject. */
  merchantPrivateKey: PrivateKeyInput;
  /** The platform's X.509 certificate (`.crt`), PEM or DER. */
  platformCertificate: CertificateInput;
  /** Field encryption as configured for your merchant on the platform (default 'oaep'). */
  encryption?: EncryptionMode;
  /** Per-attempt timeout (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries of network errors, 429 and 5xx (default 2). */
  maxRetries?: number;
  /** Backoff tuning: `baseDelayMs` (200), `maxDelayMs` (5 000), `maxRetryAfterMs` (60 000). */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Sent as Accept-Language, e.g. 'ZH' or 'EN'. */
  acceptLanguage?: string;
  /** Appended to the SDK's User-Agent, e.g. 'my-shop/1.2'. */
  userAgent?: string;
  /** The FTP account for B2B transaction documents (`documents.upload`), unless given per upload. */
  ftp?: DocumentsFtpOptions;
}

function positiveInt(value: number | undefined, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new TypeError(`${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer`);
  }
  return value;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`UmfClient: ${name} is required`);
  return value;
}

/**
 * The UMF API client. Create ONE per client_id and share it: it caches one access token, and a new token
 * disables the previous one, so several clients (or processes) for the same client_id keep invalidating
 * each other's tokens.
 */
export class UmfClient {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly encryption: EncryptionMode;
  readonly tokens: TokenManager;
  readonly banks: Banks;
  readonly exchangeRates: ExchangeRates;
  readonly payments: Payments;
  /** Refunds of payments (create, get, waitFor). */
  readonly refunds: Refunds;
  /** Customs declarations of paid payments (declare, get, waitFor) and the daily customs file. */
  readonly customs: Customs;
  /** The companies you register for B2B payments (register, get, waitFor ENABLE). */
  readonly enterprises: Enterprises;
  /** The successful transactions of a merchant date: list pages, every page, the daily file. */
  readonly transactions: Transactions;
  /** Reconciliation statements of settle dates (what was transferred to you, and what it is made of) and their file. */
  readonly reconciliation: Reconciliation;
  /** WeChat official-account authorisation (open_id for WECHAT_WEB payments). */
  readonly wechat: Wechat;
  /** B2B transaction documents: zipped and uploaded over FTP (reference 4.4). */
  readonly documents: Documents;
  readonly notifications: {
    /** Verifies and parses a notification with this client's platform certificate. */
    verify(params: {
      rawBody: string | Uint8Array;
      signature: string | readonly string[] | null | undefined;
    }): UmfNotification;
    /** See `notificationReply`. */
    reply(ok?: boolean, message?: string, format?: 'json' | 'text'): NotificationReply;
  };
  readonly #transport: Transport;

  constructor(options: UmfClientOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('UmfClient: options are required');
    const base = requireString(options.baseUrl, 'baseUrl').replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch {
      throw new TypeError(`UmfClient: baseUrl is not a valid URL: ${base}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new TypeError('UmfClient: baseUrl must be an http(s) URL');
    }
    if (parsed.search || parsed.hash) throw new TypeError('UmfClient: baseUrl must not have a query or fragment');
    this.baseUrl = base;
    this.clientId = requireString(options.clientId, 'clientId');
    const clientSecret = requireString(options.clientSecret, 'clientSecret');
    const encryption = options.encryption ?? 'oaep';
    assertEncryptionMode(encryption);
    this.encryption = encryption;

    const merchantPrivateKey: KeyObject = loadPrivateKey(options.merchantPrivateKey);
    const platformPublicKey: KeyObject = loadPublicKey(options.platformCertificate);
    const fetchImpl: FetchLike | undefined = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('UmfClient: no fetch available; pass options.fetch');

    const retry: RetryPolicy = {
      maxRetries: positiveInt(options.maxRetries, 'maxRetries', DEFAULT_RETRY_POLICY.maxRetries, true),
      baseDelayMs: positiveInt(options.retry?.baseDelayMs, 'retry.baseDelayMs', DEFAULT_RETRY_POLICY.baseDelayMs, true),
      maxDelayMs: positiveInt(options.retry?.maxDelayMs, 'retry.maxDelayMs', DEFAULT_RETRY_POLICY.maxDelayMs, true),
      maxRetryAfterMs: positiveInt(
        options.retry?.maxRetryAfterMs,
        'retry.maxRetryAfterMs',
        DEFAULT_RETRY_POLICY.maxRetryAfterMs,
        true,
      ),
    };

    this.#transport = new Transport({
      baseUrl: base,
      fetch: fetchImpl,
      timeoutMs: positiveInt(options.timeoutMs, 'timeoutMs', 30_000),
      retry,
      acceptLanguage: options.acceptLanguage,
      userAgent: options.userAgent,
      merchantPrivateKey,
      platformPublicKey,
    });
    this.tokens = new TokenManager(this.#transport, this.clientId, clientSecret);
    const ctx: ClientContext = { transport: this.#transport, tokens: this.tokens, platformPublicKey, encryption };
    this.banks = new Banks(ctx);
    this.exchangeRates = new ExchangeRates(ctx);
    this.payments = new Payments(ctx);
    this.refunds = new Refunds(ctx);
    this.customs = new Customs(ctx);
    this.enterprises = new Enterprises(ctx);
    this.transactions = new Transactions(ctx);
    this.reconciliation = new Reconciliation(ctx);
    this.wechat = new Wechat(ctx);
    this.documents = new Documents(options.ftp);
    this.notifications = {
      verify: (params) => verifyNotification({ ...params, platformCertificate: platformPublicKey }),
      reply: notificationReply,
    };
  }

  /**
   * Low-level escape hatch for endpoints without a typed method: an authenticated, signed (POST), retried
   * call whose response signature is verified. `body` is sent as JSON exactly as given: NOTHING is encrypted.
   */
  request(
    method: 'GET' | 'POST',
    path: string,
    params: { query?: Record<string, string | undefined>; body?: unknown } = {},
    options: RequestOptions = {},
  ): Promise<SignedResult> {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("request: path must start with '/'");
    return this.#transport.requestSigned(
      { method, path, query: params.query, body: method === 'POST' ? (params.body ?? {}) : undefined },
      options,
      this.tokens,
    );
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, clientId: this.clientId, encryption: this.encryption };
  }

  [inspect.custom](): string {
    return (
      `UmfClient { baseUrl: ${JSON.stringify(this.baseUrl)}, clientId: ${JSON.stringify(this.clientId)}, ` +
      `encryption: '${this.encryption}' }`
    );
  }
}
