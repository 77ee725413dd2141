/**
 * CardPaymentService with a fake bank and a fake SMS gateway: verify has the bank check the card and
 * texts the payer a code; execute with that code has the bank debit the card; the bank's late
 * answers are collected by resolveBankBatch. A paid first payment leaves a payer agreement, with
 * which the next payment needs no card.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  assertLedgerOk,
  assertNotifiedOnce,
  CARD,
  ledgerEntries,
  OTHER_CARD,
  openWorld,
  refused,
  wrongCode,
  type World,
} from './service-world.ts';
import { bankSays, LostAnswerError } from '../helpers/fake-channels.ts';
import {
  MAX_WRONG_CODES,
  SMS_CODE_TTL_MS,
  SMS_MAX_PER_PAYMENT,
  SMS_MIN_INTERVAL_MS,
  STALLED_EXECUTE_MS,
} from '../../src/payments/card-payment-service.ts';
import type { CardData } from '../../src/channels/channels.ts';
import type { Merchant } from '../../src/merchants/merchant.ts';
import { DomainError } from '../../src/errors/domain-error.ts';

/** A card payment of the shop with its code sent: [payment id, the code on the payer's phone]. */
async function verified(w: World, shop: Merchant, card = CARD): Promise<[string, string]> {
  const payment = await w.createPayment(shop, { total: '100.02', currency: 'USD' });
  await w.services.cards.verify(shop, payment.id, w.verifyBody(card));
  return [payment.id, w.fakes.sms.codeFor(payment.id)];
}

/** The card a payment holds sealed between verify and the bank's answer. */
async function sealedCard(w: World, paymentId: string): Promise<Record<string, unknown>> {
  const record = await w.payment(paymentId);
  assert.ok(record.card_secret_enc, `payment ${paymentId} holds a sealed card`);
  return JSON.parse(w.context.cardVault.open(record.card_secret_enc, `payment:${paymentId}`)) as Record<
    string,
    unknown
  >;
}

test('verify has the bank check the card and texts one code, which pays the payment at execute', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { total: '100.02', currency: 'USD' });

  const sent = await w.services.cards.verify(shop, payment.id, w.verifyBody());
  assert.equal(sent.state, 'WAIT_BUYER_PAY');
  assert.equal(sent.stage, 'sms_sent');
  assert.equal(sent.card_last4, '0001');
  const expectedCard: CardData = {
    number: CARD.number,
    cardType: 'CREDIT_CARD',
    validDate: '2912',
    cvv2: '123',
    holderName: 'Zhang San',
    citizenIdNumber: '11010519491231002X',
    phone: '13800138000',
  };
  assert.deepEqual(w.fakes.cardBank.checks, [expectedCard], 'the bank checked the decrypted card');
  assert.equal(w.fakes.sms.sent.length, 1);
  const { code, ...sms } = w.fakes.sms.sent[0]!;
  assert.deepEqual(sms, { phone: '13800138000', paymentId: payment.id, sentAt: w.clock.now() });
  assert.match(code, /^\d{6}$/);
  assert.equal(w.fakes.cardBank.debits.length, 0, 'nothing is debited before the code comes back');

  const paid = await w.services.cards.execute(shop, payment.id, w.executeBody(code));
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.execute_success_at, w.clock.now());
  assert.equal(paid.settle_date, '20260310');
  assert.equal(paid.card_secret_enc, null, 'the sealed card is destroyed once paid');
  assert.equal(w.fakes.cardBank.debits.length, 1);
  const [debit] = w.fakes.cardBank.debits;
  assert.equal(debit!.paymentId, payment.id);
  assert.equal(debit!.amountFen, 69207n, 'the CNY locked at create (100.02 x 6.9193)');
  assert.deepEqual(debit!.card, expectedCard, 'the bank gets the card with its CVV2');
  assert.equal(debit!.cardFingerprint, paid.card_fingerprint);

  await assertNotifiedOnce(w, payment.id);
  assert.equal(await ledgerEntries(w, payment.id, 'payment_success'), 1);
  await assertLedgerOk(w);
});

