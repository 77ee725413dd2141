// Helpers for wallet payments (WeChat Pay, Alipay) and the hosted checkout: read the parts of a payment
// that the payer's side needs, hand WeChat's pay_info to WeChat, read the open_id redirect, draw QR codes.
import type {
  AppPayReq,
  JsApiPayParams,
  Link,
  OpenIdRedirect,
  PayInfo,
  Payment,
  PaymentResponse,
  RenderQrCodeOptions,
} from './types.ts';

type PaymentLike = Payment | PaymentResponse;

function paymentOf(value: PaymentLike, helper: string): Payment {
  if (!value || typeof value !== 'object')
    throw new TypeError(`${helper}: pass a payment (or the response of payments.create/get)`);
  const candidate =
    'payment' in value && value.payment && typeof value.payment === 'object' ? value.payment : (value as Payment);
  if (typeof candidate.id !== 'string')
    throw new TypeError(`${helper}: pass a payment (or the response of payments.create/get)`);
  return candidate;
}

function describe(payment: Payment): string {
  const payer = payment.payer ?? {};
  return (
    `payment ${payment.id} (payment_method ${payer.payment_method ?? '?'}, ` +
    `interface_type ${payer.interface_type ?? '?'})`
  );
}

/**
 * The content of the QR code the payer scans: `payer.payer_info.qr_code_scan.qr_code_url` of a
 * WECHAT_SCAN or ALIPAY_SCAN payment (interface SERVER_TO_SERVER or DIRECT_TO_BANK). Show it with
 * `renderQrCode`. Throws a TypeError for a payment that has none (a web payment shows its QR code on
 * the hosted checkout: use `checkoutUrl`).
 */
export function qrCodeUrl(payment: PaymentLike): string {
  const p = paymentOf(payment, 'qrCodeUrl');
  const url = p.payer?.payer_info?.qr_code_scan?.qr_code_url;
  if (typeof url !== 'string' || url === '') {
    throw new TypeError(
      `qrCodeUrl: ${describe(p)} has no payer.payer_info.qr_code_scan.qr_code_url. Only WECHAT_SCAN and ALIPAY_SCAN ` +
        'payments with interface_type SERVER_TO_SERVER or DIRECT_TO_BANK have one; ' +
        'hosted-checkout payments show it on the checkout page (checkoutUrl).',
    );
  }
  return url;
}

/**
 * WeChat's `pay_info` of a WECHAT_WEB payment (`wechat_in_app_web.pay_info`, for the JS-API) or a
 * WECHAT_IN_APP payment (`wechat_in_app.pay_info`, for the native SDK). Throws a TypeError for a
 * payment that has none.
 */
export function payInfo(payment: PaymentLike): PayInfo {
  const p = paymentOf(payment, 'payInfo');
  const info = p.payer?.payer_info?.wechat_in_app_web?.pay_info ?? p.payer?.payer_info?.wechat_in_app?.pay_info;
  if (!info || typeof info !== 'object') {
    throw new TypeError(
      `payInfo: ${describe(p)} has no pay_info. ` +
        'Only WECHAT_WEB (wechat_in_app_web) and WECHAT_IN_APP (wechat_in_app) payments have one.',
    );
  }
  return info;
}

function linkRef(link: Link): string | undefined {
  return link.ref ?? link.rel;
}

/**
 * The hosted checkout page (收银台) of a SERVER_TO_WEB / SERVER_TO_H5WEB payment: the href of its `upay`
 * link (the reference's links[3]). Send the payer's browser there. Throws a TypeError for a payment
 * without one.
 */
export function checkoutUrl(payment: PaymentLike): string {
  const p = paymentOf(payment, 'checkoutUrl');
  const links = [...(p.links ?? []), ...('payment' in payment && Array.isArray(payment.links) ? payment.links : [])];
  const upay = links.find((l) => l && typeof l === 'object' && linkRef(l) === 'upay' && typeof l.href === 'string');
  if (!upay) {
    throw new TypeError(
      `checkoutUrl: ${describe(p)} has no upay link. ` +
        'Only payments with interface_type SERVER_TO_WEB or SERVER_TO_H5WEB are paid on the hosted checkout.',
    );
  }
  return upay.href;
}

