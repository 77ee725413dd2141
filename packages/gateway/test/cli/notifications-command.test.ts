/**
 * `umf-gateway notifications list` across objects (--merchant, --failing, --pending, --limit, --json)
 * and `notifications tail` (developer-experience issue, build item 5), beside a running gateway on
 * the same database: in this process through the exported functions, and as the command in another
 * process (SQLite file and PostgreSQL server; in-memory PGlite cannot be shared).
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paidWalletPaymentNotifying } from '../helpers/refunds.ts';
import { notificationsList, notificationsTail } from '../../src/cli/notifications-command.ts';
import { runCli } from '../helpers/cli.ts';
import type { OutboxRepository } from '../../src/notifications/outbox-repository.ts';

const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A merchant endpoint answering every POST with `status`. */
async function endpoint(status: number): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"meta":{"ret_code":"0000"}}'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

for (const kind of testDatabaseUrls()) {
  describe(`notifications list and tail (${kind.name})`, () => {
    let h: Harness;
    let outbox: OutboxRepository;
    let failing: { url: string; close(): void };
    let ok: { url: string; close(): void };
    let a: TestMerchant;
    let b: TestMerchant;
    /** By name: retrying (A), delivered (B), dead (A), waiting (A, not attempted yet). */
    const ids = { retrying: '', delivered: '', dead: '', waiting: '' };
    let paymentA = '';
    let env: NodeJS.ProcessEnv | undefined;

    async function notified(m: TestMerchant, notifyUrl: string): Promise<{ paymentId: string; id: string }> {
      const paymentId = await paidWalletPaymentNotifying(h, m, notifyUrl, { total: '10.00' });
      const entry = await until('its notification attempted', async () => {
        const [e] = await outbox.forObject(paymentId);
        return e && e.attempts > 0 && e.leaseOwner === null ? e : undefined;
      });
      return { paymentId, id: entry.id };
    }

    before(async () => {
      h = await startHarness(kind);
      outbox = h.gateway.context.repositories.outbox;
      [failing, ok] = await Promise.all([endpoint(500), endpoint(200)]);
      a = await h.merchant({ name: 'Shop A' });
      b = await h.merchant({ name: 'Shop B' });
      const retrying = await notified(a, failing.url);
      paymentA = retrying.paymentId;
      ids.retrying = retrying.id;
      await sleep(2); // ids are ordered by the millisecond they are made in
      ids.delivered = (await notified(b, ok.url)).id;
      await sleep(2);
      ids.dead = (await notified(a, failing.url)).id;
      // Given up: as the worker leaves a row after its last attempt.
      await h.gateway.context.db.updateTable('outbox').set({ state: 'dead' }).where('id', '=', ids.dead).execute();
      await sleep(2);
      ids.waiting = await h.gateway.context.store.write((trx) =>
        h.gateway.context.outbox.enqueue(
          trx,
          { merchantId: a.id, objectType: 'refund', objectId: 'REF_LATER', url: ok.url, payload: { refund: {} } },
          h.clock.now() + 3_600_000,
        ),
      );
      const url = h.gateway.context.store.url;
      if (!url.startsWith('pglite:')) env = { ...process.env, UMF_DATA_DIR: h.dataDir, DATABASE_URL: url };
    });
    after(async () => {
      failing?.close();
      ok?.close();
      await h?.close();
    });

    const listJson = async (options: Parameters<typeof notificationsList>[1]): Promise<any[]> => {
      const c = capture();
      assert.equal(await notificationsList(outbox, { ...options, json: true }, c.io), 0, c.err.join(''));
      return JSON.parse(c.out.join('')) as any[];
    };

    test('without --object: the newest across objects, newest first, as a table or a JSON array', async () => {
      const all = await listJson({});
      assert.deepEqual(
        all.map((n) => n.id),
        [ids.waiting, ids.dead, ids.delivered, ids.retrying],
      );
      const retrying = all.find((n) => n.id === ids.retrying);
      assert.equal(retrying.merchant_id, a.id);
      assert.equal(retrying.object_type, 'payment');
      assert.equal(retrying.object_id, paymentA);
      assert.equal(retrying.state, 'pending');
      assert.equal(retrying.attempts, 1);
      assert.equal(retrying.last_error, 'HTTP 500');
      assert.match(retrying.next_attempt_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(all.find((n) => n.id === ids.delivered).delivered_at !== null, true);
      assert.ok(!('body' in retrying) && !('signature' in retrying), 'no body (personal data) or signature');

      const c = capture();
      assert.equal(await notificationsList(outbox, {}, c.io), 0);
      const lines = c.out.join('').trimEnd().split('\n');
      assert.match(lines[0]!, /^ID +CREATED +MERCHANT +OBJECT +STATE +ATTEMPTS +NEXT +LAST ERROR$/);
      assert.equal(lines.length, 5);
      assert.match(lines[1]!, new RegExp(`^${ids.waiting} .* refund REF_LATER +pending +0 `));
      assert.match(lines[2]!, new RegExp(`^${ids.dead} .* dead +1 +given up +HTTP 500$`));
      assert.match(lines[3]!, new RegExp(`^${ids.delivered} .*${b.id} +payment PAY_\\w+ +delivered +1 *$`));
      assert.match(lines[4]!, new RegExp(`^${ids.retrying} .* retrying +1 +\\d{4}-\\d\\d-\\d\\d \\S+ +HTTP 500$`));

      assert.deepEqual(
        (await listJson({ limit: 2 })).map((n) => n.id),
        [ids.waiting, ids.dead],
      );
    });

    test('--failing, --pending, --merchant', async () => {
      assert.deepEqual(
        (await listJson({ failing: true })).map((n) => n.id),
        [ids.dead, ids.retrying],
      );
      assert.deepEqual(
        (await listJson({ pending: true })).map((n) => n.id),
        [ids.waiting, ids.retrying],
      );
      assert.deepEqual(
        (await listJson({ merchant: b.id })).map((n) => n.id),
        [ids.delivered],
      );
      assert.deepEqual(
        (await listJson({ merchant: a.id, failing: true, limit: 1 })).map((n) => n.id),
        [ids.dead],
      );
      assert.deepEqual(await listJson({ merchant: 'M00000000000' }), []);
    });

    test('--object as before (oldest first, with the attempts); usage errors exit 2', async () => {
      const c = capture();
      assert.equal(await notificationsList(outbox, { object: paymentA }, c.io), 0);
      assert.match(c.out.join(''), new RegExp(`^${ids.retrying} payment ${paymentA} pending attempts=1 url=`));
      assert.match(c.out.join(''), /\n {2}#1 \S+ http_error http=500 \d+ms HTTP 500\n$/);
      const [withAttempts] = await listJson({ object: paymentA });
      assert.equal(withAttempts.history[0].outcome, 'http_error');

      // Flags that do not go together, or bad values: a usage error (exit 2) that says why.
      for (const io of [
        { failing: true, pending: true },
        { object: 'X', failing: true },
      ]) {
        const e = capture();
        assert.equal(await notificationsList(outbox, io, e.io), 2, JSON.stringify(io));
        assert.ok(e.err.join('') !== '', 'says why');
      }
      for (const args of [
        ['--limit', '0'],
        ['--limit', 'ten'],
      ]) {
        const run = await runCli(['notifications', 'list', ...args, '--data-dir', h.dataDir]);
        assert.equal(run.code, 2, run.err);
        assert.match(run.err, /--limit must be a whole number from 1 to 1000/);
      }
      const extra = await runCli(['notifications', 'tail', 'extra', '--data-dir', h.dataDir]);
      assert.equal(extra.code, 2);
      assert.match(extra.err, /notifications tail takes no arguments, got extra/);
    });

    test('tail prints each attempt as it is recorded, for one merchant with --merchant', async () => {
      const controller = new AbortController();
      const c = capture();
      let ready!: () => void;
      const followed = new Promise<void>((resolve) => (ready = resolve));
      const tailing = notificationsTail(
        outbox,
        { merchant: a.id, json: true, signal: controller.signal, pollMs: 50, onReady: () => ready() },
        c.io,
      );
      await followed;
      assert.deepEqual(c.out, [], 'what was recorded before is not printed');
      // B's notification again (not A's: not printed), then A's retry.
      await h.gateway.context.store.write((trx) => outbox.redeliver(trx, ids.delivered, h.clock.now()));
      await until('B delivered again', async () =>
        (await outbox.find(ids.delivered))?.attempts === 2 ? 1 : undefined,
      );
      h.clock.advance(11_000);
      const line = await until('the retry printed', async () => c.out[0]);
      controller.abort();
      assert.equal(await tailing, 0);
      assert.equal(c.out.length, 1, c.out.join(''));
      const attempt = JSON.parse(line) as Record<string, any>;
      assert.equal(attempt.notification_id, ids.retrying);
      assert.equal(attempt.merchant_id, a.id);
      assert.equal(attempt.object_id, paymentA);
      assert.equal(attempt.attempt, 2);
      assert.equal(attempt.outcome, 'http_error');
      assert.equal(attempt.http_status, 500);
      assert.equal(attempt.url, failing.url);
      assert.match(attempt.next_attempt_at, /^\d{4}-/);
    });

    test('the commands in another process while the gateway runs: list --json, tail until Ctrl-C', async (t) => {
      if (!env) return t.skip('in-memory PGlite cannot be shared with another process');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [bin, 'notifications', 'list', '--failing', '--json'],
        { env },
      );
      assert.deepEqual(
        (JSON.parse(stdout) as any[]).map((n) => n.id),
        [ids.dead, ids.retrying],
      );

      const child = spawn(process.execPath, [bin, 'notifications', 'tail'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        await until(
          'tail following',
          async () => (err.includes('following notification attempts') ? 1 : undefined),
          20_000,
        );
        await h.gateway.context.store.write((trx) => outbox.redeliver(trx, ids.delivered, h.clock.now()));
        await until('the attempt printed', async () => (out.includes(ids.delivered) ? 1 : undefined));
        assert.match(
          out,
          new RegExp(
            `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${ids.delivered} payment PAY_\\w+ #\\d+ delivered 200 \\d+ ms ${b.id} `,
            'm',
          ),
        );
      } finally {
        child.kill('SIGINT');
      }
      assert.equal(await exited, 0, err);
    });
  });
}
