/**
 * The notification outbox. A state change of a payment, refund or customs declaration and the
 * notification telling the merchant about it commit in the same transaction: the caller passes its
 * transaction to enqueueNotification, and the NotificationWorker (notifier.ts) delivers committed
 * rows afterwards, at least once. The body is serialised and signed once, at enqueue time, so every
 * attempt (and every manual redelivery) sends byte-identical content under the same signature.
 *
 * Row states: 'pending' (waiting for its next attempt, or leased by a worker while one is under way),
 * 'delivered', 'dead' (retry schedule exhausted; see backoff.ts). redeliver() puts any of them back
 * to 'pending'.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import { newId } from '../store/ids.ts';

export type NotificationObjectType = 'payment' | 'refund' | 'customs_declaration';
export type NotificationState = 'pending' | 'delivered' | 'dead';
export type AttemptOutcome = 'delivered' | 'rejected' | 'http_error' | 'timeout' | 'network_error';

type Db = Kysely<Database> | Transaction<Database>;

export interface EnqueueNotificationInput {
  readonly merchantId: string;
  readonly objectType: NotificationObjectType;
  readonly objectId: string;
  /** The merchant's notify_url. */
  readonly url: string;
  /** The whole body, e.g. `{ payment: {...} }`; serialised as is with JSON.stringify. */
  readonly payload: Record<string, unknown>;
  /** Signs the exact body (the platform's SHA256withRSA signer); the result goes in the Signature header. */
  readonly signer: (body: string) => string;
  readonly now: number;
}

/**
 * Serialises and signs the notification and inserts it into the outbox through `db`, which should be
 * the transaction that makes the state change. Returns the outbox id (`NTF_...`). Call the worker's
 * kick() after the transaction commits so delivery starts at once.
 */
export async function enqueueNotification(db: Db, input: EnqueueNotificationInput): Promise<string> {
  const body = JSON.stringify(input.payload);
  if (typeof body !== 'string') throw new TypeError('notification payload does not serialise to JSON');
  const signature = input.signer(body);
  const id = newId('NTF_', input.now);
  await db
    .insertInto('outbox')
    .values({
      id,
      merchant_id: input.merchantId,
      object_type: input.objectType,
      object_id: input.objectId,
      url: input.url,
      body,
      signature,
      state: 'pending',
      attempts: 0,
      next_attempt_at: input.now,
      lease_until: null,
      lease_owner: null,
      created_at: input.now,
      delivered_at: null,
      last_error: null,
    })
    .execute();
  return id;
}

/**
 * Manual redelivery: puts the notification back to 'pending', due at `now`, whatever its state
 * (a delivered one is sent again, a dead one gets another attempt, a pending one is moved forward).
 * An attempt under way loses its lease, so its outcome no longer changes the row. The attempt
 * history and the attempt counter are kept: a dead notification that fails again goes straight back
 * to 'dead' (one more attempt per redelivery). Returns false when no such notification exists.
 */
export async function redeliver(db: Db, outboxId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ state: 'pending', next_attempt_at: now, lease_owner: null, lease_until: null })
    .where('id', '=', outboxId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
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

/** Every attempt of one notification, oldest first. */
export async function listAttempts(db: Db, outboxId: string): Promise<NotificationAttempt[]> {
  const rows = await db
    .selectFrom('notification_attempts')
    .selectAll()
    .where('outbox_id', '=', outboxId)
    .orderBy('attempt')
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    outboxId: r.outbox_id,
    attempt: Number(r.attempt),
    at: Number(r.at),
    durationMs: Number(r.duration_ms),
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    outcome: r.outcome as AttemptOutcome,
    responseExcerpt: r.response_excerpt,
    error: r.error,
  }));
}

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

/** One outbox row, or undefined. */
export async function getNotification(db: Db, outboxId: string): Promise<OutboxEntry | undefined> {
  const r = await db.selectFrom('outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    merchantId: r.merchant_id,
    objectType: r.object_type as NotificationObjectType,
    objectId: r.object_id,
    url: r.url,
    body: r.body,
    signature: r.signature,
    state: r.state as NotificationState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    leaseOwner: r.lease_owner,
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    lastError: r.last_error,
  };
}
