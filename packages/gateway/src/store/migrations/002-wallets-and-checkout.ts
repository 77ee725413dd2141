import type { Kysely } from 'kysely';

/**
 * Wallet payments (WeChat Pay, Alipay) and the hosted checkout: the method the payer actually used
 * (`channel`, e.g. WECHAT_SCAN for a NOT_APPLICABLE checkout payment), the wallet's data for the
 * payment (`wallet_json`: QR URL, prepay id, open_id), and the open_ids the sandbox WeChat issued.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('payments').addColumn('channel', 'text').execute();
  await db.schema.alterTable('payments').addColumn('wallet_json', 'text').execute();
  await db.schema
    .createTable('wechat_open_ids')
    .addColumn('open_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
