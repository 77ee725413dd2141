import type { Kysely } from 'kysely';

/**
 * Payments listed newest first for an operator (`umf-gateway payments list`, the console): keyset
 * pages over (created_at, id), for all merchants and for one. Idempotent (an upgrade test runs it again).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('payments_by_created')
    .ifNotExists()
    .on('payments')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('payments_by_merchant_created')
    .ifNotExists()
    .on('payments')
    .columns(['merchant_id', 'created_at', 'id'])
    .execute();
}
