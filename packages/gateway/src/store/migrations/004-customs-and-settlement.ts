import { sql, type Kysely } from 'kysely';

/**
 * Customs declarations, settlement and reconciliation, and the indexes of the daily reports.
 *
 * - `customs_declarations`: one row per declaration of a payment's sub-order to a customs office
 *   (reference 3.9-3.10). A sub-order has at most one declaration that has not failed: a partial
 *   unique index on (payment_id, mer_sub_reference_id) WHERE state <> 'FAIL' enforces it in SQL
 *   (00202013 otherwise); a failed declaration can be made again.
 * - `settlements`: one row per (merchant, settle_date, order currency): the transfer of what the
 *   merchant's payments and refunds came to, in the order currency at the rate of the exchange, less
 *   the service fee (reference 3.12 / 3.17). Unique per (merchant, settle_date, currency).
 * - `settlement_runs`: one row per settle date whose run has started / finished (a run is
 *   idempotent; the row tells the scheduler a date is done).
 * - `payments.settlement_id` / `refunds.settlement_id`: the settlement that paid the item out (NULL
 *   until then), set by a conditional update (`WHERE settlement_id IS NULL`) so an item is settled
 *   at most once; `service_fee_minor` (CNY fen) and `settled_minor` (order currency, what the item
 *   came to at the exchange) are its lines of the reconciliation statement.
 * - `merchants.service_fee_bp`: the merchant's service fee in basis points of the CNY collected.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customs_declarations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('mer_sub_reference_id', 'text', (c) => c.notNull())
    .addColumn('customs_id', 'text', (c) => c.notNull())
    .addColumn('mer_customs_code', 'text', (c) => c.notNull())
    .addColumn('ec_plat_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('declaration_json', 'text', (c) => c.notNull())
    .addColumn('notify_url', 'text', (c) => c.notNull())
    .addColumn('customs_clearance_date', 'text', (c) => c.notNull())
    .addColumn('resolve_at', 'bigint')
    .addColumn('error_code', 'text')
    .addColumn('error_msg', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('customs_one_live_per_sub_order')
    .on('customs_declarations')
    .columns(['payment_id', 'mer_sub_reference_id'])
    .unique()
    .where(sql.ref('state'), '<>', 'FAIL')
    .execute();
  await db.schema.createIndex('customs_due').on('customs_declarations').columns(['state', 'resolve_at']).execute();
  await db.schema
    .createIndex('customs_by_date')
    .on('customs_declarations')
    .columns(['merchant_id', 'customs_clearance_date'])
    .execute();

  await db.schema
    .createTable('settlements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('settle_date', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('cutoff_at', 'bigint', (c) => c.notNull())
    .addColumn('exchange_rate', 'text', (c) => c.notNull())
    .addColumn('exchange_date', 'text', (c) => c.notNull())
    .addColumn('payment_count', 'integer', (c) => c.notNull())
    .addColumn('refund_count', 'integer', (c) => c.notNull())
    .addColumn('gross_cny_minor', 'bigint', (c) => c.notNull())
    .addColumn('refund_cny_minor', 'bigint', (c) => c.notNull())
    .addColumn('fee_minor', 'bigint', (c) => c.notNull())
    .addColumn('net_cny_minor', 'bigint', (c) => c.notNull())
    .addColumn('net_minor', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('settlements_once', ['merchant_id', 'settle_date', 'currency'])
    .execute();
  await db.schema.createIndex('settlements_by_date').on('settlements').columns(['settle_date']).execute();

  await db.schema
    .createTable('settlement_runs')
    .addColumn('settle_date', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('cutoff_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('settlement_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema.alterTable('payments').addColumn('settlement_id', 'text').execute();
  await db.schema.alterTable('payments').addColumn('service_fee_minor', 'bigint').execute();
  await db.schema.alterTable('payments').addColumn('settled_minor', 'bigint').execute();
  await db.schema.alterTable('refunds').addColumn('settlement_id', 'text').execute();
  await db.schema.alterTable('refunds').addColumn('settled_minor', 'bigint').execute();
  await db.schema
    .alterTable('merchants')
    .addColumn('service_fee_bp', 'integer', (c) => c.notNull().defaultTo(100))
    .execute();

  await db.schema.createIndex('payments_by_mer_date').on('payments').columns(['merchant_id', 'mer_date']).execute();
  await db.schema.createIndex('payments_by_settlement').on('payments').columns(['settlement_id']).execute();
  await db.schema.createIndex('refunds_by_mer_date').on('refunds').columns(['merchant_id', 'mer_date']).execute();
  await db.schema.createIndex('refunds_by_settlement').on('refunds').columns(['settlement_id']).execute();
}
