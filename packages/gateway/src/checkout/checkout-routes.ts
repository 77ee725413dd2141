/**
 * The hosted checkout (收银台), served by the gateway itself in every mode (HTML, self-contained,
 * strict CSP, Chinese and English). Every state change is a POST carrying the page's token; errors
 * are pages (403 bad token, 404 unknown payment, 410 a token that outlived its payment
 * (crypto/page-tokens.ts), 4xx with the domain's return code). Every answer is on this gateway (303
 * to the page itself); the way back to ret_url is a link (and a meta refresh) on the result page.
 *
 *   GET  /checkout/{id}?t=TOKEN[&method=..]   card (SMS) or wallet QR
 *   POST /checkout/{id}/card                  card form -> SMS verification code
 *   POST /checkout/{id}/pay                   SMS code -> bank debit
 *   GET  /checkout/{id}/status?t=TOKEN        {"state":"..."} for the page's polling script
 *
 * A refusal of the card form answers the form again with what the buyer typed, but the CVV2
 * (checkout-page.ts says why that is safe). In sandbox mode the page explains the test values and,
 * once a code is sent, shows it (`sandboxInbox`: given by app.ts only when the sandbox SMS gateway
 * is the one sending the codes; a live gateway has none). The code goes to whoever holds this
 * payment's checkout link, i.e. the payer the SMS is for, and only this payment's newest code: the
 * listing of every code sent to a phone stays behind the sandbox endpoints' access rule.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import type { PageLinkRefusal, PageTokens } from '../crypto/page-tokens.ts';
import type { WalletChannel } from '../channels/channels.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { CardPaymentService } from '../payments/card-payment-service.ts';
import { checkoutMethods, onlineBankingChoices } from '../payments/checkout-methods.ts';
import { onlineBankingOf } from '../payments/payment-record.ts';
import type { OnlineBankingOrder } from '../channels/channels.ts';
import { onlineBankingCheckoutPage } from './online-banking-page.ts';
import type { MerchantService } from '../merchants/merchant-service.ts';
import type { Lang } from '../pages/layout.ts';
import { t, type PayerMessage } from '../pages/i18n.ts';
import { pathWith } from '../pages/common.ts';
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
} from '../pages/page-kit.ts';
import {
  CARD_FIELD_LABELS,
  checkoutPage,
  fieldOfRefusal,
  type CardField,
  type CheckoutMethod,
  type SandboxSmsShown,
  type TypedCard,
} from './checkout-page.ts';

const CHECKOUT_METHODS: readonly CheckoutMethod[] = ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN'];

export interface CheckoutRoutesDeps {
  readonly payments: PaymentService;
  readonly cards: CardPaymentService;
  readonly merchants: MerchantService;
  readonly wallet: WalletChannel;
  readonly pageTokens: PageTokens;
  /** The time (the gateway's clock): page tokens expire with their payment. */
  readonly now: () => number;
  /** Sandbox mode: the page explains the test values. */
  readonly sandbox: boolean;
  /**
   * Sandbox mode only: the newest message of the sandbox SMS inbox about a payment, sent to a phone
   * (the code step shows its code). Undefined in live mode, and when a connector sends the SMS.
   */
  /** The online-banking page of a bank for a payment (the corporate bank channel's). */
  readonly bankPageUrl: (order: OnlineBankingOrder) => string;
  readonly sandboxInbox?:
    | ((paymentId: string, phone: string) => Promise<{ readonly code: string; readonly sentAt: number } | undefined>)
    | undefined;
}

type RenderOptions = {
  method?: string | undefined;
  editCard?: boolean;
  error?: PayerMessage;
  status?: number;
  typed?: TypedCard;
  invalid?: readonly CardField[];
};

type CheckoutParams = { Params: { id: string }; Querystring: Query };

const checkoutPath = (id: string) => `/checkout/${id}`;

/** The status poll's answers to a link that opens nothing (JSON: the page's script reads them). */
const STATUS_REFUSALS: Readonly<Record<PageLinkRefusal, readonly [number, string]>> = {
  forbidden: [403, 'forbidden'],
  notFound: [404, 'not_found'],
  expired: [410, 'expired'],
};

