/**
 * The pages a person clicks through, served by the gateway itself (HTML, self-contained, strict CSP,
 * Chinese and English). Every state change is a POST carrying the page's token; errors are pages
 * (403 bad token, 404 unknown payment, 4xx with the domain's return code), never a stack trace.
 *
 * Always:
 *   GET  /checkout/{id}?t=TOKEN[&method=..]   hosted checkout (收银台): card (SMS) or wallet QR
 *   POST /checkout/{id}/card                  card form -> SMS verification code
 *   POST /checkout/{id}/pay                   SMS code -> bank debit
 *   GET  /checkout/{id}/status?t=TOKEN        {"state":"..."} for the page's polling script
 * Sandbox mode only:
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}?t=TOKEN          the wallet after scanning the QR code
 *   POST /sandbox/wallet/{wechat|alipay}/{id}/pay              outcome=success|fail
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}/result?t=TOKEN   the wallet's result page
 *   GET  /sandbox/wallet/{wechat|alipay}/{id}/qr.svg?t=TOKEN   the QR code of the wallet URL (SVG)
 *   GET  /sandbox/wechat/oauth2/authorize?appid&redirect_uri&response_type&scope&state
 *   POST /sandbox/wechat/oauth2/authorize     decision=accept -> 302 notify_url?open_id=..&state=..
 *                                             decision=deny   -> 302 notify_url?error=access_denied&state=..
 *   GET  /sandbox/wechat/jsapi?appId&timeStamp&nonceStr&package&signType&paySign[&redirect_url]
 *   POST /sandbox/wechat/jsapi                confirm -> pays, 303 to redirect_url (else ret_url)
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { PaymentService, checkoutMethods } from '../payments/payment-service.ts';
import type { PaymentRow } from '../payments/payment-view.ts';
import { issueOpenId, openIdRedirect, readOpenIdState, type OpenIdState } from '../payments/wechat-open-id.ts';
import type { WalletPayInfo, WalletProvider } from '../channels/channels.ts';
import { pageCsp, pickLang, type Lang } from '../pages/layout.ts';
import { payerMessage, t, type PayerMessage } from '../pages/i18n.ts';
import { errorPage, pathWith, type ErrorKind } from '../pages/common.ts';
import { providerSlug, walletPage, walletResultPage } from '../channels/sandbox/wallet-pages.ts';
import { authorizePage, jsapiPage, wechatErrorPage } from '../channels/sandbox/wechat-pages.ts';
import { checkoutPage, type CheckoutMethod } from './checkout-page.ts';

export const DEFAULT_SANDBOX_USER = 'Sandbox Payer';
const CHECKOUT_METHODS: readonly CheckoutMethod[] = ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN'];
const JSAPI_PARAMS = ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const;

type Query = Record<string, string | undefined>;

function nonce(): string {
  return randomBytes(16).toString('base64');
}

function sendHtml(reply: FastifyReply, status: number, body: string, scriptNonce?: string): FastifyReply {
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', pageCsp(scriptNonce))
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      // Page URLs carry their tokens: never hand them to another site in a Referer.
      .header('referrer-policy', 'no-referrer')
      .header('vary', 'Accept-Language')
      .send(body)
  );
}

function sendError(reply: FastifyReply, lang: Lang, kind: ErrorKind, detail?: string): FastifyReply {
  const page = errorPage(lang, kind, detail);
  return sendHtml(reply, page.status, page.html);
}

/** The fields of an `application/x-www-form-urlencoded` POST (the only kind our forms send). */
function formOf(request: FastifyRequest): URLSearchParams {
  return new URLSearchParams(request.rawBody ? request.rawBody.toString('utf8') : '');
}

function field(form: URLSearchParams, name: string): string {
  return (form.get(name) ?? '').trim();
}

function langOf(request: FastifyRequest, form?: URLSearchParams): Lang {
  const fromForm = form?.get('lang') ?? undefined;
  const query = (request.query as Query).lang;
  return pickLang(fromForm === 'zh' || fromForm === 'en' ? fromForm : query, request.headers['accept-language']);
}

