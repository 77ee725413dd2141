/**
 * SettlementService.run over a small day of payments and refunds: per merchant and currency, the CNY
 * paid less the CNY refunded less the service fee, each line exchanged into the order currency at
 * the FX feed's rate of the run (ROUND_HALF_UP), once per merchant, settle date and currency.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { assertLedgerOk, MINUTE, openWorld, uniqueRef, type World } from './service-world.ts';
import { SettlementError, SettlementService } from '../../src/settlement/settlement-service.ts';
import type { Merchant } from '../../src/merchants/merchant.ts';

const HOUR = 60 * MINUTE;

async function refund(w: World, shop: Merchant, paymentId: string, total: string) {
  const order = { mer_reference_id: uniqueRef('RF'), mer_date: w.today(), amount: { total, currency: 'USD' } };
  const refunded = await w.services.refunds.create(shop, paymentId, { order });
  assert.equal(refunded.state, 'REFUND_SUCCESS');
  return refunded;
}

/** Merchant A (1.00 %): 100.02 and 50.00 USD paid, 10.00 refunded; merchant B (2.50 %): 1000 JPY paid. */
async function smallDay(w: World) {
  const a = await w.merchant({ name: 'Shop A' });
  const b = await w.merchant({ name: 'Shop B', serviceFeeBp: 250 });
  const a1 = await w.payByWallet(a, { total: '100.02', currency: 'USD' }); // 692.07 CNY
  const a2 = await w.payByWallet(a, { total: '50.00', currency: 'USD' }); // 345.965 -> 345.97 CNY
  const r1 = await refund(w, a, a1.id, '10.00'); // 69.193 -> 69.19 CNY
  const b1 = await w.payByWallet(b, { total: '1000', currency: 'JPY' }); // 46.50 CNY
  assert.deepEqual(
    [a1.total_cny_minor, a2.total_cny_minor, r1.cny_minor, b1.total_cny_minor],
    [69207n, 34597n, 6919n, 4650n],
  );
  return { a, b, a1, a2, r1, b1 };
}

test("a day's payments and refunds settle per merchant and currency, at the run's rate", async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193', JPY: '0.0465' } });
  const { a, b, a1, a2, r1, b1 } = await smallDay(w);

  w.clock.advance(17 * HOUR); // 2026-03-11 03:00 China time
  w.fakes.fx.set('USD', '7.0000');
  w.fakes.fx.set('JPY', '0.0470');
  const result = await w.services.settlement.run({
    settleDate: '20260311',
    cutoffAt: SettlementService.cutoffOf('20260311', 0),
  });
  assert.deepEqual(result.skipped, []);
  assert.equal(result.settlements.length, 2);

  const usd = result.settlements.find((s) => s.merchantId === a.id)!;
  assert.deepEqual(
    { ...usd, id: undefined },
    {
      id: undefined,
      merchantId: a.id,
      currency: 'USD',
      settleDate: '20260311',
      exchangeRate: '7.0000',
      paymentCount: 2,
      refundCount: 1,
      grossCnyMinor: 103804n, // 692.07 + 345.97
      refundCnyMinor: 6919n,
      feeMinor: 1038n, // 1 % of each payment: 6.9207 -> 6.92, 3.4597 -> 3.46
      netCnyMinor: 95847n, // 1038.04 - 69.19 - 10.38
      netMinor: 13693n, // 685.15 / 7 -> 97.88, 342.51 / 7 = 48.93, less 69.19 / 7 -> 9.88
    },
  );
  const jpy = result.settlements.find((s) => s.merchantId === b.id)!;
  assert.equal(jpy.currency, 'JPY');
  assert.equal(jpy.feeMinor, 116n, '2.5 % of 46.50 = 1.1625 -> 1.16');
  assert.equal(jpy.netCnyMinor, 4534n);
  assert.equal(jpy.netMinor, 965n, '45.34 / 0.0470 = 964.68 -> 965 JPY');

  const settled = async (id: string) => {
    const p = await w.payment(id);
    return [p.settlement_id, p.service_fee_minor, p.settled_minor];
  };
  assert.deepEqual(await settled(a1.id), [usd.id, 692n, 9788n]);
  assert.deepEqual(await settled(a2.id), [usd.id, 346n, 4893n]);
  assert.deepEqual(await settled(b1.id), [jpy.id, 116n, 965n]);
  const refundRow = await w.repositories.refunds.findById(r1.id);
  assert.deepEqual([refundRow?.settlement_id, refundRow?.settled_minor], [usd.id, 988n]);
  assert.equal(await w.services.settlement.isDone('20260311'), true);
  await assertLedgerOk(w);
});

