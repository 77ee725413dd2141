import test, { after, type TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { openStore, type Store, type Trx } from '../../src/store/database.ts';
import { newId } from '../../src/store/ids.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { BACKOFF_SCHEDULE_MS, MAX_ATTEMPTS, nextDelayMs } from '../../src/notifications/backoff.ts';
import { Outbox, type Notification } from '../../src/notifications/outbox.ts';
import { OutboxRepository } from '../../src/notifications/outbox-repository.ts';
import {
  NotificationWorker,
  acknowledgement,
  type NotificationWorkerOptions,
} from '../../src/notifications/notification-worker.ts';
import { testDatabaseUrls, type TestDatabase } from '../helpers/test-databases.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = (body: string): string => signSha256WithRsa(privateKey, body);

// The outbox as the state moves use it (Outbox.enqueue in the mover's transaction), and its reads.
type Db = Store['db'];
type EnqueueNotificationInput = Notification & { readonly now: number };
/** Writes go through a transaction (the caller's, or one of their own). */
const inTransaction = <T>(db: Db, fn: (trx: Trx) => Promise<T>): Promise<T> =>
  db.isTransaction ? fn(db as Trx) : db.transaction().execute(fn);
const enqueueNotification = (db: Db, input: EnqueueNotificationInput): Promise<string> =>
  inTransaction(db, (trx) =>
    new Outbox({ repository: new OutboxRepository(db), sign: signer }).enqueue(trx, input, input.now),
  );
const getNotification = (db: Db, id: string) => new OutboxRepository(db).find(id);
const listAttempts = (db: Db, id: string) => new OutboxRepository(db).attempts(id);
const redeliver = (db: Db, id: string, now: number) =>
  inTransaction(db, (trx) => new OutboxRepository(db).redeliver(trx, id, now));

const T0 = 1_750_000_000_000;
const JSON_OK = '{"meta":{"ret_code":"0000","ret_msg":"success"}}';

class TestClock {
  t = T0;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

interface Hit {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

type Reply = (res: ServerResponse, hit: Hit, index: number) => void;

const replyJson = (res: ServerResponse, status = 200, text = JSON_OK): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
};

/** A real merchant endpoint on a loopback port. */
class Merchant {
  readonly hits: Hit[] = [];
  reply: Reply = (res) => replyJson(res);
  readonly #server: http.Server;
  url = '';

  constructor() {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hit = { body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
        this.hits.push(hit);
        this.reply(res, hit, this.hits.length - 1);
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notify`;
    return this;
  }

  hitsPerId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const hit of this.hits) {
      const id = (JSON.parse(hit.body) as { payment: { id: string } }).payment.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

interface Env {
  readonly t: TestContext;
  readonly kind: 'sqlite' | 'postgres';
  readonly tdb: TestDatabase;
  readonly store: Store;
  readonly clock: TestClock;
  readonly merchant: Merchant;
  readonly worker: (options?: Partial<NotificationWorkerOptions>) => NotificationWorker;
  /**
   * A second store on the same database when that gives real concurrency (a PostgreSQL server);
   * otherwise the same store. (better-sqlite3 is synchronous: two connections to one file in one
   * thread deadlock as soon as one holds a write lock across an await, so SQLite gets real
   * concurrency from a second process instead; in-memory PGlite is one database per store.)
   */
  readonly secondStore: () => Promise<Store>;
  readonly enqueue: (overrides?: Partial<EnqueueNotificationInput>) => Promise<string>;
}

let paymentSeq = 0;

function payload(): Record<string, unknown> {
  paymentSeq += 1;
  return {
    payment: {
      id: `PAY_${String(paymentSeq).padStart(6, '0')}`,
      state: 'PAID',
      amount: { total: '12.34', currency: 'USD' },
      payer_info: { name: '张伟 (ZHANG Wei)' },
    },
  };
}

// In-memory PGlite takes seconds to start: its scenarios share one instance, emptied before each.
let pgliteStore: Store | undefined;
after(async () => pgliteStore?.close());

async function openStoreFor(tdb: TestDatabase): Promise<Store> {
  if (!tdb.url.startsWith('pglite:')) return openStore({ url: tdb.url });
  pgliteStore ??= await openStore({ url: tdb.url });
  await pgliteStore.db.deleteFrom('notification_attempts').execute();
  await pgliteStore.db.deleteFrom('outbox').execute();
  return pgliteStore;
}

/** Registers `fn` once per test database. */
function scenario(name: string, fn: (env: Env) => Promise<void>): void {
  for (const kind of testDatabaseUrls()) {
    test(`${name} [${kind.name}]`, { timeout: 120_000 }, async (t) => {
      const tdb = await kind.open();
      const store = await openStoreFor(tdb);
      const merchant = await new Merchant().listen();
      const clock = new TestClock();
      const workers: NotificationWorker[] = [];
      const stores: Store[] = [];
      const env: Env = {
        t,
        kind: kind.name,
        tdb,
        store,
        clock,
        merchant,
        worker: (options = {}) => {
          const worker = new NotificationWorker({ store, clock, random: () => 0, ...options });
          workers.push(worker);
          return worker;
        },
        secondStore: async () => {
          if (!tdb.shared || store.dialect !== 'postgres') return store;
          const other = await openStore({ url: tdb.url });
          stores.push(other);
          return other;
        },
        enqueue: (overrides = {}) =>
          enqueueNotification(store.db, {
            merchantId: 'M000000000001',
            objectType: 'payment',
            objectId: 'PAY_X',
            url: merchant.url,
            payload: payload(),
            now: clock.now(),
            ...overrides,
          }),
      };
      try {
        await fn(env);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await merchant.close();
        await Promise.all(stores.map((s) => s.close()));
        if (store !== pgliteStore) await store.close();
        await tdb.drop();
      }
    });
  }
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------------
// Pure parts

test('ids: prefix + 26 Crockford base32 characters, sortable by time', () => {
  const id = newId('NTF_');
  assert.match(id, /^NTF_[0-9A-HJKMNP-TV-Z]{26}$/);
  const times = [0, 1, 31, 32, 1_000, T0, T0 + 1, T0 + 86_400_000, 2 ** 48 - 1];
  const ids = times.map((t) => newId('X_', t));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(newId('X_', 0).slice(2, 12), '0000000000');
  assert.equal(newId('X_', 2 ** 48 - 1).slice(2, 12), '7ZZZZZZZZZ');
  assert.notEqual(newId('X_', T0), newId('X_', T0));
});

test('backoff: the documented schedule, then give up after the 15th failed attempt', () => {
  assert.equal(BACKOFF_SCHEDULE_MS.length, 14);
  assert.equal(MAX_ATTEMPTS, 15);
  const zero = (): number => 0;
  assert.equal(nextDelayMs(1, zero), 10_000);
  assert.equal(nextDelayMs(2, zero), 30_000);
  assert.equal(nextDelayMs(9, zero), 3_600_000);
  assert.equal(nextDelayMs(14, zero), 8 * 3_600_000);
  assert.equal(nextDelayMs(15, zero), null);
  assert.equal(nextDelayMs(40, zero), null);
  // Jitter: up to +10%, never shorter than scheduled.
  assert.equal(
    nextDelayMs(1, () => 0.5),
    10_500,
  );
  assert.equal(
    nextDelayMs(1, () => 0.999999),
    11_000,
  );
  for (let i = 0; i < 1000; i++) {
    const d = nextDelayMs(5)!;
    assert.ok(d >= 300_000 && d <= 330_000, String(d));
  }
  assert.throws(() => nextDelayMs(0), RangeError);
  // From the first attempt to the last (15th) one: more than 24 h.
  const span = BACKOFF_SCHEDULE_MS.reduce((a, b) => a + b, 0);
  assert.ok(span > 24 * 3_600_000, `span ${span} ms`);
  assert.equal(span, 108_520_000);
});

test('acknowledgement: JSON meta or top-level ret_code, or ret_code=0000 text', () => {
  assert.equal(acknowledgement(JSON_OK).ok, true);
  assert.equal(acknowledgement('{"ret_code":"0000"}').ok, true);
  assert.equal(acknowledgement('ret_code=0000&ret_msg=success').ok, true);
  assert.equal(acknowledgement('  ret_msg=ok&ret_code=0000\n').ok, true);
  assert.deepEqual(acknowledgement('{"meta":{"ret_code":"9999"}}'), { ok: false, retCode: '9999' });
  assert.equal(acknowledgement('{"meta":{"ret_code":0}}').ok, false);
  assert.equal(acknowledgement('ret_code=00001').ok, false);
  assert.equal(acknowledgement('xret_code=0000').ok, false);
  assert.equal(acknowledgement('OK').ok, false);
  assert.equal(acknowledgement('').ok, false);
});

// ---------------------------------------------------------------------------------------------------
// Against SQLite and PostgreSQL, with a real HTTP merchant

scenario('enqueue commits (and rolls back) with the caller transaction', async ({ store, clock, merchant }) => {
  const input = {
    merchantId: 'M1',
    objectType: 'payment' as const,
    objectId: 'PAY_1',
    url: merchant.url,
    payload: payload(),
    now: clock.now(),
  };
  let rolledBackId = '';
  await assert.rejects(
    store.db.transaction().execute(async (trx) => {
      rolledBackId = await enqueueNotification(trx, input);
      throw new Error('state change failed');
    }),
    /state change failed/,
  );
  assert.match(rolledBackId, /^NTF_[0-9A-Z]{26}$/);
  assert.equal(await getNotification(store.db, rolledBackId), undefined);
  const id = await store.db.transaction().execute((trx) => enqueueNotification(trx, input));
  const row = await getNotification(store.db, id);
  assert.equal(row?.state, 'pending');
  assert.equal(row?.attempts, 0);
  assert.equal(row?.nextAttemptAt, clock.now());
  assert.equal(row?.body, JSON.stringify(input.payload));
});

scenario('delivered on a JSON meta answer', async ({ store, clock, merchant, worker, enqueue }) => {
  const id = await enqueue();
  const w = worker();
  assert.equal(await w.runOnce(), 1);
  assert.equal(merchant.hits.length, 1);
  const row = await getNotification(store.db, id);
  assert.equal(row?.state, 'delivered');
  assert.equal(row?.deliveredAt, clock.now());
  assert.equal(row?.attempts, 1);
  assert.equal(row?.leaseOwner, null);
  assert.equal(row?.leaseUntil, null);
  const attempts = await listAttempts(store.db, id);
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0]?.outcome, 'delivered');
  assert.equal(attempts[0]?.httpStatus, 200);
  assert.equal(attempts[0]?.attempt, 1);
  assert.equal(attempts[0]?.at, clock.now());
  assert.equal(attempts[0]?.responseExcerpt, JSON_OK);
  assert.equal(await w.runOnce(), 0, 'nothing left');
});

scenario('delivered on the text answer ret_code=0000&ret_msg=success', async ({ store, merchant, worker, enqueue }) => {
  merchant.reply = (res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ret_code=0000&ret_msg=success');
  const id = await enqueue();
  assert.equal(await worker().runOnce(), 1);
  assert.equal((await getNotification(store.db, id))?.state, 'delivered');
  assert.equal((await listAttempts(store.db, id))[0]?.outcome, 'delivered');
});

scenario(
  'the merchant gets the exact stored body and a verifiable Signature',
  async ({ store, merchant, worker, enqueue }) => {
    const id = await enqueue();
    assert.equal(await worker().runOnce(), 1);
    const row = await getNotification(store.db, id);
    const hit = merchant.hits[0]!;
    assert.equal(hit.body, row?.body);
    assert.match(hit.body, /^\{"payment":\{"id":"PAY_\d+","state":"PAID",/);
    assert.ok(hit.body.includes('张伟'));
    assert.equal(hit.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(hit.headers['user-agent'], 'umf-gateway-notifier');
    assert.equal(hit.headers['content-length'], String(Buffer.byteLength(hit.body)));
    const signature = hit.headers['signature'];
    assert.equal(typeof signature, 'string');
    assert.equal(signature, row?.signature);
    assert.ok(verifySha256WithRsa(publicKey, hit.body, signature as string));
    assert.ok(!verifySha256WithRsa(publicKey, hit.body + ' ', signature as string));
  },
);

scenario(
  '500 is retried at the scheduled time, then delivered',
  async ({ store, clock, merchant, worker, enqueue }) => {
    merchant.reply = (res, _hit, index) => (index === 0 ? replyJson(res, 500, '{"error":"boom"}') : replyJson(res));
    const id = await enqueue();
    const w = worker();
    assert.equal(await w.runOnce(), 1);
    let row = await getNotification(store.db, id);
    assert.equal(row?.state, 'pending');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.nextAttemptAt, T0 + 10_000);
    assert.equal(row?.lastError, 'HTTP 500');
    assert.equal(row?.leaseOwner, null);

    clock.advance(9_999);
    assert.equal(await w.runOnce(), 0, 'not before the scheduled time');
    clock.advance(1);
    assert.equal(await w.runOnce(), 1);
    row = await getNotification(store.db, id);
    assert.equal(row?.state, 'delivered');
    assert.equal(row?.attempts, 2);
    assert.equal(row?.deliveredAt, T0 + 10_000);
    const attempts = await listAttempts(store.db, id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.at, a.outcome, a.httpStatus]),
      [
        [1, T0, 'http_error', 500],
        [2, T0 + 10_000, 'delivered', 200],
      ],
    );
    assert.equal(attempts[0]?.responseExcerpt, '{"error":"boom"}');
    assert.equal(merchant.hits.length, 2);
    assert.equal(merchant.hits[0]?.body, merchant.hits[1]?.body);
  },
);

scenario('a hanging endpoint ends in a timeout outcome', async ({ store, merchant, worker, enqueue }) => {
  merchant.reply = () => {}; // never answers
  const id = await enqueue();
  const started = Date.now();
  assert.equal(await worker({ requestTimeoutMs: 300 }).runOnce(), 1);
  assert.ok(Date.now() - started >= 250);
  const attempts = await listAttempts(store.db, id);
  assert.equal(attempts[0]?.outcome, 'timeout');
  assert.equal(attempts[0]?.httpStatus, null);
  assert.ok((attempts[0]?.durationMs ?? 0) >= 250);
  const row = await getNotification(store.db, id);
  assert.equal(row?.state, 'pending');
  assert.equal(row?.attempts, 1);
  assert.match(row?.lastError ?? '', /no answer within 300 ms/);
});

scenario('200 with ret_code 9999 is a failure', async ({ store, merchant, worker, enqueue }) => {
  merchant.reply = (res) => replyJson(res, 200, '{"meta":{"ret_code":"9999","ret_msg":"system busy"}}');
  const id = await enqueue();
  assert.equal(await worker().runOnce(), 1);
  const attempts = await listAttempts(store.db, id);
  assert.equal(attempts[0]?.outcome, 'rejected');
  assert.equal(attempts[0]?.httpStatus, 200);
  assert.match(attempts[0]?.responseExcerpt ?? '', /9999/);
  const row = await getNotification(store.db, id);
  assert.equal(row?.state, 'pending');
  assert.equal(row?.attempts, 1);
  assert.match(row?.lastError ?? '', /ret_code 9999/);
});

scenario('connection refused is a network error', async ({ store, worker, enqueue }) => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const id = await enqueue({ url: `http://127.0.0.1:${port}/notify` });
  const bad = await enqueue({ url: 'ftp://example.invalid/notify' });
  assert.equal(await worker().runOnce(), 2);
  const [attempt] = await listAttempts(store.db, id);
  assert.equal(attempt?.outcome, 'network_error');
  assert.match(attempt?.error ?? '', /ECONNREFUSED/);
  assert.equal((await listAttempts(store.db, bad))[0]?.outcome, 'network_error');
});

scenario(
  'an exhausted schedule ends dead; redeliver() re-queues it',
  async ({ store, clock, merchant, worker, enqueue }) => {
    merchant.reply = (res) => replyJson(res, 503, 'unavailable');
    const id = await enqueue();
    const w = worker();
    for (let n = 1; n <= 15; n++) {
      assert.equal(await w.runOnce(), 1, `attempt ${n}`);
      const row = await getNotification(store.db, id);
      assert.equal(row?.attempts, n);
      if (n < 15) {
        assert.equal(row?.state, 'pending');
        assert.equal(row?.nextAttemptAt, clock.now() + BACKOFF_SCHEDULE_MS[n - 1]!);
        clock.advance(BACKOFF_SCHEDULE_MS[n - 1]!);
      } else {
        assert.equal(row?.state, 'dead');
        assert.equal(row?.lastError, 'HTTP 503');
      }
    }
    assert.equal(clock.now() - T0, 108_520_000);
    clock.advance(24 * 3_600_000);
    assert.equal(await w.runOnce(), 0, 'a dead notification is not retried');
    assert.equal((await listAttempts(store.db, id)).length, 15);

    assert.equal(await redeliver(store.db, 'NTF_00000000000000000000000000', clock.now()), false);
    assert.equal(await redeliver(store.db, id, clock.now()), true);
    let row = await getNotification(store.db, id);
    assert.equal(row?.state, 'pending');
    assert.equal(row?.nextAttemptAt, clock.now());
    merchant.reply = (res) => replyJson(res);
    assert.equal(await w.runOnce(), 1);
    row = await getNotification(store.db, id);
    assert.equal(row?.state, 'delivered');
    assert.equal(row?.attempts, 16);
    const attempts = await listAttempts(store.db, id);
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    assert.equal(attempts.at(-1)?.outcome, 'delivered');
    assert.equal(merchant.hits.length, 16);
  },
);

scenario('two workers on one database deliver 200 notifications exactly once', async (env) => {
  const { store, merchant, clock } = env;
  merchant.reply = (res) => setTimeout(() => replyJson(res), Math.floor(Math.random() * 3));
  const ids = await store.db.transaction().execute(async (trx) => {
    const out: string[] = [];
    for (let i = 0; i < 200; i++) {
      out.push(
        await enqueueNotification(trx, {
          merchantId: 'M1',
          objectType: 'payment',
          objectId: `PAY_${i}`,
          url: merchant.url,
          payload: payload(),
          now: clock.now(),
        }),
      );
    }
    return out;
  });
  const other = await env.secondStore();
  const a = env.worker({ owner: 'worker-a', concurrency: 8 });
  const b = env.worker({ owner: 'worker-b', concurrency: 8, store: other });
  const delivered = async (): Promise<number> => {
    const r = await store.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'delivered')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const drain = async (w: NotificationWorker): Promise<number> => {
    let total = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const n = await w.runOnce();
      total += n;
      if (n === 0) {
        if ((await delivered()) === 200) return total;
        await sleep(2);
      }
    }
    throw new Error('drain timed out');
  };
  const [byA, byB] = await Promise.all([drain(a), drain(b)]);
  assert.equal(byA + byB, 200);
  assert.ok(byA > 0 && byB > 0, `both workers took part (a ${byA}, b ${byB})`);
  const counts = merchant.hitsPerId();
  assert.equal(counts.size, 200);
  assert.deepEqual([...new Set(counts.values())], [1], 'every notification reached the merchant exactly once');
  const states = await store.db.selectFrom('outbox').select(['state', 'attempts']).execute();
  assert.ok(states.every((s) => s.state === 'delivered' && Number(s.attempts) === 1));
  const attempts = await store.db.selectFrom('notification_attempts').select(['outbox_id']).execute();
  assert.equal(attempts.length, 200);
  assert.deepEqual(new Set(attempts.map((x) => x.outbox_id)), new Set(ids));
});

const srcModule = (path: string): string =>
  JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));

