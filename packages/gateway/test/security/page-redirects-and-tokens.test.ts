/**
 * The people's pages as an attacker uses them: the sandbox WeChat JS-API sheet sends the payer only to
 * the payment's ret_url (a foreign redirect_url is refused with a page and pays nothing); every page's
 * CSP lets its forms go to this gateway only, plus the one origin its form is answered with a redirect
 * to (the signed ret_url or notify_url); page links die an hour after their payment's expiry (410
 * "link expired"); and the request log never shows the tokens of page URLs.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { PAGE_TOKEN_GRACE_MS } from '../../src/crypto/page-tokens.ts';
import { jsApiQuery } from '../helpers/wechat.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `PR${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();
const RET_URL = 'http://127.0.0.1:9/shop/return?order=1';
const NOTIFY_URL = 'http://127.0.0.1:8/openid';

interface World {
  h: Harness;
  merchant: TestMerchant;
  /** An authorisation link (its state) and an open_id issued through it. */
  openId(): Promise<{ link: string; openId: string }>;
  /** A WECHAT_WEB payment: its id and the JS-API query of its pay_info. */
  jsapi(extra?: Record<string, unknown>): Promise<{ id: string; query: URLSearchParams }>;
  created(payer: Record<string, unknown>, extra?: Record<string, unknown>): Promise<any>;
  state(id: string): Promise<string>;
}

async function world(h: Harness): Promise<World> {
  const merchant = await h.merchant({ name: 'Redirect Shop' });
  const created = async (payer: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const res = await h.call(merchant, 'POST', '/payments/payment', sampleOrder(ref('P'), { payer, ...extra }));
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  const openId = async () => {
    const res = await h.call(merchant, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(NOTIFY_URL)}`);
    assert.equal(res.status, 200, res.text);
    const link = (res.json.links[0].href as string).replace(/#.*$/, '');
    const accepted = await fetch(`${h.baseUrl}/sandbox/wechat/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: new URL(link).searchParams.get('state')!, decision: 'accept' }).toString(),
      redirect: 'manual',
    });
    assert.equal(accepted.status, 302);
    return { link, openId: new URL(accepted.headers.get('location')!).searchParams.get('open_id')! };
  };
  return {
    h,
    merchant,
    openId,
    created,
    async jsapi(extra = {}) {
      const { openId: id } = await openId();
      const json = await created(
        { payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: id } } },
        { ret_url: RET_URL, ...extra },
      );
      const info = json.payment.payer.payer_info.wechat_in_app_web.pay_info;
      const query = jsApiQuery(info);
      return { id: json.payment.id as string, query };
    },
    async state(id) {
      const res = await h.call(merchant, 'GET', `/payments/payment/${id}`);
      assert.equal(res.status, 200, res.text);
      return res.json.payment.state as string;
    },
  };
}

const formAction = (res: Response) =>
  /(?:^|;\s*)form-action ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1];

const confirm = (h: Harness, form: URLSearchParams) =>
  fetch(`${h.baseUrl}/sandbox/wechat/jsapi`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });

