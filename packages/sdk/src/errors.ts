// One error hierarchy for everything the SDK throws, and ONE factory (`errorFromResponse`) mapping a
// platform response to the right class.
import { API_PATH, baseUrlAdvice, suggestBaseUrl } from './base-url.ts';

export interface UmfErrorOptions {
  retCode?: string | undefined;
  retMsg?: string | undefined;
  httpStatus?: number | undefined;
  requestId?: string | undefined;
  /** Raw response body text, when the error comes from a response. */
  rawBody?: string | undefined;
  /** Parsed `Retry-After` header, in milliseconds. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class UmfError extends Error {
  override name = 'UmfError';
  /** The platform's `meta.ret_code`, when there was one. */
  readonly retCode: string | undefined;
  /** The platform's `meta.ret_msg`, when there was one. */
  readonly retMsg: string | undefined;
  readonly httpStatus: number | undefined;
  /** The response's `X-Request-Id` header, when present: quote it when asking for support. */
  readonly requestId: string | undefined;
  /** The raw response body (never contains request data such as card numbers). */
  readonly rawBody: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: UmfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retCode = options.retCode;
    this.retMsg = options.retMsg;
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
    this.rawBody = options.rawBody;
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      retCode: this.retCode,
      retMsg: this.retMsg,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
    };
  }
}

/** Token invalid/expired (00280703), bad client credentials (00280701), too many attempts (00280704),
 * merchant not registered (00060711). */
export class UmfAuthenticationError extends UmfError {
  override name = 'UmfAuthenticationError';
}

/** The platform rejected OUR request signature (00060710). */
export class UmfSignatureError extends UmfError {
  override name = 'UmfSignatureError';
}

/**
 * The request was malformed or failed validation (00060700, 000607xx request-shape codes, 00202001-3,
 * 00281017; refunds: 00202009 amounts that do not add up, 00202011 wrong currency; customs: 00202012
 * unknown customs office, 00202014-16 sub-order not declarable / absent / items absent).
 */
export class UmfInvalidRequestError extends UmfError {
  override name = 'UmfInvalidRequestError';
}

/** The object does not exist (00060760, 00060771-00060773, 00060780 a company). */
export class UmfNotFoundError extends UmfError {
  override name = 'UmfNotFoundError';
}

/**
 * The server at `baseUrl` did not answer as the UMF API: an HTTP 404 without a UMF body, or umf-gateway's
 * "no such resource" (00060704) to a baseUrl that misses `/cberest/v1`. A configuration problem, not a
 * missing object, so it is not a UmfNotFoundError: code that treats "not found" as "absent" does not
 * mistake a wrong baseUrl for a missing payment. The message names the URL and says what to change.
 */
export class UmfBaseUrlError extends UmfError {
  override name = 'UmfBaseUrlError';
  /** The URL that was requested, when known. */
  readonly url: string | undefined;
  /** The client's baseUrl, when known. */
  readonly baseUrl: string | undefined;
  /** A baseUrl ending with `/cberest/v1`, when the client's does not. */
  readonly suggestedBaseUrl: string | undefined;
  constructor(
    message: string,
    options: UmfErrorOptions & { url?: string | undefined; baseUrl?: string | undefined } = {},
  ) {
    super(message, options);
    this.url = options.url;
    this.baseUrl = options.baseUrl;
    this.suggestedBaseUrl = options.baseUrl === undefined ? undefined : suggestBaseUrl(options.baseUrl);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), url: this.url, baseUrl: this.baseUrl, suggestedBaseUrl: this.suggestedBaseUrl };
  }
}

/** Duplicate merchant order (00060741), idempotency key reused with another body (00060742), same key
 * still in flight (00060743); a company already registered with this external_enterprise_id (00060781). */
export class UmfConflictError extends UmfError {
  override name = 'UmfConflictError';
}

/** Card declined or card data problem. */
export class UmfCardError extends UmfError {
  override name = 'UmfCardError';
}

/** SMS verification code missing/wrong/locked, or SMS requested too often. */
export class UmfVerificationCodeError extends UmfError {
  override name = 'UmfVerificationCodeError';
}

/**
 * The payment is in a state that does not allow this operation (for refunds: 00060766 not paid, 00202010
 * more than is left to refund).
 */
export class UmfPaymentStateError extends UmfError {
  override name = 'UmfPaymentStateError';
}