test('one settlement per merchant, date and currency: a second run settles nothing more', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193', JPY: '0.0465' } });
  const { a } = await smallDay(w);
  w.clock.advance(17 * HOUR); // 2026-03-11 03:00
  const late = await w.payByWallet(a, { total: '20.00', currency: 'USD' }); // after the cut-off: 138.386 -> 138.39
  assert.equal(late.total_cny_minor, 13839n);
  w.fakes.fx.set('USD', '7.0000');
  const options = { settleDate: '20260311', cutoffAt: SettlementService.cutoffOf('20260311', 0) };

  const first = await w.services.settlement.run(options);
  assert.equal(first.settlements.length, 2);
  assert.equal((await w.payment(late.id)).settlement_id, null, 'paid after the cut-off: not settled');

  const again = await w.services.settlement.run(options);
  assert.deepEqual(again.settlements, []);
  assert.deepEqual(again.skipped, []);

  // A later cut-off for the same date would settle the late payment, but A has its USD settlement
  // of 20260311 already: the payment waits for the next settle date.
  w.clock.advance(MINUTE);
  const later = await w.services.settlement.run({ settleDate: '20260311', cutoffAt: w.clock.now() });
  assert.deepEqual(later.settlements, []);
  assert.equal(later.skipped.length, 1);
  assert.equal(later.skipped[0]!.merchantId, a.id);
  assert.match(later.skipped[0]!.reason, /already has its USD settlement of 20260311/);
  assert.equal((await w.payment(late.id)).settlement_id, null);
  const count = await w.context.db.selectFrom('settlements').select('id').execute();
  assert.equal(count.length, 2);

  w.clock.advance(24 * HOUR); // 2026-03-12 03:01
  const next = await w.services.settlement.run({
    settleDate: '20260312',
    cutoffAt: SettlementService.cutoffOf('20260312', 0),
  });
  assert.equal(next.settlements.length, 1);
  assert.equal(next.settlements[0]!.grossCnyMinor, 13839n);
  assert.equal(next.settlements[0]!.feeMinor, 138n);
  assert.equal(next.settlements[0]!.netMinor, 1957n, '137.01 / 7 = 19.5728... -> 19.57 USD');
  await assertLedgerOk(w);
});

test('a currency without a rate waits for the next run; a cut-off still to come is refused', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193', JPY: '0.0465' } });
  const { a, b, b1 } = await smallDay(w);
  w.clock.advance(17 * HOUR);
  const options = { settleDate: '20260311', cutoffAt: SettlementService.cutoffOf('20260311', 0) };

  await assert.rejects(
    w.services.settlement.run({ settleDate: '20260312', cutoffAt: SettlementService.cutoffOf('20260312', 0) }),
    SettlementError,
  );

  w.fakes.fx.remove('JPY');
  const result = await w.services.settlement.run(options);
  assert.deepEqual(
    result.settlements.map((s) => s.merchantId),
    [a.id],
  );
  assert.deepEqual(result.skipped, [{ merchantId: b.id, currency: 'JPY', reason: 'no exchange rate for JPY' }]);
  assert.equal((await w.payment(b1.id)).settlement_id, null);

  w.fakes.fx.set('JPY', '0.0465');
  const retry = await w.services.settlement.run(options);
  assert.deepEqual(
    retry.settlements.map((s) => [s.merchantId, s.netMinor]),
    [[b.id, 975n]], // 45.34 / 0.0465 = 975.05 -> 975 JPY
  );
  await assertLedgerOk(w);
});
