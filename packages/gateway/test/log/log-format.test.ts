/**
 * LOG_FORMAT (developer-experience issue, finding 4): `json` (pino's lines; the default when stdout
 * is not a terminal) or `pretty` (one readable line per record: local time, level, message,
 * key=value; the default on a terminal, the level coloured there). Redaction holds in both: a token
 * in a URL's query and the Authorization header never reach the log. Run through `umf-gateway serve`
 * itself, and the formatter on records.
 */
import test, { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatLogRecord, prettyLogStream } from '../../src/log/pretty-log.ts';
import { processLoggerOptions } from '../../src/log/process-logger.ts';

const root = resolve(import.meta.dirname, '../../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'umf-log-format-'));
const SECRET = 'tok3n-in-the-url';
const BEARER = 'b3arer-value-0000';

/** Starts `serve` (stdout piped: not a terminal), GETs a page URL with a token; stdout once the request is logged. */
async function serveAndRequest(env: Record<string, string>): Promise<string> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    UMF_DATA_DIR: dataDir,
    PORT: '0',
    UMF_FTP_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    UMF_SETTLEMENT_TIME: 'off',
    ...env,
  };
  delete childEnv.DATABASE_URL;
  if (!('LOG_FORMAT' in env)) delete childEnv.LOG_FORMAT;
  const child = spawn(process.execPath, ['packages/gateway/bin/umf-gateway.js', 'serve'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let requested = false;
  return new Promise((done, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no request logged within 30 s:\n${stderr}\n${stdout}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (/request completed/.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const address = /listening on (http:\/\/\S+) /.exec(stderr)?.[1];
      if (address && !requested) {
        requested = true;
        fetch(`${address}/checkout/PAY_NOPE?t=${SECRET}&lang=en`, { headers: { authorization: `Bearer ${BEARER}` } })
          .then((res) => res.text())
          .catch(reject);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      done(stdout);
    });
  });
}

describe('serve: LOG_FORMAT', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('json by default when stdout is not a terminal: one JSON object a line, tokens redacted', async () => {
    const stdout = await serveAndRequest({});
    const records = stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, any>);
    const incoming = records.find((r) => r.msg === 'incoming request');
    assert.equal(incoming?.req?.url, '/checkout/PAY_NOPE?t=[REDACTED]&lang=en');
    const completed = records.find((r) => r.msg === 'request completed');
    assert.equal(completed?.res?.statusCode, 403, 'the page refuses a bad page token');
    assert.equal(completed?.reqId, incoming?.reqId);
    assert.ok(!stdout.includes(SECRET) && !stdout.includes(BEARER), 'no token in the log');
  });

  test('pretty: a line per record (time, level, message, key=value), redacted, no colour in a pipe', async () => {
    const stdout = await serveAndRequest({ LOG_FORMAT: 'pretty' });
    const lines = stdout.split('\n').filter((l) => l !== '');
    const incoming = lines.find((l) => l.includes('incoming request'));
    const url = String.raw`url=/checkout/PAY_NOPE\?t=\[REDACTED\]&lang=en`;
    assert.match(
      incoming ?? '',
      new RegExp(String.raw`^\d\d:\d\d:\d\d\.\d{3} INFO  incoming request reqId=\S+ method=GET ${url}$`),
    );
    const completed = lines.find((l) => l.includes('request completed'));
    assert.match(
      completed ?? '',
      new RegExp(
        String.raw`^\d\d:\d\d:\d\d\.\d{3} INFO  request completed reqId=\S+ method=GET ${url} status=403 ms=[\d.]+$`,
      ),
    );
    assert.ok(!stdout.includes('{"'), 'no JSON line');
    assert.ok(!stdout.includes('\u001b['), 'no colour codes when stdout is not a terminal');
    assert.ok(!stdout.includes(SECRET) && !stdout.includes(BEARER), 'no token in the log');
  });
});

test('the pretty form of a notification record: the useful fields first, nulls left out, quoted values', () => {
  const time = new Date(2025, 5, 1, 14, 3, 9, 20).getTime();
  const line = formatLogRecord(
    JSON.stringify({
      level: 40,
      time,
      pid: 1,
      hostname: 'h',
      notificationId: 'NTF_1',
      merchantId: 'M1',
      objectType: 'payment',
      objectId: 'PAY_1',
      url: 'http://shop.example/notify',
      attempt: 2,
      outcome: 'network_error',
      status: null,
      ms: 3,
      error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
      next: '2025-06-01T06:03:39.020Z',
      msg: 'notification attempt failed',
    }),
  );
  assert.equal(
    line,
    '14:03:09.020 WARN  notification attempt failed notificationId=NTF_1 merchantId=M1 objectType=payment ' +
      'objectId=PAY_1 url=http://shop.example/notify attempt=2 outcome=network_error ms=3 ' +
      'error="ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9" next=2025-06-01T06:03:39.020Z',
  );
  assert.equal(formatLogRecord('not json'), 'not json');
  assert.match(
    formatLogRecord(JSON.stringify({ level: 50, time, msg: 'boom', err: { type: 'TypeError', message: 'x is y' } })),
    /^14:03:09\.020 ERROR boom err="TypeError: x is y"$/,
  );
});

test('on a terminal the level is coloured; json leaves pino its own destination', () => {
  const written: string[] = [];
  const tty = { write: (s: string) => written.push(s), isTTY: true };
  const options = processLoggerOptions({ level: 'info', format: 'pretty', stdout: tty });
  assert.equal(options.level, 'info');
  options.stream!.write(`${JSON.stringify({ level: 40, time: 0, msg: 'careful' })}\n`);
  options.stream!.write(`${JSON.stringify({ level: 30, time: 0, msg: 'fine' })}\n`);
  const ESC = '\u001b';
  assert.match(written[0]!, /^\d\d:\d\d:\d\d\.\d{3} /);
  assert.ok(written[0]!.endsWith(` ${ESC}[33mWARN ${ESC}[39m careful\n`), JSON.stringify(written[0]));
  assert.ok(written[1]!.endsWith(` ${ESC}[32mINFO ${ESC}[39m fine\n`), JSON.stringify(written[1]));
  assert.deepEqual(processLoggerOptions({ level: 'warn', format: 'json', stdout: tty }), { level: 'warn' });

  const plain: string[] = [];
  prettyLogStream({ write: (s) => plain.push(s), color: false }).write(
    `${JSON.stringify({ level: 30, time: 0, msg: 'a' })}\n${JSON.stringify({ level: 30, time: 0, msg: 'b' })}\n`,
  );
  assert.equal(plain.length, 2, 'one line per record, even when pino hands over two at once');
});
