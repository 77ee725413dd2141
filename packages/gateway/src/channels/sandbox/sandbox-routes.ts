/**
 * The sandbox's JSON endpoints (sandbox mode only; PRODUCT.md "Sandbox"): what the outside parties
 * would show or do for a person.
 *
 *   GET  /sandbox/sms?phone=PHONE          the SMS messages the platform "sent", newest first
 *   POST /sandbox/payments/{id}/pay        {"outcome":"success"|"fail"[,"provider":"WECHAT"|"ALIPAY"]}:
 *                                          what the payer does on the wallet, WeChat or checkout page
 */
import type { FastifyPluginAsync } from 'fastify';
import { refuse } from '../../errors/domain-error.ts';
import { parseJsonObject } from '../../http/request-json.ts';
import { chinaTime } from '../../time/china-time.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { WalletPaymentService } from '../../payments/wallet-payment-service.ts';
import { checkoutMethods } from '../../payments/checkout-methods.ts';
import type { SandboxRepository } from './sandbox-repository.ts';

export interface SandboxRoutesDeps {
  readonly payments: PaymentService;
  readonly walletPayments: WalletPaymentService;
  readonly sandbox: SandboxRepository;
}

export function sandboxRoutes({ payments, walletPayments, sandbox }: SandboxRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { id: string } }>('/sandbox/payments/:id/pay', async (request, reply) => {
      const body = parseJsonObject(request.rawBody);
      const outcome = body.outcome === undefined ? 'success' : body.outcome;
      if (outcome !== 'success' && outcome !== 'fail') refuse('invalid_request', 'outcome must be "success" or "fail"');
      const record = (await payments.findById(request.params.id)) ?? refuse('payment_not_found');
      const named = body.provider;
      if (named !== undefined && named !== 'WECHAT' && named !== 'ALIPAY') {
        refuse('invalid_request', 'provider must be "WECHAT" or "ALIPAY"');
      }
      const methods = checkoutMethods(record);
      if (methods.length === 0 || methods.every((m) => m === 'CREDIT_CARD' || m === 'DEBIT_CARD')) {
        refuse('invalid_request', 'card payments are paid with verify and execute (or on the checkout page)');
      }
      // The wallet the payer names; otherwise the one the payment takes (WeChat when it takes both).
      const wechat = methods.some((m) => m === 'WECHAT_SCAN' || m === 'WECHAT_WEB' || m === 'WECHAT_IN_APP');
      const provider = named ?? (wechat ? 'WECHAT' : 'ALIPAY');
      const paid = await walletPayments.pay(record.id, provider, outcome);
      return reply.umf({ payment: await payments.present(paid) });
    });

    app.get<{ Querystring: { phone?: string; limit?: string } }>('/sandbox/sms', async (request, reply) => {
      const phone = request.query.phone?.trim();
      if (!phone) refuse('invalid_request', 'phone is required');
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
      const messages = await sandbox.smsTo(phone, limit);
      return reply.send({
        messages: messages.map((m) => ({
          phone: m.phone,
          code: m.code,
          payment_id: m.paymentId,
          sent_at: chinaTime(m.sentAt),
        })),
      });
    });
  };
}