/** A worker in another process: waits for "go" on stdin, drains, prints how many rows it attempted. */
const CHILD_WORKER = `
import { openStore } from ${srcModule('store/database.ts')};
import { NotificationWorker } from ${srcModule('notifications/notification-worker.ts')};
const [url, now] = process.argv.slice(1);
const store = await openStore({ url });
const worker = new NotificationWorker({ store, clock: { now: () => Number(now) }, owner: 'child', concurrency: 8 });
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
let total = 0;
for (;;) {
  const n = await worker.runOnce();
  total += n;
  if (n === 0) {
    const left = await store.db.selectFrom('outbox').select('id').where('state', '!=', 'delivered').limit(1).execute();
    if (left.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
await worker.stop();
await store.close();
process.stdout.write(JSON.stringify({ total }) + '\\n');
`;

scenario('a worker in another process and one here deliver 200 notifications exactly once', async (env) => {
  const { store, merchant, clock, tdb } = env;
  if (!tdb.shared) {
    env.t.skip('in-memory PGlite cannot be shared with another process; set UMF_TEST_POSTGRES_URL');
    return;
  }
  merchant.reply = (res) => setTimeout(() => replyJson(res), 5 + Math.floor(Math.random() * 5));
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 200; i++) {
      await enqueueNotification(trx, {
        merchantId: 'M1',
        objectType: 'payment',
        objectId: `PAY_${i}`,
        url: merchant.url,
        payload: payload(),
        now: clock.now(),
      });
    }
  });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHILD_WORKER, tdb.url, String(clock.now())],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  let exitCode: number | null | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.once('exit', (code) => (exitCode = code));
  try {
    await until('the child worker to start', () => out.includes('ready') || exitCode !== undefined, 30_000);
    child.stdin.end('go\n');
    const here = env.worker({ owner: 'parent', concurrency: 8 });
    let byParent = 0;
    for (const deadline = Date.now() + 30_000; ;) {
      const n = await here.runOnce();
      byParent += n;
      if (n === 0) {
        const left = await store.db
          .selectFrom('outbox')
          .select('id')
          .where('state', '!=', 'delivered')
          .limit(1)
          .execute();
        if (left.length === 0) break;
        if (Date.now() > deadline) throw new Error('notifications left undelivered');
        await sleep(2);
      }
    }
    await until('the child worker to exit', () => exitCode !== undefined, 30_000);
    assert.equal(exitCode, 0);
    const byChild = (JSON.parse(out.slice(out.indexOf('{'))) as { total: number }).total;
    assert.equal(byParent + byChild, 200);
    assert.ok(byParent > 0 && byChild > 0, `both processes took part (parent ${byParent}, child ${byChild})`);
    const counts = merchant.hitsPerId();
    assert.equal(counts.size, 200);
    assert.deepEqual([...new Set(counts.values())], [1], 'every notification reached the merchant exactly once');
    const attempts = await store.db.selectFrom('notification_attempts').select('outbox_id').execute();
    assert.equal(attempts.length, 200);
  } finally {
    if (exitCode === undefined) child.kill();
  }
});