test('a card the bank refuses at the check gets no code', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  w.fakes.cardBank.onCardCheck(OTHER_CARD.number, bankSays.declined('card_expired'));
  const payment = await w.createPayment(shop);

  await refused(w.services.cards.verify(shop, payment.id, w.verifyBody(OTHER_CARD)), 'card_expired');
  assert.deepEqual(w.fakes.sms.sent, []);
  const after = await w.payment(payment.id);
  assert.equal(after.stage, 'created');
  assert.equal(after.card_secret_enc, null, 'a refused card is not kept');
  const timeline = await w.repositories.timeline.of(w.context.db, payment.id);
  assert.ok(timeline.some((e) => e.type === 'card_rejected' && e.detail?.includes('card_expired')));

  // Another card of the payer is fine.
  await w.services.cards.verify(shop, payment.id, w.verifyBody(CARD));
  assert.equal(w.fakes.sms.to(payment.id).length, 1);
});

test('one code a minute, five per payment; only the latest code pays', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const [id, firstCode] = await verified(w, shop);
  assert.equal(SMS_MIN_INTERVAL_MS, 60_000);
  assert.equal(SMS_MAX_PER_PAYMENT, 5);

  await refused(w.services.cards.verify(shop, id, w.verifyBody()), 'sms_too_frequent');
  w.clock.advance(SMS_MIN_INTERVAL_MS - 1);
  await refused(w.services.cards.verify(shop, id, w.verifyBody()), 'sms_too_frequent');
  assert.equal(w.fakes.sms.to(id).length, 1, 'a refused verify sends nothing');

  for (let n = 2; n <= SMS_MAX_PER_PAYMENT; n++) {
    w.clock.advance(n === 2 ? 1 : SMS_MIN_INTERVAL_MS);
    const resent = await w.services.cards.verify(shop, id, w.verifyBody());
    assert.equal(resent.sms_sent_count, n);
  }
  assert.equal(w.fakes.sms.to(id).length, SMS_MAX_PER_PAYMENT);
  w.clock.advance(SMS_MIN_INTERVAL_MS);
  await refused(w.services.cards.verify(shop, id, w.verifyBody()), 'sms_limit_reached');
  assert.equal(w.fakes.sms.to(id).length, SMS_MAX_PER_PAYMENT);

  // The last code sent is the one that counts (if the first one differs, it no longer pays).
  const lastCode = w.fakes.sms.codeFor(id);
  if (firstCode !== lastCode) {
    await refused(w.services.cards.execute(shop, id, w.executeBody(firstCode)), 'sms_code_incorrect');
  }
  const paid = await w.services.cards.execute(shop, id, w.executeBody(lastCode));
  assert.equal(paid.state, 'TRADE_SUCCESS');
});

test('wrong codes count down, and the fifth wrong one fails the payment (sms_code_locked)', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const [id, code] = await verified(w, shop);
  const wrong = w.executeBody(wrongCode(code));

  for (let attempt = 1; attempt < MAX_WRONG_CODES; attempt++) {
    const error = await refused(w.services.cards.execute(shop, id, wrong), 'sms_code_incorrect');
    assert.equal(error.facts.attemptsLeft, MAX_WRONG_CODES - attempt);
    assert.equal((await w.payment(id)).state, 'WAIT_BUYER_PAY');
  }
  await refused(w.services.cards.execute(shop, id, wrong), 'sms_code_locked');

  const failed = await w.payment(id);
  assert.equal(failed.state, 'TRADE_FAIL');
  assert.equal(failed.failure_reason, 'sms_code_locked');
  assert.equal(failed.card_secret_enc, null);
  assert.deepEqual(w.fakes.cardBank.debits, [], 'the bank was never asked');
  await assertNotifiedOnce(w, id);
  assert.equal(await ledgerEntries(w, id, 'payment_success'), 0);
  // Not even the right code pays it now.
  await refused(w.services.cards.execute(shop, id, w.executeBody(code)), 'payment_failed');
});

