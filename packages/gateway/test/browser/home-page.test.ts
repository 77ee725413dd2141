/**
 * The start page `/` and the icon, in Chromium: `/` links the API reference, the OpenAPI document and
 * the console (/console), and in sandbox mode the sandbox endpoints and the test
 * values; a live gateway's `/` has none of the sandbox. Every page links /favicon.svg, /favicon.ico
 * answers an ICO, and no page meets a 404 on its way (`response` events). Errors at `/` are pages;
 * unknown routes elsewhere stay the signed JSON 00060704. Screenshots: home-*.png.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { DESKTOP, PHONE, foreignRequests, launchBrowser, shot, visibleText } from '../helpers/browser.ts';
import type { ChannelsFactory } from '../../src/channels/connectors.ts';
import { SANDBOX_TEST_CARDS, SANDBOX_TEST_VALUES } from '../../src/pages/sandbox-help.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;

/** Connectors for a live gateway that is only looked at (nothing is paid here). */
const idleConnectors: ChannelsFactory = (context) => {
  const never = () => {
    throw new Error('not used in this test');
  };
  return {
    fx: { rate: async () => ({ rate: '7.1234', updatedAt: context.clock.now() }) },
    sms: { send: async () => never() },
    cardBank: { checkCard: async () => never(), debit: async () => never(), inquire: never, refund: never },
    wallet: { qrCodeUrl: never, prepay: never, payInfoValid: never, openIdAuthorizeUrl: never, refund: never },
    customs: { submit: never, inquire: never },
    corporateBank: { paymentPageUrl: never, onResult: () => undefined, returnFunds: never, refund: never },
  };
};

/** Every answer the page met with a status of 400 or more (a missing icon would be one). */
function failedResponses(page: Page): string[] {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
  return failed;
}