/**
 * A B2B payment names a company the platform has not approved yet (00060782, HTTP 403): wait until
 * `enterprises.get` says ENABLE (`enterprises.waitFor`).
 */
export class UmfEnterpriseNotEnabledError extends UmfError {
  override name = 'UmfEnterpriseNotEnabledError';
}

/** `enterprises.waitFor` saw the platform reject the company; `enterprise.review_reason` says why. */
export class UmfEnterpriseRejectedError extends UmfError {
  override name = 'UmfEnterpriseRejectedError';
  /** The company as the rejection left it. */
  readonly enterprise: unknown;
  constructor(message: string, enterprise: unknown) {
    super(message);
    this.enterprise = enterprise;
  }
}

/** HTTP 429. */
export class UmfRateLimitError extends UmfError {
  override name = 'UmfRateLimitError';
}

/** Any other platform error (including 00060999 system error and unexpected responses). */
export class UmfApiError extends UmfError {
  override name = 'UmfApiError';
}

/** Network failure or timeout: the request may or may not have reached the platform. */
export class UmfConnectionError extends UmfError {
  override name = 'UmfConnectionError';
  readonly timedOut: boolean;
  constructor(message: string, options: UmfErrorOptions & { timedOut?: boolean } = {}) {
    super(message, options);
    this.timedOut = options.timedOut ?? false;
  }
}

/**
 * A transaction-document upload (reference 4.4) the platform's FTP server refused or that could not be
 * sent: `ftpCode` is the server's reply code (553 a file name the rules refuse, 550 an unknown or
 * unpaid payment, a used sequence or a ZIP it does not take, 552 too large, 530 login refused), and
 * the message the server's reason. Nothing was kept by the server.
 */
export class UmfDocumentUploadError extends UmfError {
  override name = 'UmfDocumentUploadError';
  /** The FTP reply code, when the server answered. */
  readonly ftpCode: number | undefined;
  /** The archive's name (mer_reference_id + mer_date + sequence + .zip), when it was chosen. */
  readonly fileName: string | undefined;
  constructor(
    message: string,
    options: UmfErrorOptions & { ftpCode?: number | undefined; fileName?: string | undefined } = {},
  ) {
    super(message, options);
    this.ftpCode = options.ftpCode;
    this.fileName = options.fileName;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ftpCode: this.ftpCode, fileName: this.fileName };
  }
}

/** A response or notification signature did not verify against the platform certificate. */
export class UmfSignatureVerificationError extends UmfError {
  override name = 'UmfSignatureVerificationError';
}

/** A `waitFor` (payments, refunds, customs, enterprises) gave up before the object reached the wanted state. */
export class UmfWaitTimeoutError extends UmfError {
  override name = 'UmfWaitTimeoutError';
  /** The last object seen (a payment, refund, declaration or company), if any. */
  readonly lastPayment: unknown;
  constructor(message: string, lastPayment: unknown) {
    super(message);
    this.lastPayment = lastPayment;
  }
}

