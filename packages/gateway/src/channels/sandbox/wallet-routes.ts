/**
 * The sandbox wallets' pages (sandbox mode only): what the payer's WeChat or Alipay shows after
 * scanning a payment's QR code. Every state change is a POST carrying the page's token; a token that
 * outlived its payment (crypto/page-tokens.ts) gets the "link expired" page (410). Every redirect is
 * to these pages themselves.
 *
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}?t=TOKEN          the wallet after scanning the QR code
 *   POST /sandbox/wallet/{wechat|alipay}/{id}/pay              outcome=success|fail
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}/result?t=TOKEN   the wallet's result page
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}/qr.svg?t=TOKEN   the QR code of the wallet URL (SVG)
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { PageLinkRefusal, PageTokens } from '../../crypto/page-tokens.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { WalletPaymentService } from '../../payments/wallet-payment-service.ts';
import { walletTakes } from '../../payments/checkout-methods.ts';
import type { MerchantService } from '../../merchants/merchant-service.ts';
import type { Lang } from '../../pages/layout.ts';
import type { PayerMessage } from '../../pages/i18n.ts';
import { pathWith } from '../../pages/common.ts';
import {
  answerErrorsWithPages,
  field,
  formOf,
  langOf,
  nonce,
  qrSvg,
  refusalOf,
  sendError,
  sendHtml,
  type Query,
} from '../../pages/page-kit.ts';
import type { WalletChannel, WalletProvider } from '../channels.ts';
import { providerOf, walletPage, walletPath, walletResultPage } from './wallet-pages.ts';

export interface WalletRoutesDeps {
  readonly payments: PaymentService;
  readonly walletPayments: WalletPaymentService;
  readonly merchants: MerchantService;
  readonly wallet: WalletChannel;
  readonly pageTokens: PageTokens;
  /** The time (the gateway's clock): page tokens expire with their payment. */
  readonly now: () => number;
}

type WalletParams = { Params: { provider: string; id: string }; Querystring: Query };

/** The QR image's answers (plain text) to a link that opens nothing. */
const QR_REFUSALS: Readonly<Record<PageLinkRefusal, readonly [number, string]>> = {
  forbidden: [403, 'forbidden: the token does not match this payment'],
  notFound: [404, 'payment not found'],
  expired: [410, 'gone: this link expired with its payment'],
};

export function walletRoutes(deps: WalletRoutesDeps): FastifyPluginAsync {
  const { payments, walletPayments, merchants, wallet, pageTokens, now } = deps;
  const findPayment = (id: string) => payments.findById(id);
  return async (app) => {
    answerErrorsWithPages(app);

    /** The provider and payment of a wallet URL, or the error page already sent. */
    async function walletPayment(
      request: FastifyRequest<WalletParams>,
      reply: FastifyReply,
      token: string,
      lang: Lang,
    ): Promise<{ provider: WalletProvider; record: PaymentRecord } | undefined> {
      const provider = providerOf(request.params.provider);
      if (!provider) {
        sendError(reply, lang, 'pageNotFound');
        return undefined;
      }
      const opened = await pageTokens.openPayment(`wallet-${provider}`, request.params.id, token, findPayment, now());
      if ('refused' in opened) {
        sendError(reply, lang, opened.refused);
        return undefined;
      }
      return { provider, record: opened.record };
    }

    async function renderWallet(
      reply: FastifyReply,
      provider: WalletProvider,
      record: PaymentRecord,
      token: string,
      lang: Lang,
      error?: PayerMessage,
      status = 200,
    ): Promise<FastifyReply> {
      const scriptNonce = nonce();
      const page = walletPage({
        lang,
        provider,
        row: record,
        merchantName: await merchants.nameOf(record.merchant_id),
        token,
        selfUrl: pathWith(walletPath(provider, record.id), { t: token }),
        payAction: `${walletPath(provider, record.id)}/pay`,
        error,
        wrongWallet: !walletTakes(record, provider),
        nonce: scriptNonce,
      });
      return sendHtml(reply, status, page, scriptNonce);
    }

    app.get<WalletParams>('/sandbox/wallet/:provider/:id', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await walletPayment(request, reply, token, lang);
      if (!found) return reply;
      return renderWallet(reply, found.provider, found.record, token, lang);
    });

    app.post<WalletParams>('/sandbox/wallet/:provider/:id/pay', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const found = await walletPayment(request, reply, token, lang);
      if (!found) return reply;
      const outcome = field(form, 'outcome') === 'fail' ? 'fail' : 'success';
      try {
        await walletPayments.pay(found.record.id, found.provider, outcome);
      } catch (error) {
        const refusal = refusalOf(lang, error);
        const current = (await payments.findById(found.record.id)) ?? found.record;
        return renderWallet(reply, found.provider, current, token, lang, refusal.message, refusal.status);
      }
      const result = `${walletPath(found.provider, found.record.id)}/result`;
      return reply.redirect(pathWith(result, { t: token, lang }), 303);
    });

    app.get<WalletParams>('/sandbox/wallet/:provider/:id/result', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await walletPayment(request, reply, token, lang);
      if (!found) return reply;
      const { provider, record } = found;
      if (record.state === 'WAIT_BUYER_PAY') {
        return reply.redirect(pathWith(walletPath(provider, record.id), { t: token, lang }), 303);
      }
      const page = walletResultPage({
        lang,
        provider,
        row: record,
        merchantName: await merchants.nameOf(record.merchant_id),
        selfUrl: pathWith(`${walletPath(provider, record.id)}/result`, { t: token }),
      });
      return sendHtml(reply, 200, page);
    });

    app.get<WalletParams>('/sandbox/wallet/:provider/:id/qr.svg', async (request, reply) => {
      const provider = providerOf(request.params.provider);
      const plain = (status: number, text: string) =>
        reply
          .code(status)
          .header('content-type', 'text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(text);
      if (!provider) return plain(404, 'not found');
      const { id } = request.params;
      const opened = await pageTokens.openPayment(`wallet-${provider}`, id, request.query.t, findPayment, now());
      if ('refused' in opened) return plain(...QR_REFUSALS[opened.refused]);
      const { svg } = await qrSvg(wallet.qrCodeUrl(opened.record.id, provider), 8);
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=300')
        .send(svg);
    });
  };
}
