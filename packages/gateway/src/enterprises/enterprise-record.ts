/** A company registered for B2B payments (reference 4.1) as the services see it: the row converted once. */
import type { Selectable } from 'kysely';
import type { EnterprisesTable } from '../store/schema.ts';
import { converter, type Converted } from '../store/records.ts';

const TIMES = ['reviewed_at', 'created_at', 'updated_at'] as const;

/** `DISABLE` when registered (and after a rejection); `ENABLE` once the operator approved it. */
export type EnterpriseStatus = 'DISABLE' | 'ENABLE';
export const ENTERPRISE_STATUSES: readonly EnterpriseStatus[] = ['DISABLE', 'ENABLE'];

/** The rank the operator gives an approved company. */
export type EnterpriseRank = 'A' | 'OTHERS' | 'UNKNOWN';
export const ENTERPRISE_RANKS: readonly EnterpriseRank[] = ['A', 'OTHERS', 'UNKNOWN'];

type Row = Selectable<EnterprisesTable>;

export type EnterpriseRecord = Omit<Converted<Row, never, (typeof TIMES)[number]>, 'status' | 'rank'> & {
  readonly status: EnterpriseStatus;
  readonly rank: EnterpriseRank | null;
};

const convert = converter<EnterprisesTable, never, (typeof TIMES)[number]>([], TIMES);

export function enterpriseRecordOf(row: Row): EnterpriseRecord {
  return convert(row) as unknown as EnterpriseRecord;
}
