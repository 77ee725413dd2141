/**
 * The transaction list (reference 3.16) and the daily transaction file (3.11) as a merchant reads
 * them, on SQLite and PostgreSQL. One day D of one shop holds card, WeChat, Alipay, hosted-checkout
 * and JPY payments and refunds of them (one of a payment of the day before); around it are what must
 * not be listed: unpaid and failed payments, failed and processing refunds, a payment of another
 * date, another merchant's payment and refund. The expected values come from the API's own payment
 * and refund objects (GET), the amounts from decimal strings, never from the code under test.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHarness,
  expectOk,
  expectError,
  expectedCny,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import {
  chinaDay,
  paymentBody,
  payOnSandbox,
  refund,
  refundBody,
  settleRefunds,
  uniqueRef,
  type RefundShape,
  type RefundSpec,
  type SubOrderSpec,
} from '../helpers/refunds.ts';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { decimal, fen, twoDecimals } from '../helpers/decimals.ts';

const PHONE = '13800138000';
const PHONE2 = '13900139000';

const PAYMENT_KEYS = [
  'payment_id',
  'phone_number',
  'order_date',
  'mer_reference_id',
  'amount',
  'settle_date',
  'execute_success_time',
  'state',
  'product_id',
];
const REFUND_KEYS = [
  'refund_id',
  'payment_id',
  'phone_number',
  'amount',
  'settle_date',
  'execute_success_time',
  'state',
  'mer_reference_id',
  'mer_date',
];

/** A payment of the day as the tests expect to see it listed. */
interface Paid {
  readonly payment: any;
  readonly phone: string;
  readonly product: string;
}

/** A refund of the day as the tests expect to see it listed. */
interface Refunded {
  readonly refund: any;
  readonly parent: Paid;
  readonly number: string;
  readonly subOrder: string | undefined;
}