test('the right code after four wrong ones still pays', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const [id, code] = await verified(w, shop);
  for (let attempt = 1; attempt < MAX_WRONG_CODES; attempt++) {
    await refused(w.services.cards.execute(shop, id, w.executeBody(wrongCode(code))), 'sms_code_incorrect');
  }
  assert.equal((await w.services.cards.execute(shop, id, w.executeBody(code))).state, 'TRADE_SUCCESS');
});

test('a code is good for five minutes', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const [id, code] = await verified(w, shop);

  w.clock.advance(SMS_CODE_TTL_MS);
  await refused(w.services.cards.execute(shop, id, w.executeBody(code)), 'sms_code_missing');
  // A new code (the minute between codes has long passed) pays.
  await w.services.cards.verify(shop, id, w.verifyBody());
  const fresh = w.fakes.sms.codeFor(id);
  assert.equal((await w.services.cards.execute(shop, id, w.executeBody(fresh))).state, 'TRADE_SUCCESS');
});

test("a declined debit ends the payment TRADE_FAIL with the bank's reason", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  w.fakes.cardBank.onDebit(CARD.number, bankSays.declined('insufficient_funds'));
  const [id, code] = await verified(w, shop);

  const failed = await w.services.cards.execute(shop, id, w.executeBody(code));
  assert.equal(failed.state, 'TRADE_FAIL');
  assert.equal(failed.failure_reason, 'insufficient_funds');
  assert.equal(failed.agreement_id, null, 'a declined card gets no payer agreement');
  assert.equal(failed.card_secret_enc, null);
  const notification = await assertNotifiedOnce(w, id);
  assert.ok((JSON.parse(notification.body) as { payment: { error?: unknown } }).payment.error, 'with its error');
  assert.equal(await ledgerEntries(w, id, 'payment_success'), 0);
  await assertLedgerOk(w);
  await refused(w.services.cards.execute(shop, id, w.executeBody(code)), 'payment_failed');
});

test("a pending debit waits at bank_pending until resolveBankBatch gets the bank's answer", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  w.fakes.cardBank.onDebit(CARD.number, bankSays.pending());
  const [id, code] = await verified(w, shop);
  assert.equal((await sealedCard(w, id)).cvv2, '123', 'until the bank has the card, the CVV2 is sealed with it');

  const pending = await w.services.cards.execute(shop, id, w.executeBody(code));
  assert.equal(pending.state, 'WAIT_BUYER_PAY');
  assert.equal(pending.stage, 'bank_pending');
  assert.equal(pending.bank_resolve_at, w.clock.now() + 30_000);
  const kept = await sealedCard(w, id);
  assert.equal(kept.number, CARD.number, 'the card stays sealed for the late answer');
  assert.equal('cvv2' in kept, false, 'the CVV2 is destroyed once the bank has it');
  assert.equal((await w.repositories.outbox.forObject(id)).length, 0, 'nothing to tell the merchant yet');
  await refused(w.services.cards.execute(shop, id, w.executeBody(code)), 'payment_in_process');

  assert.equal(await w.services.cards.resolveBankBatch(), 0);
  assert.equal(w.fakes.cardBank.inquiries.length, 0, 'the bank is not asked before retryAt');
  w.clock.advance(30_000);
  assert.equal(await w.services.cards.resolveBankBatch(), 0, 'the bank has no answer yet');
  assert.equal(w.fakes.cardBank.inquiries.length, 1);
  assert.equal((await w.payment(id)).bank_resolve_at, w.clock.now() + 30_000, 'asked again later');

  w.fakes.cardBank.answerPending(id, bankSays.ok());
  w.clock.advance(30_000);
  assert.equal(await w.services.cards.resolveBankBatch(), 1);
  const [inquiry] = w.fakes.cardBank.inquiries.slice(-1);
  assert.deepEqual(inquiry, {
    paymentId: id,
    cardFingerprint: pending.card_fingerprint,
    last4: '0001',
    amountFen: 69207n,
    now: w.clock.now(),
  });
  const paid = await w.payment(id);
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.card_secret_enc, null);
  assert.ok(paid.agreement_id, 'a late success issues the payer agreement too');
  const agreement = await w.repositories.agreements.find(paid.agreement_id);
  assert.ok(agreement);
  const agreementCard = JSON.parse(w.context.cardVault.open(agreement.card_enc, `agreement:${paid.agreement_id}`));
  assert.equal(agreementCard.number, CARD.number);
  assert.equal('cvv2' in agreementCard, false);
  assert.equal(w.fakes.cardBank.debits.length, 1, 'debited once');
  await assertNotifiedOnce(w, id);
  assert.equal(await ledgerEntries(w, id, 'payment_success'), 1);
  await assertLedgerOk(w);
  assert.equal(await w.services.cards.resolveBankBatch(), 0, 'nothing left to ask about');
});

