/**
 * How a payment ends, whatever paid or failed it (the card bank, a wallet, the expiry, a locked SMS
 * code): one state move (lifecycle/state-mover.ts) to TRADE_SUCCESS, TRADE_FAIL or TRADE_CLOSED that
 * commits, in one transaction, the guarded update (destroying the sealed card and the SMS code), the
 * payer agreement a first successful card payment issues, the ledger entry of a success, the event
 * on the timeline and the signed `{"payment":{...}}` notification.
 *
 * A paid B2B payment's CNY is held (`funds_state` `held`, `funds_due_at` = paid time + the document
 * window) and its entry credits `b2b_held:<merchant>` instead of the merchant's payable, in the same
 * transaction: payments/held-funds.ts releases it or, past the window, cancels the payment.
 */
import type { Trx } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { SecretBox } from '../crypto/master-key.ts';
import { chinaDate } from '../time/china-time.ts';
import { newId } from '../store/ids.ts';
import type { Reason } from '../errors/domain-error.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import { postPaymentSuccess } from '../ledger/postings.ts';
import { last4 } from '../reference/cards.ts';
import type { CardData } from '../channels/channels.ts';
import type { PaymentRepository } from './payment-repository.ts';
import { agreementRef, type AgreementRepository } from './agreement-repository.ts';
import type { AgreementRef, PaymentRecord } from './payment-record.ts';
import { PAYMENT_MACHINE, type PaymentStage, type PaymentState } from './payment-state.ts';
import type { PaymentPresenter } from './payment-view.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';

/** Past its expiry, unpaid, and nobody is paying it (a payment at the bank waits for the bank's answer). */
export function expiredUnpaid(record: PaymentRecord, now: number): boolean {
  const idle = record.stage === 'created' || record.stage === 'sms_sent';
  return record.state === 'WAIT_BUYER_PAY' && record.expire_at <= now && idle;
}

export interface PaymentEnd {
  /** Why it failed or closed. */
  readonly failure?: Reason;
  /** The card of a card payment that succeeded (issues its payer agreement). */
  readonly card?: CardData;
  /** The method the payer used, when the payment did not fix it (hosted checkout, wallets). */
  readonly channel?: string;
}

export interface PaymentLifecycleDeps {
  readonly mover: StateMover;
  readonly payments: PaymentRepository;
  readonly agreements: AgreementRepository;
  readonly timeline: TimelineRepository;
  readonly presenter: PaymentPresenter;
  readonly cardVault: SecretBox;
  readonly clock: Clock;
  /** UMF_B2B_DOCUMENT_WINDOW: how long a paid B2B payment's documents may take to be approved. */
  readonly documentWindowMs: number;
}

export class PaymentLifecycle {
  readonly #deps: PaymentLifecycleDeps;
  constructor(deps: PaymentLifecycleDeps) {
    this.#deps = deps;
  }

  /** The payer agreement of a payment, for its view. */
  async agreementOf(record: PaymentRecord, db?: Trx): Promise<AgreementRef | undefined> {
    if (!record.agreement_id) return undefined;
    const agreement = await this.#deps.agreements.find(record.agreement_id, db);
    return agreement && agreementRef(agreement);
  }

  /** The payment object of a record (with its agreement): the API's answers, the pages' polling. */
  async present(record: PaymentRecord): Promise<Record<string, unknown>> {
    const { presenter } = this.#deps;
    return presenter.presented(record) ?? presenter.present(record, await this.agreementOf(record));
  }

