// `client.reconciliation`: the reconciliation statements of settle dates (reference 3.17) and their
// download file (3.12): what the platform transferred to you on a date and what each transfer is made of
// (your payments with their service fee and exchanged amount, less your refunds).
//
//   const statement = await client.reconciliation.get({ settleDate: '20261123' });
//   statement.amount.total              // what you received (one order currency), total_cny what was exchanged
//   for await (const item of client.reconciliation.listAll({ settleDate: '20261123' })) ...
//   const file = await client.reconciliation.download({ settleDate: '20261123' });
//   for await (const line of file) handle(parseReconciliationLine(line));   // or file.saveTo(path)
//
// A date on which nothing was transferred to you is UmfNotFoundError (00060773).
import type { SignedDownload } from '../download.ts';
import { UmfApiError } from '../errors.ts';
import type { RequestOptions, ResponseMeta } from '../types.ts';
import { optionalPositiveInteger, requireDate } from '../validation.ts';
import type { ClientContext } from './context.ts';
import { allSummaries } from './paging.ts';

/** An amount object of a statement: strings, `total` in `currency`, `total_cny` in CNY. */
export interface StatementAmount {
  total: string;
  total_cny: string;
  currency: string;
  exchange_rate: string;
}

/** One transfer of the date: one per order currency. */
export interface StatementSettlement {
  settlement_id: string;
  currency: string;
  exchange_rate: string;
  exchange_date: string;
  payment_count: number;
  refund_count: number;
  gross_cny: string;
  refund_cny: string;
  service_fee: string;
  net_cny: string;
  amount: StatementAmount;
}

export interface SettledPaymentSummary {
  payment_id: string;
  order_date: string;
  mer_reference_id: string;
  amount: StatementAmount;
  settle_date: string;
  execute_success_time: string;
  state: string;
  product_id: string;
  /** CNY taken as the service fee. */
  service_fee: string;
  /** What the payment put into the transfer: CNY less the fee, and that in the order currency at the exchange. */
  exchange_amount: StatementAmount;
  exchange_date: string;
}

export interface SettledRefundSummary {
  refund_id: string;
  payment_id: string;
  phone_number: string;
  amount: StatementAmount;
  settle_date: string;
  execute_success_time: string;
  state: string;
  product_id: string;
  /** Your refund number. */
  mer_reference_id: string;
  mer_date: string;
  mer_sub_reference_id?: string;
  /** What the refund took off the transfer. */
  exchange_amount: StatementAmount;
  exchange_date: string;
}

export interface ReconciliationStatement {
  settle_date: string;
  /** The transfer when the date has one currency; with several, only `total_cny` (see `settlements`). */
  amount: Partial<StatementAmount> & { total_cny: string };
  settlements: StatementSettlement[];
  payment_summaries: SettledPaymentSummary[];
  refund_summaries: SettledRefundSummary[];
  pagination: { total_count: number; page_number: number; page_size: number };
  meta: ResponseMeta;
}

export type StatementItem =
  { kind: 'payment'; summary: SettledPaymentSummary } | { kind: 'refund'; summary: SettledRefundSummary };

export interface GetStatementParams {
  /** YYYYMMDD: the date the platform transferred the money. */
  settleDate: string;
  pageNumber?: number;
  pageSize?: number;
}

/** `client.reconciliation`. */
export class Reconciliation {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** `GET /payments/reconciliation_statement`: one page of the statement of a settle date. */
  async get(params: GetStatementParams, options: RequestOptions = {}): Promise<ReconciliationStatement> {
    const operation = 'reconciliation.get';
    if (!params || typeof params !== 'object') throw new TypeError(`${operation}: params are required`);
    const query = {
      settle_date: requireDate(params.settleDate, `${operation}: settleDate`),
      page_number: optionalPositiveInteger(params.pageNumber, `${operation}: pageNumber`),
      page_size: optionalPositiveInteger(params.pageSize, `${operation}: pageSize`),
    };
    const path = '/payments/reconciliation_statement';
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path, query }, options, this.#ctx.tokens);
    const body = res.data.reconciliations as Omit<ReconciliationStatement, 'meta'> | undefined;
    if (
      !body ||
      !Array.isArray(body.payment_summaries) ||
      !Array.isArray(body.refund_summaries) ||
      typeof body.pagination?.total_count !== 'number'
    ) {
      throw new UmfApiError(`GET ${path}: the response has no reconciliations object with summaries and pagination`, {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    if (body.settle_date !== params.settleDate) {
      throw new UmfApiError(`GET ${path}: the statement is of ${String(body.settle_date)}, not ${params.settleDate}`, {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    return { ...body, meta: res.meta };
  }

  /** Every payment, then every refund of the statement, page after page. */
  listAll(params: Omit<GetStatementParams, 'pageNumber'>, options: RequestOptions = {}): AsyncGenerator<StatementItem> {
    return allSummaries((pageNumber) => this.get({ ...params, pageNumber }, options));
  }

  /**
   * `GET /payments/reconciliation_statement_download`: the statement file of a settle date, streamed
   * (read its lines with `parseReconciliationLine`, or `saveTo(path)`); verified when it ends.
   */
  async download(params: { settleDate: string }, options: RequestOptions = {}): Promise<SignedDownload> {
    const operation = 'reconciliation.download';
    if (!params || typeof params !== 'object') throw new TypeError(`${operation}: params are required`);
    // The reference names the parameter mer_date; it is the statement's (settle) date.
    const query = { mer_date: requireDate(params.settleDate, `${operation}: settleDate`) };
    return this.#ctx.transport.download(
      { path: '/payments/reconciliation_statement_download', query },
      options,
      this.#ctx.tokens,
    );
  }
}
