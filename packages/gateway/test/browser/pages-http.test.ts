/**
 * The people's pages over plain HTTP (no browser): what every page response must carry (strict CSP
 * with a fresh nonce per response, HTML escaping of everything a merchant or payer controls, the
 * language rules), the registration rules (/checkout always, /sandbox pages only in sandbox mode), and
 * malformed requests answered with a page, never a 5xx or a stack trace.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';

import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { buildApp } from '../../src/app.ts';
import { jsApiQuery } from '../helpers/wechat.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `H${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();
const EVIL = '<script>alert(1)</script> & "Co"';

describe('pages over HTTP', () => {
  let h: Harness;
  let merchant: TestMerchant;

  before(async () => {
    h = await startHarness(sqlite, { workers: false });
    merchant = await h.merchant({ name: EVIL });
  });
  after(async () => {
    await h?.close();
  });

  async function create(payer: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<any> {
    const order = sampleOrder(ref('P'), { payer, ...extra });
    (order.order as Record<string, unknown>).order_summary = '<img src=x onerror=alert(2)>';
    const res = await h.call(merchant, 'POST', '/payments/payment', order);
    assert.equal(res.status, 201, res.text);
    return res.json;
  }

  function assertPage(res: Response, body: string, where: string): void {
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/, where);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"])
      assert.ok(csp.includes(directive), `${where}: CSP has ${directive}: ${csp}`);
    assert.ok(
      !csp.includes("'unsafe-inline'") || !/script-src[^;]*'unsafe-inline'/.test(csp),
      `${where}: no unsafe-inline script`,
    );
    const nonces = [...body.matchAll(/<script nonce="([^"]+)">/g)].map((m) => m[1]);
    for (const n of nonces) assert.ok(csp.includes(`'nonce-${n}'`), `${where}: script nonce ${n} is in the CSP`);
    assert.equal((body.match(/<script/g) ?? []).length, nonces.length, `${where}: every script carries the nonce`);
    assert.ok(!/<script src=|@import|url\(http/i.test(body), `${where}: nothing from another site`);
    const links = [...body.matchAll(/<link [^>]*>/gi)].map((m) => m[0]);
    assert.deepEqual(links, ['<link rel="icon" href="/favicon.svg" type="image/svg+xml">'], `${where}: only our icon`);
    assert.ok(!body.includes('<script>alert') && !body.includes('<img src=x'), `${where}: merchant text is escaped`);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${where}: tokens in URLs do not leak in Referer`);
    assert.equal(res.headers.get('cache-control'), 'no-store', where);
  }

  test('wallet, checkout, authorisation and JS-API pages: CSP with a fresh nonce, escaped merchant text', async () => {
    const qr = await create({ payment_method: 'WECHAT_SCAN' });
    const web = await create({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const link = await h.call(
      merchant,
      'GET',
      `/payments/wechat_openid?notify_url=${encodeURIComponent('http://127.0.0.1:9/openid')}`,
    );
    const urls = [
      qr.payment.payer.payer_info.qr_code_scan.qr_code_url,
      web.links[3].href,
      `${web.links[3].href}&method=ALIPAY_SCAN`,
      link.json.links[0].href.replace(/#.*$/, ''),
    ];
    for (const url of urls) {
      const first = await fetch(url);
      const body = await first.text();
      assert.equal(first.status, 200, `${url}: ${body.slice(0, 300)}`);
      assertPage(first, body, url);
      assert.ok(
        body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;'),
        `${url}: the merchant name is shown, escaped`,
      );
      const second = await fetch(url);
      await second.text();
      assert.notEqual(
        first.headers.get('content-security-policy'),
        second.headers.get('content-security-policy'),
        'a new nonce per response',
      );
    }
  });

  test('language: ?lang wins, then Accept-Language, else English', async () => {
    const qr = await create({ payment_method: 'ALIPAY_SCAN' });
    const url = qr.payment.payer.payer_info.qr_code_scan.qr_code_url as string;
    const en = await (await fetch(url)).text();
    assert.ok(en.includes('<html lang="en">') && en.includes('Simulate a failed payment'), 'English by default');
    const zh = await (await fetch(url, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } })).text();
    assert.ok(zh.includes('<html lang="zh-CN">') && zh.includes('模拟支付失败'), 'Chinese from Accept-Language');
    const forced = await (await fetch(`${url}&lang=en`, { headers: { 'accept-language': 'zh-CN' } })).text();
    assert.ok(forced.includes('Simulate a failed payment'), '?lang=en beats Accept-Language');
  });

  test('malformed requests get a page, never a 5xx', async () => {
    const web = await create({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const id = web.payment.id as string;
    const token = new URL(web.links[3].href).searchParams.get('t')!;
    const post = (path: string, body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${h.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body, redirect: 'manual' });
    const cases: Array<[string, Promise<Response>, number]> = [
      ['no token', post(`/checkout/${id}/card`, 'card_number=1'), 403],
      ['JSON instead of a form', post(`/checkout/${id}/card`, '{"t":"x"}', 'application/json'), 415],
      ['empty card form', post(`/checkout/${id}/card`, `t=${token}&method=CREDIT_CARD`), 400],
      ['pay without a code sent', post(`/checkout/${id}/pay`, `t=${token}&sms_code=123456`), 400],
      ['pay with a non-numeric code', post(`/checkout/${id}/pay`, `t=${token}&sms_code=%3Cscript%3E`), 400],
      ['garbage bytes', post(`/checkout/${id}/card`, '\u0000\uffff%%%&&&=='), 403],
      ['unknown wallet', fetch(`${h.baseUrl}/sandbox/wallet/paypal/${id}?t=${token}`), 404],
      ['authorise without state', fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize`), 403],
      [
        'authorise with a nonsense state',
        fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize?state=%E2%9C%93.abc`),
        403,
      ],
      ['JS-API without parameters', fetch(`${h.baseUrl}/sandbox/wechat/jsapi`), 400],
      [
        'JS-API with a made-up signature',
        fetch(
          `${h.baseUrl}/sandbox/wechat/jsapi?appId=wx1&timeStamp=1&nonceStr=n&package=prepay_id%3Dwx1` +
            '&signType=MD5&paySign=ABC',
        ),
        403,
      ],
    ];
    for (const [name, pending, status] of cases) {
      const res = await pending;
      const body = await res.text();
      assert.equal(res.status, status, `${name}: ${body.slice(0, 300)}`);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `${name}: a page`);
      assert.ok(!/\bat .+\.ts:\d+/.test(body), `${name}: no stack trace`);
    }
    const empty = await (await post(`/checkout/${id}/card`, `t=${token}&method=CREDIT_CARD&lang=en`)).text();
    assert.ok(
      empty.includes(
        'Please fill in: Card number, Expiry (YYMM), CVV2, Card holder name, Citizen ID number, Phone number',
      ),
      'says what is missing',
    );
  });

  test('checkout with a late bank (card ...0005): the page says the bank is processing and polls', async () => {
    const web = await create({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const id = web.payment.id as string;
    const token = new URL(web.links[3].href).searchParams.get('t')!;
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${h.baseUrl}/checkout/${id}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ t: token, lang: 'en', ...fields }).toString(),
        redirect: 'manual',
      });
    const sent = await form('card', {
      method: 'CREDIT_CARD',
      card_number: '6225 7600 0000 0005',
      valid_date: '3012',
      cvv2: '123',
      holder_name: 'Zhao Liying',
      citizen_id: '11010519491231002X',
      phone: '13900139000',
    });
    assert.equal(sent.status, 303, await sent.text());
    const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=13900139000`)).json()) as {
      messages: Array<{ code: string; payment_id: string }>;
    };
    const code = inbox.messages.find((m) => m.payment_id === id)?.code;
    assert.ok(code, 'an SMS code');
    const paid = await form('pay', { method: 'CREDIT_CARD', sms_code: code });
    assert.equal(paid.status, 303, await paid.text());
    const page = await fetch(web.links[3].href);
    const body = await page.text();
    assertPage(page, body, 'processing');
    assert.ok(body.includes('The bank is processing your payment'), 'says the bank is processing');
    assert.match(
      body,
      /<body data-status="\/checkout\/PAY_[A-Z0-9]+\/status\?t=[0-9a-f]{32}" data-done="[^"]+">/,
      'the polling script knows where to ask',
    );
  });

  test('JS-API: a redirect_url that is not http(s) is ignored (ret_url is used)', async () => {
    const link = await h.call(
      merchant,
      'GET',
      `/payments/wechat_openid?notify_url=${encodeURIComponent('http://127.0.0.1:9/openid')}`,
    );
    const state = new URL(link.json.links[0].href).searchParams.get('state')!;
    const accepted = await fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state, decision: 'accept', user_name: '' }).toString(),
      redirect: 'manual',
    });
    assert.equal(accepted.status, 302);
    const openId = new URL(accepted.headers.get('location')!).searchParams.get('open_id')!;
    const created = await create(
      { payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: openId } } },
      { ret_url: 'http://127.0.0.1:9/return' },
    );
    const info = created.payment.payer.payer_info.wechat_in_app_web.pay_info;
    const form = jsApiQuery(info, 'javascript:alert(1)');
    const page = await (await fetch(`${h.baseUrl}/sandbox/wechat/jsapi?${form}`)).text();
    assert.ok(page.includes('Sandbox Payer'), 'an empty name is the default sandbox user');
    assert.ok(!/href="javascript:/i.test(page), 'no javascript: link');
    const paid = await fetch(`${h.baseUrl}/sandbox/wechat/jsapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get('location'), 'http://127.0.0.1:9/return');
  });

  test('card errors in Chinese: the domain code and its words in the page language', async () => {
    const web = await create({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const token = new URL(web.links[3].href).searchParams.get('t')!;
    const card = (number: string) =>
      fetch(`${h.baseUrl}/checkout/${web.payment.id}/card`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN' },
        body: new URLSearchParams({
          t: token,
          method: 'CREDIT_CARD',
          card_number: number,
          valid_date: '3012',
          cvv2: '123',
          holder_name: '赵丽颖',
          citizen_id: '11010519491231002X',
          phone: '13800138000',
        }).toString(),
      });
    const luhn = await card('6225760000040002');
    const luhnPage = await luhn.text();
    assert.equal(luhn.status, 400);
    assert.ok(luhnPage.includes('银行卡号输入有误') && luhnPage.includes('00060875'), '00060875 in Chinese');
    // The refused form comes back with what was typed (to fix the number), but the CVV2.
    assert.ok(luhnPage.includes('value="6225760000040002"') && luhnPage.includes('value="赵丽颖"'), 'fields kept');
    assert.ok(!luhnPage.includes('value="123"'), 'never the CVV2');
    assert.equal(luhn.headers.get('cache-control'), 'no-store', 'never cached');
    const incorrect = await (await card('6225760000010004')).text();
    assert.ok(incorrect.includes('银行卡信息有误') && incorrect.includes('00200025'), '00200025 in Chinese');
    const expired = await (await card('6225760000020003')).text();
    assert.ok(expired.includes('银行卡已过期') && expired.includes('00200026'), '00200026 in Chinese');
  });

  test('outside sandbox mode the /sandbox pages do not exist; the checkout does', async () => {
    const web = await create({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const qr = await create({ payment_method: 'WECHAT_SCAN' });
    const ctx = h.gateway.context;
    const app = await buildApp({ context: { ...ctx, config: { ...ctx.config, sandbox: false } } });
    try {
      const path = (url: string) => url.slice(h.baseUrl.length);
      const checkout = await app.inject({ method: 'GET', url: path(web.links[3].href) });
      assert.equal(checkout.statusCode, 200);
      assert.match(checkout.body, /UMF Checkout/);
      assert.ok(!checkout.body.includes('Sandbox: no real money moves'), 'no sandbox note outside the sandbox');
      const wallet = await app.inject({
        method: 'GET',
        url: path(qr.payment.payer.payer_info.qr_code_scan.qr_code_url),
      });
      assert.equal(wallet.statusCode, 404);
      const authorize = await app.inject({ method: 'GET', url: '/sandbox/wechat/oauth2/authorize?state=x' });
      assert.equal(authorize.statusCode, 404);
    } finally {
      await app.close();
    }
  });

  // Last: moves the gateway's clock.
  test('an authorisation link whose state has expired (30 min) shows the error page', async () => {
    const link = await h.call(
      merchant,
      'GET',
      `/payments/wechat_openid?notify_url=${encodeURIComponent('http://127.0.0.1:9/openid')}`,
    );
    const href = link.json.links[0].href.replace(/#.*$/, '');
    assert.equal((await fetch(href)).status, 200, 'fresh link works');
    h.clock.advance(31 * 60_000);
    const res = await fetch(href);
    const body = await res.text();
    assert.equal(res.status, 403);
    assert.ok(body.includes('not valid or has expired'), 'says so');
    const accept = await fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: new URL(href).searchParams.get('state')!, decision: 'accept' }).toString(),
      redirect: 'manual',
    });
    assert.equal(accept.status, 403, 'an expired state issues no open_id');
  });
});
