/** Every SQL statement about the `refunds` table, as typed RefundRecords. */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, RefundsTable } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import type { Reason } from '../errors/domain-error.ts';
import { refundRecordOf, type RefundRecord, type RefundState } from './refund-record.ts';

export type NewRefund = Insertable<RefundsTable> & { readonly state: RefundState; readonly failure_reason: null };

export type RefundChanges = Omit<Updateable<RefundsTable>, 'id' | 'state' | 'updated_at'> & {
  readonly failure_reason?: Reason | null;
};

export class RefundRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts the refund and returns it as stored. */
  async insert(db: Trx, refund: NewRefund): Promise<RefundRecord> {
    return refundRecordOf(await db.insertInto('refunds').values(refund).returningAll().executeTakeFirstOrThrow());
  }

  /** A merchant's refund; undefined for an unknown id and for another merchant's refund alike. */
  async findOfMerchant(merchantId: string, refundId: string): Promise<RefundRecord | undefined> {
    const row = await this.#db
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', refundId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && refundRecordOf(row);
  }

  /** The refunds of a payment, oldest first. */
  async ofPayment(paymentId: string): Promise<RefundRecord[]> {
    const rows = await this.#db
      .selectFrom('refunds')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(refundRecordOf);
  }

  async findById(refundId: string): Promise<RefundRecord | undefined> {
    const row = await this.#db.selectFrom('refunds').selectAll().where('id', '=', refundId).executeTakeFirst();
    return row && refundRecordOf(row);
  }

  /** The merchant's refund of this refund number (mer_reference_id + mer_date). */
  async findByReference(
    merchantId: string,
    merReferenceId: string,
    merDate: string,
  ): Promise<RefundRecord | undefined> {
    const row = await this.#db
      .selectFrom('refunds')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('mer_reference_id', '=', merReferenceId)
      .where('mer_date', '=', merDate)
      .executeTakeFirst();
    return row && refundRecordOf(row);
  }

  /** Moves a refund from `from` to `to`, only while it is still in `from`: the moved record or undefined. */
  async move(db: Trx, refundId: string, from: RefundState, to: RefundState, changes: RefundChanges, now: number) {
    const row = await db
      .updateTable('refunds')
      .set({ ...changes, state: to, updated_at: now })
      .where('id', '=', refundId)
      .where('state', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row && refundRecordOf(row);
  }

  /** When to ask the channel again about a refund still in REFUND_PROCESS. */
  async askAgainAt(db: Trx, refundId: string, at: number): Promise<void> {
    await db
      .updateTable('refunds')
      .set({ resolve_at: at })
      .where('id', '=', refundId)
      .where('state', '=', 'REFUND_PROCESS')
      .execute();
  }

  /** REFUND_PROCESS refunds whose channel answer is due, the longest waiting first. */
  async due(now: number, limit: number): Promise<RefundRecord[]> {
    const rows = await this.#db
      .selectFrom('refunds')
      .selectAll()
      .where('state', '=', 'REFUND_PROCESS')
      .where('resolve_at', '<=', now)
      .orderBy('resolve_at')
      .limit(limit)
      .execute();
    return rows.map(refundRecordOf);
  }
}