describe('page redirects and CSP', () => {
  let w: World;
  before(async () => {
    w = await world(await startHarness(sqlite, { workers: false }));
  });
  after(async () => {
    await w?.h.close();
  });

  test('JS-API: a foreign redirect_url is refused with a page, nothing is paid, no redirect', async () => {
    const { h } = w;
    const { id, query } = await w.jsapi();
    for (const evil of ['https://evil.example/phish', 'http://127.0.0.1:9/elsewhere', `${RET_URL}&x=1`]) {
      const form = new URLSearchParams(query);
      form.set('redirect_url', evil);
      const page = await fetch(`${h.baseUrl}/sandbox/wechat/jsapi?${form}`);
      const body = await page.text();
      assert.equal(page.status, 400, `the sheet is refused for ${evil}`);
      assert.ok(body.includes('redirect_url is not the payment'), body);
      assert.ok(!body.includes('data-testid="confirm"'), 'no confirm button');
      const posted = await confirm(h, form);
      assert.equal(posted.status, 400, `confirm with ${evil}`);
      assert.equal(posted.headers.get('location'), null, 'not a redirect');
      assert.ok((await posted.text()).includes('redirect_url is not the payment'));
    }
    assert.equal(await w.state(id), 'WAIT_BUYER_PAY', 'nothing was paid');

    const form = new URLSearchParams(query);
    form.set('redirect_url', RET_URL);
    const paid = await confirm(h, form);
    assert.equal(paid.status, 303, 'redirect_url equal to ret_url is the way back');
    assert.equal(paid.headers.get('location'), RET_URL);
    assert.equal(await w.state(id), 'TRADE_SUCCESS');
  });

  test("CSP form-action: 'self' everywhere, plus only the signed redirect target's origin", async () => {
    const { h } = w;
    const qr = await w.created({ payment_method: 'WECHAT_SCAN' });
    const web = await w.created({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const wallet = await fetch(qr.payment.payer.payer_info.qr_code_scan.qr_code_url);
    const pages: Array<[string, Response]> = [
      ['checkout', await fetch(web.links[3].href)],
      ['wallet', wallet],
      ['error page', await fetch(`${h.baseUrl}/checkout/${web.payment.id}?t=${'0'.repeat(32)}`)],
    ];
    for (const [where, res] of pages) {
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', where);
      assert.equal(formAction(res), "'self'", `${where}: forms post to this gateway only`);
    }
    const { link } = await w.openId();
    const authorize = await fetch(link);
    assert.equal(authorize.status, 200);
    assert.equal(formAction(authorize), "'self' http://127.0.0.1:8", 'the authorisation: notify_url (signed state)');
    const { query } = await w.jsapi();
    const sheet = await fetch(`${h.baseUrl}/sandbox/wechat/jsapi?${query}`);
    assert.equal(sheet.status, 200);
    assert.equal(formAction(sheet), "'self' http://127.0.0.1:9", "the JS-API sheet: the payment's ret_url");
  });
});

describe('page tokens expire with their payment', () => {
  let w: World;
  before(async () => {
    w = await world(await startHarness(sqlite, { workers: false }));
  });
  after(async () => {
    await w?.h.close();
  });

  test('after expire_at + grace: checkout, status, wallet, QR and JS-API answer 410 "link expired"', async () => {
    const { h } = w;
    const web = await w.created({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' }, {});
    const qr = await w.created({ payment_method: 'ALIPAY_SCAN' });
    const { query } = await w.jsapi();
    // expire_time is 360 minutes in sampleOrder.
    const checkout = web.links[3].href as string;
    const walletUrl = qr.payment.payer.payer_info.qr_code_scan.qr_code_url;
    assert.ok(walletUrl, JSON.stringify(qr.payment.payer));
    const urls = {
      checkout,
      status: checkout.replace(/\/checkout\/([^?]+)\?/, '/checkout/$1/status?'),
      wallet: walletUrl as string,
      qr: (walletUrl as string).replace(/\?/, '/qr.svg?'),
      jsapi: `${h.baseUrl}/sandbox/wechat/jsapi?${query}`,
    };
    for (const [name, url] of Object.entries(urls)) assert.equal((await fetch(url)).status, 200, `${name} works`);

    h.clock.advance(360 * 60_000 + 60_000);
    const closed = await fetch(checkout);
    assert.equal(closed.status, 200, 'just after expiry the checkout still says what happened');
    assert.ok((await closed.text()).includes('Payment expired'));

    h.clock.advance(PAGE_TOKEN_GRACE_MS);
    for (const [name, url] of Object.entries(urls)) {
      const res = await fetch(url);
      const body = await res.text();
      assert.equal(res.status, 410, `${name}: gone`);
      if (name !== 'status' && name !== 'qr')
        assert.ok(body.includes('This link has expired with its payment'), `${name}: ${body}`);
      assert.ok(!body.includes('Redirect Shop'), `${name}: shows nothing of the payment`);
    }
    const t = new URL(checkout).searchParams.get('t')!;
    const card = await fetch(`${h.baseUrl}/checkout/${web.payment.id}/card`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ t, method: 'CREDIT_CARD', card_number: '6225760000040001' }).toString(),
      redirect: 'manual',
    });
    assert.equal(card.status, 410, 'a POST with an expired token is refused too');
  });
});

describe('the request log', () => {
  let w: World;
  let lines: string[];
  before(async () => {
    lines = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    w = await world(await startHarness(sqlite, { workers: false, logger: { level: 'info', stream } }));
  });
  after(async () => {
    await w?.h.close();
  });

  test('page URLs are logged without their t=, state= and paySign= values', async () => {
    const { h } = w;
    const web = await w.created({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' });
    const checkout = web.links[3].href as string;
    const t = new URL(checkout).searchParams.get('t')!;
    const { link } = await w.openId();
    const state = new URL(link).searchParams.get('state')!;
    const { query } = await w.jsapi();
    const paySign = query.get('paySign')!;
    assert.equal((await fetch(`${checkout}&lang=en`)).status, 200);
    assert.equal((await fetch(link)).status, 200);
    assert.equal((await fetch(`${h.baseUrl}/sandbox/wechat/jsapi?${query}`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const log = lines.join('\n');
    for (const [name, secret] of Object.entries({ t, state, paySign })) {
      assert.ok(!log.includes(secret), `${name} is not in the log`);
      assert.ok(!log.includes(encodeURIComponent(secret)), `${name} (URL-encoded) is not in the log`);
    }
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((l) => l.req?.url ?? []);
    assert.ok(
      urls.includes(`/checkout/${web.payment.id}?t=[REDACTED]&lang=en`),
      `the path and the other parameters stay: ${urls.join(' ')}`,
    );
    assert.ok(urls.some((u) => u.startsWith('/sandbox/wechat/oauth2/authorize?') && u.includes('state=[REDACTED]')));
    assert.ok(urls.some((u) => u.startsWith('/sandbox/wechat/jsapi?') && u.includes('paySign=[REDACTED]')));
  });
});
