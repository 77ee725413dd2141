/**
 * End to end, the way a merchant reads its reconciliation statements with umf-sdk against a gateway on
 * a port: client.reconciliation.get (one page), listAll (every page), download streamed line by line
 * through parseReconciliationLine and summed with integer cents, saveTo, a date without a statement
 * (UmfNotFoundError, 00060773) and client-side validation. On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  RetCodes,
  UmfClient,
  UmfNotFoundError,
  parseReconciliationLine,
  type ReconciliationLine,
  type StatementItem,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { cents } from '../helpers/decimals.ts';
import { paidWalletPayment, refund, refundBody, settleRefunds, today } from '../helpers/refunds.ts';

for (const kind of testDatabaseUrls()) {
  describe(`SDK reconciliation statements end to end (${kind.name})`, () => {
    let h: Harness;
    let merchant: TestMerchant;
    let client: UmfClient;
    let dir: string;
    const settleDate = today();
    const paymentIds: string[] = [];
    let refundId = '';

    before(async () => {
      h = await startHarness(kind, { workers: false });
      merchant = await h.merchant({ name: 'SDK Statement Shop' });
      client = sdkClient(h, merchant, { maxRetries: 0 });
      dir = mkdtempSync(join(tmpdir(), 'umf-sdk-recon-'));
      for (const total of ['10.00', '20.50', '33.33'])
        paymentIds.push((await paidWalletPayment(h, merchant, total, 'USD')).id);
      const r = await refund(h, merchant, paymentIds[1]!, refundBody('order', { total: '5.50' }));
      assert.equal(r.status, 201, r.text);
      refundId = r.json.refund.id;
      await settleRefunds(h);
      h.clock.advance(1000);
      const ctx = h.gateway.context;
      await ctx.services.settlement.run({
        settleDate,
        cutoffAt: h.clock.now(),
      });
    });
    after(async () => {
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('get returns the statement; its lines add up to the transfer', async () => {
      const statement = await client.reconciliation.get({ settleDate });
      assert.equal(statement.settle_date, settleDate);
      assert.equal(statement.meta.ret_code, '0000');
      assert.equal(statement.amount.currency, 'USD');
      assert.deepEqual(
        statement.payment_summaries.map((p) => p.payment_id),
        paymentIds,
      );
      assert.deepEqual(
        statement.refund_summaries.map((r) => r.refund_id),
        [refundId],
      );
      const lines =
        statement.payment_summaries.reduce((s, p) => s + cents(p.exchange_amount.total), 0n) -
        statement.refund_summaries.reduce((s, r) => s + cents(r.exchange_amount.total), 0n);
      assert.equal(cents(statement.amount.total!), lines);
      assert.equal(statement.settlements.length, 1);
      assert.equal(statement.settlements[0]!.payment_count, 3);
    });

    test('listAll walks every page, payments then refunds', async () => {
      const seen: StatementItem[] = [];
      for await (const item of client.reconciliation.listAll({ settleDate, pageSize: 2 })) seen.push(item);
      assert.deepEqual(
        seen.map((i) => (i.kind === 'payment' ? i.summary.payment_id : i.summary.refund_id)),
        [...paymentIds, refundId],
      );
    });

    test(
      'download streams the statement file; parsed lines agree with the statement; ' + 'saveTo writes it once verified',
      async () => {
        const statement = await client.reconciliation.get({ settleDate });
        const file = await client.reconciliation.download({ settleDate });
        assert.equal(file.filename, `RECON_${merchant.id}_${settleDate}.txt`);
        const parsed: ReconciliationLine[] = [];
        for await (const line of file) parsed.push(parseReconciliationLine(line));
        assert.deepEqual(parsed[0], { kind: 'start', merchantId: merchant.id, settleDate });
        const items = parsed.filter((l) => l.kind === 'item');
        assert.deepEqual(
          items.map((l) => l.tradeNo),
          [...paymentIds, refundId],
        );
        const settlement = parsed.find((l) => l.kind === 'settlement');
        assert.ok(settlement && settlement.kind === 'settlement', 'a SETTLEMENT line');
        assert.equal(settlement.transfer, statement.amount.total);
        const sum = items.reduce((s, l) => s + (l.transType === 'P' ? 1n : -1n) * cents(l.exchangeAmount), 0n);
        assert.equal(sum, cents(settlement.transfer), 'the item lines add up to the transfer');
        const end = parsed.at(-1);
        assert.deepEqual(end, {
          kind: 'end',
          merchantId: merchant.id,
          settleDate,
          itemCount: 4,
          netCny: statement.amount.total_cny,
        });

        const path = join(dir, 'recon.txt');
        const saved = await (await client.reconciliation.download({ settleDate })).saveTo(path);
        assert.equal(readFileSync(path, 'utf8').split('\n').length - 1, parsed.length);
        assert.ok(saved.bytes > 0, 'bytes written');
        assert.equal(saved.bytes, readFileSync(path).length, 'the byte count reported is the size of the file written');
      },
    );

    test('a date without a transfer is UmfNotFoundError 00060773; a bad date never leaves the client', async () => {
      await assert.rejects(
        client.reconciliation.get({ settleDate: '20200101' }),
        (e: unknown) => e instanceof UmfNotFoundError && e.retCode === RetCodes.RECONCILIATION_NOT_FOUND,
      );
      await assert.rejects(
        client.reconciliation.download({ settleDate: '20200101' }),
        (e: unknown) => e instanceof UmfNotFoundError && e.retCode === '00060773',
      );
      await assert.rejects(client.reconciliation.get({ settleDate: '2026-11-22' }), /YYYYMMDD/);
      await assert.rejects(client.reconciliation.get({ settleDate, pageSize: 0 }), /positive integer/);
    });
  });
}
