/**
 * Customs declarations (reference 3.9-3.10, WIRE-NOTES.md paths):
 *   POST /payments/payment/{id}/apply_to_customs           declare a sub-order of the payment (201)
 *   GET  /payments/customs_declarations/{id}                a declaration of this merchant (404 for anyone else's)
 *   GET  /payments/customs_download?customs_date=YYYYMMDD   the merchant's declarations of that China date, as a signed file
 * The POST and GET answer with the reference 3.9 sample's shape: top-level `links` (parent_payment,
 * self) and `customs_declarations: [declaration]`. The file format is in domain/customs-file.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { CustomsService } from './customs-service.ts';
import { dateParam } from '../http/report-query.ts';
import { sendSignedFile } from '../http/signed-file.ts';

type IdParams = { Params: { id: string } };

export function customsRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const customs = new CustomsService(ctx, notify);
    const merchantOf = (request: { merchant: Merchant | undefined }) => {
      if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
      return request.merchant;
    };

    app.post<IdParams>('/payments/payment/:id/apply_to_customs', async (request, reply) => {
      const row = await customs.declare(merchantOf(request), request.params.id, request.umfBody());
      const declaration = customs.render(row);
      return reply.umf({ links: declaration.links, customs_declarations: [declaration] }, RET.SUCCESS, 201);
    });

    app.get<IdParams>('/payments/customs_declarations/:id', async (request, reply) => {
      const row = await customs.get(merchantOf(request), request.params.id);
      const declaration = customs.render(row);
      return reply.umf({ links: declaration.links, customs_declarations: [declaration] });
    });

    app.get('/payments/customs_download', async (request, reply) => {
      const merchant = merchantOf(request);
      const customsDate = dateParam(request.query as Record<string, unknown>, 'customs_date');
      return sendSignedFile(reply, ctx, await customs.downloadFile(merchant, customsDate));
    });
  };
}
