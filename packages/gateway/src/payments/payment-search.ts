/**
 * The console's payments list (issue 12): filtered pages, newest first, with an opaque cursor to the
 * next page, and the CSV export of everything a filter finds, streamed in pages (never the whole
 * list in memory). Both read through `PaymentRepository.search`, whose statements each seek one index
 * (migration 012), so a page deep in a million payments costs what the first one does.
 */
import { invalid } from '../errors/domain-error.ts';
import { formatAmount } from '../money/decimal.ts';
import { chinaTime } from '../time/china-time.ts';
import type { PaymentRecord } from './payment-record.ts';
import type { PaymentRepository, PaymentSearch } from './payment-repository.ts';

/** What the console filters on: every field optional. */
export type PaymentFilters = Omit<PaymentSearch, 'before' | 'limit'>;

export interface PaymentPage {
  /** Newest first. */
  readonly payments: readonly PaymentRecord[];
  /** Where the next page starts (`page(filters, { cursor })`); null on the last page. */
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Rows the export reads at a time: what it holds in memory at most. */
export const EXPORT_PAGE_SIZE = 1000;

/** The export's columns, in order. */
export const CSV_COLUMNS = [
  'payment_id',
  'merchant_id',
  'mer_reference_id',
  'mer_date',
  'state',
  'payment_method',
  'currency',
  'amount',
  'total_cny',
  'refunded',
  'card_last4',
  'created_at',
  'paid_at',
  'failure_reason',
] as const;

export class PaymentSearchService {
  readonly #deps: { readonly payments: PaymentRepository };
  constructor(deps: { readonly payments: PaymentRepository }) {
    this.#deps = deps;
  }

  /**
   * One page of the payments `filters` find, newest first (ties by id), from `cursor` (a page's
   * `nextCursor`) on. Stable: payments created meanwhile never shift the pages after the first, and
   * no payment shows twice or is skipped. A cursor that is not one answers `invalid_request`.
   */
  async page(
    filters: PaymentFilters,
    options: { readonly cursor?: string; readonly limit?: number } = {},
  ): Promise<PaymentPage> {
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
      invalid('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    const before = options.cursor === undefined ? undefined : cursorPosition(options.cursor);
    // One more than the page, to know without another query whether a next page exists.
    const found = await this.#deps.payments.search({ ...filters, ...(before ? { before } : {}), limit: limit + 1 });
    const payments = found.slice(0, limit);
    const last = payments.at(-1);
    return { payments, nextCursor: found.length > limit && last ? cursorOf(last) : null };
  }

  /**
   * The CSV (RFC 4180: fields with a comma, a quote or a line break quoted, quotes doubled, lines
   * ended by CRLF) of every payment `filters` find, newest first: the header, then one line per
   * payment, read `pageSize` payments at a time as the consumer asks for more (so a million rows
   * stream through a bounded buffer). Money as decimal strings (amount and refunded in the order
   * currency, total_cny in CNY), times ISO 8601 in China time; a cell a spreadsheet would run as a
   * formula is prefixed with an apostrophe.
   */
  async *exportCsv(filters: PaymentFilters, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<string, void, undefined> {
    yield csvLine(CSV_COLUMNS);
    let before: PaymentSearch['before'];
    for (;;) {
      const payments = await this.#deps.payments.search({ ...filters, ...(before ? { before } : {}), limit: pageSize });
      for (const payment of payments) yield csvLine(csvRow(payment));
      const last = payments.at(-1);
      if (payments.length < pageSize || !last) return;
      before = { createdAt: last.created_at, id: last.id };
    }
  }
}

/** The cursor after `payment`: its creation time and id, opaque to the console. */
export function cursorOf(payment: Pick<PaymentRecord, 'created_at' | 'id'>): string {
  return Buffer.from(`${payment.created_at}:${payment.id}`).toString('base64url');
}

function cursorPosition(cursor: string): { createdAt: number; id: string } {
  const match = /^(\d{1,16}):([A-Za-z0-9_]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAt = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(createdAt)) return invalid('cursor', 'is not a cursor of this list');
  return { createdAt, id: match[2]! };
}

function csvRow(p: PaymentRecord): string[] {
  return [
    p.id,
    p.merchant_id,
    p.mer_reference_id,
    p.mer_date,
    p.state,
    p.payment_method,
    p.currency,
    formatAmount(p.amount_minor, p.currency),
    formatAmount(p.total_cny_minor, 'CNY'),
    formatAmount(p.refunded_minor, p.currency),
    p.card_last4 ?? '',
    chinaTime(p.created_at),
    p.execute_success_at === null ? '' : chinaTime(p.execute_success_at),
    p.failure_reason ?? '',
  ];
}

/** One CSV line (RFC 4180), CRLF-ended. */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

function csvField(value: string): string {
  // A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is kept as text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
