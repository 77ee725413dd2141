/**
 * Refunds (reference 3.7-3.8):
 *   POST /payments/payment/{id}/refund   create a refund of the payment (any of the three request shapes)
 *   GET  /payments/refund/{id}           a refund of this merchant (404 for anyone else's)
 * Responses carry `refund` (objs.md), the top-level `links` (parent_payment, self) and, on GET, also
 * `refunds: [refund]` as the reference's 3.8 sample shows it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { RefundService } from './refund-service.ts';

type IdParams = { Params: { id: string } };

export function refundRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const refunds = new RefundService(ctx, notify);
    const merchantOf = (request: { merchant: Merchant | undefined }) => {
      if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
      return request.merchant;
    };

    app.post<IdParams>('/payments/payment/:id/refund', async (request, reply) => {
      const row = await refunds.create(merchantOf(request), request.params.id, request.umfBody(), {
        resumed: request.idempotency?.resumed === true,
      });
      const refund = refunds.render(row);
      return reply.umf({ refund, links: refund.links }, RET.SUCCESS, 201);
    });

    app.get<IdParams>('/payments/refund/:id', async (request, reply) => {
      const row = await refunds.get(merchantOf(request), request.params.id);
      const refund = refunds.render(row);
      return reply.umf({ refund, refunds: [refund], links: refund.links });
    });
  };
}
