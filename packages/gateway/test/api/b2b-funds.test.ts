/**
 * Paying online-banking payments and what happens to a B2B payment's money, over HTTP against a real
 * gateway, on SQLite and PostgreSQL:
 *
 * - POST /sandbox/payments/{id}/pay pays B2B and personal online-banking payments (the payer's main
 *   sandbox account), `fail` ends them TRADE_FAIL; the merchant receives the signed notification;
 * - a paid B2B payment's CNY is held (Dr platform_clearing / Cr b2b_held), not settled, not
 *   refundable (00060786); `release` (the documents' approval) moves it to the merchant's payable at
 *   the rate of the release, and settlement exchanges it at that rate (statement and file say so);
 * - past UMF_B2B_DOCUMENT_WINDOW (a controlled clock) the window cancels it: TRADE_CANCEL (00060785),
 *   the return entry, the TRADE_CANCEL notification, the money back on the company's sandbox account,
 *   retried when the bank fails; an approval racing the window: exactly one of them happens;
 * - `ledger check` agrees after every step.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, expectOk, expectError, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { b2bSampleOrder, registerCompany } from '../helpers/b2b.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { sandboxAccounts } from '../../src/channels/sandbox/sandbox-corporate-bank.ts';
import { exchangeFromCny, serviceFee } from '../../src/settlement/settlement-math.ts';
import { parseRate } from '../../src/money/decimal.ts';
import { chinaDate } from '../../src/time/china-time.ts';
import type { EnterpriseRecord } from '../../src/enterprises/enterprise-record.ts';
import type { PaymentRecord } from '../../src/payments/payment-record.ts';

let seq = 0;
const ref = (label: string): string => `BF${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();
const DAY = 24 * 3_600_000;

for (const kind of testDatabaseUrls()) {
  describe(`B2B payments: paying, held funds, release, the document window (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let company: EnterpriseRecord;
    let merchant: MerchantServer;

    before(async () => {
      h = await startHarness(kind);
      // The window's steps run when a test says so (the worker would race the tests' own calls).
      await h.gateway.heldFundsJobs.stop();
      shop = await h.merchant({ name: 'Huaxi Trading' });
      company = await registerCompany(h, shop, { name: '华西电子商务有限公司' });
      merchant = await startMerchantServer(h.platformCert.toString());
    });
    after(async () => {
      await merchant.close();
      await h.close();
    });

    const ctx = () => h.gateway.context;
    const ledgerOk = async () => assert.deepEqual((await checkLedger(ctx().db)).problems, []);
    const held = () => accountBalance(ctx().db, `b2b_held:${shop.id}:CNY`);
    const payable = () => accountBalance(ctx().db, `merchant_payable:${shop.id}:CNY`);
    /** The company's main sandbox account's balance (each test pays from a company of its own). */
    const companyBalance = async (of: EnterpriseRecord = company) =>
      ctx().sandbox!.corporateBank.balance(sandboxAccounts('B2B', of.id)[0]!);
    /** Moves the clock (past the access token's life too: a new token). */
    const advance = async (ms: number) => {
      h.clock.advance(ms);
      await h.token(shop);
    };
    const record = async (id: string): Promise<PaymentRecord> => (await ctx().repositories.payments.findById(id))!;

    async function createB2b(currency = 'CNY', total = '200.04', of: EnterpriseRecord = company): Promise<string> {
      const order = b2bSampleOrder(ref('P'), of.external_enterprise_id, {
        currency,
        total,
        notifyUrl: merchant.notifyUrl,
      });
      const res = await h.call(shop, 'POST', '/payments/payment', order);
      expectOk(h, res, 201);
      return res.json.payment.id as string;
    }

    async function pay(id: string, outcome: 'success' | 'fail' = 'success') {
      const res = await fetch(`${h.baseUrl}/sandbox/payments/${id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome }),
      });
      return { status: res.status, json: await res.json() };
    }

    test('POST /sandbox/payments/{id}/pay: paid from the company account, held, the merchant notified', async () => {
      const before = await companyBalance();
      const id = await createB2b();
      const paid = await pay(id);
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
      assert.equal(paid.json.payment.state, 'TRADE_SUCCESS');
      assert.equal(paid.json.payment.paid_with, undefined, 'paid with the method it was created with');
      const delivery = await merchant.waitForPayment(id, { state: 'TRADE_SUCCESS' });
      assert.equal(delivery.event?.type, 'payment');
      const row = await record(id);
      assert.equal(row.funds_state, 'held');
      assert.equal(row.funds_due_at, row.execute_success_at! + DAY, 'the default window: 24 h after payment');
      assert.equal(await companyBalance(), before - 20004n, 'the company account paid CNY 200.04');
      assert.equal(await held(), -20004n);
      await ledgerOk();
      // Paying again is refused like any paid payment; the account is not debited twice.
      const again = await pay(id);
      assert.equal(again.json.meta.ret_code, '00060750');
      assert.equal(await companyBalance(), before - 20004n);
    });

    test('a held payment is not refunded (00060786) and not settled', async () => {
      const id = await createB2b('USD', '100.00');
      await pay(id);
      const refund = await h.call(shop, 'POST', `/payments/payment/${id}/refund`, {
        refund_info: {
          mer_reference_id: ref('R'),
          mer_date: chinaDate(h.clock.now()),
          amount: { total: '1.00', currency: 'USD' },
        },
        notify_url: merchant.notifyUrl,
      });
      expectError(h, refund, 409, '00060786');
      const run = await ctx().services.settlement.run({
        settleDate: chinaDate(h.clock.now()),
        cutoffAt: h.clock.now(),
      });
      assert.ok(!run.settlements.some((s) => s.merchantId === shop.id), 'nothing of the shop settled');
      assert.equal((await record(id)).settlement_id, null);
      await ledgerOk();
    });

    test("release: the held CNY becomes the merchant's, settled at the rate of the release", async () => {
      const id = await createB2b('USD', '1000.00');
      await pay(id);
      const paid = await record(id);
      const heldBefore = await held();
      const payableBefore = await payable();
      const { store, services } = ctx();
      const now = h.clock.now();
      assert.equal(await store.write((trx) => services.heldFunds.release(trx, id, now, '7.5000')), true);
      assert.equal(await store.write((trx) => services.heldFunds.release(trx, id, now, '7.9000')), false, 'once');
      const released = await record(id);
      assert.equal(released.funds_state, 'released');
      assert.equal(released.funds_release_rate, '7.5000');
      assert.equal(released.funds_released_at, now);
      assert.equal(await held(), heldBefore + paid.total_cny_minor);
      assert.equal(await payable(), payableBefore - paid.total_cny_minor);
      await ledgerOk();

      // The run's rate differs from the release's: the payment is exchanged at the release's.
      await ctx().sandbox!.fx.setRate('USD', '6.0000');
      h.clock.advance(1000);
      const settleDate = chinaDate(h.clock.now());
      const run = await services.settlement.run({ settleDate, cutoffAt: h.clock.now() });
      const mine = run.settlements.find((s) => s.merchantId === shop.id && s.currency === 'USD');
      assert.ok(mine, `a USD settlement of the shop: ${run.settlements.length} settled, ${run.skipped.length} skipped`);
      const settled = await record(id);
      assert.ok(settled.settlement_id, 'settled');
      const fee = serviceFee(paid.total_cny_minor, 100);
      assert.equal(settled.service_fee_minor, fee);
      assert.equal(settled.settled_minor, exchangeFromCny(paid.total_cny_minor - fee, 'USD', parseRate('7.5000')!));
      await ledgerOk();

      const statement = await h.call(shop, 'GET', `/payments/reconciliation_statement?settle_date=${settleDate}`);
      expectOk(h, statement);
      const line = statement.json.reconciliations.payment_summaries.find((p: any) => p.payment_id === id);
      assert.equal(line.exchange_amount.exchange_rate, '7.5000', 'the statement shows the release rate');
      const file = await h.call(shop, 'GET', `/payments/reconciliation_statement_download?settle_date=${settleDate}`);
      const fileLine = file.text.split('\n').find((l) => l.startsWith(id))!;
      assert.equal(fileLine.split(',')[14], '7.5000', 'settleExchangeRate of the line');

      // The transaction list and file (4.8) and the exchange rate (4.10) work for B2B payments too.
      const merDate = paid.mer_date;
      const list = await h.call(shop, 'GET', `/payments/transactions?mer_date=${merDate}&page_size=500`);
      expectOk(h, list);
      const summary = list.json.transactions.payment_summaries.find((p: any) => p.payment_id === id);
      assert.equal(summary.product_id, 'Payment Gateway - Corporate online banking');
      const listFile = await h.call(shop, 'GET', `/payments/transactions_download?mer_date=${merDate}`);
      assert.equal(listFile.status, 200, listFile.text);
      assert.ok(listFile.text.includes(id), 'the transaction file lists the payment');
      expectOk(h, await h.call(shop, 'GET', '/exchange_rate?currency=USD'));

      // Released: refunded like any payment.
      const refund = await h.call(shop, 'POST', `/payments/payment/${id}/refund`, {
        refund_info: {
          mer_reference_id: ref('R'),
          mer_date: chinaDate(h.clock.now()),
          amount: { total: '10.00', currency: 'USD' },
        },
        notify_url: merchant.notifyUrl,
      });
      expectOk(h, refund, 201);
      await ledgerOk();
    });

    test('the document window: TRADE_CANCEL (00060785), the money back on the company account, notified', async () => {
      const own = await registerCompany(h, shop);
      const id = await createB2b('CNY', '200.04', own);
      const before = await companyBalance(own);
      await pay(id);
      assert.equal(await companyBalance(own), before - 20004n);
      const { services } = ctx();
      assert.equal(await services.heldFunds.cancelDueBatch(), 0, 'not before the window has passed');
      await advance(DAY + 1000);
      assert.ok((await services.heldFunds.cancelDueBatch()) >= 1);
      const cancelled = await record(id);
      assert.equal(cancelled.state, 'TRADE_CANCEL');
      assert.equal(cancelled.funds_state, 'returned');
      assert.ok(cancelled.funds_returned_at !== null, 'the bank confirmed the return');
      assert.equal(await companyBalance(own), before, 'the money is back on the company account');
      const delivery = await merchant.waitForPayment(id, { state: 'TRADE_CANCEL' });
      const payment = (delivery.event as any).payment;
      assert.equal(payment.error.ret_code, '00060785');
      const query = await h.call(shop, 'GET', `/payments/payment/${id}`);
      expectOk(h, query);
      assert.equal(query.json.payment.state, 'TRADE_CANCEL');
      const { store } = ctx();
      assert.equal(await store.write((trx) => services.heldFunds.release(trx, id, h.clock.now(), '1')), false);
      await ledgerOk();
    });

    test('a return the bank fails is tried again until the money is back', async () => {
      const own = await registerCompany(h, shop);
      const id = await createB2b('CNY', '200.04', own);
      const before = await companyBalance(own);
      await pay(id);
      const bank = ctx().sandbox!.corporateBank;
      const real = bank.returnFunds.bind(bank);
      let failures = 1;
      bank.returnFunds = async (request) => {
        if (failures-- > 0) throw new Error('bank unreachable');
        return real(request);
      };
      try {
        await advance(DAY + 1000);
        await ctx().services.heldFunds.cancelIfPastWindow(await record(id));
        const cancelled = await record(id);
        assert.equal(cancelled.state, 'TRADE_CANCEL');
        assert.equal(cancelled.funds_returned_at, null, 'not back yet');
        assert.equal(await companyBalance(own), before - 20004n);
        assert.equal(await ctx().services.heldFunds.returnDueBatch(), 0, 'not before its retry time');
        h.clock.advance(31_000);
        assert.equal(await ctx().services.heldFunds.returnDueBatch(), 1);
        assert.ok((await record(id)).funds_returned_at !== null);
        assert.equal(await companyBalance(own), before);
      } finally {
        bank.returnFunds = real;
      }
      await ledgerOk();
    });

    test('an approval racing the window: exactly one of release and cancellation happens', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const id = await createB2b();
        await pay(id);
        ids.push(id);
      }
      await advance(DAY + 1000);
      const { store, services } = ctx();
      let releases = 0;
      let cancels = 0;
      for (const id of ids) {
        const row = await record(id);
        const [released, cancelled] = await Promise.all([
          store.write((trx) => services.heldFunds.release(trx, id, h.clock.now(), '1')),
          services.heldFunds.cancelIfPastWindow(row),
        ]);
        assert.notEqual(released, cancelled !== undefined, `${id}: exactly one (release ${released})`);
        const after = await record(id);
        assert.equal(after.funds_state, released ? 'released' : 'returned');
        assert.equal(after.state, released ? 'TRADE_SUCCESS' : 'TRADE_CANCEL');
        if (released) releases++;
        else cancels++;
      }
      assert.equal(releases + cancels, ids.length);
      await ledgerOk();
    });

    test('paid at the bank after the payment ended: the money goes back to the company, nothing is held', async () => {
      const own = await registerCompany(h, shop);
      const id = await createB2b('CNY', '300.00', own);
      assert.equal((await pay(id, 'fail')).status, 200);
      assert.equal((await record(id)).state, 'TRADE_FAIL');
      const opening = await companyBalance(own);
      const heldBefore = await held();
      // The accountant pays at the bank all the same (a page left open): the bank debits, then tells us.
      const account = sandboxAccounts('B2B', own.id)[0]!;
      const { outcome, delivered } = await ctx().sandbox!.corporateBank.pay({
        paymentId: id,
        bankCode: 'CCB',
        account,
        amountFen: 30_000n,
        now: h.clock.now(),
      });
      assert.equal(outcome, 'paid');
      await delivered;
      const after = await record(id);
      assert.equal(after.state, 'TRADE_FAIL', 'an ended payment stays ended');
      assert.equal(after.funds_state, null, 'nothing is held for it');
      assert.equal(await companyBalance(own), opening, 'the debit was paid back to the company');
      assert.equal(await held(), heldBefore);
      await ledgerOk();
    });

    test('personal online banking (B2C_ONLINE_BANKING): paid to the merchant at once; fail -> TRADE_FAIL', async () => {
      const create = async () => {
        const res = await h.call(
          shop,
          'POST',
          '/payments/payment',
          b2bSampleOrder(ref('C'), '', {
            payer: { payment_method: 'B2C_ONLINE_BANKING', bank_code: 'ICBC', payer_info: { phone: '13800138000' } },
            notifyUrl: merchant.notifyUrl,
          }),
        );
        expectOk(h, res, 201);
        return res.json.payment.id as string;
      };
      const payableBefore = await payable();
      const id = await create();
      const paid = await pay(id);
      assert.equal(paid.json.payment.state, 'TRADE_SUCCESS');
      const row = await record(id);
      assert.equal(row.funds_state, null, 'nothing held for a person');
      assert.equal(await payable(), payableBefore - row.total_cny_minor);
      await merchant.waitForPayment(id, { state: 'TRADE_SUCCESS' });
      const failing = await create();
      const failed = await pay(failing, 'fail');
      assert.equal(failed.json.payment.state, 'TRADE_FAIL');
      assert.equal(failed.json.payment.error.ret_code, '00060750');
      await ledgerOk();
    });
  });
}