function providerOf(slug: string): WalletProvider | undefined {
  return slug === 'wechat' ? 'WECHAT' : slug === 'alipay' ? 'ALIPAY' : undefined;
}

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

async function merchantName(ctx: GatewayContext, merchantId: string): Promise<string> {
  const row = await ctx.db.selectFrom('merchants').select('name').where('id', '=', merchantId).executeTakeFirst();
  return row?.name ?? merchantId;
}

/**
 * The WECHAT_WEB payment a prepay id belongs to (`wallet_json` holds {open_id, prepay_id, pay_info}).
 * Unpaid payments first (the `state` index narrows the search); then any, to say "already paid".
 */
export async function paymentIdByPrepayId(ctx: GatewayContext, prepayId: string): Promise<string | undefined> {
  if (!/^wx\d{14}[0-9a-f]{18}$/.test(prepayId)) return undefined;
  const needle = `%"prepay_id":"${prepayId}"%`;
  for (const unpaidOnly of [true, false]) {
    let query = ctx.db
      .selectFrom('payments')
      .select(['id', 'wallet_json'])
      .where('payment_method', '=', 'WECHAT_WEB')
      .where('wallet_json', 'like', needle);
    if (unpaidOnly) query = query.where('state', '=', 'WAIT_BUYER_PAY');
    for (const row of await query.limit(5).execute()) {
      const wallet = JSON.parse(row.wallet_json ?? '{}') as { prepay_id?: string };
      if (wallet.prepay_id === prepayId) return row.id;
    }
  }
  return undefined;
}

const QR_MARGIN = 2;

/**
 * A QR code as SVG, `pixelsPerModule` CSS pixels per module (a whole number, so that every module
 * lands on whole pixels and the code stays crisp): the SVG and its size in CSS pixels.
 */
async function qrSvg(text: string, pixelsPerModule: number): Promise<{ svg: string; size: number }> {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size + 2 * QR_MARGIN;
  const size = modules * pixelsPerModule;
  const svg = await QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: QR_MARGIN,
    width: size,
    color: { dark: '#000000', light: '#ffffff' },
  });
  return { svg, size };
}

function asUmf(error: unknown): UmfError {
  if (error instanceof UmfError) return error;
  throw error;
}

