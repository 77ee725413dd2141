/**
 * Reconciliation statements (reference 3.12, 3.17):
 *   GET /payments/reconciliation_statement?settle_date=YYYYMMDD[&page_number=N][&page_size=M]
 *   GET /payments/reconciliation_statement_download?mer_date=YYYYMMDD   (settle_date accepted too)
 * Both for the calling merchant only; 00060773 when nothing was settled to it on that date. The
 * reference names the download's date `mer_date` but means the statement's date: the settle date.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { dateParam, pageParams } from '../http/report-query.ts';
import { sendSignedFile } from '../http/signed-file.ts';
import { loadStatement, renderStatement } from './reconciliation-statement.ts';
import { reconciliationFile } from './reconciliation-file.ts';

type Query = { Querystring: Record<string, unknown> };

export function reconciliationRoutes(ctx: GatewayContext): FastifyPluginAsync {
  return async (app) => {
    app.get<Query>('/payments/reconciliation_statement', async (request, reply) => {
      const merchant = request.merchant;
      if (!merchant) throw new UmfError(RET.TOKEN_INVALID);
      const settleDate = dateParam(request.query, 'settle_date', 'mer_date');
      const page = pageParams(request.query);
      const statement = await loadStatement(ctx.db, merchant.id, settleDate, page);
      return reply.umf({ reconciliations: renderStatement(statement, page) });
    });

    app.get<Query>('/payments/reconciliation_statement_download', async (request, reply) => {
      const merchant = request.merchant;
      if (!merchant) throw new UmfError(RET.TOKEN_INVALID);
      const settleDate = dateParam(request.query, 'mer_date', 'settle_date');
      const statement = await loadStatement(ctx.db, merchant.id, settleDate);
      return sendSignedFile(reply, ctx, {
        filename: `RECON_${merchant.id}_${settleDate}.txt`,
        body: reconciliationFile(statement),
      });
    });
  };
}
