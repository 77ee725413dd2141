/**
 * End to end, the way a merchant reads its transactions with umf-sdk against a gateway on a port:
 * client.transactions.list (one page), listAll (every page, no request past the last), download
 * streamed line by line through parseTransactionLine, saveTo, and a file altered on the way (one
 * byte, by a fetch wrapper) raising UmfSignatureVerificationError and leaving no file behind. On
 * SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  RetCodes,
  UmfClient,
  UmfInvalidRequestError,
  UmfSignatureVerificationError,
  parseTransactionFile,
  parseTransactionLine,
  type FetchLike,
  type Order,
  type TransactionFileLine,
  type TransactionSummary,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { fen } from '../helpers/decimals.ts';
import { chinaDay, uniqueRef } from '../helpers/refunds.ts';
import { SANDBOX_REFUND_DELAY_MS } from '../../src/channels/sandbox/sandbox-refunds.ts';

for (const kind of testDatabaseUrls()) {
  describe(`SDK transactions end to end (${kind.name})`, () => {
    let h: Harness;
    let merchant: TestMerchant;
    let client: UmfClient;
    let dir: string;
    const D = chinaDay(-1);
    /** Transaction ids of D in list order: payments as they succeeded, then refunds as they completed. */
    const expectedIds: string[] = [];
    /** GET /payments/transactions requests seen by the counting client. */
    let listRequests: string[] = [];

    function makeClient(fetchImpl?: FetchLike): UmfClient {
      return sdkClient(h, merchant, { maxRetries: 0, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    }

    function order(id: string, total: string, currency: string, merDate: string): Order {
      return {
        mer_reference_id: id,
        mer_date: merDate,
        amount: { total, currency },
        order_summary: 'Tea set',
        sub_orders: [{ mer_sub_reference_id: `${id}-1`, amount: { total, currency }, trans_code: '01121990' }],
      };
    }

    async function paid(total: string, currency: string, merDate: string): Promise<string> {
      const { payment } = await client.payments.create({
        payer: { payment_method: 'WECHAT_SCAN', payer_info: { phone: '13800138000' } },
        order: order(uniqueRef('E2ET'), total, currency, merDate),
        notify_url: 'http://127.0.0.1:9/notify',
      });
      const res = await fetch(`${h.baseUrl}/sandbox/payments/${payment.id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"outcome":"success"}',
      });
      assert.equal(res.status, 200, await res.text());
      h.clock.advance(1000);
      return payment.id;
    }

    async function refunded(paymentId: string, total: string, currency: string): Promise<string> {
      const { refund } = await client.refunds.create(paymentId, {
        order: { mer_reference_id: uniqueRef('E2EN'), mer_date: D, amount: { total, currency } },
      });
      h.clock.advance(SANDBOX_REFUND_DELAY_MS);
      assert.equal(await h.gateway.refundJobs.runOnce(), 1, 'one refund answered');
      h.clock.advance(1000);
      const { refund: done } = await client.refunds.get(refund.id);
      assert.equal(done.state, 'REFUND_SUCCESS', `refund ${refund.id} succeeded`);
      return refund.id;
    }

    before(async () => {
      h = await startHarness(kind, { workers: false });
      merchant = await h.merchant({ name: 'SDK Transaction Shop' });
      client = makeClient();
      dir = mkdtempSync(join(tmpdir(), 'umf-sdk-trans-'));
      const usd = await paid('25.00', 'USD', D);
      const jpy = await paid('1500', 'JPY', D);
      const eur = await paid('40.10', 'EUR', D);
      await paid('5.00', 'USD', chinaDay(-2)); // another date: not listed on D
      expectedIds.push(usd, jpy, eur);
      expectedIds.push(await refunded(usd, '25.00', 'USD'), await refunded(jpy, '500', 'JPY'));
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('list: one page, payments first, with its pagination', async () => {
      const first = await client.transactions.list({ merDate: D });
      assert.deepEqual(first.pagination, { total_count: 5, page_number: 1, page_size: 500 });
      assert.deepEqual(
        [...first.payment_summaries.map((s) => s.payment_id), ...first.refund_summaries.map((s) => s.refund_id)],
        expectedIds,
        'the whole day, in order',
      );
      assert.equal(first.meta.ret_code, RetCodes.SUCCESS);
      const jpy = first.payment_summaries[1]!;
      assert.deepEqual(jpy.amount, {
        total: '1500',
        total_cny: jpy.amount.total_cny,
        currency: 'JPY',
        exchange_rate: '0.047312',
      });
      assert.equal(jpy.amount.total_cny, '70.97', 'JPY 1500 x 0.047312 = 70.968 -> 70.97');
      assert.equal(jpy.product_id, 'Payment Gateway - WeChat QR code');
      assert.equal(first.refund_summaries[0]!.payment_id, expectedIds[0], 'the first refund is of the USD payment');
      assert.equal(first.refund_summaries[0]!.state, 'REFUND_SUCCESS');

      const second = await client.transactions.list({ merDate: D, pageNumber: 2, pageSize: 2 });
      assert.deepEqual(second.pagination, { total_count: 5, page_number: 2, page_size: 2 });
      assert.deepEqual(
        second.payment_summaries.map((s) => s.payment_id),
        [expectedIds[2]],
        'page 2 of 2: the last payment',
      );
      assert.deepEqual(
        second.refund_summaries.map((s) => s.refund_id),
        [expectedIds[3]],
        'and the first refund',
      );

      const empty = await client.transactions.list({ merDate: chinaDay(-5) });
      assert.deepEqual(empty.pagination.total_count, 0);

      await assert.rejects(
        client.transactions.list({ merDate: '2026-11-22' }),
        TypeError,
        'merDate is checked before sending',
      );
      await assert.rejects(
        client.transactions.list({ merDate: D, pageSize: 0 }),
        TypeError,
        'pageSize is checked before sending',
      );
      await assert.rejects(
        client.transactions.list({ merDate: '20260230' }),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.INVALID_PARAMETER,
        'a date that does not exist: 00060700 from the platform',
      );
    });

    test('listAll: every summary across pages, with its kind, and no request past the last page', async () => {
      const counting = makeClient(async (url, init) => {
        if (url.includes('/payments/transactions?')) listRequests.push(url);
        return fetch(url, init);
      });
      for (const [pageSize, pages] of [
        [2, 3],
        [5, 1],
        [1, 5],
        [500, 1],
      ] as const) {
        listRequests = [];
        const seen: TransactionSummary[] = [];
        for await (const item of counting.transactions.listAll({ merDate: D, pageSize })) seen.push(item);
        assert.deepEqual(
          seen.map((s) => (s.kind === 'payment' ? s.summary.payment_id : s.summary.refund_id)),
          expectedIds,
          `pages of ${pageSize}: the whole day in order`,
        );
        assert.deepEqual(
          seen.map((s) => s.kind),
          ['payment', 'payment', 'payment', 'refund', 'refund'],
        );
        assert.equal(listRequests.length, pages, `pages of ${pageSize}: ${pages} requests (${listRequests.join(' ')})`);
      }
    });

    test(
      'download: lines streamed through parseTransactionLine, ' + 'in list order, the End total the net CNY',
      async () => {
        const file = await client.transactions.download({ merDate: D });
        assert.equal(file.filename, `TRANS_${merchant.id}_${D}.txt`);
        const records = [];
        for await (const line of file) records.push(parseTransactionLine(line));
        assert.equal(records.length, 7, 'START, 5 transactions, End');
        assert.deepEqual(records[0], { type: 'header', merchantId: merchant.id, merDate: D });
        const lines = records.slice(1, -1) as TransactionFileLine[];
        assert.ok(
          lines.every((l) => l.type === 'transaction'),
          'the lines between are transactions',
        );
        assert.deepEqual(
          lines.map((l) => l.tradeNo),
          expectedIds,
          'the order of the list',
        );
        assert.deepEqual(
          lines.map((l) => l.transType),
          ['P', 'P', 'P', 'T', 'T'],
        );
        assert.deepEqual(
          lines.map((l) => l.cb_amount),
          ['25.00', '1500.00', '40.10', '25.00', '500.00'],
          'two decimals whatever the currency',
        );
        assert.deepEqual(
          lines.map((l) => l.currency),
          ['USD', 'JPY', 'EUR', 'USD', 'JPY'],
        );
        assert.ok(
          lines.every((l) => l.transState === '0' && /^\d{8}$/.test(l.platDate) && /^\d{6}$/.test(l.platTime)),
          'successes with their China date and time',
        );
        assert.deepEqual(
          lines.map((l) => l.refundNo !== ''),
          [false, false, false, true, true],
          'refundNo on refunds only',
        );

        // The same numbers as the list, and the End line nets them.
        const page = await client.transactions.list({ merDate: D });
        const cny = [
          ...page.payment_summaries.map((s) => s.amount.total_cny),
          ...page.refund_summaries.map((s) => s.amount.total_cny),
        ];
        assert.deepEqual(
          lines.map((l) => l.amount),
          cny,
          'amount: the CNY of each summary',
        );
        assert.deepEqual(
          lines.slice(3).map((l) => l.refundNo),
          page.refund_summaries.map((s) => s.mer_reference_id),
          'refundNo: the refund number',
        );
        const net = lines.reduce((sum, l) => sum + (l.transType === 'P' ? fen(l.amount) : -fen(l.amount)), 0n);
        const footer = records[6]!;
        assert.equal(footer.type, 'footer');
        assert.equal(footer.type === 'footer' ? fen(footer.total) : undefined, net, 'End total = payments - refunds');

        const whole = parseTransactionFile(await (await client.transactions.download({ merDate: D })).text());
        assert.deepEqual(whole.transactions, lines, 'parseTransactionFile reads the same file and accepts its total');
      },
    );

    test(
      'saveTo writes the verified file; ' + 'an altered file raises UmfSignatureVerificationError and leaves nothing',
      async () => {
        const path = join(dir, 'trans.txt');
        const saved = await (await client.transactions.download({ merDate: D })).saveTo(path);
        const text = readFileSync(path, 'utf8');
        assert.equal(saved.bytes, Buffer.byteLength(text), 'the size written');
        assert.equal(parseTransactionFile(text).transactions.length, 5);
        assert.deepEqual(readdirSync(dir), ['trans.txt'], 'no .part file left');

        // A proxy that changes one byte of the file (a digit of the first line's amount).
        const tampering = makeClient(async (url, init) => {
          const res = await fetch(url, init);
          if (!url.includes('/transactions_download')) return res;
          const bytes = Buffer.from(await res.arrayBuffer());
          const at = bytes.indexOf('25.00');
          assert.ok(at > 0, 'the amount is in the file');
          bytes[at] = '3'.charCodeAt(0);
          return new Response(bytes, { status: res.status, headers: res.headers });
        });
        const badPath = join(dir, 'tampered.txt');
        await assert.rejects(
          (await tampering.transactions.download({ merDate: D })).saveTo(badPath),
          UmfSignatureVerificationError,
        );
        assert.ok(!existsSync(badPath), 'no file under the name');
        assert.ok(!existsSync(`${badPath}.part`), 'no partial file either');
        assert.deepEqual(readdirSync(dir), ['trans.txt'], 'nothing else in the directory');

        const streamed: string[] = [];
        await assert.rejects(async () => {
          for await (const line of await tampering.transactions.download({ merDate: D })) streamed.push(line);
        }, UmfSignatureVerificationError);
        assert.equal(streamed.length, 7, 'the lines arrive, the verdict comes at the end');
      },
    );
  });
}
