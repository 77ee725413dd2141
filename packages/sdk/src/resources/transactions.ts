// `client.transactions`: the successful transactions of a merchant date (reference 3.16) and the daily
// transaction file (3.11).
//
// A merchant date lists its TRADE_SUCCESS payments (order mer_date = the date), then its REFUND_SUCCESS
// refunds (refund number's mer_date = the date); pages slice that list, payments first.
//
//   const page = await client.transactions.list({ merDate: '20261122', pageSize: 100 });
//   for await (const t of client.transactions.listAll({ merDate: '20261122' })) ...   // every page
//   const file = await client.transactions.download({ merDate: '20261122' });
//   for await (const line of file) handle(parseTransactionLine(line));               // or file.saveTo(path)
import type { SignedDownload } from '../download.ts';
import { UmfApiError } from '../errors.ts';
import type { ListTransactionsParams, Pagination, RequestOptions, TransactionSummary, TransactionsPage } from '../types.ts';
import type { ClientContext } from './context.ts';

const MER_DATE_RE = /^\d{8}$/;

function checkMerDate(merDate: unknown, operation: string): string {
  if (typeof merDate !== 'string' || !MER_DATE_RE.test(merDate)) throw new TypeError(`${operation}: merDate must be a YYYYMMDD string`);
  return merDate;
}

function checkPositive(value: number | undefined, name: string, operation: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${operation}: ${name} must be a positive integer`);
  return String(value);
}

/** `client.transactions`. */
export class Transactions {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** `GET /payments/transactions`: one page of a merchant date's payments and refunds. */
  async list(params: ListTransactionsParams, options: RequestOptions = {}): Promise<TransactionsPage> {
    const operation = 'transactions.list';
    if (!params || typeof params !== 'object') throw new TypeError(`${operation}: params are required`);
    const query = {
      mer_date: checkMerDate(params.merDate, operation),
      page_number: checkPositive(params.pageNumber, 'pageNumber', operation),
      page_size: checkPositive(params.pageSize, 'pageSize', operation),
    };
    const path = '/payments/transactions';
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path, query }, options, this.#ctx.tokens);
    const body = res.data.transactions as Partial<Omit<TransactionsPage, 'meta'>> | undefined;
    const pagination = body?.pagination as Pagination | undefined;
    if (!body || !Array.isArray(body.payment_summaries) || !Array.isArray(body.refund_summaries) || !pagination || typeof pagination.total_count !== 'number') {
      throw new UmfApiError(`GET ${path}: the response has no transactions object with summaries and pagination`, { httpStatus: res.httpStatus, requestId: res.requestId });
    }
    return { payment_summaries: body.payment_summaries, refund_summaries: body.refund_summaries, pagination, meta: res.meta };
  }

  /**
   * Every payment, then every refund of a merchant date, fetching page after page (`pageSize` per
   * request, default the platform's 500). Stops at an empty page or once `total_count` is reached.
   */
  async *listAll(params: Omit<ListTransactionsParams, 'pageNumber'>, options: RequestOptions = {}): AsyncGenerator<TransactionSummary> {
    for (let pageNumber = 1; ; pageNumber++) {
      const page = await this.list({ ...params, pageNumber }, options);
      for (const summary of page.payment_summaries) yield { kind: 'payment', summary };
      for (const summary of page.refund_summaries) yield { kind: 'refund', summary };
      const { total_count, page_size } = page.pagination;
      const onPage = page.payment_summaries.length + page.refund_summaries.length;
      if (onPage === 0 || pageNumber * page_size >= total_count) return;
    }
  }

  /**
   * `GET /payments/transactions_download`: the merchant date's transaction file, streamed. Iterate its
   * lines (read them with `parseTransactionLine`), or `saveTo(path)` / `text()`; the file's signature is
   * verified when it ends (UmfSignatureVerificationError otherwise; saveTo then leaves no file).
   */
  async download(params: { merDate: string }, options: RequestOptions = {}): Promise<SignedDownload> {
    const operation = 'transactions.download';
    if (!params || typeof params !== 'object') throw new TypeError(`${operation}: params are required`);
    const query = { mer_date: checkMerDate(params.merDate, operation) };
    return this.#ctx.transport.download({ path: '/payments/transactions_download', query }, options, this.#ctx.tokens);
  }
}
