/**
 * Opens the database named by a URL and brings its schema up to date:
 * - `sqlite:<path>` (the default, a file in the data directory) or `sqlite::memory:`
 * - `postgres://...` / `postgresql://...` (a PostgreSQL server, for several gateway processes)
 * - `pglite:` or `pglite:<dir>` (PostgreSQL in process, used by tests where no server runs)
 */
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type Migration,
  type MigrationProvider,
  type Transaction,
} from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Database } from './schema.ts';
import { PGliteDialect } from './pglite/pglite-dialect.ts';
import { registerDirectSqlite } from './prepared.ts';
import { WalCheckpointer } from './checkpointer.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-wallets-and-checkout.ts';
import * as m003 from './migrations/003-ledger-and-refunds.ts';
import * as m004 from './migrations/004-customs-and-settlement.ts';
import * as m005 from './migrations/005-failure-reasons-and-prepay-ids.ts';
import * as m006 from './migrations/006-auth-throttle.ts';
import * as m007 from './migrations/007-payment-listing.ts';
import * as m008 from './migrations/008-outbox-merchant-index.ts';
import * as m009 from './migrations/009-b2b.ts';
import * as m010 from './migrations/010-b2b-returns.ts';
import * as m011 from './migrations/011-console-accounts.ts';
import * as m012 from './migrations/012-payment-search.ts';

export type DialectName = 'sqlite' | 'postgres';

/** A transaction of `Store.write`: what repositories write through. */
export type Trx = Transaction<Database>;

/** The database or a transaction: what repositories read and write through. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly url: string;
  /**
   * Runs `fn` in a write transaction. On SQLite, the write transactions asked for in the same turn
   * of the event loop share one transaction and one commit (group commit, see GroupCommit); each
   * caller's promise settles after that commit. `fn` must only write through `trx`, and may run
   * again (in a later group) when a group-mate fails. On PostgreSQL: one transaction per call.
   */
  write<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-wallets-and-checkout': m002,
  '003-ledger-and-refunds': m003,
  '004-customs-and-settlement': m004,
  '005-failure-reasons-and-prepay-ids': m005,
  '006-auth-throttle': m006,
  '007-payment-listing': m007,
  '008-outbox-merchant-index': m008,
  '009-b2b': m009,
  '010-b2b-returns': m010,
  '011-console-accounts': m011,
  '012-payment-search': m012,
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
  /** SQLite files: checkpoint the WAL on a worker thread (default true; see checkpointer.ts). */
  readonly walCheckpointer?: boolean;
  /**
   * SQLite files: create the file (and its directory) when it does not exist (default true). False:
   * a path that does not exist is a DatabaseNotFoundError (a mistyped path must not be a new, empty
   * database).
   */
  readonly create?: boolean;
}

/** A SQLite database file that does not exist, opened with `create: false`. */
export class DatabaseNotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`no database at ${path}`);
    this.name = 'DatabaseNotFoundError';
    this.path = path;
  }
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { url } = options;
  let db: Kysely<Database>;
  let dialect: DialectName;
  let startCheckpointer: (() => Promise<WalCheckpointer | undefined>) | undefined;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:' && options.create === false && !existsSync(path)) {
      throw new DatabaseNotFoundError(resolve(path));
    }
    if (path !== ':memory:') {
      // Directories made here are private; an existing one is the user's and left as it is.
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Made 0600 before SQLite opens it (SQLite gives its -wal and -shm the mode of the database
      // file), and set again whatever the umask did or an older gateway left.
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    if (path !== ':memory:') {
      for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
    }
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const cached = withStatementCache(sqlite);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
    registerDirectSqlite(db, {
      prepare: (source) => cached.prepare(source),
      get inTransaction() {
        return sqlite.inTransaction;
      },
    });
    dialect = 'sqlite';
    if (path !== ':memory:' && options.walCheckpointer !== false)
      startCheckpointer = () => WalCheckpointer.start(sqlite, path);
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
  try {
    await migrate(db);
  } catch (error) {
    // Nothing of a store that did not open stays open (a pool, a file handle).
    await db.destroy().catch(() => undefined);
    throw error;
  }
  const checkpointer = startCheckpointer ? await startCheckpointer() : undefined;
  const group = dialect === 'sqlite' && !url.startsWith('pglite:') ? new GroupCommit(db) : undefined;
  return {
    db,
    dialect,
    url: redactUrl(url),
    write: group ? (fn) => group.run(fn) : (fn) => db.transaction().execute(fn),
    close: async () => {
      await group?.drain();
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

interface QueuedWrite {
  readonly fn: (trx: Transaction<Database>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the one SQLite connection: a commit (the WAL append) costs more than the inserts of
 * a create, and every query waits for it on the event loop. Writes queued while the event loop was
 * busy run together in one transaction, one after the other, and commit once; each caller's promise
 * settles after that commit, so a caller never answers before its data is durable as before. When
 * one write of a group throws, the group is rolled back, that write fails with its error (it failed
 * against the writes before it, which run again) and the others run again in the next group.
 */
export class GroupCommit {
  static readonly MAX_GROUP = 64;
  readonly #db: Kysely<Database>;
  #queue: QueuedWrite[] = [];
  #running: Promise<void> | undefined;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#running ??= new Promise<void>((done) => setImmediate(() => void this.#flushAll().finally(done)));
    });
  }

  /** Settles every queued write (store close). */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #flushAll(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, GroupCommit.MAX_GROUP);
        await this.#flush(group);
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #flush(group: QueuedWrite[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [QueuedWrite];
      await this.#db.transaction().execute(only.fn).then(only.resolve, only.reject);
      return;
    }
    let pending = group;
    while (pending.length > 0) {
      const results: unknown[] = [];
      let failedAt = -1;
      let failure: unknown;
      let trx;
      try {
        trx = await this.#db.startTransaction().execute();
      } catch (error) {
        for (const w of pending) w.reject(error);
        return;
      }
      for (let i = 0; i < pending.length; i++) {
        try {
          results.push(await pending[i]!.fn(trx));
        } catch (error) {
          failedAt = i;
          failure = error;
          break;
        }
      }
      if (failedAt >= 0) {
        await trx
          .rollback()
          .execute()
          .catch(() => {});
        pending[failedAt]!.reject(failure);
        pending = pending.filter((_, i) => i !== failedAt);
        continue;
      }
      try {
        await trx.commit().execute();
      } catch (error) {
        await trx
          .rollback()
          .execute()
          .catch(() => {});
        for (const w of pending) w.reject(error);
        return;
      }
      pending.forEach((w, i) => w.resolve(results[i]));
      return;
    }
  }
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`, {
      cause: error,
    });
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
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
