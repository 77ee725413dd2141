/**
 * The databases every store-backed test runs on: SQLite (a temp file, so several stores can open the
 * same database) and PostgreSQL. PostgreSQL is the server named by UMF_TEST_POSTGRES_URL when set
 * (a fresh database `umf_t_<random>` is created on it for each open() and dropped by drop()),
 * otherwise PGlite in memory.
 *
 *   for (const kind of testDatabaseUrls()) {
 *     test(`... (${kind.name})`, async () => {
 *       const tdb = await kind.open();
 *       const store = await openStore({ url: tdb.url });
 *       try { ... } finally { await store.close(); await tdb.drop(); }
 *     });
 *   }
 *
 * SQLite: better-sqlite3 is synchronous, so two stores on one file in ONE process deadlock as soon as
 * one holds a write transaction across an await while the other writes (the busy wait blocks the
 * thread that would commit). Share one store in a process; test several writers with a child process.
 *
 * Close every store opened on the URL before drop(); drop() waits (up to 2 s) for the server to end
 * their sessions, then forces out any that are left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export interface TestDatabase {
  readonly url: string;
  /**
   * Whether several openStore() calls on `url` reach the same database (true for SQLite files and
   * PostgreSQL servers; false for in-memory PGlite, where each store is its own database).
   */
  readonly shared: boolean;
  drop(): Promise<void>;
}

export interface TestDatabaseKind {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<TestDatabase>;
}

export function testDatabaseUrls(): Array<TestDatabaseKind> {
  return [
    { name: 'sqlite', open: openSqlite },
    { name: 'postgres', open: openPostgres },
  ];
}

async function openSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'umf-test-db-'));
  return {
    url: `sqlite:${join(dir, 'gateway.db')}`,
    shared: true,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function openPostgres(): Promise<TestDatabase> {
  const server = process.env['UMF_TEST_POSTGRES_URL'];
  if (!server) return { url: 'pglite:', shared: false, drop: async () => {} };
  const name = `umf_t_${randomBytes(6).toString('hex')}`;
  await withClient(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    shared: true,
    drop: async () => {
      await withClient(server, async (client) => {
        // A closed pg pool has sent its goodbyes but the server may not have ended those sessions
        // yet; terminating them now (FORCE) would surface as an 'error' on the closing clients.
        for (let i = 0; i < 100; i++) {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if ((rows[0]?.n ?? 0) === 0) break;
          await sleep(20);
        }
        try {
          // FORCE (PostgreSQL 13+) ends connections a failed test left open.
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } catch {
          await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        }
      });
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
