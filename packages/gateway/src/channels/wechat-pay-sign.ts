/**
 * WeChat Pay (API v2) parameter signatures, as WeChat defines them: drop empty values and `sign`
 * itself, sort the parameter names by ASCII, join as `k=v&k=v`, append `&key=<API key>`, MD5, upper
 * case hex. The JS-API (official-account) and the APP (native SDK) payments sign different names:
 *
 *   JS-API: appId, nonceStr, package ("prepay_id=..."), signType ("MD5"), timeStamp
 *   APP:    appid, noncestr, package ("Sign=WXPay"), partnerid, prepayid, timestamp
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function wechatSign(params: Readonly<Record<string, string | undefined>>, apiKey: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'paySign' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(`${text}&key=${apiKey}`, 'utf8').digest('hex').toUpperCase();
}

export function wechatSignValid(
  params: Readonly<Record<string, string | undefined>>,
  apiKey: string,
  sign: string,
): boolean {
  const expected = Buffer.from(wechatSign(params, apiKey));
  const actual = Buffer.from(sign.toUpperCase());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The reference's pay_info object (snake_case), for the JS-API in the WeChat browser. */
export interface PayInfo {
  app_id: string;
  time_stamp: string;
  nonce_str: string;
  package: string;
  sign_type: 'MD5';
  pay_sign: string;
  /** APP payments only: what the native SDK's PayReq also needs. */
  partner_id?: string;
  prepay_id?: string;
}

export function jsapiPayInfo(input: {
  appId: string;
  prepayId: string;
  timeStamp: string;
  nonceStr: string;
  apiKey: string;
}): PayInfo {
  const pkg = `prepay_id=${input.prepayId}`;
  const paySign = wechatSign(
    { appId: input.appId, nonceStr: input.nonceStr, package: pkg, signType: 'MD5', timeStamp: input.timeStamp },
    input.apiKey,
  );
  return {
    app_id: input.appId,
    time_stamp: input.timeStamp,
    nonce_str: input.nonceStr,
    package: pkg,
    sign_type: 'MD5',
    pay_sign: paySign,
  };
}

export function appPayInfo(input: {
  appId: string;
  partnerId: string;
  prepayId: string;
  timeStamp: string;
  nonceStr: string;
  apiKey: string;
}): PayInfo {
  const paySign = wechatSign(
    {
      appid: input.appId,
      noncestr: input.nonceStr,
      package: 'Sign=WXPay',
      partnerid: input.partnerId,
      prepayid: input.prepayId,
      timestamp: input.timeStamp,
    },
    input.apiKey,
  );
  return {
    app_id: input.appId,
    time_stamp: input.timeStamp,
    nonce_str: input.nonceStr,
    package: 'Sign=WXPay',
    sign_type: 'MD5',
    pay_sign: paySign,
    partner_id: input.partnerId,
    prepay_id: input.prepayId,
  };
}

/** Checks a pay_info as the WeChat client would before paying. */
export function payInfoValid(info: PayInfo, apiKey: string): boolean {
  // The APP rule does not sign sign_type, so check it here: only MD5 signatures exist in API v2.
  if (info.sign_type !== 'MD5') return false;
  if (info.partner_id !== undefined || info.package === 'Sign=WXPay') {
    return wechatSignValid(
      {
        appid: info.app_id,
        noncestr: info.nonce_str,
        package: info.package,
        partnerid: info.partner_id,
        prepayid: info.prepay_id,
        timestamp: info.time_stamp,
      },
      apiKey,
      info.pay_sign,
    );
  }
  return wechatSignValid(
    {
      appId: info.app_id,
      nonceStr: info.nonce_str,
      package: info.package,
      signType: info.sign_type,
      timeStamp: info.time_stamp,
    },
    apiKey,
    info.pay_sign,
  );
}