/** Return codes, for comparisons in merchant code (`err.retCode === RetCodes.DUPLICATE_ORDER`). */
export const RetCodes = Object.freeze({
  SUCCESS: '0000',
  TOKEN_INVALID: '00280703',
  BAD_CLIENT_CREDENTIALS: '00280701',
  TOO_MANY_TOKEN_ATTEMPTS: '00280704',
  MERCHANT_NOT_REGISTERED: '00060711',
  BAD_REQUEST_SIGNATURE: '00060710',
  INVALID_PARAMETER: '00060700',
  INVALID_JSON: '00060701',
  BODY_TOO_LARGE: '00060702',
  UNSUPPORTED_CONTENT_TYPE: '00060703',
  NOT_FOUND: '00060760',
  DUPLICATE_ORDER: '00060741',
  IDEMPOTENCY_KEY_REUSED: '00060742',
  IDEMPOTENCY_KEY_IN_FLIGHT: '00060743',
  CARD_INFO_INCORRECT: '00200025',
  CARD_EXPIRED: '00200026',
  CARD_BIN_INVALID: '00060875',
  INSUFFICIENT_BALANCE: '00060730',
  NO_VERIFY_CODE: '00200005',
  WRONG_VERIFY_CODE: '00200007',
  VERIFY_CODE_LOCKED: '00200008',
  SMS_TOO_FREQUENT: '00080706',
  SMS_TOO_MANY: '00080707',
  SYSTEM_ERROR: '00060999',
  PAYMENT_EXPIRED: '00060751',
  PAYMENT_IN_PROCESS: '00060761',
  ORDER_CLOSED: '00060763',
  ORDER_NOT_PAID: '00060764',
  PAYMENT_FAILED: '00060765',
  NO_REFUND_ALLOWED: '00060766',
  REFUND_FAILED: '00060767',
  DUPLICATE_REFUND: '00060744',
  REFUND_NOT_FOUND: '00060771',
  REFUND_AMOUNT_INCORRECT: '00202009',
  REFUND_AMOUNT_EXCEEDS_PAYMENT: '00202010',
  REFUND_CURRENCY_MISMATCH: '00202011',
  CUSTOMS_UNAVAILABLE: '00202012',
  CUSTOMS_ALREADY_DECLARED: '00202013',
  CUSTOMS_NOT_REQUIRED: '00202014',
  CUSTOMS_SUB_ORDER_ABSENT: '00202015',
  CUSTOMS_ITEMS_ABSENT: '00202016',
  CUSTOMS_PERIOD_OVER: '00202017',
  CUSTOMS_NOT_FOUND: '00060772',
  /** Not an error answer: the `error.ret_code` of a FAIL customs declaration (the office refused it). */
  CUSTOMS_REJECTED: '00202018',
  RECONCILIATION_NOT_FOUND: '00060773',
  ENTERPRISE_NOT_FOUND: '00060780',
  DUPLICATE_ENTERPRISE: '00060781',
  ENTERPRISE_NOT_ENABLED: '00060782',
  ENTERPRISE_ALREADY_ENABLED: '00060783',
  ENTERPRISE_REVIEW_CONFLICT: '00060784',
} as const);

type ErrorClass = new (message: string, options?: UmfErrorOptions) => UmfError;

const CLASS_BY_CODE: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ...codes(UmfAuthenticationError, '00280703', '00280701', '00280704', '00060711'),
  ...codes(UmfSignatureError, '00060710'),
  ...codes(
    UmfInvalidRequestError,
    '00060700',
    '00060701',
    '00060702',
    '00060703',
    '00202001',
    '00202002',
    '00202003',
    '00281017',
    '00202009',
    '00202011',
    '00202012',
    '00202014',
    '00202015',
    '00202016',
  ),
  ...codes(UmfNotFoundError, '00060760', '00060771', '00060772', '00060773', '00060704', '00060780'),
  ...codes(
    UmfConflictError,
    '00060741',
    '00060742',
    '00060743',
    '00060744',
    '00202013',
    '00202017',
    '00060781',
    '00060783',
    '00060784',
  ),
  ...codes(UmfEnterpriseNotEnabledError, '00060782'),
  ...codes(UmfCardError, '00200025', '00200026', '00060875', '00060730', '00290502', '00060022', '00060076'),
  ...codes(UmfVerificationCodeError, '00200005', '00200007', '00200008', '00080706', '00080707'),
  ...codes(
    UmfPaymentStateError,
    '00060751',
    '00060761',
    '00060762',
    '00060763',
    '00060764',
    '00060765',
    '00060766',
    '00202010',
  ),
  ...codes(UmfApiError, '00060999'),
]);

function codes(cls: ErrorClass, ...list: string[]): Array<[string, ErrorClass]> {
  return list.map((c) => [c, cls]);
}

/** Extra guidance appended to the message for codes whose usual cause is on the merchant's side. */
const HINTS: Readonly<Record<string, string>> = {
  '00060710':
    'The platform could not verify the request signature. Check that merchantPrivateKey is the private key whose ' +
    'public key is registered for this client_id, and that nothing (a proxy or middleware) modifies the request ' +
    'body after the SDK signed it.',
  '00280701': 'Check clientId and clientSecret.',
  '00280703':
    'The access token was rejected even after fetching a new one. Another process may be requesting tokens ' +
    'for the same client_id (a new token disables the previous one): share one client per client_id.',
  '00060711': 'This client_id is not registered as a merchant on the platform you are calling (check baseUrl).',
  '00060742': 'The same Idempotency-Key was used with a different request body: use a new key for a new request.',
  '00060743': 'A request with this Idempotency-Key is still being processed: retry later with the same key and body.',
};

