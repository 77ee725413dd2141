/**
 * WAL checkpoints on a worker thread: the worker starts with an SQLite file store and checkpoints the
 * WAL; the connection keeps a fallback automatic checkpoint; closing stores leaves no thread behind.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { openStore } from '../../src/store/database.ts';
import { DEFAULT_AUTOCHECKPOINT_PAGES, WalCheckpointer } from '../../src/store/checkpointer.ts';

const threads = () => readdirSync('/proc/self/task').length;

/** Waits (bounded) until the thread count is back to `count` or below; returns the last count. */
async function threadsBackTo(count: number): Promise<number> {
  for (let i = 0; i < 100 && threads() > count; i++) await sleep(20);
  return threads();
}

test('the checkpointer raises the fallback, checkpoints the WAL, and restores the default when stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-ckpt-'));
  const path = join(dir, 'db.sqlite');
  const sqlite = new SQLite(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('create table t (x text)');
    const checkpointer = await WalCheckpointer.start(sqlite, path, 20);
    assert.ok(checkpointer, 'the worker started');
    assert.ok(checkpointer.running, 'and runs');
    assert.equal(
      sqlite.pragma('wal_autocheckpoint', { simple: true }),
      10_000,
      'the connection only checkpoints by itself far beyond the worker',
    );
    const insert = sqlite.prepare('insert into t values (?)');
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
    // The worker's passive checkpoints copy the WAL into the database file (bounded wait).
    for (let i = 0; i < 100 && statSync(path).size < 400_000; i++) await sleep(20);
    assert.ok(statSync(path).size >= 400_000, `the database file holds the rows: ${statSync(path).size} bytes`);
    await checkpointer.stop();
    assert.ok(!checkpointer.running, 'stopped');
    assert.equal(
      sqlite.pragma('wal_autocheckpoint', { simple: true }),
      DEFAULT_AUTOCHECKPOINT_PAGES,
      'back to SQLite automatic checkpoints',
    );
    await checkpointer.stop();
    assert.ok(true, 'stopping twice is harmless');
  } finally {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opening and closing SQLite stores leaves no thread behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-ckpt-'));
  try {
    const before = threads();
    for (let round = 0; round < 2; round++) {
      const stores = await Promise.all(
        [0, 1, 2].map((i) => openStore({ url: `sqlite:${join(dir, `db${round}-${i}.sqlite`)}` })),
      );
      assert.ok(threads() > before, 'each store runs its checkpoint worker');
      await Promise.all(stores.map((s) => s.close()));
    }
    const after = await threadsBackTo(before);
    assert.ok(after <= before, `threads back to ${before} after close, got ${after}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('walCheckpointer: false and in-memory databases start no worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-ckpt-'));
  try {
    const before = threads();
    const off = await openStore({ url: `sqlite:${join(dir, 'off.sqlite')}`, walCheckpointer: false });
    const memory = await openStore({ url: 'sqlite::memory:' });
    assert.ok(threads() <= before, `no worker thread: ${threads()} threads, ${before} before`);
    await off.close();
    await memory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
