/**
 * Looking at the platform from the command line, beside a running gateway on the same database:
 * merchants (create echoes what it set up; list; show with keys), payments (list with filters and
 * pages; show with the timeline, refunds and notifications), and times in one named zone.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paidCardPayment, paidWalletPayment } from '../helpers/refunds.ts';
import { runCli } from '../helpers/cli.ts';

for (const kind of testDatabaseUrls()) {
  describe(`umf-gateway merchant and payments commands (${kind.name})`, () => {
    let h: Harness;
    let at: string[];
    before(async () => {
      h = await startHarness(kind, { workers: false });
      at = ['--database', h.gateway.context.store.url, '--data-dir', h.dataDir];
    });
    after(() => h?.close());
    const shared = () => !h.gateway.context.store.url.startsWith('pglite:');

    test('merchant create echoes its currencies and fee; list and show find it, never with its secret', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const created = await runCli([
        'merchant',
        'create',
        '--name',
        'Tea House',
        '--currencies',
        'usd,EUR',
        '--service-fee',
        '1.25%',
        ...at,
      ]);
      assert.equal(created.code, 0, created.err);
      assert.match(created.out, /^currencies: USD,EUR$/m);
      assert.match(created.out, /^service_fee: 1\.25 %$/m);
      const id = /^merchant_id: (M\d+)$/m.exec(created.out)![1]!;
      const secret = /^client_secret: ([0-9a-f]+)$/m.exec(created.out)![1]!;

      const list = await runCli(['merchant', 'list', ...at]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /^MERCHANT\s+NAME\s+STATUS\s+CURRENCIES\s+FEE\s+CREATED$/m);
      assert.match(
        list.out,
        new RegExp(
          `^${id}\\s+Tea House\\s+active\\s+USD,EUR\\s+1\\.25 %\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+08:00$`,
          'm',
        ),
      );
      const json = JSON.parse((await runCli(['merchant', 'list', '--json', ...at])).out) as Array<
        Record<string, unknown>
      >;
      const mine = json.find((m) => m.merchant_id === id)!;
      assert.deepEqual(mine.currencies, ['USD', 'EUR']);
      assert.equal(mine.service_fee_bp, 125);

      const show = await runCli(['merchant', 'show', id, ...at]);
      assert.equal(show.code, 0, show.err);
      assert.match(show.out, /^service_fee: 1\.25 % \(125 bp\)$/m);
      assert.match(show.out, /^KEY_\S+\s+active\s+\S+/m);
      for (const text of [list.out, show.out, JSON.stringify(json)])
        assert.ok(!text.includes(secret), 'no secret shown');
      const missing = await runCli(['merchant', 'show', 'M00000000000', ...at]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no merchant M00000000000/);
    });

    test('payments list: filters, search by reference or last four, pages; show tells the whole story', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const shop = await h.merchant({ name: 'List Shop' });
      const other = await h.merchant({ name: 'Other Shop' });
      const card = await paidCardPayment(h, shop, '12.00', 'USD');
      const wallet = await paidWalletPayment(h, shop, '30.00', 'EUR');
      await paidWalletPayment(h, other, '5.00', 'USD');
      const refund = await h.call(shop, 'POST', `/payments/payment/${wallet.id}/refund`, {
        order: {
          mer_reference_id: `R${Date.now()}`,
          mer_date: wallet.order.mer_date,
          amount: { total: '10.00', currency: 'EUR' },
        },
        notify_url: 'http://127.0.0.1:9/refund-notify',
      });
      assert.equal(refund.status, 201, refund.text);

      const mine = await runCli(['payments', 'list', '--merchant', shop.id, '--json', ...at]);
      assert.equal(mine.code, 0, mine.err);
      const ids = (JSON.parse(mine.out) as Array<{ payment_id: string }>).map((p) => p.payment_id);
      assert.deepEqual(ids, [wallet.id, card.id], "the shop's payments, newest first");

      const eur = JSON.parse(
        (await runCli(['payments', 'list', '--merchant', shop.id, '--currency', 'EUR', '--json', ...at])).out,
      );
      assert.deepEqual(
        eur.map((p: { payment_id: string }) => p.payment_id),
        [wallet.id],
      );
      const byMethod = JSON.parse(
        (await runCli(['payments', 'list', '--merchant', shop.id, '--method', 'credit_card', '--json', ...at])).out,
      );
      assert.deepEqual(
        byMethod.map((p: { payment_id: string }) => p.payment_id),
        [card.id],
      );
      const byRef = JSON.parse(
        (await runCli(['payments', 'list', '--search', card.order.mer_reference_id, '--json', ...at])).out,
      );
      assert.deepEqual(
        byRef.map((p: { payment_id: string }) => p.payment_id),
        [card.id],
      );
      const byLast4 = JSON.parse(
        (await runCli(['payments', 'list', '--merchant', shop.id, '--search', '0001', '--json', ...at])).out,
      );
      assert.deepEqual(
        byLast4.map((p: { payment_id: string }) => p.payment_id),
        [card.id],
      );
      const closed = JSON.parse(
        (
          await runCli([
            'payments',
            'list',
            '--merchant',
            shop.id,
            '--state',
            'TRADE_CLOSED,WAIT_BUYER_PAY',
            '--json',
            ...at,
          ])
        ).out,
      );
      assert.deepEqual(closed, []);
      const tomorrow = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      const future = JSON.parse((await runCli(['payments', 'list', '--from', tomorrow, '--json', ...at])).out);
      assert.deepEqual(future, [], 'nothing was created tomorrow');

      const page1 = await runCli(['payments', 'list', '--merchant', shop.id, '--limit', '1', ...at]);
      assert.match(
        page1.out,
        new RegExp(`^${wallet.id}\\s+${shop.id}\\s+TRADE_SUCCESS\\s+WECHAT_SCAN\\s+30\\.00 EUR`, 'm'),
      );
      assert.match(page1.out, new RegExp(`more: umf-gateway payments list --before ${wallet.id}`));
      const page2 = JSON.parse(
        (
          await runCli([
            'payments',
            'list',
            '--merchant',
            shop.id,
            '--limit',
            '1',
            '--before',
            wallet.id,
            '--json',
            ...at,
          ])
        ).out,
      );
      assert.deepEqual(
        page2.map((p: { payment_id: string }) => p.payment_id),
        [card.id],
      );

      const show = await runCli(['payments', 'show', wallet.id, ...at]);
      assert.equal(show.code, 0, show.err);
      assert.match(show.out, /^state: TRADE_SUCCESS$/m);
      assert.match(show.out, /^amount: 30\.00 EUR = \d+\.\d\d CNY at \d+\.\d+$/m);
      assert.match(show.out, /^refunded: 10\.00 EUR$/m);
      assert.match(show.out, /^timeline:\n/m);
      assert.match(show.out, new RegExp(`^${refund.json.refund.id}\\s+REFUND_PROCESS\\s+10\\.00 EUR`, 'm'));
      assert.match(show.out, /^notifications:\nNTF_\S+ PAY_\S+ pending http:\/\/127\.0\.0\.1:9\/payment-notify$/m);
      const json = JSON.parse((await runCli(['payments', 'show', card.id, '--json', ...at])).out);
      assert.equal(json.card_last4, '0001');
      assert.ok(json.timeline.length >= 3, `created, SMS, paid: ${JSON.stringify(json.timeline)}`);
      assert.ok(!JSON.stringify(json).includes('6225760000040001'), 'no card number');
      const missing = await runCli(['payments', 'show', 'PAY_NOSUCH', ...at]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no payment PAY_NOSUCH/);
    });

    test('settle prints its cut-off in China time with the zone named', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const run = await runCli(['settle', '--date', '20260101', ...at]);
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /^settle date 20260101 \(China\), cut-off 2026-01-01 00:00 China time \(UTC\+8\)$/m);
    });
  });
}
