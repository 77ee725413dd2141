/**
 * The console in Chromium: sign in (wrong password, then right) with the labelled fields and the
 * `Sign in` button, the overview's real figures, the audit log of the sign-ins, sign out and sign
 * out everywhere by their buttons, a POST without the token refused, the phone's collapsing
 * sidebar, the theme toggle (remembered) and zh; axe-core on the sign-in, overview and audit pages
 * (no serious or critical violation, light and dark); screenshots console-*.png, desktop and phone,
 * light and dark.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { DESKTOP, PHONE, REPO_ROOT, foreignRequests, launchBrowser, shot, visibleText } from '../helpers/browser.ts';
import { paidWalletPayment, paymentBody } from '../helpers/refunds.ts';
import { registerCompany } from '../helpers/b2b.ts';

const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;
const PASSWORD = 'a long console password';
const AXE = readFileSync(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's violations of the page that are serious or critical. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o?: unknown) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function signIn(page: Page, baseUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

describe('the console in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let merchantId: string;
  before(async () => {
    h = await startHarness(sqlite, { workers: true });
    browser = await launchBrowser();
    const accounts = h.gateway.context.services.consoleAccounts;
    await accounts.createOperator({ email: 'ops@example.com', role: 'admin', password: PASSWORD });
    await accounts.createOperator({ email: 'viewer@example.com', role: 'viewer', password: PASSWORD });
    const shop = await h.merchant({ name: 'Tea House' });
    const other = await h.merchant({ name: 'Other Shop' });
    merchantId = shop.id;
    await accounts.addMerchantUser({ merchantId: shop.id, email: 'finance@teahouse.example', password: PASSWORD });
    // Real figures: paid and waiting payments of two methods, notifications to a dead port (retrying),
    // a company awaiting review.
    await paidWalletPayment(h, shop);
    await paidWalletPayment(h, shop, '25.00');
    await paidWalletPayment(h, other, '12.50');
    for (const method of ['WECHAT_SCAN', 'ALIPAY_SCAN']) {
      const res = await h.call(shop, 'POST', '/payments/payment', paymentBody(method, '8.80', 'USD'));
      assert.equal(res.status, 201, res.text);
    }
    await registerCompany(h, shop, { enabled: false });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  const context = (options: BrowserContextOptions = DESKTOP) => browser.newContext({ ...options });

  test('sign in: a wrong password is refused, the right one opens the overview with real figures', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const foreign = foreignRequests(page, [h.baseUrl]);
    await page.goto(`${h.baseUrl}/console`);
    assert.equal(new URL(page.url()).pathname, '/console/login');
    await shot(page, 'console-login-desktop-light');
    await signIn(page, h.baseUrl, 'ops@example.com', 'not my password');
    assert.match(await page.getByRole('alert').innerText(), /Wrong email or password\./);
    assert.equal(await page.getByLabel('Email').inputValue(), 'ops@example.com');
    await shot(page, 'console-login-error-desktop-light');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.baseUrl}/console`);
    const text = await visibleText(page);
    for (const expected of ['Overview', 'Payments today', 'Success rate', 'Notification health', 'Awaiting review']) {
      assert.ok(text.includes(expected), `the overview shows "${expected}": ${text}`);
    }
    assert.equal(await page.locator('[data-figure="payments-today"]').innerText(), '5');
    assert.equal(await page.locator('[data-figure="success-rate"]').innerText(), '60.0 %');
    assert.equal(await page.locator('[data-figure="pending-reviews"]').innerText(), '1');
    // Sidebar: the pages that exist are links; the others say they are not there yet.
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).getAttribute('href'), '/console/audit');
    assert.equal(await page.getByRole('link', { name: 'Payments' }).count(), 0);
    assert.match(await page.locator('.nav-item.soon', { hasText: 'Payments' }).innerText(), /Soon/i);
    await shot(page, 'console-overview-desktop-light');
    assert.deepEqual(foreign, [], 'nothing from another site');
    await ctx.close();
  });

  test('the audit log shows the sign-ins, newest first, with who and from where', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, h.baseUrl, 'ops@example.com');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(`${h.baseUrl}/console/audit`);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.first().getAttribute('data-action'), 'login', 'the newest entry is this sign-in');
    const text = await visibleText(page);
    assert.ok(text.includes('Sign-in failed'), 'the failed sign-in is there');
    assert.ok(text.includes('Signed in'));
    assert.ok(text.includes('ops@example.com'));
    assert.ok(text.includes('127.0.0.1'));
    assert.ok(!text.includes('not my password'), 'never the password');
    await shot(page, 'console-audit-desktop-light');
    await ctx.close();
  });

  test('sign out, and sign out everywhere, by their buttons', async () => {
    const one = await context();
    const two = await context();
    const a = await one.newPage();
    const b = await two.newPage();
    await signIn(a, h.baseUrl, 'viewer@example.com');
    await signIn(b, h.baseUrl, 'viewer@example.com');
    await a.getByRole('button', { name: 'Sign out', exact: true }).click();
    await a.waitForURL(/\/console\/login\?out=1$/);
    assert.match(await a.getByRole('status').innerText(), /You are signed out\./);
    await b.reload();
    assert.equal(new URL(b.url()).pathname, '/console', 'the other session lives on');
    await signIn(a, h.baseUrl, 'viewer@example.com');
    await b.getByRole('button', { name: 'Sign out everywhere' }).click();
    await b.waitForURL(/out=all$/);
    await a.goto(`${h.baseUrl}/console/audit`);
    assert.equal(new URL(a.url()).pathname, '/console/login', 'every session of the account ended');
    assert.match(await a.getByRole('status').innerText(), /Your session has ended/);
    await one.close();
    await two.close();
  });

  test('a form posted without its token is refused with a 403 page; a viewer is refused the admin page', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, h.baseUrl, 'viewer@example.com');
    await page.evaluate(() => document.querySelectorAll('input[name=csrf]').forEach((i) => i.remove()));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/console/logout')),
      page.getByRole('button', { name: 'Sign out', exact: true }).click(),
    ]);
    assert.equal(response.status(), 403);
    assert.match(await visibleText(page), /Request refused/);
    await page.goto(`${h.baseUrl}/console`);
    assert.equal(new URL(page.url()).pathname, '/console', 'still signed in: nothing happened');
    const admin = await page.goto(`${h.baseUrl}/console/accounts`);
    assert.equal(admin?.status(), 403);
    assert.match(await visibleText(page), /Not allowed/);
    await shot(page, 'console-forbidden-desktop-light');
    await ctx.close();
  });

  test('a merchant user sees its merchant only, and no operator page', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, h.baseUrl, 'finance@teahouse.example');
    assert.equal(await page.locator('[data-figure="payments-today"]').innerText(), '4');
    assert.match(await visibleText(page), new RegExp(`Merchant ${merchantId}`));
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    assert.equal(await page.locator('.nav-item', { hasText: 'FX rates' }).count(), 0);
    const audit = await page.goto(`${h.baseUrl}/console/audit`);
    assert.equal(audit?.status(), 403);
    await ctx.close();
  });

  test('phone: the sidebar collapses behind the menu button', async () => {
    const ctx = await context(PHONE);
    const page = await ctx.newPage();
    await page.goto(`${h.baseUrl}/console/login`);
    await shot(page, 'console-login-phone-light');
    await signIn(page, h.baseUrl, 'ops@example.com');
    const sidebar = page.locator('#sidebar');
    const hidden = await sidebar.boundingBox();
    assert.ok(hidden && hidden.x + hidden.width <= 1, `the sidebar is off screen: ${JSON.stringify(hidden)}`);
    await shot(page, 'console-overview-phone-light');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.waitForTimeout(300);
    const shown = await sidebar.boundingBox();
    assert.ok(shown && shown.x >= 0, 'the menu opens it');
    assert.equal(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded'), 'true');
    await shot(page, 'console-nav-phone-light', { fullPage: false });
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/console\/audit$/);
    await shot(page, 'console-audit-phone-light');
    await ctx.close();
  });

  test('dark theme: the system preference, and the toggle remembered in a cookie', async () => {
    const dark = await context({ ...DESKTOP, colorScheme: 'dark' });
    const page = await dark.newPage();
    await page.goto(`${h.baseUrl}/console/login`);
    await shot(page, 'console-login-desktop-dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(246, 247, 249)', 'dark by the system preference');
    await signIn(page, h.baseUrl, 'ops@example.com');
    await shot(page, 'console-overview-desktop-dark');
    await page.goto(`${h.baseUrl}/console/audit`);
    await shot(page, 'console-audit-desktop-dark');
    await dark.close();

    const phone = await context({ ...PHONE, colorScheme: 'dark' });
    const p = await phone.newPage();
    await p.goto(`${h.baseUrl}/console/login`);
    await shot(p, 'console-login-phone-dark');
    await signIn(p, h.baseUrl, 'ops@example.com');
    await shot(p, 'console-overview-phone-dark');
    await p.goto(`${h.baseUrl}/console/audit`);
    await shot(p, 'console-audit-phone-dark');
    await phone.close();

    const light = await context();
    const q = await light.newPage();
    await signIn(q, h.baseUrl, 'ops@example.com');
    await q.getByRole('link', { name: 'Dark theme' }).click();
    await q.waitForURL(`${h.baseUrl}/console`);
    assert.equal(await q.locator('html').getAttribute('data-theme'), 'dark');
    await q.goto(`${h.baseUrl}/console/audit`);
    assert.equal(await q.locator('html').getAttribute('data-theme'), 'dark', 'remembered');
    await q.getByRole('link', { name: 'Light theme' }).click();
    await q.waitForURL(/\/console\/audit$/);
    assert.equal(await q.locator('html').getAttribute('data-theme'), 'light');
    await light.close();
  });

  test('zh: the console in Chinese', async () => {
    const ctx = await context({ ...DESKTOP, locale: 'zh-CN' });
    const page = await ctx.newPage();
    await page.goto(`${h.baseUrl}/console/login`, { waitUntil: 'domcontentloaded' });
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.getByLabel('邮箱').fill('ops@example.com');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${h.baseUrl}/console`);
    const text = await visibleText(page);
    assert.ok(text.includes('今日支付') && text.includes('审计日志'), text);
    await shot(page, 'console-overview-desktop-light-zh');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${h.baseUrl}/console`);
    assert.ok((await visibleText(page)).includes('Payments today'), 'English, remembered by the link');
    await ctx.close();
  });

  test('axe-core: no serious or critical violation on sign-in, overview and audit, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const options of [DESKTOP, PHONE]) {
        const ctx = await context({ ...options, colorScheme });
        const page = await ctx.newPage();
        await page.goto(`${h.baseUrl}/console/login`);
        assert.deepEqual(await seriousViolations(page), [], `sign-in (${colorScheme})`);
        await signIn(page, h.baseUrl, 'ops@example.com');
        assert.deepEqual(await seriousViolations(page), [], `overview (${colorScheme})`);
        await page.goto(`${h.baseUrl}/console/audit`);
        assert.deepEqual(await seriousViolations(page), [], `audit log (${colorScheme})`);
        await ctx.close();
      }
    }
  });
});
