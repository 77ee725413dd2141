/**
 * The whole B2B flow of seeds 2.7-2.9 and reference chapter 4, as the parties do it:
 *
 *   merchant (umf-sdk)      registers a company                       POST /enterprise_qualification
 *   operator                approves it (rank A)                      EnterpriseService.approve
 *   merchant                waits for ENABLE, creates a B2B payment   enterprises.waitFor, payments.create
 *   company's accountant    pays on the bank's page (Chromium)        the sandbox corporate bank
 *   platform -> merchant    a signed TRADE_SUCCESS notification        verified by the merchant's server
 *   merchant                uploads the contract and the invoice      documents.upload (FTP, basic-ftp)
 *   operator                approves the documents                    DocumentService.approve
 *   platform                settles: the held CNY exchanged at the    SettlementService.run
 *                           rate of the release
 *
 * and then finds the exchange in the ledger (held -> payable -> settled, every entry balanced) and in
 * the reconciliation statement. On SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { UmfClient } from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { DESKTOP, launchBrowser, shot, startShopServer, visibleText, type ShopServer } from '../helpers/browser.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { chinaToday } from '../helpers/b2b.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { chinaDate } from '../../src/time/china-time.ts';

let seq = 0;
const ref = (label: string) => `E2E${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

for (const kind of testDatabaseUrls()) {
  describe(`B2B end to end: company, bank page, notification, documents over FTP, settlement (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let client: UmfClient;
    let notifications: MerchantServer;
    let site: ShopServer;
    let browser: Browser;

    before(async () => {
      [h, browser] = await Promise.all([startHarness(kind, { ftp: {} }), launchBrowser()]);
      shop = await h.merchant({ name: 'Huaxi Trading Co.' });
      client = sdkClient(h, shop, { ftp: { host: '127.0.0.1', port: h.ftpPort, ...shop.ftp } });
      notifications = await startMerchantServer(h.platformCert.toString());
      site = await startShopServer('Huaxi Trading');
    });

    after(async () => {
      await browser?.close();
      await notifications?.close();
      await site?.close();
      await h?.close();
    });

    test('register, approve, pay in the bank, notify, upload, approve the documents, settle', async () => {
      const ctx = h.gateway.context;
      const ledger = (account: string) => accountBalance(ctx.db, account);

      // 1. The merchant registers the company: DISABLE until the platform verified it.
      const externalId = ref('CO');
      const registered = await client.enterprises.register({
        external_enterprise_id: externalId,
        enterprise_name: '华西电子商务有限公司',
        enterprise_contacts: 'Feng Jian',
        enterprise_phone: '13241350000',
        busi_type: 'GFHG',
      });
      const companyId = registered.enterprise.id;
      assert.match(companyId, /^EQ_/);
      assert.equal(registered.enterprise.enterprise_status, 'DISABLE');

      // 2. The operator approves it (the service the CLI and the console call); the merchant polls.
      const [enabled] = await Promise.all([
        client.enterprises.waitFor(companyId, { intervalMs: 50, timeoutMs: 10_000 }),
        ctx.services.enterprises.approve(companyId, 'A'),
      ]);
      assert.equal(enabled.enterprise_status, 'ENABLE');
      assert.equal(enabled.rank, 'A');

      // 3. A B2B payment in USD, straight to the company's bank (CCB); the rate is locked now.
      const merReferenceId = ref('ORD');
      const created = await client.payments.create({
        payer: {
          payment_method: 'B2B_ONLINE_BANKING',
          bank_code: 'CCB',
          enterprise_qualification: { external_enterprise_id: externalId },
        },
        order: {
          mer_reference_id: merReferenceId,
          mer_date: chinaToday(),
          amount: { total: '1250.00', currency: 'USD' },
          order_summary: 'Machine parts',
          expire_time: '360',
          sub_orders: [
            {
              mer_sub_reference_id: `${merReferenceId}1`,
              amount: { total: '1250.00', currency: 'USD' },
              trans_code: '01121990',
            },
          ],
        },
        notify_url: notifications.notifyUrl,
        ret_url: `${site.baseUrl}/return`,
      });
      const paymentId = created.payment.id;
      assert.equal(created.payment.state, 'WAIT_BUYER_PAY');
      assert.deepEqual(
        created.links.map((l) => l.ref),
        ['self', 'refund', 'apply_to_customs', 'upay'],
      );
      const totalCny = created.payment.order.amount.total_cny!;
      const upay = created.links[3]!.href;

      // 4. The accountant pays on the bank's page: log in, the U-shield code, pay, back to the shop.
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      const page = await context.newPage();
      await page.goto(upay);
      const login = await visibleText(page);
      assert.ok(login.includes('Huaxi Trading Co.'), `the payee on the page: ${login}`);
      assert.ok(login.includes(`CNY ${Number(totalCny).toLocaleString('en-US', { minimumFractionDigits: 2 })}`));
      await page.getByTestId('account-main').check();
      await page.getByTestId('password').fill('111111');
      await page.getByTestId('login').click();
      await page.waitForLoadState();
      await page.getByTestId('ushield').fill((await page.getByTestId('ushield-code').innerText()).trim());
      await page.getByTestId('pay').click();
      await page.waitForURL(/\/result\?/);
      await shot(page, 'b2b-e2e-bank-receipt');
      await page.getByTestId('return').click();
      await page.waitForURL(`${site.baseUrl}/return`);
      await context.close();

      // 5. The platform's signed notification reaches the merchant, who verifies it.
      const delivery = await notifications.waitForPayment(paymentId, { state: 'TRADE_SUCCESS' });
      assert.ok(delivery.event, `the notification verified: ${delivery.verifyError}`);
      assert.equal(delivery.event.type, 'payment');
      const paid = await client.payments.get(paymentId);
      assert.equal(paid.payment.state, 'TRADE_SUCCESS');
      const cny = BigInt(totalCny.replace('.', ''));
      assert.equal(await ledger(`b2b_held:${shop.id}:CNY`), -cny, 'the paid CNY is held for the documents');

      // 6. The merchant uploads the contract and the invoice over FTP (one ZIP, the next sequence).
      const uploaded = await client.documents.upload(paid.payment, [
        { name: 'contract.pdf', data: '%PDF-1.4 contract of sale' },
        { name: 'invoice.pdf', data: '%PDF-1.4 commercial invoice' },
      ]);
      assert.equal(uploaded.fileName, `${merReferenceId}${chinaToday()}0001.zip`);
      const documents = await ctx.services.documents.list({ paymentId });
      assert.deepEqual(
        documents.map((d) => [d.id, d.status]),
        [[uploaded.documentId, 'pending']],
      );

      // 7. The operator approves them: the held CNY becomes the merchant's at the rate of now.
      const rate = (await ctx.channels.fx.rate('USD'))!.rate;
      const approved = await ctx.services.documents.approve(uploaded.documentId!);
      assert.equal(approved.status, 'approved');
      const released = (await ctx.repositories.payments.findById(paymentId))!;
      assert.equal(released.funds_state, 'released');
      assert.equal(released.funds_release_rate, rate);
      assert.equal(await ledger(`b2b_held:${shop.id}:CNY`), 0n, 'nothing held any more');

      // 8. Settlement exchanges it (at the release's rate), and the ledger and statement show it.
      h.clock.advance(1000);
      const settleDate = chinaDate(h.clock.now());
      const run = await ctx.services.settlement.run({ settleDate, cutoffAt: h.clock.now() });
      const transfer = run.settlements.find((s) => s.merchantId === shop.id && s.currency === 'USD');
      assert.ok(transfer, `a USD settlement of the shop: ${JSON.stringify(run.skipped)}`);
      assert.equal(transfer.paymentCount, 1);
      assert.equal(await ledger(`merchant_settled:${shop.id}:USD`), transfer.netMinor, 'the exchange in the ledger');
      assert.equal(await ledger(`merchant_payable:${shop.id}:CNY`), 0n, 'the merchant is paid out');
      assert.deepEqual((await checkLedger(ctx.db)).problems, [], 'every entry balanced, every balance explained');

      const statement = await client.reconciliation.get({ settleDate });
      const line = statement.payment_summaries.find((p) => p.payment_id === paymentId);
      assert.ok(line, 'the payment is on the reconciliation statement');
      assert.equal(line.exchange_amount.exchange_rate, rate);
      assert.equal(statement.amount.currency, 'USD');
    });
  });
}
