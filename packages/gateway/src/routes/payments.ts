/** /payments/payment: create, verify (SMS), execute, query. */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { PaymentService } from '../domain/payments.ts';

type IdParams = { Params: { id: string } };

export function paymentRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const payments = new PaymentService(ctx, notify);
    const merchantOf = (request: { merchant: import('../merchants/merchants.ts').Merchant | undefined }) => {
      if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
      return request.merchant;
    };

    app.post('/payments/payment', async (request, reply) => {
      const row = await payments.create(merchantOf(request), request.umfBody());
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links }, RET.SUCCESS, 201);
    });

    app.get<IdParams>('/payments/payment/:id', async (request, reply) => {
      const row = await payments.get(merchantOf(request), request.params.id);
      return reply.umf({ payment: await payments.render(row) });
    });

    app.post<IdParams>('/payments/payment/:id/verify', async (request, reply) => {
      const row = await payments.verify(merchantOf(request), request.params.id, request.umfBody());
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links });
    });

    app.post<IdParams>('/payments/payment/:id/execute', async (request, reply) => {
      const row = await payments.execute(merchantOf(request), request.params.id, request.umfBody());
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links });
    });
  };
}
