/**
 * WalletPaymentService.pay: the payer paid (or gave up) in WeChat Pay or Alipay, and the wallet says
 * so. One pay ends the payment, with its notification and, when paid, its ledger entry; a payment
 * is paid once, and only with the wallet it was made for.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { assertLedgerOk, assertNotifiedOnce, ledgerEntries, MINUTE, openWorld, refused } from './service-world.ts';

test('a WeChat QR payment paid in the wallet is TRADE_SUCCESS, notified once, in the ledger', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_SCAN', total: '100.02' });

  const paid = await w.services.walletPayments.pay(payment.id, 'WECHAT', 'success');
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.channel, 'WECHAT_SCAN');
  assert.equal(paid.execute_success_at, w.clock.now());
  assert.equal(paid.failure_reason, null);
  await assertNotifiedOnce(w, payment.id);
  assert.equal(await ledgerEntries(w, payment.id, 'payment_success'), 1);
  await assertLedgerOk(w);
});

test('a payer who gives up in the wallet fails the payment (payer_declined), with no money moved', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'ALIPAY_SCAN' });
  assert.deepEqual(w.fakes.wallet.qrCodes, [{ paymentId: payment.id, provider: 'ALIPAY' }]);

  const failed = await w.services.walletPayments.pay(payment.id, 'ALIPAY', 'fail');
  assert.equal(failed.state, 'TRADE_FAIL');
  assert.equal(failed.failure_reason, 'payer_declined');
  assert.equal(failed.execute_success_at, null);
  await assertNotifiedOnce(w, payment.id);
  assert.equal(await ledgerEntries(w, payment.id, 'payment_success'), 0);
  await assertLedgerOk(w);
});

test('a payment is paid once: a second pay is refused and writes nothing', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await w.payByWallet(shop);

  await refused(w.services.walletPayments.pay(paid.id, 'WECHAT', 'success'), 'already_paid');
  await refused(w.services.walletPayments.pay(paid.id, 'WECHAT', 'fail'), 'already_paid');
  assert.equal((await w.payment(paid.id)).state, 'TRADE_SUCCESS');
  await assertNotifiedOnce(w, paid.id);
  assert.equal(await ledgerEntries(w, paid.id, 'payment_success'), 1);

  const given = await w.createPayment(shop, { method: 'WECHAT_SCAN' });
  await w.services.walletPayments.pay(given.id, 'WECHAT', 'fail');
  await refused(w.services.walletPayments.pay(given.id, 'WECHAT', 'success'), 'payment_failed');
  await assertNotifiedOnce(w, given.id);
});

test('two pays at once: exactly one wins', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_SCAN' });

  const results = await Promise.allSettled([
    w.services.walletPayments.pay(payment.id, 'WECHAT', 'success'),
    w.services.walletPayments.pay(payment.id, 'WECHAT', 'fail'),
    w.services.walletPayments.pay(payment.id, 'WECHAT', 'success'),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected', 'rejected']);
  // The others are refused as the winner left the payment.
  const winner = (await w.payment(payment.id)).state;
  const expected = winner === 'TRADE_SUCCESS' ? 'already_paid' : 'payment_failed';
  for (const r of results) {
    if (r.status === 'rejected') assert.equal((r.reason as { reason?: string }).reason, expected);
  }
  await assertNotifiedOnce(w, payment.id);
  await assertLedgerOk(w);
});

test('the wrong wallet is refused and the payment stays open', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const wechat = await w.createPayment(shop, { method: 'WECHAT_SCAN' });
  const alipay = await w.createPayment(shop, { method: 'ALIPAY_SCAN' });
  const card = await w.createPayment(shop, { method: 'CREDIT_CARD' });

  const error = await refused(w.services.walletPayments.pay(wechat.id, 'ALIPAY', 'success'), 'invalid_request');
  assert.match(error.detail ?? '', /Alipay/);
  await refused(w.services.walletPayments.pay(alipay.id, 'WECHAT', 'success'), 'invalid_request');
  await refused(w.services.walletPayments.pay(card.id, 'WECHAT', 'success'), 'invalid_request');
  for (const payment of [wechat, alipay, card]) {
    assert.equal((await w.payment(payment.id)).state, 'WAIT_BUYER_PAY');
    assert.equal((await w.repositories.outbox.forObject(payment.id)).length, 0);
  }
  // The right one still pays.
  assert.equal((await w.services.walletPayments.pay(alipay.id, 'ALIPAY', 'success')).channel, 'ALIPAY_SCAN');
});

test('a WeChat in-app payment gets its prepay order from the wallet and is paid with WeChat', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_IN_APP' });
  assert.deepEqual(
    w.fakes.wallet.prepays.map((p) => [p.paymentId, p.kind]),
    [[payment.id, 'APP']],
  );
  assert.equal(payment.prepay_id, w.fakes.wallet.prepays[0]!.prepayId);

  const paid = await w.services.walletPayments.pay(payment.id, 'WECHAT', 'success');
  assert.equal(paid.channel, 'WECHAT_IN_APP');
  await assertNotifiedOnce(w, payment.id);
});

test('an expired wallet payment cannot be paid', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'WECHAT_SCAN', expireMinutes: 20 });
  w.clock.advance(20 * MINUTE);

  await refused(w.services.walletPayments.pay(payment.id, 'WECHAT', 'success'), 'payment_expired');
  const closed = await w.payment(payment.id);
  assert.equal(closed.state, 'TRADE_CLOSED');
  await assertNotifiedOnce(w, payment.id);
  assert.equal(await ledgerEntries(w, payment.id, 'payment_success'), 0);
});

test('a checkout payer who asked for a card code may still pay with a wallet; the card is destroyed', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'NOT_APPLICABLE', interfaceType: 'SERVER_TO_WEB' });
  await w.services.cards.checkoutSendCode(payment.id, {
    cardType: 'CREDIT_CARD',
    number: '6225760000040001',
    validDate: '2912',
    cvv2: '123',
    holderName: 'Zhang San',
    citizenIdNumber: '11010519491231002X',
    phone: '13800138000',
  });
  assert.ok((await w.payment(payment.id)).card_secret_enc);

  const paid = await w.services.walletPayments.pay(payment.id, 'ALIPAY', 'success');
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.channel, 'ALIPAY_SCAN');
  assert.equal(paid.card_secret_enc, null);
  assert.equal(paid.sms_code_hash, null);
  assert.equal(w.fakes.cardBank.debits.length, 0);
  await assertNotifiedOnce(w, payment.id);
  await refused(w.services.cards.checkoutExecute(payment.id, w.fakes.sms.codeFor(payment.id)), 'already_paid');
});