export function checkoutRoutes(deps: CheckoutRoutesDeps): FastifyPluginAsync {
  const { payments, cards, merchants, wallet, pageTokens, now } = deps;
  const findPayment = (id: string) => payments.findById(id);
  return async (app) => {
    answerErrorsWithPages(app);

    async function renderCheckout(
      reply: FastifyReply,
      record: PaymentRecord,
      token: string,
      lang: Lang,
      options: RenderOptions,
    ): Promise<FastifyReply> {
      const online = onlineBankingOf(record);
      if (online) {
        // A company pays in its bank's online banking: the bank's page, chosen here.
        const banks = onlineBankingChoices(record).map((bank) => ({
          bank,
          url: deps.bankPageUrl({ paymentId: record.id, bankCode: bank.code, kind: online }),
        }));
        const page = onlineBankingCheckoutPage({
          lang,
          row: record,
          merchantName: await merchants.nameOf(record.merchant_id),
          selfUrl: pathWith(checkoutPath(record.id), { t: token }),
          banks,
        });
        return sendHtml(reply, options.status ?? 200, page);
      }
      const methods = checkoutMethods(record).filter((m): m is CheckoutMethod =>
        (CHECKOUT_METHODS as readonly string[]).includes(m),
      );
      const wanted = options.method as CheckoutMethod | undefined;
      const chosen = record.stage === 'sms_sent' && methods.includes(record.channel as CheckoutMethod);
      const selected =
        wanted && methods.includes(wanted) ? wanted : chosen ? (record.channel as CheckoutMethod) : methods[0];
      let qr: { url: string; qrDataUri: string; qrSize: number } | undefined;
      if (record.state === 'WAIT_BUYER_PAY' && (selected === 'WECHAT_SCAN' || selected === 'ALIPAY_SCAN')) {
        const url = wallet.qrCodeUrl(record.id, selected === 'WECHAT_SCAN' ? 'WECHAT' : 'ALIPAY');
        const code = await qrSvg(url, 5);
        qr = {
          url,
          qrDataUri: `data:image/svg+xml;base64,${Buffer.from(code.svg).toString('base64')}`,
          qrSize: code.size,
        };
      }
      const scriptNonce = nonce();
      const sandboxSms = await sandboxSmsOf(record);
      const page = checkoutPage({
        lang,
        row: record,
        merchantName: await merchants.nameOf(record.merchant_id),
        sandbox: deps.sandbox,
        token,
        methods,
        selected,
        editCard: options.editCard ?? false,
        selfUrl: pathWith(checkoutPath(record.id), { t: token }),
        cardAction: `${checkoutPath(record.id)}/card`,
        payAction: `${checkoutPath(record.id)}/pay`,
        statusUrl: pathWith(`${checkoutPath(record.id)}/status`, { t: token }),
        wallet: qr,
        error: options.error,
        typed: options.typed,
        invalid: options.invalid,
        sandboxSms,
        nonce: scriptNonce,
      });
      return sendHtml(reply, options.status ?? 200, page, scriptNonce);
    }

    /** Sandbox mode, a code sent: this payment's newest code, from the sandbox SMS inbox (never in live mode). */
    async function sandboxSmsOf(record: PaymentRecord): Promise<SandboxSmsShown | undefined> {
      if (!deps.sandbox || !deps.sandboxInbox || record.stage !== 'sms_sent' || !record.phone) return undefined;
      const sms = await deps.sandboxInbox(record.id, record.phone);
      if (!sms) return undefined;
      const expired = record.sms_code_expires_at !== null && record.sms_code_expires_at <= now();
      return { phone: record.phone, code: sms.code, sentAt: sms.sentAt, expired };
    }

    /** The payment of a checkout URL, or the error page already sent. */
    async function checkoutPayment(
      request: FastifyRequest<CheckoutParams>,
      reply: FastifyReply,
      token: string,
      lang: Lang,
    ): Promise<PaymentRecord | undefined> {
      const opened = await pageTokens.openPayment('checkout', request.params.id, token, findPayment, now());
      if ('refused' in opened) {
        sendError(reply, lang, opened.refused);
        return undefined;
      }
      return opened.record;
    }

    /** After a refusal: the page again, with the payer's message and the refusal's status. */
    async function refused(
      reply: FastifyReply,
      record: PaymentRecord,
      token: string,
      lang: Lang,
      error: unknown,
      more: RenderOptions = {},
    ) {
      const refusal = refusalOf(lang, error);
      const current = (await payments.findById(record.id)) ?? record;
      return renderCheckout(reply, current, token, lang, { ...more, error: refusal.message, status: refusal.status });
    }

    app.get<CheckoutParams>('/checkout/:id', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const record = await checkoutPayment(request, reply, token, lang);
      if (!record) return reply;
      return renderCheckout(reply, record, token, lang, {
        method: request.query.method,
        editCard: request.query.edit === '1',
      });
    });

    app.get<CheckoutParams>('/checkout/:id/status', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const opened = await pageTokens.openPayment('checkout', request.params.id, request.query.t, findPayment, now());
      if ('refused' in opened) {
        const [status, error] = STATUS_REFUSALS[opened.refused];
        return reply.code(status).send({ error });
      }
      return reply.send({ state: opened.record.state });
    });

    app.post<CheckoutParams>('/checkout/:id/card', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const record = await checkoutPayment(request, reply, token, lang);
      if (!record) return reply;
      const method = field(form, 'method') === 'DEBIT_CARD' ? 'DEBIT_CARD' : 'CREDIT_CARD';
      const input = {
        cardType: method,
        number: field(form, 'card_number').replace(/[\s-]/g, ''),
        validDate: field(form, 'valid_date') || undefined,
        cvv2: field(form, 'cvv2') || undefined,
        holderName: field(form, 'holder_name'),
        citizenIdNumber: field(form, 'citizen_id'),
        phone: field(form, 'phone'),
      } as const;
      // What the buyer typed, for the form after a refusal: every field as typed, never the CVV2.
      const typed: TypedCard = {
        card_number: field(form, 'card_number'),
        valid_date: field(form, 'valid_date'),
        holder_name: input.holderName,
        citizen_id: input.citizenIdNumber,
        phone: input.phone,
      };
      // What a person forgot to fill in, said with the form's own labels (before the domain's checks).
      const missing: CardField[] = [];
      if (!input.number) missing.push('card_number');
      if (method === 'CREDIT_CARD' && !input.validDate) missing.push('valid_date');
      if (method === 'CREDIT_CARD' && !input.cvv2) missing.push('cvv2');
      if (!input.holderName) missing.push('holder_name');
      if (!input.citizenIdNumber) missing.push('citizen_id');
      if (!input.phone) missing.push('phone');
      if (missing.length > 0) {
        const labels = missing.map((name) => t(lang, CARD_FIELD_LABELS[name]));
        const error = {
          code: RET.VALIDATION.code,
          text: t(lang, 'fieldRequired', { fields: labels.join(lang === 'zh' ? '、' : ', ') }),
        };
        return renderCheckout(reply, record, token, lang, {
          method,
          editCard: true,
          error,
          status: 400,
          typed,
          invalid: missing,
        });
      }
      try {
        await cards.checkoutSendCode(record.id, input);
      } catch (error) {
        const code = refusalOf(lang, error).message.code;
        const invalid = fieldOfRefusal(code, method);
        return refused(reply, record, token, lang, error, {
          method,
          editCard: true,
          typed,
          ...(invalid ? { invalid: [invalid] } : {}),
        });
      }
      return reply.redirect(pathWith(checkoutPath(record.id), { t: token, method, lang }), 303);
    });

    app.post<CheckoutParams>('/checkout/:id/pay', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const record = await checkoutPayment(request, reply, token, lang);
      if (!record) return reply;
      const method = field(form, 'method') || undefined;
      try {
        await cards.checkoutExecute(record.id, field(form, 'sms_code'));
      } catch (error) {
        return refused(reply, record, token, lang, error, { method });
      }
      return reply.redirect(pathWith(checkoutPath(record.id), { t: token, ...(method ? { method } : {}), lang }), 303);
    });
  };
}