test('a pending debit the bank then declines ends TRADE_FAIL', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  w.fakes.cardBank.nextDebit(bankSays.pending(bankSays.declined('payer_declined'), 10_000));
  const [id, code] = await verified(w, shop);
  assert.equal((await w.services.cards.execute(shop, id, w.executeBody(code))).stage, 'bank_pending');

  w.clock.advance(10_000);
  assert.equal(await w.services.cards.resolveBankBatch(), 1);
  const failed = await w.payment(id);
  assert.equal(failed.state, 'TRADE_FAIL');
  assert.equal(failed.failure_reason, 'payer_declined');
  assert.equal(failed.agreement_id, null);
  await assertNotifiedOnce(w, id);
  await assertLedgerOk(w);
});

/** A card payment whose execute reached the bank but never got its answer: left `processing`. */
async function stalled(w: World, shop: Merchant, bankDecides: ReturnType<typeof bankSays.ok>): Promise<string> {
  const [id, code] = await verified(w, shop);
  w.fakes.cardBank.nextDebit(bankSays.lost(bankDecides));
  await assert.rejects(w.services.cards.execute(shop, id, w.executeBody(code)), LostAnswerError);
  const record = await w.payment(id);
  assert.equal(record.stage, 'processing');
  return id;
}

test('an execute whose bank answer was lost is finished by resolveBankBatch once it has stalled', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const id = await stalled(w, shop, bankSays.ok());
  assert.equal((await w.repositories.outbox.forObject(id)).length, 0);

  w.clock.advance(STALLED_EXECUTE_MS - 1);
  assert.equal(await w.services.cards.resolveBankBatch(), 0);
  assert.equal(w.fakes.cardBank.inquiries.length, 0, 'an execute under way is left alone');
  w.clock.advance(1);
  assert.equal(await w.services.cards.resolveBankBatch(), 1);
  const paid = await w.payment(id);
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.ok(paid.agreement_id);
  assert.equal(w.fakes.cardBank.debits.length, 1, 'asked, not debited again');
  await assertNotifiedOnce(w, id);
  await assertLedgerOk(w);
});

test('a stalled execute the bank reports pending keeps no CVV2', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const id = await stalled(w, shop, bankSays.pending());
  w.clock.advance(STALLED_EXECUTE_MS);
  assert.equal(await w.services.cards.resolveBankBatch(), 0);
  assert.equal(w.fakes.cardBank.inquiries.length, 1);

  const kept = await sealedCard(w, id);
  assert.equal(kept.number, CARD.number);
  assert.equal('cvv2' in kept, false, 'the bank has the card: the CVV2 is destroyed');
});

