/**
 * Every SQL statement about console sessions (`console_sessions`, migration 011). Sessions are
 * found by the SHA-256 of the cookie's id; the idle and absolute expiries are checked in SQL, so an
 * expired row never comes back (and `prune` deletes it).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Db } from '../store/database.ts';
import { numberOf } from '../store/records.ts';
import { accountOf } from './account-repository.ts';
import type { ConsoleAccount } from './account-record.ts';

export interface SessionRow {
  readonly idHash: string;
  readonly account: ConsoleAccount;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export class SessionRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(
    trx: Db,
    session: { idHash: string; accountId: string; csrfToken: string; address: string; now: number },
  ): Promise<void> {
    await trx
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        account_id: session.accountId,
        csrf_token: session.csrfToken,
        address: session.address,
        created_at: session.now,
        last_seen_at: session.now,
      })
      .execute();
  }

  /** The live session of `idHash` at `now` with its account, or undefined (unknown, idle too long, too old). */
  async live(idHash: string, now: number, limits: SessionLimits): Promise<SessionRow | undefined> {
    const row = await this.#db
      .selectFrom('console_sessions as s')
      .innerJoin('console_accounts as a', 'a.id', 's.account_id')
      .select([
        's.id_hash',
        's.csrf_token',
        's.created_at as session_created_at',
        's.last_seen_at',
        'a.id',
        'a.email',
        'a.kind',
        'a.role',
        'a.merchant_id',
        'a.password_hash',
        'a.created_at',
      ])
      .where('s.id_hash', '=', idHash)
      .where('s.last_seen_at', '>', now - limits.idleMs)
      .where('s.created_at', '>', now - limits.absoluteMs)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      idHash: row.id_hash,
      account: accountOf(row),
      csrfToken: row.csrf_token,
      createdAt: numberOf(row.session_created_at),
      lastSeenAt: numberOf(row.last_seen_at),
    };
  }

  /** Marks the session seen at `now` (the idle expiry runs from here). */
  async touch(trx: Db, idHash: string, now: number): Promise<void> {
    await trx.updateTable('console_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }

  async delete(trx: Db, idHash: string): Promise<void> {
    await trx.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of an account; how many there were. */
  async deleteAllOf(trx: Db, accountId: string): Promise<number> {
    const result = await trx.deleteFrom('console_sessions').where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many live sessions an account has (the page says so before "log out everywhere"). */
  async countLive(accountId: string, now: number, limits: SessionLimits): Promise<number> {
    const row = await this.#db
      .selectFrom('console_sessions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .where('last_seen_at', '>', now - limits.idleMs)
      .where('created_at', '>', now - limits.absoluteMs)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes the expired sessions. */
  async prune(trx: Db, now: number, limits: SessionLimits): Promise<number> {
    const result = await trx
      .deleteFrom('console_sessions')
      .where((eb) =>
        eb.or([eb('last_seen_at', '<=', now - limits.idleMs), eb('created_at', '<=', now - limits.absoluteMs)]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