for (const kind of testDatabaseUrls()) {
  describe(`transaction list and file (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;
    const D = chinaDay(-2);
    const PREV = chinaDay(-3);
    const EMPTY = chinaDay(-6);

    const ok = (res: ApiResponse, status = 200): void => expectOk(h, res, status);
    const list = (m: TestMerchant, query: string) => h.call(m, 'GET', `/payments/transactions?${query}`);
    const download = (m: TestMerchant, query: string) => h.call(m, 'GET', `/payments/transactions_download?${query}`);

    // What D lists (payments, then refunds, in the order they succeeded) and what PREV lists.
    const payments: Paid[] = [];
    const refunds: Refunded[] = [];
    let prevPayment: Paid;
    let prevRefund: Refunded;
    let otherPayment: Paid;
    let otherRefund: Refunded;
    const unlisted: string[] = [];

    async function createPayment(
      m: TestMerchant,
      method: string,
      total: string,
      currency: string,
      merDate: string,
      options: { phone?: string | null; subOrders?: SubOrderSpec[]; payer?: Record<string, unknown> } = {},
    ): Promise<any> {
      const body = paymentBody(method, total, currency, options.subOrders) as {
        payer: Record<string, unknown>;
        order: Record<string, unknown>;
      };
      body.order.mer_date = merDate;
      body.payer.payer_info = options.phone === null ? {} : { phone: options.phone ?? PHONE };
      Object.assign(body.payer, options.payer ?? {});
      const res = await h.call(m, 'POST', '/payments/payment', body);
      ok(res, 201);
      return res.json.payment;
    }

    async function getPayment(m: TestMerchant, id: string): Promise<any> {
      const res = await h.call(m, 'GET', `/payments/payment/${id}`);
      ok(res);
      return res.json.payment;
    }

    /** A wallet payment paid on the sandbox; the clock then moves on, so successes have distinct times. */
    async function paidWallet(
      m: TestMerchant,
      method: string,
      total: string,
      currency: string,
      merDate: string,
      options: {
        phone?: string | null;
        subOrders?: SubOrderSpec[];
        payer?: Record<string, unknown>;
        provider?: string;
      } = {},
    ): Promise<any> {
      const created = await createPayment(m, method, total, currency, merDate, options);
      if (options.provider) {
        const res = await fetch(`${h.baseUrl}/sandbox/payments/${created.id}/pay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ outcome: 'success', provider: options.provider }),
        });
        assert.equal(res.status, 200, `sandbox pay: ${await res.text()}`);
      } else {
        await payOnSandbox(h, created.id, 'success');
      }
      h.clock.advance(1000);
      const payment = await getPayment(m, created.id);
      assert.equal(payment.state, 'TRADE_SUCCESS', `paid: ${JSON.stringify(payment)}`);
      return payment;
    }

    /** A credit-card payment through create -> verify -> SMS code -> execute. */
    async function paidCard(m: TestMerchant, total: string, currency: string, merDate: string): Promise<any> {
      const created = await createPayment(m, 'CREDIT_CARD', total, currency, merDate, { payer: { bank_code: 'CCB' } });
      const bankCard = {
        number: h.encrypt(m, '6225760000040001'),
        payer_name: h.encrypt(m, 'Zhang San'),
        citizen_id_type: 'IDENTITY_CARD',
        citizen_id_number: h.encrypt(m, '11010519491231002X'),
        valid_date: h.encrypt(m, '3012'),
        cvv2: h.encrypt(m, '123'),
      };
      ok(
        await h.call(m, 'POST', `/payments/payment/${created.id}/verify`, {
          payer: { payer_info: { phone: PHONE, bank_card: bankCard } },
        }),
      );
      const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`)).json()) as {
        messages: Array<{ code: string; payment_id: string }>;
      };
      const code = inbox.messages.find((msg) => msg.payment_id === created.id)?.code;
      assert.ok(code, `an SMS code was sent for ${created.id}`);
      const executed = await h.call(m, 'POST', `/payments/payment/${created.id}/execute`, {
        payer: { payer_info: { verify_code: code } },
      });
      assert.equal(executed.json?.payment?.state, 'TRADE_SUCCESS', executed.text);
      h.clock.advance(1000);
      return getPayment(m, created.id);
    }

    /** A refund, answered by the sandbox channel at once (each refund completes at its own time). */
    async function refunded(
      m: TestMerchant,
      parent: Paid,
      shape: RefundShape,
      spec: RefundSpec,
      settle = true,
    ): Promise<{ refund: any; number: string }> {
      const number = spec.ref ?? uniqueRef('TXR');
      const res = await refund(h, m, parent.payment.id, refundBody(shape, { ...spec, ref: number }));
      ok(res, 201);
      if (settle) {
        await settleRefunds(h);
        h.clock.advance(1000);
      }
      const got = await h.call(m, 'GET', `/payments/refund/${res.json.refund.id}`);
      ok(got);
      return { refund: got.json.refund, number };
    }

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Transaction Shop' });
      otherShop = await h.merchant({ name: 'Another Shop' });

      // The day before D: one payment (refunded on D, see below).
      prevPayment = {
        payment: await paidWallet(shop, 'WECHAT_SCAN', '50.00', 'USD', PREV),
        phone: PHONE,
        product: 'Payment Gateway - WeChat QR code',
      };

      // D's payments, in the order they succeed.
      payments.push({
        payment: await paidCard(shop, '100.02', 'USD', D),
        phone: PHONE,
        product: 'Payment Gateway - Credit card',
      });
      payments.push({
        payment: await paidWallet(shop, 'WECHAT_SCAN', '1000', 'JPY', D, {
          phone: PHONE2,
          subOrders: [
            { id: uniqueRef('JA'), total: '600' },
            { id: uniqueRef('JB'), total: '400' },
          ],
        }),
        phone: PHONE2,
        product: 'Payment Gateway - WeChat QR code',
      });
      payments.push({
        payment: await paidWallet(shop, 'ALIPAY_SCAN', '20.00', 'EUR', D, { phone: null }),
        phone: '',
        product: 'Payment Gateway - Alipay QR code',
      });
      payments.push({
        payment: await paidWallet(shop, 'WECHAT_SCAN', '30.00', 'USD', D),
        phone: PHONE,
        product: 'Payment Gateway - WeChat QR code',
      });
      // A hosted-checkout payment the payer paid with Alipay: the product is the method used.
      payments.push({
        payment: await paidWallet(shop, 'NOT_APPLICABLE', '12.34', 'USD', D, {
          payer: { interface_type: 'SERVER_TO_WEB' },
          provider: 'ALIPAY',
        }),
        phone: PHONE,
        product: 'Payment Gateway - Alipay QR code',
      });
      const [card, jpy, , usd30] = payments as [Paid, Paid, Paid, Paid, Paid];

      // Not transactions of D: an unpaid payment, a failed one, another merchant's.
      unlisted.push((await createPayment(shop, 'WECHAT_SCAN', '7.00', 'USD', D)).id);
      const failed = await createPayment(shop, 'WECHAT_SCAN', '8.00', 'USD', D);
      await payOnSandbox(h, failed.id, 'fail');
      assert.equal((await getPayment(shop, failed.id)).state, 'TRADE_FAIL', 'the failed payment failed');
      unlisted.push(failed.id);
      otherPayment = {
        payment: await paidWallet(otherShop, 'WECHAT_SCAN', '9.00', 'USD', D),
        phone: PHONE,
        product: 'Payment Gateway - WeChat QR code',
      };

      // D's refunds, in the order they complete.
      const subOfUsd30 = usd30.payment.order.sub_orders[0].mer_sub_reference_id as string;
      const r1 = await refunded(shop, usd30, 'order', {
        total: '30.00',
        date: D,
        subOrders: [{ id: subOfUsd30, total: '30.00' }],
      });
      refunds.push({ ...r1, parent: usd30, subOrder: subOfUsd30 });
      const r2 = await refunded(shop, prevPayment, 'orders', {
        total: '10.00',
        date: D,
        orgAmount: { total: '50.00', currency: 'USD' },
      });
      refunds.push({ ...r2, parent: prevPayment, subOrder: undefined });
      const failedRefund = await refunded(shop, card, 'order', { total: '1.13', date: D });
      assert.equal(failedRefund.refund.state, 'REFUND_FAIL', 'the sandbox refuses amounts ending in .13');
      unlisted.push(failedRefund.refund.id);
      const [subA, subB] = jpy.payment.order.sub_orders.map((s: any) => s.mer_sub_reference_id as string);
      const r4 = await refunded(shop, jpy, 'refund_info', {
        total: '300',
        currency: 'JPY',
        date: D,
        subOrders: [
          { id: subA, total: '200' },
          { id: subB, total: '100' },
        ],
      });
      refunds.push({ ...r4, parent: jpy, subOrder: undefined });
      for (const r of refunds) assert.equal(r.refund.state, 'REFUND_SUCCESS', `refund ${r.refund.id} succeeded`);

      // A refund numbered the day before (listed on PREV, not D), another merchant's, one still processing.
      const r5 = await refunded(shop, card, 'order', { total: '90.00', date: PREV });
      prevRefund = { ...r5, parent: card, subOrder: undefined };
      const o1 = await refunded(otherShop, otherPayment, 'order', { total: '9.00', date: D });
      otherRefund = { ...o1, parent: otherPayment, subOrder: undefined };
      const processing = await refunded(
        shop,
        payments[2]!,
        'order',
        { total: '5.00', currency: 'EUR', date: D },
        false,
      );
      assert.equal(processing.refund.state, 'REFUND_PROCESS', 'left processing');
      unlisted.push(processing.refund.id);

      // Refunds do not change the payment objects the expectations are read from, except their links.
      for (const p of [...payments, prevPayment]) Object.assign(p, { payment: await getPayment(shop, p.payment.id) });
    });
    after(async () => {
      await h?.close();
    });

    function expectedPaymentSummary(p: Paid): Record<string, unknown> {
      const amount = p.payment.order.amount;
      return {
        payment_id: p.payment.id,
        phone_number: p.phone,
        order_date: p.payment.mer_check_date,
        mer_reference_id: p.payment.order.mer_reference_id,
        amount: {
          total: amount.total,
          total_cny: amount.total_cny,
          currency: amount.currency,
          exchange_rate: amount.exchange_rate.rate,
        },
        settle_date: p.payment.settle_date,
        execute_success_time: p.payment.execute_success_time,
        state: 'TRADE_SUCCESS',
        product_id: p.product,
      };
    }

    function expectedRefundSummary(r: Refunded, merDate: string): Record<string, unknown> {
      const amount = r.refund.order.amount;
      return {
        refund_id: r.refund.id,
        payment_id: r.parent.payment.id,
        phone_number: r.parent.phone,
        amount: {
          total: amount.total,
          total_cny: amount.total_cny,
          currency: amount.currency,
          exchange_rate: amount.exchange_rate.rate,
        },
        settle_date: r.refund.settle_date,
        execute_success_time: r.refund.execute_success_time,
        state: 'REFUND_SUCCESS',
        mer_reference_id: r.number,
        mer_date: merDate,
        ...(r.subOrder !== undefined ? { mer_sub_reference_id: r.subOrder } : {}),
      };
    }

    /** Every summary of a day, page after page of `size`. */
    async function allPages(
      m: TestMerchant,
      merDate: string,
      size: number,
    ): Promise<{ ids: string[]; pages: Array<{ payments: string[]; refunds: string[] }> }> {
      const ids: string[] = [];
      const pages: Array<{ payments: string[]; refunds: string[] }> = [];
      for (let n = 1; n <= 50; n++) {
        const res = await list(m, `mer_date=${merDate}&page_number=${n}&page_size=${size}`);
        ok(res);
        const t = res.json.transactions;
        assert.deepEqual(
          t.pagination,
          { total_count: 8, page_number: n, page_size: size },
          `pagination of page ${n} of ${size}`,
        );
        const page = {
          payments: t.payment_summaries.map((s: any) => s.payment_id),
          refunds: t.refund_summaries.map((s: any) => s.refund_id),
        };
        assert.ok(page.payments.length + page.refunds.length <= size, `page ${n} holds at most ${size}`);
        if (page.payments.length + page.refunds.length === 0) break;
        pages.push(page);
        ids.push(...page.payments, ...page.refunds);
      }
      return { ids, pages };
    }

    test(
      'the list of D: its successful payments then its successful refunds, ' + 'every field of every summary',
      async () => {
        const res = await list(shop, `mer_date=${D}`);
        ok(res);
        const t = res.json.transactions;
        assert.deepEqual(Object.keys(res.json), ['meta', 'transactions'], 'meta then transactions');
        assert.deepEqual(Object.keys(t), ['payment_summaries', 'refund_summaries', 'pagination']);
        assert.deepEqual(t.pagination, { total_count: 8, page_number: 1, page_size: 500 }, 'defaults: page 1 of 500');
        assert.deepEqual(
          t.payment_summaries.map((s: any) => s.payment_id),
          payments.map((p) => p.payment.id),
          'the payments of D, in the order they succeeded',
        );
        assert.deepEqual(
          t.refund_summaries.map((s: any) => s.refund_id),
          refunds.map((r) => r.refund.id),
          'the refunds numbered D, in the order they completed',
        );

        t.payment_summaries.forEach((summary: unknown, i: number) => {
          const s = summary as any; // (deepEqual narrows its first argument)
          assert.deepEqual(summary, expectedPaymentSummary(payments[i]!), `payment summary ${i}`);
          assert.deepEqual(Object.keys(s), PAYMENT_KEYS, 'the fields in the reference order');
          assert.equal(
            s.amount.total_cny,
            expectedCny(s.amount.total, s.amount.exchange_rate),
            `total_cny of ${s.payment_id} is total x rate`,
          );
          assert.equal(
            s.settle_date,
            s.execute_success_time.slice(0, 10).replaceAll('-', ''),
            'settled on the China date of its success',
          );
          assert.match(s.execute_success_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
          assert.equal(s.order_date, D);
        });
        assert.equal(t.payment_summaries[0].amount.total, '100.02');
        assert.equal(t.payment_summaries[0].phone_number, PHONE);
        assert.deepEqual(
          t.payment_summaries[1].amount,
          { total: '1000', total_cny: expectedCny('1000', '0.047312'), currency: 'JPY', exchange_rate: '0.047312' },
          'JPY with no decimals, the rate as locked',
        );
        assert.equal(t.payment_summaries[2].phone_number, '', 'a payment without a phone number');
        assert.equal(
          t.payment_summaries[4].product_id,
          'Payment Gateway - Alipay QR code',
          'a hosted-checkout payment is listed under the method the payer used',
        );
        assert.equal(payments[4]!.payment.paid_with, 'ALIPAY_SCAN', 'the payment object agrees: paid with Alipay');

        t.refund_summaries.forEach((summary: unknown, i: number) => {
          const s = summary as any;
          const r = refunds[i]!;
          assert.deepEqual(summary, expectedRefundSummary(r, D), `refund summary ${i}`);
          assert.deepEqual(
            Object.keys(s),
            r.subOrder ? [...REFUND_KEYS, 'mer_sub_reference_id'] : REFUND_KEYS,
            'the fields in order',
          );
          assert.match(s.execute_success_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
        });
        assert.equal(
          t.refund_summaries[0].amount.total_cny,
          payments[3]!.payment.order.amount.total_cny,
          'a full refund gives back the whole total_cny',
        );
        assert.equal(
          t.refund_summaries[0].mer_sub_reference_id,
          refunds[0]!.subOrder,
          'the one sub-order the refund names',
        );
        assert.equal(
          t.refund_summaries[1].payment_id,
          prevPayment.payment.id,
          'a refund of a payment of the day before is listed under its own date',
        );
        assert.deepEqual(t.refund_summaries[2].amount, {
          total: '300',
          total_cny: expectedCny('300', '0.047312'),
          currency: 'JPY',
          exchange_rate: '0.047312',
        });
        assert.equal(t.refund_summaries[2].mer_sub_reference_id, undefined, 'two sub-orders named: none shown');

        const listed = new Set([
          ...t.payment_summaries.map((s: any) => s.payment_id),
          ...t.refund_summaries.map((s: any) => s.refund_id),
        ]);
        for (const id of [
          ...unlisted,
          prevPayment.payment.id,
          prevRefund.refund.id,
          otherPayment.payment.id,
          otherRefund.refund.id,
        ]) {
          assert.ok(!listed.has(id), `${id} is not a transaction of this merchant on ${D}`);
        }
      },
    );

    test('the day before, another merchant, an empty day: each lists only its own', async () => {
      const prev = await list(shop, `mer_date=${PREV}`);
      ok(prev);
      assert.deepEqual(
        prev.json.transactions.payment_summaries,
        [expectedPaymentSummary(prevPayment)],
        'the payment of the day before (refunded in part on D, still listed)',
      );
      assert.deepEqual(
        prev.json.transactions.refund_summaries,
        [expectedRefundSummary(prevRefund, PREV)],
        'the refund numbered the day before',
      );
      assert.equal(prev.json.transactions.refund_summaries[0].payment_id, payments[0]!.payment.id, 'of a payment of D');
      assert.equal(prev.json.transactions.pagination.total_count, 2);

      const other = await list(otherShop, `mer_date=${D}`);
      ok(other);
      assert.deepEqual(
        other.json.transactions.payment_summaries,
        [expectedPaymentSummary(otherPayment)],
        'the other merchant sees only its payment',
      );
      assert.deepEqual(
        other.json.transactions.refund_summaries,
        [expectedRefundSummary(otherRefund, D)],
        'and only its refund',
      );
      assert.equal(other.json.transactions.pagination.total_count, 2);

      const empty = await list(shop, `mer_date=${EMPTY}&page_size=10`);
      ok(empty);
      assert.deepEqual(empty.json.transactions, {
        payment_summaries: [],
        refund_summaries: [],
        pagination: { total_count: 0, page_number: 1, page_size: 10 },
      });
    });

    test(
      'pages slice payments ++ refunds: ' + 'a page holds the tail of the payments and the head of the refunds',
      async () => {
        const everything = [...payments.map((p) => p.payment.id), ...refunds.map((r) => r.refund.id)];
        const three = await allPages(shop, D, 3);
        assert.deepEqual(
          three.pages,
          [
            { payments: everything.slice(0, 3), refunds: [] },
            { payments: everything.slice(3, 5), refunds: everything.slice(5, 6) },
            { payments: [], refunds: everything.slice(6, 8) },
          ],
          'pages of 3',
        );
        for (const size of [1, 2, 4, 5, 7, 8, 9]) {
          const { ids, pages } = await allPages(shop, D, size);
          assert.deepEqual(ids, everything, `pages of ${size} together are the whole list, in order`);
          assert.equal(pages.length, Math.ceil(8 / size), `${Math.ceil(8 / size)} pages of ${size}`);
        }
        // The summaries of a page are the same objects as in the whole list.
        const whole = (await list(shop, `mer_date=${D}`)).json.transactions;
        const page2 = (await list(shop, `mer_date=${D}&page_number=2&page_size=3`)).json.transactions;
        assert.deepEqual(page2.payment_summaries, whole.payment_summaries.slice(3, 5));
        assert.deepEqual(page2.refund_summaries, whole.refund_summaries.slice(0, 1));

        const past = await list(shop, `mer_date=${D}&page_number=4&page_size=3`);
        ok(past);
        assert.deepEqual(
          past.json.transactions,
          { payment_summaries: [], refund_summaries: [], pagination: { total_count: 8, page_number: 4, page_size: 3 } },
          'a page past the end is empty',
        );
        const farPast = await list(shop, `mer_date=${D}&page_number=1000000&page_size=5000`);
        ok(farPast);
        assert.equal(farPast.json.transactions.pagination.total_count, 8);
        assert.equal(
          farPast.json.transactions.payment_summaries.length + farPast.json.transactions.refund_summaries.length,
          0,
          'far past the end: empty',
        );
      },
    );

    test(
      'a missing or bad mer_date, page_number or page_size is 00060700, ' + 'signed, on the list and the download',
      async () => {
        const bad = [
          '',
          'mer_date=',
          `mer_date=${D.slice(0, 4)}-${D.slice(4, 6)}-${D.slice(6)}`,
          'mer_date=20260230',
          'mer_date=2026113',
          'mer_date=abcdefgh',
          `mer_date=${D}&mer_date=${PREV}`,
          `mer_date=${D}&page_number=0`,
          `mer_date=${D}&page_number=-1`,
          `mer_date=${D}&page_number=1.5`,
          `mer_date=${D}&page_number=x`,
          `mer_date=${D}&page_size=0`,
          `mer_date=${D}&page_size=5001`,
          `mer_date=${D}&page_size=ten`,
        ];
        for (const query of bad) {
          const res = await list(shop, query);
          expectError(h, res, 400, '00060700');
          assert.ok(
            /mer_date|page_number|page_size/.test(res.json.meta.ret_msg),
            `the message names the parameter for ${JSON.stringify(query)}: ${res.json.meta.ret_msg}`,
          );
        }
        for (const query of bad.slice(0, 7)) {
          const res = await download(shop, query);
          expectError(h, res, 400, '00060700');
          assert.match(
            res.headers.get('content-type') ?? '',
            /application\/json/,
            `a download error is a JSON answer: ${query}`,
          );
          assert.equal(res.headers.get('content-disposition'), null, 'and no file');
        }
        const noToken = await fetch(`${h.api}/payments/transactions?mer_date=${D}`);
        const noTokenText = await noToken.text();
        assert.equal(noToken.status, 401, noTokenText);
        assert.ok(h.verifies(noTokenText), 'the refusal is signed');
      },
    );

    test(
      'the download file of D: START line, one line of 14 fields per transaction in list order, ' +
        'End line with the net CNY; signed',
      async () => {
        const res = await download(shop, `mer_date=${D}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
        assert.equal(res.headers.get('content-disposition'), `attachment; filename="TRANS_${shop.id}_${D}.txt"`);
        const signature = res.headers.get('signature');
        assert.ok(signature, 'a Signature header');
        const bytes = Buffer.from(res.text, 'utf8');
        assert.ok(
          verifySha256WithRsa(h.platformCert.publicKey, bytes, signature),
          'the file verifies with the platform certificate',
        );
        const altered = Buffer.from(bytes);
        altered[altered.length - 3] = altered[altered.length - 3]! ^ 1;
        assert.ok(
          !verifySha256WithRsa(h.platformCert.publicKey, altered, signature),
          'one altered byte does not verify',
        );

        assert.ok(res.text.endsWith('\n'), 'the file ends with a line end');
        assert.ok(!res.text.includes('\r'), 'lines end with \\n only');
        const lines = res.text.slice(0, -1).split('\n');
        assert.equal(lines.length, 1 + payments.length + refunds.length + 1, 'START, 8 transactions, End');
        assert.equal(lines[0], `TRANSDETAIL-START,${shop.id},${D}`);

        const platDate = (time: string) => time.slice(0, 10).replaceAll('-', '');
        const platTime = (time: string) => time.slice(11, 19).replaceAll(':', '');
        const expected: string[][] = [
          ...payments.map((p) => {
            const a = p.payment.order.amount;
            return [
              p.payment.id,
              p.phone,
              p.payment.order.mer_reference_id,
              p.payment.mer_check_date,
              platDate(p.payment.execute_success_time),
              platTime(p.payment.execute_success_time),
              a.currency,
              twoDecimals(a.total),
              a.total_cny,
              a.exchange_rate.rate,
              '0',
              'P',
              p.product,
              '',
            ];
          }),
          ...refunds.map((r) => {
            const a = r.refund.order.amount;
            const parent = r.parent.payment;
            return [
              r.refund.id,
              r.parent.phone,
              parent.order.mer_reference_id,
              parent.mer_check_date,
              platDate(r.refund.execute_success_time),
              platTime(r.refund.execute_success_time),
              a.currency,
              twoDecimals(a.total),
              a.total_cny,
              a.exchange_rate.rate,
              '0',
              'T',
              r.parent.product,
              r.number,
            ];
          }),
        ];
        const whole = (await list(shop, `mer_date=${D}`)).json.transactions;
        const listOrder = [
          ...whole.payment_summaries.map((s: any) => s.payment_id),
          ...whole.refund_summaries.map((s: any) => s.refund_id),
        ];
        let net = 0n;
        lines.slice(1, -1).forEach((line, i) => {
          const fields = line.split(',');
          assert.equal(fields.length, 14, `line ${i + 2} has 14 fields: ${line}`);
          assert.deepEqual(fields, expected[i], `line ${i + 2}`);
          assert.equal(fields[0], listOrder[i], 'the same order as the list');
          assert.match(fields[4]!, /^\d{8}$/, 'platDate YYYYMMDD');
          assert.match(fields[5]!, /^\d{6}$/, 'platTime HHmmss');
          assert.match(fields[7]!, /^\d+\.\d{2}$/, 'cb_amount with two decimals');
          assert.match(fields[8]!, /^\d+\.\d{2}$/, 'amount (CNY) with two decimals');
          net += fields[11] === 'P' ? fen(fields[8]!) : -fen(fields[8]!);
        });
        assert.equal(lines[2]!.split(',')[7], '1000.00', 'JPY 1000 is written 1000.00');
        assert.equal(lines[1 + payments.length + 2]!.split(',')[7], '300.00', 'the JPY refund 300.00');
        assert.equal(lines[3]!.split(',')[1], '', 'no phone: an empty mobileId');
        assert.equal(
          lines[1 + payments.length + 1]!.split(',')[2],
          prevPayment.payment.order.mer_reference_id,
          "a refund's orderId is its payment's",
        );
        assert.equal(lines[1 + payments.length + 1]!.split(',')[3], PREV, "and orderDate its payment's mer_date");

        // The End total from the API's own objects: CNY of the payments less CNY of the refunds.
        const fromObjects =
          payments.reduce((s, p) => s + fen(p.payment.order.amount.total_cny), 0n) -
          refunds.reduce((s, r) => s + fen(r.refund.order.amount.total_cny), 0n);
        assert.equal(net, fromObjects, 'the lines carry the CNY of the objects');
        assert.equal(lines[lines.length - 1], `TRANSDETAIL-End,${shop.id},${D},${decimal(fromObjects)}`);
      },
    );

    test('the file of the day before nets to a negative total; an empty day has only START and End', async () => {
      const res = await download(shop, `mer_date=${PREV}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(
        verifySha256WithRsa(
          h.platformCert.publicKey,
          Buffer.from(res.text, 'utf8'),
          res.headers.get('signature') ?? '',
        ),
        'signed',
      );
      const net = fen(prevPayment.payment.order.amount.total_cny) - fen(prevRefund.refund.order.amount.total_cny);
      assert.ok(net < 0n, `the refund numbered that day gives back more than the day took: ${net}`);
      const lines = res.text.split('\n');
      assert.equal(lines.length, 5, 'START, P, T, End and the empty string after the last line end');
      assert.equal(lines[4], '');
      assert.equal(lines[1]!.split(',')[0], prevPayment.payment.id);
      assert.equal(lines[1]!.split(',')[11], 'P');
      assert.equal(lines[2]!.split(',')[0], prevRefund.refund.id);
      assert.equal(lines[2]!.split(',')[13], prevRefund.number, 'refundNo: the merchant refund number');
      assert.equal(lines[3], `TRANSDETAIL-End,${shop.id},${PREV},${decimal(net)}`);

      const empty = await download(shop, `mer_date=${EMPTY}`);
      assert.equal(empty.status, 200, empty.text);
      assert.equal(empty.text, `TRANSDETAIL-START,${shop.id},${EMPTY}\nTRANSDETAIL-End,${shop.id},${EMPTY},0.00\n`);
      assert.ok(
        verifySha256WithRsa(
          h.platformCert.publicKey,
          Buffer.from(empty.text, 'utf8'),
          empty.headers.get('signature') ?? '',
        ),
        'signed',
      );

      const other = await download(otherShop, `mer_date=${D}`);
      assert.equal(other.status, 200, other.text);
      const otherLines = other.text.slice(0, -1).split('\n');
      assert.deepEqual(
        otherLines.slice(1, -1).map((l) => l.split(',')[0]),
        [otherPayment.payment.id, otherRefund.refund.id],
        "the other merchant's file holds only its own",
      );
      assert.equal(otherLines[0], `TRANSDETAIL-START,${otherShop.id},${D}`);
      assert.equal(otherLines[3], `TRANSDETAIL-End,${otherShop.id},${D},0.00`, 'paid and fully refunded: nets to zero');
    });
  });
}
