/**
 * Wallet payments and the hosted checkout as a merchant integration drives them, over HTTP against a
 * real gateway, on SQLite and PostgreSQL:
 *
 * - WeChat / Alipay QR (SERVER_TO_SERVER and DIRECT_TO_BANK): payer_info.qr_code_scan.qr_code_url;
 * - WeChat in-app (APP pay_info, package Sign=WXPay) and WeChat official account (open_id from
 *   /payments/wechat_openid -> JS-API pay_info, package prepay_id=...), pay_info signatures checked
 *   the way the WeChat client checks them;
 * - hosted checkout (SERVER_TO_WEB / SERVER_TO_H5WEB): links self, refund, apply_to_customs, upay;
 * - the reference's table of valid interface_type x business_type x payment_method;
 * - POST /sandbox/payments/{id}/pay (the payer paying in the wallet): success, failure, paying twice,
 *   20 concurrent payers, unknown and card payments; signed notifications to a real merchant server;
 * - expiry of unpaid QR payments (on query and by the background job).
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
  expectOk,
  expectError,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import type { WalletPayInfo } from '../../src/channels/channels.ts';

const PHONE = '13800138000';

let seq = 0;
const ref = (label: string): string =>
  `WP${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

// The reference's table (objs.md, "payer"): the payment methods valid for each interface_type, B2C.
// SERVER_TO_H5WEB is the mobile variant of SERVER_TO_WEB (WIRE-NOTES.md) and takes the same methods.
// B2C_ONLINE_BANKING (personal online banking, which the official client knows) goes straight to the bank.
const REFERENCE_B2C: Record<string, readonly string[]> = {
  SERVER_TO_SERVER: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'WECHAT_IN_APP', 'WECHAT_WEB', 'ALIPAY_SCAN'],
  SERVER_TO_WEB: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN', 'NOT_APPLICABLE'],
  SERVER_TO_H5WEB: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN', 'NOT_APPLICABLE'],
  DIRECT_TO_BANK: ['WECHAT_SCAN', 'ALIPAY_SCAN', 'B2C_ONLINE_BANKING'],
};
const INTERFACE_TYPES = Object.keys(REFERENCE_B2C);
// The payment_method enum of the official client (WIRE-NOTES.md).
const METHODS = [
  'CREDIT_CARD',
  'DEBIT_CARD',
  'WECHAT_SCAN',
  'ALIPAY_SCAN',
  'B2B_ONLINE_BANKING',
  'B2C_ONLINE_BANKING',
  'WECHAT_IN_APP',
  'WECHAT_WEB',
  'NOT_APPLICABLE',
];
const WEB = ['SERVER_TO_WEB', 'SERVER_TO_H5WEB'] as const;
const CHECKOUT_METHODS = ['NOT_APPLICABLE', 'CREDIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN'] as const;

const PAY_INFO_FIELDS = ['app_id', 'time_stamp', 'nonce_str', 'package', 'sign_type', 'pay_sign'] as const;

/** A different value of the same shape: one character changed (digits stay digits). */
function flip(value: string): string {
  const last = value.slice(-1);
  const next = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'B' : 'A';
  return value.slice(0, -1) + next;
}

/**
 * What a browser posts when the payer clicks the accepting button of the first POST form of an HTML
 * page (the sandbox authorisation page): its inputs, plus the clicked button's name=value only.
 */
function acceptForm(
  html: string,
  pageUrl: string,
  typed: Record<string, string>,
): { action: string; fields: URLSearchParams } | undefined {
  const attr = (tag: string, name: string): string | undefined => {
    const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
    return m
      ? (m[2] ?? m[3] ?? m[4] ?? '').replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'")
      : undefined;
  };
  const form = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].find((f) =>
    /post/i.test(attr(f[1]!, 'method') ?? ''),
  );
  if (!form) return undefined;
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(m[1]!, 'name');
    if (!name) continue;
    const type = (attr(m[1]!, 'type') ?? 'text').toLowerCase();
    if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/i.test(m[1]!)) continue;
    fields.append(name, typed[name] ?? attr(m[1]!, 'value') ?? '');
  }
  const buttons = [...form[2]!.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)];
  const refusing = (b: RegExpMatchArray) => /(deny|decline|refuse|cancel|拒绝|取消)/i.test(`${b[1]} ${b[2]}`);
  const accepting = (b: RegExpMatchArray) => /(accept|allow|agree|confirm|同意|允许|确认)/i.test(`${b[1]} ${b[2]}`);
  const clicked = buttons.find((b) => accepting(b) && !refusing(b)) ?? buttons.find((b) => !refusing(b));
  const name = clicked ? attr(clicked[1]!, 'name') : undefined;
  if (clicked && name) fields.append(name, attr(clicked[1]!, 'value') ?? '');
  return { action: new URL(attr(form[1]!, 'action') ?? pageUrl, pageUrl).href, fields };
}

