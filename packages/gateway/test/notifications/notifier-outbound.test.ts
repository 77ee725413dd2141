/**
 * The notification worker and the outbound address policy (issue 9, finding 1: SSRF), on SQLite and
 * PostgreSQL: a host name that resolves to 127.0.0.1 is refused when the worker connects (DNS
 * rebinding: the name looked public when the request was checked), an IP literal notify_url is
 * refused before any connection, credentials in the URL are never sent (no Basic header), a 3xx
 * answer is a failed delivery and its Location is not followed; a refused attempt is recorded and
 * retried on the backoff schedule like any other failure, and an allow-listed name is delivered to.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { openStore, type Store } from '../../src/store/database.ts';
import { signSha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { Outbox } from '../../src/notifications/outbox.ts';
import { OutboxRepository } from '../../src/notifications/outbox-repository.ts';
import { NotificationWorker } from '../../src/notifications/notification-worker.ts';
import { BACKOFF_SCHEDULE_MS } from '../../src/notifications/backoff.ts';
import { OutboundPolicy, type ResolveAll } from '../../src/outbound/outbound-policy.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const T0 = 1_750_000_000_000;
const JSON_OK = '{"meta":{"ret_code":"0000","ret_msg":"success"}}';

interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** A merchant endpoint on loopback: what the attacker wants the gateway to reach. */
async function loopbackServer(
  reply: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON_OK),
) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers });
      reply(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    hits,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves every name to 127.0.0.1, as a rebound DNS name would. */
const toLoopback: ResolveAll = async () => [{ address: '127.0.0.1', family: 4 }];

for (const kind of testDatabaseUrls()) {
  const name = (what: string) => `${what} [${kind.name}]`;

  async function world() {
    const tdb = await kind.open();
    const store: Store = await openStore({ url: tdb.url });
    await store.db.deleteFrom('notification_attempts').execute();
    await store.db.deleteFrom('outbox').execute();
    const clock = { t: T0, now: () => clock.t };
    const repository = new OutboxRepository(store.db);
    const outbox = new Outbox({ repository, sign: (body) => signSha256WithRsa(privateKey, body) });
    const workers: NotificationWorker[] = [];
    return {
      store,
      clock,
      repository,
      async enqueue(url: string): Promise<string> {
        return store.db.transaction().execute((trx) =>
          outbox.enqueue(
            trx,
            {
              merchantId: 'M1',
              objectType: 'payment',
              objectId: 'PAY_1',
              url,
              payload: { payment: { id: 'PAY_1' } },
            },
            clock.now(),
          ),
        );
      },
      worker(outbound?: OutboundPolicy): NotificationWorker {
        const w = new NotificationWorker({ store, clock, random: () => 0, ...(outbound ? { outbound } : {}) });
        workers.push(w);
        return w;
      },
      async close() {
        await Promise.all(workers.map((w) => w.stop()));
        await store.close();
        await tdb.drop();
      },
    };
  }

  test(
    name('a host name that resolves to 127.0.0.1 is refused at connection time, and retried on backoff'),
    async () => {
      const w = await world();
      const server = await loopbackServer();
      try {
        // The request-time check saw a public address; by delivery the name points at loopback.
        let answers = 0;
        const rebinding: ResolveAll = async () =>
          answers++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
        const policy = new OutboundPolicy({ allowPrivate: false, resolve: rebinding });
        const url = `http://merchant.example:${server.port}/notify`;
        assert.equal(await policy.refusal(url), undefined, 'looked public when the request named it');
        const id = await w.enqueue(url);
        assert.equal(await w.worker(policy).runOnce(), 1);
        assert.equal(server.hits.length, 0, 'no request reached the loopback server');
        const attempts = await w.repository.attempts(id);
        assert.equal(attempts.length, 1);
        assert.equal(attempts[0]!.outcome, 'network_error');
        assert.match(
          attempts[0]!.error ?? '',
          /refused: host merchant\.example points at a loopback address \(127\.0\.0\.1\)/,
        );
        const row = await w.repository.find(id);
        assert.equal(row?.state, 'pending', 'kept for the next scheduled attempt (at least once)');
        assert.equal(row?.nextAttemptAt, T0 + BACKOFF_SCHEDULE_MS[0]!);
      } finally {
        await server.close();
        await w.close();
      }
    },
  );

  test(name('the same name on the allow-list is delivered to (the lookup really connects)'), async () => {
    const w = await world();
    const server = await loopbackServer();
    try {
      const policy = new OutboundPolicy({ allowPrivate: false, allow: ['merchant.example'], resolve: toLoopback });
      const id = await w.enqueue(`http://merchant.example:${server.port}/notify`);
      await w.worker(policy).runOnce();
      assert.equal(server.hits.length, 1);
      assert.equal(server.hits[0]!.headers.host, `merchant.example:${server.port}`);
      assert.equal((await w.repository.find(id))?.state, 'delivered');
    } finally {
      await server.close();
      await w.close();
    }
  });

  test(name('an IP literal notify_url in an internal range is refused before connecting'), async () => {
    const w = await world();
    const server = await loopbackServer();
    try {
      const policy = new OutboundPolicy({ allowPrivate: false, resolve: toLoopback });
      const worker = w.worker(policy);
      const ids: string[] = [];
      for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '[::1]']) {
        ids.push(await w.enqueue(`http://${host}:${server.port}/notify`));
      }
      assert.equal(await worker.runOnce(), ids.length);
      assert.equal(server.hits.length, 0);
      for (const id of ids) {
        const [attempt] = await w.repository.attempts(id);
        assert.equal(attempt?.outcome, 'network_error');
        assert.match(attempt?.error ?? '', /^refused: notify_url points at an? (IPv4-mapped )?loopback address/);
      }
    } finally {
      await server.close();
      await w.close();
    }
  });

  test(name('credentials in notify_url are never sent, even when private addresses are allowed'), async () => {
    const w = await world();
    const server = await loopbackServer();
    try {
      const id = await w.enqueue(`http://user:pw@127.0.0.1:${server.port}/notify`);
      await w.worker().runOnce(); // the default policy: every address allowed (as UMF_NOTIFY_ALLOW_PRIVATE=1)
      assert.equal(server.hits.length, 0, 'no request, so no Authorization: Basic header');
      const [attempt] = await w.repository.attempts(id);
      assert.equal(attempt?.error, 'refused: notify_url must not hold a user name or password');
    } finally {
      await server.close();
      await w.close();
    }
  });

  test(name('a 3xx answer is a failed delivery and the redirect is not followed'), async () => {
    const w = await world();
    const server = await loopbackServer((req, res) => {
      if (req.url === '/notify') res.writeHead(302, { Location: '/internal-admin' }).end();
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON_OK);
    });
    try {
      const id = await w.enqueue(`http://127.0.0.1:${server.port}/notify`);
      await w.worker(new OutboundPolicy({ allowPrivate: true })).runOnce();
      assert.deepEqual(
        server.hits.map((h) => h.path),
        ['/notify'],
      );
      const [attempt] = await w.repository.attempts(id);
      assert.equal(attempt?.outcome, 'http_error');
      assert.equal(attempt?.httpStatus, 302);
      assert.equal(attempt?.error, 'HTTP 302 (redirects are not followed)');
      assert.equal((await w.repository.find(id))?.state, 'pending');
    } finally {
      await server.close();
      await w.close();
    }
  });
}
