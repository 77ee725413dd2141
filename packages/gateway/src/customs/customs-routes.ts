/**
 * Customs declarations (reference 3.9-3.10, WIRE-NOTES.md paths):
 *   POST /payments/payment/{id}/apply_to_customs           declare a sub-order of the payment (201)
 *   GET  /payments/customs_declarations/{id}                a declaration of this merchant (404 for anyone else's)
 *   GET  /payments/customs_download?customs_date=YYYYMMDD   the merchant's declarations of that China date, as
 *                                                           a signed file
 * The POST and GET answer with the reference 3.9 sample's shape: top-level `links` (parent_payment,
 * self) and `customs_declarations: [declaration]`. The file format is in customs-file.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import { merchantOf } from '../http/umf-plugin.ts';
import { dateParam } from '../http/report-query.ts';
import type { CustomsService } from './customs-service.ts';
import type { CustomsRecord } from './customs-record.ts';
import {
  createCustomsDeclarationRoute,
  customsDownloadRoute,
  getCustomsDeclarationRoute,
  type CreateCustomsDeclarationRequest,
} from './customs-schemas.ts';

export interface CustomsRoutesDeps {
  readonly customs: CustomsService;
  readonly render: (declaration: CustomsRecord) => Record<string, unknown>;
}

type IdParams = { Params: { id: string } };

export function customsRoutes({ customs, render }: CustomsRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    type DeclareRoute = IdParams & { Body: CreateCustomsDeclarationRequest };
    const declare = { schema: createCustomsDeclarationRoute };
    app.post<DeclareRoute>('/payments/payment/:id/apply_to_customs', declare, async (request, reply) => {
      const declaration = render(await customs.declare(merchantOf(request), request.params.id, request.body));
      return reply.umf({ links: declaration.links, customs_declarations: [declaration] }, RET.SUCCESS, 201);
    });

    const get = { schema: getCustomsDeclarationRoute };
    app.get<IdParams>('/payments/customs_declarations/:id', get, async (request, reply) => {
      const declaration = render(await customs.get(merchantOf(request), request.params.id));
      return reply.umf({ links: declaration.links, customs_declarations: [declaration] });
    });

    app.get('/payments/customs_download', { schema: customsDownloadRoute }, async (request, reply) => {
      const customsDate = dateParam(request.query as Record<string, unknown>, 'customs_date');
      return reply.signedFile(await customs.listFile(merchantOf(request), customsDate));
    });
  };
}