describe('the start page and the icon (browser)', () => {
  let sandbox: Harness;
  let live: Harness;
  let browser: Browser;
  let desktop: BrowserContext;
  let phoneZh: BrowserContext;

  before(async () => {
    [sandbox, live, browser] = await Promise.all([
      startHarness(sqlite, { workers: false }),
      startHarness(sqlite, { workers: false, live: { channels: idleConnectors } }),
      launchBrowser(),
    ]);
    desktop = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
    phoneZh = await browser.newContext({ ...PHONE, locale: 'zh-CN' });
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
    await live?.close();
  });

  test('sandbox, desktop, English: the links, the sandbox endpoints and test values, no 404', async () => {
    const page = await desktop.newPage();
    const failed = failedResponses(page);
    const icons: string[] = [];
    page.on('response', (r) => {
      if (/\/favicon\.(svg|ico)$/.test(r.url())) icons.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    const foreign = foreignRequests(page, [sandbox.baseUrl]);
    const res = await page.goto(`${sandbox.baseUrl}/`, { waitUntil: 'networkidle' });
    assert.equal(res?.status(), 200);
    assert.match(res.headers()['content-type'] ?? '', /^text\/html; charset=utf-8/);
    assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    assert.equal(await page.title(), 'UMF Gateway');

    assert.equal(await page.getByTestId('link-docs').getAttribute('href'), '/docs');
    assert.equal(await page.getByTestId('link-openapi').getAttribute('href'), '/cberest/v1/openapi.json');
    assert.equal(await page.getByTestId('link-console').getAttribute('href'), '/console', 'the console is linked');
    assert.equal(await page.getByTestId('console-coming').count(), 0, 'no longer "coming"');
    const text = await visibleText(page);
    for (const expected of [
      'Sandbox mode: every outside party is simulated',
      'GET /sandbox/sms?phone=PHONE',
      'POST /sandbox/payments/{id}/pay',
      'Open to callers on this machine',
      SANDBOX_TEST_VALUES.citizenId,
      'a wrong check digit gives 00060022',
      'insufficient balance (00060730)',
    ]) {
      assert.ok(text.includes(expected), `/ says "${expected}": ${text}`);
    }
    for (const card of SANDBOX_TEST_CARDS) {
      for (const number of [card.credit, card.debit])
        assert.ok(text.includes(number.replace(/(\d{4})(?=\d)/g, '$1 ')), `/ lists ${number}`);
    }
    assert.equal(await page.locator('link[rel=icon]').getAttribute('href'), '/favicon.svg', 'the page links its icon');
    await shot(page, 'home-desktop-en');

    // The links lead somewhere: the API reference renders, the OpenAPI document is JSON.
    await Promise.all([page.waitForURL(/\/docs/), page.getByTestId('link-docs').click()]);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    await page.goBack();
    const [doc] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cberest/v1/openapi.json')),
      page.getByTestId('link-openapi').click(),
    ]);
    assert.equal(doc.status(), 200);
    assert.match(String(((await doc.json()) as { openapi?: string }).openapi), /^3\./);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(failed, [], 'no answer of 400 or more: no missing icon');
    assert.ok(icons.includes('200 /favicon.svg'), `Chromium asked for the icon and got it: ${icons.join(', ')}`);
    assert.ok(
      icons.every((line) => line.startsWith('200 ')),
      `every icon asked for was there: ${icons.join(', ')}`,
    );
    assert.deepEqual(foreign, [], 'nothing from another site');
    await page.close();
  });

  test('phone, Chinese: one column, the same links', async () => {
    const page = await phoneZh.newPage();
    const failed = failedResponses(page);
    await page.goto(`${sandbox.baseUrl}/`, { waitUntil: 'networkidle' });
    const text = await visibleText(page);
    for (const expected of ['UMF 网关', 'API 参考', 'OpenAPI 文档', '管理控制台', '沙箱接口', '沙箱测试数据'])
      assert.ok(text.includes(expected), `/ in Chinese says "${expected}"`);
    assert.ok(!text.includes('即将推出'), 'the console is there, not "coming"');
    const docs = await page.getByTestId('link-docs').boundingBox();
    const openapi = await page.getByTestId('link-openapi').boundingBox();
    assert.ok(docs && openapi && openapi.y >= docs.y + docs.height, 'the links one under the other');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `nothing wider than the phone (${width}px)`);
    await shot(page, 'home-phone-zh');
    assert.deepEqual(failed, []);
    await page.close();
  });

  test('the icon: /favicon.svg and /favicon.ico answer images a browser draws', async () => {
    const svg = await fetch(`${sandbox.baseUrl}/favicon.svg`);
    assert.equal(svg.status, 200);
    assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await svg.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const ico = await fetch(`${sandbox.baseUrl}/favicon.ico`);
    assert.equal(ico.status, 200);
    assert.equal(ico.headers.get('content-type'), 'image/x-icon');
    assert.match(ico.headers.get('cache-control') ?? '', /max-age=\d+/);
    const bytes = Buffer.from(await ico.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 0, 1, 0, 1, 0], 'an ICO directory of one image');

    // Chromium decodes both: the ICO's corner is transparent, the red square and the white U are drawn.
    const page = await desktop.newPage();
    await page.goto(`${sandbox.baseUrl}/`);
    // (A string: the test runner's transform would add helpers the page does not have.)
    const probe = (src: string) =>
      page.evaluate<{ corner: number[]; red: number[]; white: number[]; size: number[] }>(`(async () => {
        const image = new Image();
        image.src = ${JSON.stringify(src)};
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 32;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0, 32, 32);
        const at = (x, y) => [...context.getImageData(x, y, 1, 1).data];
        return { corner: at(0, 0), red: at(4, 16), white: at(10, 12), size: [image.naturalWidth, image.naturalHeight] };
      })()`);
    const pixels = { ico: await probe('/favicon.ico'), svg: await probe('/favicon.svg') };
    for (const [name, probe] of Object.entries(pixels)) {
      assert.equal(probe.corner[3], 0, `${name}: a transparent corner`);
      assert.deepEqual(probe.red, [0xc7, 0x00, 0x0b, 255], `${name}: the red square`);
      assert.deepEqual(probe.white, [255, 255, 255, 255], `${name}: the white U`);
    }
    assert.deepEqual(pixels.ico.size, [32, 32]);
    await page.close();
  });

  test('errors at / are pages; unknown routes elsewhere stay the signed JSON 00060704', async () => {
    const post = await fetch(`${sandbox.baseUrl}/`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.match(post.headers.get('content-type') ?? '', /^text\/html/);
    for (const path of ['/cberest/v1/nope', '/nothing-here']) {
      const res = await fetch(`${sandbox.baseUrl}${path}`);
      const text = await res.text();
      assert.equal(res.status, 404, path);
      assert.equal(JSON.parse(text).meta.ret_code, '00060704', path);
      assert.ok(sandbox.verifies(text), `${path}: signed`);
    }
  });

  test('live mode: / has the links and none of the sandbox', async () => {
    const page = await desktop.newPage();
    const failed = failedResponses(page);
    const res = await page.goto(`${live.baseUrl}/`, { waitUntil: 'networkidle' });
    assert.equal(res?.status(), 200);
    const body = await page.content();
    for (const marker of ['/sandbox/', 'Sandbox', 'sandbox-help', 'sandbox-endpoints', SANDBOX_TEST_VALUES.citizenId])
      assert.ok(!body.includes(marker), `no "${marker}" in live mode`);
    assert.ok((await visibleText(page)).includes('Live mode'), 'says it is live');
    assert.equal(await page.getByTestId('link-docs').getAttribute('href'), '/docs');
    assert.equal(await page.getByTestId('link-openapi').getAttribute('href'), '/cberest/v1/openapi.json');
    await shot(page, 'home-live-desktop-en');
    assert.deepEqual(failed, []);
    await page.close();
  });
});
