/**
 * Every SQL statement of the notification outbox (`outbox`, `notification_attempts`): the insert that
 * commits with a state change, the worker's claims and records, and the operator's reads and
 * redeliveries. Rows come back as typed records (times as numbers).
 */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, NotificationAttemptsTable, OutboxTable } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import { numberOf } from '../store/records.ts';

export type NotificationObjectType = 'payment' | 'refund' | 'customs_declaration';
export type NotificationState = 'pending' | 'delivered' | 'dead';
export type AttemptOutcome = 'delivered' | 'rejected' | 'http_error' | 'timeout' | 'network_error';

export interface OutboxEntry {
  readonly id: string;
  readonly merchantId: string;
  readonly objectType: NotificationObjectType;
  readonly objectId: string;
  readonly url: string;
  readonly body: string;
  readonly signature: string;
  readonly state: NotificationState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly leaseUntil: number | null;
  readonly leaseOwner: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
  readonly lastError: string | null;
}

export interface NotificationAttempt {
  readonly id: string;
  readonly outboxId: string;
  readonly attempt: number;
  readonly at: number;
  readonly durationMs: number;
  readonly httpStatus: number | null;
  readonly outcome: AttemptOutcome;
  /** The first 500 characters of the merchant's response. */
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

/** A row due for delivery, as a claim selects it. */
export interface DueNotification {
  readonly id: string;
  readonly merchantId: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly url: string;
  readonly body: string;
  readonly signature: string;
  /** Attempts made so far. */
  readonly attempts: number;
}

/** Which notifications `recent` lists. */
export interface RecentQuery {
  readonly merchantId?: string | undefined;
  /**
   * `failing`: the last attempt failed, and it is to be retried or was given up (pending or dead, with a
   * last error); `pending`: not delivered yet and not given up (state pending). Default: all.
   */
  readonly only?: 'failing' | 'pending' | undefined;
  readonly limit: number;
}

/** An attempt with the notification it was made for (what `notifications tail` prints). */
export interface AttemptWithNotification extends NotificationAttempt {
  readonly merchantId: string;
  readonly objectType: NotificationObjectType;
  readonly objectId: string;
  readonly url: string;
  /** The notification's state now (after this attempt, or a later one). */
  readonly state: NotificationState;
  /** The notification's attempts so far (this one is its latest when equal to `attempt`). */
  readonly attemptsSoFar: number;
  readonly nextAttemptAt: number;
}

/** One attempt's outcome as the worker records it, with the row's new state. */
export interface AttemptRecord {
  readonly outboxId: string;
  /** The lease_owner value of the claim that made the attempt. */
  readonly token: string;
  readonly attempt: Insertable<NotificationAttemptsTable>;
  readonly update: Updateable<OutboxTable>;
}

const byId = <T extends { readonly id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class OutboxRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts a serialised, signed notification through `db` (the transaction of the state change). */
  async insert(db: Trx, row: Insertable<OutboxTable>): Promise<void> {
    await db.insertInto('outbox').values(row).execute();
  }

  async find(outboxId: string): Promise<OutboxEntry | undefined> {
    const r = await this.#db.selectFrom('outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    return r && toEntry(r);
  }

  /** The notifications of one payment, refund or declaration, oldest first. */
  async forObject(objectId: string): Promise<OutboxEntry[]> {
    const rows = await this.#db
      .selectFrom('outbox')
      .selectAll()
      .where('object_id', '=', objectId)
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  /**
   * The newest notifications (by id, which follows creation time), across objects. Served by the
   * primary key (all), outbox_merchant (one merchant, migration 007) or outbox_due (a state filter:
   * only the pending and dead rows are sorted).
   */
  async recent(query: RecentQuery): Promise<OutboxEntry[]> {
    let select = this.#db.selectFrom('outbox').selectAll();
    if (query.merchantId !== undefined) select = select.where('merchant_id', '=', query.merchantId);
    if (query.only === 'pending') select = select.where('state', '=', 'pending');
    if (query.only === 'failing')
      select = select.where('state', 'in', ['pending', 'dead']).where('last_error', 'is not', null);
    const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toEntry);
  }

  /** The id of the newest recorded attempt (ids follow the time of recording), if any. */
  async latestAttemptId(): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('notification_attempts')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }

