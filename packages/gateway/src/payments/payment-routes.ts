/**
 * /payments/payment: create (3.2), verify (SMS, 3.3), execute (3.4), query (3.6); and the WeChat
 * open_id link (3.15). Each answer carries the payment object and, where the reference shows them,
 * its links at the top level too (clients read `links[1]` by position).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import { merchantOf, resumedOf } from '../http/umf-plugin.ts';
import type { Clock } from '../time/clock.ts';
import type { WalletChannel } from '../channels/channels.ts';
import { parseCreatePayment } from './payment-request.ts';
import { url } from '../validation/request-fields.ts';
import type { PaymentService } from './payment-service.ts';
import type { CardPaymentService } from './card-payment-service.ts';
import type { OpenIdService } from './wechat-open-id.ts';

export interface PaymentRoutesDeps {
  readonly payments: PaymentService;
  readonly cards: CardPaymentService;
  readonly openIds: OpenIdService;
  readonly wallet: WalletChannel;
  readonly clock: Clock;
  /** Minutes an unpaid payment stays open when the order gives no expire_time. */
  readonly defaultExpireMinutes: number;
}

type IdParams = { Params: { id: string } };

export function paymentRoutes(deps: PaymentRoutesDeps): FastifyPluginAsync {
  const { payments, cards, openIds, wallet, clock } = deps;
  return async (app) => {
    app.post('/payments/payment', async (request, reply) => {
      const draft = parseCreatePayment(request.umfBody(), {
        now: clock.now(),
        defaultExpireMinutes: deps.defaultExpireMinutes,
      });
      const created = await payments.create(merchantOf(request), draft, resumedOf(request));
      const payment = await payments.present(created);
      return reply.umf({ payment, links: payment.links }, RET.SUCCESS, 201);
    });

    // Reference 3.15: a link to the WeChat authorisation page that yields the payer's open_id.
    app.get(
      '/payments/wechat_openid',
      async (request: FastifyRequest<{ Querystring: { notify_url?: string } }>, reply) => {
        const merchant = merchantOf(request);
        const notifyUrl = url(request.query.notify_url, 'notify_url', true)!;
        const href = wallet.openIdAuthorizeUrl(openIds.createState(merchant.id, notifyUrl), notifyUrl);
        return reply.umf({ links: [{ ref: 'weChat', rel: 'weChat', method: 'GET', href }] });
      },
    );

    app.get<IdParams>('/payments/payment/:id', async (request, reply) => {
      const record = await payments.get(merchantOf(request), request.params.id);
      return reply.umf({ payment: await payments.present(record) });
    });

    app.post<IdParams>('/payments/payment/:id/verify', async (request, reply) => {
      const record = await cards.verify(merchantOf(request), request.params.id, request.umfBody(), resumedOf(request));
      const payment = await payments.present(record);
      return reply.umf({ payment, links: payment.links });
    });

    app.post<IdParams>('/payments/payment/:id/execute', async (request, reply) => {
      const record = await cards.execute(merchantOf(request), request.params.id, request.umfBody(), resumedOf(request));
      const payment = await payments.present(record);
      return reply.umf({ payment, links: payment.links });
    });
  };
}
