/**
 * Failed notifications are visible in the log (developer-experience issue, finding 4): each failing
 * attempt is logged once, at warn, with the notification, its object, notify_url without its query,
 * the outcome and the next try (a time, or "given up" after the last attempt); a delivery is logged at
 * info. The log is captured through the logger's stream option of a real gateway.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paidWalletPaymentNotifying } from '../helpers/refunds.ts';
import { BACKOFF_SCHEDULE_MS, MAX_ATTEMPTS } from '../../src/notifications/backoff.ts';
import { openStore } from '../../src/store/database.ts';
import { Outbox } from '../../src/notifications/outbox.ts';
import { OutboxRepository } from '../../src/notifications/outbox-repository.ts';
import { NotificationWorker } from '../../src/notifications/notification-worker.ts';
import { OutboundPolicy } from '../../src/outbound/outbound-policy.ts';

type Line = Record<string, any>;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A merchant endpoint on loopback answering every POST with `status`. */
async function endpoint(status: number, body: string): Promise<{ url: string; hits: () => number; close(): void }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

for (const kind of testDatabaseUrls()) {
  describe(`the notification worker's log (${kind.name})`, () => {
    let h: Harness;
    const lines: Line[] = [];
    const raw: string[] = [];
    before(async () => {
      h = await startHarness(kind, {
        logger: {
          level: 'info',
          stream: {
            write(chunk: string) {
              raw.push(chunk);
              for (const line of chunk.split('\n')) if (line) lines.push(JSON.parse(line) as Line);
            },
          },
        },
      });
    });
    after(() => h?.close());

    async function notifiedPayment(notifyUrl: string): Promise<{ paymentId: string; notificationId: string }> {
      const m = await h.merchant();
      const paymentId = await paidWalletPaymentNotifying(h, m, notifyUrl);
      const entry = await until('the notification', async () =>
        (await h.gateway.context.repositories.outbox.forObject(paymentId)).at(-1),
      );
      return { paymentId, notificationId: entry.id };
    }

    test('a delivery is one info line with the notification, its object, the URL, status and time', async () => {
      const shop = await endpoint(200, '{"meta":{"ret_code":"0000"}}');
      try {
        const { paymentId, notificationId } = await notifiedPayment(shop.url);
        const line = await until('the delivered line', async () =>
          lines.find((l) => l.notificationId === notificationId && l.msg === 'notification delivered'),
        );
        assert.equal(line.level, 30, 'info');
        assert.equal(line.objectType, 'payment');
        assert.equal(line.objectId, paymentId);
        assert.equal(line.url, shop.url);
        assert.equal(line.outcome, 'delivered');
        assert.equal(line.status, 200);
        assert.equal(typeof line.ms, 'number');
        assert.equal(lines.filter((l) => l.notificationId === notificationId).length, 1, 'one line');
      } finally {
        shop.close();
      }
    });

    test(
      'an endpoint answering 500: exactly one warn line per attempt, the next try in each, ' +
        '"given up" after the last; the query of notify_url never in the log',
      async () => {
        const shop = await endpoint(500, 'down for maintenance');
        try {
          const notifyUrl = `${shop.url}?shop_secret=s3cr3t-value`;
          const { paymentId, notificationId } = await notifiedPayment(notifyUrl);
          const outbox = h.gateway.context.repositories.outbox;
          const nextOf: number[] = [];
          for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            await until(`attempt ${attempt}`, async () => {
              const entry = await outbox.find(notificationId);
              return entry && entry.attempts >= attempt && entry.leaseOwner === null ? entry : undefined;
            });
            const entry = (await outbox.find(notificationId))!;
            nextOf.push(entry.nextAttemptAt);
            if (attempt < MAX_ATTEMPTS) h.clock.advance(Math.ceil(BACKOFF_SCHEDULE_MS[attempt - 1]! * 1.1) + 1);
          }
          assert.equal((await outbox.find(notificationId))?.state, 'dead');
          assert.equal(shop.hits(), MAX_ATTEMPTS);
          // The last line is written after the attempt is recorded: wait for it.
          const mine = await until('every line', async () => {
            const found = lines.filter((l) => l.notificationId === notificationId);
            return found.length >= MAX_ATTEMPTS ? found : undefined;
          });
          await sleep(100);
          assert.equal(
            lines.filter((l) => l.notificationId === notificationId).length,
            MAX_ATTEMPTS,
            'one per attempt',
          );
          mine.forEach((line, i) => {
            const attempt = i + 1;
            assert.equal(line.level, 40, `attempt ${attempt} at warn`);
            assert.equal(line.attempt, attempt);
            assert.equal(line.objectType, 'payment');
            assert.equal(line.objectId, paymentId);
            assert.equal(line.url, `${shop.url}?[REDACTED]`);
            assert.equal(line.outcome, 'http_error');
            assert.equal(line.status, 500);
            assert.equal(line.error, 'HTTP 500');
            if (attempt < MAX_ATTEMPTS) {
              assert.equal(line.msg, 'notification attempt failed');
              assert.equal(line.next, new Date(nextOf[i]!).toISOString(), 'the time of the next try');
            } else {
              assert.equal(line.msg, 'notification given up after the last scheduled attempt');
              assert.equal(line.next, 'given up');
            }
          });
          assert.ok(!raw.join('').includes('s3cr3t-value'), 'the query of notify_url is not logged');
        } finally {
          shop.close();
        }
      },
    );
  });
}

test('an attempt the outbound policy refuses is a warn line saying so (no request made)', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  const lines: Line[] = [];
  const logger = {
    info: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 30, ...obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 40, ...obj, msg }),
  };
  const repository = new OutboxRepository(store.db);
  const worker = new NotificationWorker({
    store,
    logger,
    outbound: new OutboundPolicy({ allowPrivate: false }),
    random: () => 0,
  });
  try {
    const id = await store.write((trx) =>
      new Outbox({ repository, sign: () => 'c2ln' }).enqueue(
        trx,
        {
          merchantId: 'M1',
          objectType: 'refund',
          objectId: 'REF_1',
          url: 'http://127.0.0.1:9/notify',
          payload: { refund: { id: 'REF_1' } },
        },
        Date.now(),
      ),
    );
    assert.equal(await worker.runOnce(), 1);
    await until('the line', async () => lines[0]);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line!.level, 40);
    assert.equal(line!.notificationId, id);
    assert.equal(line!.objectType, 'refund');
    assert.equal(line!.objectId, 'REF_1');
    assert.equal(line!.outcome, 'network_error');
    assert.equal(line!.status, null);
    assert.match(line!.error as string, /^refused: notify_url /);
    assert.match(line!.next as string, /^\d{4}-\d\d-\d\dT/);
  } finally {
    await worker.stop();
    await store.close();
  }
});
