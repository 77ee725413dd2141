/**
 * Refunds as a merchant integration drives them (reference 3.7-3.8, WIRE-NOTES "Refund requests come
 * in three shapes"), on SQLite and PostgreSQL: the three request shapes, full and partial refunds,
 * the CNY of each refund at the payment's locked rate (the last one takes exactly what is left),
 * every refusal code, REFUND_PROCESS -> REFUND_SUCCESS / REFUND_FAIL through the sandbox channel,
 * the signed notification, merchant scoping, concurrent refunds, and the ledger after each test.
 */
import test, { describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHarness,
  type ApiResponse,
  type Harness,
  type TestMerchant,
  expectOk,
  expectError,
} from '../helpers/gateway-harness.ts';
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
  uniqueRef,
} from '../helpers/refunds.ts';
import { checkLedger, accountBalance } from '../../src/ledger/ledger-check-repository.ts';
import { ACCOUNTS } from '../../src/ledger/journal.ts';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { fen } from '../helpers/decimals.ts';

/** ROUND_HALF_UP of amount x rate to the fen, in fen, with decimal strings only. */
function cnyFen(total: string, rate: string): bigint {
  const [tw, tf = ''] = total.split('.');
  const [rw, rf = ''] = rate.split('.');
  const numerator = BigInt(tw! + tf) * BigInt(rw! + rf) * 100n;
  const denominator = 10n ** BigInt(tf.length + rf.length);
  return (numerator * 2n + denominator) / (denominator * 2n);
}

