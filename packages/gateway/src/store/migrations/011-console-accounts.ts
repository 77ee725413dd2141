import type { Kysely } from 'kysely';

/**
 * The console (issue 12): its accounts, their sessions and the audit log.
 *
 * - `console_accounts`: people who log in to `/console`. `kind` is `operator` (with a `role`:
 *   admin, reviewer or viewer) or `merchant_user` (read-only, bound to `merchant_id`). `email` is
 *   stored lower case and unique. `password_hash` is `scrypt$N$r$p$salt$hash` (console/password-hash.ts).
 * - `console_sessions`: server-side sessions. `id_hash` is the SHA-256 of the cookie's random 32-byte
 *   id (the id itself is never stored); `csrf_token` the session's token for its forms;
 *   `last_seen_at` drives the idle expiry, `created_at` the absolute one.
 *   `console_sessions_account` finds an account's sessions (log out everywhere).
 * - `console_audit`: who did what, when, to what, from which address; newest first through
 *   `console_audit_newest`.
 *
 * Idempotent: every step checks first (an upgrade test runs the migrations again).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_accounts')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('role', 'text')
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('console_sessions')
    .ifNotExists()
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('console_accounts.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('console_sessions_account')
    .ifNotExists()
    .on('console_sessions')
    .column('account_id')
    .execute();
  await db.schema
    .createTable('console_audit')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('detail', 'text')
    .addColumn('address', 'text')
    .addColumn('merchant_id', 'text')
    .execute();
  await db.schema.createIndex('console_audit_newest').ifNotExists().on('console_audit').columns(['at', 'id']).execute();
}
