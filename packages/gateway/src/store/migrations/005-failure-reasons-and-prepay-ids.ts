import { sql, type Kysely } from 'kysely';

/**
 * Failures are stored as the domain's reasons, and WeChat prepay orders are found by an index.
 *
 * - `error_code` / `error_msg` of payments, refunds and customs declarations become
 *   `failure_reason` (the domain's word for what went wrong: `insufficient_funds`,
 *   `refund_refused`, `customs_rejected`...; errors/domain-error.ts) and `failure_detail` (the words
 *   of the party that refused, e.g. the customs office's reason; NULL when there are none). The UMF
 *   return code shown in an object's `error` member follows from the reason at the HTTP edge
 *   (http/error-codes.ts), so the stored rows no longer carry wire codes. Rows written before this
 *   migration are converted with the table below (the codes the gateway stored until now).
 * - `payments.prepay_id`: the WeChat prepay id of a WeChat JS-API or in-app payment (it was only in
 *   `wallet_json`, found by a LIKE scan), with an index for the WeChat browser's lookup.
 * - `payments.bank_outcome`, never written, is dropped.
 */
const STORED_CODES: Readonly<Record<string, string>> = {
  '00060730': 'insufficient_funds',
  '00060750': 'payer_declined',
  '00060751': 'payment_expired',
  '00060765': 'payment_failed',
  '00060076': 'card_not_supported',
  '00200008': 'sms_code_locked',
  '00200025': 'card_info_incorrect',
  '00200026': 'card_expired',
  '00060767': 'refund_refused',
  '00202018': 'customs_rejected',
};

const FALLBACK: Readonly<Record<string, string>> = {
  payments: 'payment_failed',
  refunds: 'refund_refused',
  customs_declarations: 'customs_rejected',
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['payments', 'refunds', 'customs_declarations']) {
    await db.schema.alterTable(table).renameColumn('error_code', 'failure_reason').execute();
    await db.schema.alterTable(table).renameColumn('error_msg', 'failure_detail').execute();
    const failed = await db
      .selectFrom(table)
      .select(['id', 'failure_reason', 'failure_detail'])
      .where('failure_reason', 'is not', null)
      .execute();
    for (const row of failed as Array<{ id: string; failure_reason: string; failure_detail: string | null }>) {
      const reason = STORED_CODES[row.failure_reason] ?? FALLBACK[table]!;
      // A customs refusal was stored as "<catalogue message>: <the office's words>": keep the words.
      const colon = row.failure_detail?.indexOf(': ') ?? -1;
      const detail = table === 'customs_declarations' && colon >= 0 ? row.failure_detail!.slice(colon + 2) : null;
      await db
        .updateTable(table)
        .set({ failure_reason: reason, failure_detail: detail })
        .where('id', '=', row.id)
        .execute();
    }
  }

  await db.schema.alterTable('payments').addColumn('prepay_id', 'text').execute();
  const wallets = await db
    .selectFrom('payments')
    .select(['id', 'wallet_json'])
    .where('payment_method', 'in', ['WECHAT_WEB', 'WECHAT_IN_APP'])
    .where('wallet_json', 'is not', null)
    .execute();
  for (const row of wallets as Array<{ id: string; wallet_json: string }>) {
    const prepayId = (JSON.parse(row.wallet_json) as { prepay_id?: unknown }).prepay_id;
    if (typeof prepayId !== 'string') continue;
    await db.updateTable('payments').set({ prepay_id: prepayId }).where('id', '=', row.id).execute();
  }
  await db.schema.createIndex('payments_prepay_id').on('payments').column('prepay_id').execute();
  await sql`alter table payments drop column bank_outcome`.execute(db);
}
