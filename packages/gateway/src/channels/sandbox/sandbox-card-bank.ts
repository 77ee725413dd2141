/**
 * The sandbox card-issuing bank. Deterministic test cards (README "Test cards"):
 * - a number failing the Luhn check: 00060875 (checked by the platform before the bank);
 * - 16-digit numbers are credit cards and 19-digit numbers debit cards, as UnionPay issues them;
 *   a card of the other type than the payment's payment_method: card_not_supported (00060076);
 * - last four 0003: card_expired (00200026) at SMS verification;
 * - last four 0004: card_info_incorrect (00200025) at SMS verification;
 * - last four 0002: the debit is declined, insufficient_funds (00060730);
 * - last four 0005: the bank answers late: the debit stays pending and succeeds 5 s later;
 * - anything else succeeds while the card's sandbox account has the money (every card starts with
 *   CNY 1,000,000.00).
 * Debits are written to the bank's own ledger, at most once per payment (unique constraint).
 * Refunds are answered as sandbox-refunds.ts describes (success after 2 s; amounts ending in .13 are
 * refused); a successful refund credits the card's account once (kind 'refund', keyed by refund id).
 */
import type { Store } from '../../store/database.ts';
import { expiryEnd, last4 } from '../../reference/cards.ts';
import type {
  CardBank,
  CardCheck,
  CardData,
  DebitResult,
  InquiryResult,
  RefundRequest,
  RefundResult,
} from '../channels.ts';
import type { SandboxRepository } from './sandbox-repository.ts';
import { SANDBOX_REFUND_DELAY_MS, sandboxRefundOutcome } from './sandbox-refunds.ts';

export const SANDBOX_OPENING_BALANCE_FEN = 100_000_000n;
export const LATE_BANK_DELAY_MS = 5_000;

export interface SandboxCardBankDeps {
  readonly store: Store;
  readonly sandbox: SandboxRepository;
  readonly lateDelayMs?: number | undefined;
  readonly refundDelayMs?: number | undefined;
}

export class SandboxCardBank implements CardBank {
  readonly #deps: SandboxCardBankDeps;
  readonly #lateDelayMs: number;
  readonly #refundDelayMs: number;
  constructor(deps: SandboxCardBankDeps) {
    this.#deps = deps;
    this.#lateDelayMs = deps.lateDelayMs ?? LATE_BANK_DELAY_MS;
    this.#refundDelayMs = deps.refundDelayMs ?? SANDBOX_REFUND_DELAY_MS;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = sandboxRefundOutcome(request, this.#refundDelayMs);
    if (result.outcome !== 'success') return result;
    if (!request.cardFingerprint) return { outcome: 'failed', reason: 'refund_refused' };
    const fingerprint = request.cardFingerprint;
    const { store, sandbox } = this.#deps;
    await store.write(async (trx) => {
      const entry = { cardFingerprint: fingerprint, objectId: request.refundId, amountFen: request.amountFen };
      if (!(await sandbox.book(trx, { ...entry, kind: 'refund', at: request.now }))) return;
      await sandbox.openAccount(trx, fingerprint, SANDBOX_OPENING_BALANCE_FEN, request.now);
      await sandbox.creditAccount(trx, fingerprint, request.amountFen, request.now);
    });
    return result;
  }

  async checkCard(card: CardData, now: number): Promise<CardCheck> {
    const expectedLength = card.cardType === 'CREDIT_CARD' ? 16 : 19;
    if (card.number.length !== expectedLength) return { ok: false, reason: 'card_not_supported' };
    const tail = last4(card.number);
    if (tail === '0003') return { ok: false, reason: 'card_expired' };
    if (tail === '0004') return { ok: false, reason: 'card_info_incorrect' };
    if (card.cardType === 'CREDIT_CARD') {
      if (!card.cvv2 || !/^\d{3}$/.test(card.cvv2)) return { ok: false, reason: 'card_info_incorrect' };
      const end = card.validDate ? expiryEnd(card.validDate) : undefined;
      if (end === undefined) return { ok: false, reason: 'card_info_incorrect' };
      if (end <= now) return { ok: false, reason: 'card_expired' };
    }
    return { ok: true };
  }

  async debit(request: {
    paymentId: string;
    card: CardData;
    cardFingerprint: string;
    amountFen: bigint;
    now: number;
  }): Promise<DebitResult> {
    const tail = last4(request.card.number);
    if (tail === '0002') return { outcome: 'declined', reason: 'insufficient_funds' };
    if (tail === '0005') return { outcome: 'pending', retryAt: request.now + this.#lateDelayMs };
    return this.#book(request.paymentId, request.cardFingerprint, request.amountFen, request.now);
  }

  async inquire(request: {
    paymentId: string;
    cardFingerprint: string;
    last4: string;
    amountFen: bigint;
    now: number;
  }): Promise<InquiryResult> {
    if (await this.#deps.sandbox.hasDebited(request.paymentId)) return { outcome: 'success' };
    if (request.last4 === '0005')
      return this.#book(request.paymentId, request.cardFingerprint, request.amountFen, request.now);
    return { outcome: 'unknown' };
  }

  async #book(paymentId: string, fingerprint: string, amountFen: bigint, now: number): Promise<DebitResult> {
    const { store, sandbox } = this.#deps;
    return store.write(async (trx): Promise<DebitResult> => {
      if (await sandbox.hasDebited(paymentId, trx)) return { outcome: 'success' };
      await sandbox.openAccount(trx, fingerprint, SANDBOX_OPENING_BALANCE_FEN, now);
      if (!(await sandbox.debitAccount(trx, fingerprint, amountFen, now))) {
        return { outcome: 'declined', reason: 'insufficient_funds' };
      }
      await sandbox.book(trx, { cardFingerprint: fingerprint, objectId: paymentId, amountFen, kind: 'debit', at: now });
      return { outcome: 'success' };
    });
  }
}
