/** Every SQL statement about the companies merchants register (enterprises), as typed EnterpriseRecords. */
import type { Insertable, Kysely } from 'kysely';
import type { Database, EnterprisesTable } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import { enterpriseRecordOf, type EnterpriseRank, type EnterpriseRecord } from './enterprise-record.ts';

export type NewEnterprise = Insertable<EnterprisesTable> & { readonly status: 'DISABLE'; readonly rank: null };

/** How a payment or a merchant names one of its companies: by our id or by the merchant's own. */
export interface EnterpriseRef {
  readonly id?: string | undefined;
  readonly externalId?: string | undefined;
}

/** The operator's decision on a company. */
export type EnterpriseReview =
  | { readonly decision: 'approve'; readonly rank: EnterpriseRank }
  | { readonly decision: 'reject'; readonly reason: string };

export class EnterpriseRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts a new company; a second one with the merchant's external id is a unique violation. */
  async insert(db: Trx, enterprise: NewEnterprise): Promise<EnterpriseRecord> {
    const row = await db.insertInto('enterprises').values(enterprise).returningAll().executeTakeFirstOrThrow();
    return enterpriseRecordOf(row);
  }

  /** A company by id, whichever merchant registered it (the operator's view). */
  async byId(id: string): Promise<EnterpriseRecord | undefined> {
    const row = await this.#db.selectFrom('enterprises').selectAll().where('id', '=', id).executeTakeFirst();
    return row && enterpriseRecordOf(row);
  }

  /** One of this merchant's companies, named by our id or by the merchant's external id. */
  async ofMerchant(merchantId: string, ref: EnterpriseRef): Promise<EnterpriseRecord | undefined> {
    if (ref.id === undefined && ref.externalId === undefined) return undefined;
    let query = this.#db.selectFrom('enterprises').selectAll().where('merchant_id', '=', merchantId);
    if (ref.id !== undefined) query = query.where('id', '=', ref.id);
    if (ref.externalId !== undefined) query = query.where('external_enterprise_id', '=', ref.externalId);
    const row = await query.executeTakeFirst();
    return row && enterpriseRecordOf(row);
  }

  /**
   * Records the operator's decision on a company that is still `DISABLE` (a guarded update: a company
   * already approved is not changed, and of two racing reviews one wins). Returns the company as it
   * is now, or undefined when no row was changed.
   */
  async review(db: Trx, id: string, review: EnterpriseReview, now: number): Promise<EnterpriseRecord | undefined> {
    const changes =
      review.decision === 'approve'
        ? { status: 'ENABLE', rank: review.rank, review_reason: null }
        : { status: 'DISABLE', rank: null, review_reason: review.reason };
    const row = await db
      .updateTable('enterprises')
      .set({ ...changes, reviewed_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'DISABLE')
      .returningAll()
      .executeTakeFirst();
    return row && enterpriseRecordOf(row);
  }
}
