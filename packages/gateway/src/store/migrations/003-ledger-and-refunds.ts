import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';

/**
 * The double-entry ledger and refunds.
 *
 * - `ledger_entries` / `ledger_lines`: balanced journal entries in integer minor units (see
 *   src/ledger/journal.ts). One entry per business event (`kind`, `object_id` unique), so an event
 *   can never be posted twice.
 * - `refunds`: one row per refund of a payment; the merchant's refund number
 *   (`mer_reference_id`, `mer_date`) is unique per merchant.
 * - `payments.refunded_minor` / `refunded_cny_minor`: what the non-failed refunds of the payment
 *   take, in the order currency and in CNY fen. Refunds reserve their amount with a conditional
 *   update (`refunded_minor + amount <= amount_minor`), so concurrent refunds cannot exceed the
 *   payment.
 *
 * Payments that succeeded before this migration get their payment entry here, so the ledger
 * covers every successful payment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('payments')
    .addColumn('refunded_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('payments')
    .addColumn('refunded_cny_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('memo', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ledger_entries_once', ['kind', 'object_id'])
    .execute();
  await db.schema.createIndex('ledger_entries_object').on('ledger_entries').columns(['object_id']).execute();

  await db.schema
    .createTable('ledger_lines')
    .addColumn('entry_id', 'text', (c) => c.notNull().references('ledger_entries.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_lines_pk', ['entry_id', 'line_no'])
    .execute();
  await db.schema.createIndex('ledger_lines_account').on('ledger_lines').columns(['account', 'currency']).execute();

  await db.schema
    .createTable('refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('mer_reference_id', 'text', (c) => c.notNull())
    .addColumn('mer_date', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('cny_minor', 'bigint', (c) => c.notNull())
    .addColumn('exchange_rate', 'text', (c) => c.notNull())
    .addColumn('order_json', 'text', (c) => c.notNull())
    .addColumn('notify_url', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('resolve_at', 'bigint')
    .addColumn('error_code', 'text')
    .addColumn('error_msg', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addUniqueConstraint('refunds_merchant_number_unique', ['merchant_id', 'mer_reference_id', 'mer_date'])
    .execute();
  await db.schema.createIndex('refunds_payment').on('refunds').columns(['payment_id']).execute();
  await db.schema.createIndex('refunds_due').on('refunds').columns(['state', 'resolve_at']).execute();

  await backfillPaymentEntries(db);
}

/**
 * Posts the payment entry (Dr platform_clearing / Cr merchant_payable, total_cny) of every
 * TRADE_SUCCESS payment that has none: the payments that succeeded before the ledger existed.
 * Idempotent. Returns how many entries it posted.
 */
export async function backfillPaymentEntries(db: Kysely<any>): Promise<number> {
  const paid = await db
    .selectFrom('payments as p')
    .select(['p.id', 'p.merchant_id', 'p.total_cny_minor', 'p.execute_success_at', 'p.updated_at'])
    .where('p.state', '=', 'TRADE_SUCCESS')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('ledger_entries as e')
            .select('e.id')
            .where('e.kind', '=', 'payment_success')
            .whereRef('e.object_id', '=', 'p.id'),
        ),
      ),
    )
    .execute();
  for (const p of paid as Array<{
    id: string;
    merchant_id: string;
    total_cny_minor: number | string | bigint;
    execute_success_at: unknown;
    updated_at: unknown;
  }>) {
    const at = Number(p.execute_success_at ?? p.updated_at);
    const entryId = `JE_BACKFILL_${p.id}_${randomBytes(4).toString('hex').toUpperCase()}`;
    const cny = BigInt(p.total_cny_minor);
    await db
      .insertInto('ledger_entries')
      .values({
        id: entryId,
        kind: 'payment_success',
        object_type: 'payment',
        object_id: p.id,
        payment_id: p.id,
        merchant_id: p.merchant_id,
        memo: 'backfilled (payment before the ledger)',
        created_at: at,
      })
      .execute();
    await db
      .insertInto('ledger_lines')
      .values([
        { entry_id: entryId, line_no: 1, account: 'platform_clearing:CNY', currency: 'CNY', amount_minor: cny },
        {
          entry_id: entryId,
          line_no: 2,
          account: `merchant_payable:${p.merchant_id}:CNY`,
          currency: 'CNY',
          amount_minor: -cny,
        },
      ])
      .execute();
  }
  return paid.length;
}
