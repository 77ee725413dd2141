/** /payments/payment: create, verify (SMS), execute, query. */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { PaymentService } from './payment-service.ts';
import { url } from './payment-request.ts';
import { createOpenIdState } from './wechat-open-id.ts';

type IdParams = { Params: { id: string } };

export function paymentRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const payments = new PaymentService(ctx, notify);
    const merchantOf = (request: { merchant: import('../merchants/merchant-service.ts').Merchant | undefined }) => {
      if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
      return request.merchant;
    };

    const resumed = (request: { idempotency: { resumed?: boolean } | undefined }) => ({
      resumed: request.idempotency?.resumed === true,
    });

    app.post('/payments/payment', async (request, reply) => {
      const row = await payments.create(merchantOf(request), request.umfBody(), resumed(request));
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links }, RET.SUCCESS, 201);
    });

    // Reference 3.15: a link to the WeChat authorisation page that yields the payer's open_id.
    app.get<{ Querystring: { notify_url?: string } }>('/payments/wechat_openid', async (request, reply) => {
      const merchant = merchantOf(request);
      const notifyUrl = url(request.query.notify_url, 'notify_url', true)!;
      const state = createOpenIdState(ctx, merchant.id, notifyUrl);
      const href = ctx.channels.wallet.openIdAuthorizeUrl(state, notifyUrl);
      return reply.umf({ links: [{ ref: 'weChat', rel: 'weChat', method: 'GET', href }] });
    });

    app.get<IdParams>('/payments/payment/:id', async (request, reply) => {
      const row = await payments.get(merchantOf(request), request.params.id);
      return reply.umf({ payment: await payments.render(row) });
    });

    app.post<IdParams>('/payments/payment/:id/verify', async (request, reply) => {
      const row = await payments.verify(merchantOf(request), request.params.id, request.umfBody(), resumed(request));
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links });
    });

    app.post<IdParams>('/payments/payment/:id/execute', async (request, reply) => {
      const row = await payments.execute(merchantOf(request), request.params.id, request.umfBody(), resumed(request));
      const payment = await payments.render(row);
      return reply.umf({ payment, links: payment.links });
    });
  };
}
