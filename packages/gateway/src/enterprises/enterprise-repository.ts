/** Every SQL statement about the companies merchants register (enterprises), as typed EnterpriseRecords. */
import type { Insertable, Kysely } from 'kysely';
import type { Database, EnterprisesTable } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import {
  enterpriseRecordOf,
  type EnterpriseRank,
  type EnterpriseRecord,
  type EnterpriseStatus,
} from './enterprise-record.ts';

export type NewEnterprise = Insertable<EnterprisesTable> & { readonly status: 'DISABLE'; readonly rank: null };

/** How a payment or a merchant names one of its companies: by our id or by the merchant's own. */
export interface EnterpriseRef {
  readonly id?: string | undefined;
  readonly externalId?: string | undefined;
}

/**
 * The operator's list (`enterprise list`, the console): oldest first (the review queue), at most
 * `limit`, after the company `after` (keyset paging on created_at, id: the last one of the page before).
 */
export interface EnterpriseSearch {
  readonly merchantId?: string | undefined;
  readonly status?: EnterpriseStatus | undefined;
  readonly limit: number;
  readonly after?: { readonly createdAt: number; readonly id: string } | undefined;
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

  /** Companies for the operator, oldest first, with the filters and the page of `search`. */
  async search(search: EnterpriseSearch): Promise<EnterpriseRecord[]> {
    let query = this.#db.selectFrom('enterprises').selectAll();
    if (search.merchantId !== undefined) query = query.where('merchant_id', '=', search.merchantId);
    if (search.status !== undefined) query = query.where('status', '=', search.status);
    const after = search.after;
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy('created_at').orderBy('id').limit(search.limit).execute();
    return rows.map(enterpriseRecordOf);
  }

  /**
   * Records the operator's decision on a company that is still `DISABLE` (a guarded update: a company
   * already approved is not changed, and of two racing reviews one wins). With `seen` (the
   * `updated_at` of the company as the reviewer read it), the row must still be that version: a
   * rejection recorded in between makes a later approval lose too. `updated_at` moves forward by at
   * least 1 ms at each review, so it serves as the row's version even on a clock that stands still.
   * Returns the company as it is now, or undefined when no row was changed.
   */
  async review(
    db: Trx,
    id: string,
    review: EnterpriseReview,
    now: number,
    seen?: { readonly updatedAt: number },
  ): Promise<EnterpriseRecord | undefined> {
    const changes =
      review.decision === 'approve'
        ? { status: 'ENABLE', rank: review.rank, review_reason: null }
        : { status: 'DISABLE', rank: null, review_reason: review.reason };
    const updatedAt = seen === undefined ? now : Math.max(now, seen.updatedAt + 1);
    let query = db
      .updateTable('enterprises')
      .set({ ...changes, reviewed_at: now, updated_at: updatedAt })
      .where('id', '=', id)
      .where('status', '=', 'DISABLE');
    if (seen !== undefined) query = query.where('updated_at', '=', seen.updatedAt);
    const row = await query.returningAll().executeTakeFirst();
    return row && enterpriseRecordOf(row);
  }
}
