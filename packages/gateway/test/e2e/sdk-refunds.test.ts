/**
 * End to end, the way a merchant runs refunds with umf-sdk: a paid WeChat QR payment, a partial refund
 * (client.refunds.create), waitFor the final state, the merchant server verifying the signed
 * `{"refund":{...}}` notification with the SDK, typed errors for the refusal codes, and a refund the
 * sandbox refuses (amount ending in .13). On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  RetCodes,
  UmfClient,
  UmfConflictError,
  UmfInvalidRequestError,
  UmfNotFoundError,
  UmfPaymentStateError,
  formatMerDate,
  type Order,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { uniqueRef } from '../helpers/refunds.ts';
import { checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { SANDBOX_REFUND_DELAY_MS } from '../../src/channels/sandbox/sandbox-refunds.ts';

for (const kind of testDatabaseUrls()) {
  describe(`SDK refunds end to end (${kind.name})`, () => {
    let h: Harness;
    let shop: MerchantServer;
    let merchant: TestMerchant;
    let client: UmfClient;

    const merDate = () => formatMerDate(new Date(h.clock.now()));

    function order(id: string, total: string): Order {
      return {
        mer_reference_id: id,
        mer_date: merDate(),
        amount: { total, currency: 'USD' },
        order_summary: 'Tea set',
        sub_orders: [{ mer_sub_reference_id: `${id}-1`, amount: { total, currency: 'USD' }, trans_code: '01121990' }],
      };
    }

    async function paid(total: string): Promise<string> {
      const { payment } = await client.payments.create({
        payer: { payment_method: 'WECHAT_SCAN' },
        order: order(uniqueRef('E2ER'), total),
        notify_url: shop.notifyUrl,
      });
      const res = await fetch(`${h.baseUrl}/sandbox/payments/${payment.id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"outcome":"success"}',
      });
      assert.equal(res.status, 200, await res.text());
      return payment.id;
    }

    async function refundNotification(refundId: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const event = shop.events.find((e) => e.type === 'refund' && e.refund.id === refundId);
        if (event && event.type === 'refund') return event;
        if (Date.now() > deadline)
          throw new Error(
            `no refund notification for ${refundId}: ` +
              JSON.stringify(shop.deliveries.map((d) => d.rawBody.slice(0, 120))),
          );
        await sleep(50);
      }
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await startMerchantServer(h.platformCert.toString());
      merchant = await h.merchant({ name: 'SDK Refund Shop' });
      client = sdkClient(h, merchant);
    });
    after(async () => {
      await shop?.close();
      await h?.close();
    });

    test(
      'partial refund with the SDK: REFUND_PROCESS -> waitFor REFUND_SUCCESS; ' +
        'the merchant verified the notification',
      async () => {
        const paymentId = await paid('30.00');
        const number = uniqueRef('E2EN');
        const { refund, links } = await client.refunds.create(paymentId, {
          order: {
            mer_reference_id: number,
            mer_date: merDate(),
            amount: { total: '12.50', currency: 'USD' },
            refund_summary: 'one cup broken',
          },
          notify_url: shop.notifyUrl,
        });
        assert.equal(refund.state, 'REFUND_PROCESS');
        assert.equal(refund.parent_payment, paymentId);
        assert.equal(refund.order?.mer_reference_id, number);
        assert.equal(refund.order?.amount.total, '12.50');
        assert.ok(refund.order?.amount.total_cny, 'total_cny at the locked rate');
        assert.match(refund.order.amount.total_cny, /^\d+\.\d{2}$/, 'total_cny in CNY with two decimals');
        assert.deepEqual(
          links.map((l) => l.ref),
          ['parent_payment', 'self'],
        );

        h.clock.advance(SANDBOX_REFUND_DELAY_MS);
        const done = await client.refunds.waitFor(refund.id, 'REFUND_SUCCESS', { timeoutMs: 10_000, intervalMs: 100 });
        assert.equal(done.state, 'REFUND_SUCCESS');
        assert.ok(done.execute_success_time, 'execute_success_time');
        assert.match(
          done.execute_success_time,
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
          'execute_success_time in China time',
        );
        const got = await client.refunds.get(refund.id);
        assert.equal(got.refund.id, refund.id);

        const event = await refundNotification(refund.id);
        assert.equal(event.refund.state, 'REFUND_SUCCESS');
        assert.equal(event.refund.parent_payment, paymentId);
        assert.equal(shop.rejected.length, 0, 'every notification verified');
        const check = await checkLedger(h.gateway.context.db);
        assert.ok(check.ok, check.problems.join('; '));
      },
    );

    test('refusals arrive as typed errors with their return codes', async () => {
      const paymentId = await paid('10.00');
      const refundOf = (total: string, currency = 'USD', number = uniqueRef('E2EX')) =>
        client.refunds.create(paymentId, {
          order: { mer_reference_id: number, mer_date: merDate(), amount: { total, currency } },
        });
      await assert.rejects(
        refundOf('10.01'),
        (e: unknown) => e instanceof UmfPaymentStateError && e.retCode === RetCodes.REFUND_AMOUNT_EXCEEDS_PAYMENT,
      );
      await assert.rejects(
        refundOf('1.00', 'EUR'),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.REFUND_CURRENCY_MISMATCH,
      );
      const number = uniqueRef('E2ED');
      await refundOf('1.00', 'USD', number);
      await assert.rejects(
        refundOf('1.00', 'USD', number),
        (e: unknown) => e instanceof UmfConflictError && e.retCode === RetCodes.DUPLICATE_REFUND,
      );
      await assert.rejects(
        client.refunds.get('REFUND_NOSUCHREFUND'),
        (e: unknown) => e instanceof UmfNotFoundError && e.retCode === RetCodes.REFUND_NOT_FOUND,
      );
      const { payment: unpaid } = await client.payments.create({
        payer: { payment_method: 'WECHAT_SCAN' },
        order: order(uniqueRef('E2EU'), '5.00'),
        notify_url: shop.notifyUrl,
      });
      await assert.rejects(
        client.refunds.create(unpaid.id, {
          order: {
            mer_reference_id: uniqueRef('E2EY'),
            mer_date: merDate(),
            amount: { total: '5.00', currency: 'USD' },
          },
        }),
        (e: unknown) => e instanceof UmfPaymentStateError && e.retCode === RetCodes.NO_REFUND_ALLOWED,
      );
      await assert.rejects(
        client.refunds.create(paymentId, {
          order: {
            mer_reference_id: 'x',
            mer_date: merDate(),
            amount: { total: 1 as unknown as string, currency: 'USD' },
          },
        }),
        TypeError,
        'amounts are decimal strings',
      );
    });

    test('a refund the sandbox refuses (.13) ends REFUND_FAIL with its error, notified', async () => {
      const paymentId = await paid('5.13');
      const { refund } = await client.refunds.create(paymentId, {
        order: { mer_reference_id: uniqueRef('E2EF'), mer_date: merDate(), amount: { total: '5.13', currency: 'USD' } },
        notify_url: shop.notifyUrl,
      });
      h.clock.advance(SANDBOX_REFUND_DELAY_MS);
      const failed = await client.refunds.waitFor(refund.id, undefined, { timeoutMs: 10_000, intervalMs: 100 });
      assert.equal(failed.state, 'REFUND_FAIL');
      assert.equal(failed.error?.ret_code, RetCodes.REFUND_FAILED);
      const event = await refundNotification(refund.id);
      assert.equal(event.refund.state, 'REFUND_FAIL');
    });
  });
}
