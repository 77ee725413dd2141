/**
 * The sandbox WeChat's pages (sandbox mode only): the official-account authorisation that yields a
 * payer's open_id (reference 3.15), and the WeChat browser's JS-API payment sheet (reference 2.4).
 *
 *   GET  /sandbox/wechat/oauth2/authorize?appid&redirect_uri&response_type&scope&state
 *   POST /sandbox/wechat/oauth2/authorize     decision=accept -> 302 notify_url?open_id=..&state=..
 *                                             decision=deny   -> 302 notify_url?error=access_denied&state=..
 *   GET  /sandbox/wechat/jsapi?appId&timeStamp&nonceStr&package&signType&paySign[&redirect_url]
 *   POST /sandbox/wechat/jsapi                confirm -> pays, 303 to the payment's ret_url
 *
 * Redirects go only where the merchant said in a signed request or the platform signed: notify_url
 * is in the platform-signed state; the JS-API sheet goes back to the payment's ret_url (the merchant's
 * signed create request), and redirect_url, which no signature covers, is accepted only when it is
 * that ret_url: another http(s) URL is refused with a page and nothing is paid (one that is no http(s)
 * URL at all is ignored). Each page's CSP lets its form go to that one origin besides ours
 * (`form-action`, which browsers apply to the redirect after the submission too). The sheet of a
 * payment past its expiry and PAGE_TOKEN_GRACE_MS is the "link expired" page (410).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DomainError } from '../../errors/domain-error.ts';
import { pageTokenExpired, type PageTokens } from '../../crypto/page-tokens.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { WalletPaymentService } from '../../payments/wallet-payment-service.ts';
import { openIdRedirect, type OpenIdService, type OpenIdState } from '../../payments/wechat-open-id.ts';
import type { OpenIdRepository } from '../../payments/open-id-repository.ts';
import type { MerchantService } from '../../merchants/merchant-service.ts';
import type { Lang } from '../../pages/layout.ts';
import { t, type PayerMessage } from '../../pages/i18n.ts';
import { pathWith } from '../../pages/common.ts';
import {
  answerErrorsWithPages,
  field,
  formOf,
  langOf,
  nonce,
  refusalOf,
  sendHtml,
  type Query,
} from '../../pages/page-kit.ts';
import type { WalletPayInfo } from '../channels.ts';
import type { SandboxWallet } from './sandbox-wallet.ts';
import { authorizePage, jsapiPage, wechatErrorPage } from './wechat-pages.ts';
import { walletPath } from './wallet-pages.ts';

export const DEFAULT_SANDBOX_USER = 'Sandbox Payer';
const JSAPI_PARAMS = ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const;
const AUTHORIZE_PATH = '/sandbox/wechat/oauth2/authorize';
const JSAPI_PATH = '/sandbox/wechat/jsapi';

export interface WechatRoutesDeps {
  readonly payments: PaymentService;
  readonly walletPayments: WalletPaymentService;
  readonly openIds: OpenIdService;
  readonly openIdNames: OpenIdRepository;
  readonly merchants: MerchantService;
  readonly wallet: SandboxWallet;
  readonly pageTokens: PageTokens;
  /** The time (the gateway's clock): the sheet of an expired payment is an expired link. */
  readonly now: () => number;
}

type JsapiFound = {
  kind: 'ok';
  record: PaymentRecord;
  params: Record<string, string>;
  /** Where Confirm and Cancel go: the payment's ret_url. */
  returnUrl: string | undefined;
};

