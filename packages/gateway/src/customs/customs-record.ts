/** A customs declaration as the services see it: the row converted once (customs-repository.ts). */
import type { Selectable } from 'kysely';
import type { CustomsDeclarationsTable } from '../store/schema.ts';
import { converter, type Converted } from '../store/records.ts';
import { storedReason, type Reason } from '../errors/domain-error.ts';
import { machineOf } from '../lifecycle/state-mover.ts';

const TIMES = ['resolve_at', 'created_at', 'updated_at', 'submitted_at', 'completed_at'] as const;

/** ACCEPTED -> SUBMITED (spelt as real clients spell it) -> SUCCESS | FAIL. */
export type CustomsState = 'ACCEPTED' | 'SUBMITED' | 'SUCCESS' | 'FAIL';

/** The customs declaration state machine: the only moves there are. */
export const CUSTOMS_MACHINE = machineOf<CustomsState>('customs declaration', {
  ACCEPTED: ['SUBMITED'],
  SUBMITED: ['SUCCESS', 'FAIL'],
  SUCCESS: [],
  FAIL: [],
});

export const FINAL_CUSTOMS_STATES: readonly CustomsState[] = ['SUCCESS', 'FAIL'];

type Row = Selectable<CustomsDeclarationsTable>;

export type CustomsRecord = Omit<Converted<Row, never, (typeof TIMES)[number]>, 'state' | 'failure_reason'> & {
  readonly state: CustomsState;
  readonly failure_reason: Reason | null;
};

const convert = converter<CustomsDeclarationsTable, never, (typeof TIMES)[number]>([], TIMES);

export function customsRecordOf(row: Row): CustomsRecord {
  // A reason written by a later version of the gateway reads as the fallback.
  const record = convert(row) as unknown as { failure_reason: string | null };
  record.failure_reason = storedReason(record.failure_reason, 'customs_rejected');
  return record as unknown as CustomsRecord;
}
