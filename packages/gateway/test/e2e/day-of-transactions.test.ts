/**
 * A day of mixed transactions, end to end, on SQLite and PostgreSQL: card and wallet payments in
 * three currencies, a failed and an unpaid payment, refunds that succeed, fail or are still under
 * way, another merchant's sales. Then:
 *
 * 1. the transaction file of the day (reference 3.11) is checked line by line against the format
 *    (the 14 fields of the table, in order, each in its format) and against the API's own objects;
 * 2. settlement runs, and the reconciliation statement's totals are checked against the ledger
 *    (what left the clearing account, the fees taken, what each currency's transfer account holds)
 *    and against the transaction file (the same payments, the same CNY).
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';

import { startHarness, expectOk, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import {
  paidCardPayment,
  paidWalletPayment,
  paymentBody,
  payOnSandbox,
  refund,
  refundBody,
  settleRefunds,
  today,
} from '../helpers/refunds.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { cents, decimal, twoDecimals, units } from '../helpers/decimals.ts';

const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, CNY: 2 };

async function download(
  h: Harness,
  m: TestMerchant,
  path: string,
): Promise<{ lines: string[]; bytes: Buffer; signature: string }> {
  const res = await fetch(`${h.api}${path}`, { headers: { authorization: `Bearer${await h.token(m)}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const lines = bytes.toString('utf8').split('\n');
  assert.equal(lines.pop(), '', `${path}: the file ends with a newline`);
  return { lines, bytes, signature: res.headers.get('signature') ?? '' };
}

for (const kind of testDatabaseUrls()) {
  describe(`a day of mixed transactions (${kind.name})`, () => {
    test(
      'the transaction file follows 3.11 line by line, and the reconciliation statement agrees with the ' +
        'ledger and the file',
      { timeout: 120_000 },
      async () => {
        const h = await startHarness(kind, { workers: false });
        try {
          const shop = await h.merchant({ name: 'Day Shop' });
          const rival = await h.merchant({ name: 'Rival Shop' });
          const db = h.gateway.context.db;
          await h.gateway.context.services.merchants.setServiceFee(shop.id, 120);
          const day = today();

          // Payments of the day.
          const card1 = await paidCardPayment(h, shop, '100.02', 'USD');
          const card2 = await paidCardPayment(h, shop, '0.99', 'USD');
          const wechat = await paidWalletPayment(h, shop, '250.00', 'EUR');
          const yen = await paidWalletPayment(h, shop, '12345', 'JPY');
          const alipayCreated = await h.call(
            shop,
            'POST',
            '/payments/payment',
            paymentBody('ALIPAY_SCAN', '42.42', 'USD'),
          );
          assert.equal(alipayCreated.status, 201, alipayCreated.text);
          await payOnSandbox(h, alipayCreated.json.payment.id, 'success');
          const alipay = (await h.call(shop, 'GET', `/payments/payment/${alipayCreated.json.payment.id}`)).json.payment;
          const failedCreated = await h.call(
            shop,
            'POST',
            '/payments/payment',
            paymentBody('WECHAT_SCAN', '9.99', 'USD'),
          );
          await payOnSandbox(h, failedCreated.json.payment.id, 'fail');
          const unpaid = await h.call(shop, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', '3.00', 'USD'));
          assert.equal(unpaid.status, 201, unpaid.text);
          await paidWalletPayment(h, rival, '77.00', 'USD');

          // Refunds: partial and full succeed, one fails (.13), one is still under way at the end.
          const partial = await refund(h, shop, card1.id, refundBody('order', { total: '30.02' }));
          const full = await refund(h, shop, yen.id, refundBody('refund_info', { total: '12345', currency: 'JPY' }));
          const failing = await refund(
            h,
            shop,
            wechat.id,
            refundBody('orders', { total: '20.13', currency: 'EUR', orgAmount: { total: '250.00', currency: 'EUR' } }),
          );
          for (const r of [partial, full, failing]) assert.equal(r.status, 201, r.text);
          await settleRefunds(h);
          const pending = await refund(h, shop, alipay.id, refundBody('order', { total: '2.00' }));
          assert.equal(pending.status, 201, pending.text);

          const paidToday = [card1, card2, wechat, yen, alipay];
          const refundedToday = [partial.json.refund, full.json.refund];

          // 1. The transaction file, line by line.
          const file = await download(h, shop, `/payments/transactions_download?mer_date=${day}`);
          assert.ok(
            verify('sha256', file.bytes, h.platformCert.publicKey, Buffer.from(file.signature, 'base64')),
            'the file is signed by the platform',
          );
          const { lines } = file;
          assert.equal(lines[0], `TRANSDETAIL-START,${shop.id},${day}`, 'first line');
          const body = lines.slice(1, -1).map((l) => l.split(','));
          assert.equal(
            body.length,
            paidToday.length + refundedToday.length,
            'one line per successful payment and refund, nothing else',
          );
          const payLines = body.filter((f) => f[11] === 'P');
          const refundLines = body.filter((f) => f[11] === 'T');
          for (const f of body) {
            assert.equal(f.length, 14, `14 fields: ${f.join(',')}`);
            const [
              tradeNo,
              mobileId,
              orderId,
              orderDate,
              platDate,
              platTime,
              currency,
              cbAmount,
              amount,
              rate,
              state,
              type,
              productId,
              refundNo,
            ] = f as [
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
              string,
            ];
            assert.match(tradeNo, /^(PAY|REFUND)_[A-Z0-9]+$/, 'tradeNo');
            assert.match(mobileId, /^(\d{11})?$/, 'mobileId');
            assert.match(orderId, /^[A-Za-z0-9_.-]+$/, 'orderId');
            assert.equal(orderDate, day, 'orderDate');
            assert.equal(platDate, day, 'platDate');
            assert.match(platTime, /^([01]\d|2[0-3])[0-5]\d[0-5]\d$/, 'platTime HHmmss');
            assert.match(currency, /^(USD|EUR|JPY)$/, 'currency');
            assert.match(cbAmount, /^\d+\.\d{2}$/, 'cb_amount two decimals');
            assert.match(amount, /^\d+\.\d{2}$/, 'amount two decimals');
            assert.match(rate, /^\d+\.\d+$/, 'exchangeRate');
            assert.equal(state, '0', 'transState success');
            assert.match(type, /^[PT]$/, 'transType');
            assert.ok(productId.startsWith('Payment Gateway - '), `productId ${productId}`);
            if (type === 'P') assert.equal(refundNo, '', 'no refundNo on a payment');
            else assert.match(refundNo, /^[A-Z0-9]+$/, 'refundNo on a refund');
          }
          assert.deepEqual(
            payLines.map((f) => f[0]).sort(),
            paidToday.map((p) => p.id).sort(),
            "the successful payments, not the failed, unpaid or other merchant's",
          );
          const productOf = new Map<string, string>([
            [card1.id, 'Payment Gateway - Credit card'],
            [card2.id, 'Payment Gateway - Credit card'],
            [wechat.id, 'Payment Gateway - WeChat QR code'],
            [yen.id, 'Payment Gateway - WeChat QR code'],
            [alipay.id, 'Payment Gateway - Alipay QR code'],
          ]);
          for (const p of paidToday) {
            const f = payLines.find((l) => l[0] === p.id)!;
            const a = p.order.amount;
            assert.deepEqual(
              [f[1], f[2], f[3], f[6], f[7], f[8], f[9], f[12]],
              [
                p.payer?.payer_info?.phone ?? '',
                p.order.mer_reference_id,
                p.order.mer_date,
                a.currency,
                twoDecimals(a.total),
                a.total_cny,
                a.exchange_rate.rate,
                productOf.get(p.id),
              ],
              `payment line of ${p.id}`,
            );
          }
          assert.equal(payLines.find((l) => l[0] === alipay.id)![12], 'Payment Gateway - Alipay QR code');
          assert.equal(payLines.find((l) => l[0] === card1.id)![12], 'Payment Gateway - Credit card');
          assert.deepEqual(
            refundLines.map((f) => f[0]).sort(),
            refundedToday.map((r) => r.id).sort(),
            'the successful refunds only',
          );
          for (const r of refundedToday) {
            const f = refundLines.find((l) => l[0] === r.id)!;
            const parent = paidToday.find((p) => p.id === r.parent_payment)!;
            assert.equal(f[2], parent.order.mer_reference_id, 'a refund line carries its order');
            assert.equal(f[3], parent.order.mer_date);
            assert.equal(f[7], twoDecimals(r.order.amount.total));
            assert.equal(f[8], r.order.amount.total_cny);
            assert.equal(f[13], r.order.mer_reference_id, 'refundNo is the merchant refund number');
          }
          const net =
            payLines.reduce((s, f) => s + cents(f[8]!), 0n) - refundLines.reduce((s, f) => s + cents(f[8]!), 0n);
          assert.equal(
            lines.at(-1),
            `TRANSDETAIL-End,${shop.id},${day},${decimal(net)}`,
            "last line with the day's net CNY",
          );

          // The list API says the same.
          const list = await h.call(shop, 'GET', `/payments/transactions?mer_date=${day}`);
          expectOk(h, list);
          assert.equal(list.json.transactions.pagination.total_count, body.length);

          // 2. Settlement, and the statement against the ledger and the file.
          const clearingBefore = await accountBalance(db, 'platform_clearing:CNY');
          const feesBefore = await accountBalance(db, 'service_fees:CNY');
          h.clock.advance(1000);
          const ctx = h.gateway.context;
          const run = await ctx.services.settlement.run({
            settleDate: day,
            cutoffAt: h.clock.now(),
          });
          assert.ok(
            run.settlements.some((s) => s.merchantId === shop.id),
            'the shop is settled',
          );

          const statementRes = await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${day}`);
          expectOk(h, statementRes);
          const rec = statementRes.json.reconciliations;
          const allRuns = run.settlements;
          const netCnyAll = allRuns.reduce((s, x) => s + x.netCnyMinor, 0n);
          const feesAll = allRuns.reduce((s, x) => s + x.feeMinor, 0n);
          assert.equal(
            await accountBalance(db, 'platform_clearing:CNY'),
            clearingBefore - netCnyAll,
            'clearing went down by what was exchanged and paid out',
          );
          assert.equal(await accountBalance(db, 'service_fees:CNY'), feesBefore - feesAll, 'fees taken');
          const shopNetCny = rec.settlements.reduce((s: bigint, x: any) => s + cents(x.net_cny), 0n);
          assert.equal(rec.amount.total_cny, decimal(shopNetCny));
          assert.equal(
            shopNetCny,
            allRuns.filter((s) => s.merchantId === shop.id).reduce((s, x) => s + x.netCnyMinor, 0n),
          );
          const shopFees = rec.payment_summaries.reduce((s: bigint, p: any) => s + cents(p.service_fee), 0n);
          assert.equal(
            shopFees,
            rec.settlements.reduce((s: bigint, x: any) => s + cents(x.service_fee), 0n),
            'fees of the lines = fees of the transfers',
          );
          for (const s of rec.settlements) {
            const transferred = await accountBalance(db, `merchant_settled:${shop.id}:${s.currency}`);
            const digits = DIGITS[s.currency]!;
            const lineSum =
              rec.payment_summaries
                .filter((p: any) => p.amount.currency === s.currency)
                .reduce((t: bigint, p: any) => t + units(p.exchange_amount.total, digits), 0n) -
              rec.refund_summaries
                .filter((r: any) => r.amount.currency === s.currency)
                .reduce((t: bigint, r: any) => t + units(r.exchange_amount.total, digits), 0n);
            assert.equal(
              transferred,
              lineSum,
              `${s.currency}: the ledger's transfer = the statement's lines (${digits} digits)`,
            );
            assert.equal(units(s.amount.total, digits), lineSum, `${s.currency}: the transfer shown = the ledger's`);
          }
          // The JPY sale was refunded in full: its fee makes the group negative, so it waits (carried).
          assert.ok(
            run.skipped.some((s) => s.merchantId === shop.id && s.currency === 'JPY' && /carried/.test(s.reason)),
            JSON.stringify(run.skipped),
          );
          assert.deepEqual(rec.settlements.map((s: any) => s.currency).sort(), ['EUR', 'USD']);
          // The statement covers exactly the file's other payments and refunds, with the same CNY.
          const settledPayLines = payLines.filter((f) => f[6] !== 'JPY');
          const settledRefundLines = refundLines.filter((f) => f[6] !== 'JPY');
          assert.deepEqual(
            rec.payment_summaries.map((p: any) => p.payment_id).sort(),
            settledPayLines.map((f) => f[0]).sort(),
          );
          for (const p of rec.payment_summaries)
            assert.equal(p.amount.total_cny, payLines.find((f) => f[0] === p.payment_id)![8], 'same CNY as the file');
          assert.deepEqual(
            rec.refund_summaries.map((r: any) => r.refund_id).sort(),
            settledRefundLines.map((f) => f[0]).sort(),
            'the refund still under way waits',
          );
          for (const r of rec.refund_summaries)
            assert.equal(r.amount.total_cny, refundLines.find((f) => f[0] === r.refund_id)![8], 'same CNY as the file');
          const fileNetSettled =
            settledPayLines.reduce((t, f) => t + cents(f[8]!), 0n) -
            settledRefundLines.reduce((t, f) => t + cents(f[8]!), 0n);
          assert.equal(
            shopNetCny,
            fileNetSettled - shopFees,
            "the CNY exchanged = the file's CNY of those lines less the fees",
          );
          assert.equal(
            await accountBalance(db, `merchant_payable:${shop.id}:CNY`),
            cents(pending.json.refund.order.amount.total_cny),
            'what stays with the platform: the refund under way, reserved',
          );

          // The statement file agrees with the statement.
          const recFile = await download(h, shop, `/payments/reconciliation_statement_download?mer_date=${day}`);
          assert.ok(
            verify('sha256', recFile.bytes, h.platformCert.publicKey, Buffer.from(recFile.signature, 'base64')),
            'the statement file is signed by the platform',
          );
          assert.equal(
            recFile.lines.at(-1),
            `RECONDETAIL-End,${shop.id},${day},` +
              `${settledPayLines.length + settledRefundLines.length},${decimal(shopNetCny)}`,
          );

          const check = await checkLedger(db);
          assert.deepEqual(check.problems, [], 'the ledger balances and agrees with payments, refunds and settlements');
        } finally {
          await h.close();
        }
      },
    );
  });
}
