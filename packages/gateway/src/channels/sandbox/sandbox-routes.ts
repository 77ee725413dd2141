/**
 * Sandbox endpoints (sandbox mode only): what the outside parties would show a person.
 * GET /sandbox/sms?phone=...  the SMS messages the platform "sent", newest first.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../../context.ts';
import { RET, UmfError } from '../../errors/catalogue.ts';
import { chinaTime } from '../../time/china-time.ts';
import { PaymentService, checkoutMethods } from '../../payments/payment-service.ts';
import { parseJsonObject } from '../../http/request-json.ts';

export function sandboxRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const payments = new PaymentService(ctx, notify);

    /**
     * POST /sandbox/payments/{id}/pay {"outcome":"success"|"fail"}: what the payer does on the wallet,
     * WeChat or checkout page (a QR code scanned and paid, the JS-API or the app confirming).
     */
    app.post<{ Params: { id: string } }>('/sandbox/payments/:id/pay', async (request, reply) => {
      const body = parseJsonObject(request.rawBody);
      const outcome = body.outcome === undefined ? 'success' : body.outcome;
      if (outcome !== 'success' && outcome !== 'fail')
        throw new UmfError(RET.VALIDATION, 'outcome must be "success" or "fail"');
      const row = await payments.findById(request.params.id);
      if (!row) throw new UmfError(RET.PAYMENT_NOT_FOUND);
      const named = body.provider;
      if (named !== undefined && named !== 'WECHAT' && named !== 'ALIPAY')
        throw new UmfError(RET.VALIDATION, 'provider must be "WECHAT" or "ALIPAY"');
      const methods = checkoutMethods(row);
      if (methods.length === 0 || methods.every((m) => m === 'CREDIT_CARD' || m === 'DEBIT_CARD')) {
        throw new UmfError(RET.VALIDATION, 'card payments are paid with verify and execute (or on the checkout page)');
      }
      // The wallet the payer names; otherwise the one the payment takes (WeChat when it takes both).
      const wechat =
        methods.includes('WECHAT_SCAN') || methods.includes('WECHAT_WEB') || methods.includes('WECHAT_IN_APP');
      const provider = named ?? (wechat ? 'WECHAT' : 'ALIPAY');
      const paid = await payments.payByWallet(row.id, provider, outcome);
      return reply.umf({ payment: await payments.render(paid) });
    });

    app.get<{ Querystring: { phone?: string; limit?: string } }>('/sandbox/sms', async (request, reply) => {
      const phone = request.query.phone?.trim();
      if (!phone) throw new UmfError(RET.VALIDATION, 'phone is required');
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
      const rows = await ctx.db
        .selectFrom('sandbox_sms')
        .selectAll()
        .where('phone', '=', phone)
        .orderBy('sent_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return reply.send({
        messages: rows.map((r) => ({
          phone: r.phone,
          code: r.code,
          payment_id: r.payment_id,
          sent_at: chinaTime(Number(r.sent_at)),
        })),
      });
    });
  };
}
