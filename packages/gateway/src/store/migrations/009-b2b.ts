import { sql, type Kysely } from 'kysely';

/**
 * B2B (reference chapter 4): companies, their payments' held funds, transaction documents, FTP accounts.
 *
 * - `enterprises`: the companies a merchant registers (4.1, `EQ_...` ids). A new company is `DISABLE`;
 *   the operator approves it (`ENABLE` with a `rank` of A, OTHERS or UNKNOWN) or rejects it (stays
 *   `DISABLE`, `review_reason` set). `external_enterprise_id` is unique per merchant (409).
 *   `enterprises_review_queue` serves the operator's list by status, oldest first.
 * - `payments.enterprise_id`: the company that pays a B2B payment. `funds_state` is NULL for B2C; for a
 *   paid B2B payment `held` (CNY held, not exchanged, not settled) until its documents are approved
 *   (`released`, with the rate and time of the release) or the document window passes (`returned`:
 *   TRADE_CANCEL, the money back to the company). `funds_due_at` is the end of that window;
 *   `payments_funds_due` lets the window worker find held payments past it.
 * - `b2b_documents`: one row per accepted upload (4.4), named `mer_reference_id + mer_date + 4-digit
 *   sequence + .zip`, unique per merchant; `status` pending, approved, rejected or superseded (a later
 *   sequence of the same payment replaces a pending one). `entries_json` lists the ZIP's entries for
 *   the reviewer.
 * - `merchants.ftp_user` / `ftp_password_hash`: the merchant's account on the documents FTP server.
 *
 * Idempotent: every step checks first (an upgrade test runs the migrations again).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enterprises')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('external_enterprise_id', 'text', (c) => c.notNull())
    .addColumn('enterprise_name', 'text', (c) => c.notNull())
    .addColumn('enterprise_phone', 'text')
    .addColumn('enterprise_email', 'text')
    .addColumn('enterprise_contacts', 'text')
    .addColumn('busi_type', 'text')
    .addColumn('enterprise_code', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rank', 'text')
    .addColumn('review_reason', 'text')
    .addColumn('reviewed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('enterprises_external_once', ['merchant_id', 'external_enterprise_id'])
    .execute();
  await db.schema
    .createIndex('enterprises_review_queue')
    .ifNotExists()
    .on('enterprises')
    .columns(['status', 'created_at', 'id'])
    .execute();

  const payments = await columnsOf(db, 'payments');
  for (const [name, type] of [
    ['enterprise_id', 'text'],
    ['funds_state', 'text'],
    ['funds_due_at', 'bigint'],
    ['funds_released_at', 'bigint'],
    ['funds_release_rate', 'text'],
  ] as const) {
    if (!payments.has(name)) await db.schema.alterTable('payments').addColumn(name, type).execute();
  }
  await db.schema
    .createIndex('payments_funds_due')
    .ifNotExists()
    .on('payments')
    .columns(['funds_state', 'funds_due_at'])
    .execute();

  await db.schema
    .createTable('b2b_documents')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('entries_json', 'text', (c) => c.notNull())
    .addColumn('stored_path', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('review_reason', 'text')
    .addColumn('reviewed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('b2b_documents_file_once', ['merchant_id', 'file_name'])
    .execute();
  await db.schema
    .createIndex('b2b_documents_by_payment')
    .ifNotExists()
    .on('b2b_documents')
    .columns(['payment_id', 'sequence'])
    .execute();
  await db.schema
    .createIndex('b2b_documents_review_queue')
    .ifNotExists()
    .on('b2b_documents')
    .columns(['status', 'created_at', 'id'])
    .execute();

  const merchants = await columnsOf(db, 'merchants');
  if (!merchants.has('ftp_user')) await db.schema.alterTable('merchants').addColumn('ftp_user', 'text').execute();
  if (!merchants.has('ftp_password_hash'))
    await db.schema.alterTable('merchants').addColumn('ftp_password_hash', 'text').execute();
  await db.schema
    .createIndex('merchants_ftp_user')
    .ifNotExists()
    .on('merchants')
    .column('ftp_user')
    .unique()
    .where(sql.ref('ftp_user'), 'is not', null)
    .execute();
}

async function columnsOf(db: Kysely<any>, table: string): Promise<Set<string>> {
  const tables = await db.introspection.getTables();
  const found = tables.find((t) => t.name === table);
  return new Set(found?.columns.map((c) => c.name) ?? []);
}
