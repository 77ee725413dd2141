/**
 * Card payments (reference 2.2, 3.3-3.5): the bank checks the card and an SMS code goes to the
 * payer's phone (verify, or the hosted checkout's card form), the payer's code releases the bank
 * debit (execute, or the checkout's code form), and the bank's late answers are collected by the
 * bank poller (resolveBankBatch).
 *
 * Rules:
 * - SMS codes: at most SMS_MAX_PER_PAYMENT per payment, one per SMS_MIN_INTERVAL_MS, each valid
 *   SMS_CODE_TTL_MS; the limits hold in SQL too (the stage move is guarded by the SMS count and the
 *   version). The code is kept as a keyed hash only, and sent after the move commits.
 * - Execute: each guess takes one of MAX_WRONG_CODES attempts in one conditional update before it
 *   is compared (so concurrent guesses are all counted); the last wrong one fails the payment
 *   (sms_code_locked). A right code claims the payment (sms_sent -> processing) so that only one
 *   execute asks the bank.
 * - The card: sealed at rest under the card vault key between verify and the bank's answer; its CVV2
 *   is destroyed once the bank has it; a successful first payment leaves a payer agreement
 *   (payment-lifecycle.ts), with which the payer can pay again without the card.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../time/clock.ts';
import type { SecretBox } from '../crypto/master-key.ts';
import { FieldDecryptionError, type FieldDecryptor } from '../crypto/field-decryption.ts';
import { refuse } from '../errors/domain-error.ts';
import type { Merchant } from '../merchants/merchant.ts';
import type { CardBank, CardData, SmsGateway } from '../channels/channels.ts';
import { last4 } from '../reference/cards.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import type { Store } from '../store/database.ts';
import type { AgreementRepository } from './agreement-repository.ts';
import type { PaymentChanges, PaymentRepository } from './payment-repository.ts';
import { isCardMethod, isWebPayment, type PaymentRecord } from './payment-record.ts';
import { PAYMENT_MACHINE, type PaymentStage } from './payment-state.ts';
import type { PaymentLifecycle } from './payment-lifecycle.ts';
import { refuseFinal, type PaymentService, type Resumable } from './payment-service.ts';
import { checkoutMethods } from './checkout-methods.ts';
import {
  agreementCardCheck,
  readVerifyRequest,
  validateCard,
  verifyCodeOf,
  type CardType,
  type CheckoutCardInput,
} from './card-request.ts';

export const SMS_MAX_PER_PAYMENT = 5;
export const SMS_MIN_INTERVAL_MS = 60_000;
export const SMS_CODE_TTL_MS = 5 * 60_000;
export const MAX_WRONG_CODES = 5;
/** How long an execute may stay `processing` before the bank poller asks the bank about it. */
export const STALLED_EXECUTE_MS = 60_000;

/** A card ready for the bank: its data, the vault's fingerprint of its number, and its agreement. */
interface PayerCard {
  readonly data: CardData;
  readonly fingerprint: string;
  readonly agreementId?: string;
}

export interface CardPaymentServiceDeps {
  readonly store: Store;
  readonly payments: PaymentRepository;
  readonly agreements: AgreementRepository;
  readonly timeline: TimelineRepository;
  readonly mover: StateMover;
  readonly lifecycle: PaymentLifecycle;
  readonly paymentService: PaymentService;
  readonly cardBank: CardBank;
  readonly sms: SmsGateway;
  readonly cardVault: SecretBox;
  readonly decryptor: FieldDecryptor;
  readonly clock: Clock;
}

export class CardPaymentService {
  readonly #deps: CardPaymentServiceDeps;
  constructor(deps: CardPaymentServiceDeps) {
    this.#deps = deps;
  }

  // ---- verification (SMS) -------------------------------------------------------------------

  async verify(merchant: Merchant, paymentId: string, body: Record<string, unknown>, options: Resumable = {}) {
    if (options.resumed) {
      // The crashed first attempt of this very request sent the code: answer as it would have.
      const first = await this.#deps.paymentService.ofMerchant(merchant, paymentId);
      if (first.state === 'WAIT_BUYER_PAY' && first.stage === 'sms_sent') return first;
    }
    const record = await this.#openForMerchant(merchant, paymentId);
    this.#checkSmsAllowed(record);
    return this.#sendCode(record, await this.#cardFromRequest(merchant, record, body));
  }

