/**
 * RefundService with a fake card bank and a fake wallet: refunds of a paid payment, partial or full,
 * in CNY at the payment's locked rate; never more than the payment, even all at once; paid back
 * through the channel the payer paid with; a refused refund gives its amount back.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { assertLedgerOk, ledgerEntries, openWorld, refused, uniqueRef, type World } from './service-world.ts';
import { refundSays } from '../helpers/fake-channels.ts';
import type { Merchant } from '../../src/merchants/merchant.ts';
import type { RefundRecord } from '../../src/refunds/refund-record.ts';

function refundBody(w: World, total: string, currency = 'USD'): Record<string, unknown> {
  return {
    order: { mer_reference_id: uniqueRef('RF'), mer_date: w.today(), amount: { total, currency } },
    notify_url: 'https://shop.test/umf/refunds',
  };
}

function refund(w: World, shop: Merchant, paymentId: string, total: string): Promise<RefundRecord> {
  return w.services.refunds.create(shop, paymentId, refundBody(w, total));
}

/** The one notification of a refund's final state: its body is the refund as the API shows it. */
async function assertRefundNotifiedOnce(w: World, refundId: string): Promise<void> {
  const rows = await w.repositories.outbox.forObject(refundId);
  assert.equal(rows.length, 1, `one notification of ${refundId}`);
  const record = await w.repositories.refunds.findById(refundId);
  assert.ok(record);
  assert.equal(rows[0]!.url, 'https://shop.test/umf/refunds');
  assert.deepEqual(JSON.parse(rows[0]!.body), { refund: w.context.views.refund(record) });
}

test('a partial refund, then the rest: the CNY given back is exactly what was paid', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193' } });
  const shop = await w.merchant();
  // 100.00 USD x 6.9193 = 691.93 CNY.
  const paid = await w.payByWallet(shop, { total: '100.00' });
  assert.equal(paid.total_cny_minor, 69193n);

  // 50.00 USD x 6.9193 = 345.965 -> 345.97 CNY (half up).
  const half = await refund(w, shop, paid.id, '50.00');
  assert.equal(half.state, 'REFUND_SUCCESS');
  assert.equal(half.amount_minor, 5000n);
  assert.equal(half.cny_minor, 34597n);
  assert.equal(half.exchange_rate, '6.9193');
  let payment = await w.payment(paid.id);
  assert.equal(payment.refunded_minor, 5000n);
  assert.equal(payment.refunded_cny_minor, 34597n);

  // The refund that completes the payment takes the CNY left (345.96), not its own rounding (345.97).
  const rest = await refund(w, shop, paid.id, '50.00');
  assert.equal(rest.state, 'REFUND_SUCCESS');
  assert.equal(rest.cny_minor, 34596n);
  payment = await w.payment(paid.id);
  assert.equal(payment.refunded_minor, 10000n);
  assert.equal(payment.refunded_cny_minor, 69193n);

  await refused(refund(w, shop, paid.id, '0.01'), 'over_refund');
  await assertRefundNotifiedOnce(w, half.id);
  await assertRefundNotifiedOnce(w, rest.id);
  assert.equal(await ledgerEntries(w, half.id, 'refund_succeeded'), 1);
  await assertLedgerOk(w);
});

test('the refund that completes a payment also gives back the fen the others rounded away', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193' } });
  const shop = await w.merchant();
  const paid = await w.payByWallet(shop, { total: '100.02' }); // 692.068386 -> 692.07 CNY
  assert.equal(paid.total_cny_minor, 69207n);

  const first = await refund(w, shop, paid.id, '8.00'); // 55.3544 -> 55.35
  assert.equal(first.cny_minor, 5535n);
  // 92.02 x 6.9193 = 636.713986 -> 636.71 on its own, but 636.72 is what is left of the payment's CNY.
  const last = await refund(w, shop, paid.id, '92.02');
  assert.equal(last.cny_minor, 63672n);
  assert.equal((await w.payment(paid.id)).refunded_cny_minor, 69207n);
  await assertLedgerOk(w);
});

test('an over-refund is refused with what is left in the detail, and reserves nothing', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await w.payByWallet(shop, { total: '100.00' });
  await refund(w, shop, paid.id, '30.00');

  const error = await refused(refund(w, shop, paid.id, '80.00'), 'over_refund');
  assert.equal(error.detail, '80.00 USD asked, 70.00 of the 100.00 paid is left to refund');
  assert.equal((await w.payment(paid.id)).refunded_minor, 3000n);
  assert.equal(w.fakes.wallet.refunds.length, 1, 'the refused refund never reached the wallet');
  // What is left can be refunded.
  assert.equal((await refund(w, shop, paid.id, '70.00')).state, 'REFUND_SUCCESS');
  await assertLedgerOk(w);
});

test("a refund goes back the payment's way: through the card bank for a card, the wallet for a wallet", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const byCard = await w.payByCard(shop, { total: '100.02' });
  const byWallet = await w.payByWallet(shop, { total: '100.02' });

  const cardRefund = await refund(w, shop, byCard.id, '10.00');
  assert.equal(cardRefund.channel, 'CREDIT_CARD');
  assert.equal(w.fakes.wallet.refunds.length, 0);
  assert.deepEqual(w.fakes.cardBank.refunds, [
    {
      refundId: cardRefund.id,
      paymentId: byCard.id,
      method: 'CREDIT_CARD',
      cardFingerprint: byCard.card_fingerprint,
      amountFen: 6919n, // 10.00 x 6.9193 = 69.193
      amountMinor: 1000n,
      currency: 'USD',
      requestedAt: w.clock.now(),
      now: w.clock.now(),
    },
  ]);

  const walletRefund = await refund(w, shop, byWallet.id, '10.00');
  assert.equal(walletRefund.channel, 'WECHAT_SCAN');
  assert.equal(w.fakes.cardBank.refunds.length, 1, 'the bank was not asked again');
  assert.equal(w.fakes.wallet.refunds.length, 1);
  assert.equal(w.fakes.wallet.refunds[0]!.refundId, walletRefund.id);
  assert.equal(w.fakes.wallet.refunds[0]!.method, 'WECHAT_SCAN');
  assert.equal(w.fakes.wallet.refunds[0]!.cardFingerprint, undefined);
});