scenario('two started workers (background loops) share the work without duplicates', async (env) => {
  const { store, merchant, clock } = env;
  const other = await env.secondStore();
  const a = env.worker({ owner: 'loop-a', concurrency: 4, pollIntervalMs: 10 });
  const b = env.worker({ owner: 'loop-b', concurrency: 4, pollIntervalMs: 10, store: other });
  a.start();
  b.start();
  for (let i = 0; i < 60; i++) {
    await enqueueNotification(store.db, {
      merchantId: 'M1',
      objectType: 'payment',
      objectId: `P${i}`,
      url: merchant.url,
      payload: payload(),
      now: clock.now(),
    });
    if (i % 10 === 0) a.kick();
  }
  await until('60 deliveries', () => merchant.hits.length >= 60);
  await Promise.all([a.stop(), b.stop()]);
  const counts = merchant.hitsPerId();
  assert.equal(counts.size, 60);
  assert.deepEqual([...new Set(counts.values())], [1]);
});

scenario(
  'a lease held by a crashed worker is taken over once it expires',
  async ({ store, clock, merchant, worker, enqueue }) => {
    const id = await enqueue();
    await store.db
      .updateTable('outbox')
      .set({ lease_owner: 'crashed-worker#1', lease_until: clock.now() + 30_000 })
      .where('id', '=', id)
      .execute();
    const w = worker();
    assert.equal(await w.runOnce(), 0, 'a live lease is respected');
    assert.equal(merchant.hits.length, 0);
    clock.advance(30_001);
    assert.equal(await w.runOnce(), 1);
    const row = await getNotification(store.db, id);
    assert.equal(row?.state, 'delivered');
    assert.equal(row?.leaseOwner, null);
    assert.equal(merchant.hits.length, 1);
  },
);

