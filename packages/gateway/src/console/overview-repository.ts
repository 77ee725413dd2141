/**
 * The console overview's figures, counted in the database (never made up): payments created since
 * a given instant by state and by method, notifications by health, and what waits for review. Every
 * count takes an optional merchant (a merchant user sees only its own). Read-only; the indexes it
 * leans on: `payments (merchant_id, created_at)` style listings of migration 007 and the review
 * queues of migration 009.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface CountBy {
  readonly key: string;
  readonly count: number;
}

export interface NotificationHealth {
  readonly delivered: number;
  /** Pending with at least one failed attempt. */
  readonly retrying: number;
  /** Pending, not tried yet. */
  readonly queued: number;
  /** Given up (dead). */
  readonly failed: number;
}

export interface PendingReviews {
  readonly enterprises: number;
  readonly documents: number;
}

const count = (n: number | string | bigint) => Number(n);

export class OverviewRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Payments created at or after `since`, grouped by `state` or `payment_method`, largest first. */
  async paymentsSince(since: number, by: 'state' | 'payment_method', merchantId?: string): Promise<CountBy[]> {
    let query = this.#db
      .selectFrom('payments')
      .select([by, (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('created_at', '>=', since);
    if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
    const rows = await query.groupBy(by).execute();
    return rows
      .map((row) => ({ key: String((row as Record<string, unknown>)[by]), count: count(row.n) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  }

  /** Notifications created at or after `since`, by health. */
  async notificationsSince(since: number, merchantId?: string): Promise<NotificationHealth> {
    let query = this.#db
      .selectFrom('outbox')
      .select((eb) => [
        'state',
        eb.case().when('attempts', '>', 0).then(1).else(0).end().as('tried'),
        eb.fn.countAll<number | string>().as('n'),
      ])
      .where('created_at', '>=', since);
    if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
    const rows = await query.groupBy(['state', 'tried']).execute();
    const health = { delivered: 0, retrying: 0, queued: 0, failed: 0 };
    for (const row of rows) {
      const n = count(row.n);
      if (row.state === 'delivered') health.delivered += n;
      else if (row.state === 'dead') health.failed += n;
      else if (Number(row.tried) > 0) health.retrying += n;
      else health.queued += n;
    }
    return health;
  }

  /** Companies not reviewed yet and documents pending review. */
  async pendingReviews(merchantId?: string): Promise<PendingReviews> {
    let enterprises = this.#db
      .selectFrom('enterprises')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'DISABLE')
      .where('reviewed_at', 'is', null);
    let documents = this.#db
      .selectFrom('b2b_documents')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'pending');
    if (merchantId !== undefined) {
      enterprises = enterprises.where('merchant_id', '=', merchantId);
      documents = documents.where('merchant_id', '=', merchantId);
    }
    const [e, d] = await Promise.all([enterprises.executeTakeFirstOrThrow(), documents.executeTakeFirstOrThrow()]);
    return { enterprises: count(e.n), documents: count(d.n) };
  }

  /** Merchants, for the operator's overview. */
  async merchantCount(): Promise<number> {
    const row = await this.#db
      .selectFrom('merchants')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return count(row.n);
  }
}
