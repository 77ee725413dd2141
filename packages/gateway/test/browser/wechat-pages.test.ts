/**
 * The sandbox WeChat pages in a real browser (flow 2.4, official-account payment): the merchant asks
 * for an open_id link, the payer's WeChat browser opens the authorisation page and accepts, lands on
 * the merchant's notify_url with open_id and the same state; the merchant creates a WECHAT_WEB payment
 * with that open_id, its page calls the JS-API with pay_info (our sandbox sheet), the payer confirms
 * and lands on ret_url; the merchant sees TRADE_SUCCESS and gets the notification. Forged or altered
 * states and signatures show an error page and pay nothing.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';

import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { PHONE, launchBrowser, shot, startShopServer, visibleText, type ShopServer } from '../helpers/browser.ts';
import { jsApiQuery, type JsApiPayInfo } from '../helpers/wechat.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `X${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

describe('sandbox WeChat pages (browser)', () => {
  let h: Harness;
  let merchant: TestMerchant;
  let notifications: MerchantServer;
  let shopSite: ShopServer;
  let browser: Browser;
  let phoneZh: BrowserContext;
  let phoneEn: BrowserContext;
  let openId: string;

  before(async () => {
    [h, browser] = await Promise.all([startHarness(sqlite), launchBrowser()]);
    merchant = await h.merchant({ name: 'Lotus Garden Books' });
    notifications = await startMerchantServer(h.platformCert.toString());
    shopSite = await startShopServer('Lotus Garden Books');
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
    phoneEn = await browser.newContext({ ...PHONE, locale: 'en-US' });
  });

  after(async () => {
    await browser?.close();
    await shopSite?.close();
    await notifications?.close();
    await h?.close();
  });

  async function authorizeLink(notifyUrl: string): Promise<string> {
    const res = await h.call(merchant, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(notifyUrl)}`);
    assert.equal(res.status, 200, res.text);
    return res.json.links[0].href;
  }

  function jsapiUrl(info: JsApiPayInfo, redirectUrl?: string): string {
    return `${h.baseUrl}/sandbox/wechat/jsapi?${jsApiQuery(info, redirectUrl || undefined)}`;
  }

  async function apiPayment(id: string): Promise<any> {
    const res = await h.call(merchant, 'GET', `/payments/payment/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.json.payment;
  }

  test('authorisation page: accept -> the browser lands on notify_url with open_id and the same state', async () => {
    const notifyUrl = `${shopSite.baseUrl}/wechat/openid?cart=42`;
    const link = await authorizeLink(notifyUrl);
    const state = new URL(link).searchParams.get('state')!;
    const page = await phoneZh.newPage();
    const response = await page.goto(link);
    assert.equal(response?.status(), 200);
    const text = await visibleText(page);
    assert.ok(
      text.includes('Lotus Garden Books 申请获取你的微信身份 (open_id)'),
      `request sentence in Chinese: ${text}`,
    );
    assert.equal(await page.locator('#user_name').inputValue(), 'Sandbox Payer', 'default sandbox user');
    assert.ok(
      (await page.getByTestId('accept').innerText()).includes('允许') &&
        (await page.getByTestId('deny').innerText()).includes('拒绝'),
      'accept and deny',
    );
    await shot(page, 'wechat-authorize-zh');

    await page.locator('#user_name').fill('Wang Fang');
    await Promise.all([page.waitForURL(`${shopSite.baseUrl}/wechat/openid?**`), page.getByTestId('accept').click()]);
    const landed = new URL(page.url());
    openId = landed.searchParams.get('open_id')!;
    assert.match(openId, /^o[A-Za-z0-9_-]{20,}$/, `open_id in the redirect: ${page.url()}`);
    assert.equal(landed.searchParams.get('state'), state, 'the same state comes back');
    assert.equal(landed.searchParams.get('cart'), '42', "the notify_url's own query is kept");
    const shopText = await visibleText(page);
    assert.ok(
      shopText.includes('Back at the shop') && shopText.includes(openId),
      `the merchant page got the open_id: ${shopText}`,
    );
    await shot(page, 'wechat-authorize-landed-at-merchant');

    // The same WeChat user gets the same open_id from this merchant.
    await page.goto(link);
    await page.locator('#user_name').fill('Wang Fang');
    await Promise.all([page.waitForURL(`${shopSite.baseUrl}/wechat/openid?**`), page.getByTestId('accept').click()]);
    assert.equal(new URL(page.url()).searchParams.get('open_id'), openId, 'stable open_id');
    await page.close();
  });

  test('authorisation page: deny -> back to the merchant with error=access_denied and no open_id', async () => {
    const link = await authorizeLink(`${shopSite.baseUrl}/wechat/openid`);
    const page = await phoneEn.newPage();
    await page.goto(link);
    const text = await visibleText(page);
    assert.ok(text.includes('Lotus Garden Books requests your WeChat identity (open_id)'), `request sentence: ${text}`);
    await shot(page, 'wechat-authorize-en');
    await Promise.all([page.waitForURL(`${shopSite.baseUrl}/wechat/openid?**`), page.getByTestId('deny').click()]);
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('open_id'), null, 'no open_id when denied');
    assert.equal(landed.searchParams.get('state'), new URL(link).searchParams.get('state'));
    await shot(page, 'wechat-authorize-denied-landed-at-merchant');
    await page.close();
  });

  test('authorisation page: a tampered state or redirect_uri shows an error page and issues nothing', async () => {
    const link = new URL(await authorizeLink(`${shopSite.baseUrl}/wechat/openid`));
    const [payload, mac] = link.searchParams.get('state')!.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    forged.u = 'http://127.0.0.1:9/evil';
    const tampered = new URL(link);
    tampered.searchParams.set('state', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`);
    const page = await phoneEn.newPage();
    const visitsBefore = shopSite.visits.length;
    const response = await page.goto(tampered.toString());
    assert.equal(response?.status(), 403);
    let text = await visibleText(page);
    assert.ok(text.includes('not valid or has expired'), `error page: ${text}`);
    assert.equal(await page.getByTestId('accept').count(), 0, 'nothing to accept');
    await shot(page, 'wechat-authorize-tampered-state');

    const redirected = new URL(link);
    redirected.searchParams.set('redirect_uri', 'http://127.0.0.1:9/evil');
    assert.equal((await page.goto(redirected.toString()))?.status(), 403);
    text = await visibleText(page);
    assert.ok(text.includes('redirect address'), `redirect_uri mismatch: ${text}`);
    await shot(page, 'wechat-authorize-tampered-redirect');

    // A forged state POSTed directly is refused too.
    const res = await fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        state: tampered.searchParams.get('state')!,
        decision: 'accept',
        user_name: 'Mallory',
      }).toString(),
      redirect: 'manual',
    });
    assert.equal(res.status, 403);
    assert.equal(shopSite.visits.length, visitsBefore, 'the merchant received nothing');
    await page.close();
  });

  test(
    'JS-API page: a tampered paySign shows an error page and pays nothing; ' + 'confirm pays and lands on ret_url',
    async () => {
      assert.ok(openId, 'the authorisation test issued an open_id');
      const retUrl = `${shopSite.baseUrl}/orders/return?order=books-1`;
      const order = sampleOrder(ref('WEB'), {
        payer: { payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: openId } } },
        notify_url: notifications.notifyUrl,
        ret_url: retUrl,
      });
      const created = await h.call(merchant, 'POST', '/payments/payment', order);
      assert.equal(created.status, 201, created.text);
      const id = created.json.payment.id as string;
      const payInfo = created.json.payment.payer.payer_info.wechat_in_app_web.pay_info as JsApiPayInfo;
      assert.match(payInfo.package, /^prepay_id=wx/);

      const page = await phoneEn.newPage();
      const badSign = { ...payInfo, pay_sign: payInfo.pay_sign.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
      const refused = await page.goto(jsapiUrl(badSign, retUrl));
      assert.equal(refused?.status(), 403);
      const refusedText = await visibleText(page);
      assert.ok(
        refusedText.includes('paySign does not match') && refusedText.includes('Nothing was paid'),
        `bad signature page: ${refusedText}`,
      );
      assert.equal(await page.getByTestId('confirm').count(), 0, 'no confirm button');
      await shot(page, 'wechat-jsapi-bad-signature');
      const forgedPost = await fetch(`${h.baseUrl}/sandbox/wechat/jsapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          appId: badSign.app_id,
          timeStamp: badSign.time_stamp,
          nonceStr: badSign.nonce_str,
          package: badSign.package,
          signType: badSign.sign_type,
          paySign: badSign.pay_sign,
        }).toString(),
        redirect: 'manual',
      });
      assert.equal(forgedPost.status, 403, 'a forged confirmation is refused');
      assert.equal((await apiPayment(id)).state, 'WAIT_BUYER_PAY', 'nothing was paid');

      await page.goto(jsapiUrl(payInfo, retUrl));
      const text = await visibleText(page);
      for (const expected of [
        'WeChat Pay',
        'Lotus Garden Books',
        '¥712.48',
        'USD 100.02',
        'Wang Fang',
        'Confirm payment ¥712.48',
      ]) {
        assert.ok(text.includes(expected), `JS-API page shows "${expected}": ${text}`);
      }
      assert.equal(await page.getByTestId('payer').innerText(), 'Wang Fang', 'paying as the authorised WeChat user');
      await shot(page, 'wechat-jsapi-en');

      await Promise.all([page.waitForURL(`${shopSite.baseUrl}/orders/return?**`), page.getByTestId('confirm').click()]);
      assert.equal(page.url(), retUrl, 'lands on ret_url');
      assert.ok((await visibleText(page)).includes('Back at the shop'), 'the merchant page');
      await shot(page, 'wechat-jsapi-landed-at-ret-url');

      const paid = await apiPayment(id);
      assert.equal(paid.state, 'TRADE_SUCCESS');
      const notified = await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
      assert.ok(notified.acknowledged, 'the merchant was notified and acknowledged');

      // The same pay_info again (a reload, a second tap): the order is paid, no button.
      await page.goto(jsapiUrl(payInfo, retUrl) + '&lang=zh');
      const again = await visibleText(page);
      assert.ok(again.includes('该订单已支付') && again.includes('00060750'), `already paid, in Chinese: ${again}`);
      assert.equal(await page.getByTestId('confirm').count(), 0, 'no confirm on a paid order');
      await shot(page, 'wechat-jsapi-already-paid-zh');
      await page.close();
    },
  );
});
