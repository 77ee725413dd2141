/**
 * `umf-gateway serve` that cannot start ends, in one line and with status 1, having closed what it
 * opened: a port in use, a database it cannot reach. (A bad configuration value is status 2:
 * serve-sandbox-access.test.ts, config/process-config.test.ts.)
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

/** Runs serve with `env`; its stderr, exit status and how long it took. Killed after 15 s. */
function serve(env: Record<string, string>): Promise<{ stderr: string; code: number | null; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { ...process.env, UMF_DATA_DIR: mkdtempSync(join(tmpdir(), 'umf-serve-start-')), UMF_FTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ stderr, code, ms: Date.now() - started });
    });
  });
}

function occupied(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

describe('serve: start-up failures', () => {
  test('a port in use: exit 1 within 5 s, one line saying so', async () => {
    const { server, port } = await occupied();
    try {
      const run = await serve({ PORT: String(port), HOST: '127.0.0.1' });
      assert.equal(run.code, 1, run.stderr);
      assert.ok(run.ms < 5000, `ended in ${run.ms} ms`);
      assert.equal(
        run.stderr,
        `umf-gateway: cannot listen on 127.0.0.1:${port}: the port is in use (another gateway?); ` +
          'stop it or choose another port with PORT or --port\n',
      );
    } finally {
      server.close();
    }
  });

  test('a PostgreSQL server it cannot reach: exit 1, one line naming the database without its password', async () => {
    const { server, port } = await occupied();
    server.close(); // a port nobody listens on now
    const run = await serve({ DATABASE_URL: `postgres://shop:hunter2@127.0.0.1:${port}/umf` });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^umf-gateway: cannot open the database postgres://shop:\\*\\*\\*@127\\.0\\.0\\.1:${port}/umf: .*ECONNREFUSED`,
      ),
    );
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.ok(!run.stderr.includes('hunter2'), 'the password is not printed');
  });
});
