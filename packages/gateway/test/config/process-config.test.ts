/**
 * Configuration is checked at start-up (hardening issue, finding 6): every bad value is named, all
 * of them at once, and `umf-gateway serve` prints them and exits 2 instead of starting a gateway
 * that answers 500 (UMF_TOKEN_TTL_SECONDS=abc used to be accepted: every authorize then failed).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveConfig, ConfigError } from '../../src/config/process-config.ts';

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

test('the defaults and good values are accepted', () => {
  assert.deepEqual(problemsOf({}), []);
  const config = resolveConfig(
    { port: '9090' },
    {
      UMF_TOKEN_TTL_SECONDS: '7200',
      UMF_MODE: 'live',
      LOG_LEVEL: 'warn',
      UMF_SETTLEMENT_TIME: 'off',
      UMF_SETTLEMENT_CUTOFF: '23:30',
      UMF_PUBLIC_URL: 'https://pay.example.com/',
      UMF_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  );
  assert.equal(config.port, 9090);
  assert.equal(config.tokenTtlSeconds, 7200);
  assert.equal(config.sandbox, false);
  assert.equal(config.publicUrl, 'https://pay.example.com');
  assert.equal(config.settlement.runAtMinutes, undefined);
  assert.equal(config.settlement.cutoffMinutes, 23 * 60 + 30);
  assert.equal(resolveConfig({}, { UMF_MODE: 'production' }).sandbox, false);
  assert.equal(resolveConfig({}, {}).sandbox, true);
});

test('each bad value is named, all of them together', () => {
  const problems = problemsOf({
    PORT: '80x',
    UMF_TOKEN_TTL_SECONDS: 'abc',
    UMF_MODE: 'sandbx',
    LOG_LEVEL: 'verbose',
    UMF_SETTLEMENT_TIME: '25:00',
    UMF_SETTLEMENT_CUTOFF: 'midnight',
    UMF_PUBLIC_URL: 'ftp://example.com',
    UMF_MASTER_KEY: 'c2hvcnQ=',
    DATABASE_URL: 'mysql://user:hunter2@db/umf',
  });
  const expected = [
    /^PORT must be a port number 0-65535, got "80x"$/,
    /^DATABASE_URL must be sqlite:<path>, postgres:\/\/\.\.\. or pglite:/,
    /^UMF_PUBLIC_URL must be an http/,
    /^UMF_MASTER_KEY must be the base64 encoding of 32 random bytes/,
    /^UMF_MODE must be one of sandbox, live, production, got "sandbx"$/,
    /^UMF_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 86400, got "abc"$/,
    /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"$/,
    /UMF_SETTLEMENT_CUTOFF/,
    /UMF_SETTLEMENT_TIME/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const pattern of expected)
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${pattern}: ${problems.join('\n')}`,
    );
  assert.ok(!problems.join('\n').includes('hunter2'), 'a database password is never printed');
});

test('UMF_TOKEN_TTL_SECONDS: whole seconds within 60..86400 only', () => {
  for (const bad of ['abc', '0', '-5', '59', '86401', '3600.5', '1e3', '']) {
    assert.equal(problemsOf({ UMF_TOKEN_TTL_SECONDS: bad }).length, 1, `rejects ${JSON.stringify(bad)}`);
  }
  for (const good of ['60', '3600', '86400']) assert.deepEqual(problemsOf({ UMF_TOKEN_TTL_SECONDS: good }), []);
  assert.equal(problemsOf({}, { port: '65536' }).length, 1);
  assert.match(problemsOf({}, { port: '-1' })[0]!, /^--port must be/);
});

test('umf-gateway serve with bad values prints every one of them and exits 2 without starting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-config-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      UMF_DATA_DIR: join(dir, 'data'),
      PORT: '0',
      UMF_FTP_PORT: '0',
      UMF_TOKEN_TTL_SECONDS: 'abc',
      LOG_LEVEL: 'loud',
    };
    delete env.DATABASE_URL;
    delete env.UMF_MODE;
    const result = await promisify(execFile)(process.execPath, [bin, 'serve'], { env, timeout: 30_000 }).then(
      () => assert.fail('serve started with a bad configuration'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /invalid configuration/);
    assert.match(result.stderr, /UMF_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 86400, got "abc"/);
    assert.match(result.stderr, /LOG_LEVEL must be one of .*, got "loud"/);
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing was created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LOG_FORMAT: pretty or json; pretty by default on a terminal, json otherwise', () => {
  assert.equal(resolveConfig({}, {}, { stdoutIsTty: true }).logFormat, 'pretty');
  assert.equal(resolveConfig({}, {}, { stdoutIsTty: false }).logFormat, 'json');
  assert.equal(resolveConfig({}, { LOG_FORMAT: 'json' }, { stdoutIsTty: true }).logFormat, 'json');
  assert.equal(resolveConfig({}, { LOG_FORMAT: 'pretty' }, { stdoutIsTty: false }).logFormat, 'pretty');
  for (const bad of ['Pretty', 'text', 'JSON ', 'ndjson']) {
    const problems = problemsOf({ LOG_FORMAT: bad });
    assert.deepEqual(problems, [`LOG_FORMAT must be one of pretty, json, got ${JSON.stringify(bad)}`]);
  }
});

test('umf-gateway serve with a bad LOG_FORMAT names it and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-config-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      UMF_DATA_DIR: join(dir, 'data'),
      PORT: '0',
      UMF_FTP_PORT: '0',
      LOG_FORMAT: 'colour',
    };
    delete env.DATABASE_URL;
    delete env.UMF_MODE;
    const result = await promisify(execFile)(process.execPath, [bin, 'serve'], { env, timeout: 30_000 }).then(
      () => assert.fail('serve started with a bad LOG_FORMAT'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /LOG_FORMAT must be one of pretty, json, got "colour"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('UMF_B2B_DOCUMENT_WINDOW: seconds, or a number with s, m or h; 24h by default; anything else named', () => {
  assert.equal(resolveConfig({}, {}).documentWindowMs, 24 * 3_600_000);
  for (const [text, ms] of [
    ['86400', 86_400_000],
    ['90s', 90_000],
    ['90m', 5_400_000],
    ['24h', 86_400_000],
    ['2H', 7_200_000],
    ['1', 1_000],
    ['720h', 2_592_000_000],
  ] as const) {
    assert.equal(resolveConfig({}, { UMF_B2B_DOCUMENT_WINDOW: text }).documentWindowMs, ms, text);
  }
  for (const bad of ['0', '1d', '1.5h', 'soon', '-5m', '721h', '24 hours']) {
    assert.deepEqual(problemsOf({ UMF_B2B_DOCUMENT_WINDOW: bad }), [
      `UMF_B2B_DOCUMENT_WINDOW must be seconds (86400) or a whole number with s, m or h (90m, 24h), from 1s to ` +
        `720h, got ${JSON.stringify(bad)}`,
    ]);
  }
});

test('umf-gateway serve with a bad UMF_B2B_DOCUMENT_WINDOW names the accepted forms and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-config-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      UMF_DATA_DIR: join(dir, 'data'),
      PORT: '0',
      UMF_B2B_DOCUMENT_WINDOW: '1 day',
    };
    delete env.DATABASE_URL;
    delete env.UMF_MODE;
    const result = await promisify(execFile)(process.execPath, [bin, 'serve'], { env, timeout: 30_000 }).then(
      () => assert.fail('serve started with a bad UMF_B2B_DOCUMENT_WINDOW'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /UMF_B2B_DOCUMENT_WINDOW must be seconds \(86400\) or a whole number with s, m or h/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
