/**
 * Every SQL statement of the token endpoint's throttle (table `auth_throttle`, migration 006). A row
 * counts the failed attempts of one source: `pair:<address> <client id>` (one address with one client
 * id) or `address:<address>` (one address, every client id). An attempt is ADMITTED (its secret may
 * be checked) by one atomic upsert that counts it as a failure in advance and that does nothing while
 * the source is blocked; the attempt that brings the count to `freeFailures` blocks the source for
 * `baseDelayMs`, each later one for twice as long as the one before, up to `maxDelayMs`. A success
 * takes its attempt back (oauth-service.ts). Rows live in the database, so every gateway process on
 * it shares them.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../store/database.ts';
import { numberOf } from '../store/records.ts';

export interface ThrottleRule {
  /** Failures a source has before it is blocked at all. */
  readonly freeFailures: number;
  /** The block after the `freeFailures`-th failure; it doubles with each further failure. */
  readonly baseDelayMs: number;
  /** The longest block. */
  readonly maxDelayMs: number;
  /** A source that made no attempt for this long (and is not blocked) starts again from zero. */
  readonly quietResetMs: number;
}

/** How long a source with `failures` failures is blocked. */
export function blockFor(rule: ThrottleRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  const doublings = failures - rule.freeFailures;
  return doublings >= 40 ? rule.maxDelayMs : Math.min(rule.baseDelayMs * 2 ** doublings, rule.maxDelayMs);
}

/** The outcome of admitting an attempt: admitted, or blocked until `blockedUntil`. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly blockedUntil: number };

export class AuthThrottleRepository {
  /**
   * Counts an attempt of the source `key` as a failure, in one statement, unless the source is
   * blocked at `now`: then nothing changes and the answer says until when.
   */
  async admit(db: Db, key: string, now: number, rule: ThrottleRule): Promise<Admission> {
    const stale = sql<boolean>`auth_throttle.last_attempt_at < ${now - rule.quietResetMs}`;
    const failures = sql<number>`(CASE WHEN ${stale} THEN 1 ELSE auth_throttle.failures + 1 END)`;
    const row = await db
      .insertInto('auth_throttle')
      .values({ key, failures: 1, last_attempt_at: now, blocked_until: now + blockFor(rule, 1) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ failures, last_attempt_at: now, blocked_until: blockedUntilSql(rule, failures, now) })
          .where('auth_throttle.blocked_until', '<=', now),
      )
      .returning('failures')
      .executeTakeFirst();
    if (row) return { admitted: true };
    const blocked = await db
      .selectFrom('auth_throttle')
      .select('blocked_until')
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return { admitted: false, blockedUntil: numberOf(blocked.blocked_until) };
  }

  /**
   * A checked attempt failed at `now`: the source's block (if its count blocks it) runs from now, not
   * from when the attempt was admitted (checking a secret takes a while), and is never shortened.
   */
  async failed(db: Db, key: string, now: number, rule: ThrottleRule): Promise<void> {
    const row = await this.get(db, key);
    if (!row) return;
    const wait = blockFor(rule, row.failures);
    if (wait === 0) return;
    await db
      .updateTable('auth_throttle')
      .set({ blocked_until: now + wait })
      .where('key', '=', key)
      .where('blocked_until', '<', now + wait)
      .execute();
  }

  /** Takes back the failure counted in advance for a successful attempt: the source is not blocked by it. */
  async succeeded(db: Db, key: string, rule: ThrottleRule): Promise<void> {
    await db
      .updateTable('auth_throttle')
      .set({
        failures: sql<number>`CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END`,
        blocked_until: sql<number>`CASE WHEN failures - 1 < ${rule.freeFailures} THEN 0 ELSE blocked_until END`,
      })
      .where('key', '=', key)
      .execute();
  }

  /** Forgets a source (a client id's right secret from an address clears that pair). */
  async forget(db: Db, key: string): Promise<void> {
    await db.deleteFrom('auth_throttle').where('key', '=', key).execute();
  }

  /** Deletes the rows of sources quiet since `before` and no longer blocked at `now`. */
  async prune(db: Db, before: number, now: number): Promise<number> {
    const result = await db
      .deleteFrom('auth_throttle')
      .where('last_attempt_at', '<', before)
      .where('blocked_until', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The row of a source (tests and the CLI look at it). */
  async get(db: Db, key: string): Promise<{ failures: number; blockedUntil: number } | undefined> {
    const row = await db.selectFrom('auth_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    return row && { failures: row.failures, blockedUntil: numberOf(row.blocked_until) };
  }
}

/**
 * `now + blockFor(rule, failures)` in SQL, as a CASE over the few counts that block for less than
 * `maxDelayMs` (the same in SQLite and PostgreSQL, which share no power function).
 */
function blockedUntilSql(rule: ThrottleRule, failures: RawBuilder<number>, now: number): RawBuilder<number> {
  const steps: RawBuilder<unknown>[] = [];
  for (let f = rule.freeFailures; blockFor(rule, f) < rule.maxDelayMs; f++) {
    steps.push(sql`WHEN ${failures} = ${sql.lit(f)} THEN ${sql.lit(now + blockFor(rule, f))}`);
  }
  return sql<number>`CASE WHEN ${failures} < ${sql.lit(rule.freeFailures)} THEN 0
    ${sql.join(steps, sql` `)} ELSE ${sql.lit(now + rule.maxDelayMs)} END`;
}
