/**
 * The name of an upload (reference 4.4): `mer_reference_id + mer_date + 4-digit sequence + .zip`.
 * The mer_reference_id may hold digits itself: the date and the sequence are the last 12 characters
 * before `.zip` (`ORDER-12` `20261204` `0001` `.zip`).
 */
import { calendarDay } from '../time/china-time.ts';

export interface DocumentName {
  readonly fileName: string;
  readonly merReferenceId: string;
  /** YYYYMMDD */
  readonly merDate: string;
  readonly sequence: number;
}

const RULE =
  'a file name is mer_reference_id + mer_date (YYYYMMDD) + a 4-digit sequence + .zip, e.g. ORDER-12202612040001.zip';

export function parseDocumentName(fileName: string): DocumentName | { readonly problem: string } {
  const match = /^(.+)(\d{8})(\d{4})\.zip$/i.exec(fileName);
  if (!match) return { problem: `${RULE}; got ${JSON.stringify(fileName)}` };
  const [, merReferenceId, merDate, sequence] = match as unknown as [string, string, string, string];
  if (calendarDay(merDate) === undefined)
    return { problem: `${merDate} in ${JSON.stringify(fileName)} is not a date (YYYYMMDD): ${RULE}` };
  return { fileName, merReferenceId, merDate, sequence: Number(sequence) };
}

/** A sequence as written in file names (`0004`). */
export function sequenceText(sequence: number): string {
  return String(sequence).padStart(4, '0');
}
