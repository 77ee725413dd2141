/**
 * The notification outbox. A state change of a payment, refund or customs declaration and the
 * notification telling the merchant about it commit in the same transaction: the state move
 * (lifecycle/state-mover.ts) passes its transaction to `enqueue`, and the NotificationWorker
 * (notification-worker.ts) delivers committed rows afterwards, at least once. The body is serialised
 * and signed once, at enqueue time, so every attempt (and every manual redelivery) sends
 * byte-identical content under the same signature.
 *
 * Row states: 'pending' (waiting for its next attempt, or leased by a worker while one is under way),
 * 'delivered', 'dead' (retry schedule exhausted; see backoff.ts). `redeliver` puts any of them back
 * to 'pending'.
 */
import type { Trx } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import type { NotificationObjectType, OutboxRepository } from './outbox-repository.ts';

export interface Notification {
  readonly merchantId: string;
  readonly objectType: NotificationObjectType;
  readonly objectId: string;
  /** The merchant's notify_url. */
  readonly url: string;
  /** The whole body, e.g. `{ payment: {...} }`; serialised as is with JSON.stringify. */
  readonly payload: Record<string, unknown>;
}

export interface OutboxDeps {
  readonly repository: OutboxRepository;
  /** Signs the exact body (the platform's SHA256withRSA); the result goes in the Signature header. */
  readonly sign: (body: string) => string;
}

export class Outbox {
  readonly #deps: OutboxDeps;
  #listeners: Array<() => void> = [];
  constructor(deps: OutboxDeps) {
    this.#deps = deps;
  }

  /**
   * Serialises and signs the notification and inserts it through `db`, which must be the
   * transaction of the state change. Returns the outbox id (`NTF_...`). Call `committed()` after the
   * transaction commits, so delivery starts at once.
   */
  async enqueue(db: Trx, notification: Notification, now: number): Promise<string> {
    const body = JSON.stringify(notification.payload);
    if (typeof body !== 'string') throw new TypeError('notification payload does not serialise to JSON');
    const id = newId('NTF_', now);
    await this.#deps.repository.insert(db, {
      id,
      merchant_id: notification.merchantId,
      object_type: notification.objectType,
      object_id: notification.objectId,
      url: notification.url,
      body,
      signature: this.#deps.sign(body),
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      lease_owner: null,
      created_at: now,
      delivered_at: null,
      last_error: null,
    });
    return id;
  }

  /** Tells the workers that notifications committed (the worker's `kick`). */
  committed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Called after every commit that enqueued notifications (the notification worker subscribes). */
  onCommitted(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
