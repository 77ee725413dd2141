/**
 * Refunds (reference 3.7-3.8):
 *   POST /payments/payment/{id}/refund   create a refund of the payment (any of the three request shapes)
 *   GET  /payments/refund/{id}           a refund of this merchant (404 for anyone else's)
 * Answers carry `refund` (objs.md), the top-level `links` (parent_payment, self) and, on GET, also
 * `refunds: [refund]` as the reference's 3.8 sample shows it.
 */
import type { FastifyPluginAsync } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import { merchantOf, resumedOf } from '../http/umf-plugin.ts';
import type { RefundService } from './refund-service.ts';
import type { RefundRecord } from './refund-record.ts';
import { createRefundRoute, getRefundRoute, type CreateRefundRequest } from './refund-schemas.ts';

export interface RefundRoutesDeps {
  readonly refunds: RefundService;
  readonly render: (refund: RefundRecord) => Record<string, unknown>;
}

type IdParams = { Params: { id: string } };

export function refundRoutes({ refunds, render }: RefundRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    type CreateRoute = IdParams & { Body: CreateRefundRequest };
    app.post<CreateRoute>('/payments/payment/:id/refund', { schema: createRefundRoute }, async (request, reply) => {
      const created = await refunds.create(merchantOf(request), request.params.id, request.body, resumedOf(request));
      const refund = render(created);
      return reply.umf({ refund, links: refund.links }, RET.SUCCESS, 201);
    });

    app.get<IdParams>('/payments/refund/:id', { schema: getRefundRoute }, async (request, reply) => {
      const refund = render(await refunds.get(merchantOf(request), request.params.id));
      return reply.umf({ refund, refunds: [refund], links: refund.links });
    });
  };
}
