/**
 * The one mapping from the domain's reasons (errors/domain-error.ts) to the wire: each reason's UMF
 * return code, message and HTTP status, all entries of the catalogue (errors/catalogue.ts). Routes,
 * views and pages go through here; domain code never does.
 */
import { DomainError, type Failure, type Reason } from '../errors/domain-error.ts';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';

export const REASON_CODES: Readonly<Record<Reason, RetCodeEntry>> = {
  invalid_request: RET.VALIDATION,
  amount_missing: RET.AMOUNT_BLANK,
  amount_not_whole: RET.AMOUNT_NOT_INTEGER,
  amount_not_positive: RET.AMOUNT_NOT_POSITIVE,
  currency_not_accepted: RET.CURRENCY_NOT_ACCEPTED,
  exchange_rate_unavailable: RET.EXCHANGE_RATE_ERROR,
  phone_invalid: RET.PHONE_INVALID,
  citizen_id_invalid: RET.ID_NUMBER_INVALID,
  card_number_invalid: RET.CARD_BIN_INVALID,
  card_not_supported: RET.CARD_UNSUPPORTED,
  bank_not_linked: RET.BANK_NOT_LINKED,
  payment_not_found: RET.PAYMENT_NOT_FOUND,
  duplicate_order: RET.DUPLICATE_ORDER,
  payment_expired: RET.PAYMENT_EXPIRED,
  payment_in_process: RET.PAYMENT_IN_PROCESS,
  payment_closed: RET.ORDER_CLOSED,
  payment_failed: RET.PAYMENT_FAILED,
  payment_not_paid: RET.ORDER_NOT_PAID,
  already_paid: RET.PAYMENT_FAILED_TO_PAY,
  payer_declined: RET.PAYMENT_FAILED_TO_PAY,
  insufficient_funds: RET.INSUFFICIENT_BALANCE,
  card_expired: RET.CARD_EXPIRED,
  card_info_incorrect: RET.CARD_INFO_INCORRECT,
  sms_code_missing: RET.SMS_CODE_NOT_FOUND,
  sms_code_incorrect: RET.SMS_CODE_INCORRECT,
  sms_code_locked: RET.SMS_CODE_LOCKED,
  sms_too_frequent: RET.SMS_TOO_FREQUENT,
  sms_limit_reached: RET.SMS_TOO_MANY,
  refund_not_allowed: RET.NO_REFUND_ALLOWED,
  refund_not_found: RET.REFUND_NOT_FOUND,
  duplicate_refund: RET.DUPLICATE_REFUND,
  refund_amount_incorrect: RET.REFUND_AMOUNT_INCORRECT,
  over_refund: RET.REFUND_AMOUNT_INCONSISTENT,
  refund_currency_mismatch: RET.REFUND_CURRENCY_MISMATCH,
  refund_refused: RET.REFUND_REQUEST_FAILED,
  customs_office_unknown: RET.CUSTOMS_UNAVAILABLE,
  customs_already_declared: RET.CUSTOMS_ALREADY_DECLARED,
  customs_not_required: RET.CUSTOMS_NOT_REQUIRED,
  customs_sub_order_absent: RET.CUSTOMS_SUB_ORDER_ABSENT,
  customs_items_absent: RET.CUSTOMS_ITEMS_ABSENT,
  customs_window_passed: RET.CUSTOMS_PERIOD_OVER,
  customs_declaration_not_found: RET.CUSTOMS_NOT_FOUND,
  customs_rejected: RET.CUSTOMS_REJECTED,
  statement_not_found: RET.RECONCILIATION_NOT_FOUND,
  enterprise_not_found: RET.ENTERPRISE_NOT_FOUND,
  duplicate_enterprise: RET.DUPLICATE_ENTERPRISE,
  enterprise_not_enabled: RET.ENTERPRISE_NOT_ENABLED,
  enterprise_already_enabled: RET.ENTERPRISE_ALREADY_ENABLED,
  enterprise_review_conflict: RET.ENTERPRISE_REVIEW_CONFLICT,
  documents_window_passed: RET.DOCUMENTS_WINDOW_PASSED,
  refund_funds_held: RET.REFUND_FUNDS_HELD,
  invalid_client: RET.INVALID_CLIENT,
  unsupported_grant_type: RET.UNSUPPORTED_GRANT_TYPE,
  too_many_attempts: RET.TOO_MANY_AUTH_ATTEMPTS,
  merchant_inactive: RET.MERCHANT_NOT_REGISTERED,
  token_invalid: RET.TOKEN_INVALID,
};

export function codeOf(reason: Reason): RetCodeEntry {
  return REASON_CODES[reason];
}

/** A domain error as the wire says it (UmfErrors of the HTTP layer pass through). */
export function toUmf(error: DomainError | UmfError): UmfError {
  return error instanceof UmfError ? error : new UmfError(codeOf(error.reason), error.detail);
}

/** The `error` member of a failed payment, refund or declaration: `{ret_code, ret_msg}`. */
export function failureView(failure: Failure): { ret_code: string; ret_msg: string } {
  const entry = codeOf(failure.reason);
  return { ret_code: entry.code, ret_msg: failure.detail ? `${entry.message}: ${failure.detail}` : entry.message };
}