for (const kind of testDatabaseUrls()) {
  describe(`wallet payments and hosted checkout (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;
    let merchant: MerchantServer;

    // ---- helpers ------------------------------------------------------------------------------

    const ok = (res: ApiResponse, status = 200): void => expectOk(h, res, status);
    const fails = (res: ApiResponse, status: number, code: string): void => expectError(h, res, status, code);

    function order(
      payer: Record<string, unknown>,
      overrides: Record<string, unknown> = {},
      id = ref('O'),
    ): Record<string, unknown> {
      const body = sampleOrder(id, { payer, notify_url: merchant.notifyUrl, ...overrides }) as {
        order: Record<string, unknown>;
      };
      return body;
    }

    const create = (m: TestMerchant, payer: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
      h.call(m, 'POST', '/payments/payment', order(payer, overrides));
    const get = (m: TestMerchant, id: string) => h.call(m, 'GET', `/payments/payment/${id}`);

    async function created(
      m: TestMerchant,
      payer: Record<string, unknown>,
      overrides: Record<string, unknown> = {},
    ): Promise<any> {
      const res = await create(m, payer, overrides);
      ok(res, 201);
      const payment = res.json.payment;
      assert.match(payment.id, /^PAY_[A-Z0-9]+$/, 'payment.id is present');
      assert.equal(payment.state, 'WAIT_BUYER_PAY');
      assert.equal(payment.links[0].ref, 'self', 'links start with self');
      assert.equal(payment.links[0].method, 'GET');
      assert.equal(payment.links[0].href, `${h.api}/payments/payment/${payment.id}`);
      assert.deepEqual(res.json.links, payment.links, 'top-level links = payment.links');
      return payment;
    }

    async function qrPayment(
      m: TestMerchant = shop,
      method = 'WECHAT_SCAN',
      overrides: Record<string, unknown> = {},
    ): Promise<any> {
      return created(m, { payment_method: method, payer_info: { phone: PHONE } }, overrides);
    }

    /** POST /sandbox/payments/{id}/pay as the payer's wallet does (no merchant credentials). */
    async function pay(id: string, body?: unknown): Promise<ApiResponse> {
      const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(`${h.baseUrl}/sandbox/payments/${id}/pay`, {
        method: 'POST',
        ...(raw !== undefined ? { headers: { 'content-type': 'application/json' }, body: raw } : {}),
      });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json, headers: res.headers };
    }

    async function outboxRows(paymentId: string) {
      return h.gateway.context.db
        .selectFrom('outbox')
        .selectAll()
        .where('object_type', '=', 'payment')
        .where('object_id', '=', paymentId)
        .execute();
    }

    function checkPayInfoSignature(info: WalletPayInfo, fields: readonly string[]): void {
      const wallet = h.gateway.context.channels.wallet;
      assert.equal(wallet.payInfoValid(info), true, `the pay_info as issued verifies: ${JSON.stringify(info)}`);
      for (const field of fields) {
        const value = (info as unknown as Record<string, string>)[field];
        assert.equal(typeof value, 'string', `pay_info.${field} is a string`);
        const altered = { ...info, [field]: flip(value!) };
        assert.equal(
          wallet.payInfoValid(altered),
          false,
          `pay_info with ${field} changed (${value} -> ${flip(value!)}) must not verify`,
        );
      }
      // The signature is upper-case hex MD5 (WeChat Pay v2); its lower-case spelling is the same MD5.
      assert.match(info.pay_sign, /^[0-9A-F]{32}$/, 'pay_sign is an upper-case hex MD5');
    }

    /** The open_id of a payer for `m`, obtained as a browser does from the authorisation link. */
    async function openIdFor(
      m: TestMerchant,
      payerName = 'Sandbox Payer',
    ): Promise<{ openId: string; state: string; href: string; via: 'page' | 'direct' }> {
      const notifyUrl = `${merchant.baseUrl}/wechat/callback?order=${ref('CB')}`;
      const res = await h.call(m, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(notifyUrl)}`);
      ok(res);
      const links = res.json.links as Array<{ ref: string; rel: string; method: string; href: string }>;
      assert.ok(Array.isArray(links) && links.length >= 1, `links: ${res.text}`);
      assert.equal(links[0]!.ref, 'weChat');
      assert.equal(links[0]!.method, 'GET');
      const href = new URL(links[0]!.href);
      assert.equal(
        `${href.origin}${href.pathname}`,
        `${h.baseUrl}/sandbox/wechat/oauth2/authorize`,
        'the sandbox WeChat authorisation page',
      );
      assert.equal(href.searchParams.get('redirect_uri'), notifyUrl, 'redirect_uri is the notify_url');
      assert.equal(href.searchParams.get('scope'), 'snsapi_base');
      assert.match(href.searchParams.get('appid') ?? '', /^wx[0-9a-f]+$/);
      const state = href.searchParams.get('state');
      assert.ok(state, 'the link carries a state');
      // The state is the platform's, bound to this merchant and notify_url.
      const read = h.gateway.context.services.openIds.readState(state);
      assert.equal(read.merchantId, m.id, 'state names the merchant');
      assert.equal(read.notifyUrl, notifyUrl, 'state names the notify_url');

      // The payer's browser opens the page; once the pages have landed it accepts there.
      const page = await fetch(href, { redirect: 'manual' });
      const html = await page.text();
      const form =
        page.status === 200 && /text\/html/.test(page.headers.get('content-type') ?? '')
          ? acceptForm(html, href.href, { user_name: payerName })
          : undefined;
      if (form) {
        const accepted = await fetch(form.action, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.fields.toString(),
        });
        await accepted.text();
        assert.ok(
          [301, 302, 303, 307].includes(accepted.status),
          `accepting redirects the browser (got ${accepted.status})`,
        );
        const location = new URL(accepted.headers.get('location') ?? '', form.action);
        assert.equal(
          `${location.origin}${location.pathname}`,
          `${merchant.baseUrl}/wechat/callback`,
          'back to the notify_url',
        );
        assert.equal(location.searchParams.get('state'), state, 'the same state comes back');
        const openId = location.searchParams.get('open_id');
        assert.ok(openId, `the redirect carries open_id: ${location.href}`);
        return { openId, state, href: href.href, via: 'page' };
      }
      const openId = await h.gateway.context.services.openIds.issue(m.id, payerName);
      return { openId, state, href: href.href, via: 'direct' };
    }

    before(async () => {
      h = await startHarness(kind);
      merchant = await startMerchantServer(h.platformCert.toString());
      shop = await h.merchant({ name: 'Wallet Shop' });
      otherShop = await h.merchant({ name: 'Other Shop' });
    });

    after(async () => {
      await merchant?.close();
      await h?.close();
    });

    // ---- QR codes -----------------------------------------------------------------------------

    for (const method of ['WECHAT_SCAN', 'ALIPAY_SCAN'] as const) {
      for (const interfaceType of ['SERVER_TO_SERVER', 'DIRECT_TO_BANK'] as const) {
        test(`${method} / ${interfaceType}: 201 with payer_info.qr_code_scan.qr_code_url on the gateway`, async () => {
          const payment = await created(shop, {
            payment_method: method,
            interface_type: interfaceType,
            business_type: 'B2C',
            payer_info: { phone: PHONE },
          });
          assert.equal(payment.payer.payment_method, method);
          assert.equal(payment.payer.interface_type, interfaceType);
          assert.equal(payment.payer.business_type, 'B2C');
          const qr = payment.payer.payer_info.qr_code_scan?.qr_code_url;
          assert.equal(typeof qr, 'string', `qr_code_scan.qr_code_url: ${JSON.stringify(payment.payer)}`);
          const url = new URL(qr);
          assert.equal(url.protocol, 'http:');
          assert.equal(url.origin, h.baseUrl, 'the QR code points at the gateway');
          assert.ok(url.pathname.includes(payment.id), `the QR URL names the payment: ${qr}`);
          assert.ok(
            url.pathname.toLowerCase().includes(method === 'WECHAT_SCAN' ? 'wechat' : 'alipay'),
            `the QR URL names the wallet: ${qr}`,
          );
          assert.equal(payment.payer.payer_info.wechat_in_app, undefined);
          assert.equal(payment.payer.payer_info.wechat_in_app_web, undefined);
          assert.deepEqual(
            payment.links.map((l: { ref: string }) => l.ref),
            ['self'],
            'an unpaid QR payment has nothing to verify or execute',
          );
          // The demo shop polls GET with payment.id: the same QR code comes back.
          const again = await get(shop, payment.id);
          ok(again);
          assert.equal(again.json.payment.payer.payer_info.qr_code_scan.qr_code_url, qr);
        });
      }
    }

    test('each QR payment gets its own QR URL; another merchant cannot read the payment', async () => {
      const a = await qrPayment();
      const b = await qrPayment();
      assert.notEqual(a.payer.payer_info.qr_code_scan.qr_code_url, b.payer.payer_info.qr_code_scan.qr_code_url);
      fails(await get(otherShop, a.id), 404, '00060760');
    });

    // ---- WeChat in-app --------------------------------------------------------------------------

    test(
      'WECHAT_IN_APP -> payer_info.wechat_in_app.pay_info for the native SDK, ' + 'signed with the APP rule',
      async () => {
        const before = Math.floor(h.clock.now() / 1000);
        const payment = await created(shop, { payment_method: 'WECHAT_IN_APP', payer_info: { phone: PHONE } });
        const after = Math.floor(h.clock.now() / 1000);
        const info = payment.payer.payer_info.wechat_in_app?.pay_info as WalletPayInfo;
        assert.ok(info, `wechat_in_app.pay_info: ${JSON.stringify(payment.payer)}`);
        assert.match(info.app_id, /^wx[0-9a-f]+$/);
        assert.match(info.time_stamp, /^\d{10}$/);
        assert.ok(
          Number(info.time_stamp) >= before && Number(info.time_stamp) <= after,
          `time_stamp is the creation second: ${info.time_stamp}`,
        );
        assert.match(info.nonce_str, /^[0-9A-Za-z]{16,32}$/);
        assert.equal(info.package, 'Sign=WXPay');
        assert.equal(info.sign_type, 'MD5');
        assert.match(info.prepay_id ?? '', /^wx\d{14}[0-9a-f]+$/, 'the native SDK also needs prepay_id');
        assert.match(info.partner_id ?? '', /^\d{10}$/, 'and partner_id (the WeChat Pay merchant number)');
        assert.equal(payment.payer.payer_info.qr_code_scan, undefined);
        // The APP rule signs appid, noncestr, package, partnerid, prepayid, timestamp (the API key is
        // the platform's secret): each of these, and the signature itself, is covered.
        checkPayInfoSignature(info, [
          'app_id',
          'time_stamp',
          'nonce_str',
          'package',
          'pay_sign',
          'partner_id',
          'prepay_id',
        ]);
        // Two payments, two prepay orders.
        const other = await created(shop, { payment_method: 'WECHAT_IN_APP' });
        assert.notEqual(other.payer.payer_info.wechat_in_app.pay_info.prepay_id, info.prepay_id);
        assert.notEqual(other.payer.payer_info.wechat_in_app.pay_info.nonce_str, info.nonce_str);
        // GET returns the same pay_info.
        const again = await get(shop, payment.id);
        ok(again);
        assert.deepEqual(again.json.payment.payer.payer_info.wechat_in_app.pay_info, info);
      },
    );

    test('WECHAT_IN_APP: a pay_info whose sign_type was changed does not verify', async () => {
      const payment = await created(shop, { payment_method: 'WECHAT_IN_APP' });
      const info = payment.payer.payer_info.wechat_in_app.pay_info as WalletPayInfo;
      assert.equal(
        h.gateway.context.channels.wallet.payInfoValid({ ...info, sign_type: 'HMAC-SHA256' as 'MD5' }),
        false,
        'sign_type HMAC-SHA256 with an MD5 pay_sign must not verify',
      );
    });

    // ---- WeChat official account (JS-API) -------------------------------------------------------

    test(
      'WECHAT_WEB: open_id from /payments/wechat_openid, ' + 'then a JS-API pay_info (package prepay_id=...)',
      async (t) => {
        const { openId, via } = await openIdFor(shop);
        t.diagnostic(
          `open_id obtained via ${
            via === 'page' ? 'the sandbox authorisation page' : 'issueOpenId (the authorisation page has not landed)'
          }`,
        );
        assert.match(openId, /^[A-Za-z0-9_-]{8,64}$/);
        const payment = await created(shop, {
          payment_method: 'WECHAT_WEB',
          payer_info: { phone: PHONE, wechat_in_app_web: { open_id: openId } },
        });
        const web = payment.payer.payer_info.wechat_in_app_web;
        assert.ok(web, `wechat_in_app_web: ${JSON.stringify(payment.payer)}`);
        assert.equal(web.open_id, openId);
        const info = web.pay_info as WalletPayInfo;
        assert.match(info.package, /^prepay_id=wx\d{14}[0-9a-f]+$/);
        assert.equal(info.sign_type, 'MD5');
        assert.match(info.time_stamp, /^\d{10}$/);
        assert.equal(info.partner_id, undefined, 'the JS-API pay_info has no APP fields');
        assert.equal(info.prepay_id, undefined);
        // The JS-API rule signs appId, nonceStr, package, signType, timeStamp.
        checkPayInfoSignature(info, PAY_INFO_FIELDS);
        // The official account of the authorisation link is the one that signs the pay_info.
        const link = await h.call(
          shop,
          'GET',
          `/payments/wechat_openid?notify_url=${encodeURIComponent(merchant.notifyUrl)}`,
        );
        ok(link);
        assert.equal(new URL(link.json.links[0].href).searchParams.get('appid'), info.app_id);
      },
    );

    test('WECHAT_WEB: an open_id is stable per payer and merchant, and different for another merchant', async () => {
      const a1 = await h.gateway.context.services.openIds.issue(shop.id, 'Payer Stable');
      const a2 = await h.gateway.context.services.openIds.issue(shop.id, 'Payer Stable');
      const b = await h.gateway.context.services.openIds.issue(otherShop.id, 'Payer Stable');
      assert.equal(a1, a2);
      assert.notEqual(a1, b);
    });

    test("WECHAT_WEB: another merchant's open_id or a made-up one -> 400 00060700; no payment is created", async () => {
      const { openId: othersOpenId } = await openIdFor(otherShop, 'Another Payer');
      const inventedLikeReal = othersOpenId.slice(0, -1) + (othersOpenId.endsWith('A') ? 'B' : 'A');
      for (const openId of [othersOpenId, 'oMadeUpOpenId0000000000000', inventedLikeReal]) {
        const id = ref('FOREIGN');
        const res = await h.call(
          shop,
          'POST',
          '/payments/payment',
          order({ payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: openId } } }, {}, id),
        );
        fails(res, 400, '00060700');
        assert.match(res.json.meta.ret_msg, /open_id/, res.text);
        const rows = await h.gateway.context.db
          .selectFrom('payments')
          .select('id')
          .where('mer_reference_id', '=', id)
          .execute();
        assert.equal(rows.length, 0, 'nothing was created');
      }
      // The other merchant can use its own open_id.
      await created(otherShop, {
        payment_method: 'WECHAT_WEB',
        payer_info: { wechat_in_app_web: { open_id: othersOpenId } },
      });
    });

    test('WECHAT_WEB without an open_id (or with a malformed one) -> 400 00060700', async () => {
      for (const payerInfo of [
        undefined,
        {},
        { wechat_in_app_web: {} },
        { wechat_in_app_web: { open_id: '' } },
        { wechat_in_app_web: { open_id: 'not an open id' } },
        { wechat_in_app_web: { open_id: { x: 1 } } },
      ]) {
        const res = await create(shop, {
          payment_method: 'WECHAT_WEB',
          ...(payerInfo !== undefined ? { payer_info: payerInfo } : {}),
        });
        fails(res, 400, '00060700');
        assert.match(res.json.meta.ret_msg, /open_id/, res.text);
      }
    });

    test('GET /payments/wechat_openid needs an http(s) notify_url', async () => {
      fails(await h.call(shop, 'GET', '/payments/wechat_openid'), 400, '00060700');
      for (const bad of ['', 'not a url', 'ftp://shop.example/x', 'javascript:alert(1)']) {
        fails(
          await h.call(shop, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(bad)}`),
          400,
          '00060700',
        );
      }
    });

    test("an altered authorisation state is not the platform's", async () => {
      const { state } = await openIdFor(shop);
      const [payload, mac] = state.split('.');
      assert.throws(
        () => h.gateway.context.services.openIds.readState(`${payload}.${flip(mac!)}`),
        /not issued by the platform/,
      );
      const forged = Buffer.from(
        JSON.stringify({ m: otherShop.id, u: merchant.notifyUrl, e: h.clock.now() + 60_000 }),
      ).toString('base64url');
      assert.throws(
        () => h.gateway.context.services.openIds.readState(`${forged}.${mac}`),
        /not issued by the platform/,
      );
    });

    // ---- hosted checkout --------------------------------------------------------------------------

    for (const interfaceType of WEB) {
      for (const method of CHECKOUT_METHODS) {
        test(`hosted checkout ${interfaceType} / ${method}: links self, refund, apply_to_customs, upay`, async () => {
          const payment = await created(
            shop,
            {
              payment_method: method,
              interface_type: interfaceType,
              ...(method === 'CREDIT_CARD' ? { bank_code: 'CCB' } : {}),
              payer_info: { phone: PHONE },
            },
            { ret_url: 'http://127.0.0.1:9/return' },
          );
          const self = `${h.api}/payments/payment/${payment.id}`;
          const links = payment.links as Array<{ ref: string; rel: string; method: string; href: string }>;
          assert.deepEqual(
            links.map((l) => [l.ref, l.rel, l.method]),
            [
              ['self', 'self', 'GET'],
              ['refund', 'refund', 'POST'],
              ['apply_to_customs', 'apply_to_customs', 'POST'],
              ['upay', 'upay', 'GET'],
            ],
          );
          assert.equal(links[1]!.href, `${self}/refund`);
          assert.equal(links[2]!.href, `${self}/apply_to_customs`);
          // The demo shop opens links[3] for the hosted checkout.
          const upay = new URL(links[3]!.href);
          assert.equal(`${upay.origin}${upay.pathname}`, `${h.baseUrl}/checkout/${payment.id}`);
          assert.match(
            upay.searchParams.get('t') ?? '',
            /^[A-Za-z0-9_-]{16,}$/,
            `the checkout link carries its access token: ${upay.href}`,
          );
          assert.equal(payment.ret_url, 'http://127.0.0.1:9/return');
          assert.equal(
            payment.payer.payer_info.qr_code_scan,
            undefined,
            'the checkout page shows the QR code, not the API',
          );
          const again = await get(shop, payment.id);
          ok(again);
          assert.deepEqual(again.json.payment.links, payment.links, 'GET shows the same links');

          // Card data is typed on the checkout page, never sent through the API for a web payment.
          const verify = await h.call(shop, 'POST', `/payments/payment/${payment.id}/verify`, {
            payer: { payer_info: { phone: PHONE, bank_card: { number: h.encrypt(shop, '6225760000040001') } } },
          });
          fails(verify, 400, '00060700');
          assert.match(verify.json.meta.ret_msg, /checkout|upay|verify\/execute/i, verify.text);
          const execute = await h.call(shop, 'POST', `/payments/payment/${payment.id}/execute`, {
            payer: { payer_info: { verify_code: '123456' } },
          });
          fails(execute, 400, '00060700');
          assert.match(execute.json.meta.ret_msg, /checkout|upay|verify\/execute/i, execute.text);
          assert.equal(
            (await get(shop, payment.id)).json.payment.state,
            'WAIT_BUYER_PAY',
            'the refused calls changed nothing',
          );
        });
      }
    }

    test(
      'hosted checkout with a NOT_APPLICABLE or CREDIT_CARD web payment: ' + 'verify/execute name the hosted checkout',
      async () => {
        for (const method of ['NOT_APPLICABLE', 'CREDIT_CARD']) {
          const payment = await created(shop, { payment_method: method, interface_type: 'SERVER_TO_WEB' });
          const res = await h.call(shop, 'POST', `/payments/payment/${payment.id}/verify`, {});
          fails(res, 400, '00060700');
          assert.match(res.json.meta.ret_msg, /hosted checkout/i, `${method}: ${res.text}`);
        }
      },
    );

    // ---- the reference's table of combinations ------------------------------------------------------

    test('every B2C combination outside the reference table -> 400 00060700 naming the combination', async () => {
      let checked = 0;
      for (const interfaceType of INTERFACE_TYPES) {
        for (const method of METHODS) {
          if (REFERENCE_B2C[interfaceType]!.includes(method)) continue;
          const res = await create(shop, {
            payment_method: method,
            interface_type: interfaceType,
            business_type: 'B2C',
            payer_info: { phone: PHONE, wechat_in_app_web: { open_id: 'oX' } },
          });
          fails(res, 400, '00060700');
          const msg = res.json.meta.ret_msg as string;
          assert.ok(
            msg.includes(method) && msg.includes(interfaceType),
            `${interfaceType} + ${method}: the message names the combination: ${msg}`,
          );
          checked++;
        }
      }
      assert.ok(checked >= 16, `checked ${checked} combinations`);
      // The examples of the brief, spelled out.
      for (const [interfaceType, method] of [
        ['DIRECT_TO_BANK', 'CREDIT_CARD'],
        ['SERVER_TO_SERVER', 'NOT_APPLICABLE'],
        ['SERVER_TO_WEB', 'WECHAT_IN_APP'],
        ['SERVER_TO_H5WEB', 'WECHAT_WEB'],
      ] as const) {
        const res = await create(shop, { payment_method: method, interface_type: interfaceType });
        fails(res, 400, '00060700');
        assert.ok(
          res.json.meta.ret_msg.includes(`${method}`) && res.json.meta.ret_msg.includes(interfaceType),
          `message: ${res.json.meta.ret_msg}`,
        );
      }
    });

    test('every combination inside the reference table is accepted (B2C)', async () => {
      const { openId } = await openIdFor(shop);
      for (const interfaceType of INTERFACE_TYPES) {
        for (const method of REFERENCE_B2C[interfaceType]!) {
          const payer: Record<string, unknown> = {
            payment_method: method,
            interface_type: interfaceType,
            payer_info: { phone: PHONE },
          };
          if (method === 'CREDIT_CARD' || method === 'DEBIT_CARD' || method === 'B2C_ONLINE_BANKING')
            payer.bank_code = 'CCB';
          if (method === 'WECHAT_WEB') payer.payer_info = { wechat_in_app_web: { open_id: openId } };
          const res = await create(shop, payer);
          assert.equal(res.status, 201, `${interfaceType} + ${method}: ${res.text}`);
        }
      }
    });

    // B2B payments themselves: test/api/b2b-payments.test.ts.
    test('B2B (every interface_type and method) without a company or bank -> 400 00060700, never a 5xx', async () => {
      for (const interfaceType of INTERFACE_TYPES) {
        for (const method of METHODS) {
          for (const payerInfo of [undefined, { enterprise_qualification: { enterprise_id: 'ENT1' } }]) {
            const res = await create(shop, {
              payment_method: method,
              interface_type: interfaceType,
              business_type: 'B2B',
              ...(payerInfo ? payerInfo : {}),
            });
            assert.ok(res.status < 500, `${interfaceType} + B2B + ${method}: ${res.status} ${res.text}`);
            fails(res, 400, '00060700');
            assert.ok(
              res.json.meta.ret_msg.includes(method) && res.json.meta.ret_msg.includes('B2B'),
              `message names the combination: ${res.json.meta.ret_msg}`,
            );
          }
        }
      }
      // business_type spelled in lower case is the same B2B.
      fails(
        await create(shop, {
          payment_method: 'NOT_APPLICABLE',
          interface_type: 'direct_to_bank',
          business_type: 'b2b',
        }),
        400,
        '00060700',
      );
    });

    // ---- the payer pays: POST /sandbox/payments/{id}/pay --------------------------------------------

    test(
      'pay (default outcome): TRADE_SUCCESS, execute_success_time, ' + 'and a signed notification at the merchant',
      async () => {
        const payment = await qrPayment();
        const res = await pay(payment.id);
        ok(res);
        assert.equal(res.json.payment.id, payment.id);
        assert.equal(res.json.payment.state, 'TRADE_SUCCESS');
        assert.match(res.json.payment.execute_success_time ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
        assert.match(res.json.payment.settle_date ?? '', /^\d{8}$/);

        const got = await get(shop, payment.id);
        ok(got);
        assert.equal(got.json.payment.state, 'TRADE_SUCCESS');
        assert.equal(got.json.payment.execute_success_time, res.json.payment.execute_success_time);
        assert.deepEqual(
          got.json.payment.links.map((l: { ref: string }) => l.ref),
          ['self', 'refund', 'apply_to_customs'],
          'a paid payment can be refunded, and declared (its sub-order is is_customs TRUE)',
        );

        const delivery = await merchant.waitForPayment(payment.id, { state: 'TRADE_SUCCESS' });
        assert.equal(delivery.verifyError, undefined);
        assert.ok(delivery.event?.type === 'payment', 'a payment notification');
        const notified = (delivery.event as { payment: any }).payment;
        assert.equal(notified.id, payment.id);
        assert.equal(notified.order.mer_reference_id, payment.order.mer_reference_id);
        assert.equal(notified.execute_success_time, res.json.payment.execute_success_time);
        assert.equal(
          notified.payer.payer_info.qr_code_scan.qr_code_url,
          payment.payer.payer_info.qr_code_scan.qr_code_url,
        );
        assert.equal(merchant.rejected.length, 0, 'every notification verified');
      },
    );

    test('pay {"outcome":"fail"}: TRADE_FAIL and a notification', async () => {
      const payment = await qrPayment(shop, 'ALIPAY_SCAN');
      const res = await pay(payment.id, { outcome: 'fail' });
      ok(res);
      assert.equal(res.json.payment.state, 'TRADE_FAIL');
      assert.equal(res.json.payment.execute_success_time, undefined);
      assert.equal(res.json.payment.error?.ret_code, '00060750');
      const delivery = await merchant.waitForPayment(payment.id, { state: 'TRADE_FAIL' });
      assert.equal((delivery.event as { payment: any }).payment.error.ret_code, '00060750');
      assert.deepEqual(
        (await get(shop, payment.id)).json.payment.links.map((l: { ref: string }) => l.ref),
        ['self'],
      );
    });

    test('paying again a paid or failed payment -> a clear error and no second notification', async () => {
      const paid = await qrPayment();
      ok(await pay(paid.id));
      const failed = await qrPayment();
      ok(await pay(failed.id, { outcome: 'fail' }));
      await merchant.waitForPayment(paid.id, { state: 'TRADE_SUCCESS' });
      await merchant.waitForPayment(failed.id, { state: 'TRADE_FAIL' });

      for (const outcome of [undefined, 'success', 'fail']) {
        const again = await pay(paid.id, outcome === undefined ? undefined : { outcome });
        fails(again, 402, '00060750');
        assert.match(again.json.meta.ret_msg, /already been paid/, again.text);
        const retry = await pay(failed.id, outcome === undefined ? undefined : { outcome });
        fails(retry, 409, '00060765');
      }
      assert.equal((await get(shop, paid.id)).json.payment.state, 'TRADE_SUCCESS');
      assert.equal((await get(shop, failed.id)).json.payment.state, 'TRADE_FAIL');
      assert.equal((await outboxRows(paid.id)).length, 1, 'one notification for the paid payment');
      assert.equal((await outboxRows(failed.id)).length, 1, 'one notification for the failed payment');
      await sleep(400); // the notifier polls every 50 ms: anything extra would have arrived
      assert.equal(merchant.deliveriesFor(paid.id).length, 1, 'no second notification (paid)');
      assert.equal(merchant.deliveriesFor(failed.id).length, 1, 'no second notification (failed)');
    });

    test(
      '20 concurrent pays of one payment: ' + 'exactly one TRADE_SUCCESS, one outbox row, the others refused',
      async () => {
        const payment = await qrPayment();
        const results = await Promise.all(Array.from({ length: 20 }, () => pay(payment.id)));
        const succeeded = results.filter((r) => r.status === 200);
        assert.equal(succeeded.length, 1, `exactly one pay wins: ${results.map((r) => r.status).join(',')}`);
        assert.equal(succeeded[0]!.json.payment.state, 'TRADE_SUCCESS');
        for (const r of results.filter((x) => x.status !== 200)) {
          assert.ok(
            r.status >= 400 && r.status < 500,
            `a losing pay is refused, not a server error: ${r.status} ${r.text}`,
          );
          assert.ok(['00060750', '00060761'].includes(r.json?.meta?.ret_code), `already paid / in process: ${r.text}`);
        }
        assert.equal((await outboxRows(payment.id)).length, 1, 'one outbox row');
        const events = await h.gateway.context.db
          .selectFrom('payment_events')
          .select('type')
          .where('payment_id', '=', payment.id)
          .where('type', '=', 'TRADE_SUCCESS')
          .execute();
        assert.equal(events.length, 1, 'one TRADE_SUCCESS event on the timeline');
        await merchant.waitForPayment(payment.id, { state: 'TRADE_SUCCESS' });
        await sleep(300);
        assert.equal(merchant.deliveriesFor(payment.id).length, 1, 'one notification delivered');
      },
    );

    test('pay: an unknown or malformed payment id -> 404 00060760', async () => {
      fails(await pay('PAY_NOSUCHPAYMENT0000000000'), 404, '00060760');
      fails(await pay('not-a-payment-id'), 404, '00060760');
    });

    test('pay: card payments are refused with 400 (API cards and checkout cards)', async () => {
      const card = await created(shop, {
        payment_method: 'CREDIT_CARD',
        bank_code: 'CCB',
        payer_info: { phone: PHONE },
      });
      const res = await pay(card.id);
      fails(res, 400, '00060700');
      assert.match(res.json.meta.ret_msg, /card/i);
      const webCard = await created(shop, { payment_method: 'DEBIT_CARD', interface_type: 'SERVER_TO_WEB' });
      fails(await pay(webCard.id), 400, '00060700');
      assert.equal((await get(shop, card.id)).json.payment.state, 'WAIT_BUYER_PAY');
      assert.equal((await outboxRows(card.id)).length, 0);
    });

    test('pay: a bad outcome, a bad body or the wrong wallet -> 400, nothing changes', async () => {
      const payment = await qrPayment();
      for (const body of [{ outcome: 'maybe' }, { outcome: 1 }, '{not json', '[1]']) {
        const res = await pay(payment.id, body);
        assert.equal(res.status, 400, res.text);
        assert.ok(res.json?.meta?.ret_code === '00060700' || res.json?.meta?.ret_code === '00060701', res.text);
      }
      const wrongWallet = await pay(payment.id, { provider: 'ALIPAY' });
      fails(wrongWallet, 400, '00060700');
      assert.match(wrongWallet.json.meta.ret_msg, /Alipay/);
      const alipay = await qrPayment(shop, 'ALIPAY_SCAN');
      const wrongWechat = await pay(alipay.id, { provider: 'WECHAT' });
      fails(wrongWechat, 400, '00060700');
      assert.match(wrongWechat.json.meta.ret_msg, /WeChat/);
      fails(await pay(alipay.id, { provider: 'PAYPAL' }), 400, '00060700');
      assert.equal((await get(shop, payment.id)).json.payment.state, 'WAIT_BUYER_PAY');
      assert.equal((await get(shop, alipay.id)).json.payment.state, 'WAIT_BUYER_PAY');
      // The right wallet, named explicitly, pays.
      ok(await pay(alipay.id, { provider: 'ALIPAY' }));
    });

    test('pay: WeChat in-app, WeChat JS-API and a NOT_APPLICABLE checkout payment (paid by Alipay)', async () => {
      const app = await created(shop, { payment_method: 'WECHAT_IN_APP' });
      const appPaid = await pay(app.id);
      ok(appPaid);
      assert.equal(appPaid.json.payment.state, 'TRADE_SUCCESS');

      const { openId } = await openIdFor(shop);
      const jsapi = await created(shop, {
        payment_method: 'WECHAT_WEB',
        payer_info: { wechat_in_app_web: { open_id: openId } },
      });
      ok(await pay(jsapi.id, { outcome: 'success' }));

      const checkout = await created(shop, { payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_H5WEB' });
      const paid = await pay(checkout.id, { provider: 'ALIPAY' });
      ok(paid);
      assert.equal(paid.json.payment.state, 'TRADE_SUCCESS');
      assert.equal(paid.json.payment.paid_with, 'ALIPAY_SCAN', 'the method the payer chose on the checkout page');
      for (const id of [app.id, jsapi.id, checkout.id]) await merchant.waitForPayment(id, { state: 'TRADE_SUCCESS' });
    });

    // ---- expiry ---------------------------------------------------------------------------------------

    test(
      'an unpaid QR payment expires: GET shows TRADE_CLOSED (00060751), ' + 'the merchant is notified, paying fails',
      async () => {
        const payment = await qrPayment();
        // expire_time "1": one minute.
        const body = order({ payment_method: 'ALIPAY_SCAN', payer_info: { phone: PHONE } }) as {
          order: Record<string, unknown>;
        };
        body.order.expire_time = '1';
        const expiring = await h.call(shop, 'POST', '/payments/payment', body);
        ok(expiring, 201);
        const id = expiring.json.payment.id as string;
        h.clock.advance(2 * 60_000);
        const got = await get(shop, id);
        ok(got);
        assert.equal(got.json.payment.state, 'TRADE_CLOSED');
        assert.equal(got.json.payment.error?.ret_code, '00060751');
        assert.equal(got.json.payment.execute_success_time, undefined);
        const delivery = await merchant.waitForPayment(id, { state: 'TRADE_CLOSED' });
        assert.equal((delivery.event as { payment: any }).payment.error.ret_code, '00060751');
        const late = await pay(id);
        fails(late, 409, '00060751');
        assert.equal((await get(shop, id)).json.payment.state, 'TRADE_CLOSED');
        assert.equal((await outboxRows(id)).length, 1, 'one notification');
        // A payment with the default expiry (6 h) is still open.
        assert.equal((await get(shop, payment.id)).json.payment.state, 'WAIT_BUYER_PAY');
      },
    );

    test('the background job closes an expired QR payment without any query, and notifies the merchant', async () => {
      const body = order({ payment_method: 'WECHAT_SCAN', interface_type: 'DIRECT_TO_BANK' }) as {
        order: Record<string, unknown>;
      };
      body.order.expire_time = '1';
      const res = await h.call(shop, 'POST', '/payments/payment', body);
      ok(res, 201);
      const id = res.json.payment.id as string;
      h.clock.advance(2 * 60_000);
      const delivery = await merchant.waitForPayment(id, { state: 'TRADE_CLOSED', timeoutMs: 10_000 });
      const notified = (delivery.event as { payment: any }).payment;
      assert.equal(notified.state, 'TRADE_CLOSED');
      assert.equal(notified.error.ret_code, '00060751');
      fails(await pay(id, { outcome: 'success' }), 409, '00060751');
      assert.equal((await outboxRows(id)).length, 1);
    });
  });
}