for (const kind of testDatabaseUrls()) {
  describe(`refunds (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;

    const ok = (res: ApiResponse, status = 200): void => expectOk(h, res, status);
    const fails = (res: ApiResponse, status: number, code: string): void => expectError(h, res, status, code);

    function assertRefundLinks(refundObj: any, paymentId: string): void {
      assert.deepEqual(
        refundObj.links.map((l: any) => [l.ref, l.method, l.href]),
        [
          ['parent_payment', 'GET', `${h.api}/payments/payment/${paymentId}`],
          ['self', 'GET', `${h.api}/payments/refund/${refundObj.id}`],
        ],
        'links: parent_payment then self',
      );
    }

    const getRefund = (m: TestMerchant, id: string) => h.call(m, 'GET', `/payments/refund/${id}`);

    async function refundNotifications(refundId: string) {
      return h.gateway.context.db
        .selectFrom('outbox')
        .selectAll()
        .where('object_id', '=', refundId)
        .orderBy('id')
        .execute();
    }

    async function paymentRow(id: string) {
      return h.gateway.context.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await h.merchant({ name: 'Refund Shop' });
      otherShop = await h.merchant({ name: 'Someone Else' });
    });
    after(async () => {
      await h?.close();
    });
    afterEach(async () => {
      const check = await checkLedger(h.gateway.context.db);
      assert.deepEqual(check.problems, [], 'the ledger balances and agrees with payments and refunds');
      assert.ok(check.ok, 'ledger check ok');
    });

    // ---- the happy paths ----------------------------------------------------------------------

    test(
      'full refund (Java client shape): REFUND_PROCESS, then REFUND_SUCCESS, signed notification, ' + 'ledger reversed',
      async () => {
        const payment = await paidWalletPayment(h, shop, '100.02', 'USD');
        const totalCny = payment.order.amount.total_cny as string;
        const merchantPayable = ACCOUNTS.merchantPayable(shop.id, 'CNY');
        const payableBefore = await accountBalance(h.gateway.context.db, merchantPayable);

        const body = refundBody('order', {
          total: '100.02',
          parentPayment: payment.id,
          notifyUrl: 'http://127.0.0.1:9/refunds/1',
        });
        const res = await refund(h, shop, payment.id, body);
        ok(res, 201);
        const r = res.json.refund;
        assert.match(r.id, /^REFUND_[A-Z0-9]{21}$/);
        assert.equal(r.state, 'REFUND_PROCESS');
        assert.equal(r.parent_payment, payment.id);
        assert.equal(r.notify_url, 'http://127.0.0.1:9/refunds/1');
        assert.equal(r.order.mer_reference_id, (body.order as any).mer_reference_id, 'the merchant refund number');
        assert.deepEqual(r.order.amount, {
          total: '100.02',
          currency: 'USD',
          total_cny: totalCny,
          exchange_rate: payment.order.amount.exchange_rate,
        });
        assert.deepEqual(r.orders, [r.order], 'orders[] (reference 3.7 shape) carries the same order');
        assert.equal(r.settle_date, today());
        assert.equal(r.execute_success_time, undefined);
        assertRefundLinks(r, payment.id);
        assert.deepEqual(res.json.links, r.links, 'top-level links = refund.links');
        // The amount is reserved at once: the merchant's payable dropped by the refund.
        assert.equal(await accountBalance(h.gateway.context.db, merchantPayable), payableBefore + fen(totalCny));
        assert.equal(
          (await accountBalance(h.gateway.context.db, ACCOUNTS.refundsPayable('CNY'))) <= -fen(totalCny),
          true,
          'refunds payable holds it',
        );

        const pending = await getRefund(shop, r.id);
        ok(pending);
        assert.equal(pending.json.refund.state, 'REFUND_PROCESS');
        assert.deepEqual(pending.json.refunds, [pending.json.refund], 'refunds[] as in the reference 3.8 sample');

        assert.equal(await settleRefunds(h), 1, 'one refund answered');
        const done = await getRefund(shop, r.id);
        ok(done);
        assert.equal(done.json.refund.state, 'REFUND_SUCCESS');
        assert.match(done.json.refund.execute_success_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
        assertRefundLinks(done.json.refund, payment.id);

        const notes = await refundNotifications(r.id);
        assert.equal(notes.length, 1, 'one notification, on the final state');
        const note = notes[0]!;
        assert.equal(note.object_type, 'refund');
        assert.equal(note.url, 'http://127.0.0.1:9/refunds/1');
        assert.ok(
          verifySha256WithRsa(h.platformCert.publicKey, note.body, note.signature),
          'notification signed with the platform key',
        );
        const notified = JSON.parse(note.body);
        assert.deepEqual(Object.keys(notified), ['refund']);
        assert.equal(notified.refund.id, r.id);
        assert.equal(notified.refund.state, 'REFUND_SUCCESS');
        assert.deepEqual(notified.refund.links, done.json.refund.links);

        const row = await paymentRow(payment.id);
        assert.equal(BigInt(row.refunded_minor), 10002n);
        assert.equal(BigInt(row.refunded_cny_minor), fen(totalCny), 'a full refund gives back exactly total_cny');
        assert.equal(
          await accountBalance(h.gateway.context.db, merchantPayable),
          payableBefore + fen(totalCny),
          'the merchant no longer holds the payment',
        );
        const again = await refund(h, shop, payment.id, refundBody('order', { total: '0.01' }));
        fails(again, 409, '00202010');
      },
    );

    test(
      'the reference shape (org_amount + orders[] with sub-orders and items, ' + 'item_quantity) is accepted',
      async () => {
        const payment = await paidWalletPayment(h, shop, '100.02', 'USD', [
          {
            id: 'SUB-A',
            total: '50.02',
            items: [
              { id: 'tee', total: '30.02', quantity: '2' },
              { id: 'cap', total: '20.00' },
            ],
          },
          { id: 'SUB-B', total: '50.00' },
        ]);
        const body = refundBody('orders', {
          total: '70.02',
          orgAmount: { total: '100.02', currency: 'USD' },
          subOrders: [
            { id: 'SUB-A', total: '30.02', items: [{ id: 'tee', total: '30.02' }] },
            { id: 'SUB-B', total: '40.00' },
          ],
          notifyUrl: null,
        });
        const res = await refund(h, shop, payment.id, body);
        ok(res, 201);
        const r = res.json.refund;
        assert.equal(r.order.amount.total, '70.02');
        assert.equal(
          r.order.amount.total_cny,
          (Number(cnyFen('70.02', payment.order.amount.exchange_rate.rate)) / 100).toFixed(2),
        );
        assert.equal(r.notify_url, payment.notify_url, 'no notify_url in the request: the payment’s');
        assert.equal(r.order.sub_orders.length, 2);
        assert.deepEqual(r.order.sub_orders[0].amount, { total: '30.02', currency: 'USD' });
        assert.equal(r.order.sub_orders[0].items[0].quantity, '1', 'item_quantity is read as quantity');
        await settleRefunds(h);
      },
    );

    test('the demo shape (refund_info with refund_summary, parent_payment) is accepted', async () => {
      const payment = await paidWalletPayment(h, shop, '20.00', 'USD');
      const res = await refund(
        h,
        shop,
        payment.id,
        refundBody('refund_info', { total: '5.00', parentPayment: payment.id, summary: 'one item returned' }),
      );
      ok(res, 201);
      assert.equal(res.json.refund.order.refund_summary, 'one item returned');
      assert.equal(res.json.refund.order.amount.total, '5.00');
      await settleRefunds(h);
      const done = await getRefund(shop, res.json.refund.id);
      assert.equal(done.json.refund.state, 'REFUND_SUCCESS');
    });

    test('camelCase keys (refundInfo, merReferenceId) and numbers for amounts work too', async () => {
      const payment = await paidWalletPayment(h, shop, '20.00', 'USD');
      const raw =
        `{"refundInfo":{"merReferenceId":"${uniqueRef('CC')}","merDate":"${today()}","amount":{"total":3.5,"cur` +
        'rency":"USD"}},"notifyUrl":"http://127.0.0.1:9/n"}';
      const res = await refund(h, shop, payment.id, raw);
      ok(res, 201);
      assert.equal(res.json.refund.order.amount.total, '3.50');
      await settleRefunds(h);
    });

    test(
      'several partial refunds: each at the locked rate ROUND_HALF_UP, ' + 'the last one takes exactly the CNY left',
      async () => {
        // 0.01 EUR = 7.5 fen: each 0.01 refund rounds up to 8 fen, the payment of 0.03 is 22.5 -> 23 fen.
        await h.gateway.context.sandbox!.fx.setRate('EUR', '7.5');
        const payment = await paidWalletPayment(h, shop, '0.03', 'EUR');
        assert.equal(payment.order.amount.total_cny, '0.23');
        const cny: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await refund(h, shop, payment.id, refundBody('order', { total: '0.01', currency: 'EUR' }));
          ok(res, 201);
          cny.push(res.json.refund.order.amount.total_cny);
        }
        assert.deepEqual(cny, ['0.08', '0.08', '0.07'], 'the last refund takes the 7 fen left, not its rounded 8');
        fails(
          await refund(h, shop, payment.id, refundBody('order', { total: '0.01', currency: 'EUR' })),
          409,
          '00202010',
        );
        await settleRefunds(h);
        const row = await paymentRow(payment.id);
        assert.equal(BigInt(row.refunded_cny_minor), 23n);
        await h.gateway.context.sandbox!.fx.setRate('EUR', '7.7021');
      },
    );

    test('refunds never give back more CNY than the payment took, even when every partial rounds up', async () => {
      // 0.01 GBP = 0.5 fen: partial refunds round up to 1 fen, the payment of 0.04 is 2 fen.
      await h.gateway.context.sandbox!.fx.setRate('GBP', '0.5');
      const payment = await paidWalletPayment(h, shop, '0.04', 'GBP');
      assert.equal(payment.order.amount.total_cny, '0.02');
      const cny: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await refund(h, shop, payment.id, refundBody('order', { total: '0.01', currency: 'GBP' }));
        ok(res, 201);
        cny.push(res.json.refund.order.amount.total_cny);
      }
      assert.deepEqual(cny, ['0.01', '0.01', '0.00', '0.00']);
      await settleRefunds(h);
      await h.gateway.context.sandbox!.fx.setRate('GBP', '9.0417');
    });

    test('partial refunds up to the amount: one cent more is 00202010, the exact rest is accepted', async () => {
      const payment = await paidWalletPayment(h, shop, '100.02', 'USD');
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '60.00' })), 201);
      const over = await refund(h, shop, payment.id, refundBody('order', { total: '40.03' }));
      fails(over, 409, '00202010');
      assert.match(over.json.meta.ret_msg, /40\.02 of the 100\.02 paid is left/);
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '40.02' })), 201);
      fails(await refund(h, shop, payment.id, refundBody('order', { total: '0.01' })), 409, '00202010');
      const row = await paymentRow(payment.id);
      assert.equal(BigInt(row.refunded_minor), 10002n);
      assert.equal(BigInt(row.refunded_cny_minor), BigInt(row.total_cny_minor));
      await settleRefunds(h);
    });

    test('a JPY payment (no minor unit) refunds in whole yen', async () => {
      const payment = await paidWalletPayment(h, shop, '1000', 'JPY');
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '400', currency: 'JPY' })), 201);
      fails(await refund(h, shop, payment.id, refundBody('order', { total: '1.5', currency: 'JPY' })), 400, '00202002');
      const rest = await refund(h, shop, payment.id, refundBody('order', { total: '600.00', currency: 'JPY' }));
      ok(rest, 201);
      assert.equal(rest.json.refund.order.amount.total, '600');
      await settleRefunds(h);
    });

    test('a card payment is refunded to the card: the sandbox bank credits it once', async () => {
      const payment = await paidCardPayment(h, shop, '10.00', 'USD');
      const res = await refund(h, shop, payment.id, refundBody('order', { total: '10.00' }));
      ok(res, 201);
      await settleRefunds(h);
      const done = await getRefund(shop, res.json.refund.id);
      assert.equal(done.json.refund.state, 'REFUND_SUCCESS');
      const bank = await h.gateway.context.db
        .selectFrom('sandbox_bank_ledger')
        .selectAll()
        .where('payment_id', 'in', [payment.id, res.json.refund.id])
        .orderBy('kind')
        .execute();
      assert.deepEqual(
        bank.map((b) => [b.kind, BigInt(b.amount_minor)]),
        [
          ['debit', fen(payment.order.amount.total_cny)],
          ['refund', fen(payment.order.amount.total_cny)],
        ],
      );
      const account = await h.gateway.context.db
        .selectFrom('sandbox_bank_accounts')
        .select('balance_minor')
        .where('card_fingerprint', '=', bank[0]!.card_fingerprint)
        .executeTakeFirstOrThrow();
      assert.equal(BigInt(account.balance_minor), 100_000_000n, 'the card got its money back');
      // Asking the channel again (another gateway process) does not credit twice.
      const row = await h.gateway.context.db
        .selectFrom('refunds')
        .selectAll()
        .where('id', '=', res.json.refund.id)
        .executeTakeFirstOrThrow();
      const again = await h.gateway.context.channels.cardBank.refund({
        refundId: row.id,
        paymentId: payment.id,
        method: 'CREDIT_CARD',
        cardFingerprint: bank[0]!.card_fingerprint,
        amountFen: BigInt(row.cny_minor),
        amountMinor: BigInt(row.amount_minor),
        currency: 'USD',
        requestedAt: 0,
        now: h.clock.now(),
      });
      assert.equal(again.outcome, 'success');
      const credits = await h.gateway.context.db
        .selectFrom('sandbox_bank_ledger')
        .select('id')
        .where('payment_id', '=', row.id)
        .execute();
      assert.equal(credits.length, 1, 'credited once');
    });

    // ---- failure in the channel ---------------------------------------------------------------

    test('the sandbox refuses refunds ending in .13: REFUND_FAIL (00060767), notified, amount released', async () => {
      const payment = await paidWalletPayment(h, shop, '10.13', 'USD');
      const res = await refund(
        h,
        shop,
        payment.id,
        refundBody('order', { total: '10.13', notifyUrl: 'http://127.0.0.1:9/refunds/failing' }),
      );
      ok(res, 201);
      assert.equal(res.json.refund.state, 'REFUND_PROCESS');
      fails(await refund(h, shop, payment.id, refundBody('order', { total: '0.01' })), 409, '00202010');
      await settleRefunds(h);
      const failed = await getRefund(shop, res.json.refund.id);
      ok(failed);
      assert.equal(failed.json.refund.state, 'REFUND_FAIL');
      assert.deepEqual(failed.json.refund.error, { ret_code: '00060767', ret_msg: 'Refund request failure' });
      assert.equal(failed.json.refund.execute_success_time, undefined);
      const notes = await refundNotifications(res.json.refund.id);
      assert.equal(notes.length, 1);
      assert.equal(JSON.parse(notes[0]!.body).refund.state, 'REFUND_FAIL');
      assert.equal(notes[0]!.url, 'http://127.0.0.1:9/refunds/failing');
      const row = await paymentRow(payment.id);
      assert.equal(BigInt(row.refunded_minor), 0n, 'the failed refund released its amount');
      assert.equal(BigInt(row.refunded_cny_minor), 0n);
      // The whole amount can be refunded again (in parts that do not end in .13).
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '10.00' })), 201);
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '0.12' })), 201);
      ok(await refund(h, shop, payment.id, refundBody('order', { total: '0.01' })), 201);
      await settleRefunds(h);
      const after = await paymentRow(payment.id);
      assert.equal(BigInt(after.refunded_minor), 1013n);
      assert.equal(BigInt(after.refunded_cny_minor), BigInt(after.total_cny_minor));
    });

    // ---- refusals -----------------------------------------------------------------------------

    test('00060766: unpaid, failed and closed payments cannot be refunded', async () => {
      const unpaid = await h.call(shop, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', '10.00', 'USD'));
      ok(unpaid, 201);
      fails(await refund(h, shop, unpaid.json.payment.id, refundBody('order', { total: '10.00' })), 409, '00060766');

      const failing = await h.call(shop, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', '10.00', 'USD'));
      await payOnSandbox(h, failing.json.payment.id, 'fail');
      const failedPayment = await h.call(shop, 'GET', `/payments/payment/${failing.json.payment.id}`);
      assert.equal(failedPayment.json.payment.state, 'TRADE_FAIL');
      fails(await refund(h, shop, failing.json.payment.id, refundBody('order', { total: '10.00' })), 409, '00060766');

      const body = paymentBody('WECHAT_SCAN', '10.00', 'USD');
      (body.order as any).expire_time = '1';
      const short = await h.call(shop, 'POST', '/payments/payment', body);
      ok(short, 201);
      h.clock.advance(61_000);
      const closed = await h.call(shop, 'GET', `/payments/payment/${short.json.payment.id}`);
      assert.equal(closed.json.payment.state, 'TRADE_CLOSED');
      const res = await refund(h, shop, short.json.payment.id, refundBody('order', { total: '10.00' }));
      fails(res, 409, '00060766');
      assert.match(res.json.meta.ret_msg, /TRADE_CLOSED/);
      const count = await h.gateway.context.db
        .selectFrom('refunds')
        .select('id')
        .where('payment_id', 'in', [unpaid.json.payment.id, failing.json.payment.id, short.json.payment.id])
        .execute();
      assert.equal(count.length, 0, 'no refund rows');
    });

    test('00202011: a refund (or org_amount, or a sub-order) in another currency than the payment', async () => {
      const payment = await paidWalletPayment(h, shop, '100.02', 'USD');
      fails(
        await refund(h, shop, payment.id, refundBody('order', { total: '10.00', currency: 'EUR' })),
        400,
        '00202011',
      );
      fails(
        await refund(h, shop, payment.id, refundBody('order', { total: '10.00', currency: 'XYZ' })),
        400,
        '00202011',
      );
      fails(
        await refund(
          h,
          shop,
          payment.id,
          refundBody('orders', { total: '10.00', orgAmount: { total: '100.02', currency: 'EUR' } }),
        ),
        400,
        '00202011',
      );
      fails(
        await refund(
          h,
          shop,
          payment.id,
          refundBody('order', { total: '10.00', subOrders: [{ total: '10.00', currency: 'CNY' }] }),
        ),
        400,
        '00202011',
      );
      assert.equal(BigInt((await paymentRow(payment.id)).refunded_minor), 0n, 'nothing reserved');
    });

    test('00202009: amounts that do not match their sub-orders or items, or unknown sub-orders', async () => {
      const payment = await paidWalletPayment(h, shop, '100.02', 'USD', [
        {
          id: 'S1',
          total: '50.02',
          items: [
            { id: 'tee', total: '30.02' },
            { id: 'cap', total: '20.00' },
          ],
        },
        { id: 'S2', total: '50.00' },
      ]);
      const sub = (subOrders: any[]) => refund(h, shop, payment.id, refundBody('order', { total: '30.00', subOrders }));
      fails(
        await sub([
          { id: 'S1', total: '20.00' },
          { id: 'S2', total: '5.00' },
        ]),
        400,
        '00202009',
      );
      fails(
        await sub([
          {
            id: 'S1',
            total: '30.00',
            items: [
              { id: 'tee', total: '20.00' },
              { id: 'cap', total: '5.00' },
            ],
          },
        ]),
        400,
        '00202009',
      );
      fails(await sub([{ id: 'NOPE', total: '30.00' }]), 400, '00202009');
      fails(await refund(h, shop, payment.id, refundBody('order', { total: '1.234' })), 400, '00202009');
      fails(await refund(h, shop, payment.id, refundBody('order', { total: 'ten' })), 400, '00202009');
      fails(await refund(h, shop, payment.id, refundBody('order', { total: '0.00' })), 400, '00202003');
      fails(
        await refund(h, shop, payment.id, { order: { mer_reference_id: uniqueRef('X'), mer_date: today() } }),
        400,
        '00202001',
      );
      ok(
        await sub([
          { id: 'S1', total: '20.00', items: [{ id: 'tee', total: '20.00' }] },
          { id: 'S2', total: '10.00' },
        ]),
        201,
      );
      await settleRefunds(h);
    });

    test(
      '00202010: org_amount other than the payment, a sub-order or item refunded above its price, ' +
        'more than is left',
      async () => {
        const payment = await paidWalletPayment(h, shop, '100.02', 'USD', [
          {
            id: 'S1',
            total: '50.02',
            items: [
              { id: 'tee', total: '30.02' },
              { id: 'cap', total: '20.00' },
            ],
          },
          { id: 'S2', total: '50.00' },
        ]);
        fails(
          await refund(
            h,
            shop,
            payment.id,
            refundBody('orders', { total: '10.00', orgAmount: { total: '99.00', currency: 'USD' } }),
          ),
          409,
          '00202010',
        );
        fails(
          await refund(
            h,
            shop,
            payment.id,
            refundBody('order', { total: '60.00', subOrders: [{ id: 'S2', total: '60.00' }] }),
          ),
          409,
          '00202010',
        );
        fails(
          await refund(
            h,
            shop,
            payment.id,
            refundBody('order', {
              total: '25.00',
              subOrders: [{ id: 'S1', total: '25.00', items: [{ id: 'cap', total: '25.00' }] }],
            }),
          ),
          409,
          '00202010',
        );
        fails(await refund(h, shop, payment.id, refundBody('order', { total: '100.03' })), 409, '00202010');
        fails(await refund(h, shop, payment.id, refundBody('order', { total: '99999999.99' })), 409, '00202010');
      },
    );

    test('00060744: the merchant refund number (mer_reference_id + mer_date) is unique per merchant', async () => {
      const p1 = await paidWalletPayment(h, shop, '50.00', 'USD');
      const p2 = await paidWalletPayment(h, shop, '50.00', 'USD');
      const number = uniqueRef('DUP');
      ok(await refund(h, shop, p1.id, refundBody('order', { ref: number, total: '10.00' })), 201);
      const dup = await refund(h, shop, p1.id, refundBody('order', { ref: number, total: '5.00' }));
      fails(dup, 409, '00060744');
      fails(await refund(h, shop, p2.id, refundBody('refund_info', { ref: number, total: '5.00' })), 409, '00060744');
      assert.equal(BigInt((await paymentRow(p1.id)).refunded_minor), 1000n, 'the duplicate reserved nothing');
      assert.equal(BigInt((await paymentRow(p2.id)).refunded_minor), 0n);
      // Another date, or another merchant, may use the same number.
      const yesterday = new Date(Date.now() + 8 * 3600_000 - 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      ok(await refund(h, shop, p2.id, refundBody('order', { ref: number, date: yesterday, total: '5.00' })), 201);
      const theirs = await paidWalletPayment(h, otherShop, '50.00', 'USD');
      ok(await refund(h, otherShop, theirs.id, refundBody('order', { ref: number, total: '5.00' })), 201);
      // Concurrent requests with one number: exactly one wins.
      const racing = uniqueRef('RACE');
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => refund(h, shop, p2.id, refundBody('order', { ref: racing, total: '1.00' }))),
      );
      assert.deepEqual(
        results.map((r) => r.status).sort(),
        [201, 409, 409, 409],
        results.map((r) => r.text).join('\n'),
      );
      assert.equal(BigInt((await paymentRow(p2.id)).refunded_minor), 600n);
      await settleRefunds(h);
    });

    test(
      'validation: bad mer_date, missing number, two orders, ' + 'parent_payment of another payment, bad notify_url',
      async () => {
        const payment = await paidWalletPayment(h, shop, '10.00', 'USD');
        fails(
          await refund(h, shop, payment.id, refundBody('order', { total: '1.00', date: '20261345' })),
          400,
          '00060700',
        );
        fails(
          await refund(h, shop, payment.id, {
            order: { mer_date: today(), amount: { total: '1.00', currency: 'USD' } },
          }),
          400,
          '00060700',
        );
        const two = refundBody('orders', { total: '1.00' });
        (two.orders as any[]).push((two.orders as any[])[0]);
        fails(await refund(h, shop, payment.id, two), 400, '00060700');
        fails(
          await refund(h, shop, payment.id, refundBody('order', { total: '1.00', parentPayment: 'PAY_SOMETHINGELSE' })),
          400,
          '00060700',
        );
        fails(
          await refund(h, shop, payment.id, refundBody('order', { total: '1.00', notifyUrl: 'ftp://x' })),
          400,
          '00060700',
        );
        fails(await refund(h, shop, payment.id, {}), 400, '00060700');
        fails(await refund(h, shop, payment.id, '{"order":'), 400, '00060701');
        assert.equal(BigInt((await paymentRow(payment.id)).refunded_minor), 0n);
      },
    );

    // ---- scoping ------------------------------------------------------------------------------

    test(
      'merchant scoping: another merchant’s payment is 404 00060760, ' + 'another merchant’s refund 404 00060771',
      async () => {
        const payment = await paidWalletPayment(h, shop, '10.00', 'USD');
        fails(await refund(h, otherShop, payment.id, refundBody('order', { total: '1.00' })), 404, '00060760');
        fails(await refund(h, shop, 'PAY_DOESNOTEXIST', refundBody('order', { total: '1.00' })), 404, '00060760');
        const res = await refund(h, shop, payment.id, refundBody('order', { total: '1.00' }));
        ok(res, 201);
        fails(await getRefund(otherShop, res.json.refund.id), 404, '00060771');
        fails(await getRefund(shop, 'REFUND_DOESNOTEXIST'), 404, '00060771');
        fails(await getRefund(shop, 'not-an-id'), 404, '00060771');
        ok(await getRefund(shop, res.json.refund.id));
        // The parent link works for the owner.
        const parent = await h.call(shop, 'GET', res.json.refund.links[0].href);
        ok(parent);
        assert.equal(parent.json.payment.id, payment.id);
        await settleRefunds(h);
      },
    );

    test(
      'an Idempotency-Key replay returns the same refund and reserves nothing more; ' +
        'another body with the key is 00060742',
      async () => {
        const payment = await paidWalletPayment(h, shop, '10.00', 'USD');
        const key = `k-${uniqueRef('I')}`;
        const body = JSON.stringify(refundBody('order', { total: '3.00' }));
        const first = await refund(h, shop, payment.id, body, { 'idempotency-key': key });
        ok(first, 201);
        const replay = await refund(h, shop, payment.id, body, { 'idempotency-key': key });
        assert.equal(replay.status, 201);
        assert.equal(replay.text, first.text, 'replayed byte for byte');
        fails(
          await refund(h, shop, payment.id, JSON.stringify(refundBody('order', { total: '1.00' })), {
            'idempotency-key': key,
          }),
          409,
          '00060742',
        );
        assert.equal(BigInt((await paymentRow(payment.id)).refunded_minor), 300n);
        const refunds = await h.gateway.context.db
          .selectFrom('refunds')
          .select('id')
          .where('payment_id', '=', payment.id)
          .execute();
        assert.equal(refunds.length, 1);
        await settleRefunds(h);
      },
    );

    // ---- concurrency --------------------------------------------------------------------------

    test('concurrent refunds of one payment never exceed it: 12 x 20.00 on 100.02 -> exactly 5 accepted', async () => {
      const payment = await paidWalletPayment(h, shop, '100.02', 'USD');
      const results = await Promise.all(
        Array.from({ length: 12 }, () => refund(h, shop, payment.id, refundBody('order', { total: '20.00' }))),
      );
      const accepted = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      assert.equal(accepted.length, 5, results.map((r) => r.text.slice(0, 120)).join('\n'));
      for (const r of refused) fails(r, 409, '00202010');
      const row = await paymentRow(payment.id);
      assert.equal(BigInt(row.refunded_minor), 10000n);
      const last = await refund(h, shop, payment.id, refundBody('order', { total: '0.02' }));
      ok(last, 201);
      await settleRefunds(h);
      const refunds = await h.gateway.context.db
        .selectFrom('refunds')
        .selectAll()
        .where('payment_id', '=', payment.id)
        .execute();
      assert.equal(refunds.length, 6);
      assert.equal(
        refunds.reduce((s, r) => s + BigInt(r.cny_minor), 0n),
        BigInt(row.total_cny_minor),
        'the refunds give back exactly total_cny',
      );
      assert.ok(
        refunds.every((r) => r.state === 'REFUND_SUCCESS'),
        'all succeeded',
      );
    });

    test('the background refund job answers refunds without being asked', async () => {
      const payment = await paidWalletPayment(h, shop, '10.00', 'USD');
      const res = await refund(h, shop, payment.id, refundBody('order', { total: '2.00' }));
      ok(res, 201);
      h.clock.advance(2_000);
      const deadline = Date.now() + 5_000;
      let state = 'REFUND_PROCESS';
      while (state === 'REFUND_PROCESS' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = (await getRefund(shop, res.json.refund.id)).json.refund.state;
      }
      assert.equal(state, 'REFUND_SUCCESS');
    });

    test('the payment timeline records its refunds', async () => {
      const payment = await paidWalletPayment(h, shop, '10.13', 'USD');
      const ok1 = await refund(h, shop, payment.id, refundBody('order', { total: '10.13' }));
      await settleRefunds(h);
      const events = await h.gateway.context.db
        .selectFrom('payment_events')
        .select(['type', 'detail'])
        .where('payment_id', '=', payment.id)
        .orderBy('id')
        .execute();
      const types = events.map((e) => e.type);
      assert.deepEqual(types.slice(-2), ['refund_accepted', 'REFUND_FAIL'], JSON.stringify(events));
      assert.ok(events.at(-1)!.detail!.startsWith(ok1.json.refund.id), 'the event names the refund');
    });
  });
}
