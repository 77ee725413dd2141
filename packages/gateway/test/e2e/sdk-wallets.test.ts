/**
 * End to end, the way a merchant runs wallet payments: the merchant SDK (umf-sdk) configured like a
 * real client talks to a real gateway over HTTP, a real local merchant server (helpers/merchant-server.ts)
 * receives and verifies the notifications, and the payer pays the way the sandbox wallet does
 * (POST /sandbox/payments/{id}/pay). WeChat QR with its rendered QR code; WeChat official account
 * (openIdLink -> authorisation page -> parseOpenIdRedirect -> pay_info -> JS-API parameters); WeChat
 * in-app; hosted checkout. On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  UmfClient,
  checkoutUrl,
  formatMerDate,
  openIdLinkState,
  parseOpenIdRedirect,
  payInfo,
  payInfoToAppPayReq,
  payInfoToJsApiParams,
  qrCodeUrl,
  renderQrCode,
  type Order,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { openIdRedirect } from '../../src/payments/wechat-open-id.ts';

const PHONE = '13800138000';
let seq = 0;
const ref = (label: string): string =>
  `E2EW${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** The first IHDR fields of a PNG: enough to know an image was drawn. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.toString('latin1', 1, 4), 'PNG', 'a PNG image');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

for (const kind of testDatabaseUrls()) {
  describe(`SDK wallet payments end to end (${kind.name})`, () => {
    let h: Harness;
    let shop: MerchantServer;
    let merchant: TestMerchant;
    let client: UmfClient;

    function order(id: string): Order {
      return {
        mer_reference_id: id,
        mer_date: formatMerDate(new Date(h.clock.now())),
        amount: { total: '20.00', currency: 'USD' },
        order_summary: 'Tea set',
        expire_time: '360',
        sub_orders: [
          { mer_sub_reference_id: `${id}-1`, amount: { total: '20.00', currency: 'USD' }, trans_code: '01121990' },
        ],
      };
    }

    /** What the payer's wallet does after scanning / confirming. */
    async function payerPays(paymentId: string, outcome: 'success' | 'fail' = 'success'): Promise<void> {
      const res = await fetch(`${h.baseUrl}/sandbox/payments/${paymentId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await startMerchantServer(h.platformCert.toString());
      merchant = await h.merchant({ name: 'SDK Wallet Shop' });
      client = sdkClient(h, merchant);
    });

    after(async () => {
      await shop?.close();
      await h?.close();
    });

    test(
      'WECHAT_SCAN: create, render the QR code, the payer pays, waitFor TRADE_SUCCESS, ' +
        'the merchant verified the notification',
      async () => {
        const id = ref('QR');
        const { payment, links } = await client.payments.create({
          payer: { payment_method: 'WECHAT_SCAN', payer_info: { phone: PHONE } },
          order: order(id),
          notify_url: shop.notifyUrl,
        });
        assert.equal(payment.state, 'WAIT_BUYER_PAY');
        assert.equal(links[0]?.ref, 'self');
        // Typed: the QR payment has its qr_code_url without optional chaining.
        const url: string = payment.payer.payer_info.qr_code_scan.qr_code_url;
        assert.equal(qrCodeUrl(payment), url);
        assert.ok(
          url.startsWith(`${h.baseUrl}/`) && url.includes(payment.id),
          `a QR URL on the gateway for the payment: ${url}`,
        );

        // The merchant shows the QR code.
        const svg = await renderQrCode(url);
        assert.match(svg, /^data:image\/svg\+xml;base64,/);
        assert.match(Buffer.from(svg.split(',')[1]!, 'base64').toString('utf8'), /^<svg[^>]*viewBox="0 0 \d+ \d+"/);
        const png = await renderQrCode(url, { format: 'png', width: 300 });
        const size = pngSize(Buffer.from(png.split(',')[1]!, 'base64'));
        assert.ok(
          size.width > 150 && size.width <= 300 && size.width === size.height,
          `a square PNG up to 300 px: ${JSON.stringify(size)}`,
        );

        // The payer scans it and pays in WeChat.
        await payerPays(payment.id);
        const paid = await client.payments.waitFor(payment.id, 'TRADE_SUCCESS', { timeoutMs: 10_000, intervalMs: 100 });
        assert.equal(paid.state, 'TRADE_SUCCESS');
        assert.ok(paid.execute_success_time, 'execute_success_time is set');
        assert.match(
          paid.execute_success_time,
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
          'execute_success_time in China time',
        );

        const delivery = await shop.waitForPayment(payment.id, { state: 'TRADE_SUCCESS' });
        assert.equal(delivery.verifyError, undefined, 'the notification verified with the SDK');
        assert.ok(delivery.acknowledged, 'the merchant acknowledged it');
        assert.ok(delivery.event?.type === 'payment', 'a payment notification');
        assert.equal(delivery.event.payment.id, payment.id);
        assert.equal(delivery.event.payment.order.mer_reference_id, id);
        assert.equal(qrCodeUrl(delivery.event.payment), url, 'the notification carries the same payment');
        assert.equal(shop.rejected.length, 0, 'no notification failed verification');
      },
    );

    test(
      'WECHAT_WEB: openIdLink, the authorisation page, ' + 'parseOpenIdRedirect, pay_info as JS-API parameters, paid',
      async (t) => {
        const notifyUrl = `${shop.baseUrl}/wechat/callback?cart=${ref('CART')}`;
        const href = await client.wechat.openIdLink(notifyUrl);
        const state = openIdLinkState(href);
        assert.ok(state, `the link has a state: ${href}`);
        assert.equal(new URL(href).searchParams.get('redirect_uri'), notifyUrl);

        // The payer's WeChat browser opens the link and accepts (the sandbox page, once it has landed).
        let redirect: string;
        const page = await fetch(href, { redirect: 'manual' });
        const html = await page.text();
        if (
          page.status === 200 &&
          /<form[^>]*method="post"/i.test(html) &&
          /name="decision"[^>]*value="accept"/.test(html)
        ) {
          const action = new URL(/<form[^>]*action="([^"]*)"/i.exec(html)![1]!.replaceAll('&amp;', '&'), href);
          const form = new URLSearchParams({ state, user_name: 'E2E Payer', decision: 'accept' });
          const accepted = await fetch(action, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: form.toString(),
          });
          await accepted.text();
          assert.ok(accepted.status >= 300 && accepted.status < 400, `accepting redirects: ${accepted.status}`);
          redirect = new URL(accepted.headers.get('location')!, action).href;
          t.diagnostic('open_id from the sandbox authorisation page');
        } else {
          redirect = openIdRedirect(
            notifyUrl,
            await h.gateway.context.services.openIds.issue(merchant.id, 'E2E Payer'),
            state,
          );
          t.diagnostic('open_id from issueOpenId (the authorisation page has not landed)');
        }
        assert.ok(redirect.startsWith(`${shop.baseUrl}/wechat/callback?`), `back at the merchant: ${redirect}`);
        const { openId } = parseOpenIdRedirect(redirect, { expectedState: state });

        const { payment } = await client.payments.create({
          payer: { payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: openId } } },
          order: order(ref('JS')),
          notify_url: shop.notifyUrl,
        });
        assert.equal(payment.payer.payer_info.wechat_in_app_web.open_id, openId);
        const info = payInfo(payment);
        assert.equal(info.sign_type, 'MD5');
        assert.ok(
          h.gateway.context.channels.wallet.payInfoValid({ ...info, sign_type: 'MD5' }),
          'the pay_info verifies as WeChat checks it',
        );
        const js = payInfoToJsApiParams(info);
        assert.deepEqual(js, {
          appId: info.app_id,
          timeStamp: info.time_stamp,
          nonceStr: info.nonce_str,
          package: info.package,
          signType: 'MD5',
          paySign: info.pay_sign,
        });
        assert.match(js.package, /^prepay_id=/);
        assert.throws(() => payInfoToAppPayReq(info), TypeError);

        await payerPays(payment.id);
        assert.equal(
          (await client.payments.waitFor(payment.id, 'TRADE_SUCCESS', { timeoutMs: 10_000, intervalMs: 100 })).state,
          'TRADE_SUCCESS',
        );
        await shop.waitForPayment(payment.id, { state: 'TRADE_SUCCESS' });
      },
    );

    test('WECHAT_IN_APP: pay_info for the native SDK; the payer fails to pay -> TRADE_FAIL notified', async () => {
      const { payment } = await client.payments.create({
        payer: { payment_method: 'WECHAT_IN_APP' },
        order: order(ref('APP')),
        notify_url: shop.notifyUrl,
      });
      const req = payInfoToAppPayReq(payment.payer.payer_info.wechat_in_app.pay_info);
      assert.equal(req.packageValue, 'Sign=WXPay');
      assert.ok(req.partnerId && req.prepayId && req.sign, 'PayReq fields');
      assert.throws(() => payInfoToJsApiParams(payInfo(payment)), TypeError);
      await payerPays(payment.id, 'fail');
      assert.equal(
        (
          await client.payments.waitFor(payment.id, ['TRADE_SUCCESS', 'TRADE_FAIL'], {
            timeoutMs: 10_000,
            intervalMs: 100,
          })
        ).state,
        'TRADE_FAIL',
      );
      await shop.waitForPayment(payment.id, { state: 'TRADE_FAIL' });
    });

    test('hosted checkout: checkoutUrl is the upay link (links[3]); the payer pays there with Alipay', async () => {
      for (const interface_type of ['SERVER_TO_WEB', 'SERVER_TO_H5WEB'] as const) {
        const { payment, links } = await client.payments.create({
          payer: { payment_method: 'NOT_APPLICABLE', interface_type },
          order: order(ref('WEB')),
          notify_url: shop.notifyUrl,
          ret_url: `${shop.baseUrl}/done`,
        });
        assert.deepEqual(
          payment.links.map((l) => l.ref),
          ['self', 'refund', 'apply_to_customs', 'upay'],
        );
        assert.equal(checkoutUrl(payment), payment.links[3]!.href);
        assert.equal(checkoutUrl({ payment, links, meta: { ret_code: '0000', ret_msg: '' } }), links[3]!.href);
        assert.ok(checkoutUrl(payment).startsWith(`${h.baseUrl}/checkout/${payment.id}?t=`), checkoutUrl(payment));
        assert.throws(() => qrCodeUrl(payment), TypeError, 'the QR code is on the checkout page');
        const res = await fetch(`${h.baseUrl}/sandbox/payments/${payment.id}/pay`, {
          method: 'POST',
          body: JSON.stringify({ provider: 'ALIPAY' }),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 200, await res.text());
        const paid = await client.payments.waitFor(payment.id, 'TRADE_SUCCESS', { timeoutMs: 10_000, intervalMs: 100 });
        assert.equal(paid.paid_with, 'ALIPAY_SCAN');
        await shop.waitForPayment(payment.id, { state: 'TRADE_SUCCESS' });
      }
    });
  });
}
