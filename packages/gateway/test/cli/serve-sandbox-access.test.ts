/**
 * `umf-gateway serve` says on its start-up line who may call the sandbox's JSON endpoints (HOST and
 * UMF_SANDBOX_PUBLIC, config/process-config.ts), and refuses to start on a bad UMF_SANDBOX_PUBLIC,
 * naming it.
 */
import test, { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'umf-serve-access-'));

/** Starts `serve` with `env`; its first line on stderr (or what it said before exiting) and its exit code. */
function serve(env: Record<string, string>): Promise<{ banner: string; code: number | null }> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    UMF_DATA_DIR: dataDir,
    PORT: '0',
    UMF_FTP_PORT: '0',
    LOG_LEVEL: 'warn',
    UMF_SETTLEMENT_TIME: 'off',
    ...env,
  };
  delete childEnv.DATABASE_URL;
  if (!('UMF_SANDBOX_PUBLIC' in env)) delete childEnv.UMF_SANDBOX_PUBLIC;
  if (!('HOST' in env)) delete childEnv.HOST;
  const child = spawn(process.execPath, ['packages/gateway/bin/umf-gateway.js', 'serve'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((done, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve said nothing within 30 s: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('listening on')) child.kill('SIGTERM');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ banner: stderr, code });
    });
  });
}

describe('serve: the sandbox access on the start-up line', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('loopback, beyond loopback, public', async () => {
    const local = await serve({ HOST: '127.0.0.1' });
    assert.match(local.banner, /listening on .*sandbox endpoints open to loopback only/, local.banner);
    const lan = await serve({ HOST: '0.0.0.0' });
    assert.match(lan.banner, /listening on .*sandbox endpoints: token required beyond loopback/, lan.banner);
    const open = await serve({ HOST: '0.0.0.0', UMF_SANDBOX_PUBLIC: '1' });
    assert.match(open.banner, /listening on .*sandbox endpoints public \(UMF_SANDBOX_PUBLIC=1\)/, open.banner);
  });

  test('a bad UMF_SANDBOX_PUBLIC: no start, an error naming it', async () => {
    const bad = await serve({ HOST: '127.0.0.1', UMF_SANDBOX_PUBLIC: 'yes' });
    assert.equal(bad.code, 2, bad.banner);
    assert.ok(!bad.banner.includes('listening on'), bad.banner);
    assert.match(bad.banner, /invalid UMF_SANDBOX_PUBLIC "yes"/m, bad.banner);
  });
});
