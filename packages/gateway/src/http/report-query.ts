/**
 * The query parameters of the report endpoints (transactions, reconciliation statements, customs
 * list): a date `YYYYMMDD` that exists in the calendar, and `page_number` / `page_size` (reference
 * 3.16, 3.17: page numbers start at 1, default page size 500). Anything else is 00060700 naming the
 * parameter.
 */
import { RET, UmfError } from '../errors/catalogue.ts';
import { calendarDay } from '../time/china-time.ts';
import type { Page } from '../store/page.ts';

export type { Page };

export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 5000;

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UmfError(RET.VALIDATION, `${name} must be given once`);
  return value.trim();
}

/** True for a real calendar date written YYYYMMDD (years 2000-2999). */
export function isCalendarDate(text: string): boolean {
  return /^2\d{7}$/.test(text) && calendarDay(text) !== undefined;
}

/** The date parameter `name` (the first of `names` present), required, YYYYMMDD. */
export function dateParam(query: Query, ...names: string[]): string {
  for (const name of names) {
    const value = single(query, name);
    if (value === undefined || value === '') continue;
    if (!isCalendarDate(value))
      throw new UmfError(
        RET.VALIDATION,
        `${name} must be a date written YYYYMMDD, got ${JSON.stringify(value.slice(0, 20))}`,
      );
    return value;
  }
  throw new UmfError(RET.VALIDATION, `${names[0]} is required (YYYYMMDD)`);
}

function positiveInt(query: Query, name: string, fallback: number, max: number): number {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new UmfError(RET.VALIDATION, `${name} must be a whole number from 1`);
  const n = Number(value);
  if (n > max) throw new UmfError(RET.VALIDATION, `${name} must be at most ${max}`);
  return n;
}

export function pageParams(query: Query): Page {
  const pageSize = positiveInt(query, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const pageNumber = positiveInt(query, 'page_number', 1, 1_000_000);
  return { pageNumber, pageSize, offset: (pageNumber - 1) * pageSize };
}

/** The reference's pagination object. */
export function pagination(
  page: Page,
  totalCount: number,
): { total_count: number; page_number: number; page_size: number } {
  return { total_count: totalCount, page_number: page.pageNumber, page_size: page.pageSize };
}
