/** Every SQL statement about `b2b_documents`, as typed DocumentRecords. Status changes are guarded updates. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Db, Trx } from '../store/database.ts';
import { numberOf } from '../store/records.ts';
import { documentRecordOf, type DocumentEntry, type DocumentRecord, type DocumentStatus } from './document-record.ts';

export interface NewDocument {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly fileName: string;
  readonly sequence: number;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly entries: readonly DocumentEntry[];
  /** Relative to the data directory. */
  readonly storedPath: string;
  readonly createdAt: number;
}

/** What the reviewer looks for: every field optional but `limit`. */
export interface DocumentSearch {
  readonly id?: string | undefined;
  readonly paymentId?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly status?: DocumentStatus | undefined;
  readonly limit: number;
}

/** A document with what the reviewer needs of its payment. */
export interface DocumentListing extends DocumentRecord {
  readonly payment: {
    readonly state: string;
    readonly fundsState: string | null;
    /** The end of the document window (epoch ms), for a held payment. */
    readonly fundsDueAt: number | null;
    readonly merReferenceId: string;
    readonly merDate: string;
  };
}

export class DocumentRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(db: Trx, d: NewDocument): Promise<DocumentRecord> {
    const row = await db
      .insertInto('b2b_documents')
      .values({
        id: d.id,
        merchant_id: d.merchantId,
        payment_id: d.paymentId,
        file_name: d.fileName,
        sequence: d.sequence,
        size_bytes: d.sizeBytes,
        sha256: d.sha256,
        entries_json: JSON.stringify(d.entries),
        stored_path: d.storedPath,
        status: 'pending',
        review_reason: null,
        reviewed_at: null,
        created_at: d.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return documentRecordOf(row);
  }

  async findById(id: string, db: Db = this.#db): Promise<DocumentRecord | undefined> {
    const row = await db.selectFrom('b2b_documents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && documentRecordOf(row);
  }

  /** The merchant's uploads (its FTP folder), oldest first. */
  async ofMerchant(merchantId: string): Promise<DocumentRecord[]> {
    const rows = await this.#db
      .selectFrom('b2b_documents')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(documentRecordOf);
  }

  async byName(merchantId: string, fileName: string, db: Db = this.#db): Promise<DocumentRecord | undefined> {
    const row = await db
      .selectFrom('b2b_documents')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('file_name', '=', fileName)
      .executeTakeFirst();
    return row && documentRecordOf(row);
  }

  /** What a payment's uploads say about the next one: the highest sequence used and whether one is approved. */
  async uploadsOf(
    paymentId: string,
    db: Db = this.#db,
  ): Promise<{ lastSequence: number | undefined; approved: boolean }> {
    const rows = await db
      .selectFrom('b2b_documents')
      .select(['sequence', 'status'])
      .where('payment_id', '=', paymentId)
      .execute();
    let lastSequence: number | undefined;
    for (const r of rows) lastSequence = Math.max(lastSequence ?? -1, numberOf(r.sequence));
    return { lastSequence, approved: rows.some((r) => r.status === 'approved') };
  }

  /** A later upload replaces the payment's pending ones of lower sequence; their ids. */
  async supersedePending(db: Trx, paymentId: string, belowSequence: number, now: number): Promise<string[]> {
    const rows = await db
      .updateTable('b2b_documents')
      .set({ status: 'superseded', reviewed_at: now })
      .where('payment_id', '=', paymentId)
      .where('status', '=', 'pending')
      .where('sequence', '<', belowSequence)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** Moves a document from `from` to `to`, only while it is still at `from`: the moved record, or undefined. */
  async move(
    db: Trx,
    id: string,
    from: DocumentStatus,
    to: DocumentStatus,
    changes: { readonly reviewReason?: string | null; readonly reviewedAt: number },
  ): Promise<DocumentRecord | undefined> {
    const row = await db
      .updateTable('b2b_documents')
      .set({
        status: to,
        reviewed_at: changes.reviewedAt,
        ...(changes.reviewReason !== undefined ? { review_reason: changes.reviewReason } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row && documentRecordOf(row);
  }

  /** Documents for the reviewer (CLI, console), newest first, with their payment's state and window. */
  async search(filter: DocumentSearch): Promise<DocumentListing[]> {
    let query = this.#db
      .selectFrom('b2b_documents as d')
      .innerJoin('payments as p', 'p.id', 'd.payment_id')
      .selectAll('d')
      .select([
        'p.state as payment_state',
        'p.funds_state as payment_funds_state',
        'p.funds_due_at as payment_funds_due_at',
        'p.mer_reference_id as payment_mer_reference_id',
        'p.mer_date as payment_mer_date',
      ]);
    if (filter.id) query = query.where('d.id', '=', filter.id);
    if (filter.paymentId) query = query.where('d.payment_id', '=', filter.paymentId);
    if (filter.merchantId) query = query.where('d.merchant_id', '=', filter.merchantId);
    if (filter.status) query = query.where('d.status', '=', filter.status);
    const rows = await query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(filter.limit).execute();
    return rows.map((r) => {
      const {
        payment_state,
        payment_funds_state,
        payment_funds_due_at,
        payment_mer_reference_id,
        payment_mer_date,
        ...row
      } = r;
      return {
        ...documentRecordOf(row),
        payment: {
          state: payment_state,
          fundsState: payment_funds_state,
          fundsDueAt: payment_funds_due_at === null ? null : numberOf(payment_funds_due_at),
          merReferenceId: payment_mer_reference_id,
          merDate: payment_mer_date,
        },
      };
    });
  }

  async listing(id: string): Promise<DocumentListing | undefined> {
    return (await this.search({ id, limit: 1 }))[0];
  }
}
