/**
 * The sandbox wallet pages in a real browser, walked like a payer: a merchant creates a WeChat or
 * Alipay QR payment, the payer opens its qr_code_url on a phone, pays (or fails), sees the result;
 * the merchant's API and notify_url see the same. Also: the qr.svg decodes to the wallet URL, an
 * expired payment and bad links show pages that say why.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';

import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import {
  PHONE,
  decodeQrSvg,
  foreignRequests,
  launchBrowser,
  qrModulesFromSvg,
  shot,
  visibleText,
} from '../helpers/browser.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `W${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

describe('sandbox wallet pages (browser)', () => {
  let h: Harness;
  let shop: TestMerchant;
  let notifications: MerchantServer;
  let browser: Browser;
  let phoneZh: BrowserContext;
  let phoneEn: BrowserContext;

  before(async () => {
    [h, browser] = await Promise.all([startHarness(sqlite), launchBrowser()]);
    shop = await h.merchant({ name: 'Harbour Tea House' });
    notifications = await startMerchantServer(h.platformCert.toString());
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
    phoneEn = await browser.newContext({ ...PHONE, locale: 'en-GB' });
  });

  after(async () => {
    await browser?.close();
    await notifications?.close();
    await h?.close();
  });

  async function qrPayment(
    method: 'WECHAT_SCAN' | 'ALIPAY_SCAN',
    overrides: Record<string, unknown> = {},
  ): Promise<{ id: string; qrUrl: string }> {
    const res = await h.call(
      shop,
      'POST',
      '/payments/payment',
      sampleOrder(ref(method.slice(0, 2)), {
        payer: { payment_method: method },
        notify_url: notifications.notifyUrl,
        ...overrides,
      }),
    );
    assert.equal(res.status, 201, res.text);
    const qrUrl = res.json.payment.payer.payer_info.qr_code_scan.qr_code_url as string;
    assert.ok(
      qrUrl.startsWith(`${h.baseUrl}/sandbox/wallet/${method === 'WECHAT_SCAN' ? 'wechat' : 'alipay'}/`),
      `qr_code_url points at the sandbox wallet: ${qrUrl}`,
    );
    return { id: res.json.payment.id, qrUrl };
  }

  async function apiState(id: string): Promise<string> {
    const res = await h.call(shop, 'GET', `/payments/payment/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.json.payment.state;
  }

  test(
    'WeChat QR: the payer scans, sees the order in CNY, ' + 'pays, gets the result; the merchant sees TRADE_SUCCESS',
    async () => {
      const { id, qrUrl } = await qrPayment('WECHAT_SCAN');
      const page = await phoneZh.newPage();
      const foreign = foreignRequests(page, [h.baseUrl]);
      const response = await page.goto(qrUrl);
      assert.equal(response?.status(), 200);
      const csp = response.headers()['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'none'/, 'strict CSP');
      // (Browsers hide the nonce attribute from the DOM once applied; the property keeps it.)
      const scriptNonce = await page.locator('script').evaluate((s) => (s as HTMLScriptElement).nonce);
      assert.ok(
        scriptNonce && csp.includes(`'nonce-${scriptNonce}'`),
        `the inline script's nonce is the CSP's: ${csp}`,
      );

      const text = await visibleText(page);
      for (const expected of [
        '微信支付',
        'Harbour Tea House',
        '¥712.48',
        'USD 100.02',
        '1 USD = 7.1234 CNY',
        'Two T-shirts and a jacket',
        '沙箱',
      ]) {
        assert.ok(text.includes(expected), `wallet page shows "${expected}": ${text}`);
      }
      assert.equal((await page.getByTestId('amount').innerText()).replace(/\s/g, ''), '¥712.48');
      const pay = page.getByTestId('pay');
      assert.equal((await pay.innerText()).trim(), '确认支付 ¥712.48');
      assert.ok(await pay.isEnabled(), 'the pay button can be pressed');
      assert.equal(await pay.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(7, 193, 96)', 'WeChat green');
      assert.ok((await page.getByTestId('fail').innerText()).includes('模拟支付失败'), 'the fail action is offered');
      await shot(page, 'wallet-wechat-zh');
      // Opened in a desktop browser (the README's walkthrough): the same page, framed like a phone.
      const desktopContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      const onDesktop = await desktopContext.newPage();
      await onDesktop.goto(qrUrl);
      assert.ok((await visibleText(onDesktop)).includes('Pay ¥712.48'), 'desktop wallet page');
      await shot(onDesktop, 'wallet-wechat-desktop-en');
      await desktopContext.close();

      await Promise.all([page.waitForURL(/\/result\?/), pay.click()]);
      const result = await visibleText(page);
      assert.ok(
        result.includes('支付成功') && result.includes('¥712.48') && result.includes('Harbour Tea House'),
        `result page: ${result}`,
      );
      await shot(page, 'wallet-wechat-zh-paid');

      assert.equal(await apiState(id), 'TRADE_SUCCESS');
      const notified = await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
      assert.equal(notified.event?.type === 'payment' && notified.event.payment.state, 'TRADE_SUCCESS');

      // Scanning the same code again: no button, a clear message.
      await page.goto(qrUrl);
      const again = await visibleText(page);
      assert.ok(again.includes('该订单已支付') && again.includes('00060750'), `already paid: ${again}`);
      assert.equal(await page.getByTestId('pay').count(), 0, 'no pay button on a paid order');
      await shot(page, 'wallet-wechat-zh-already-paid');
      assert.deepEqual(foreign, [], 'the page loads nothing from another site');
      await page.close();
    },
  );

  test('Alipay QR in English: blue wallet, pay, result, TRADE_SUCCESS', async () => {
    const { id, qrUrl } = await qrPayment('ALIPAY_SCAN');
    const page = await phoneEn.newPage();
    await page.goto(qrUrl);
    const text = await visibleText(page);
    for (const expected of [
      'Alipay',
      'Harbour Tea House',
      '¥712.48',
      'USD 100.02',
      'Pay ¥712.48',
      'Simulate a failed payment',
      'Sandbox',
    ]) {
      assert.ok(text.includes(expected), `Alipay page shows "${expected}": ${text}`);
    }
    assert.equal(
      await page.getByTestId('pay').evaluate((b) => getComputedStyle(b).backgroundColor),
      'rgb(22, 119, 255)',
      'Alipay blue',
    );
    await shot(page, 'wallet-alipay-en');
    await Promise.all([page.waitForURL(/\/result\?/), page.getByTestId('pay').click()]);
    const result = await visibleText(page);
    assert.ok(result.includes('Payment successful') && result.includes('Alipay'), `result: ${result}`);
    await shot(page, 'wallet-alipay-en-paid');
    assert.equal(await apiState(id), 'TRADE_SUCCESS');
    await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
    await page.close();
  });

  test('the fail action: the payer simulates a failed payment, the merchant sees TRADE_FAIL', async () => {
    const { id, qrUrl } = await qrPayment('WECHAT_SCAN');
    const page = await phoneEn.newPage();
    await page.goto(qrUrl);
    assert.ok((await visibleText(page)).includes('Pay ¥712.48'), 'an unpaid WeChat payment');
    await shot(page, 'wallet-wechat-en');
    await Promise.all([page.waitForURL(/\/result\?/), page.getByTestId('fail').click()]);
    const result = await visibleText(page);
    assert.ok(result.includes('Payment failed') && result.includes('00060750'), `failure result: ${result}`);
    await shot(page, 'wallet-wechat-en-failed');
    assert.equal(await apiState(id), 'TRADE_FAIL');
    await notifications.waitForPayment(id, { state: 'TRADE_FAIL' });
    await page.goto(qrUrl);
    const again = await visibleText(page);
    assert.ok(
      again.includes('has failed') && (await page.getByTestId('pay').count()) === 0,
      `failed payment, no button: ${again}`,
    );
    await shot(page, 'wallet-wechat-en-failed-again');
    await page.close();
  });

  test('qr.svg: a real QR code of the wallet URL, different for each payment', async () => {
    const a = await qrPayment('WECHAT_SCAN');
    const b = await qrPayment('ALIPAY_SCAN');
    const svgUrl = (qrUrl: string) => qrUrl.replace('?t=', '/qr.svg?t=');
    const svgs: string[] = [];
    for (const p of [a, b]) {
      const res = await fetch(svgUrl(p.qrUrl));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
      const svg = await res.text();
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const strokes = (svg.match(/h\d+/g) ?? []).length;
      assert.ok(strokes > 200, `many module runs in the path (${strokes})`);
      const modules = qrModulesFromSvg(svg);
      assert.ok(modules.length >= 37, `a QR grid of ${modules.length} modules`);
      assert.equal(decodeQrSvg(svg), p.qrUrl, 'the QR code decodes to the payment wallet URL');
      svgs.push(svg);
    }
    assert.notEqual(svgs[0], svgs[1], 'two payments, two codes');

    const page = await phoneEn.newPage();
    await page.goto(svgUrl(a.qrUrl));
    await shot(page, 'wallet-qr-svg', { fullPage: false });
    await page.close();

    const forged = await fetch(svgUrl(a.qrUrl).replace(/t=[0-9a-f]+/, `t=${'0'.repeat(32)}`));
    assert.equal(forged.status, 403, 'a forged token gets no QR code');
  });

  test('bad links: a forged token is a 403 page, an unknown payment a 404 page, never a stack trace', async () => {
    const { qrUrl } = await qrPayment('ALIPAY_SCAN');
    const page = await phoneEn.newPage();
    const forged = await page.goto(qrUrl.replace(/t=[0-9a-f]+/, `t=${'f'.repeat(32)}`));
    assert.equal(forged?.status(), 403);
    let text = await visibleText(page);
    assert.ok(text.includes('Link not valid'), `403 page: ${text}`);
    assert.ok(!/at .*\.ts:\d+|Error:/.test(await page.content()), 'no stack trace');
    await shot(page, 'wallet-forbidden');

    const ghost = 'PAY_NOSUCHPAYMENT234567ABCD';
    const unknown = await page.goto(
      `${h.baseUrl}/sandbox/wallet/alipay/${ghost}` +
        `?t=${h.gateway.context.pageTokens.token('wallet-ALIPAY', ghost)}&lang=zh`,
    );
    assert.equal(unknown?.status(), 404);
    text = await visibleText(page);
    assert.ok(text.includes('找不到该支付'), `404 page in Chinese: ${text}`);
    await shot(page, 'wallet-not-found-zh');

    // The other wallet's token does not open this wallet.
    const crossed = await page.goto(qrUrl.replace('/alipay/', '/wechat/'));
    assert.equal(crossed?.status(), 403);
    await page.close();
  });

  // Last: moves the gateway's clock.
  test('an expired payment shows the expired message (00060751) instead of the button', async () => {
    const { id, qrUrl } = await qrPayment('WECHAT_SCAN', {
      order: { ...(sampleOrder('x').order as Record<string, unknown>), mer_reference_id: ref('EXP'), expire_time: '1' },
    });
    h.clock.advance(2 * 60_000);
    const page = await phoneEn.newPage();
    await page.goto(qrUrl);
    const text = await visibleText(page);
    assert.ok(text.includes('Payment expired') && text.includes('00060751'), `expired page: ${text}`);
    assert.equal(await page.getByTestId('pay').count(), 0, 'no pay button on an expired payment');
    await shot(page, 'wallet-expired-en');
    assert.equal(await apiState(id), 'TRADE_CLOSED');

    // A pay POST that was already on its way is refused the same way.
    const res = await fetch(`${h.baseUrl}/sandbox/wallet/wechat/${id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        t: new URL(qrUrl).searchParams.get('t')!,
        outcome: 'success',
        lang: 'en',
      }).toString(),
    });
    assert.equal(res.status, 409);
    const body = await res.text();
    assert.ok(body.includes('00060751') && body.includes('This payment has expired'), 'the domain error, in words');
    await page.close();
  });
});