const PAY_INFO_FIELDS = ['app_id', 'time_stamp', 'nonce_str', 'package', 'sign_type', 'pay_sign'] as const;

function checkPayInfo(info: PayInfo, helper: string): void {
  if (!info || typeof info !== 'object')
    throw new TypeError(`${helper}: pass a pay_info object (see payInfo(payment))`);
  for (const field of PAY_INFO_FIELDS) {
    if (typeof info[field] !== 'string' || info[field] === '')
      throw new TypeError(`${helper}: pay_info.${field} is missing`);
  }
}

function isAppPayInfo(info: PayInfo): boolean {
  return info.package === 'Sign=WXPay' || info.partner_id !== undefined;
}

/**
 * The parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', params, callback)` for a WECHAT_WEB
 * payment's pay_info: the same values under WeChat's camelCase names. Pass them unchanged (pay_sign
 * covers appId, timeStamp, nonceStr, package and signType). Throws for an APP pay_info (WECHAT_IN_APP),
 * whose signature the JS-API would refuse.
 */
export function payInfoToJsApiParams(info: PayInfo): JsApiPayParams {
  checkPayInfo(info, 'payInfoToJsApiParams');
  if (isAppPayInfo(info)) {
    throw new TypeError(
      'payInfoToJsApiParams: this pay_info is for the native WeChat SDK (WECHAT_IN_APP, package Sign=WXPay); ' +
        'use payInfoToAppPayReq',
    );
  }
  return {
    appId: info.app_id,
    timeStamp: info.time_stamp,
    nonceStr: info.nonce_str,
    package: info.package,
    signType: info.sign_type,
    paySign: info.pay_sign,
  };
}

/**
 * The native WeChat SDK's PayReq fields for a WECHAT_IN_APP payment's pay_info (appId, partnerId,
 * prepayId, packageValue, nonceStr, timeStamp, sign). Throws for a JS-API pay_info (WECHAT_WEB).
 */
export function payInfoToAppPayReq(info: PayInfo): AppPayReq {
  checkPayInfo(info, 'payInfoToAppPayReq');
  if (!isAppPayInfo(info)) {
    throw new TypeError(
      'payInfoToAppPayReq: this pay_info is for the WeChat JS-API (WECHAT_WEB, package prepay_id=...); ' +
        'use payInfoToJsApiParams',
    );
  }
  if (typeof info.partner_id !== 'string' || typeof info.prepay_id !== 'string') {
    throw new TypeError(
      'payInfoToAppPayReq: pay_info.partner_id and pay_info.prepay_id are required for the native SDK',
    );
  }
  return {
    appId: info.app_id,
    partnerId: info.partner_id,
    prepayId: info.prepay_id,
    packageValue: info.package,
    nonceStr: info.nonce_str,
    timeStamp: info.time_stamp,
    sign: info.pay_sign,
  };
}

const OPEN_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Reads the redirect the WeChat authorisation page sends the payer's browser to: your notify_url with
 * `open_id` and `state` added. Takes the full URL, the request's path and query (`req.url`), or the
 * query string alone. With `expectedState` (the `state` of the link you handed out), a redirect for
 * another link is refused. Throws a TypeError when open_id or state is missing or malformed.
 */
