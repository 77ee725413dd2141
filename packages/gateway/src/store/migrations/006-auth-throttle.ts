import type { Kysely } from 'kysely';

/**
 * The token endpoint's failure counts move from one row per client id (`auth_failures`, which let
 * anyone who knew a client id lock its merchant out) to one row per throttled source
 * (`auth_throttle`, oauth/auth-throttle-repository.ts): a key `pair:<address> <client id>` for the
 * failures of one address with one client id, `address:<address>` for all failures of one address.
 * The old per-client counts and lockouts are not carried over: they named no address, and a lockout
 * of a client id is exactly what this migration removes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('blocked_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.dropTable('auth_failures').execute();
}
