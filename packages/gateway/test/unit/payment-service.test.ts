/**
 * PaymentService (create, query, openForPayer) and PaymentLifecycle's expiry, with fake channels:
 * the rate the FX feed quotes is locked into the payment, the merchant's order number is unique, and
 * an unpaid payment closes once its expiry has passed (and tells the merchant, once).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNotifiedOnce,
  ledgerEntries,
  MINUTE,
  openWorld,
  refused,
  uniqueRef,
  type World,
} from './service-world.ts';
import { bankSays } from '../helpers/fake-channels.ts';

test('create locks the FX rate into total_cny, rounded half up to the fen', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193', JPY: '0.0465' } });
  const shop = await w.merchant();

  // 50.00 USD x 6.9193 = 345.965 CNY: half up is 345.97 (half even or truncation would give 345.96).
  const half = await w.createPayment(shop, { total: '50.00', currency: 'USD' });
  assert.equal(half.amount_minor, 5000n);
  assert.equal(half.total_cny_minor, 34597n);
  assert.equal(half.exchange_rate, '6.9193');
  assert.equal(half.state, 'WAIT_BUYER_PAY');
  assert.equal(half.stage, 'created');

  // 100.02 USD x 6.9193 = 692.068386 CNY -> 692.07.
  const usd = await w.createPayment(shop, { total: '100.02', currency: 'USD' });
  assert.equal(usd.total_cny_minor, 69207n);

  // 1234 JPY (no minor units) x 0.0465 = 57.381 CNY -> 57.38.
  const jpy = await w.createPayment(shop, { total: '1234', currency: 'JPY' });
  assert.equal(jpy.amount_minor, 1234n);
  assert.equal(jpy.total_cny_minor, 5738n);
  assert.deepEqual(w.fakes.fx.asked, ['USD', 'USD', 'JPY']);

  // The rate is the one of the moment of create: a later quote does not change the payment.
  w.fakes.fx.set('USD', '7.1000');
  const again = await w.services.payments.get(shop, half.id);
  assert.equal(again.total_cny_minor, 34597n);
  const presented = (await w.services.payments.present(again)) as { order: { amount: unknown } };
  assert.deepEqual(presented.order.amount, {
    total: '50.00',
    currency: 'USD',
    total_cny: '345.97',
    exchange_rate: { rate: '6.9193', currency: 'USD' },
  });
});

test('the same order number and date twice is duplicate_order', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const ref = uniqueRef();
  const first = await w.createPayment(shop, { ref, total: '10.00' });

  await refused(w.createPayment(shop, { ref, total: '10.00' }), 'duplicate_order');
  await refused(w.createPayment(shop, { ref, total: '20.00' }), 'duplicate_order');
  const stored = await w.repositories.payments.findByReference(shop.id, ref, w.today());
  assert.equal(stored?.id, first.id, 'the first payment stays the only one');

  // The number is the merchant's own: another merchant may use it, and so may another date.
  const other = await w.merchant({ name: 'Other Shop' });
  await w.createPayment(other, { ref, total: '10.00' });
  const yesterday = String(Number(w.today()) - 1);
  await w.createPayment(shop, { ref, total: '10.00', date: yesterday });
});

test('a currency the merchant does not accept is refused before any rate is asked', async (t) => {
  const w = await openWorld(t);
  const usdOnly = await w.merchant({ acceptedCurrencies: ['USD'] });

  const error = await refused(w.createPayment(usdOnly, { total: '10.00', currency: 'EUR' }), 'currency_not_accepted');
  assert.match(error.detail ?? '', /EUR/);
  assert.deepEqual(w.fakes.fx.asked, []);
  await w.createPayment(usdOnly, { total: '10.00', currency: 'USD' });
});

test('without a usable FX rate nothing is created: exchange_rate_unavailable', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193' } });
  const shop = await w.merchant();

  const ref = uniqueRef();
  await refused(w.createPayment(shop, { ref, total: '10.00', currency: 'GBP' }), 'exchange_rate_unavailable');
  assert.equal(await w.repositories.payments.findByReference(shop.id, ref, w.today()), undefined);

  w.fakes.fx.set('EUR', 'n/a');
  await refused(w.createPayment(shop, { total: '10.00', currency: 'EUR' }), 'exchange_rate_unavailable');
  w.fakes.fx.remove('USD');
  await refused(w.createPayment(shop, { total: '10.00', currency: 'USD' }), 'exchange_rate_unavailable');

  // Once the feed has the rate again, the same order goes through.
  w.fakes.fx.set('GBP', '8.7000');
  const created = await w.createPayment(shop, { ref, total: '10.00', currency: 'GBP' });
  assert.equal(created.total_cny_minor, 8700n);
});

test('a resumed create (the same request after a crash) answers with the first payment', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const draft = w.draft({ total: '10.00' });
  const first = await w.services.payments.create(shop, draft);

  const resumed = await w.services.payments.create(shop, draft, { resumed: true });
  assert.equal(resumed.id, first.id);
  assert.equal(resumed.total_cny_minor, first.total_cny_minor);
  // Not resumed, or resumed with other amounts, it is a duplicate.
  await refused(w.services.payments.create(shop, draft), 'duplicate_order');
  const changed = { ...draft, amountMinor: 2000n };
  await refused(w.services.payments.create(shop, changed, { resumed: true }), 'duplicate_order');
});

test('a merchant sees only its own payments: anything else is payment_not_found', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const other = await w.merchant({ name: 'Other Shop' });
  const payment = await w.createPayment(shop);

  assert.equal((await w.services.payments.get(shop, payment.id)).id, payment.id);
  await refused(w.services.payments.get(other, payment.id), 'payment_not_found');
  await refused(w.services.payments.get(shop, 'PAY_NOSUCHPAYMENT'), 'payment_not_found');
  await refused(w.services.payments.get(shop, 'not an id'), 'payment_not_found');
});

test('a WeChat QR payment carries the QR URL the wallet gave for it', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_SCAN' });

  assert.deepEqual(w.fakes.wallet.qrCodes, [{ paymentId: payment.id, provider: 'WECHAT' }]);
  const presented = (await w.services.payments.present(payment)) as any;
  assert.deepEqual(presented.payer.payer_info.qr_code_scan, {
    qr_code_url: `https://wallet.test/wechat/${payment.id}`,
  });
});

// ---- expiry -------------------------------------------------------------------------------------

async function assertClosedExpired(w: World, paymentId: string): Promise<void> {
  const closed = await w.payment(paymentId);
  assert.equal(closed.state, 'TRADE_CLOSED');
  assert.equal(closed.stage, 'done');
  assert.equal(closed.failure_reason, 'payment_expired');
  await assertNotifiedOnce(w, paymentId);
  assert.equal(await ledgerEntries(w, paymentId, 'payment_success'), 0, 'no money moved');
}

test('closeIfExpired closes an unpaid payment once its expiry has passed, once', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { expireMinutes: 30 });
  assert.equal(payment.expire_at, w.clock.now() + 30 * MINUTE);

  w.clock.advance(30 * MINUTE - 1);
  assert.equal(await w.services.lifecycle.closeIfExpired(payment), undefined, 'not expired yet');
  assert.equal(await w.repositories.outbox.forObject(payment.id).then((rows) => rows.length), 0);

  w.clock.advance(1);
  const closed = await w.services.lifecycle.closeIfExpired(payment);
  assert.equal(closed?.state, 'TRADE_CLOSED');
  await assertClosedExpired(w, payment.id);

  // The record read before the close loses the race: nothing more is written.
  assert.equal(await w.services.lifecycle.closeIfExpired(payment), undefined);
  await assertClosedExpired(w, payment.id);
});

test('closeExpiredBatch closes what has expired, and only that', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const soon = await w.createPayment(shop, { expireMinutes: 10 });
  const later = await w.createPayment(shop, { expireMinutes: 60 });
  const paid = await w.payByWallet(shop, { expireMinutes: 10 });
  // A card payment waiting for its code expires too, and its sealed card and code go with it.
  const verified = await w.createPayment(shop, { expireMinutes: 10 });
  await w.services.cards.verify(shop, verified.id, w.verifyBody());
  assert.ok((await w.payment(verified.id)).card_secret_enc, 'the card is sealed while the code is out');
  // A card payment the bank has not answered for is not closed: the bank may still debit it.
  w.fakes.cardBank.nextDebit(bankSays.pending());
  const atBank = await w.createPayment(shop, { expireMinutes: 10 });
  await w.services.cards.verify(shop, atBank.id, w.verifyBody());
  await w.services.cards.execute(shop, atBank.id, w.executeBody(w.fakes.sms.codeFor(atBank.id)));

  assert.equal(await w.services.lifecycle.closeExpiredBatch(), 0, 'nothing has expired yet');
  w.clock.advance(10 * MINUTE);
  assert.equal(await w.services.lifecycle.closeExpiredBatch(), 2);
  await assertClosedExpired(w, soon.id);
  await assertClosedExpired(w, verified.id);
  const destroyed = await w.payment(verified.id);
  assert.equal(destroyed.card_secret_enc, null, 'the sealed card is destroyed');
  assert.equal(destroyed.sms_code_hash, null, 'the code is destroyed');
  assert.equal((await w.payment(later.id)).state, 'WAIT_BUYER_PAY');
  assert.equal((await w.payment(paid.id)).state, 'TRADE_SUCCESS');
  assert.equal((await w.payment(atBank.id)).stage, 'bank_pending');

  w.clock.advance(50 * MINUTE);
  assert.equal(await w.services.lifecycle.closeExpiredBatch(), 1);
  await assertClosedExpired(w, later.id);
  assert.equal(await w.services.lifecycle.closeExpiredBatch(), 0, 'a second pass finds nothing');
  assert.equal((await w.payment(atBank.id)).state, 'WAIT_BUYER_PAY');
});

test('openForPayer refuses an expired payment (payment_expired) and closes it', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_SCAN', expireMinutes: 15 });

  assert.equal((await w.services.payments.openForPayer(payment.id)).id, payment.id);
  w.clock.advance(15 * MINUTE);
  await refused(w.services.payments.openForPayer(payment.id), 'payment_expired');
  await assertClosedExpired(w, payment.id);
  await refused(w.services.payments.openForPayer(payment.id), 'payment_expired');
  await refused(w.services.payments.openForPayer('PAY_NOSUCHPAYMENT'), 'payment_not_found');
});

test("a merchant's query of an expired payment answers it closed", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { expireMinutes: 5 });
  w.clock.advance(5 * MINUTE);

  const seen = await w.services.payments.get(shop, payment.id);
  assert.equal(seen.state, 'TRADE_CLOSED');
  await assertClosedExpired(w, payment.id);
});
