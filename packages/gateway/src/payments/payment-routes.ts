/**
 * /payments/payment: create (3.2), verify (SMS, 3.3), execute (3.4), query (3.6); and the WeChat
 * open_id link (3.15). Each answer carries the payment object and, where the reference shows them,
 * its links at the top level too (clients read `links[1]` by position). Bodies arrive validated
 * against their schemas (payment-schemas.ts) and normalised (http/body-normaliser.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import { merchantOf, resumedOf } from '../http/umf-plugin.ts';
import type { Clock } from '../time/clock.ts';
import type { WalletChannel } from '../channels/channels.ts';
import { outboundUrl, url } from '../validation/request-fields.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { parseCreatePayment } from './payment-request.ts';
import type { PaymentService } from './payment-service.ts';
import type { CardPaymentService } from './card-payment-service.ts';
import type { OpenIdService } from './wechat-open-id.ts';
import {
  createPaymentRoute,
  executePaymentRoute,
  getPaymentRoute,
  verifyPaymentRoute,
  wechatOpenIdRoute,
  type CreatePaymentRequest,
  type ExecutePaymentRequest,
  type VerifyPaymentRequest,
} from './payment-schemas.ts';

export interface PaymentRoutesDeps {
  readonly payments: PaymentService;
  readonly cards: CardPaymentService;
  readonly openIds: OpenIdService;
  readonly wallet: WalletChannel;
  readonly clock: Clock;
  /** Minutes an unpaid payment stays open when the order gives no expire_time. */
  readonly defaultExpireMinutes: number;
  /** Where the open_id redirect (notify_url) may point. */
  readonly outbound: OutboundPolicy;
}

type IdParams = { Params: { id: string } };

export function paymentRoutes(deps: PaymentRoutesDeps): FastifyPluginAsync {
  const { payments, cards, openIds, wallet, clock } = deps;
  return async (app) => {
    app.post<{ Body: CreatePaymentRequest }>(
      '/payments/payment',
      { schema: createPaymentRoute },
      async (request, reply) => {
        const draft = parseCreatePayment(request.body, {
          now: clock.now(),
          defaultExpireMinutes: deps.defaultExpireMinutes,
        });
        const created = await payments.create(merchantOf(request), draft, resumedOf(request));
        const payment = await payments.present(created);
        return reply.umf({ payment, links: payment.links }, RET.SUCCESS, 201);
      },
    );

    // Reference 3.15: a link to the WeChat authorisation page that yields the payer's open_id.
    type OpenIdQuery = { Querystring: { notify_url?: string } };
    app.get<OpenIdQuery>('/payments/wechat_openid', { schema: wechatOpenIdRoute }, async (request, reply) => {
      const merchant = merchantOf(request);
      const notifyUrl = url(request.query.notify_url, 'notify_url', true)!;
      await outboundUrl(deps.outbound, notifyUrl, 'notify_url');
      const href = wallet.openIdAuthorizeUrl(openIds.createState(merchant.id, notifyUrl), notifyUrl);
      return reply.umf({ links: [{ ref: 'weChat', rel: 'weChat', method: 'GET', href }] });
    });

    app.get<IdParams>('/payments/payment/:id', { schema: getPaymentRoute }, async (request, reply) => {
      const record = await payments.get(merchantOf(request), request.params.id);
      return reply.umf({ payment: await payments.present(record) });
    });

    type VerifyRoute = IdParams & { Body: VerifyPaymentRequest };
    app.post<VerifyRoute>('/payments/payment/:id/verify', { schema: verifyPaymentRoute }, async (request, reply) => {
      const record = await cards.verify(merchantOf(request), request.params.id, request.body, resumedOf(request));
      const payment = await payments.present(record);
      return reply.umf({ payment, links: payment.links });
    });

    type ExecuteRoute = IdParams & { Body: ExecutePaymentRequest };
    app.post<ExecuteRoute>('/payments/payment/:id/execute', { schema: executePaymentRoute }, async (request, reply) => {
      const record = await cards.execute(merchantOf(request), request.params.id, request.body, resumedOf(request));
      const payment = await payments.present(record);
      return reply.umf({ payment, links: payment.links });
    });
  };
}