  /** The hosted checkout's card step: plain card data typed by the payer on our own page. */
  async checkoutSendCode(paymentId: string, input: CheckoutCardInput): Promise<PaymentRecord> {
    const record = await this.#deps.paymentService.openForPayer(paymentId);
    if (!checkoutMethods(record).includes(input.cardType)) {
      refuse('card_not_supported', `this payment does not take ${input.cardType}`);
    }
    this.#checkSmsAllowed(record);
    const data = validateCard({ ...input, citizenIdType: 'IDENTITY_CARD' });
    const card = { data, fingerprint: this.#deps.cardVault.fingerprint(`pan:${data.number}`) };
    return this.#sendCode(record, card, input.cardType);
  }

  /**
   * Moves an unpaid payment (WAIT_BUYER_PAY) from one stage to the next: allowed by the machine,
   * guarded in SQL by the stage (and the version and SMS count `expect`ed), with a timeline event named
   * after the new stage. The moved record, or undefined when another request moved it first.
   */
  #moveStage(
    id: string,
    move: {
      readonly from: PaymentStage;
      readonly to: PaymentStage;
      readonly expect?: { readonly version?: number; readonly smsSentCount?: number };
      readonly changes: PaymentChanges;
      readonly detail: string;
      readonly now: number;
    },
  ): Promise<PaymentRecord | undefined> {
    const { mover, payments } = this.#deps;
    const from = { state: 'WAIT_BUYER_PAY', stage: move.from } as const;
    const to = { state: 'WAIT_BUYER_PAY', stage: move.to } as const;
    return mover.apply({
      machine: PAYMENT_MACHINE,
      from,
      to,
      now: move.now,
      update: (trx) => payments.move(trx, id, { ...from, ...move.expect }, to, move.changes, move.now),
      event: () => ({ paymentId: id, type: move.to, detail: move.detail }),
    });
  }

