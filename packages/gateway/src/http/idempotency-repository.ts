/** Every SQL statement about Idempotency-Keys (http/idempotency.ts). */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import { numberOf } from '../store/records.ts';

export interface IdempotencyRecord {
  readonly merchantId: string;
  readonly key: string;
  readonly requestHash: string;
  readonly state: 'in_flight' | 'done';
  readonly httpStatus: number | null;
  readonly responseBody: string | null;
  readonly createdAt: number;
}

export class IdempotencyRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Claims a new key for a request; false when the merchant already has the key. */
  async claim(db: Trx, merchantId: string, key: string, requestHash: string, now: number): Promise<boolean> {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        merchant_id: merchantId,
        idem_key: key,
        request_hash: requestHash,
        state: 'in_flight',
        http_status: null,
        response_body: null,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['merchant_id', 'idem_key']).doNothing())
      .executeTakeFirst();
    return inserted.numInsertedOrUpdatedRows === 1n;
  }

  async find(merchantId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('idem_key', '=', key)
      .executeTakeFirst();
    return (
      row && {
        merchantId: row.merchant_id,
        key: row.idem_key,
        requestHash: row.request_hash,
        state: row.state === 'done' ? 'done' : 'in_flight',
        httpStatus: row.http_status === null ? null : numberOf(row.http_status),
        responseBody: row.response_body,
        createdAt: numberOf(row.created_at),
      }
    );
  }

  /** Takes over a key last claimed at `claimedAt` (expired, or left in flight by a crash). */
  async takeOver(db: Trx, record: IdempotencyRecord, requestHash: string, now: number): Promise<boolean> {
    const taken = await db
      .updateTable('idempotency_keys')
      .set({ request_hash: requestHash, state: 'in_flight', http_status: null, response_body: null, created_at: now })
      .where('merchant_id', '=', record.merchantId)
      .where('idem_key', '=', record.key)
      .where('created_at', '=', record.createdAt)
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n;
  }

  async complete(db: Trx, merchantId: string, key: string, httpStatus: number, responseBody: string): Promise<void> {
    await db
      .updateTable('idempotency_keys')
      .set({ state: 'done', http_status: httpStatus, response_body: responseBody })
      .where('merchant_id', '=', merchantId)
      .where('idem_key', '=', key)
      .execute();
  }

  async release(db: Trx, merchantId: string, key: string): Promise<void> {
    await db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('idem_key', '=', key).execute();
  }
}
