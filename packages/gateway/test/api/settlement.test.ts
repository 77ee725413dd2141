/**
 * Settlement and reconciliation statements, through the API, on SQLite and PostgreSQL: a merchant with
 * a 1.50 % service fee is paid in USD, EUR and JPY, refunds one payment in part (another refund fails),
 * the FX rate moves before the run, and the statement, its download file and the ledger must all
 * agree with figures computed here independently.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';

import { startHarness, expectError, expectOk, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paidWalletPayment, paymentBody, refund, refundBody, settleRefunds, today } from '../helpers/refunds.ts';
import type { SettlementService } from '../../src/settlement/settlement-service.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { decimal, units } from '../helpers/decimals.ts';

/** ROUND_HALF_UP of a / b for a >= 0, b > 0. */
function halfUp(a: bigint, b: bigint): bigint {
  return (a * 2n + b) / (b * 2n);
}
const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0 };
/** CNY fen -> minor units of `currency` at `rate` CNY per unit, half up. */
function exchange(fen: bigint, currency: string, rate: string): bigint {
  const [w, f = ''] = rate.split('.');
  const rateUnits = BigInt(w! + f);
  return halfUp(fen * 10n ** BigInt(f.length + DIGITS[currency]!), rateUnits * 100n);
}

function nextDay(date: string, days = 1): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)) + days));
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

