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
import type { ListTransactionsParams, RequestOptions, TransactionSummary, TransactionsPage } from '../types.ts';
import { optionalPositiveInteger, requireDate } from '../validation.ts';
import type { ClientContext } from './context.ts';
import { allSummaries } from './paging.ts';

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
      mer_date: requireDate(params.merDate, `${operation}: merDate`),
      page_number: optionalPositiveInteger(params.pageNumber, `${operation}: pageNumber`),
      page_size: optionalPositiveInteger(params.pageSize, `${operation}: pageSize`),
    };
    const path = '/payments/transactions';
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path, query }, options, this.#ctx.tokens);
    const body = res.data.transactions as Partial<Omit<TransactionsPage, 'meta'>> | undefined;
    const pagination = body?.pagination;
    if (
      !body ||
      !Array.isArray(body.payment_summaries) ||
      !Array.isArray(body.refund_summaries) ||
      !pagination ||
      typeof pagination.total_count !== 'number'
    ) {
      throw new UmfApiError(`GET ${path}: the response has no transactions object with summaries and pagination`, {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    return {
      payment_summaries: body.payment_summaries,
      refund_summaries: body.refund_summaries,
      pagination,
      meta: res.meta,
    };
  }

  /**
   * Every payment, then every refund of a merchant date, fetching page after page (`pageSize` per
   * request, default the platform's 500). Stops at an empty page or once `total_count` is reached.
   */
  listAll(
    params: Omit<ListTransactionsParams, 'pageNumber'>,
    options: RequestOptions = {},
  ): AsyncGenerator<TransactionSummary> {
    return allSummaries((pageNumber) => this.list({ ...params, pageNumber }, options));
  }

  /**
   * `GET /payments/transactions_download`: the merchant date's transaction file, streamed. Iterate its
   * lines (read them with `parseTransactionLine`), or `saveTo(path)` / `text()`; the file's signature is
   * verified when it ends (UmfSignatureVerificationError otherwise; saveTo then leaves no file).
   */
  async download(params: { merDate: string }, options: RequestOptions = {}): Promise<SignedDownload> {
    const operation = 'transactions.download';
    if (!params || typeof params !== 'object') throw new TypeError(`${operation}: params are required`);
    const query = { mer_date: requireDate(params.merDate, `${operation}: merDate`) };
    return this.#ctx.transport.download({ path: '/payments/transactions_download', query }, options, this.#ctx.tokens);
  }
}
