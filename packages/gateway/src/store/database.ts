/**
 * Opens the database named by a URL and brings its schema up to date:
 * - `sqlite:<path>` (the default, a file in the data directory) or `sqlite::memory:`
 * - `postgres://...` / `postgresql://...` (a PostgreSQL server, for several gateway processes)
 * - `pglite:` or `pglite:<dir>` (PostgreSQL in process, used by tests where no server runs)
 */
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema.ts';
import { PGliteDialect } from './pglite/pglite-dialect.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-wallets-and-checkout.ts';
import * as m003 from './migrations/003-ledger-and-refunds.ts';
import * as m004 from './migrations/004-customs-and-settlement.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly url: string;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-wallets-and-checkout': m002,
  '003-ledger-and-refunds': m003,
  '004-customs-and-settlement': m004,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export interface OpenStoreOptions {
  readonly url: string;
  /** Pool size for PostgreSQL. */
  readonly poolSize?: number;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { url } = options;
  let db: Kysely<Database>;
  let dialect: DialectName;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    dialect = 'sqlite';
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // int8 (money in minor units, epoch-millisecond times) arrives as text; the store converts
      // explicitly (toMinor / Number), so keep pg's default of strings and never parse to float.
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else if (url.startsWith('pglite:')) {
    const dir = url.slice('pglite:'.length);
    const { PGlite } = await import('@electric-sql/pglite');
    db = new Kysely<Database>({
      dialect: new PGliteDialect({ create: () => PGlite.create(dir ? { dataDir: dir } : {}) }),
    });
    dialect = 'postgres';
  } else {
    throw new Error(`unsupported database URL ${redactUrl(url)}: use sqlite:<path>, postgres://... or pglite:`);
  }
  await migrate(db);
  return {
    db,
    dialect,
    url: redactUrl(url),
    close: () => db.destroy(),
  };
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

/** Hides the password of a database URL for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares every query it runs. The
 * gateway runs the same few dozen SQL texts over and over, so keep their compiled statements (all
 * execution is synchronous, so a statement is never used by two queries at once).
 */
function withStatementCache(sqlite: SQLite.Database, capacity = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === 'prepare') {
        return (source: string) => {
          let statement = cache.get(source);
          if (!statement) {
            statement = prepare(source);
            if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
