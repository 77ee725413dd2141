/**
 * The sandbox card-issuing bank. Deterministic test cards (README "Test cards"):
 * - a number failing the Luhn check: 00060875 (checked by the platform before the bank);
 * - 16-digit numbers are credit cards and 19-digit numbers debit cards, as UnionPay issues them;
 *   a card of the other type than the payment's payment_method: 00060076;
 * - last four 0003: card expired (00200026) at SMS verification;
 * - last four 0004: card information incorrect (00200025) at SMS verification;
 * - last four 0002: the debit is declined for insufficient balance (00060730);
 * - last four 0005: the bank answers late: the debit stays pending and succeeds 5 s later;
 * - anything else succeeds while the card's sandbox account has the money (every card starts with
 *   CNY 1,000,000.00).
 * Debits are written to the bank's own ledger, at most once per payment (unique constraint).
 * Refunds are answered as sandbox-refunds.ts describes (success after 2 s; amounts ending in .13 are
 * refused); a successful refund credits the card's account once (kind 'refund', keyed by refund id).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { RET } from '../../errors/catalogue.ts';
import { newId } from '../../store/ids.ts';
import { expiryEnd, last4 } from '../../payments/cards.ts';
import type { CardBank, CardCheck, CardData, DebitResult, RefundRequest, RefundResult } from '../channels.ts';
import { SANDBOX_REFUND_DELAY_MS, sandboxRefundOutcome } from './sandbox-refunds.ts';

export const SANDBOX_OPENING_BALANCE_FEN = 100_000_000n;
export const LATE_BANK_DELAY_MS = 5_000;

export class SandboxCardBank implements CardBank {
  readonly #db: Kysely<Database>;
  readonly #lateDelayMs: number;
  readonly #refundDelayMs: number;
  constructor(db: Kysely<Database>, options: { lateDelayMs?: number; refundDelayMs?: number } = {}) {
    this.#db = db;
    this.#lateDelayMs = options.lateDelayMs ?? LATE_BANK_DELAY_MS;
    this.#refundDelayMs = options.refundDelayMs ?? SANDBOX_REFUND_DELAY_MS;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = sandboxRefundOutcome(request, this.#refundDelayMs);
    if (result.outcome !== 'success') return result;
    if (!request.cardFingerprint) return { outcome: 'failed', error: RET.REFUND_REQUEST_FAILED };
    const fingerprint = request.cardFingerprint;
    await this.#db.transaction().execute(async (trx) => {
      const booked = await trx
        .insertInto('sandbox_bank_ledger')
        .values({
          id: newId('BNK_'),
          card_fingerprint: fingerprint,
          payment_id: request.refundId,
          amount_minor: request.amountFen,
          kind: 'refund',
          at: request.now,
        })
        .onConflict((oc) => oc.columns(['payment_id', 'kind']).doNothing())
        .executeTakeFirst();
      if (booked.numInsertedOrUpdatedRows !== 1n) return;
      await trx
        .insertInto('sandbox_bank_accounts')
        .values({ card_fingerprint: fingerprint, balance_minor: SANDBOX_OPENING_BALANCE_FEN, updated_at: request.now })
        .onConflict((oc) => oc.column('card_fingerprint').doNothing())
        .execute();
      await trx
        .updateTable('sandbox_bank_accounts')
        .set({ balance_minor: sql<bigint>`balance_minor + ${request.amountFen}`, updated_at: request.now })
        .where('card_fingerprint', '=', fingerprint)
        .execute();
    });
    return result;
  }

  async checkCard(card: CardData, now: number): Promise<CardCheck> {
    const expectedLength = card.cardType === 'CREDIT_CARD' ? 16 : 19;
    if (card.number.length !== expectedLength) return { ok: false, error: RET.CARD_UNSUPPORTED };
    const tail = last4(card.number);
    if (tail === '0003') return { ok: false, error: RET.CARD_EXPIRED };
    if (tail === '0004') return { ok: false, error: RET.CARD_INFO_INCORRECT };
    if (card.cardType === 'CREDIT_CARD') {
      if (!card.cvv2 || !/^\d{3}$/.test(card.cvv2)) return { ok: false, error: RET.CARD_INFO_INCORRECT };
      const end = card.validDate ? expiryEnd(card.validDate) : undefined;
      if (end === undefined) return { ok: false, error: RET.CARD_INFO_INCORRECT };
      if (end <= now) return { ok: false, error: RET.CARD_EXPIRED };
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
    if (tail === '0002') return { outcome: 'declined', error: RET.INSUFFICIENT_BALANCE };
    if (tail === '0005') return { outcome: 'pending', retryAt: request.now + this.#lateDelayMs };
    return this.#book(request.paymentId, request.cardFingerprint, request.amountFen, request.now);
  }

  async inquire(request: {
    paymentId: string;
    cardFingerprint: string;
    last4: string;
    now: number;
  }): Promise<DebitResult> {
    const done = await this.#db
      .selectFrom('sandbox_bank_ledger')
      .select('id')
      .where('payment_id', '=', request.paymentId)
      .where('kind', '=', 'debit')
      .executeTakeFirst();
    if (done) return { outcome: 'success' };
    if (request.last4 === '0005') {
      const amount = await this.#db
        .selectFrom('payments')
        .select('total_cny_minor')
        .where('id', '=', request.paymentId)
        .executeTakeFirst();
      if (!amount) return { outcome: 'declined', error: RET.PAYMENT_FAILED_TO_PAY };
      return this.#book(request.paymentId, request.cardFingerprint, BigInt(amount.total_cny_minor), request.now);
    }
    return { outcome: 'declined', error: RET.PAYMENT_FAILED_TO_PAY };
  }

  async #book(paymentId: string, fingerprint: string, amountFen: bigint, now: number): Promise<DebitResult> {
    return this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('sandbox_bank_ledger')
        .select('id')
        .where('payment_id', '=', paymentId)
        .where('kind', '=', 'debit')
        .executeTakeFirst();
      if (existing) return { outcome: 'success' } as const;
      await trx
        .insertInto('sandbox_bank_accounts')
        .values({ card_fingerprint: fingerprint, balance_minor: SANDBOX_OPENING_BALANCE_FEN, updated_at: now })
        .onConflict((oc) => oc.column('card_fingerprint').doNothing())
        .execute();
      const debited = await trx
        .updateTable('sandbox_bank_accounts')
        .set({ balance_minor: sql<bigint>`balance_minor - ${amountFen}`, updated_at: now })
        .where('card_fingerprint', '=', fingerprint)
        .where('balance_minor', '>=', amountFen)
        .executeTakeFirst();
      if (debited.numUpdatedRows !== 1n) return { outcome: 'declined', error: RET.INSUFFICIENT_BALANCE } as const;
      await trx
        .insertInto('sandbox_bank_ledger')
        .values({
          id: newId('BNK_'),
          card_fingerprint: fingerprint,
          payment_id: paymentId,
          amount_minor: amountFen,
          kind: 'debit',
          at: now,
        })
        .execute();
      return { outcome: 'success' } as const;
    });
  }
}
