/**
 * The one way a payment, a refund or a customs declaration changes state. Each keeps its own state
 * machine (payments/payment-state.ts, refunds/refund-state.ts, customs/customs-state.ts); a move it
 * allows is applied here, the same way for all three:
 *
 *   1. the machine must allow the move (else IllegalMoveError: a bug, never a client's mistake);
 *   2. one transaction (Store.write): the writes the move depends on (`before`), the guarded update
 *      of the aggregate's repository (`WHERE id = :id AND state = :from ...` RETURNING the row: of
 *      several processes moving the same object one gets the row, the others nothing), the writes that
 *      commit with it (`after`: ledger entries, releases), the event on the payment's timeline and,
 *      when the move is notified, the notification of the object as the move left it, rendered once
 *      from the returned row and written to the outbox;
 *   3. after the commit, the notification worker is told (Outbox.committed).
 *
 * A lost race (the guarded update matched nothing) writes nothing, `before` included, and returns
 * undefined.
 */
import type { Store, Trx } from '../store/database.ts';
import type { Notification, Outbox } from '../notifications/outbox.ts';
import type { TimelineEvent, TimelineRepository } from './timeline-repository.ts';

/** A state machine: which moves it allows. */
export interface StateMachine<K> {
  allows(from: K, to: K): boolean;
  /** How a move is written in messages ("REFUND_PROCESS -> REFUND_SUCCESS"). */
  describe(from: K, to: K): string;
}

/** A machine over plain states from a table of the states each may move to. */
export function machineOf<S extends string>(name: string, table: Readonly<Record<S, readonly S[]>>): StateMachine<S> {
  return {
    allows: (from, to) => table[from]?.includes(to) ?? false,
    describe: (from, to) => `${name} ${from} -> ${to}`,
  };
}

export class IllegalMoveError extends Error {}

export interface StateMove<R, K> {
  readonly machine: StateMachine<K>;
  readonly from: K;
  readonly to: K;
  /** When the move happens: the time of its event and notification. */
  readonly now: number;
  /** Writes the guarded update depends on (e.g. the payer agreement it names). Rolled back on a lost race. */
  readonly before?: (trx: Trx) => Promise<void>;
  /** The guarded update, returning the moved record; undefined when the object is no longer in `from`. */
  readonly update: (trx: Trx) => Promise<R | undefined>;
  /** Writes that commit with the move (ledger entries, the release of a failed refund's amount). */
  readonly after?: (trx: Trx, moved: R) => Promise<void>;
  readonly event: (moved: R) => TimelineEvent;
  /** The notification of the moved object, for the moves merchants are told about. */
  readonly notification?: (moved: R) => Notification;
}

export interface StateMoverDeps {
  readonly store: Store;
  readonly timeline: TimelineRepository;
  readonly outbox: Outbox;
}

/** Thrown inside the transaction to roll back `before` when the guarded update lost the race. */
class LostRace extends Error {}

export class StateMover {
  readonly #deps: StateMoverDeps;
  constructor(deps: StateMoverDeps) {
    this.#deps = deps;
  }

  /** Applies `move` (see above): the moved record, or undefined when another process moved it first. */
  async apply<R, K>(move: StateMove<R, K>): Promise<R | undefined> {
    if (!move.machine.allows(move.from, move.to)) throw new IllegalMoveError(move.machine.describe(move.from, move.to));
    const { store, timeline, outbox } = this.#deps;
    let notified = false;
    let moved: R | undefined;
    try {
      moved = await store.write(async (trx) => {
        notified = false;
        await move.before?.(trx);
        const row = await move.update(trx);
        if (row === undefined) {
          if (move.before) throw new LostRace();
          return undefined;
        }
        await move.after?.(trx, row);
        await timeline.record(trx, move.event(row), move.now);
        if (move.notification) {
          await outbox.enqueue(trx, move.notification(row), move.now);
          notified = true;
        }
        return row;
      });
    } catch (error) {
      if (error instanceof LostRace) return undefined;
      throw error;
    }
    if (moved !== undefined && notified) outbox.committed();
    return moved;
  }
}
