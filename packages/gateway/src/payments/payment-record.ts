/**
 * A payment as the services see it: the `payments` row with money as bigint minor units, times as
 * epoch-millisecond numbers, its state and stage typed, and its failure as a domain reason
 * (converted once, by the payment repository).
 */
import type { Selectable } from 'kysely';
import type { PaymentsTable } from '../store/schema.ts';
import { converter, type Converted } from '../store/records.ts';
import { storedReason, type Reason } from '../errors/domain-error.ts';
import type { Currency } from '../money/currencies.ts';
import type { PaymentStage, PaymentState } from './payment-state.ts';

const MONEY = [
  'amount_minor',
  'total_cny_minor',
  'refunded_minor',
  'refunded_cny_minor',
  'service_fee_minor',
  'settled_minor',
] as const;
const TIMES = [
  'expire_at',
  'created_at',
  'updated_at',
  'execute_success_at',
  'sms_last_sent_at',
  'sms_code_expires_at',
  'bank_resolve_at',
  'funds_due_at',
  'funds_released_at',
  'funds_returned_at',
  'funds_return_retry_at',
] as const;

type Row = Selectable<PaymentsTable>;

export type PaymentRecord = Omit<
  Converted<Row, (typeof MONEY)[number], (typeof TIMES)[number]>,
  'state' | 'stage' | 'currency' | 'failure_reason' | 'funds_state'
> & {
  readonly state: PaymentState;
  readonly stage: PaymentStage;
  readonly currency: Currency;
  readonly failure_reason: Reason | null;
  /** B2B: NULL for B2C; `held` once paid, then `released` or `returned` (payments/held-funds.ts). */
  readonly funds_state: FundsState | null;
};

export type FundsState = 'held' | 'released' | 'returned';

/** The payer agreement a card payment was made with (or issued by its success). */
export interface AgreementRef {
  readonly usr_busi_agreement_id: string;
  readonly usr_pay_agreement_id: string;
  readonly gate_id: string;
  readonly last_four_cardid: string;
}

const convert = converter<PaymentsTable, (typeof MONEY)[number], (typeof TIMES)[number]>(MONEY, TIMES);

export function paymentRecordOf(row: Row): PaymentRecord {
  // A reason written by a later version of the gateway reads as the fallback.
  const record = convert(row) as unknown as { failure_reason: string | null };
  record.failure_reason = storedReason(record.failure_reason, 'payment_failed');
  return record as unknown as PaymentRecord;
}

export function isCardMethod(method: string | null): method is 'CREDIT_CARD' | 'DEBIT_CARD' {
  return method === 'CREDIT_CARD' || method === 'DEBIT_CARD';
}

/** Paid in a bank's online banking (B2B: every B2B payment; B2C_ONLINE_BANKING). */
export function onlineBankingOf(record: Pick<PaymentRecord, 'channel' | 'business_type'>): 'B2B' | 'B2C' | undefined {
  if (record.business_type === 'B2B' || record.channel === 'B2B_ONLINE_BANKING') return 'B2B';
  return record.channel === 'B2C_ONLINE_BANKING' ? 'B2C' : undefined;
}

export function isWebPayment(record: Pick<PaymentRecord, 'interface_type'>): boolean {
  return record.interface_type === 'SERVER_TO_WEB' || record.interface_type === 'SERVER_TO_H5WEB';
}
