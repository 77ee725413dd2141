/**
 * Finding 6 of the hardening issue: the data directory is private whatever the umask. The SQLite
 * database and its -wal/-shm are 0600, the data directory 0700, merchant key files 0600, also when an
 * older gateway (or a loose umask) left them readable; directories above the data directory are not
 * touched.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/store/database.ts';
import { loadKeys } from '../../src/context.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

test('a new data directory under umask 022: directory 0700, database, -wal, -shm and master.key 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'umf-modes-'));
  chmodSync(parent, 0o755);
  try {
    const dataDir = join(parent, 'data');
    await withUmask(0o022, async () => {
      const file = join(dataDir, 'umf-gateway.sqlite');
      const store = await openStore({ url: `sqlite:${file}`, walCheckpointer: false });
      try {
        await loadKeys({ dataDir, masterKeyEnv: undefined }, store);
        assert.equal(modeOf(dataDir), 0o700, 'data directory');
        assert.equal(modeOf(file), 0o600, 'database');
        assert.equal(modeOf(`${file}-wal`), 0o600, '-wal');
        assert.equal(modeOf(`${file}-shm`), 0o600, '-shm');
        assert.equal(modeOf(join(dataDir, 'master.key')), 0o600, 'master.key');
      } finally {
        await store.close();
      }
    });
    assert.equal(modeOf(parent), 0o755, "the user's parent directory is left alone");
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('files an older gateway left readable are made private at start-up', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'umf-modes-'));
  chmodSync(parent, 0o755);
  try {
    const dataDir = join(parent, 'data');
    mkdirSync(join(dataDir, 'merchants'), { recursive: true });
    const file = join(dataDir, 'umf-gateway.sqlite');
    let store = await openStore({ url: `sqlite:${file}`, walCheckpointer: false });
    await store.close();
    const pem = join(dataDir, 'merchants', 'MER_1.pem');
    writeFileSync(pem, 'key');
    for (const path of [file, pem]) chmodSync(path, 0o644);
    chmodSync(join(dataDir, 'merchants'), 0o755);
    chmodSync(dataDir, 0o755);

    store = await openStore({ url: `sqlite:${file}`, walCheckpointer: false });
    try {
      assert.equal(modeOf(file), 0o600, 'database');
      await loadKeys({ dataDir, masterKeyEnv: randomBytes(32).toString('base64') }, store);
      assert.equal(modeOf(dataDir), 0o700, 'data directory');
      assert.equal(modeOf(join(dataDir, 'merchants')), 0o700, 'merchants directory');
      assert.equal(modeOf(pem), 0o600, 'merchant key file');
    } finally {
      await store.close();
    }
    assert.equal(modeOf(parent), 0o755);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
