import type { Kysely } from 'kysely';

/**
 * `umf-gateway notifications list --merchant M` lists a merchant's newest notifications: an index on
 * (merchant_id, id) serves it (newest first, by id) without reading other merchants' rows. The other
 * lists are served by what exists: all notifications by the primary key, `--failing` and `--pending`
 * by outbox_due (state, next_attempt_at), and `notifications tail` by the primary key of
 * notification_attempts joined on the outbox's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('outbox_merchant').ifNotExists().on('outbox').columns(['merchant_id', 'id']).execute();
}