test('a stalled execute the bank reports pending is asked about again at the retryAt the bank gave', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  await stalled(w, shop, bankSays.pending());
  w.clock.advance(STALLED_EXECUTE_MS);
  await w.services.cards.resolveBankBatch();
  assert.equal(w.fakes.cardBank.inquiries.length, 1);

  w.clock.advance(1_000);
  await w.services.cards.resolveBankBatch();
  assert.equal(w.fakes.cardBank.inquiries.length, 1, 'not before the retryAt of 30 s');
  w.clock.advance(29_000);
  await w.services.cards.resolveBankBatch();
  assert.equal(w.fakes.cardBank.inquiries.length, 2);
});

test('the hosted checkout takes a typed card, texts a code and pays with it', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop, { method: 'NOT_APPLICABLE', interfaceType: 'SERVER_TO_WEB' });
  const debitCard = {
    cardType: 'DEBIT_CARD' as const,
    number: '6217000010000020001',
    holderName: 'Li Si',
    citizenIdNumber: '11010519491231002X',
    phone: '13900139000',
  };

  const sent = await w.services.cards.checkoutSendCode(payment.id, debitCard);
  assert.equal(sent.stage, 'sms_sent');
  assert.equal(sent.channel, 'DEBIT_CARD');
  assert.equal(w.fakes.cardBank.checks[0]?.number, debitCard.number);
  assert.equal(w.fakes.sms.to(payment.id)[0]?.phone, '13900139000');
  await refused(w.services.cards.checkoutExecute(payment.id, 'abc'), 'sms_code_incorrect');

  const paid = await w.services.cards.checkoutExecute(payment.id, w.fakes.sms.codeFor(payment.id));
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.channel, 'DEBIT_CARD');
  assert.equal(w.fakes.cardBank.debits[0]?.card.cardType, 'DEBIT_CARD');
  const presented = (await w.services.payments.present(paid)) as { paid_with?: string };
  assert.equal(presented.paid_with, 'DEBIT_CARD');
  await assertNotifiedOnce(w, payment.id);
  // A web payment is paid on the checkout only.
  await refused(w.services.cards.verify(shop, payment.id, w.verifyBody()), 'invalid_request');
});

test('a first card payment issues a payer agreement; the next payment with it needs no card', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const first = await w.payByCard(shop, { total: '10.00' });
  assert.ok(first.agreement_id);
  const agreement = await w.repositories.agreements.find(first.agreement_id);
  assert.ok(agreement);
  assert.equal(agreement.merchant_id, shop.id);
  assert.equal(agreement.card_last4, '0001');
  assert.equal(agreement.phone, CARD.phone);
  const presented = (await w.services.payments.present(await w.payment(first.id))) as any;
  assert.deepEqual(presented.payer.payer_info.payer_agreement, {
    usr_busi_agreement_id: agreement.usr_busi_agreement_id,
    usr_pay_agreement_id: agreement.usr_pay_agreement_id,
    gate_id: agreement.gate_id,
    last_four_cardid: '0001',
  });
  assert.equal(w.fakes.cardBank.checks.length, 1);

  const ids = {
    usr_busi_agreement_id: agreement.usr_busi_agreement_id,
    usr_pay_agreement_id: agreement.usr_pay_agreement_id,
  };
  const second = await w.createPayment(shop, { total: '20.00', agreement: ids });
  const sent = await w.services.cards.verify(shop, second.id, {});
  assert.equal(sent.stage, 'sms_sent');
  assert.equal(w.fakes.cardBank.checks.length, 1, 'the agreement stands for the bank check');
  assert.equal(w.fakes.sms.to(second.id)[0]?.phone, CARD.phone, 'the code goes to the agreement phone');
  const paid = await w.services.cards.execute(shop, second.id, w.executeBody(w.fakes.sms.codeFor(second.id)));
  assert.equal(paid.state, 'TRADE_SUCCESS');
  assert.equal(paid.agreement_id, first.agreement_id);
  const debit = w.fakes.cardBank.debits.at(-1)!;
  assert.equal(debit.paymentId, second.id);
  assert.equal(debit.card.number, CARD.number);
  assert.equal(debit.card.cvv2, undefined, 'no CVV2 was kept to send');
  assert.equal(debit.amountFen, 13839n, '20.00 x 6.9193 = 138.386');
  await assertNotifiedOnce(w, second.id);

  // The agreement is the shop's own.
  const other = await w.merchant({ name: 'Other Shop' });
  await refused(w.createPayment(other, { agreement: ids }), 'invalid_request');
});

