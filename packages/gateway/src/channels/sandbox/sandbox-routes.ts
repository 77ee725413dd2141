/**
 * The sandbox's JSON endpoints (sandbox mode only; PRODUCT.md "Sandbox"): what the outside parties
 * would show or do for a person.
 *
 *   GET  /sandbox/sms?phone=PHONE          the SMS messages the platform "sent", newest first
 *   POST /sandbox/payments/{id}/pay        {"outcome":"success"|"fail"[,"provider":"WECHAT"|"ALIPAY"]}:
 *                                          what the payer does on the wallet, WeChat or checkout page,
 *                                          or at the online bank (B2B and personal online banking: the
 *                                          payer's main sandbox account pays; the answer waits for the
 *                                          bank's result to reach the platform)
 *
 * Who may call them (config/gateway-config.ts SandboxAccess): a loopback caller, as PRODUCT.md says;
 * any other caller only with its merchant's bearer token (00280703 without one), and then only about
 * that merchant's payments (another's is 00060760, its SMS are not listed); anybody when the gateway
 * was started with UMF_SANDBOX_PUBLIC=1. A request that carries a proxy's Forwarded, X-Forwarded-For
 * or X-Real-IP header is not a loopback caller, even from 127.0.0.1.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { refuse } from '../../errors/domain-error.ts';
import { RET, UmfError } from '../../errors/catalogue.ts';
import { bearerToken, type TokenResolver } from '../../http/authenticate.ts';
import type { Merchant } from '../../merchants/merchant.ts';
import { parseJsonObject } from '../../http/request-json.ts';
import { chinaTime } from '../../time/china-time.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { WalletPaymentService } from '../../payments/wallet-payment-service.ts';
import { checkoutMethods } from '../../payments/checkout-methods.ts';
import type { SandboxRepository } from './sandbox-repository.ts';
import { onlineBankingOf, type PaymentRecord } from '../../payments/payment-record.ts';
import { ONLINE_BANKING_BANKS } from '../../reference/banks.ts';
import type { SandboxCorporateBank } from './sandbox-corporate-bank.ts';
import { payerAccounts } from './sandbox-corporate-bank.ts';

export interface SandboxRoutesDeps {
  readonly payments: PaymentService;
  readonly walletPayments: WalletPaymentService;
  readonly sandbox: SandboxRepository;
  /** Open to every caller (UMF_SANDBOX_PUBLIC=1); otherwise a caller that is not loopback needs a token. */
  readonly open: boolean;
  /** Who holds a bearer token (the oauth service). */
  readonly holderOf: TokenResolver;
  /** The sandbox online bank (online-banking payments); absent when a connector plays the banks. */
  readonly corporateBank?: SandboxCorporateBank | undefined;
  /** The gateway's clock. */
  readonly now: () => number;
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/** A caller on this machine: a loopback peer address and no proxy's forwarding header. */
export function loopbackCaller(request: FastifyRequest): boolean {
  if (PROXY_HEADERS.some((name) => request.headers[name] !== undefined)) return false;
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

export function sandboxRoutes(deps: SandboxRoutesDeps): FastifyPluginAsync {
  const { payments, walletPayments, sandbox, open, holderOf, corporateBank, now } = deps;

  /** The payer pays (or gives up) at the online bank, as on its page; the payment once the platform knows. */
  async function payAtBank(record: PaymentRecord, outcome: 'success' | 'fail'): Promise<PaymentRecord> {
    if (!corporateBank) refuse('invalid_request', 'online-banking payments are paid at the bank of the connector');
    await payments.openForPayer(record.id); // paid, closed, failed or expired: refused as for a wallet
    const bankCode = record.bank_code ?? ONLINE_BANKING_BANKS[0]!.code;
    if (outcome === 'fail') {
      await corporateBank.decline(record.id, bankCode, now());
    } else {
      const paid = await corporateBank.pay({
        paymentId: record.id,
        bankCode,
        account: payerAccounts(record)[0]!,
        amountFen: record.total_cny_minor,
        now: now(),
      });
      if (paid.outcome === 'insufficient_funds') refuse('insufficient_funds');
      await paid.delivered;
    }
    return (await payments.findById(record.id)) ?? refuse('payment_not_found');
  }

  /** The merchant a caller beyond loopback acts as (its bearer token), or undefined for an open caller. */
  async function callerMerchant(request: FastifyRequest): Promise<Merchant | undefined> {
    if (open || loopbackCaller(request)) return undefined;
    const token = bearerToken(request);
    if (!token) {
      throw new UmfError(
        RET.TOKEN_INVALID,
        'the sandbox endpoints need Authorization: Bearer <access_token> from callers beyond loopback',
      );
    }
    return (await holderOf(token, false)).merchant;
  }

  return async (app) => {
    app.post<{ Params: { id: string } }>('/sandbox/payments/:id/pay', async (request, reply) => {
      const merchant = await callerMerchant(request);
      const body = parseJsonObject(request.rawBody);
      const outcome = body.outcome === undefined ? 'success' : body.outcome;
      if (outcome !== 'success' && outcome !== 'fail') refuse('invalid_request', 'outcome must be "success" or "fail"');
      const record = merchant
        ? await payments.get(merchant, request.params.id)
        : ((await payments.findById(request.params.id)) ?? refuse('payment_not_found'));
      if (onlineBankingOf(record)) {
        return reply.umf({ payment: await payments.present(await payAtBank(record, outcome)) });
      }
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
      const merchant = await callerMerchant(request);
      const phone = request.query.phone?.trim();
      if (!phone) refuse('invalid_request', 'phone is required');
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
      const messages = await sandbox.smsTo(phone, limit, merchant?.id);
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
