/**
 * The state move of an object that belongs to a payment: a refund or a customs declaration. Each
 * object keeps its own state machine (REFUND_TRANSITIONS in refunds.ts, CUSTOMS_TRANSITIONS in
 * customs.ts); this is how a move allowed by it is applied, the same way for both:
 *
 * - only a move its state machine allows from the state the row was read in (else false, nothing
 *   written);
 * - one transaction: a conditional update (`WHERE id = :id AND state = :from`, so of several processes
 *   moving the same object one applies it and the others get false), the object's own writes
 *   (`alsoWrite`: ledger entries), the event on the payment's timeline and, when `notification` is
 *   given, the signed `{"<objectType>": <the object after the move>}` notification to the row's
 *   notify_url in the outbox;
 * - after the commit, the notifier is woken (`wakeNotifier`) if a notification was queued.
 */
import type { Transaction, Updateable } from 'kysely';
import type { GatewayContext } from '../context.ts';
import type { Database } from '../store/schema.ts';
import { enqueueNotification } from '../notifications/outbox.ts';
import { signSha256WithRsa } from '../crypto/rsa-signature.ts';
import { recordPaymentEvent } from '../payments/payment-timeline.ts';
import type { RefundRow } from '../refunds/refund-view.ts';
import type { CustomsRow } from '../customs/customs-view.ts';

/** The objects that move through states under a payment, by table. */
interface MovableRows {
  refunds: RefundRow;
  customs_declarations: CustomsRow;
}

export type MovableTable = keyof MovableRows;

export interface StateMove<T extends MovableTable, S extends string> {
  readonly table: T;
  /** The object as it was read: the move applies only while it is still in `row.state`. */
  readonly row: MovableRows[T];
  /** The object's state machine: from each state, the only states it may move to. */
  readonly transitions: Readonly<Record<S, readonly S[]>>;
  readonly to: S;
  readonly now: number;
  /** Columns set with the state (`updated_at` is set to `now`). */
  readonly changes: Omit<Updateable<Database[T]>, 'id' | 'state' | 'updated_at'>;
  /** Writes that commit with the move, after the state update. */
  readonly alsoWrite?: (trx: Transaction<Database>) => Promise<void>;
  /** The event on the payment's timeline. */
  readonly event: { readonly type: string; readonly detail: string };
  /** The notification of the object after the move, when this move is notified (final states). */
  readonly notification?: {
    readonly objectType: 'refund' | 'customs_declaration';
    readonly render: (row: MovableRows[T]) => Record<string, unknown>;
  };
}

/** Applies `move` (see above). False when its state machine does not allow it or another process moved the object first. */
export async function applyStateMove<T extends MovableTable, S extends string>(
  ctx: GatewayContext,
  wakeNotifier: () => void,
  move: StateMove<T, S>,
): Promise<boolean> {
  const { to, now, notification } = move;
  const table: MovableTable = move.table;
  const row: MovableRows[MovableTable] = move.row;
  const from = row.state as S;
  if (!move.transitions[from]?.includes(to)) return false;
  const done = await ctx.db.transaction().execute(async (trx) => {
    // The row of `move.table` as the move left it (none when another process moved it first).
    const updated = (await trx
      .updateTable(table)
      .set({ ...move.changes, state: to, updated_at: now })
      .where('id', '=', row.id)
      .where('state', '=', from)
      .returningAll()
      .executeTakeFirst()) as MovableRows[T] | undefined;
    if (!updated) return false;
    await move.alsoWrite?.(trx);
    await recordPaymentEvent(trx, row.payment_id, now, move.event.type, move.event.detail);
    if (notification) {
      await enqueueNotification(trx, {
        merchantId: row.merchant_id,
        objectType: notification.objectType,
        objectId: row.id,
        url: row.notify_url,
        payload: { [notification.objectType]: notification.render(updated) },
        signer: (body) => signSha256WithRsa(ctx.platform.privateKey, body),
        now,
      });
    }
    return true;
  });
  if (done && notification) wakeNotifier();
  return done;
}
