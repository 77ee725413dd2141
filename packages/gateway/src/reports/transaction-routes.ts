/**
 * Transaction list and daily transaction file of the calling merchant (reference 3.16, 3.11):
 *   GET /payments/transactions?mer_date=YYYYMMDD[&page_number=N][&page_size=M]
 *       signed {"transactions":{"payment_summaries":[..],"refund_summaries":[..],"pagination":{..}}}
 *   GET /payments/transactions_download?mer_date=YYYYMMDD
 *       the signed text file TRANS_<merchant id>_<mer_date>.txt (reports/transaction-file.ts)
 * What is listed and in which order: reports/transactions.ts. A bad or missing mer_date, page_number
 * or page_size is 00060700; a page past the end is empty, with the day's total_count.
 */
import type { FastifyPluginAsync } from 'fastify';
import { merchantOf } from '../http/umf-plugin.ts';
import { dateParam, pageParams, pagination } from '../http/report-query.ts';
import type { TransactionRepository } from './transaction-repository.ts';
import { paymentSummary, refundSummary } from './transaction-view.ts';
import { buildTransactionFile } from './transaction-file.ts';
import { listTransactionsRoute, transactionsDownloadRoute } from './transaction-schemas.ts';

type Query = { Querystring: Record<string, unknown> };

export interface TransactionRoutesDeps {
  readonly transactions: TransactionRepository;
}

export function transactionRoutes({ transactions }: TransactionRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<Query>('/payments/transactions', { schema: listTransactionsRoute }, async (request, reply) => {
      const merchant = merchantOf(request);
      const merDate = dateParam(request.query, 'mer_date');
      const page = pageParams(request.query);
      const found = await transactions.page(merchant.id, merDate, page);
      return reply.umf({
        transactions: {
          payment_summaries: found.payments.map(paymentSummary),
          refund_summaries: found.refunds.map(refundSummary),
          pagination: pagination(page, found.totalCount),
        },
      });
    });

    const download = { schema: transactionsDownloadRoute };
    app.get<Query>('/payments/transactions_download', download, async (request, reply) => {
      const merchant = merchantOf(request);
      const merDate = dateParam(request.query, 'mer_date');
      return reply.signedFile(await buildTransactionFile(merchant.id, merDate, transactions.all(merchant.id, merDate)));
    });
  };
}
