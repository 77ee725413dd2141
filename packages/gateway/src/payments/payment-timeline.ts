/**
 * A payment's timeline (payment_events): one row per thing that happened to the payment or to its
 * refunds and customs declarations. Written through `db`, which should be the transaction of the
 * change it records, so the timeline never says more or less than what committed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import { newId } from '../store/ids.ts';
import { PreparedInsert } from '../store/prepared.ts';

const insertEvent = new PreparedInsert('payment_events', ['id', 'payment_id', 'at', 'type', 'detail']);

export async function recordPaymentEvent(
  db: Kysely<Database> | Transaction<Database>,
  paymentId: string,
  at: number,
  type: string,
  detail: string | null,
): Promise<void> {
  await insertEvent.run(db, { id: newId('EVT_'), payment_id: paymentId, at, type, detail });
}
