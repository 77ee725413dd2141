/**
 * WAL checkpoints of an SQLite file database on a worker thread. better-sqlite3 is synchronous: with
 * SQLite's automatic checkpoints, the commit that crosses 1000 WAL pages copies them into the
 * database file and syncs it on the event loop, 5-10 ms during which no request moves. Instead, a
 * worker thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every few hundred ms
 * (a passive checkpoint never blocks the writer), and the gateway's connection checkpoints by itself
 * only if the WAL grows far beyond that (the worker stopped or fell behind): `wal_autocheckpoint` is
 * raised from 1000 to 10 000 pages, not switched off.
 *
 * The worker gets the file path and nothing else (no key, no data). It is unref'd (never keeps the
 * process alive) and stopped by close(); if it fails to start or dies, the connection goes back to
 * SQLite's default automatic checkpoints.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or locked: the next round tries again
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    db.close();
    parentPort.postMessage('stopped');
  }
});
parentPort.postMessage('ready');
`;

export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #sqlite: SQLite.Database;
  #stopped = false;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker, sqlite: SQLite.Database) {
    this.#worker = worker;
    this.#sqlite = sqlite;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('error', () => this.#fallBack());
    worker.once('exit', () => this.#fallBack());
  }

  /** Starts the worker for the database file `path` opened as `sqlite`; undefined if it cannot start. */
  static async start(sqlite: SQLite.Database, path: string, intervalMs = 250): Promise<WalCheckpointer | undefined> {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, {
        eval: true,
        workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, intervalMs },
      });
    } catch {
      return undefined;
    }
    const ready = await new Promise<boolean>((resolve) => {
      worker.once('message', (m) => resolve(m === 'ready'));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (!ready) {
      await worker.terminate();
      return undefined;
    }
    worker.unref();
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    return new WalCheckpointer(worker, sqlite);
  }

  /** Whether the worker still runs. */
  get running(): boolean {
    return !this.#stopped;
  }

  /** Stops the worker (after a last checkpoint); never hangs on a worker that does not answer. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const answered = new Promise<void>((resolve) => this.#worker.once('message', () => resolve()));
    this.#worker.postMessage('stop');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([answered, this.#exited, timeout]);
    await this.#worker.terminate();
    this.#restoreDefault();
  }

  #fallBack(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#restoreDefault();
  }

  #restoreDefault(): void {
    try {
      if (this.#sqlite.open) this.#sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // the connection is closing
    }
  }
}
