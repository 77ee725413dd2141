/**
 * Why the platform did not do what it was asked: the vocabulary services and channels speak in.
 * Domain code throws `DomainError(reason, detail)` and stores a reason on a failed payment, refund
 * or customs declaration; it never names a UMF return code or an HTTP status. The one mapping to the
 * wire (return code, message, status) is `http/error-codes.ts`, used by the routes, the views and
 * the pages.
 *
 * `detail` is for people (it ends up after the catalogue's message in `ret_msg`); `facts` carries
 * what a caller may act on (the attempts left after a wrong SMS code).
 */
export const REASONS = [
  // The request
  'invalid_request',
  'amount_missing',
  'amount_not_whole',
  'amount_not_positive',
  'currency_not_accepted',
  'exchange_rate_unavailable',
  'phone_invalid',
  'citizen_id_invalid',
  'card_number_invalid',
  'card_not_supported',
  'bank_not_linked',
  // Payments
  'payment_not_found',
  'duplicate_order',
  'payment_expired',
  'payment_in_process',
  'payment_closed',
  'payment_failed',
  'payment_not_paid',
  'already_paid',
  /** The payer did not pay (the wallet or the bank said no, nothing was taken). */
  'payer_declined',
  'insufficient_funds',
  'card_expired',
  'card_info_incorrect',
  'sms_code_missing',
  'sms_code_incorrect',
  'sms_code_locked',
  'sms_too_frequent',
  'sms_limit_reached',
  // Refunds
  'refund_not_allowed',
  'refund_not_found',
  'duplicate_refund',
  'refund_amount_incorrect',
  /** More than the payment has left, or a refund that contradicts the payment's amounts. */
  'over_refund',
  'refund_currency_mismatch',
  /** The channel the payer paid with refused the refund. */
  'refund_refused',
  // Customs
  'customs_office_unknown',
  'customs_already_declared',
  'customs_not_required',
  'customs_sub_order_absent',
  'customs_items_absent',
  'customs_window_passed',
  'customs_declaration_not_found',
  /** The customs office refused the declaration. */
  'customs_rejected',
  // Reports and settlement
  'statement_not_found',
  // Enterprises (B2B companies, reference 4.1-4.2)
  /** No company with this id (or external id) among the merchant's. */
  'enterprise_not_found',
  /** The merchant already registered a company with this external_enterprise_id. */
  'duplicate_enterprise',
  /** The company has not passed the operator's review (it is DISABLE): it cannot pay B2B yet. */
  'enterprise_not_enabled',
  /** The company is ENABLE: an approved company is not reviewed again. */
  'enterprise_already_enabled',
  /** Another review of the company was recorded between reading it and deciding (the other one won). */
  'enterprise_review_conflict',
  /** A held B2B payment's documents were not approved within the document window: cancelled, money returned. */
  'documents_window_passed',
  /** A refund of a B2B payment whose CNY is still held for its documents. */
  'refund_funds_held',
  // Merchants and tokens
  'invalid_client',
  'unsupported_grant_type',
  'too_many_attempts',
  'merchant_inactive',
  'token_invalid',
] as const;

export type Reason = (typeof REASONS)[number];

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value);
}

/** A stored failure reason as the domain reads it: `fallback` for one this version does not know. */
export function storedReason(value: string | null, fallback: Reason): Reason | null {
  return value === null ? null : isReason(value) ? value : fallback;
}

export interface DomainFacts {
  /** After a wrong SMS code: how many codes may still be tried. */
  readonly attemptsLeft?: number;
  /** After too many failed token requests: when to try again. */
  readonly retryAfterMs?: number;
}

export class DomainError extends Error {
  readonly reason: Reason;
  readonly detail: string | undefined;
  readonly facts: DomainFacts;
  constructor(reason: Reason, detail?: string, facts: DomainFacts = {}) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'DomainError';
    this.reason = reason;
    this.detail = detail;
    this.facts = facts;
  }
}

/** Throws a DomainError: `return refuse('payment_not_found')` reads as the rule it enforces. */
export function refuse(reason: Reason, detail?: string, facts?: DomainFacts): never {
  throw new DomainError(reason, detail, facts);
}

/** A request field that is not what it must be: `invalid('order.amount.total', 'is required', 'amount_missing')`. */
export function invalid(path: string, problem: string, reason: Reason = 'invalid_request'): never {
  throw new DomainError(reason, `${path} ${problem}`);
}

/** What a failed payment, refund or customs declaration keeps of its failure. */
export interface Failure {
  readonly reason: Reason;
  /** Words of the party that refused (the customs office's reason), when there are any. */
  readonly detail: string | null;
}

/** The failure a stored record carries (payments, refunds, customs keep it in the same two columns). */
export function failureOf(record: {
  readonly failure_reason: Reason | null;
  readonly failure_detail: string | null;
}): Failure | undefined {
  return record.failure_reason ? { reason: record.failure_reason, detail: record.failure_detail } : undefined;
}