export function parseOpenIdRedirect(url: string | URL, options: { expectedState?: string } = {}): OpenIdRedirect {
  let parsed: URL;
  try {
    if (url instanceof URL) parsed = url;
    else if (typeof url !== 'string') throw new TypeError('not a string');
    else if (/^[a-z][a-z0-9+.-]*:/i.test(url)) parsed = new URL(url);
    else if (url.startsWith('/') || url.startsWith('?')) parsed = new URL(url, 'http://localhost');
    else parsed = new URL(`/?${url}`, 'http://localhost');
  } catch {
    throw new TypeError('parseOpenIdRedirect: pass the redirect URL (or its path and query)');
  }
  const q = parsed.searchParams;
  const openId = q.get('open_id') ?? q.get('openid') ?? q.get('openId');
  if (!openId)
    throw new TypeError('parseOpenIdRedirect: the redirect has no open_id (did the payer decline the authorisation?)');
  if (!OPEN_ID_RE.test(openId)) throw new TypeError('parseOpenIdRedirect: the open_id is malformed');
  const state = q.get('state');
  if (!state) throw new TypeError('parseOpenIdRedirect: the redirect has no state');
  if (options.expectedState !== undefined && state !== options.expectedState) {
    throw new TypeError('parseOpenIdRedirect: the state does not match the link you handed out');
  }
  return { openId, state };
}

/** The `state` of a link from `client.wechat.openIdLink`, to compare with the redirect's. */
export function openIdLinkState(href: string): string | undefined {
  try {
    return new URL(href).searchParams.get('state') ?? undefined;
  } catch {
    return undefined;
  }
}

type QrCodeModule = typeof import('qrcode');

let qrcodeModule: Promise<QrCodeModule> | undefined;

function loadQrCode(): Promise<QrCodeModule> {
  qrcodeModule ??= import('qrcode').then(
    (m) => (m as unknown as { default?: QrCodeModule }).default ?? m,
    (err: unknown) => {
      qrcodeModule = undefined;
      throw new Error(
        'renderQrCode needs the "qrcode" package (a dependency of umf-sdk): reinstall your dependencies',
        { cause: err },
      );
    },
  );
  return qrcodeModule;
}

/**
 * Draws `text` (e.g. `qrCodeUrl(payment)`) as a QR code and returns it as a data URL for an `<img src>`:
 * SVG (default, `data:image/svg+xml;base64,...`) or PNG (`data:image/png;base64,...`, each module a
 * whole number of pixels: the largest such image no wider than `width`). Uses the `qrcode` package.
 */
export async function renderQrCode(text: string, options: RenderQrCodeOptions = {}): Promise<string> {
  if (typeof text !== 'string' || text === '') throw new TypeError('renderQrCode: text must be a non-empty string');
  const format = options.format ?? 'svg';
  if (format !== 'svg' && format !== 'png')
    throw new TypeError(`renderQrCode: format must be 'svg' or 'png' (got ${JSON.stringify(format)})`);
  const level = options.errorCorrectionLevel ?? 'M';
  if (!['L', 'M', 'Q', 'H'].includes(level))
    throw new TypeError("renderQrCode: errorCorrectionLevel must be 'L', 'M', 'Q' or 'H'");
  const margin = options.margin ?? 4;
  if (!Number.isInteger(margin) || margin < 0 || margin > 64)
    throw new TypeError('renderQrCode: margin must be an integer from 0 to 64');
  const width = options.width ?? (format === 'png' ? 256 : undefined);
  if (width !== undefined && (!Number.isInteger(width) || width < 21 || width > 4096)) {
    throw new TypeError('renderQrCode: width must be an integer from 21 to 4096 pixels');
  }
  const QRCode = await loadQrCode();
  try {
    if (format === 'png') {
      // Whole pixels per module keep the code crisp: the largest multiple of the symbol within `width`.
      const units = QRCode.create(text, { errorCorrectionLevel: level }).modules.size + 2 * margin;
      const scale = Math.max(1, Math.floor((width ?? 256) / units));
      return await QRCode.toDataURL(text, { errorCorrectionLevel: level, margin, scale, type: 'image/png' });
    }
    const svg = await QRCode.toString(text, {
      errorCorrectionLevel: level,
      margin,
      ...(width !== undefined ? { width } : {}),
      type: 'svg',
    });
    return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  } catch (err) {
    throw new TypeError(
      `renderQrCode: cannot draw this text as a QR code (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
}