  /**
   * Up to `limit` attempts whose id is above `afterId`, oldest first, each with its notification
   * (optionally of one merchant only): a range of the primary key joined on the outbox's.
   */
  async attemptsFrom(afterId: string, limit: number, merchantId?: string): Promise<AttemptWithNotification[]> {
    let select = this.#db
      .selectFrom('notification_attempts as a')
      .innerJoin('outbox as o', 'o.id', 'a.outbox_id')
      .select([
        'a.id',
        'a.outbox_id',
        'a.attempt',
        'a.at',
        'a.duration_ms',
        'a.http_status',
        'a.outcome',
        'a.response_excerpt',
        'a.error',
        'o.merchant_id',
        'o.object_type',
        'o.object_id',
        'o.url',
        'o.state',
        'o.attempts as attempts_so_far',
        'o.next_attempt_at',
      ])
      .where('a.id', '>', afterId);
    if (merchantId !== undefined) select = select.where('o.merchant_id', '=', merchantId);
    const rows = await select.orderBy('a.id').limit(limit).execute();
    return rows.map((r) => ({
      ...toAttempt(r),
      merchantId: r.merchant_id,
      objectType: r.object_type as NotificationObjectType,
      objectId: r.object_id,
      url: r.url,
      state: r.state as NotificationState,
      attemptsSoFar: numberOf(r.attempts_so_far),
      nextAttemptAt: numberOf(r.next_attempt_at),
    }));
  }

  /** Every attempt of one notification, oldest first. */
  async attempts(outboxId: string): Promise<NotificationAttempt[]> {
    const rows = await this.#db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('outbox_id', '=', outboxId)
      .orderBy('attempt')
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map(toAttempt);
  }

  /** Puts a notification back to 'pending', due at `now`, dropping any lease. False when there is none. */
  async redeliver(db: Trx, outboxId: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('outbox')
      .set({ state: 'pending', next_attempt_at: now, lease_owner: null, lease_until: null })
      .where('id', '=', outboxId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Up to `limit` rows that are pending, due and not leased, most overdue first. */
  async due(now: number, limit: number): Promise<DueNotification[]> {
    const rows = await this.#db
      .selectFrom('outbox')
      .select(['id', 'merchant_id', 'object_type', 'object_id', 'url', 'body', 'signature', 'attempts'])
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      objectType: r.object_type,
      objectId: r.object_id,
      url: r.url,
      body: r.body,
      signature: r.signature,
      attempts: numberOf(r.attempts),
    }));
  }

  /**
   * Leases each candidate to `token` until `leaseUntil` with a conditional UPDATE that only matches
   * while the row is still pending, due, unleased and not attempted by anyone since it was selected;
   * in id order, so that concurrent claimers on PostgreSQL lock rows in the same order (no deadlock).
   * Returns the ids this claim won.
   */
  async claim(trx: Trx, candidates: readonly DueNotification[], token: string, leaseUntil: number, now: number) {
    const won = new Set<string>();
    for (const c of [...candidates].sort(byId)) {
      const result = await trx
        .updateTable('outbox')
        .set({ lease_owner: token, lease_until: leaseUntil })
        .where('id', '=', c.id)
        .where('state', '=', 'pending')
        .where('attempts', '=', c.attempts)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      if (result.numUpdatedRows === 1n) won.add(c.id);
    }
    return won;
  }

  /**
   * Records attempts: one multi-row insert per power-of-two chunk (few distinct SQL texts for the
   * statement caches), then each row's new state, only while the claim that made the attempt still
   * owns it. Returns, per record, whether it did.
   */
  async record(trx: Trx, batch: readonly AttemptRecord[]): Promise<boolean[]> {
    for (let i = 0; i < batch.length;) {
      let size = 1;
      while (size * 2 <= batch.length - i) size *= 2;
      await trx
        .insertInto('notification_attempts')
        .values(batch.slice(i, i + size).map((r) => r.attempt))
        .execute();
      i += size;
    }
    const kept = new Map<AttemptRecord, boolean>();
    const inIdOrder = [...batch].sort((a, b) => (a.outboxId < b.outboxId ? -1 : a.outboxId > b.outboxId ? 1 : 0));
    for (const r of inIdOrder) {
      const updated = await trx
        .updateTable('outbox')
        .set(r.update)
        .where('id', '=', r.outboxId)
        .where('lease_owner', '=', r.token)
        .executeTakeFirst();
      kept.set(r, updated.numUpdatedRows === 1n);
    }
    return batch.map((r) => kept.get(r) === true);
  }
}

function toAttempt(r: Selectable<NotificationAttemptsTable>): NotificationAttempt {
  return {
    id: r.id,
    outboxId: r.outbox_id,
    attempt: numberOf(r.attempt),
    at: numberOf(r.at),
    durationMs: numberOf(r.duration_ms),
    httpStatus: r.http_status === null ? null : numberOf(r.http_status),
    outcome: r.outcome as AttemptOutcome,
    responseExcerpt: r.response_excerpt,
    error: r.error,
  };
}

function toEntry(r: Selectable<OutboxTable>): OutboxEntry {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    objectType: r.object_type as NotificationObjectType,
    objectId: r.object_id,
    url: r.url,
    body: r.body,
    signature: r.signature,
    state: r.state as NotificationState,
    attempts: numberOf(r.attempts),
    nextAttemptAt: numberOf(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : numberOf(r.lease_until),
    leaseOwner: r.lease_owner,
    createdAt: numberOf(r.created_at),
    deliveredAt: r.delivered_at === null ? null : numberOf(r.delivered_at),
    lastError: r.last_error,
  };
}
