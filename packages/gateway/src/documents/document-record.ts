/** A B2B transaction document (one accepted ZIP upload) as the services see it (document-repository.ts). */
import type { Selectable } from 'kysely';
import type { B2bDocumentsTable } from '../store/schema.ts';
import { converter, type Converted } from '../store/records.ts';
import { machineOf } from '../lifecycle/state-mover.ts';

/**
 * pending (uploaded, waiting for the operator) -> approved (the held funds are released) | rejected
 * (the merchant uploads again with the next sequence) | superseded (a later sequence of the same
 * payment arrived while it was pending).
 */
export type DocumentStatus = 'pending' | 'approved' | 'rejected' | 'superseded';

export const DOCUMENT_STATUSES: readonly DocumentStatus[] = ['pending', 'approved', 'rejected', 'superseded'];

/** The document state machine: the only moves there are. */
export const DOCUMENT_MACHINE = machineOf<DocumentStatus>('document', {
  pending: ['approved', 'rejected', 'superseded'],
  approved: [],
  rejected: [],
  superseded: [],
});

/** One file of the ZIP, for the reviewer. */
export interface DocumentEntry {
  readonly name: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
}

const NUMBERS = ['size_bytes', 'reviewed_at', 'created_at'] as const;

type Row = Selectable<B2bDocumentsTable>;

export type DocumentRecord = Omit<Converted<Row, never, (typeof NUMBERS)[number]>, 'status' | 'entries_json'> & {
  readonly status: DocumentStatus;
  readonly entries: readonly DocumentEntry[];
};

const convert = converter<B2bDocumentsTable, never, (typeof NUMBERS)[number]>([], NUMBERS);

export function documentRecordOf(row: Row): DocumentRecord {
  const { entries_json, ...rest } = convert(row);
  return { ...rest, status: rest.status as DocumentStatus, entries: JSON.parse(entries_json) as DocumentEntry[] };
}