for (const kind of testDatabaseUrls()) {
  describe(`settlement and reconciliation statements (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let other: TestMerchant;
    let service: SettlementService;
    const settleDate = today();

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Settled Shop' });
      other = await h.merchant({ name: 'Other Shop' });
      await h.gateway.context.services.merchants.setServiceFee(shop.id, 150);
      const ctx = h.gateway.context;
      service = ctx.services.settlement;
    });
    after(async () => {
      await h?.close();
    });

    test(
      'a run transfers each currency at the rate of the exchange, less the fee and the refunds; statement, ' +
        'file and ledger agree',
      async () => {
        const usdA = await paidWalletPayment(h, shop, '100.02', 'USD');
        const usdB = await paidWalletPayment(h, shop, '7.99', 'USD');
        const eur = await paidWalletPayment(h, shop, '250.00', 'EUR');
        const jpy = await paidWalletPayment(h, shop, '12345', 'JPY');
        const unpaid = await h.call(shop, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', '5.00', 'USD'));
        assert.equal(unpaid.status, 201, unpaid.text);
        const otherPaid = await paidWalletPayment(h, other, '1.00', 'USD');

        const ok = await refund(h, shop, usdA.id, refundBody('order', { total: '30.02' }));
        assert.equal(ok.status, 201, ok.text);
        const failing = await refund(h, shop, usdB.id, refundBody('order', { total: '1.13' }));
        assert.equal(failing.status, 201, failing.text);
        await settleRefunds(h);

        // The rates move between the payments (locked at 7.1234 / 7.7021 / 0.047312) and the exchange.
        await h.gateway.context.sandbox!.fx.setRate('USD', '7.0000');
        await h.gateway.context.sandbox!.fx.setRate('EUR', '7.8123');
        await h.gateway.context.sandbox!.fx.setRate('JPY', '0.048');
        h.clock.advance(1000);
        const result = await service.run({ settleDate, cutoffAt: h.clock.now() });
        assert.deepEqual(result.skipped, [], 'every group settles');

        // Independent figures.
        const fen = (p: Record<string, any>) => units(p.order.amount.total_cny, 2);
        const fee = (cny: bigint) => halfUp(cny * 150n, 10_000n);
        const refundCny = units(ok.json.refund.order.amount.total_cny, 2);
        const expected = {
          USD: {
            gross: fen(usdA) + fen(usdB),
            refunds: refundCny,
            fees: fee(fen(usdA)) + fee(fen(usdB)),
            net:
              exchange(fen(usdA) - fee(fen(usdA)), 'USD', '7.0000') +
              exchange(fen(usdB) - fee(fen(usdB)), 'USD', '7.0000') -
              exchange(refundCny, 'USD', '7.0000'),
            rate: '7.0000',
          },
          EUR: {
            gross: fen(eur),
            refunds: 0n,
            fees: fee(fen(eur)),
            net: exchange(fen(eur) - fee(fen(eur)), 'EUR', '7.8123'),
            rate: '7.8123',
          },
          JPY: {
            gross: fen(jpy),
            refunds: 0n,
            fees: fee(fen(jpy)),
            net: exchange(fen(jpy) - fee(fen(jpy)), 'JPY', '0.048'),
            rate: '0.048',
          },
        } as const;
        const mine = result.settlements.filter((s) => s.merchantId === shop.id);
        assert.deepEqual(mine.map((s) => s.currency).sort(), ['EUR', 'JPY', 'USD']);
        for (const s of mine) {
          const e = expected[s.currency as keyof typeof expected];
          assert.equal(s.grossCnyMinor, e.gross, `${s.currency} gross`);
          assert.equal(s.refundCnyMinor, e.refunds, `${s.currency} refunds`);
          assert.equal(s.feeMinor, e.fees, `${s.currency} fee`);
          assert.equal(s.netCnyMinor, e.gross - e.refunds - e.fees, `${s.currency} net CNY`);
          assert.equal(s.netMinor, e.net, `${s.currency} transfer`);
          assert.equal(s.exchangeRate, e.rate, `${s.currency} rate at the exchange`);
        }
        assert.ok(
          result.settlements.some((s) => s.merchantId === other.id && s.paymentCount === 1),
          'the other merchant is settled too, on its own',
        );

        // The statement, all on one page.
        const res = await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${settleDate}`);
        expectOk(h, res);
        const rec = res.json.reconciliations;
        assert.equal(rec.settle_date, settleDate);
        assert.deepEqual(
          Object.keys(rec.amount),
          ['total_cny'],
          'several currencies: amount carries the CNY total only',
        );
        const netCnyAll = Object.values(expected).reduce((s, e) => s + e.gross - e.refunds - e.fees, 0n);
        assert.equal(rec.amount.total_cny, decimal(netCnyAll, 2));
        assert.deepEqual(
          rec.settlements.map((s: any) => s.currency).sort(),
          ['EUR', 'JPY', 'USD'],
          'one statement transfer per currency',
        );
        for (const s of rec.settlements) {
          const e = expected[s.currency as keyof typeof expected];
          assert.equal(s.amount.total, decimal(e.net, DIGITS[s.currency]), `${s.currency} amount.total`);
          assert.equal(s.service_fee, decimal(e.fees, 2));
          assert.equal(s.gross_cny, decimal(e.gross, 2));
          assert.equal(s.refund_cny, decimal(e.refunds, 2));
        }
        assert.deepEqual(rec.pagination, { total_count: 5, page_number: 1, page_size: 500 });
        assert.deepEqual(
          rec.payment_summaries.map((p: any) => p.payment_id),
          [usdA.id, usdB.id, eur.id, jpy.id],
          'payments in completion order',
        );
        const a = rec.payment_summaries[0];
        assert.deepEqual(a.amount, {
          total: '100.02',
          total_cny: usdA.order.amount.total_cny,
          currency: 'USD',
          exchange_rate: '7.1234',
        });
        assert.equal(a.service_fee, decimal(fee(fen(usdA)), 2));
        assert.deepEqual(a.exchange_amount, {
          total: decimal(exchange(fen(usdA) - fee(fen(usdA)), 'USD', '7.0000'), 2),
          total_cny: decimal(fen(usdA) - fee(fen(usdA)), 2),
          currency: 'USD',
          exchange_rate: '7.0000',
        });
        assert.equal(a.order_date, usdA.order.mer_date);
        assert.equal(a.mer_reference_id, usdA.order.mer_reference_id);
        assert.equal(a.state, 'TRADE_SUCCESS');
        assert.equal(a.product_id, 'Payment Gateway - WeChat QR code');
        assert.equal(rec.refund_summaries.length, 1, 'the failed refund is not part of the statement');
        const r = rec.refund_summaries[0];
        assert.equal(r.refund_id, ok.json.refund.id);
        assert.equal(r.payment_id, usdA.id);
        assert.equal(r.state, 'REFUND_SUCCESS');
        assert.deepEqual(r.exchange_amount, {
          total: decimal(exchange(refundCny, 'USD', '7.0000'), 2),
          total_cny: decimal(refundCny, 2),
          currency: 'USD',
          exchange_rate: '7.0000',
        });
        assert.equal(r.mer_reference_id, ok.json.refund.order.mer_reference_id);

        // Pages of 2 slice payments then refunds.
        const page3 = await h.call(
          shop,
          'GET',
          `/payments/reconciliation_statement?settle_date=${settleDate}&page_size=2&page_number=3`,
        );
        expectOk(h, page3);
        assert.deepEqual(page3.json.reconciliations.payment_summaries, []);
        assert.deepEqual(
          page3.json.reconciliations.refund_summaries.map((x: any) => x.refund_id),
          [ok.json.refund.id],
        );
        const page2 = await h.call(
          shop,
          'GET',
          `/payments/reconciliation_statement?settle_date=${settleDate}&page_size=2&page_number=2`,
        );
        assert.deepEqual(
          page2.json.reconciliations.payment_summaries.map((x: any) => x.payment_id),
          [eur.id, jpy.id],
        );
        assert.deepEqual(page2.json.reconciliations.refund_summaries, []);
        assert.deepEqual(page2.json.reconciliations.pagination, { total_count: 5, page_number: 2, page_size: 2 });

        // The download file: signed, one line per item, the settlement lines, the End line.
        const dl = await fetch(`${h.api}/payments/reconciliation_statement_download?mer_date=${settleDate}`, {
          headers: { authorization: `Bearer ${await h.token(shop)}` },
        });
        assert.equal(dl.status, 200);
        assert.match(dl.headers.get('content-disposition') ?? '', new RegExp(`RECON_${shop.id}_${settleDate}\\.txt`));
        const bytes = Buffer.from(await dl.arrayBuffer());
        assert.ok(
          verify('sha256', bytes, h.platformCert.publicKey, Buffer.from(dl.headers.get('signature') ?? '', 'base64')),
          'the file verifies with the platform certificate',
        );
        const lines = bytes.toString('utf8').split('\n');
        assert.equal(lines.pop(), '', 'the file ends with a newline');
        assert.equal(lines[0], `RECONDETAIL-START,${shop.id},${settleDate}`);
        const items = lines.slice(1, 6).map((l) => l.split(','));
        for (const f of items) assert.equal(f.length, 17, `17 fields: ${f.join(',')}`);
        assert.deepEqual(
          items.map((f) => [f[0], f[10]]),
          [
            [usdA.id, 'P'],
            [usdB.id, 'P'],
            [eur.id, 'P'],
            [jpy.id, 'P'],
            [ok.json.refund.id, 'T'],
          ],
        );
        assert.deepEqual(
          items[3]!.slice(5, 8),
          ['JPY', '12345.00', jpy.order.amount.total_cny],
          'JPY with two decimals as in 3.11',
        );
        assert.equal(items[4]![16], ok.json.refund.order.mer_reference_id, 'refundNo');
        const settlementLines = lines.slice(6, 9).map((l) => l.split(','));
        assert.deepEqual(
          settlementLines.map((f) => [f[0], f[1]]).sort(),
          [
            ['SETTLEMENT', 'EUR'],
            ['SETTLEMENT', 'JPY'],
            ['SETTLEMENT', 'USD'],
          ],
          'one SETTLEMENT line per currency',
        );
        for (const f of settlementLines) {
          assert.equal(f[0], 'SETTLEMENT');
          const e = expected[f[1] as keyof typeof expected];
          assert.equal(f[7], decimal(e.gross - e.refunds - e.fees, 2), `${f[1]} net CNY`);
          const twoDec = DIGITS[f[1]!] === 0 ? decimal(e.net * 100n, 2) : decimal(e.net, 2);
          assert.equal(f[10], twoDec, `${f[1]} transfer`);
          // The lines of that currency add up to the transfer.
          const mineLines = items.filter((i) => i[5] === f[1]);
          const sum = mineLines.reduce((s, i) => s + (i[10] === 'P' ? 1n : -1n) * units(i[13]!, 2), 0n);
          assert.equal(decimal(sum, 2), f[10], `${f[1]} lines add up to the transfer`);
        }
        assert.equal(lines[9], `RECONDETAIL-End,${shop.id},${settleDate},5,${decimal(netCnyAll, 2)}`);
        assert.equal(lines.length, 10);

        // The ledger: balanced, in agreement, and showing the transfers.
        const check = await checkLedger(h.gateway.context.db);
        assert.deepEqual(check.problems, []);
        const db = h.gateway.context.db;
        assert.equal(
          await accountBalance(db, `merchant_payable:${shop.id}:CNY`),
          0n,
          'everything owed to the shop was settled',
        );
        assert.equal(await accountBalance(db, `merchant_settled:${shop.id}:USD`), expected.USD.net);
        assert.equal(await accountBalance(db, `merchant_settled:${shop.id}:EUR`), expected.EUR.net);
        assert.equal(await accountBalance(db, `merchant_settled:${shop.id}:JPY`), expected.JPY.net);
        const otherFee = halfUp(units(otherPaid.order.amount.total_cny, 2) * 100n, 10_000n); // default fee 1.00 %
        assert.equal(
          await accountBalance(db, 'service_fees:CNY'),
          -(expected.USD.fees + expected.EUR.fees + expected.JPY.fees + otherFee),
        );

        // Running the date again settles nothing more.
        const again = await service.run({ settleDate, cutoffAt: h.clock.now() });
        assert.deepEqual(again.settlements, []);
      },
    );

    test(
      'a refund larger than what is left waits; the next run with new payments settles it; ' +
        'a second transfer on one date waits for the next',
      async () => {
        const shop2 = await h.merchant({ name: 'Carry Shop' });
        const p = await paidWalletPayment(h, shop2, '50.00', 'USD');
        h.clock.advance(1000);
        const d1 = nextDay(settleDate, 10);
        const first = await service.run({ settleDate: d1, cutoffAt: h.clock.now() });
        assert.equal(first.settlements.filter((s) => s.merchantId === shop2.id).length, 1);

        const full = await refund(h, shop2, p.id, refundBody('order', { total: '50.00' }));
        assert.equal(full.status, 201, full.text);
        await settleRefunds(h);
        h.clock.advance(1000);
        const d2 = nextDay(settleDate, 11);
        const second = await service.run({ settleDate: d2, cutoffAt: h.clock.now() });
        assert.equal(second.settlements.filter((s) => s.merchantId === shop2.id).length, 0, 'nothing to transfer');
        assert.ok(
          second.skipped.some((s) => s.merchantId === shop2.id && /carried/.test(s.reason)),
          JSON.stringify(second.skipped),
        );
        assert.equal(
          await accountBalance(h.gateway.context.db, `merchant_payable:${shop2.id}:CNY`),
          units(full.json.refund.order.amount.total_cny, 2),
          'the merchant owes the refund',
        );
        assert.deepEqual((await checkLedger(h.gateway.context.db)).problems, []);

        const big = await paidWalletPayment(h, shop2, '200.00', 'USD');
        h.clock.advance(1000);
        const d3 = nextDay(settleDate, 12);
        const third = await service.run({ settleDate: d3, cutoffAt: h.clock.now() });
        const s3 = third.settlements.find((s) => s.merchantId === shop2.id);
        assert.ok(s3, 'settled once payments outweigh the refund');
        assert.equal(s3.paymentCount, 1);
        assert.equal(s3.refundCount, 1);
        assert.equal(s3.grossCnyMinor, units(big.order.amount.total_cny, 2));
        assert.equal(await accountBalance(h.gateway.context.db, `merchant_payable:${shop2.id}:CNY`), 0n);
        assert.deepEqual((await checkLedger(h.gateway.context.db)).problems, []);

        // Same date again, with a new payment: the merchant has its transfer of d3 already.
        await paidWalletPayment(h, shop2, '3.00', 'USD');
        h.clock.advance(1000);
        const fourth = await service.run({ settleDate: d3, cutoffAt: h.clock.now() });
        assert.ok(
          fourth.skipped.some((s) => s.merchantId === shop2.id && /already has/.test(s.reason)),
          JSON.stringify(fourth.skipped),
        );
        const d4 = nextDay(settleDate, 13);
        const fifth = await service.run({ settleDate: d4, cutoffAt: h.clock.now() });
        assert.equal(
          fifth.settlements.find((s) => s.merchantId === shop2.id)?.paymentCount,
          1,
          'the payment waited for the next date',
        );
      },
    );

    test('CNY orders are transferred in CNY at rate 1: the transfer is the CNY less the fee', async () => {
      const shop4 = await h.merchant({ name: 'Yuan Shop' });
      const p = await paidWalletPayment(h, shop4, '88.88', 'CNY');
      assert.equal(p.order.amount.total_cny, '88.88');
      h.clock.advance(1000);
      const run = await service.run({ settleDate: nextDay(settleDate, 30), cutoffAt: h.clock.now() });
      const s = run.settlements.find((x) => x.merchantId === shop4.id);
      assert.ok(s, 'settled');
      const fee = (8888n * 100n * 2n + 10_000n) / 20_000n; // default 1.00 %, half up: 0.89
      assert.equal(s.currency, 'CNY');
      assert.equal(s.feeMinor, fee);
      assert.equal(s.netMinor, 8888n - fee, 'no exchange: the transfer is the net CNY');
      assert.equal(s.netCnyMinor, 8888n - fee);
      assert.equal(await accountBalance(h.gateway.context.db, `merchant_settled:${shop4.id}:CNY`), 8888n - fee);
      assert.deepEqual((await checkLedger(h.gateway.context.db)).problems, []);
    });

    test('the cut-off: what completes after it waits; a cut-off in the future is refused', async () => {
      const shop3 = await h.merchant({ name: 'Cutoff Shop' });
      const before = await paidWalletPayment(h, shop3, '10.00', 'USD');
      h.clock.advance(1000);
      const cutoffAt = h.clock.now();
      h.clock.advance(1000);
      const afterCutoff = await paidWalletPayment(h, shop3, '20.00', 'USD');
      h.clock.advance(1000);
      const run = await service.run({ settleDate: nextDay(settleDate, 20), cutoffAt });
      const s = run.settlements.find((x) => x.merchantId === shop3.id);
      assert.equal(s?.paymentCount, 1);
      assert.equal(s?.grossCnyMinor, units(before.order.amount.total_cny, 2));
      const row = await h.gateway.context.db
        .selectFrom('payments')
        .select('settlement_id')
        .where('id', '=', afterCutoff.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.settlement_id, null, 'the later payment waits');
      await assert.rejects(
        service.run({ settleDate: nextDay(settleDate, 21), cutoffAt: h.clock.now() + 60_000 }),
        /has not come yet/,
      );
    });

    test("statements are the merchant's own; dates are validated; no statement is 00060773", async () => {
      const none = await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=20200101`);
      expectError(h, none, 404, '00060773');
      const noneFile = await h.call(shop, 'GET', `/payments/reconciliation_statement_download?mer_date=20200101`);
      expectError(h, noneFile, 404, '00060773');
      const stranger = await h.merchant({ name: 'Stranger' });
      expectError(
        h,
        await h.call(stranger, 'GET', `/payments/reconciliation_statement?settle_date=${settleDate}`),
        404,
        '00060773',
      );
      expectError(h, await h.call(shop, 'GET', `/payments/reconciliation_statement`), 400, '00060700');
      expectError(
        h,
        await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=20261340`),
        400,
        '00060700',
      );
      expectError(
        h,
        await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${settleDate}&page_size=0`),
        400,
        '00060700',
      );
      expectError(
        h,
        await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${settleDate}&page_number=x`),
        400,
        '00060700',
      );
      expectError(
        h,
        await h.call(shop, 'GET', `/payments/reconciliation_statement_download?mer_date=2026`),
        400,
        '00060700',
      );
      // The reference's 3.17 parameter works on the download too, and the statement's settle_date on the list.
      const alt = await h.call(shop, 'GET', `/payments/reconciliation_statement_download?settle_date=${settleDate}`);
      assert.equal(alt.status, 200, alt.text);
      assert.ok(
        alt.text.startsWith(`RECONDETAIL-START,${shop.id},${settleDate}\n`),
        `the statement file of the date: ${alt.text.slice(0, 80)}`,
      );
      assert.ok(alt.headers.get('signature'), 'the file carries its Signature');
    });
  });
}

