import type { Kysely } from 'kysely';

/**
 * B2B returns: a payment cancelled when its document window passed (TRADE_CANCEL, `funds_state`
 * `returned`) owes the company its money back through the corporate bank channel, after the commit.
 * `funds_returned_at` is when the bank confirmed the return (NULL until then);
 * `funds_return_retry_at` when the return is tried (again): set by the cancellation, moved on by a
 * failed or pending attempt. `payments_funds_return_due` lets the window worker find returns due.
 *
 * Idempotent: every step checks first (an upgrade test runs the migrations again).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const tables = await db.introspection.getTables();
  const payments = new Set(tables.find((t) => t.name === 'payments')?.columns.map((c) => c.name) ?? []);
  for (const name of ['funds_returned_at', 'funds_return_retry_at']) {
    if (!payments.has(name)) await db.schema.alterTable('payments').addColumn(name, 'bigint').execute();
  }
  await db.schema
    .createIndex('payments_funds_return_due')
    .ifNotExists()
    .on('payments')
    .columns(['funds_state', 'funds_return_retry_at'])
    .execute();
}
