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
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { dateParam, pageParams, pagination } from '../http/report-query.ts';
import { sendSignedFile } from '../http/signed-file.ts';
import { TransactionReport, paymentSummary, refundSummary } from './transaction-report.ts';
import { buildTransactionFile } from './transaction-file.ts';

type Query = { Querystring: Record<string, unknown> };

export function transactionRoutes(ctx: GatewayContext): FastifyPluginAsync {
  return async (app) => {
    const report = new TransactionReport(ctx.db);
    const merchantOf = (request: { merchant: Merchant | undefined }) => {
      if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
      return request.merchant;
    };

    app.get<Query>('/payments/transactions', async (request, reply) => {
      const merchant = merchantOf(request);
      const merDate = dateParam(request.query, 'mer_date');
      const page = pageParams(request.query);
      const found = await report.page(merchant.id, merDate, page);
      return reply.umf({
        transactions: {
          payment_summaries: found.payments.map(paymentSummary),
          refund_summaries: found.refunds.map(refundSummary),
          pagination: pagination(page, found.totalCount),
        },
      });
    });

    app.get<Query>('/payments/transactions_download', async (request, reply) => {
      const merchant = merchantOf(request);
      const merDate = dateParam(request.query, 'mer_date');
      const file = await buildTransactionFile(merchant.id, merDate, report.all(merchant.id, merDate));
      return sendSignedFile(reply, ctx, file);
    });
  };
}