for (const kind of testDatabaseUrls()) {
  describe(`scheduled settlement (${kind.name})`, () => {
    test('the gateway settles on its own once the scheduled time of a new China date has come', async () => {
      const h = await startHarness(kind, {
        workers: true,
        settlement: { cutoffMinutes: 0, runAtMinutes: 0 },
        settlementCheckMs: 50,
        tokenTtlSeconds: 7 * 86_400,
      });
      try {
        const shop = await h.merchant({ name: 'Scheduled Shop' });
        const paid = await paidWalletPayment(h, shop, '12.34', 'USD');
        const db = h.gateway.context.db;
        // Today's run (if it ran already) settled nothing: the payment completed after today's cut-off.
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(
          (await db.selectFrom('payments').select('settlement_id').where('id', '=', paid.id).executeTakeFirstOrThrow())
            .settlement_id,
          null,
        );
        h.clock.advance(24 * 3600_000);
        const tomorrow = nextDay(today());
        // The run settles each merchant in its own transaction and is marked DONE after the last one:
        // wait for the mark, not only for the payment's settlement.
        const deadline = Date.now() + 10_000;
        let settlementId: string | null = null;
        let runState: string | undefined;
        while (Date.now() < deadline && (settlementId === null || runState !== 'DONE')) {
          await new Promise((r) => setTimeout(r, 50));
          settlementId = (
            await db.selectFrom('payments').select('settlement_id').where('id', '=', paid.id).executeTakeFirstOrThrow()
          ).settlement_id;
          const run = db.selectFrom('settlement_runs').select('state').where('settle_date', '=', tomorrow);
          runState = (await run.executeTakeFirst())?.state;
        }
        assert.ok(settlementId, 'settled by the scheduled run');
        const row = await db
          .selectFrom('settlements')
          .selectAll()
          .where('id', '=', settlementId)
          .executeTakeFirstOrThrow();
        assert.equal(row.settle_date, tomorrow);
        const run = await db
          .selectFrom('settlement_runs')
          .selectAll()
          .where('settle_date', '=', tomorrow)
          .executeTakeFirstOrThrow();
        assert.equal(run.state, 'DONE');
        const statement = await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${tomorrow}`);
        expectOk(h, statement);
        assert.deepEqual(
          statement.json.reconciliations.payment_summaries.map((p: any) => p.payment_id),
          [paid.id],
          'the statement lists the payment the scheduled run settled',
        );
        assert.deepEqual((await checkLedger(db)).problems, []);
      } finally {
        await h.close();
      }
    });
  });
}