test('a refund the channel refuses fails and gives its amount back to be refunded again', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await w.payByWallet(shop, { total: '100.00' });
  w.fakes.wallet.nextRefund(refundSays.refused());

  const refusedRefund = await refund(w, shop, paid.id, '100.00');
  assert.equal(refusedRefund.state, 'REFUND_FAIL');
  assert.equal(refusedRefund.failure_reason, 'refund_refused');
  let payment = await w.payment(paid.id);
  assert.equal(payment.refunded_minor, 0n);
  assert.equal(payment.refunded_cny_minor, 0n);
  await assertRefundNotifiedOnce(w, refusedRefund.id);
  assert.equal(await ledgerEntries(w, refusedRefund.id, 'refund_failed'), 1);
  await assertLedgerOk(w);

  const again = await refund(w, shop, paid.id, '100.00');
  assert.equal(again.state, 'REFUND_SUCCESS');
  payment = await w.payment(paid.id);
  assert.equal(payment.refunded_minor, 10000n);
  assert.equal(payment.refunded_cny_minor, payment.total_cny_minor);
  await assertLedgerOk(w);
});

test('a refund the channel answers later stays REFUND_PROCESS until resolveDueBatch gets the answer', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await w.payByCard(shop, { total: '100.00' });
  w.fakes.cardBank.nextRefund(refundSays.pending());

  const pending = await refund(w, shop, paid.id, '40.00');
  assert.equal(pending.state, 'REFUND_PROCESS');
  assert.equal(pending.resolve_at, w.clock.now() + 60_000);
  assert.equal((await w.repositories.outbox.forObject(pending.id)).length, 0);
  assert.equal((await w.payment(paid.id)).refunded_minor, 4000n, 'its amount is reserved meanwhile');
  await refused(refund(w, shop, paid.id, '60.01'), 'over_refund');
  await assertLedgerOk(w);

  assert.equal(await w.services.refunds.resolveDueBatch(), 0, 'not due yet');
  assert.equal(w.fakes.cardBank.refunds.length, 1);
  w.clock.advance(60_000);
  assert.equal(await w.services.refunds.resolveDueBatch(), 0, 'the bank still has no answer');
  assert.equal(w.fakes.cardBank.refunds.length, 2);

  w.fakes.cardBank.answerRefund(pending.id, refundSays.success());
  w.clock.advance(60_000);
  assert.equal(await w.services.refunds.resolveDueBatch(), 1);
  const done = await w.services.refunds.get(shop, pending.id);
  assert.equal(done.state, 'REFUND_SUCCESS');
  assert.equal(done.completed_at, w.clock.now());
  await assertRefundNotifiedOnce(w, pending.id);
  await assertLedgerOk(w);
});

test('refunds asked all at once never take more than the payment', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await w.payByWallet(shop, { total: '100.00' });

  const results = await Promise.allSettled(Array.from({ length: 7 }, () => refund(w, shop, paid.id, '30.00')));
  const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { reason?: string }).reason] : []));
  assert.equal(accepted.length, 3, `three of 30.00 fit in 100.00 (refused: ${reasons.join(', ')})`);
  assert.deepEqual(reasons, ['over_refund', 'over_refund', 'over_refund', 'over_refund']);
  const payment = await w.payment(paid.id);
  assert.equal(payment.refunded_minor, 9000n);
  assert.equal(
    payment.refunded_cny_minor,
    accepted.reduce((sum, r) => sum + r.cny_minor, 0n),
  );
  assert.equal(w.fakes.wallet.refunds.length, 3);
  await assertLedgerOk(w);

  // And in smaller pieces, exactly the payment's amount: the last 10.00 fits, nothing after it.
  const more = await Promise.allSettled(Array.from({ length: 5 }, () => refund(w, shop, paid.id, '5.00')));
  assert.equal(more.filter((r) => r.status === 'fulfilled').length, 2);
  const full = await w.payment(paid.id);
  assert.equal(full.refunded_minor, 10000n);
  assert.equal(full.refunded_cny_minor, full.total_cny_minor);
  await assertLedgerOk(w);
});

test('what cannot be refunded', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const unpaid = await w.createPayment(shop, { method: 'WECHAT_SCAN' });
  await refused(refund(w, shop, unpaid.id, '1.00'), 'refund_not_allowed');

  const paid = await w.payByWallet(shop, { total: '100.00' });
  const eur = w.services.refunds.create(shop, paid.id, refundBody(w, '1.00', 'EUR'));
  await refused(eur, 'refund_currency_mismatch');
  const other = await w.merchant({ name: 'Other Shop' });
  await refused(refund(w, other, paid.id, '1.00'), 'payment_not_found');

  const body = refundBody(w, '1.00');
  await w.services.refunds.create(shop, paid.id, body);
  await refused(w.services.refunds.create(shop, paid.id, body), 'duplicate_refund');
  assert.equal((await w.payment(paid.id)).refunded_minor, 100n);
  await refused(w.services.refunds.get(other, 'REFUND_NOSUCHREFUND'), 'refund_not_found');
});
