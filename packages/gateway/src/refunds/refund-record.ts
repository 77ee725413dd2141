/** A refund as the services see it: the `refunds` row converted once (refund-repository.ts). */
import type { Selectable } from 'kysely';
import type { RefundsTable } from '../store/schema.ts';
import { converter, type Converted } from '../store/records.ts';
import { storedReason, type Reason } from '../errors/domain-error.ts';
import type { Currency } from '../money/currencies.ts';
import { machineOf } from '../lifecycle/state-mover.ts';

const MONEY = ['amount_minor', 'cny_minor', 'settled_minor'] as const;
const TIMES = ['resolve_at', 'created_at', 'updated_at', 'completed_at'] as const;

export type RefundState = 'REFUND_PROCESS' | 'REFUND_SUCCESS' | 'REFUND_FAIL' | 'REFUND_CLOSE';

/** The refund state machine: the only moves there are. */
export const REFUND_MACHINE = machineOf<RefundState>('refund', {
  REFUND_PROCESS: ['REFUND_SUCCESS', 'REFUND_FAIL'],
  REFUND_SUCCESS: [],
  REFUND_FAIL: [],
  REFUND_CLOSE: [],
});

type Row = Selectable<RefundsTable>;

export type RefundRecord = Omit<
  Converted<Row, (typeof MONEY)[number], (typeof TIMES)[number]>,
  'state' | 'currency' | 'failure_reason'
> & {
  readonly state: RefundState;
  readonly currency: Currency;
  readonly failure_reason: Reason | null;
};

const convert = converter<RefundsTable, (typeof MONEY)[number], (typeof TIMES)[number]>(MONEY, TIMES);

export function refundRecordOf(row: Row): RefundRecord {
  // A reason written by a later version of the gateway reads as the fallback.
  const record = convert(row) as unknown as { failure_reason: string | null };
  record.failure_reason = storedReason(record.failure_reason, 'refund_refused');
  return record as unknown as RefundRecord;
}