  /**
   * Ends a payment that is still WAIT_BUYER_PAY at `fromStage` (see the header). The ended record,
   * or undefined when another request or process moved it first.
   */
  async end(record: PaymentRecord, fromStage: PaymentStage, state: PaymentState, now: number, end: PaymentEnd) {
    const { mover, payments, presenter } = this.#deps;
    let agreementId = record.agreement_id;
    let agreement: AgreementRef | undefined;
    const issues =
      state === 'TRADE_SUCCESS' && end.card !== undefined && record.card_fingerprint !== null && !agreementId;
    const held = state === 'TRADE_SUCCESS' && record.business_type === 'B2B';
    return mover.apply({
      machine: PAYMENT_MACHINE,
      from: { state: record.state, stage: fromStage },
      to: { state, stage: 'done' },
      now,
      before: issues
        ? async (trx) => {
            agreementId = await this.#issueAgreement(trx, record, end.card!, now);
          }
        : undefined,
      update: (trx) =>
        payments.move(
          trx,
          record.id,
          { state: record.state, stage: fromStage },
          { state, stage: 'done' },
          {
            card_secret_enc: null,
            sms_code_hash: null,
            bank_resolve_at: null,
            agreement_id: agreementId,
            execute_success_at: state === 'TRADE_SUCCESS' ? now : null,
            settle_date: state === 'TRADE_SUCCESS' ? chinaDate(now) : null,
            failure_reason: end.failure ?? null,
            failure_detail: null,
            ...(end.channel ? { channel: end.channel } : {}),
            ...(held ? { funds_state: 'held', funds_due_at: now + this.#deps.documentWindowMs } : {}),
          },
          now,
        ),
      after: async (trx, moved) => {
        if (state === 'TRADE_SUCCESS') {
          await postPaymentSuccess(trx, {
            paymentId: moved.id,
            merchantId: moved.merchant_id,
            cnyMinor: moved.total_cny_minor,
            now,
            held,
          });
        }
        agreement = await this.agreementOf(moved, trx);
      },
      event: (moved) => ({ paymentId: moved.id, type: state, detail: end.failure ?? null }),
      notification: (moved) => ({
        merchantId: moved.merchant_id,
        objectType: 'payment',
        objectId: moved.id,
        url: moved.notify_url,
        payload: { payment: presenter.presentAndKeep(moved, agreement) },
      }),
    });
  }

  /**
   * Closes one expired unpaid payment (TRADE_CLOSED, payment_expired) and notifies the merchant: the
   * closed record, or undefined when it had not expired or another process moved it first.
   */
  async closeIfExpired(record: PaymentRecord): Promise<PaymentRecord | undefined> {
    const now = this.#deps.clock.now();
    if (!expiredUnpaid(record, now)) return undefined;
    return this.end(record, record.stage, 'TRADE_CLOSED', now, { failure: 'payment_expired' });
  }

  /** The expiry job's pass: closes up to `limit` expired unpaid payments. */
  async closeExpiredBatch(limit = 200): Promise<number> {
    let closed = 0;
    for (const record of await this.#deps.payments.expired(this.#deps.clock.now(), limit)) {
      if (await this.closeIfExpired(record)) closed++;
    }
    return closed;
  }

  /**
   * The merchant's payer agreement for the card of `record`: the one it has, or a new one (the card
   * sealed without its CVV2, which is never kept). Written in the transaction of the payment's end.
   */
  async #issueAgreement(trx: Trx, record: PaymentRecord, card: CardData, now: number): Promise<string> {
    const { agreements, timeline, cardVault } = this.#deps;
    const fingerprint = record.card_fingerprint!;
    const existing = await agreements.findByCard(trx, record.merchant_id, fingerprint);
    if (existing) return existing;
    const payId = newId('P', now);
    const busiId = (await agreements.businessIdOfPhone(trx, record.merchant_id, card.phone)) ?? newId('UB', now);
    const { cvv2: _destroyed, ...keep } = card;
    const inserted = await agreements.insertUnlessCardKnown(trx, {
      usrPayAgreementId: payId,
      usrBusiAgreementId: busiId,
      merchantId: record.merchant_id,
      cardFingerprint: fingerprint,
      cardLast4: last4(card.number),
      cardType: card.cardType,
      gateId: record.bank_code ?? 'UNKNOWN',
      phone: card.phone,
      cardEnc: cardVault.seal(JSON.stringify(keep), `agreement:${payId}`),
      createdAt: now,
    });
    if (!inserted) return (await agreements.findByCard(trx, record.merchant_id, fingerprint))!;
    const detail = `${payId} for card ending ${last4(card.number)}`;
    await timeline.record(trx, { paymentId: record.id, type: 'agreement_issued', detail }, now);
    return payId;
  }
}