scenario('a worker whose lease was taken over does not overwrite the new owner', async (env) => {
  const { store, clock, merchant, enqueue } = env;
  let held: ServerResponse | undefined;
  merchant.reply = (res, _hit, index) => {
    if (index === 0) held = res;
    else replyJson(res);
  };
  const id = await enqueue();
  const slow = env.worker({ owner: 'slow', leaseMs: 60_000 });
  const fast = env.worker({ owner: 'fast', store: await env.secondStore() });
  const slowRun = slow.runOnce();
  await until('the first request', () => held !== undefined);
  assert.match((await getNotification(store.db, id))?.leaseOwner ?? '', /^slow#/);
  clock.advance(60_001); // the slow worker's lease expires
  assert.equal(await fast.runOnce(), 1);
  assert.equal((await getNotification(store.db, id))?.state, 'delivered');
  replyJson(held!, 500, 'late failure');
  assert.equal(await slowRun, 1);
  const row = await getNotification(store.db, id);
  assert.equal(row?.state, 'delivered', 'the late failure did not overwrite the delivery');
  assert.equal(row?.attempts, 1);
  assert.equal(row?.lastError, null);
  assert.equal(row?.nextAttemptAt, T0);
  const attempts = await listAttempts(store.db, id);
  assert.deepEqual(attempts.map((a) => a.outcome).sort(), ['delivered', 'http_error']);
});

scenario(
  'kick() starts delivery at once; stop() waits for deliveries under way',
  async ({ store, merchant, worker, enqueue }) => {
    merchant.reply = (res) => setTimeout(() => replyJson(res), 300);
    const w = worker({ pollIntervalMs: 60_000 });
    w.start();
    await sleep(50); // the loop found nothing and sleeps for a minute
    const id = await enqueue();
    const kicked = Date.now();
    w.kick();
    await until('the request', () => merchant.hits.length === 1, 5_000);
    assert.ok(Date.now() - kicked < 2_000);
    await w.stop();
    assert.equal(
      (await getNotification(store.db, id))?.state,
      'delivered',
      'stop() waited for the delivery to be recorded',
    );
  },
);

test('an injected fetchImpl is used; answers are read up to 64 KiB and excerpted to 500 characters', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  const merchant = await new Merchant().listen();
  const huge = 'ret_code=0000&ret_msg=' + 'x'.repeat(1024 * 1024);
  merchant.reply = (res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(huge);
  let fetchCalls = 0;
  const worker = new NotificationWorker({
    store,
    clock: new TestClock(),
    fetchImpl: (url, init) => {
      fetchCalls += 1;
      return fetch(url, init);
    },
  });
  const plain = new NotificationWorker({ store, clock: new TestClock() });
  try {
    const input = {
      merchantId: 'M1',
      objectType: 'refund' as const,
      objectId: 'REF_1',
      url: merchant.url,
      payload: { refund: { id: 'REF_1' } },
      signer,
      now: T0,
    };
    const viaFetch = await enqueueNotification(store.db, input);
    assert.equal(await worker.runOnce(), 1);
    assert.equal(fetchCalls, 1);
    const viaHttp = await enqueueNotification(store.db, input);
    assert.equal(await plain.runOnce(), 1);
    for (const id of [viaFetch, viaHttp]) {
      assert.equal((await getNotification(store.db, id))?.state, 'delivered');
      const [attempt] = await listAttempts(store.db, id);
      assert.equal(attempt?.outcome, 'delivered');
      assert.equal(attempt?.responseExcerpt?.length, 500);
    }
    assert.equal(merchant.hits[0]?.headers['signature'], merchant.hits[1]?.headers['signature']);
  } finally {
    await worker.stop();
    await plain.stop();
    await merchant.close();
    await store.close();
  }
});
