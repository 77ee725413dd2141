/**
 * The WeChat JS-API sheet's query, as WeixinJSBridge builds it from a payment's `pay_info` (the
 * SDK's payInfoToJsApiParams), with `redirect_url` when one is given.
 */
import { payInfoToJsApiParams, type PayInfo } from 'umf-sdk';

export type { PayInfo as JsApiPayInfo } from 'umf-sdk';

export function jsApiQuery(info: PayInfo, redirectUrl?: string): URLSearchParams {
  const query = new URLSearchParams({ ...payInfoToJsApiParams(info) });
  if (redirectUrl !== undefined) query.set('redirect_url', redirectUrl);
  return query;
}
