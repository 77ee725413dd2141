import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appPayInfo, jsapiPayInfo, payInfoValid, wechatSign } from '../../src/channels/wechat-pay-sign.ts';

test(
  'WeChat Pay v2 signature: sorted k=v pairs, &key=, MD5, upper-case hex ' + '(worked example of the WeChat Pay docs)',
  () => {
    // The example of WeChat Pay's "安全规范" page: these parameters and key give this signature.
    const params = {
      appid: 'wxd930ea5d5a258f4f',
      mch_id: '10000100',
      device_info: '1000',
      body: 'test',
      nonce_str: 'ibuaiVcKdpRxkhJA',
    };
    assert.equal(wechatSign(params, '192006250b4c09247ec02edce69f6a2d'), '9A0A8659F005D6984697E2CA0A9CF3B7');
  },
);

test('empty values and the sign itself are left out', () => {
  const key = 'k';
  const expected = createHash('md5').update('a=1&b=2&key=k').digest('hex').toUpperCase();
  assert.equal(wechatSign({ b: '2', a: '1', c: '', sign: 'X', d: undefined }, key), expected);
});

test('JS-API pay_info signs appId, nonceStr, package, signType, timeStamp and verifies; tampering breaks it', () => {
  const info = jsapiPayInfo({
    appId: 'wx2421b1c4370ec43b',
    prepayId: 'wx2017033010242291fcfe0db70013231072',
    timeStamp: '1395712654',
    nonceStr: 'e61463f8efa94090b1f366cccfbbb444',
    apiKey: 'sandbox-key',
  });
  assert.equal(info.package, 'prepay_id=wx2017033010242291fcfe0db70013231072');
  assert.equal(info.sign_type, 'MD5');
  const manual = createHash('md5')
    .update(
      'appId=wx2421b1c4370ec43b&nonceStr=e61463f8efa94090b1f366cccfbbb444' +
        '&package=prepay_id=wx2017033010242291fcfe0db70013231072&signType=MD5&timeStamp=1395712654' +
        '&key=sandbox-key',
    )
    .digest('hex')
    .toUpperCase();
  assert.equal(info.pay_sign, manual);
  assert.ok(payInfoValid(info, 'sandbox-key'));
  assert.ok(!payInfoValid({ ...info, time_stamp: '1395712655' }, 'sandbox-key'));
  assert.ok(!payInfoValid(info, 'another-key'));
});

test('APP pay_info signs appid, noncestr, package=Sign=WXPay, partnerid, prepayid, timestamp', () => {
  const info = appPayInfo({
    appId: 'wxapp',
    partnerId: '1900000109',
    prepayId: 'wx201410272009395522657a690389285100',
    timeStamp: '1412000000',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    apiKey: 'k2',
  });
  const manual = createHash('md5')
    .update(
      'appid=wxapp&noncestr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=Sign=WXPay&partnerid=1900000109' +
        '&prepayid=wx201410272009395522657a690389285100&timestamp=1412000000&key=k2',
    )
    .digest('hex')
    .toUpperCase();
  assert.equal(info.pay_sign, manual);
  assert.ok(payInfoValid(info, 'k2'));
  assert.ok(!payInfoValid({ ...info, prepay_id: 'other' }, 'k2'));
});