type JsapiResult = JsapiFound | { kind: 'error'; status: number; message: string };

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function wechatRoutes(deps: WechatRoutesDeps): FastifyPluginAsync {
  const { payments, walletPayments, openIds, openIdNames, merchants, wallet, pageTokens, now } = deps;
  return async (app) => {
    answerErrorsWithPages(app);

    // ---- official-account authorisation (open_id) -------------------------------------------------

    function readState(state: unknown): OpenIdState | undefined {
      try {
        return openIds.readState(state);
      } catch (error) {
        if (error instanceof DomainError) return undefined;
        throw error;
      }
    }

    const appIdOk = (appId: string | undefined) => appId === undefined || appId === wallet.appId;

    app.get<{ Querystring: Query }>(AUTHORIZE_PATH, async (request, reply) => {
      const lang = langOf(request);
      const { state, redirect_uri: redirectUri, appid } = request.query;
      const { lang: _lang, ...rest } = request.query;
      const selfUrl = pathWith(AUTHORIZE_PATH, rest);
      const parsed = readState(state);
      if (!parsed || !appIdOk(appid)) {
        return sendHtml(reply, 403, wechatErrorPage(lang, 'authTitle', t(lang, 'authBadState'), selfUrl));
      }
      if (redirectUri !== undefined && redirectUri !== parsed.notifyUrl) {
        return sendHtml(reply, 403, wechatErrorPage(lang, 'authTitle', t(lang, 'authBadRedirect'), selfUrl));
      }
      const scriptNonce = nonce();
      const page = authorizePage({
        lang,
        merchantName: await merchants.nameOf(parsed.merchantId),
        state: state!,
        action: AUTHORIZE_PATH,
        selfUrl,
        userName: DEFAULT_SANDBOX_USER,
        nonce: scriptNonce,
      });
      // Both answers of the form redirect to notify_url (in the signed state).
      return sendHtml(reply, 200, page, scriptNonce, parsed.notifyUrl);
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
      const typed = Array.from(field(form, 'user_name').replace(/\s+/g, ' ')).slice(0, 64).join('');
      const openId = await openIds.issue(parsed.merchantId, typed || DEFAULT_SANDBOX_USER);
      return reply.redirect(openIdRedirect(parsed.notifyUrl, openId, state), 302);
    });

    // ---- the WeChat browser's JS-API payment sheet ------------------------------------------------

    function jsapiParams(source: (name: string) => string | undefined) {
      const params: Record<string, string> = {};
      for (const name of JSAPI_PARAMS) {
        const value = source(name);
        if (!value) return undefined;
        params[name] = value;
      }
      const redirect = source('redirect_url');
      if (redirect) params.redirect_url = redirect;
      // Not an http(s) URL (e.g. javascript:): ignored, the way back is ret_url.
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

    async function jsapiPayment(lang: Lang, source: (name: string) => string | undefined): Promise<JsapiResult> {
      const parsed = jsapiParams(source);
      if (!parsed) {
        return { kind: 'error', status: 400, message: `${t(lang, 'badRequestTitle')}: ${JSAPI_PARAMS.join(', ')}` };
      }
      // Like the WeChat client: the signature first, and nothing is paid when it does not match.
      if (parsed.info.sign_type !== 'MD5' || !wallet.payInfoValid(parsed.info)) {
        return { kind: 'error', status: 403, message: t(lang, 'badPaySign') };
      }
      const prepayId = /^prepay_id=(.+)$/.exec(parsed.info.package)?.[1];
      const record = prepayId ? await payments.findByPrepayId(prepayId) : undefined;
      if (!record) return { kind: 'error', status: 404, message: t(lang, 'badPrepay') };
      if (pageTokenExpired(record.expire_at, now())) {
        return { kind: 'error', status: 410, message: t(lang, 'linkExpired') };
      }
      // No signature covers redirect_url: only the ret_url of the merchant's signed request is a way back.
      const retUrl = httpUrl(record.ret_url ?? undefined);
      if (parsed.redirectUrl !== undefined && parsed.redirectUrl !== retUrl) {
        return { kind: 'error', status: 400, message: t(lang, 'badRedirectUrl') };
      }
      return { kind: 'ok', record, params: parsed.params, returnUrl: retUrl };
    }

    async function renderJsapi(reply: FastifyReply, lang: Lang, found: JsapiFound, error?: PayerMessage, status = 200) {
      const { record } = found;
      const walletData = JSON.parse(record.wallet_json ?? '{}') as { open_id?: string };
      const payerName = walletData.open_id ? await openIdNames.userName(walletData.open_id) : undefined;
      const scriptNonce = nonce();
      const page = jsapiPage({
        lang,
        row: record,
        merchantName: await merchants.nameOf(record.merchant_id),
        payerName,
        params: found.params,
        action: JSAPI_PATH,
        cancelUrl: found.returnUrl,
        selfUrl: pathWith(JSAPI_PATH, found.params),
        nonce: scriptNonce,
        error,
      });
      // Confirm is answered with a redirect to ret_url.
      return sendHtml(reply, status, page, scriptNonce, found.returnUrl);
    }

    app.get<{ Querystring: Query }>(JSAPI_PATH, async (request, reply) => {
      const lang = langOf(request);
      const found = await jsapiPayment(lang, (name) => request.query[name]);
      if (found.kind === 'error') {
        const { lang: _lang, ...rest } = request.query;
        const page = wechatErrorPage(lang, 'wechatPay', found.message, pathWith(JSAPI_PATH, rest));
        return sendHtml(reply, found.status, page);
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
        await walletPayments.pay(found.record.id, 'WECHAT', 'success');
      } catch (error) {
        const refusal = refusalOf(lang, error);
        const current = (await payments.findById(found.record.id)) ?? found.record;
        return renderJsapi(reply, lang, { ...found, record: current }, refusal.message, refusal.status);
      }
      const result = pathWith(`${walletPath('WECHAT', found.record.id)}/result`, {
        t: pageTokens.token('wallet-WECHAT', found.record.id),
        lang,
      });
      return reply.redirect(found.returnUrl ?? result, 303);
    });
  };
}
