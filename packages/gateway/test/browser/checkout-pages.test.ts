/**
 * The hosted checkout (收银台) in a real browser: a merchant creates a web payment
 * (SERVER_TO_WEB / SERVER_TO_H5WEB, NOT_APPLICABLE) and sends the buyer to its upay link.
 *   - desktop (1280x800, English): card with the SMS step, the errors a buyer can make on the way
 *     (card number, card information, wrong code), the result page and back to ret_url;
 *   - phone (390x844, Chinese): Alipay QR, "open in wallet" in a second page, pay there, the checkout
 *     notices by itself and sends the buyer back to ret_url;
 *   - a code already sent, the buyer still pays by WeChat; bad links; an expired payment.
 * Card data typed into the page comes back only in the answer to a refused card form (never the
 * CVV2; checkout-page.ts), never in a page reached by GET, and never reaches the log.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import {
  DESKTOP,
  PHONE,
  decodeQrSvg,
  foreignRequests,
  launchBrowser,
  shot,
  startShopServer,
  visibleText,
  type ShopServer,
} from '../helpers/browser.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `C${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

const PHONE_NO = '13800138000';
const CARD = { ok: '6225760000040001', luhnBad: '6225760000040002', incorrect: '6225760000010004' };
// (A citizen id other than the sandbox help's, which every sandbox checkout page shows.)
const SECRETS = { validDate: '3012', cvv2: '739', holder: 'Zhao Liying', citizenId: '440304198506151237' };

describe('hosted checkout (browser)', () => {
  let h: Harness;
  let merchant: TestMerchant;
  let notifications: MerchantServer;
  let shopSite: ShopServer;
  let browser: Browser;
  let desktop: BrowserContext;
  let phoneZh: BrowserContext;
  const logLines: string[] = [];

  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    [h, browser] = await Promise.all([startHarness(sqlite, { logger: { level: 'info', stream } }), launchBrowser()]);
    merchant = await h.merchant({ name: 'Maple & Pine Outfitters' });
    notifications = await startMerchantServer(h.platformCert.toString());
    shopSite = await startShopServer('Maple & Pine Outfitters');
    desktop = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
  });

  after(async () => {
    await browser?.close();
    await shopSite?.close();
    await notifications?.close();
    await h?.close();
  });

  async function webPayment(
    interfaceType: 'SERVER_TO_WEB' | 'SERVER_TO_H5WEB',
    orderRef = ref('WEB'),
    expireTime = '360',
  ): Promise<{ id: string; upay: string; retUrl: string }> {
    const retUrl = `${shopSite.baseUrl}/orders/${orderRef}/done`;
    const order = sampleOrder(orderRef, {
      payer: { payment_method: 'NOT_APPLICABLE', interface_type: interfaceType },
      notify_url: notifications.notifyUrl,
      ret_url: retUrl,
    });
    (order.order as Record<string, unknown>).expire_time = expireTime;
    const res = await h.call(merchant, 'POST', '/payments/payment', order);
    assert.equal(res.status, 201, res.text);
    const upay = res.json.links[3];
    assert.equal(upay.ref, 'upay', 'links[3] is the hosted checkout');
    assert.ok(upay.href.startsWith(`${h.baseUrl}/checkout/`), upay.href);
    return { id: res.json.payment.id, upay: upay.href, retUrl };
  }

  async function apiPayment(id: string): Promise<any> {
    const res = await h.call(merchant, 'GET', `/payments/payment/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.json.payment;
  }

  async function smsCode(paymentId: string): Promise<string> {
    const res = await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE_NO}`);
    const { messages } = (await res.json()) as { messages: Array<{ code: string; payment_id: string }> };
    const message = messages.find((m) => m.payment_id === paymentId);
    assert.ok(message, `an SMS for ${paymentId}`);
    return message.code;
  }

  async function fillCard(page: Page, number: string): Promise<void> {
    await page.locator('#card_number').fill(number);
    await page.locator('#valid_date').fill(SECRETS.validDate);
    await page.locator('#cvv2').fill(SECRETS.cvv2);
    await page.locator('#holder_name').fill(SECRETS.holder);
    await page.locator('#citizen_id').fill(SECRETS.citizenId);
    await page.locator('#phone').fill(PHONE_NO);
  }

  async function assertNoCardData(page: Page, where: string): Promise<void> {
    const htmlText = await page.content();
    for (const secret of [CARD.ok, CARD.luhnBad, CARD.incorrect, SECRETS.cvv2, SECRETS.holder, SECRETS.citizenId]) {
      assert.ok(!htmlText.includes(secret), `${where}: the page does not contain card data (${secret.slice(0, 4)}…)`);
    }
  }

  test('desktop, English: pay by credit card with the SMS step, errors on the way, back to ret_url', async () => {
    const { id, upay, retUrl } = await webPayment('SERVER_TO_WEB');
    const page = await desktop.newPage();
    const foreign = foreignRequests(page, [h.baseUrl, shopSite.baseUrl]);
    const response = await page.goto(upay);
    assert.equal(response?.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'nonce-[A-Za-z0-9+/=]+'/);

    let text = await visibleText(page);
    for (const expected of [
      'UMF Checkout',
      'Maple & Pine Outfitters',
      'Order summary',
      'T-shirt × 2',
      'USD 30.02',
      'USD 100.02',
      '1 USD = 7.1234 CNY',
      'To pay',
      'CNY 712.48',
      'Credit card',
      'Debit card',
      'WeChat Pay',
      'Alipay',
    ]) {
      assert.ok(text.includes(expected), `checkout shows "${expected}": ${text}`);
    }
    assert.equal(await page.getByTestId('total').innerText(), 'CNY 712.48');
    const summary = await page.locator('section[aria-labelledby=summary-title]').boundingBox();
    const payment = await page.locator('section[aria-labelledby=pay-title]').boundingBox();
    assert.ok(
      summary && payment && summary.x + summary.width <= payment.x && Math.abs(summary.y - payment.y) < 2,
      `two columns on a desktop: ${JSON.stringify({ summary, payment })}`,
    );
    assert.equal(
      (await page.locator('[role=tab][aria-selected=true]').innerText()).trim(),
      'Credit card',
      'credit card first',
    );
    await shot(page, 'checkout-desktop-en');

    // A mistyped card number: the domain's 00060875, in words; what was typed comes back (to fix one
    // digit), marked at the card number, but never the CVV2.
    await fillCard(page, CARD.luhnBad);
    const [refusal] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/card')),
      page.getByTestId('send-code').click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(refusal.headers()['cache-control'], 'no-store', 'a page with typed card data is never cached');
    text = await visibleText(page);
    assert.ok(
      text.includes('The card number is not correct.') && text.includes('00060875'),
      `card number error: ${text}`,
    );
    assert.equal(await page.locator('#card_number').inputValue(), CARD.luhnBad, 'the card number is kept to fix');
    assert.equal(await page.locator('#card_number').getAttribute('aria-invalid'), 'true', 'and marked');
    assert.equal(await page.locator('#holder_name').inputValue(), SECRETS.holder, 'the holder name is kept');
    assert.equal(await page.locator('#cvv2').inputValue(), '', 'the CVV2 is not written back');
    assert.ok(!(await page.content()).includes(`value="${SECRETS.cvv2}"`), 'the CVV2 is nowhere in the page');
    await shot(page, 'checkout-desktop-en-card-number-error');

    // Card information the bank does not recognise: 00200025.
    await fillCard(page, CARD.incorrect);
    await Promise.all([page.waitForLoadState('load'), page.getByTestId('send-code').click()]);
    text = await visibleText(page);
    assert.ok(
      text.includes('The card information is not correct.') && text.includes('00200025'),
      `card information error: ${text}`,
    );
    assert.equal(await page.locator('#card_number').inputValue(), CARD.incorrect, 'the card number is kept');
    assert.equal(await page.locator('#cvv2').inputValue(), '', 'the CVV2 is typed again');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cvv2', 'the cursor waits in the CVV2');
    await shot(page, 'checkout-desktop-en-card-info-error');

    // The good card: a code is sent; the page asks for it.
    await fillCard(page, CARD.ok);
    await Promise.all([page.waitForURL(/method=CREDIT_CARD/), page.getByTestId('send-code').click()]);
    text = await visibleText(page);
    assert.ok(
      text.includes('A verification code was sent to 138****8000 for the card ending 0001.'),
      `code step: ${text}`,
    );
    assert.equal((await page.getByTestId('pay').innerText()).trim(), 'Pay CNY 712.48');
    await assertNoCardData(page, 'code step');
    await shot(page, 'checkout-desktop-en-code-step');

    const code = await smsCode(id);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await page.locator('#sms_code').fill(wrong);
    await Promise.all([page.waitForLoadState('load'), page.getByTestId('pay').click()]);
    text = await visibleText(page);
    assert.ok(
      text.includes('The verification code is not correct. 4 attempts left.') && text.includes('00200007'),
      `wrong code: ${text}`,
    );
    await shot(page, 'checkout-desktop-en-wrong-code');

    await page.locator('#sms_code').fill(code);
    await Promise.all([page.waitForURL(/\/checkout\//), page.getByTestId('pay').click()]);
    await page.getByTestId('result-title').waitFor();
    text = await visibleText(page);
    for (const expected of [
      'Payment successful',
      'CNY 712.48',
      'Credit card •••• 0001',
      'Back to Maple & Pine Outfitters',
    ]) {
      assert.ok(text.includes(expected), `result shows "${expected}": ${text}`);
    }
    assert.equal(
      await page.locator('meta[http-equiv=refresh]').getAttribute('content'),
      `5;url=${retUrl}`,
      'sends the buyer back by itself too',
    );
    await shot(page, 'checkout-desktop-en-paid');

    await Promise.all([page.waitForURL(retUrl), page.getByTestId('back').click()]);
    assert.ok((await visibleText(page)).includes('Back at the shop'), 'at the merchant');
    await shot(page, 'checkout-desktop-en-back-at-merchant');

    const paid = await apiPayment(id);
    assert.equal(paid.state, 'TRADE_SUCCESS');
    assert.equal(paid.paid_with, 'CREDIT_CARD');
    await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
    assert.deepEqual(foreign, [], 'nothing loaded from another site');

    // Card data typed into the page never reached the log.
    const log = logLines.join('');
    assert.ok(log.length > 0, 'the gateway logged requests');
    for (const secret of [
      CARD.ok,
      CARD.luhnBad,
      CARD.incorrect,
      SECRETS.holder,
      SECRETS.citizenId,
      `cvv2=${SECRETS.cvv2}`,
    ]) {
      assert.ok(!log.includes(secret), `the log has no card data (${secret.slice(0, 4)}…)`);
    }
    await page.close();
  });

  test(
    'phone, Chinese: Alipay QR, "open in wallet" in a second page, ' +
      'the checkout sees the payment and returns to ret_url',
    async () => {
      const { id, upay, retUrl } = await webPayment('SERVER_TO_H5WEB');
      const page = await phoneZh.newPage();
      await page.goto(upay);
      let text = await visibleText(page);
      for (const expected of [
        'UMF 收银台',
        '订单信息',
        '应付金额',
        'CNY 712.48',
        '1 USD = 7.1234 CNY',
        '信用卡',
        '借记卡',
        '微信支付',
        '支付宝',
      ]) {
        assert.ok(text.includes(expected), `checkout in Chinese shows "${expected}": ${text}`);
      }
      const summary = await page.locator('section[aria-labelledby=summary-title]').boundingBox();
      const payment = await page.locator('section[aria-labelledby=pay-title]').boundingBox();
      assert.ok(
        summary && payment && payment.y >= summary.y + summary.height && Math.abs(summary.x - payment.x) < 2,
        'one column on a phone',
      );
      assert.ok(summary.width <= 390, 'nothing wider than the phone');
      await shot(page, 'checkout-mobile-zh');

      await Promise.all([page.waitForURL(/method=ALIPAY_SCAN/), page.locator('[data-method=ALIPAY_SCAN]').click()]);
      text = await visibleText(page);
      assert.ok(
        text.includes('请使用支付宝扫一扫，支付 CNY 712.48') && text.includes('等待付款'),
        `Alipay QR panel: ${text}`,
      );
      const qr = page.getByTestId('qr');
      assert.ok(
        await qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
        'the QR code image is drawn',
      );
      const walletLink = page.getByTestId('open-wallet');
      assert.equal((await walletLink.innerText()).trim(), '打开支付宝付款');
      const walletUrl = (await walletLink.getAttribute('href'))!;
      assert.ok(walletUrl.startsWith(`${h.baseUrl}/sandbox/wallet/alipay/${id}?t=`), walletUrl);
      const dataUri = (await qr.getAttribute('src'))!;
      assert.equal(
        decodeQrSvg(Buffer.from(dataUri.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString('utf8')),
        walletUrl,
        'the QR code holds the wallet URL',
      );
      await shot(page, 'checkout-mobile-zh-alipay-qr');

      const [wallet] = await Promise.all([phoneZh.waitForEvent('page'), walletLink.click()]);
      await wallet.waitForLoadState();
      assert.ok((await visibleText(wallet)).includes('¥712.48'), 'the wallet shows the amount');
      await shot(wallet, 'checkout-mobile-zh-alipay-wallet');
      await Promise.all([wallet.waitForURL(/\/result\?/), wallet.getByTestId('pay').click()]);
      assert.ok((await visibleText(wallet)).includes('支付成功'), 'the wallet says paid');
      await shot(wallet, 'checkout-mobile-zh-alipay-wallet-paid');
      await wallet.close();

      // The checkout page polls /status and shows the result by itself.
      await page.getByTestId('result-title').waitFor({ timeout: 8_000 });
      text = await visibleText(page);
      assert.ok(
        text.includes('支付成功') &&
          text.includes('CNY 712.48') &&
          text.includes('支付宝') &&
          text.includes('返回 Maple & Pine Outfitters'),
        `checkout result: ${text}`,
      );
      await shot(page, 'checkout-mobile-zh-paid');
      await page.waitForURL(retUrl, { timeout: 10_000 });
      assert.ok((await visibleText(page)).includes('Back at the shop'), 'the meta refresh took the buyer back');
      await shot(page, 'checkout-mobile-zh-back-at-merchant');

      const paid = await apiPayment(id);
      assert.equal(paid.state, 'TRADE_SUCCESS');
      assert.equal(paid.paid_with, 'ALIPAY_SCAN');
      await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
      await page.close();
    },
  );

  test('a buyer who asked for an SMS code can still pay with the WeChat QR', async () => {
    const { id, upay } = await webPayment('SERVER_TO_WEB');
    const page = await desktop.newPage();
    await page.goto(`${upay}&method=DEBIT_CARD`);
    assert.equal(await page.locator('#cvv2').count(), 0, 'a debit card needs no CVV2');
    await shot(page, 'checkout-desktop-en-debit-form');
    await page.locator('#card_number').fill('6217000010000020001');
    await page.locator('#holder_name').fill(SECRETS.holder);
    await page.locator('#citizen_id').fill(SECRETS.citizenId);
    await page.locator('#phone').fill(PHONE_NO);
    await Promise.all([page.waitForURL(/method=DEBIT_CARD/), page.getByTestId('send-code').click()]);
    assert.ok((await visibleText(page)).includes('card ending 0001'), 'code sent');
    await shot(page, 'checkout-desktop-en-debit-code-step');
    await Promise.all([page.waitForURL(/method=WECHAT_SCAN/), page.locator('[data-method=WECHAT_SCAN]').click()]);
    await shot(page, 'checkout-desktop-en-wechat-qr');
    const [wallet] = await Promise.all([desktop.waitForEvent('page'), page.getByTestId('open-wallet').click()]);
    await wallet.waitForLoadState();
    assert.ok(
      (await visibleText(wallet)).includes('Pay ¥712.48'),
      'the wallet offers to pay although a card code was sent',
    );
    await shot(wallet, 'checkout-desktop-en-wechat-wallet');
    await Promise.all([wallet.waitForURL(/\/result\?/), wallet.getByTestId('pay').click()]);
    await shot(wallet, 'checkout-desktop-en-wechat-wallet-paid');
    await wallet.close();
    await page.getByTestId('result-title').waitFor({ timeout: 8_000 });
    assert.ok((await visibleText(page)).includes('WeChat Pay'), 'paid with WeChat Pay');
    await shot(page, 'checkout-desktop-en-wechat-paid');
    const paid = await apiPayment(id);
    assert.equal(paid.state, 'TRADE_SUCCESS');
    assert.equal(paid.paid_with, 'WECHAT_SCAN');
    await page.close();
  });

  test('bad links: forged token 403, unknown payment 404, status JSON guarded', async () => {
    const { id, upay } = await webPayment('SERVER_TO_WEB');
    const page = await desktop.newPage();
    const forged = upay.replace(/t=[0-9a-f]+/, `t=${'a'.repeat(32)}`);
    assert.equal((await page.goto(forged))?.status(), 403);
    assert.ok((await visibleText(page)).includes('Link not valid'), 'forbidden page');
    await shot(page, 'checkout-forbidden');
    const ghost = 'PAY_GHOSTPAYMENT234567ABCDE';
    assert.equal(
      (
        await page.goto(`${h.baseUrl}/checkout/${ghost}?t=${h.gateway.context.pageTokens.token('checkout', ghost)}`)
      )?.status(),
      404,
    );
    assert.ok((await visibleText(page)).includes('Payment not found'), '404 page');
    await shot(page, 'checkout-not-found');
    const status = await fetch(`${h.baseUrl}/checkout/${id}/status?t=${'a'.repeat(32)}`);
    assert.equal(status.status, 403);
    const good = await fetch(upay.replace(`/checkout/${id}?`, `/checkout/${id}/status?`));
    assert.deepEqual(await good.json(), { state: 'WAIT_BUYER_PAY' });
    await page.close();
  });

  // Last: moves the gateway's clock.
  test('an expired payment: the checkout says so and offers nothing to pay', async () => {
    const { id, upay } = await webPayment('SERVER_TO_WEB', ref('EXP'), '1');
    h.clock.advance(2 * 60_000);
    const page = await desktop.newPage();
    await page.goto(`${upay}&lang=zh`);
    const text = await visibleText(page);
    assert.ok(text.includes('支付已超时') && text.includes('00060751'), `expired checkout: ${text}`);
    assert.equal(await page.locator('form').count(), 0, 'no form to pay with');
    await shot(page, 'checkout-expired-zh');
    assert.equal((await apiPayment(id)).state, 'TRADE_CLOSED');
    await page.close();
  });
});
