/**
 * A payment's timeline (`payment_events`): one row per thing that happened to the payment or to its
 * refunds and customs declarations. Written through the transaction of the change it records, so
 * the timeline never says more or less than what committed.
 */
import type { Db, Trx } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { PreparedInsert } from '../store/prepared.ts';
import { numberOf } from '../store/records.ts';

export interface TimelineEvent {
  readonly paymentId: string;
  readonly type: string;
  readonly detail: string | null;
}

export interface RecordedEvent extends TimelineEvent {
  readonly id: string;
  readonly at: number;
}

const insertEvent = new PreparedInsert('payment_events', ['id', 'payment_id', 'at', 'type', 'detail']);

export class TimelineRepository {
  async record(db: Trx, event: TimelineEvent, at: number): Promise<void> {
    await insertEvent.run(db, {
      id: newId('EVT_', at),
      payment_id: event.paymentId,
      at,
      type: event.type,
      detail: event.detail,
    });
  }

  /** The timeline of a payment, oldest first. */
  async of(db: Db, paymentId: string): Promise<RecordedEvent[]> {
    const rows = await db
      .selectFrom('payment_events')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, paymentId: r.payment_id, at: numberOf(r.at), type: r.type, detail: r.detail }));
  }
}
