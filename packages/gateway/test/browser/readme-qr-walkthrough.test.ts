/**
 * The README's "Try a QR payment in a browser" walkthrough, run as written (bash, curl, openssl)
 * against a real gateway on 127.0.0.1, with the person's part (open the wallet page, press pay) done in
 * Chromium. Steps 1 and 2 of the card walkthrough (merchant, key file, token) are done here directly
 * (the card walkthrough's own test runs them against `npm start`), so that this test writes no file
 * at the repository root.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT, launchBrowser, shot, visibleText } from '../helpers/browser.ts';
import { startHarness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

/** Runs a bash script without blocking this process (the gateway answers curl from this event loop). */
function bash(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test(
  'the README QR walkthrough: create with curl, pay on the wallet page in a browser, query TRADE_SUCCESS',
  { timeout: 90_000 },
  async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.split('## Try a QR payment in a browser')[1]?.split('\n## ')[0];
    assert.ok(section, 'the README has the section');
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 2, 'two shell blocks: create, query');

    const workDir = mkdtempSync(join(tmpdir(), 'umf-readme-qr-'));
    const [h, browser] = await Promise.all([
      startHarness(testDatabaseUrls().find((k) => k.name === 'sqlite')!),
      launchBrowser(),
    ]);
    try {
      // Steps 1 and 2 of the card walkthrough: a merchant with its PKCS#8 key file, and an access token.
      const merchant = await h.merchant({ name: 'Curl Shop' });
      const keyFile = join(workDir, 'merchant.key.pem');
      writeFileSync(keyFile, merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const token = await h.token(merchant);
      const base = h.baseUrl;
      const shellEnv = { ...process.env, BASE: base, API: `${base}/cberest/v1`, KEY: keyFile, TOKEN: token };

      // Step 1 of the section, as written.
      const create = await bash(['set -eu', blocks[0]!].join('\n'), shellEnv, workDir);
      assert.equal(create.status, 0, `create block failed:\n${create.stdout}\n${create.stderr}`);
      const paymentId = /^payment: (PAY_[A-Z0-9]+)$/m.exec(create.stdout)?.[1];
      const walletUrl = /^wallet page: (\S+)$/m.exec(create.stdout)?.[1];
      const qrUrl = /^QR code: (\S+)$/m.exec(create.stdout)?.[1];
      assert.ok(
        paymentId && walletUrl && qrUrl,
        `the block prints the payment, the wallet page and the QR code: ${create.stdout}`,
      );
      assert.ok(walletUrl.startsWith(`${base}/sandbox/wallet/wechat/${paymentId}?t=`), walletUrl);
      const svg = await fetch(qrUrl);
      assert.equal(svg.status, 200, 'the printed QR code URL works');
      assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/);

      // Step 2: a person opens the page and presses pay.
      const page = await (
        await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
      ).newPage();
      await page.goto(walletUrl);
      const text = await visibleText(page);
      for (const expected of ['Curl Shop', '¥712.48', 'USD 100.02', 'Pay ¥712.48', 'Simulate a failed payment']) {
        assert.ok(text.includes(expected), `the wallet page shows "${expected}", as the README says: ${text}`);
      }
      await shot(page, 'readme-qr-wallet');
      await Promise.all([page.waitForURL(/\/result\?/), page.getByRole('button', { name: 'Pay ¥712.48' }).click()]);
      assert.ok((await visibleText(page)).includes('Payment successful'), 'the result page');
      await shot(page, 'readme-qr-wallet-paid');

      // Step 3, as written.
      const query = await bash(['set -eu', `PAYMENT_ID=${paymentId}`, blocks[1]!].join('\n'), shellEnv, workDir);
      assert.equal(query.status, 0, `query block failed:\n${query.stdout}\n${query.stderr}`);
      assert.equal(query.stdout.trim(), '"state":"TRADE_SUCCESS"');
    } finally {
      await browser.close();
      await h.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  },
);
