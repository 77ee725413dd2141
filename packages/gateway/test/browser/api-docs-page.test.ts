/**
 * The API reference at /docs in Chromium, on desktop and phone: it renders the document of
 * /cberest/v1/openapi.json (the integration guide, every operation by tag, the schemas), loads nothing
 * from another site, logs no console error (a CSP violation would be one), and an operation opens with
 * its body schema and its answers. Screenshots: test-artifacts/screenshots/api-docs-*.png.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';

import { DESKTOP, PHONE, foreignRequests, launchBrowser, shot, visibleText } from '../helpers/browser.ts';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { API_ROUTES } from '../../src/api-docs/api-operations.ts';

describe('the API reference page (browser)', () => {
  let h: Harness;
  let browser: Browser;
  let origin: string;

  // The gateway itself, as `npm start` serves it: its /docs is built from its own routes.
  before(async () => {
    browser = await launchBrowser();
    h = await startHarness(testDatabaseUrls()[0]!, { workers: false });
    origin = h.baseUrl;
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /** Opens /docs and waits for the operations; returns the page and what it did. */
  async function open(viewport: typeof DESKTOP | typeof PHONE) {
    const context = await browser.newContext(viewport);
    const page = await context.newPage();
    const foreign = foreignRequests(page, [origin]);
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    const res = await page.goto(`${origin}/docs`, { waitUntil: 'networkidle' });
    assert.equal(res?.status(), 200);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    return { page, foreign, problems, close: () => context.close() };
  }

  async function assertOperations(page: Page): Promise<void> {
    const text = await visibleText(page);
    assert.match(text, /UMF cross-border payment API/);
    for (const tag of ['OAuth', 'Reference data', 'Payments', 'Refunds', 'Customs', 'Reports', 'Settlement'])
      assert.ok(text.includes(tag), `the tag ${tag} is shown`);
    const operations = await page.locator('.opblock').count();
    assert.equal(operations, API_ROUTES.length, 'every operation is listed');
    for (const route of API_ROUTES) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      assert.equal(
        await page.locator(`.opblock-${route.method.toLowerCase()} [data-path="${path}"]`).count(),
        1,
        `${route.method} ${path} is listed`,
      );
    }
  }

  test('desktop: the guide, every operation, an operation opened with its body and answers', async () => {
    const { page, foreign, problems, close } = await open(DESKTOP);
    try {
      await assertOperations(page);
      const text = await visibleText(page);
      for (const words of [
        'Access token',
        'Signed responses',
        'Encrypted fields',
        'Idempotency',
        'Sandbox',
        '00280703',
      ])
        assert.ok(text.includes(words), `the guide shows "${words}"`);
      await shot(page, 'api-docs-desktop');

      // Open "Create a payment": its body schema and its answers.
      await page.locator('.opblock-post [data-path="/payments/payment"]').first().click();
      const opened = page.locator('.opblock.is-open').first();
      await opened.locator('.responses-table').first().waitFor({ timeout: 10_000 });
      await opened.locator('.opblock-section-request-body').scrollIntoViewIfNeeded();
      await shot(page, 'api-docs-desktop-create-payment', { fullPage: false });
      const detail = (await opened.innerText()).replace(/\s+/g, ' ');
      for (const words of ['signature', 'idempotency-key', 'Request body', 'mer_reference_id', '201', '4XX'])
        assert.ok(detail.includes(words), `the operation shows ${words}`);

      assert.deepEqual(foreign, [], 'nothing is loaded from another site');
      assert.deepEqual(problems, [], 'no console error, no failed request');
    } finally {
      await close();
    }
  });

  test('phone: the same operations, readable', async () => {
    const { page, foreign, problems, close } = await open(PHONE);
    try {
      await assertOperations(page);
      assert.equal(await page.evaluate(() => window.innerWidth), PHONE.viewport.width, 'laid out for the phone');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px too wide)`);
      await shot(page, 'api-docs-phone');
      await shot(page, 'api-docs-phone-top', { fullPage: false });
      await page.locator('.opblock-tag-section').nth(2).scrollIntoViewIfNeeded();
      await shot(page, 'api-docs-phone-payments', { fullPage: false });
      assert.deepEqual(foreign, []);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
