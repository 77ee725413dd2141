/** Every SQL statement about customs declarations, as typed CustomsRecords. */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { CustomsDeclarationsTable, Database } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import { numberOf } from '../store/records.ts';
import type { Reason } from '../errors/domain-error.ts';
import { customsRecordOf, type CustomsRecord, type CustomsState } from './customs-record.ts';

export type NewDeclaration = Insertable<CustomsDeclarationsTable> & {
  readonly state: 'ACCEPTED';
  readonly failure_reason: null;
};

export type CustomsChanges = Omit<Updateable<CustomsDeclarationsTable>, 'id' | 'state' | 'updated_at'> & {
  readonly failure_reason?: Reason | null;
};

/** A line of the customs list file: a declaration with its payment's order number. */
export interface CustomsListRow {
  readonly id: string;
  readonly paymentId: string;
  readonly merReferenceId: string;
  readonly merDate: string;
  readonly merSubReferenceId: string;
  readonly customsId: string;
  readonly merCustomsCode: string;
  readonly ecPlatId: string;
  readonly declarationJson: string;
  readonly state: string;
  readonly customsClearanceDate: string;
  readonly updatedAt: number;
}

export class CustomsRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(db: Trx, declaration: NewDeclaration): Promise<CustomsRecord> {
    const row = await db
      .insertInto('customs_declarations')
      .values(declaration)
      .returningAll()
      .executeTakeFirstOrThrow();
    return customsRecordOf(row);
  }

  /** The declarations of a payment, oldest first. */
  async ofPayment(paymentId: string): Promise<CustomsRecord[]> {
    const rows = await this.#db
      .selectFrom('customs_declarations')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(customsRecordOf);
  }

  /** A merchant's declaration; undefined for an unknown id and for another merchant's alike. */
  async findOfMerchant(merchantId: string, declarationId: string): Promise<CustomsRecord | undefined> {
    const row = await this.#db
      .selectFrom('customs_declarations')
      .selectAll()
      .where('id', '=', declarationId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && customsRecordOf(row);
  }

  /** The sub-order's declaration that has not failed, if any (at most one: a partial unique index). */
  async liveOf(paymentId: string, merSubReferenceId: string): Promise<{ id: string; state: string } | undefined> {
    return this.#db
      .selectFrom('customs_declarations')
      .select(['id', 'state'])
      .where('payment_id', '=', paymentId)
      .where('mer_sub_reference_id', '=', merSubReferenceId)
      .where('state', '<>', 'FAIL')
      .executeTakeFirst();
  }

  /** Moves a declaration from `from` to `to`, only while it is still in `from`. */
  async move(
    db: Trx,
    declarationId: string,
    from: CustomsState,
    to: CustomsState,
    changes: CustomsChanges,
    now: number,
  ) {
    const row = await db
      .updateTable('customs_declarations')
      .set({ ...changes, state: to, updated_at: now })
      .where('id', '=', declarationId)
      .where('state', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row && customsRecordOf(row);
  }

  /** When to try the declaration's next step again (it is still in `state`). */
  async retryAt(db: Trx, declarationId: string, state: CustomsState, at: number): Promise<void> {
    await db
      .updateTable('customs_declarations')
      .set({ resolve_at: at })
      .where('id', '=', declarationId)
      .where('state', '=', state)
      .execute();
  }

  /** ACCEPTED and SUBMITED declarations whose next step is due, the longest waiting first. */
  async due(now: number, limit: number): Promise<CustomsRecord[]> {
    const rows = await this.#db
      .selectFrom('customs_declarations')
      .selectAll()
      .where('state', 'in', ['ACCEPTED', 'SUBMITED'])
      .where('resolve_at', '<=', now)
      .orderBy('resolve_at')
      .limit(limit)
      .execute();
    return rows.map(customsRecordOf);
  }

  /** The merchant's declarations made on a China date, oldest first. */
  async madeOn(merchantId: string, customsDate: string): Promise<CustomsListRow[]> {
    const rows = await this.#db
      .selectFrom('customs_declarations as c')
      .innerJoin('payments as p', 'p.id', 'c.payment_id')
      .select([
        'c.id',
        'c.payment_id',
        'p.mer_reference_id',
        'p.mer_date',
        'c.mer_sub_reference_id',
        'c.customs_id',
        'c.mer_customs_code',
        'c.ec_plat_id',
        'c.declaration_json',
        'c.state',
        'c.customs_clearance_date',
        'c.updated_at',
      ])
      .where('c.merchant_id', '=', merchantId)
      .where('c.customs_clearance_date', '=', customsDate)
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      paymentId: r.payment_id,
      merReferenceId: r.mer_reference_id,
      merDate: r.mer_date,
      merSubReferenceId: r.mer_sub_reference_id,
      customsId: r.customs_id,
      merCustomsCode: r.mer_customs_code,
      ecPlatId: r.ec_plat_id,
      declarationJson: r.declaration_json,
      state: r.state,
      customsClearanceDate: r.customs_clearance_date,
      updatedAt: numberOf(r.updated_at),
    }));
  }
}
