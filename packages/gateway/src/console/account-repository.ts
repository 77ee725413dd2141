/** Every SQL statement about console accounts (`console_accounts`, migration 011), as ConsoleAccounts. */
import type { Kysely, Selectable } from 'kysely';
import type { ConsoleAccountsTable, Database } from '../store/schema.ts';
import type { Db } from '../store/database.ts';
import { numberOf } from '../store/records.ts';
import { OPERATOR_ROLES, type ConsoleAccount, type OperatorRole } from './account-record.ts';

/** An account with its password hash (only the login reads it). */
export interface AccountCredentials {
  readonly account: ConsoleAccount;
  readonly passwordHash: string;
}

export function accountOf(row: Selectable<ConsoleAccountsTable>): ConsoleAccount {
  const createdAt = numberOf(row.created_at);
  if (row.kind === 'merchant_user' && row.merchant_id) {
    return { kind: 'merchant_user', id: row.id, email: row.email, merchantId: row.merchant_id, createdAt };
  }
  const role = (OPERATOR_ROLES as readonly string[]).includes(row.role ?? '') ? (row.role as OperatorRole) : 'viewer';
  return { kind: 'operator', id: row.id, email: row.email, role, createdAt };
}

export class AccountRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts an account (a unique violation when its email is taken). */
  async insert(trx: Db, account: ConsoleAccount, passwordHash: string): Promise<void> {
    await trx
      .insertInto('console_accounts')
      .values({
        id: account.id,
        email: account.email,
        kind: account.kind,
        role: account.kind === 'operator' ? account.role : null,
        merchant_id: account.kind === 'merchant_user' ? account.merchantId : null,
        password_hash: passwordHash,
        created_at: account.createdAt,
      })
      .execute();
  }

  async credentialsOf(email: string): Promise<AccountCredentials | undefined> {
    const row = await this.#db.selectFrom('console_accounts').selectAll().where('email', '=', email).executeTakeFirst();
    return row && { account: accountOf(row), passwordHash: row.password_hash };
  }

  async byId(id: string): Promise<ConsoleAccount | undefined> {
    const row = await this.#db.selectFrom('console_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && accountOf(row);
  }

  /** Every account, oldest first (the admin's list; never with a hash). */
  async list(): Promise<ConsoleAccount[]> {
    const rows = await this.#db
      .selectFrom('console_accounts')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(accountOf);
  }
}
