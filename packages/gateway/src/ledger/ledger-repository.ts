/** The SQL that writes the ledger: one entry and its lines, in the transaction of the state change. */
import type { Trx } from '../store/database.ts';

export async function insertEntry(
  db: Trx,
  entry: {
    readonly id: string;
    readonly kind: string;
    readonly objectType: string;
    readonly objectId: string;
    readonly paymentId?: string | undefined;
    readonly merchantId?: string | undefined;
    readonly memo?: string | undefined;
    readonly now: number;
  },
  lines: ReadonlyArray<{ readonly account: string; readonly currency: string; readonly amountMinor: bigint }>,
): Promise<void> {
  await db
    .insertInto('ledger_entries')
    .values({
      id: entry.id,
      kind: entry.kind,
      object_type: entry.objectType,
      object_id: entry.objectId,
      payment_id: entry.paymentId ?? null,
      merchant_id: entry.merchantId ?? null,
      memo: entry.memo ?? null,
      created_at: entry.now,
    })
    .execute();
  if (lines.length === 0) return;
  await db
    .insertInto('ledger_lines')
    .values(
      lines.map((l, i) => ({
        entry_id: entry.id,
        line_no: i + 1,
        account: l.account,
        currency: l.currency,
        amount_minor: l.amountMinor,
      })),
    )
    .execute();
}