test("a payment made for an agreement but verified with another card never names the agreement's card", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const first = await w.payByCard(shop, { total: '10.00' }, CARD);
  const agreement = (await w.repositories.agreements.find(first.agreement_id!))!;
  const ids = {
    usr_busi_agreement_id: agreement.usr_busi_agreement_id,
    usr_pay_agreement_id: agreement.usr_pay_agreement_id,
  };
  const second = await w.createPayment(shop, { total: '20.00', agreement: ids });

  // Refusing the other card would be a fine answer; accepting it must then show the card charged.
  const accepted = await w.services.cards.verify(shop, second.id, w.verifyBody(OTHER_CARD)).then(
    () => true,
    (error: unknown) => {
      if (error instanceof DomainError) return false;
      throw error;
    },
  );
  if (!accepted) return;
  const paid = await w.services.cards.execute(shop, second.id, w.executeBody(w.fakes.sms.codeFor(second.id)));
  assert.equal(w.fakes.cardBank.debits.at(-1)?.card.number, OTHER_CARD.number);
  const notified = JSON.parse((await assertNotifiedOnce(w, paid.id)).body) as { payment: any };
  const info = notified.payment.payer.payer_info;
  const shown = info.payer_agreement?.last_four_cardid ?? info.bank_card?.last_four_cardid;
  assert.equal(shown, '0002', 'the merchant is told the card that was charged');
});

test('two executes with the right code at once: the bank is asked once', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const [id, code] = await verified(w, shop);

  const results = await Promise.allSettled([
    w.services.cards.execute(shop, id, w.executeBody(code)),
    w.services.cards.execute(shop, id, w.executeBody(code)),
  ]);
  const paid = results.filter((r) => r.status === 'fulfilled');
  assert.equal(paid.length, 1, JSON.stringify(results.map((r) => r.status)));
  const [loser] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal((loser!.reason as { reason?: string }).reason, 'payment_in_process');
  assert.equal(w.fakes.cardBank.debits.length, 1);
  await assertNotifiedOnce(w, id);
});

test("verify and execute are for the shop's own unpaid server-to-server card payments", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const other = await w.merchant({ name: 'Other Shop' });
  const payment = await w.createPayment(shop);

  await refused(w.services.cards.verify(other, payment.id, w.verifyBody()), 'payment_not_found');
  const wallet = await w.createPayment(shop, { method: 'WECHAT_SCAN' });
  await refused(w.services.cards.verify(shop, wallet.id, w.verifyBody()), 'invalid_request');
  await refused(w.services.cards.execute(shop, payment.id, w.executeBody('123456')), 'sms_code_missing');
  const paid = await w.payByCard(shop);
  await refused(w.services.cards.verify(shop, paid.id, w.verifyBody()), 'already_paid');

  const expiring = await w.createPayment(shop, { expireMinutes: 10 });
  w.clock.advance(10 * 60_000);
  await refused(w.services.cards.verify(shop, expiring.id, w.verifyBody()), 'payment_expired');
  assert.equal((await w.payment(expiring.id)).state, 'TRADE_CLOSED', 'closed on the way');
  assert.equal(w.fakes.sms.to(expiring.id).length, 0);
});
