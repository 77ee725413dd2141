/**
 * The hosted checkout as a developer tries it, in Chromium:
 *   - sandbox mode: the page explains every test value (test cards and their last four digits, a
 *     citizen id with a valid check digit, any phone, where the SMS code is) and fills them in; a
 *     refused card form (00060022, 00200025) keeps what was typed but the CVV2; once a code is sent, a
 *     sandbox banner shows this payment's code (the one the sandbox SMS inbox has) and fills it in;
 *   - every test card of the help does what the help says (over HTTP);
 *   - live mode (a gateway with connectors, UMF_MODE=live): none of the sandbox help, no code shown,
 *     and a refused form still keeps what was typed.
 * Screenshots: checkout-sandbox-*.png and checkout-live-*.png (desktop, English; phone, Chinese).
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { DESKTOP, PHONE, foreignRequests, launchBrowser, shot, visibleText } from '../helpers/browser.ts';
import type { ChannelsFactory } from '../../src/channels/connectors.ts';
import { SANDBOX_TEST_CARDS, SANDBOX_TEST_VALUES } from '../../src/pages/sandbox-help.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
let seq = 0;
const ref = (label: string) => `S${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

const TYPED = {
  card: '6225760000040001',
  validDate: '3012',
  cvv2: '739',
  holder: 'Li Wei',
  // The help's citizen id with its check digit broken (…002X is right): 00060022.
  badCitizenId: '110105194912310021',
  phone: '13912345678',
};

/** What a live gateway's connectors do in this test: every card is good, the SMS are only recorded. */
function liveChannels(sent: Array<{ phone: string; code: string; paymentId: string }>): ChannelsFactory {
  return (context) => ({
    fx: { rate: async () => ({ rate: '7.1234', updatedAt: context.clock.now() }) },
    sms: {
      send: async (message) => {
        sent.push(message);
      },
    },
    cardBank: {
      checkCard: async () => ({ ok: true }),
      debit: async () => ({ outcome: 'success' }),
      inquire: async () => ({ outcome: 'success' }),
      refund: async () => ({ outcome: 'success' }),
    },
    wallet: {
      qrCodeUrl: (paymentId, provider) => `https://wallet.example/${provider}/${paymentId}`,
      prepay: () => {
        throw new Error('no prepay in this test');
      },
      payInfoValid: () => false,
      openIdAuthorizeUrl: () => 'https://wallet.example/authorize',
      refund: async () => ({ outcome: 'success' }),
    },
    customs: {
      submit: async () => ({ outcome: 'pending', retryAt: context.clock.now() + 60_000 }),
      inquire: async () => ({ outcome: 'pending', retryAt: context.clock.now() + 60_000 }),
    },
    corporateBank: {
      paymentPageUrl: (order) => `https://bank.example/${order.bankCode}/${order.paymentId}`,
      onResult: () => undefined,
      returnFunds: async () => ({ outcome: 'success' }),
      refund: async () => ({ outcome: 'success' }),
    },
  });
}

