/** The WeChat JS-API sheet's query, as WeixinJSBridge builds it from a payment's `pay_info`. */

/** `payer_info.wechat_in_app_web.pay_info` of a WECHAT_WEB payment (the fields the sheet reads). */
export interface JsApiPayInfo {
  readonly app_id: string;
  readonly time_stamp: string;
  readonly nonce_str: string;
  readonly package: string;
  readonly sign_type: string;
  readonly pay_sign: string;
}

/** The sheet's parameters (`/sandbox/wechat/jsapi?...`), with `redirect_url` when one is given. */
export function jsApiQuery(info: JsApiPayInfo, redirectUrl?: string): URLSearchParams {
  const query = new URLSearchParams({
    appId: info.app_id,
    timeStamp: info.time_stamp,
    nonceStr: info.nonce_str,
    package: info.package,
    signType: info.sign_type,
    paySign: info.pay_sign,
  });
  if (redirectUrl !== undefined) query.set('redirect_url', redirectUrl);
  return query;
}
