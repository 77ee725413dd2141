/**
 * The one catalogue of UMF return codes. Every route answers with one of these; `docs/errors.md`
 * documents the same table (a test keeps the two in sync). Codes from the UMF reference appendix
 * keep their meaning; codes marked `ours` fill gaps the reference leaves (they sit in free slots of
 * the same numbering).
 */
export interface RetCodeEntry {
  readonly code: string;
  readonly http: number;
  readonly message: string;
  readonly source: 'reference' | 'ours';
}

function entry(code: string, http: number, message: string, source: 'reference' | 'ours' = 'reference'): RetCodeEntry {
  return { code, http, message, source };
}

export const RET = {
  SUCCESS: entry('0000', 200, 'Successful'),
  SYSTEM_ERROR: entry('00060999', 500, 'System error'),

  // Request shape
  VALIDATION: entry('00060700', 400, 'Data validation failure'),
  INVALID_JSON: entry('00060701', 400, 'Request body is not valid JSON', 'ours'),
  BODY_TOO_LARGE: entry('00060702', 413, 'Request body is too large', 'ours'),
  UNSUPPORTED_MEDIA_TYPE: entry('00060703', 415, 'Unsupported content type', 'ours'),
  ROUTE_NOT_FOUND: entry('00060704', 404, 'No such resource', 'ours'),
  METHOD_NOT_ALLOWED: entry('00060705', 405, 'Method not allowed on this resource', 'ours'),
  URL_INVALID: entry('00060706', 400, 'Request URL is malformed', 'ours'),
  URL_TOO_LONG: entry('00060707', 414, 'Request URL is too long', 'ours'),

  // Authentication and signatures
  SIGNATURE_INVALID: entry('00060710', 401, 'Merchant signature validation failure'),
  MERCHANT_NOT_REGISTERED: entry('00060711', 401, 'Merchant has not registered'),
  INVALID_CLIENT: entry('00280701', 401, 'Invalid client_id or client_secret', 'ours'),
  UNSUPPORTED_GRANT_TYPE: entry('00280702', 400, 'grant_type must be client_credentials', 'ours'),
  TOKEN_INVALID: entry('00280703', 401, 'Access token is invalid or expired'),
  TOO_MANY_AUTH_ATTEMPTS: entry('00280704', 429, 'Too many failed authentication attempts, try again later', 'ours'),

  // Payments
  PHONE_INVALID: entry('00060720', 400, 'Phone number is incorrect'),
  INSUFFICIENT_BALANCE: entry('00060730', 402, 'User account balance is insufficient, please deposit'),
  DUPLICATE_ORDER: entry('00060741', 409, 'An order with this mer_reference_id and mer_date already exists', 'ours'),
  IDEMPOTENCY_MISMATCH: entry('00060742', 409, 'Idempotency-Key was already used with a different request', 'ours'),
  IDEMPOTENCY_IN_FLIGHT: entry('00060743', 409, 'A request with this Idempotency-Key is still in progress', 'ours'),
  PAYMENT_FAILED_TO_PAY: entry('00060750', 402, 'Failed to pay'),
  PAYMENT_EXPIRED: entry('00060751', 409, 'Payment expired'),
  PAYMENT_NOT_FOUND: entry('00060760', 404, 'Payment not exist'),
  PAYMENT_IN_PROCESS: entry('00060761', 409, 'Payment in process'),
  ORDER_CLOSED: entry('00060763', 409, 'Orders have been closed'),
  ORDER_NOT_PAID: entry('00060764', 409, 'Orders have not been paid'),
  PAYMENT_FAILED: entry('00060765', 409, 'Payment failed'),
  NO_REFUND_ALLOWED: entry('00060766', 409, 'No refund allowed'),
  REFUND_REQUEST_FAILED: entry('00060767', 402, 'Refund request failure'),
  DUPLICATE_REFUND: entry('00060744', 409, 'A refund with this mer_reference_id and mer_date already exists', 'ours'),
  REFUND_NOT_FOUND: entry('00060771', 404, 'Refund not exist', 'ours'),
  REFUND_AMOUNT_INCORRECT: entry('00202009', 400, 'The refund amount in the refund application is incorrect'),
  REFUND_AMOUNT_INCONSISTENT: entry(
    '00202010',
    409,
    'The refund amount in the refund application is inconsistent with the original order amount',
  ),
  REFUND_CURRENCY_MISMATCH: entry(
    '00202011',
    400,
    'The currency in the refund application is inconsistent with the original order currency',
  ),
  ID_NUMBER_INVALID: entry('00060022', 400, 'ID number is not legitimate'),
  CARD_UNSUPPORTED: entry('00060076', 400, 'Unsupported bank card account'),
  CARD_BIN_INVALID: entry('00060875', 400, 'Failed to validate the card bin (incorrect card number)'),
  CURRENCY_NOT_ACCEPTED: entry('00281017', 400, 'Currency not accepted by the merchant'),
  AMOUNT_BLANK: entry('00202001', 400, 'The foreign currency amount of order must not be blank'),
  AMOUNT_NOT_INTEGER: entry('00202002', 400, 'The foreign currency amount of order must be integer value'),
  AMOUNT_NOT_POSITIVE: entry('00202003', 400, 'The foreign currency amount of order must be larger than 0'),
  EXCHANGE_RATE_ERROR: entry('00202000', 400, 'The exchange rate query response parameter error'),
  CITIZEN_ID_OR_NAME_INCORRECT: entry('00290502', 400, 'Citizen id or name not correct'),

  // Customs declarations (reference 3.9-3.10)
  CUSTOMS_UNAVAILABLE: entry('00202012', 400, 'Customs unavailable'),
  CUSTOMS_ALREADY_DECLARED: entry(
    '00202013',
    409,
    'The customs information has been updated and shall not be updated again',
  ),
  CUSTOMS_NOT_REQUIRED: entry('00202014', 400, 'The customs declaration is not required for the order'),
  CUSTOMS_SUB_ORDER_ABSENT: entry('00202015', 400, 'The cross-border sub-order is absent'),
  CUSTOMS_ITEMS_ABSENT: entry('00202016', 400, 'The cross-border cargo information sheet is absent'),
  CUSTOMS_PERIOD_OVER: entry(
    '00202017',
    409,
    'Customs declarations are accepted within one month of the order date',
    'ours',
  ),
  CUSTOMS_NOT_FOUND: entry('00060772', 404, 'Customs declaration not exist', 'ours'),
  /** Only in a FAIL declaration's `error`: the customs office refused it (never an HTTP answer). */
  CUSTOMS_REJECTED: entry('00202018', 422, 'The customs office rejected the declaration', 'ours'),

  // Reports and settlement (reference 3.11, 3.12, 3.16, 3.17)
  RECONCILIATION_NOT_FOUND: entry(
    '00060773',
    404,
    'No reconciliation statement for this date: nothing was settled to the merchant on it',
    'ours',
  ),

  // Enterprise qualification (reference 4.1-4.2, docs/b2b.md)
  ENTERPRISE_NOT_FOUND: entry('00060780', 404, 'Enterprise qualification not exist', 'ours'),
  DUPLICATE_ENTERPRISE: entry(
    '00060781',
    409,
    'An enterprise with this external_enterprise_id is already registered',
    'ours',
  ),
  ENTERPRISE_NOT_ENABLED: entry(
    '00060782',
    403,
    'The enterprise has not passed the qualification review (its status is not ENABLE)',
    'ours',
  ),
  ENTERPRISE_ALREADY_ENABLED: entry('00060783', 409, 'The enterprise is ENABLE and is not reviewed again', 'ours'),
  ENTERPRISE_REVIEW_CONFLICT: entry(
    '00060784',
    409,
    'Another review of the enterprise was recorded at the same time',
    'ours',
  ),
  /** Only in a TRADE_CANCEL payment's `error`: the document window passed (never an HTTP answer). */
  DOCUMENTS_WINDOW_PASSED: entry(
    '00060785',
    409,
    'The transaction documents were not approved within the document window: payment cancelled, money returned',
    'ours',
  ),
  REFUND_FUNDS_HELD: entry(
    '00060786',
    409,
    "No refund while the B2B payment's funds are held for document verification",
    'ours',
  ),

  // Card verification (SMS)
  SMS_CODE_NOT_FOUND: entry('00200005', 400, 'SMS verification code not found'),
  SMS_CODE_INCORRECT: entry('00200007', 400, 'SMS verification code is incorrect', 'ours'),
  SMS_CODE_LOCKED: entry('00200008', 409, 'Too many incorrect verification codes: the payment is locked', 'ours'),
  CARD_INFO_INCORRECT: entry('00200025', 402, 'Information of the card is incorrect'),
  CARD_EXPIRED: entry('00200026', 402, 'The card has expired'),
  BANK_NOT_LINKED: entry('00200027', 400, "The bank is not linked with the merchant on UMF's platform"),
  SMS_TOO_FREQUENT: entry('00080706', 429, 'Acquire verification codes too many times within one minute'),
  SMS_TOO_MANY: entry('00080707', 429, 'The number of verification code requests for the order exceeds the maximum'),
} as const satisfies Record<string, RetCodeEntry>;

export type RetName = keyof typeof RET;

/** All entries, for documentation and lookups by code. */
export const RET_CODES: readonly RetCodeEntry[] = Object.values(RET);

/** An error carrying a catalogue entry; the error handler turns it into a signed UMF response. */
export class UmfError extends Error {
  readonly entry: RetCodeEntry;
  readonly detail: string | undefined;
  constructor(entry: RetCodeEntry, detail?: string) {
    super(detail ? `${entry.message}: ${detail}` : entry.message);
    this.name = 'UmfError';
    this.entry = entry;
    this.detail = detail;
  }
  get retCode(): string {
    return this.entry.code;
  }
  get httpStatus(): number {
    return this.entry.http;
  }
}

export function umfError(entry: RetCodeEntry, detail?: string): UmfError {
  return new UmfError(entry, detail);
}
