/**
 * The sandbox online bank in a real browser (Chromium), walked like a company's accountant: a
 * merchant creates a B2B payment, the accountant opens its `upay` link (straight to the bank, or
 * through the hosted checkout's bank choice), logs in with the company's sandbox account shown on the
 * page, confirms with the U-shield code and pays; the bank tells the platform, the merchant is
 * notified, the browser goes back to ret_url. Also: the low-balance account (insufficient funds, the
 * order stays open), cancel (back to ret_url, nothing paid), a wrong password, personal online
 * banking. zh and en, desktop (1280) and phone (390), screenshots in test-artifacts/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import {
  DESKTOP,
  PHONE,
  foreignRequests,
  launchBrowser,
  shot,
  startShopServer,
  visibleText,
  type ShopServer,
} from '../helpers/browser.ts';
import { b2bSampleOrder, registerCompany } from '../helpers/b2b.ts';
import { checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import type { EnterpriseRecord } from '../../src/enterprises/enterprise-record.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `BK${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

describe('sandbox online bank pages (browser)', () => {
  let h: Harness;
  let shop: TestMerchant;
  let company: EnterpriseRecord;
  let notifications: MerchantServer;
  let shopSite: ShopServer;
  let browser: Browser;
  let desktopEn: BrowserContext;
  let desktopZh: BrowserContext;
  let phoneZh: BrowserContext;
  let phoneEn: BrowserContext;

  before(async () => {
    [h, browser] = await Promise.all([startHarness(sqlite), launchBrowser()]);
    shop = await h.merchant({ name: 'Huaxi Trading Co.' });
    company = await registerCompany(h, shop, { name: '华西电子商务有限公司' });
    notifications = await startMerchantServer(h.platformCert.toString());
    shopSite = await startShopServer('Huaxi Trading');
    desktopEn = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    desktopZh = await browser.newContext({ ...DESKTOP, locale: 'zh-CN' });
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
    phoneEn = await browser.newContext({ ...PHONE, locale: 'en-GB' });
  });

  after(async () => {
    await browser?.close();
    await notifications?.close();
    await shopSite?.close();
    await h?.close();
  });

  async function b2bPayment(payer?: Record<string, unknown>, currency = 'USD', total = '1250.00') {
    const order = b2bSampleOrder(ref('P'), company.external_enterprise_id, {
      currency,
      total,
      notifyUrl: notifications.notifyUrl,
      ...(payer ? { payer } : {}),
    });
    (order as { ret_url: string }).ret_url = `${shopSite.baseUrl}/return`;
    const res = await h.call(shop, 'POST', '/payments/payment', order);
    assert.equal(res.status, 201, res.text);
    return { id: res.json.payment.id as string, upay: res.json.links[3].href as string };
  }

  const direct = {
    payment_method: 'B2B_ONLINE_BANKING',
    interface_type: 'DIRECT_TO_BANK',
    bank_code: 'CCB',
    enterprise_qualification: { external_enterprise_id: '' },
  };

  async function state(id: string): Promise<string> {
    return (await h.gateway.context.repositories.payments.findById(id))!.state;
  }

  async function waitForState(id: string, wanted: string): Promise<void> {
    for (let i = 0; i < 100 && (await state(id)) !== wanted; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await state(id), wanted);
  }

  async function logIn(page: Page, account: 'main' | 'low', password = '111111') {
    await page.getByTestId(`account-${account}`).check();
    await page.getByTestId('password').fill(password);
    await page.getByTestId('login').click();
    await page.waitForLoadState();
  }

  test('straight to the bank (desktop, en): log in, confirm with the U-shield, pay, back to the shop', async () => {
    const { id, upay } = await b2bPayment({
      ...direct,
      enterprise_qualification: { external_enterprise_id: company.external_enterprise_id },
    });
    assert.match(upay, /\/sandbox\/bank\/ccb\//);
    const page = await desktopEn.newPage();
    const foreign = foreignRequests(page, [h.baseUrl, shopSite.baseUrl]);
    const answer = await page.goto(upay);
    assert.equal(answer?.status(), 200);
    const csp = answer?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-/);
    const login = await visibleText(page);
    for (const words of [
      'China Construction Bank',
      'Corporate online banking',
      'Huaxi Trading Co.',
      '华西电子商务有限公司',
    ])
      assert.ok(login.includes(words), `${words} in: ${login}`);
    assert.match(login, /CNY \d{1,3}(,\d{3})*\.\d{2}/, 'the amount in CNY');
    assert.match(login, /USD 1,250\.00/, 'the order amount');
    assert.match(login, /CNY 10,000,000\.00/, "the main account's balance");
    await shot(page, 'bank-login-desktop-en');

    await logIn(page, 'main', 'wrong');
    assert.match(await visibleText(page), /The login password is not correct/);
    await logIn(page, 'main');
    const confirm = await visibleText(page);
    assert.match(confirm, /Confirm the payment/);
    const code = (await page.getByTestId('ushield-code').innerText()).trim();
    assert.match(code, /^\d{6}$/);
    await shot(page, 'bank-confirm-desktop-en');
    await page.getByTestId('ushield').fill('000000' === code ? '111111' : '000000');
    await page.getByTestId('pay').click();
    await page.waitForLoadState();
    assert.match(await visibleText(page), /The U-shield code is not correct/);
    await page.getByTestId('ushield').fill(code);
    await page.getByTestId('pay').click();
    await page.waitForURL(/\/result\?/);
    assert.equal(await page.getByTestId('result-title').innerText(), 'Payment made');
    await shot(page, 'bank-receipt-desktop-en');

    await waitForState(id, 'TRADE_SUCCESS');
    const delivery = await notifications.waitForPayment(id, { state: 'TRADE_SUCCESS' });
    assert.ok(delivery.event, 'a signed notification the merchant verified');
    assert.equal((await h.gateway.context.repositories.payments.findById(id))!.funds_state, 'held');
    await page.getByTestId('return').click();
    await page.waitForURL(`${shopSite.baseUrl}/return`);
    assert.deepEqual(foreign, [], 'nothing loaded from elsewhere');
    assert.deepEqual((await checkLedger(h.gateway.context.db)).problems, []);
    await page.close();
  });

  test('the low-balance account (phone, zh): insufficient funds, the order stays open; cancel goes back', async () => {
    const { id, upay } = await b2bPayment({ ...direct, enterprise_qualification: { id: company.id } }, 'CNY', '200.04');
    const page = await phoneZh.newPage();
    await page.goto(upay);
    assert.match(await visibleText(page), /中国建设银行/);
    assert.match(await visibleText(page), /企业网上银行/);
    await shot(page, 'bank-login-phone-zh');
    await logIn(page, 'low');
    await page.getByTestId('ushield').fill((await page.getByTestId('ushield-code').innerText()).trim());
    await page.getByTestId('pay').click();
    await page.waitForLoadState();
    const refused = await visibleText(page);
    assert.match(refused, /00060730/, refused);
    await shot(page, 'bank-insufficient-phone-zh');
    assert.equal(await state(id), 'WAIT_BUYER_PAY', 'nothing paid: the order stays open');
    await page.getByTestId('cancel').click();
    await page.waitForURL(`${shopSite.baseUrl}/return`);
    assert.equal(await state(id), 'WAIT_BUYER_PAY', 'cancel pays nothing and closes nothing');
    await page.close();
  });

  test('web checkout (CHECKOUT_COUNTER_WEB): the checkout offers the banks; desktop zh and phone en', async () => {
    const { id, upay } = await b2bPayment();
    assert.match(upay, /\/checkout\//);
    for (const [context, name] of [
      [desktopZh, 'checkout-online-banking-desktop-zh'],
      [phoneEn, 'checkout-online-banking-phone-en'],
    ] as const) {
      const page = await context.newPage();
      await page.goto(upay);
      const text = await visibleText(page);
      assert.ok(/企业网银支付|Corporate online banking/.test(text), text);
      await shot(page, name);
      await page.close();
    }
    const page = await phoneEn.newPage();
    await page.goto(upay);
    await page.getByTestId('bank-CCB').click();
    await page.waitForURL(/\/sandbox\/bank\/ccb\//);
    await shot(page, 'bank-login-phone-en');
    await logIn(page, 'main');
    await page.getByTestId('ushield').fill((await page.getByTestId('ushield-code').innerText()).trim());
    await shot(page, 'bank-confirm-phone-en');
    await page.getByTestId('pay').click();
    await page.waitForURL(/\/result\?/);
    await shot(page, 'bank-receipt-phone-en');
    await waitForState(id, 'TRADE_SUCCESS');
    // Paid: the bank's page says so instead of taking the money again.
    await page.goto(upay.replace('/checkout/', '/checkout/'));
    assert.match(await visibleText(page), /Already paid|already been paid/i);
    await page.close();
  });

  test('personal online banking (B2C_ONLINE_BANKING, desktop zh)', async () => {
    const { id, upay } = await b2bPayment(
      { payment_method: 'B2C_ONLINE_BANKING', bank_code: 'ICBC', payer_info: { phone: '13800138000' } },
      'CNY',
      '88.00',
    );
    const page = await desktopZh.newPage();
    await page.goto(upay);
    const text = await visibleText(page);
    assert.match(text, /中国工商银行/);
    assert.match(text, /个人网上银行/);
    assert.doesNotMatch(text, /付款企业/);
    await shot(page, 'bank-personal-desktop-zh');
    await logIn(page, 'main');
    await page.getByTestId('ushield').fill((await page.getByTestId('ushield-code').innerText()).trim());
    await page.getByTestId('pay').click();
    await page.waitForURL(/\/result\?/);
    await waitForState(id, 'TRADE_SUCCESS');
    assert.equal((await h.gateway.context.repositories.payments.findById(id))!.funds_state, null);
    await page.close();
  });
});
