/**
 * Reconciliation statements (reference 3.12, 3.17):
 *   GET /payments/reconciliation_statement?settle_date=YYYYMMDD[&page_number=N][&page_size=M]
 *   GET /payments/reconciliation_statement_download?mer_date=YYYYMMDD   (settle_date accepted too)
 * Both for the calling merchant only; 00060773 when nothing was settled to it on that date. The
 * reference names the download's date `mer_date` but means the statement's date: the settle date.
 */
import type { FastifyPluginAsync } from 'fastify';
import { merchantOf } from '../http/umf-plugin.ts';
import { dateParam, pageParams } from '../http/report-query.ts';
import type { StatementRepository } from './statement-repository.ts';
import { renderStatement } from './reconciliation-view.ts';
import { reconciliationFile } from './reconciliation-file.ts';
import { reconciliationDownloadRoute, reconciliationStatementRoute } from './reconciliation-schemas.ts';

type Query = { Querystring: Record<string, unknown> };

export interface ReconciliationRoutesDeps {
  readonly statements: StatementRepository;
}

export function reconciliationRoutes({ statements }: ReconciliationRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const statementRoute = { schema: reconciliationStatementRoute };
    app.get<Query>('/payments/reconciliation_statement', statementRoute, async (request, reply) => {
      const merchant = merchantOf(request);
      const settleDate = dateParam(request.query, 'settle_date', 'mer_date');
      const page = pageParams(request.query);
      const statement = await statements.load(merchant.id, settleDate, page);
      return reply.umf({ reconciliations: renderStatement(statement, page) });
    });

    const download = { schema: reconciliationDownloadRoute };
    app.get<Query>('/payments/reconciliation_statement_download', download, async (request, reply) => {
      const merchant = merchantOf(request);
      const settleDate = dateParam(request.query, 'mer_date', 'settle_date');
      const statement = await statements.load(merchant.id, settleDate);
      return reply.signedFile({
        filename: `RECON_${merchant.id}_${settleDate}.txt`,
        body: reconciliationFile(statement),
      });
    });
  };
}