export function pageRoutes(ctx: GatewayContext, notify: () => void): FastifyPluginAsync {
  return async (app) => {
    const payments = new PaymentService(ctx, notify);

    // Pages answer errors with a page, never the API's JSON or a stack trace.
    app.setErrorHandler((error, request, reply) => {
      const lang = langOf(request);
      if (error instanceof UmfError && error.entry === RET.PAYMENT_NOT_FOUND) return sendError(reply, lang, 'notFound');
      const status = (error as { statusCode?: number }).statusCode;
      if (!(error instanceof UmfError) && status !== undefined && status >= 400 && status < 500)
        return sendError(reply, lang, 'badRequest', t(lang, 'badRequestTitle'));
      if (error instanceof UmfError && error.entry.http < 500)
        return sendError(reply, lang, 'badRequest', payerMessage(lang, error).text);
      request.log.error({ err: { message: (error as Error).message, stack: (error as Error).stack } }, 'page error');
      return sendError(reply, lang, 'error');
    });

    // ---- hosted checkout ------------------------------------------------------------------------

    type CheckoutParams = { Params: { id: string }; Querystring: Query };

    const checkoutPath = (id: string) => `/checkout/${id}`;

    async function renderCheckout(
      reply: FastifyReply,
      row: PaymentRow,
      token: string,
      lang: Lang,
      options: { method?: string | undefined; editCard?: boolean; error?: PayerMessage; status?: number },
    ): Promise<FastifyReply> {
      const methods = checkoutMethods(row).filter((m): m is CheckoutMethod =>
        (CHECKOUT_METHODS as readonly string[]).includes(m),
      );
      const wanted = options.method as CheckoutMethod | undefined;
      const selected =
        wanted && methods.includes(wanted)
          ? wanted
          : row.stage === 'sms_sent' && methods.includes(row.channel as CheckoutMethod)
            ? (row.channel as CheckoutMethod)
            : methods[0];
      let wallet: { url: string; qrDataUri: string; qrSize: number } | undefined;
      if (row.state === 'WAIT_BUYER_PAY' && (selected === 'WECHAT_SCAN' || selected === 'ALIPAY_SCAN')) {
        const url = ctx.channels.wallet.qrCodeUrl(row.id, selected === 'WECHAT_SCAN' ? 'WECHAT' : 'ALIPAY');
        const qr = await qrSvg(url, 5);
        wallet = {
          url,
          qrDataUri: `data:image/svg+xml;base64,${Buffer.from(qr.svg).toString('base64')}`,
          qrSize: qr.size,
        };
      }
      const scriptNonce = nonce();
      const base = pathWith(checkoutPath(row.id), { t: token });
      const page = checkoutPage({
        lang,
        row,
        merchantName: await merchantName(ctx, row.merchant_id),
        sandbox: ctx.config.sandbox,
        token,
        methods,
        selected,
        editCard: options.editCard ?? false,
        selfUrl: base,
        cardAction: `${checkoutPath(row.id)}/card`,
        payAction: `${checkoutPath(row.id)}/pay`,
        statusUrl: pathWith(`${checkoutPath(row.id)}/status`, { t: token }),
        wallet,
        error: options.error,
        nonce: scriptNonce,
      });
      return sendHtml(reply, options.status ?? 200, page, scriptNonce);
    }

    /** The payment of a checkout URL, or the error page already sent. */
    async function checkoutRow(
      request: FastifyRequest<CheckoutParams>,
      reply: FastifyReply,
      token: string,
      lang: Lang,
    ): Promise<PaymentRow | undefined> {
      const { id } = request.params;
      if (!ctx.pageTokens.valid('checkout', id, token)) {
        sendError(reply, lang, 'forbidden');
        return undefined;
      }
      const row = await payments.findById(id);
      if (!row) sendError(reply, lang, 'notFound');
      return row;
    }

    app.get<CheckoutParams>('/checkout/:id', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const row = await checkoutRow(request, reply, token, lang);
      if (!row) return reply;
      return renderCheckout(reply, row, token, lang, {
        method: request.query.method,
        editCard: request.query.edit === '1',
      });
    });

    app.get<CheckoutParams>('/checkout/:id/status', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!ctx.pageTokens.valid('checkout', request.params.id, request.query.t))
        return reply.code(403).send({ error: 'forbidden' });
      const row = await payments.findById(request.params.id);
      if (!row) return reply.code(404).send({ error: 'not_found' });
      return reply.send({ state: row.state });
    });

    app.post<CheckoutParams>('/checkout/:id/card', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const row = await checkoutRow(request, reply, token, lang);
      if (!row) return reply;
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
      // What a person forgot to fill in, said with the form's own labels (before the domain's checks).
      const missing: string[] = [];
      if (!input.number) missing.push(t(lang, 'cardNumber'));
      if (method === 'CREDIT_CARD' && !input.validDate) missing.push(t(lang, 'validDate'));
      if (method === 'CREDIT_CARD' && !input.cvv2) missing.push(t(lang, 'cvv2'));
      if (!input.holderName) missing.push(t(lang, 'holderName'));
      if (!input.citizenIdNumber) missing.push(t(lang, 'citizenId'));
      if (!input.phone) missing.push(t(lang, 'phone'));
      if (missing.length > 0) {
        const error = {
          code: RET.VALIDATION.code,
          text: t(lang, 'fieldRequired', { fields: missing.join(lang === 'zh' ? '、' : ', ') }),
        };
        return renderCheckout(reply, row, token, lang, { method, editCard: true, error, status: 400 });
      }
      try {
        await payments.checkoutSendCode(row.id, input);
      } catch (error) {
        const umf = asUmf(error);
        const current = (await payments.findById(row.id)) ?? row;
        return renderCheckout(reply, current, token, lang, {
          method,
          editCard: true,
          error: payerMessage(lang, umf),
          status: umf.entry.http,
        });
      }
      return reply.redirect(pathWith(checkoutPath(row.id), { t: token, method, lang }), 303);
    });

    app.post<CheckoutParams>('/checkout/:id/pay', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const row = await checkoutRow(request, reply, token, lang);
      if (!row) return reply;
      const method = field(form, 'method') || undefined;
      try {
        await payments.checkoutExecute(row.id, field(form, 'sms_code'));
      } catch (error) {
        const umf = asUmf(error);
        const current = (await payments.findById(row.id)) ?? row;
        return renderCheckout(reply, current, token, lang, {
          method,
          error: payerMessage(lang, umf),
          status: umf.entry.http,
        });
      }
      return reply.redirect(pathWith(checkoutPath(row.id), { t: token, ...(method ? { method } : {}), lang }), 303);
    });

    if (!ctx.config.sandbox) return;

    // ---- sandbox wallet -----------------------------------------------------------------------------

    type WalletParams = { Params: { provider: string; id: string }; Querystring: Query };

    const walletPath = (provider: WalletProvider, id: string) => `/sandbox/wallet/${providerSlug(provider)}/${id}`;

    /** The provider and payment of a wallet URL, or the error page already sent. */
    async function walletRow(
      request: FastifyRequest<WalletParams>,
      reply: FastifyReply,
      token: string,
      lang: Lang,
    ): Promise<{ provider: WalletProvider; row: PaymentRow } | undefined> {
      const provider = providerOf(request.params.provider);
      if (!provider) {
        sendError(reply, lang, 'pageNotFound');
        return undefined;
      }
      if (!ctx.pageTokens.valid(`wallet-${provider}`, request.params.id, token)) {
        sendError(reply, lang, 'forbidden');
        return undefined;
      }
      const row = await payments.findById(request.params.id);
      if (!row) {
        sendError(reply, lang, 'notFound');
        return undefined;
      }
      return { provider, row };
    }

    function walletTakes(row: PaymentRow, provider: WalletProvider): boolean {
      const methods = checkoutMethods(row);
      return provider === 'ALIPAY'
        ? methods.includes('ALIPAY_SCAN')
        : methods.some((m) => m === 'WECHAT_SCAN' || m === 'WECHAT_WEB' || m === 'WECHAT_IN_APP');
    }

    async function renderWallet(
      reply: FastifyReply,
      provider: WalletProvider,
      row: PaymentRow,
      token: string,
      lang: Lang,
      error?: PayerMessage,
      status = 200,
    ): Promise<FastifyReply> {
      const scriptNonce = nonce();
      const page = walletPage({
        lang,
        provider,
        row,
        merchantName: await merchantName(ctx, row.merchant_id),
        token,
        selfUrl: pathWith(walletPath(provider, row.id), { t: token }),
        payAction: `${walletPath(provider, row.id)}/pay`,
        error,
        wrongWallet: !walletTakes(row, provider),
        nonce: scriptNonce,
      });
      return sendHtml(reply, status, page, scriptNonce);
    }

    app.get<WalletParams>('/sandbox/wallet/:provider/:id', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await walletRow(request, reply, token, lang);
      if (!found) return reply;
      return renderWallet(reply, found.provider, found.row, token, lang);
    });

    app.post<WalletParams>('/sandbox/wallet/:provider/:id/pay', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const found = await walletRow(request, reply, token, lang);
      if (!found) return reply;
      const outcome = field(form, 'outcome') === 'fail' ? 'fail' : 'success';
      try {
        await payments.payByWallet(found.row.id, found.provider, outcome);
      } catch (error) {
        const umf = asUmf(error);
        const current = (await payments.findById(found.row.id)) ?? found.row;
        return renderWallet(reply, found.provider, current, token, lang, payerMessage(lang, umf), umf.entry.http);
      }
      return reply.redirect(pathWith(`${walletPath(found.provider, found.row.id)}/result`, { t: token, lang }), 303);
    });

    app.get<WalletParams>('/sandbox/wallet/:provider/:id/result', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await walletRow(request, reply, token, lang);
      if (!found) return reply;
      const { provider, row } = found;
      if (row.state === 'WAIT_BUYER_PAY')
        return reply.redirect(pathWith(walletPath(provider, row.id), { t: token, lang }), 303);
      const page = walletResultPage({
        lang,
        provider,
        row,
        merchantName: await merchantName(ctx, row.merchant_id),
        selfUrl: pathWith(`${walletPath(provider, row.id)}/result`, { t: token }),
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
      if (!ctx.pageTokens.valid(`wallet-${provider}`, request.params.id, request.query.t))
        return plain(403, 'forbidden: the token does not match this payment');
      const row = await payments.findById(request.params.id);
      if (!row) return plain(404, 'payment not found');
      const { svg } = await qrSvg(ctx.channels.wallet.qrCodeUrl(row.id, provider), 8);
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=300')
        .send(svg);
    });

    // ---- sandbox WeChat: official-account authorisation (open_id) ---------------------------------

    const AUTHORIZE_PATH = '/sandbox/wechat/oauth2/authorize';

    function readState(state: unknown): OpenIdState | undefined {
      try {
        return readOpenIdState(ctx, state);
      } catch (error) {
        if (error instanceof UmfError || error instanceof SyntaxError) return undefined;
        throw error;
      }
    }

    function appIdOk(appId: string | undefined): boolean {
      const expected = (ctx.channels.wallet as { appId?: unknown }).appId;
      return appId === undefined || typeof expected !== 'string' || appId === expected;
    }

    app.get<{ Querystring: Query }>(AUTHORIZE_PATH, async (request, reply) => {
      const lang = langOf(request);
      const { state, redirect_uri: redirectUri, appid } = request.query;
      const { lang: _lang, ...rest } = request.query;
      const selfUrl = pathWith(AUTHORIZE_PATH, rest);
      const parsed = readState(state);
      if (!parsed || !appIdOk(appid))
        return sendHtml(reply, 403, wechatErrorPage(lang, 'authTitle', t(lang, 'authBadState'), selfUrl));
      if (redirectUri !== undefined && redirectUri !== parsed.notifyUrl)
        return sendHtml(reply, 403, wechatErrorPage(lang, 'authTitle', t(lang, 'authBadRedirect'), selfUrl));
      const scriptNonce = nonce();
      const page = authorizePage({
        lang,
        merchantName: await merchantName(ctx, parsed.merchantId),
        state: state!,
        action: AUTHORIZE_PATH,
        selfUrl,
        userName: DEFAULT_SANDBOX_USER,
        nonce: scriptNonce,
      });
      return sendHtml(reply, 200, page, scriptNonce);
    });

    app.post(AUTHORIZE_PATH, async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const state = field(form, 'state');
      const parsed = readState(state);
      if (!parsed) return sendHtml(reply, 403, wechatErrorPage(lang, 'authTitle', t(lang, 'authBadState')));
      if (field(form, 'decision') === 'deny') {
        // Denied: back to the merchant without an open_id, the way OAuth says so.
        const url = new URL(parsed.notifyUrl);
        url.searchParams.set('error', 'access_denied');
        url.searchParams.set('state', state);
        return reply.redirect(url.toString(), 302);
      }
      const userName =
        Array.from(field(form, 'user_name').replace(/\s+/g, ' ')).slice(0, 64).join('') || DEFAULT_SANDBOX_USER;
      const openId = await issueOpenId(ctx, parsed.merchantId, userName);
      return reply.redirect(openIdRedirect(parsed.notifyUrl, openId, state), 302);
    });

    // ---- sandbox WeChat browser: the JS-API payment sheet ------------------------------------------

    const JSAPI_PATH = '/sandbox/wechat/jsapi';

    function jsapiParams(
      source: (name: string) => string | undefined,
    ): { params: Record<string, string>; info: WalletPayInfo; redirectUrl: string | undefined } | undefined {
      const params: Record<string, string> = {};
      for (const name of JSAPI_PARAMS) {
        const value = source(name);
        if (!value) return undefined;
        params[name] = value;
      }
      const redirect = source('redirect_url');
      if (redirect) params.redirect_url = redirect;
      const info: WalletPayInfo = {
        app_id: params.appId!,
        time_stamp: params.timeStamp!,
        nonce_str: params.nonceStr!,
        package: params.package!,
        sign_type: params.signType as 'MD5',
        pay_sign: params.paySign!,
      };
      return { params, info, redirectUrl: httpUrl(redirect) };
    }

    type JsapiResult =
      | { kind: 'ok'; row: PaymentRow; params: Record<string, string>; redirectUrl: string | undefined }
      | { kind: 'error'; status: number; message: string };

    async function jsapiPayment(lang: Lang, source: (name: string) => string | undefined): Promise<JsapiResult> {
      const parsed = jsapiParams(source);
      if (!parsed)
        return { kind: 'error', status: 400, message: `${t(lang, 'badRequestTitle')}: ${JSAPI_PARAMS.join(', ')}` };
      // Like the WeChat client: the signature first, and nothing is paid when it does not match.
      if (parsed.info.sign_type !== 'MD5' || !ctx.channels.wallet.payInfoValid(parsed.info))
        return { kind: 'error', status: 403, message: t(lang, 'badPaySign') };
      const prepayId = /^prepay_id=(.+)$/.exec(parsed.info.package)?.[1];
      const id = prepayId ? await paymentIdByPrepayId(ctx, prepayId) : undefined;
      const row = id ? await payments.findById(id) : undefined;
      if (!row) return { kind: 'error', status: 404, message: t(lang, 'badPrepay') };
      return { kind: 'ok', row, params: parsed.params, redirectUrl: parsed.redirectUrl };
    }

    async function renderJsapi(
      reply: FastifyReply,
      lang: Lang,
      found: Extract<JsapiResult, { kind: 'ok' }>,
      error?: PayerMessage,
      status = 200,
    ): Promise<FastifyReply> {
      const { row } = found;
      const wallet = JSON.parse(row.wallet_json ?? '{}') as { open_id?: string };
      const payer = wallet.open_id
        ? await ctx.db
            .selectFrom('wechat_open_ids')
            .select('user_name')
            .where('open_id', '=', wallet.open_id)
            .executeTakeFirst()
        : undefined;
      const scriptNonce = nonce();
      const page = jsapiPage({
        lang,
        row,
        merchantName: await merchantName(ctx, row.merchant_id),
        payerName: payer?.user_name,
        params: found.params,
        action: JSAPI_PATH,
        cancelUrl: found.redirectUrl ?? row.ret_url ?? undefined,
        selfUrl: pathWith(JSAPI_PATH, found.params),
        nonce: scriptNonce,
        error,
      });
      return sendHtml(reply, status, page, scriptNonce);
    }

    app.get<{ Querystring: Query }>(JSAPI_PATH, async (request, reply) => {
      const lang = langOf(request);
      const found = await jsapiPayment(lang, (name) => request.query[name]);
      if (found.kind === 'error') {
        const { lang: _lang, ...rest } = request.query;
        return sendHtml(
          reply,
          found.status,
          wechatErrorPage(lang, 'wechatPay', found.message, pathWith(JSAPI_PATH, rest)),
        );
      }
      return renderJsapi(reply, lang, found);
    });

    app.post(JSAPI_PATH, async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const found = await jsapiPayment(lang, (name) => form.get(name) ?? undefined);
      if (found.kind === 'error')
        return sendHtml(reply, found.status, wechatErrorPage(lang, 'wechatPay', found.message));
      try {
        await payments.payByWallet(found.row.id, 'WECHAT', 'success');
      } catch (error) {
        const umf = asUmf(error);
        const current = (await payments.findById(found.row.id)) ?? found.row;
        return renderJsapi(reply, lang, { ...found, row: current }, payerMessage(lang, umf), umf.entry.http);
      }
      const target =
        found.redirectUrl ??
        found.row.ret_url ??
        pathWith(`${walletPath('WECHAT', found.row.id)}/result`, {
          t: ctx.pageTokens.token('wallet-WECHAT', found.row.id),
          lang,
        });
      return reply.redirect(target, 303);
    });
  };
}