export interface ResponseErrorInput {
  httpStatus: number;
  /** The response's `meta` object, if the body had one. */
  meta?: { ret_code?: unknown; ret_msg?: unknown } | undefined;
  rawBody?: string | undefined;
  requestId?: string | undefined;
  retryAfterMs?: number | undefined;
  /** For the message: "POST /payments/payment". */
  operation?: string | undefined;
  /** The Location header of a redirect. */
  location?: string | undefined;
  /** The URL requested and the client's baseUrl: messages about answers that are not the UMF API name them. */
  url?: string | undefined;
  baseUrl?: string | undefined;
}

/** umf-gateway's answer to a path it has no route for (also to an unknown bank code). */
const NO_SUCH_RESOURCE = '00060704';

/**
 * A 404 that says the request did not reach the UMF API: no UMF body at all, or "no such resource" while
 * the baseUrl misses /cberest/v1 (with the right baseUrl, 00060704 is an ordinary not-found answer).
 */
function isWrongPlace(input: ResponseErrorInput, retCode: string | undefined): boolean {
  if (input.httpStatus !== 404) return false;
  if (retCode === undefined) return true;
  return retCode === NO_SUCH_RESOURCE && input.baseUrl !== undefined && suggestBaseUrl(input.baseUrl) !== undefined;
}

/** ` from URL`, when the URL is known. */
function fromUrl(input: ResponseErrorInput): string {
  return input.url === undefined ? '' : ` from ${input.url}`;
}

/** THE factory: maps a failed response (non-"0000" ret_code, or no meta at all) to a typed error. */
export function errorFromResponse(input: ResponseErrorInput): UmfError {
  const retCode = typeof input.meta?.ret_code === 'string' ? input.meta.ret_code : undefined;
  const retMsg = typeof input.meta?.ret_msg === 'string' ? input.meta.ret_msg : undefined;
  const status = input.httpStatus;
  const where = input.operation ? `${input.operation}: ` : '';
  const details = {
    retCode,
    retMsg,
    httpStatus: status,
    requestId: input.requestId,
    rawBody: input.rawBody,
    retryAfterMs: input.retryAfterMs,
  };

  if (isWrongPlace(input, retCode)) {
    const what = retCode === undefined ? 'without a UMF response body' : `(${retMsg ?? 'error'}, ret_code ${retCode})`;
    const advice =
      input.baseUrl === undefined ? `Check baseUrl: it should end with ${API_PATH}.` : baseUrlAdvice(input.baseUrl);
    return new UmfBaseUrlError(`${where}HTTP 404 ${what}${fromUrl(input)}. ${advice}`, {
      ...details,
      url: input.url,
      baseUrl: input.baseUrl,
    });
  }

  let cls: ErrorClass | undefined = retCode === undefined ? undefined : CLASS_BY_CODE.get(retCode);
  if (!cls) {
    if (status === 429) cls = UmfRateLimitError;
    else if (status === 404)
      cls = UmfNotFoundError; // a UMF answer with an unknown code
    else if (retCode !== undefined && retCode.startsWith('000607')) cls = UmfInvalidRequestError;
    else if (status === 401 || status === 403) cls = UmfAuthenticationError;
    else cls = UmfApiError;
  }

  let message: string;
  if (retCode !== undefined) {
    message = `${where}${retMsg ?? 'error'} (ret_code ${retCode}, HTTP ${status})`;
  } else if (status >= 300 && status < 400) {
    message =
      `${where}the server answered with a redirect (HTTP ${status}${input.location ? ` to ${input.location}` : ''}); ` +
      'the SDK does not follow redirects (they could re-send credentials elsewhere): set baseUrl to the final URL.';
  } else {
    message = `${where}unexpected HTTP ${status} response without a UMF meta object${fromUrl(input)}`;
    // Whatever answered is not the UMF API; with a baseUrl missing /cberest/v1, that is the likely reason.
    if (input.baseUrl !== undefined && suggestBaseUrl(input.baseUrl) !== undefined) {
      message += `. ${baseUrlAdvice(input.baseUrl)}`;
    }
  }
  const hint = retCode === undefined ? undefined : HINTS[retCode];
  if (hint) message += `. ${hint}`;

  return new cls(message, details);
}