  #checkSmsAllowed(record: PaymentRecord): void {
    if (record.stage !== 'created' && record.stage !== 'sms_sent') refuse('payment_in_process');
    if (record.sms_sent_count >= SMS_MAX_PER_PAYMENT) refuse('sms_limit_reached');
    const now = this.#deps.clock.now();
    if (record.sms_last_sent_at !== null && now - record.sms_last_sent_at < SMS_MIN_INTERVAL_MS) {
      refuse('sms_too_frequent');
    }
  }

  /** Has the bank check the card, then moves the payment to sms_sent and sends the payer a code. */
  async #sendCode(record: PaymentRecord, card: PayerCard, channel?: CardType): Promise<PaymentRecord> {
    const { store, timeline, cardBank, sms, cardVault, clock } = this.#deps;
    const now = clock.now();
    // A payer agreement stands for the bank's earlier check of this card, whose CVV2 is never kept.
    const check = card.agreementId ? agreementCardCheck(card.data, now) : await cardBank.checkCard(card.data, now);
    if (!check.ok) {
      const detail = `${check.reason} card ending ${last4(card.data.number)}`;
      await store.write((trx) => timeline.record(trx, { paymentId: record.id, type: 'card_rejected', detail }, now));
      refuse(check.reason);
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const sent = await this.#moveStage(record.id, {
      from: record.stage,
      to: 'sms_sent',
      // The SMS limits hold in SQL too: the move only matches the count and version we read.
      expect: { version: record.version, smsSentCount: record.sms_sent_count },
      changes: {
        sms_sent_count: record.sms_sent_count + 1,
        sms_last_sent_at: now,
        sms_code_hash: this.#codeHash(record.id, code),
        sms_code_expires_at: now + SMS_CODE_TTL_MS,
        verify_failures: 0,
        card_secret_enc: cardVault.seal(JSON.stringify(card.data), `payment:${record.id}`),
        card_last4: last4(card.data.number),
        card_fingerprint: card.fingerprint,
        // A full card replaces the agreement the payment was created with: it is the card charged.
        agreement_id: card.agreementId ?? null,
        phone: card.data.phone,
        channel: channel ?? record.channel ?? record.payment_method,
      },
      detail: `code sent to ${maskPhone(card.data.phone)} (${record.sms_sent_count + 1}/${SMS_MAX_PER_PAYMENT})`,
      now,
    });
    if (!sent) refuse('sms_too_frequent', 'another verification request for this payment is in progress');
    await sms.send({ phone: card.data.phone, code, paymentId: record.id, sentAt: now });
    return sent;
  }

  /** Card data from a verify request: encrypted bank_card fields, or a payer agreement. */
  async #cardFromRequest(merchant: Merchant, record: PaymentRecord, body: Record<string, unknown>): Promise<PayerCard> {
    const { agreements, cardVault, decryptor } = this.#deps;
    const cardType: CardType = record.payment_method === 'DEBIT_CARD' ? 'DEBIT_CARD' : 'CREDIT_CARD';
    const request = readVerifyRequest(body, { agreementId: record.agreement_id, phone: record.phone });
    if (request.kind === 'agreement') {
      const a = await agreements.findOfMerchant(merchant.id, request.usrPayAgreementId);
      if (!a || (request.usrBusiAgreementId && a.usr_busi_agreement_id !== request.usrBusiAgreementId)) {
        refuse('invalid_request', 'payer_agreement: no such agreement for this merchant');
      }
      if (a.card_type !== cardType) refuse('card_not_supported', `the agreement's card is a ${a.card_type}`);
      const stored = JSON.parse(cardVault.open(a.card_enc, `agreement:${a.usr_pay_agreement_id}`)) as CardData;
      return {
        data: { ...stored, phone: a.phone },
        fingerprint: a.card_fingerprint,
        agreementId: a.usr_pay_agreement_id,
      };
    }
    const decrypt = (field: string, value: string | undefined): string | undefined => {
      if (value === undefined) return undefined;
      try {
        return decryptor.decrypt(value, merchant.encryption).trim();
      } catch (error) {
        if (!(error instanceof FieldDecryptionError)) throw error;
        const scheme = merchant.encryption === 'oaep' ? 'RSA-OAEP, SHA-256, MGF1-SHA-256' : 'RSA PKCS#1 v1.5';
        return refuse(
          'invalid_request',
          `payer.payer_info.bank_card.${field} could not be decrypted: encrypt it with the platform certificate ` +
            `(${scheme}) and base64 it`,
        );
      }
    };
    const data = validateCard({
      cardType,
      number: decrypt('number', request.number),
      validDate: decrypt('valid_date', request.validDate),
      cvv2: decrypt('cvv2', request.cvv2),
      holderName: decrypt('payer_name', request.payerName),
      citizenIdType: request.citizenIdType,
      citizenIdNumber: decrypt('citizen_id_number', request.citizenIdNumber),
      phone: request.phone,
    });
    return { data, fingerprint: cardVault.fingerprint(`pan:${data.number}`) };
  }

  // ---- execute (bank debit) -----------------------------------------------------------------

  async execute(merchant: Merchant, paymentId: string, body: Record<string, unknown>, options: Resumable = {}) {
    if (options.resumed) {
      // The crashed first attempt of this very request paid it, was declined (answered 200
      // TRADE_FAIL), or the bank said it answers later: answer with the payment as that attempt
      // would have.
      const first = await this.#deps.paymentService.ofMerchant(merchant, paymentId);
      const answered = first.state === 'TRADE_SUCCESS' || first.state === 'TRADE_FAIL';
      if (answered || (first.state === 'WAIT_BUYER_PAY' && first.stage === 'bank_pending')) return first;
      // Cut off while it was with the bank, and nobody has finished it since: finish it now.
      const stalled = first.updated_at <= this.#deps.clock.now() - STALLED_EXECUTE_MS;
      if (first.state === 'WAIT_BUYER_PAY' && first.stage === 'processing' && stalled)
        return this.#settleWithBank(first);
    }
    const record = await this.#openForMerchant(merchant, paymentId);
    const code = verifyCodeOf(body);
    if (!code) refuse('invalid_request', 'payer.payer_info.verify_code is required');
    return this.#executeWithCode(record, code);
  }

  /** The hosted checkout's last card step: the payer types the SMS code. */
  async checkoutExecute(paymentId: string, code: string): Promise<PaymentRecord> {
    const record = await this.#deps.paymentService.openForPayer(paymentId);
    if (!checkoutMethods(record).some(isCardMethod)) refuse('invalid_request', 'this payment is not paid by card');
    if (!/^\d{4,8}$/.test(code.trim())) refuse('sms_code_incorrect');
    return this.#executeWithCode(record, code.trim());
  }

  async #executeWithCode(record: PaymentRecord, code: string): Promise<PaymentRecord> {
    const { store, payments, timeline, lifecycle, clock } = this.#deps;
    if (record.stage === 'processing' || record.stage === 'bank_pending') refuse('payment_in_process');
    if (record.stage !== 'sms_sent' || !record.sms_code_hash) {
      refuse('sms_code_missing', 'request a verification code first (verify)');
    }
    const now = clock.now();
    if (record.sms_code_expires_at !== null && record.sms_code_expires_at <= now) {
      refuse('sms_code_missing', 'the verification code has expired: request a new one');
    }

    const attempts = await store.write((trx) => payments.takeCodeAttempt(trx, record.id, MAX_WRONG_CODES));
    if (attempts === undefined) {
      // Another request changed the payment since we read it: say what it is now.
      const current = await this.#reread(record.id);
      if (current.state !== 'WAIT_BUYER_PAY') refuseFinal(current.state);
      if (current.stage === 'sms_sent') refuse('sms_code_locked');
      refuse('payment_in_process');
    }
    const expected = Buffer.from(record.sms_code_hash, 'hex');
    const actual = Buffer.from(this.#codeHash(record.id, code), 'hex');
    if (!timingSafeEqual(expected, actual)) {
      if (attempts >= MAX_WRONG_CODES) {
        await lifecycle.end(record, 'sms_sent', 'TRADE_FAIL', now, { failure: 'sms_code_locked' });
        refuse('sms_code_locked');
      }
      const detail = `${attempts}/${MAX_WRONG_CODES}`;
      await store.write((trx) => timeline.record(trx, { paymentId: record.id, type: 'wrong_code', detail }, now));
      const left = MAX_WRONG_CODES - attempts;
      refuse('sms_code_incorrect', `${left} attempts left`, { attemptsLeft: left });
    }

    // Claim the payment for this execution: only one concurrent execute gets past this move.
    const processing = await this.#moveStage(record.id, {
      from: 'sms_sent',
      to: 'processing',
      expect: { version: record.version },
      changes: { sms_code_hash: null },
      detail: 'the bank is asked to debit the card',
      now,
    });
    if (!processing) refuse('payment_in_process');
    return this.#debit(processing, now);
  }

  /**
   * Asks the bank to debit a `processing` payment with its sealed card and applies the answer: a
   * final one ends the payment, "pending" moves it to bank_pending (the CVV2 destroyed: the bank has
   * the card now). The bank's debit is idempotent per payment, so asking again is always safe.
   */
  async #debit(processing: PaymentRecord, now: number): Promise<PaymentRecord> {
    const { lifecycle, cardBank, cardVault } = this.#deps;
    const id = processing.id;
    if (!processing.card_secret_enc || !processing.card_fingerprint)
      throw new Error(`payment ${id} has no sealed card`);
    const card = JSON.parse(cardVault.open(processing.card_secret_enc, `payment:${id}`)) as CardData;
    const result = await cardBank.debit({
      paymentId: id,
      card,
      cardFingerprint: processing.card_fingerprint,
      amountFen: processing.total_cny_minor,
      now,
    });
    if (result.outcome === 'pending') return this.#awaitBank(processing, card, result.retryAt, now);
    const ended =
      result.outcome === 'success'
        ? await lifecycle.end(processing, 'processing', 'TRADE_SUCCESS', now, { card })
        : await lifecycle.end(processing, 'processing', 'TRADE_FAIL', now, { failure: result.reason });
    return ended ?? this.#reread(id);
  }

  /**
   * The bank has the card and answers later: `processing` -> bank_pending, asked again at `retryAt`.
   * The CVV2 is destroyed here; the rest of the card stays sealed until the bank's final answer, so
   * that a late success still issues the payer agreement.
   */
  async #awaitBank(processing: PaymentRecord, card: CardData, retryAt: number, now: number): Promise<PaymentRecord> {
    const { cardVault } = this.#deps;
    const id = processing.id;
    const { cvv2: _destroyed, ...withoutCvv2 } = card;
    const resealed = cardVault.seal(JSON.stringify(withoutCvv2), `payment:${id}`);
    const pending = await this.#moveStage(id, {
      from: 'processing',
      to: 'bank_pending',
      changes: { card_secret_enc: resealed, bank_resolve_at: retryAt },
      detail: 'the bank has not answered yet',
      now,
    });
    return pending ?? this.#reread(id);
  }

  /**
   * Settles a payment the bank owes an answer for: bank_pending past its bank_resolve_at, or an
   * execution cut off (a crash) while it was `processing`. The bank is asked about the debit; when it
   * has none (`unknown`: the execution never reached it), a cut-off execution is debited now with its
   * sealed card, as the payer asked. Returns the payment as it is afterwards.
   */
  async #settleWithBank(record: PaymentRecord): Promise<PaymentRecord> {
    const { store, payments, lifecycle, cardBank, cardVault, clock } = this.#deps;
    const now = clock.now();
    const result = await cardBank.inquire({
      paymentId: record.id,
      cardFingerprint: record.card_fingerprint ?? '',
      last4: record.card_last4 ?? '',
      amountFen: record.total_cny_minor,
      now,
    });
    const stage: PaymentStage = record.stage;
    if (result.outcome === 'unknown' && stage === 'processing' && record.card_secret_enc)
      return this.#debit(record, now);
    const sealed = record.card_secret_enc;
    const card = sealed ? (JSON.parse(cardVault.open(sealed, `payment:${record.id}`)) as CardData) : undefined;
    if (result.outcome === 'pending') {
      // A cut-off execution the bank has after all: it waits at bank_pending like any other.
      if (stage === 'processing' && card) return this.#awaitBank(record, card, result.retryAt, now);
      await store.write((trx) => payments.askBankAgainAt(trx, record.id, stage, result.retryAt));
      return record;
    }
    const ended =
      result.outcome === 'success'
        ? await lifecycle.end(record, stage, 'TRADE_SUCCESS', now, card ? { card } : {})
        : await lifecycle.end(record, stage, 'TRADE_FAIL', now, {
            failure: result.outcome === 'declined' ? result.reason : 'payer_declined',
          });
    return ended ?? this.#reread(record.id);
  }

  // ---- the bank's late answers ----------------------------------------------------------------

  /**
   * Asks the bank about payments it has not answered for (bank_pending past bank_resolve_at), and
   * about executions interrupted by a crash (processing for more than STALLED_EXECUTE_MS).
   */
  async resolveBankBatch(limit = 100): Promise<number> {
    const { payments, clock } = this.#deps;
    const now = clock.now();
    let resolved = 0;
    for (const record of await payments.awaitingBank(now, now - STALLED_EXECUTE_MS, limit)) {
      const after = await this.#settleWithBank(record);
      if (after.state !== 'WAIT_BUYER_PAY') resolved++;
    }
    return resolved;
  }

  // ---- internals --------------------------------------------------------------------------------

  /** The merchant's card payment paid with verify/execute, unpaid and not expired (or why not). */
  async #openForMerchant(merchant: Merchant, paymentId: string): Promise<PaymentRecord> {
    const { paymentService, lifecycle, clock } = this.#deps;
    const record = await paymentService.ofMerchant(merchant, paymentId);
    // A web payment (whatever its method, NOT_APPLICABLE included) is paid on the hosted checkout.
    if (isWebPayment(record)) {
      refuse(
        'invalid_request',
        `${record.interface_type} payments are paid on the hosted checkout page (the upay link), not with ` +
          `verify/execute`,
      );
    }
    if (!isCardMethod(record.payment_method)) {
      refuse('invalid_request', `${record.payment_method} payments are not paid with verify/execute`);
    }
    if (record.interface_type !== 'SERVER_TO_SERVER') {
      refuse('invalid_request', `${record.interface_type} payments are not paid with verify/execute`);
    }
    if (record.state === 'WAIT_BUYER_PAY' && record.expire_at <= clock.now()) {
      if (record.stage === 'created' || record.stage === 'sms_sent') {
        await lifecycle.closeIfExpired(record);
        refuse('payment_expired');
      }
    }
    if (record.state === 'WAIT_BUYER_PAY') return record;
    return refuseFinal(record.state);
  }

  async #reread(paymentId: string): Promise<PaymentRecord> {
    return (await this.#deps.payments.findById(paymentId)) ?? refuse('payment_not_found');
  }

  #codeHash(paymentId: string, code: string): string {
    return this.#deps.cardVault.fingerprint(`sms:${paymentId}:${code}`);
  }
}

function maskPhone(phone: string): string {
  return phone.slice(0, 3) + '****' + phone.slice(-4);
}
