/**
 * The documents FTP server's configuration (PRODUCT.md "B2B contracts"): `--ftp-port` / UMF_FTP_PORT
 * (default 2121, `off`), UMF_FTP_PASV_URL, UMF_FTP_PASV_PORTS, UMF_FTP_TLS_CERT / UMF_FTP_TLS_KEY; bad
 * values are exit 2 naming the accepted forms; `serve` names the FTP address in its start-up line and
 * stops with one line and exit 1 when the FTP port is taken.
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'basic-ftp';
import { ConfigError, resolveConfig } from '../../src/config/process-config.ts';
import { testCertificate } from '../helpers/b2b-documents.ts';

const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

function problemsOf(env: NodeJS.ProcessEnv, flags = {}): readonly string[] {
  try {
    resolveConfig(flags, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  return [];
}

/** Runs `serve` until its start-up line (then SIGTERM) or its exit: stderr and the exit code. */
function serve(env: Record<string, string>, args: string[] = []): Promise<{ stderr: string; code: number | null }> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    UMF_DATA_DIR: mkdtempSync(join(tmpdir(), 'umf-ftp-serve-')),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    UMF_SETTLEMENT_TIME: 'off',
    ...env,
  };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('listening on')) child.kill('SIGTERM');
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ stderr, code });
    }),
  );
}

describe('FTP configuration', () => {
  test('defaults: port 2121, no passive settings, no TLS; off disables; --ftp-port wins over UMF_FTP_PORT', () => {
    assert.deepEqual(resolveConfig({}, {}).ftp, {
      port: 2121,
      pasvAddress: undefined,
      pasvPorts: undefined,
      tls: undefined,
    });
    assert.equal(resolveConfig({}, { UMF_FTP_PORT: 'off' }).ftp, undefined);
    assert.equal(resolveConfig({ ftpPort: '2200' }, { UMF_FTP_PORT: 'off' }).ftp?.port, 2200);
    assert.equal(resolveConfig({ ftpPort: 'off' }, { UMF_FTP_PORT: '2200' }).ftp, undefined);
    const dir = mkdtempSync(join(tmpdir(), 'umf-ftp-tls-'));
    writeFileSync(join(dir, 'cert.pem'), 'x');
    writeFileSync(join(dir, 'key.pem'), 'x');
    const full = resolveConfig(
      {},
      {
        UMF_FTP_PORT: '0',
        UMF_FTP_PASV_URL: 'ftp://files.example.com',
        UMF_FTP_PASV_PORTS: '30000-30099',
        UMF_FTP_TLS_CERT: join(dir, 'cert.pem'),
        UMF_FTP_TLS_KEY: join(dir, 'key.pem'),
      },
    ).ftp;
    assert.deepEqual(full, {
      port: 0,
      pasvAddress: 'files.example.com',
      pasvPorts: { min: 30000, max: 30099 },
      tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
    });
    assert.equal(resolveConfig({}, { UMF_FTP_PASV_URL: '203.0.113.7' }).ftp?.pasvAddress, '203.0.113.7');
  });

  test('bad values: every one named, with the accepted forms', () => {
    assert.deepEqual(
      problemsOf({
        UMF_FTP_PORT: '21x',
        UMF_FTP_PASV_URL: 'http://[::1]/',
        UMF_FTP_PASV_PORTS: '3000',
        UMF_FTP_TLS_CERT: '/nonexistent/cert.pem',
      }),
      [
        'UMF_FTP_PORT must be a port number 0-65535 or off, got "21x"',
        'UMF_FTP_PASV_URL must be an IPv4 address or a host name (also written ftp://HOST), got "http://[::1]/"',
        'UMF_FTP_PASV_PORTS must be MIN-MAX, two ports 1-65535 with MIN <= MAX (e.g. 30000-30099), got "3000"',
        'UMF_FTP_TLS_CERT and UMF_FTP_TLS_KEY go together (explicit FTPS): set both PEM files or neither',
      ],
    );
    assert.deepEqual(problemsOf({}, { ftpPort: '70000' }), [
      '--ftp-port must be a port number 0-65535 or off, got "70000"',
    ]);
    assert.deepEqual(problemsOf({ UMF_FTP_PASV_PORTS: '31000-30000' }), [
      'UMF_FTP_PASV_PORTS must be MIN-MAX, two ports 1-65535 with MIN <= MAX (e.g. 30000-30099), got "31000-30000"',
    ]);
    assert.deepEqual(problemsOf({ UMF_FTP_TLS_CERT: '/nope/c.pem', UMF_FTP_TLS_KEY: '/nope/k.pem' }), [
      'UMF_FTP_TLS_CERT: cannot read /nope/c.pem (a PEM file)',
      'UMF_FTP_TLS_KEY: cannot read /nope/k.pem (a PEM file)',
    ]);
    assert.deepEqual(problemsOf({ PORT: '2121' }), [
      'UMF_FTP_PORT 2121 is the HTTP port too: the FTP server needs a port of its own',
    ]);
  });

  test('serve: a bad FTP value is exit 2 before anything starts', async () => {
    const run = await serve({ UMF_FTP_PORT: 'twenty-one' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /UMF_FTP_PORT must be a port number 0-65535 or off, got "twenty-one"/);
  });

  test('serve: the start-up line names the FTP address, which takes logins; off says FTP off', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const child = spawn(process.execPath, [bin, 'serve', '--ftp-port', String(free)], {
      env: {
        ...process.env,
        UMF_DATA_DIR: mkdtempSync(join(tmpdir(), 'umf-ftp-serve-')),
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      await new Promise<void>((resolve) =>
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('listening on')) resolve();
        }),
      );
      assert.match(
        stderr,
        new RegExp(`listening on http://127\\.0\\.0\\.1:\\d+ .*, documents ftp://127\\.0\\.0\\.1:${free}\\)\\n`),
      );
      const client = new Client(5000);
      const welcome = await client.connect('127.0.0.1', free);
      assert.match(welcome.message, /umf-gateway documents FTP/);
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    const off = await serve({ UMF_FTP_PORT: 'off' });
    assert.match(off.stderr, /listening on .*, FTP off\)/);
  });

  test('serve: a taken FTP port stops it with one line and exit 1', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const run = await serve({ UMF_FTP_PORT: String(port) });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(
        run.stderr,
        `umf-gateway: cannot listen for FTP on 127.0.0.1:${port}: the port is in use (another gateway?); ` +
          'choose another with UMF_FTP_PORT or --ftp-port (off disables FTP)\n',
      );
    } finally {
      taken.close();
    }
  });

  test('serve with UMF_FTP_TLS_CERT/KEY: FTPS required, said in the start-up line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'umf-ftp-tls-'));
    const { cert, key } = testCertificate();
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    const run = await serve({
      UMF_FTP_PORT: '0',
      UMF_FTP_TLS_CERT: join(dir, 'cert.pem'),
      UMF_FTP_TLS_KEY: join(dir, 'key.pem'),
    });
    assert.match(run.stderr, /documents ftp:\/\/127\.0\.0\.1:\d+ \(FTPS required\)\)/);
  });
});