describe('checkout: sandbox help, kept fields, the sandbox SMS banner (browser)', () => {
  let sandbox: Harness;
  let live: Harness;
  let shop: TestMerchant;
  let liveShop: TestMerchant;
  let browser: Browser;
  let desktop: BrowserContext;
  let phoneZh: BrowserContext;
  const liveSms: Array<{ phone: string; code: string; paymentId: string }> = [];

  before(async () => {
    [sandbox, live, browser] = await Promise.all([
      startHarness(sqlite, { workers: false }),
      startHarness(sqlite, {
        workers: false,
        live: { channels: liveChannels(liveSms) },
        outbound: { allowPrivate: true, allow: [] },
      }),
      launchBrowser(),
    ]);
    shop = await sandbox.merchant({ name: 'Lantern Tea House' });
    liveShop = await live.merchant({ name: 'Lantern Tea House' });
    desktop = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
    await live?.close();
  });

  /** A web payment (the buyer picks the method on the checkout); its id and upay link. */
  async function webPayment(h: Harness, merchant: TestMerchant): Promise<{ id: string; upay: string }> {
    const order = sampleOrder(ref('W'), {
      payer: { payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' },
      ret_url: 'http://127.0.0.1:9/done',
    });
    const res = await h.call(merchant, 'POST', '/payments/payment', order);
    assert.equal(res.status, 201, res.text);
    return { id: res.json.payment.id, upay: res.json.links[3].href };
  }

  async function inboxCode(paymentId: string, phone: string): Promise<string> {
    const res = await fetch(`${sandbox.baseUrl}/sandbox/sms?phone=${phone}`);
    const { messages } = (await res.json()) as { messages: Array<{ code: string; payment_id: string }> };
    const message = messages.find((m) => m.payment_id === paymentId);
    assert.ok(message, `an SMS for ${paymentId}`);
    return message.code;
  }

  async function fill(page: Page, values: { card: string; citizenId: string }): Promise<void> {
    await page.locator('#card_number').fill(values.card);
    await page.locator('#valid_date').fill(TYPED.validDate);
    await page.locator('#cvv2').fill(TYPED.cvv2);
    await page.locator('#holder_name').fill(TYPED.holder);
    await page.locator('#citizen_id').fill(values.citizenId);
    await page.locator('#phone').fill(TYPED.phone);
  }

  /** Posts the card form; the answer to the POST (the page shown after it). */
  async function sendCode(page: Page) {
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/card')),
      page.getByTestId('send-code').click(),
    ]);
    await page.waitForLoadState('load');
    return answer;
  }

  async function assertKept(page: Page, values: { card: string; citizenId: string }, where: string): Promise<void> {
    assert.equal(await page.locator('#card_number').inputValue(), values.card, `${where}: card number kept`);
    assert.equal(await page.locator('#valid_date').inputValue(), TYPED.validDate, `${where}: expiry kept`);
    assert.equal(await page.locator('#holder_name').inputValue(), TYPED.holder, `${where}: holder kept`);
    assert.equal(await page.locator('#citizen_id').inputValue(), values.citizenId, `${where}: citizen id kept`);
    assert.equal(await page.locator('#phone').inputValue(), TYPED.phone, `${where}: phone kept`);
    assert.equal(await page.locator('#cvv2').inputValue(), '', `${where}: the CVV2 is typed again`);
    assert.ok(!(await page.content()).includes(`value="${TYPED.cvv2}"`), `${where}: the CVV2 is nowhere in the page`);
  }

  test('sandbox, desktop, English: the help, a 00060022 that keeps the fields, the SMS banner, paid', async () => {
    const { id, upay } = await webPayment(sandbox, shop);
    const page = await desktop.newPage();
    const foreign = foreignRequests(page, [sandbox.baseUrl]);
    await page.goto(upay);

    const help = page.getByTestId('sandbox-help');
    const helpText = (await help.innerText()).replace(/\s+/g, ' ');
    for (const card of SANDBOX_TEST_CARDS) {
      assert.ok(helpText.includes(card.credit.replace(/(\d{4})(?=\d)/g, '$1 ')), `the help lists ${card.credit}`);
    }
    for (const expected of [
      'insufficient balance (00060730)',
      'Card expired (00200026)',
      'Card information not correct (00200025)',
      'about 5 s late',
      'Card number not correct (00060875)',
      `Citizen ID: ${SANDBOX_TEST_VALUES.citizenId}`,
      'a wrong check digit gives 00060022',
      'any mainland mobile number',
      'GET /sandbox/sms?phone=13800138000',
    ]) {
      assert.ok(helpText.includes(expected), `the help says "${expected}": ${helpText}`);
    }
    assert.ok(
      (await visibleText(page)).includes(`Sandbox: ${SANDBOX_TEST_VALUES.citizenId} (valid check digit)`),
      'the citizen id field has its hint',
    );
    const summary = await page.locator('section[aria-labelledby=summary-title]').boundingBox();
    const helpBox = await help.boundingBox();
    const pay = await page.locator('section[aria-labelledby=pay-title]').boundingBox();
    assert.ok(
      summary && helpBox && pay && helpBox.y > summary.y + summary.height && helpBox.x + helpBox.width <= pay.x,
      `the help is below the summary, beside the payment: ${JSON.stringify({ summary, helpBox, pay })}`,
    );
    await shot(page, 'checkout-sandbox-help-desktop-en');

    // A citizen id whose check digit is wrong: 00060022, every field but the CVV2 kept.
    await fill(page, { card: TYPED.card, citizenId: TYPED.badCitizenId });
    const refusal = await sendCode(page);
    assert.equal(refusal.status(), 400);
    assert.equal(refusal.headers()['cache-control'], 'no-store');
    const text = await visibleText(page);
    assert.ok(text.includes('The citizen ID number is not valid.') && text.includes('00060022'), text);
    await assertKept(page, { card: TYPED.card, citizenId: TYPED.badCitizenId }, 'after 00060022');
    assert.equal(await page.locator('#citizen_id').getAttribute('aria-invalid'), 'true', 'the citizen id is marked');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'citizen_id', 'the cursor is on it');
    assert.equal(await page.getByTestId('sandbox-sms').count(), 0, 'no code before one is sent');
    await shot(page, 'checkout-sandbox-error-kept-desktop-en');

    // Fixed: the id of the help, the CVV2 again. The code step shows this payment's code.
    await page.locator('#citizen_id').fill(SANDBOX_TEST_VALUES.citizenId);
    await page.locator('#cvv2').fill(TYPED.cvv2);
    assert.equal((await sendCode(page)).status(), 303);
    await page.getByTestId('code-sent').waitFor();
    const code = await inboxCode(id, TYPED.phone);
    assert.equal(await page.getByTestId('sandbox-sms-code').innerText(), code, 'the banner shows the inbox code');
    const banner = (await page.getByTestId('sandbox-sms').innerText()).replace(/\s+/g, ' ');
    assert.ok(banner.includes(`sent to ${TYPED.phone}`), banner);
    assert.ok(banner.includes(`GET /sandbox/sms?phone=${TYPED.phone}`), banner);
    assert.ok(!(await page.content()).includes(TYPED.card), 'the code step (a GET) has no card number');
    await shot(page, 'checkout-sandbox-sms-banner-desktop-en');

    await page.getByTestId('sandbox-sms').getByRole('button').click();
    assert.equal(await page.locator('#sms_code').inputValue(), code, '"Fill in" puts the code in the field');
    await Promise.all([page.waitForURL(/\/checkout\//), page.getByTestId('pay').click()]);
    await page.getByTestId('result-title').waitFor();
    assert.ok((await visibleText(page)).includes('Payment successful'));
    assert.deepEqual(foreign, [], 'nothing from another site');
    await page.close();
  });

  test('sandbox, phone, Chinese: fill in test values, a refused test card keeps the fields, the banner', async () => {
    const { id, upay } = await webPayment(sandbox, shop);
    const page = await phoneZh.newPage();
    await page.goto(upay);
    const help = page.getByTestId('sandbox-help');
    const pay = await page.locator('section[aria-labelledby=pay-title]').boundingBox();
    const helpBox = await help.boundingBox();
    assert.ok(pay && helpBox && helpBox.y >= pay.y + pay.height, 'on a phone the help comes after the payment');
    const helpText = (await help.innerText()).replace(/\s+/g, ' ');
    assert.ok(helpText.includes('沙箱测试数据') && helpText.includes('校验码不符时提示 00060022'), helpText);
    await shot(page, 'checkout-sandbox-help-phone-zh');

    await page.getByTestId('fill-test').click();
    assert.equal(await page.locator('#card_number').inputValue(), SANDBOX_TEST_CARDS[0]!.credit);
    assert.equal(await page.locator('#citizen_id').inputValue(), SANDBOX_TEST_VALUES.citizenId);
    assert.equal(await page.locator('#phone').inputValue(), SANDBOX_TEST_VALUES.phone);
    assert.equal(await page.locator('#cvv2').inputValue(), SANDBOX_TEST_VALUES.cvv2);
    // The 0004 card of the table instead: the bank refuses it (00200025).
    const row = help.locator('tr[data-last4="0004"]');
    await row.getByRole('button').click();
    const card0004 = SANDBOX_TEST_CARDS.find((c) => c.last4 === '0004')!.credit;
    assert.equal(await page.locator('#card_number').inputValue(), card0004);
    assert.equal((await sendCode(page)).status(), 402, 'the bank refused the card');
    const text = await visibleText(page);
    assert.ok(text.includes('银行卡信息有误') && text.includes('00200025'), text);
    assert.equal(await page.locator('#card_number').inputValue(), card0004, 'the card number is kept');
    assert.equal(await page.locator('#citizen_id').inputValue(), SANDBOX_TEST_VALUES.citizenId, 'the id is kept');
    assert.equal(await page.locator('#cvv2').inputValue(), '', 'the CVV2 is typed again');
    assert.ok(text.includes('为保障安全，请重新输入 CVV2 安全码。'), 'and the page says so');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cvv2', 'the cursor waits in the CVV2');
    await shot(page, 'checkout-sandbox-error-kept-phone-zh');

    await page.locator('#card_number').fill(SANDBOX_TEST_CARDS[0]!.credit);
    await page.locator('#cvv2').fill(SANDBOX_TEST_VALUES.cvv2);
    assert.equal((await sendCode(page)).status(), 303);
    const code = await inboxCode(id, SANDBOX_TEST_VALUES.phone);
    assert.equal(await page.getByTestId('sandbox-sms-code').innerText(), code);
    assert.ok((await page.getByTestId('sandbox-sms').innerText()).includes('沙箱短信'));
    await shot(page, 'checkout-sandbox-sms-banner-phone-zh');
    await page.close();
  });

  test("the help's test values do what it says (every card, both kinds, over HTTP)", async () => {
    const expected: Record<string, string> = {
      '0001': 'sent',
      '0002': 'sent',
      '0003': '00200026',
      '0004': '00200025',
      '0005': 'sent',
      luhn: '00060875',
    };
    for (const card of SANDBOX_TEST_CARDS) {
      for (const kind of ['CREDIT_CARD', 'DEBIT_CARD'] as const) {
        const { upay } = await webPayment(sandbox, shop);
        const number = kind === 'CREDIT_CARD' ? card.credit : card.debit;
        const res = await postCardForm(upay, {
          method: kind,
          card_number: number,
          ...(kind === 'CREDIT_CARD'
            ? { valid_date: SANDBOX_TEST_VALUES.validDate, cvv2: SANDBOX_TEST_VALUES.cvv2 }
            : {}),
          holder_name: SANDBOX_TEST_VALUES.holderName,
          citizen_id: SANDBOX_TEST_VALUES.citizenId,
          phone: SANDBOX_TEST_VALUES.phone,
        });
        const body = await res.text();
        const outcome = res.status === 303 ? 'sent' : (/Code (\d{8})/.exec(body)?.[1] ?? `HTTP ${res.status}`);
        assert.equal(outcome, expected[card.last4], `${kind} ${number}`);
      }
    }
    // The citizen id with a wrong check digit is refused, as the help says.
    const { upay } = await webPayment(sandbox, shop);
    const res = await postCardForm(upay, {
      method: 'CREDIT_CARD',
      card_number: SANDBOX_TEST_CARDS[0]!.credit,
      valid_date: SANDBOX_TEST_VALUES.validDate,
      cvv2: SANDBOX_TEST_VALUES.cvv2,
      holder_name: SANDBOX_TEST_VALUES.holderName,
      citizen_id: TYPED.badCitizenId,
      phone: TYPED.phone,
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Code 00060022/);
  });

  // Moves the sandbox gateway's clock (the live one has its own).
  test("the banner says when its code has expired, and shows only this payment's code", async () => {
    const first = await webPayment(sandbox, shop);
    const second = await webPayment(sandbox, shop);
    const send = async (upay: string) => {
      const res = await postCardForm(upay, {
        method: 'DEBIT_CARD',
        card_number: SANDBOX_TEST_CARDS[0]!.debit,
        holder_name: SANDBOX_TEST_VALUES.holderName,
        citizen_id: SANDBOX_TEST_VALUES.citizenId,
        phone: '13700001111',
      });
      assert.equal(res.status, 303);
    };
    await send(first.upay);
    await send(second.upay);
    const [firstCode, secondCode] = [
      await inboxCode(first.id, '13700001111'),
      await inboxCode(second.id, '13700001111'),
    ];
    const codeOf = (page: string) => /data-testid="sandbox-sms-code">(\d+)</.exec(page)?.[1];
    const firstPage = await (await fetch(`${first.upay}&method=DEBIT_CARD`)).text();
    assert.equal(codeOf(firstPage), firstCode, "the first payment's page shows its own code");
    const fillButton = `data-fill="{&quot;sms_code&quot;:&quot;${firstCode}&quot;}"`;
    assert.ok(firstPage.includes(fillButton), 'with a button that fills it in');
    assert.equal(codeOf(await (await fetch(`${second.upay}&method=DEBIT_CARD`)).text()), secondCode);

    sandbox.clock.advance(5 * 60_000 + 1_000);
    const expired = await (await fetch(`${first.upay}&method=DEBIT_CARD`)).text();
    assert.equal(codeOf(expired), firstCode);
    assert.ok(expired.includes('This code has expired: send a new one.'), 'says the code has expired');
    assert.ok(!expired.includes(fillButton), 'and offers no button to fill it in');
  });

  test('live mode: no sandbox help, no code shown; a refused form still keeps the fields', async () => {
    const { id, upay } = await webPayment(live, liveShop);
    const page = await desktop.newPage();
    await page.goto(upay);
    const sandboxFree = async (where: string) => {
      const body = await page.content();
      for (const marker of ['sandbox-help', 'test-card', 'fill-test', 'sandbox-sms', '/sandbox/', 'Sandbox', '沙箱'])
        assert.ok(!body.includes(marker), `${where}: no "${marker}" in live mode`);
    };
    await sandboxFree('card form');
    assert.ok((await visibleText(page)).includes('Lantern Tea House'));
    await shot(page, 'checkout-live-desktop-en');

    await fill(page, { card: TYPED.card, citizenId: TYPED.badCitizenId });
    assert.equal((await sendCode(page)).status(), 400);
    assert.ok((await visibleText(page)).includes('00060022'));
    await assertKept(page, { card: TYPED.card, citizenId: TYPED.badCitizenId }, 'live, after 00060022');
    await sandboxFree('refused form');
    await shot(page, 'checkout-live-error-kept-desktop-en');

    await page.locator('#citizen_id').fill(SANDBOX_TEST_VALUES.citizenId);
    await page.locator('#cvv2').fill(TYPED.cvv2);
    assert.equal((await sendCode(page)).status(), 303);
    await page.getByTestId('code-sent').waitFor();
    const sms = liveSms.find((m) => m.paymentId === id);
    assert.ok(sms, 'the connector was given the code');
    await sandboxFree('code step');
    assert.ok(!(await visibleText(page)).includes(sms.code), 'the code is only on the phone');
    await shot(page, 'checkout-live-code-step-desktop-en');
    await page.close();
  });
});

/** Posts the checkout's card form (English) of the payment page `upay`, as the browser would; no redirect followed. */
function postCardForm(upay: string, fields: Record<string, string>): Promise<Response> {
  const url = new URL(upay);
  return fetch(`${url.origin}${url.pathname}/card`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: url.searchParams.get('t')!, lang: 'en', ...fields }).toString(),
    redirect: 'manual',
  });
}
