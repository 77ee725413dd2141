/**
 * Every SQL statement of the sandbox parties: the SMS inbox (`sandbox_sms`), the card bank's accounts
 * and ledger (`sandbox_bank_accounts`, `sandbox_bank_ledger`) and the FX feed's rates (`fx_rates`).
 * These tables belong to the outside parties the sandbox plays, not to the platform.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { Db, Trx } from '../../store/database.ts';
import { newId } from '../../store/ids.ts';
import { PreparedQuery } from '../../store/prepared.ts';
import { minorOf, numberOf } from '../../store/records.ts';

export interface SandboxSms {
  readonly phone: string;
  readonly code: string;
  readonly paymentId: string;
  readonly sentAt: number;
}

const rateOf = new PreparedQuery<[currency: string], { rate: string; updated_at: number | string | bigint }>(
  1,
  (db, [currency]) => db.selectFrom('fx_rates').select(['rate', 'updated_at']).where('currency', '=', currency),
);

export class SandboxRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  // ---- SMS inbox -----------------------------------------------------------------------------

  async saveSms(db: Trx, sms: SandboxSms): Promise<void> {
    await db
      .insertInto('sandbox_sms')
      .values({
        id: newId('SMS_', sms.sentAt),
        phone: sms.phone,
        code: sms.code,
        payment_id: sms.paymentId,
        sent_at: sms.sentAt,
      })
      .execute();
  }

  /** The messages sent to a phone, newest first; with `merchantId`, only those about its payments. */
  async smsTo(phone: string, limit: number, merchantId?: string): Promise<SandboxSms[]> {
    const rows = await this.#db
      .selectFrom('sandbox_sms')
      .selectAll()
      .where('phone', '=', phone)
      .$if(merchantId !== undefined, (qb) =>
        qb.where('payment_id', 'in', (eb) =>
          eb.selectFrom('payments').select('payments.id').where('payments.merchant_id', '=', merchantId!),
        ),
      )
      .orderBy('sent_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ phone: r.phone, code: r.code, paymentId: r.payment_id, sentAt: numberOf(r.sent_at) }));
  }

  /** The newest message sent to `phone` about one payment (the sandbox checkout shows its code). */
  async latestSmsOf(paymentId: string, phone: string): Promise<SandboxSms | undefined> {
    const row = await this.#db
      .selectFrom('sandbox_sms')
      .selectAll()
      .where('phone', '=', phone)
      .where('payment_id', '=', paymentId)
      .orderBy('sent_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { phone: row.phone, code: row.code, paymentId: row.payment_id, sentAt: numberOf(row.sent_at) };
  }

  // ---- card bank ----------------------------------------------------------------------------

  async hasDebited(paymentId: string, db: Db = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom('sandbox_bank_ledger')
      .select('id')
      .where('payment_id', '=', paymentId)
      .where('kind', '=', 'debit')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Opens the card's account with `openingFen` unless it has one. */
  async openAccount(db: Trx, cardFingerprint: string, openingFen: bigint, now: number): Promise<void> {
    await db
      .insertInto('sandbox_bank_accounts')
      .values({ card_fingerprint: cardFingerprint, balance_minor: openingFen, updated_at: now })
      .onConflict((oc) => oc.column('card_fingerprint').doNothing())
      .execute();
  }

  /** Takes `amountFen` off the card's account if it holds that much; false otherwise. */
  async debitAccount(db: Trx, cardFingerprint: string, amountFen: bigint, now: number): Promise<boolean> {
    const debited = await db
      .updateTable('sandbox_bank_accounts')
      .set({ balance_minor: sql<bigint>`balance_minor - ${amountFen}`, updated_at: now })
      .where('card_fingerprint', '=', cardFingerprint)
      .where('balance_minor', '>=', amountFen)
      .executeTakeFirst();
    return debited.numUpdatedRows === 1n;
  }

  async creditAccount(db: Trx, cardFingerprint: string, amountFen: bigint, now: number): Promise<void> {
    await db
      .updateTable('sandbox_bank_accounts')
      .set({ balance_minor: sql<bigint>`balance_minor + ${amountFen}`, updated_at: now })
      .where('card_fingerprint', '=', cardFingerprint)
      .execute();
  }

  /**
   * Books a debit or refund of the bank's ledger, once per (object, kind) (a unique constraint):
   * false when it was booked before.
   */
  async book(
    db: Trx,
    entry: {
      cardFingerprint: string;
      objectId: string;
      amountFen: bigint;
      /** debit: a payment; refund: a refund (by refund id); return: a cancelled payment's money back. */
      kind: 'debit' | 'refund' | 'return';
      at: number;
    },
  ): Promise<boolean> {
    const booked = await db
      .insertInto('sandbox_bank_ledger')
      .values({
        id: newId('BNK_', entry.at),
        card_fingerprint: entry.cardFingerprint,
        payment_id: entry.objectId,
        amount_minor: entry.amountFen,
        kind: entry.kind,
        at: entry.at,
      })
      .onConflict((oc) => oc.columns(['payment_id', 'kind']).doNothing())
      .executeTakeFirst();
    return booked.numInsertedOrUpdatedRows === 1n;
  }

  /** The account a payment was debited from, and how much (the online bank's refunds and returns go back there). */
  async debitOf(
    paymentId: string,
    db: Db = this.#db,
  ): Promise<{ account: string; amountFen: bigint; at: number } | undefined> {
    const row = await db
      .selectFrom('sandbox_bank_ledger')
      .select(['card_fingerprint', 'amount_minor', 'at'])
      .where('payment_id', '=', paymentId)
      .where('kind', '=', 'debit')
      .executeTakeFirst();
    return row && { account: row.card_fingerprint, amountFen: minorOf(row.amount_minor), at: numberOf(row.at) };
  }

  /** An account's balance (CNY fen), or undefined when it was never opened. */
  async balanceOf(account: string, db: Db = this.#db): Promise<bigint | undefined> {
    const row = await db
      .selectFrom('sandbox_bank_accounts')
      .select('balance_minor')
      .where('card_fingerprint', '=', account)
      .executeTakeFirst();
    return row && minorOf(row.balance_minor);
  }

  // ---- FX feed ------------------------------------------------------------------------------

  async rate(currency: string): Promise<{ rate: string; updatedAt: number } | undefined> {
    const row = await rateOf.takeFirst(this.#db, currency);
    return row && { rate: row.rate, updatedAt: numberOf(row.updated_at) };
  }

  async setRate(db: Trx, currency: string, rate: string, now: number): Promise<void> {
    await db
      .insertInto('fx_rates')
      .values({ currency, rate, source: 'operator', updated_at: now })
      .onConflict((oc) => oc.column('currency').doUpdateSet({ rate, source: 'operator', updated_at: now }))
      .execute();
  }
}
