/**
 * Notification delivery benchmark (target: >= 2,000 notifications/s to a loopback merchant).
 *
 *   node --import tsx packages/gateway/bench/notifications.ts [--count 20000] [--concurrency 16] [--db sqlite|<url>]
 *
 * 1. Backlog: enqueues `count` signed notifications (SQLite file in a temp dir by default), then one
 *    NotificationWorker drains them against a node:http merchant answering the JSON acknowledgement
 *    (in a worker thread, so the merchant does not share the event loop with the notifier).
 *    Prints notifications/s and the p50/p99 of the HTTP attempt duration the worker records.
 * 2. Steady flow: enqueues at a fixed rate, one transaction + kick() per notification as the gateway
 *    does, and prints p50/p99 of commit -> merchant receipt.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../src/store/database.ts';
import { signSha256WithRsa } from '../src/crypto/rsa-signature.ts';
import { Outbox } from '../src/notifications/outbox.ts';
import { OutboxRepository } from '../src/notifications/outbox-repository.ts';
import { NotificationWorker } from '../src/notifications/notification-worker.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '4' },
    db: { type: 'string', default: 'sqlite' },
  },
});
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

const MERCHANT_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const now = () => performance.timeOrigin + performance.now();
let hits = 0;
let latencies = [];
const reply = '{"meta":{"ret_code":"0000","ret_msg":"success"}}';
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    hits++;
    const body = Buffer.concat(chunks).toString('utf8');
    const m = /"enqueued_at":([0-9.]+)/.exec(body);
    if (m) latencies.push(now() - Number(m[1]));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply) });
    res.end(reply);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg === 'stats') { parentPort.postMessage({ hits, latencies }); latencies = []; }
  if (msg === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const merchant = new Worker(MERCHANT_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve) =>
    merchant.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const stats = (): Promise<{ hits: number; latencies: number[] }> =>
    new Promise((resolve) => {
      merchant.once('message', resolve);
      merchant.postMessage('stats');
    });
  const url = `http://127.0.0.1:${port}/notify`;

  const dir = mkdtempSync(join(tmpdir(), 'umf-bench-notify-'));
  const dbUrl = values.db === 'sqlite' ? `sqlite:${join(dir, 'bench.db')}` : values.db;
  const store = await openStore({ url: dbUrl });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const outbox = new Outbox({
    repository: new OutboxRepository(store.db),
    sign: (body: string): string => signSha256WithRsa(privateKey, body),
  });
  const payload = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    payment: {
      id: `PAY_${String(i).padStart(8, '0')}`,
      mer_reference_id: `ORDER-${i}`,
      state: 'PAID',
      amount: { total: '123.45', currency: 'USD' },
      settle_date: '20250101',
      ...extra,
    },
  });

  try {
    console.log(
      `database ${store.url} (${store.dialect}), merchant ${url} (worker thread), concurrency ${CONCURRENCY}; ` +
        `RSS before enqueueing ${mb(process.memoryUsage().rss)} (process: tsx loader, merchant thread, notifier)`,
    );

    // 1. Backlog
    let t = performance.now();
    const BATCH = 500;
    for (let start = 0; start < COUNT; start += BATCH) {
      await store.write(async (trx) => {
        for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
          await outbox.enqueue(
            trx,
            { merchantId: 'M000000000001', objectType: 'payment', objectId: `PAY_${i}`, url, payload: payload(i) },
            Date.now(),
          );
        }
      });
    }
    const enqueueSeconds = (performance.now() - t) / 1000;
    console.log(
      `enqueued ${COUNT} in ${enqueueSeconds.toFixed(2)} s (${Math.round(COUNT / enqueueSeconds)}/s, ` +
        'RSA signing included)',
    );

    const worker = new NotificationWorker({ store, concurrency: CONCURRENCY, pollIntervalMs: 200 });
    let peakRss = 0;
    let peakHeap = 0;
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 100);
    t = performance.now();
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    worker.start();
    for (;;) {
      const { hits } = await stats();
      const row = await store.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('state', '=', 'delivered')
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= COUNT && hits >= COUNT) break;
      await sleep(20);
    }
    const drainSeconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const elu = performance.eventLoopUtilization(eluBefore);
    await stats(); // reset
    const durations = (await store.db.selectFrom('notification_attempts').select('duration_ms').execute())
      .map((r) => Number(r.duration_ms))
      .sort((a, b) => a - b);
    const notDelivered = await store.db
      .selectFrom('notification_attempts')
      .select('id')
      .where('outcome', '!=', 'delivered')
      .execute();
    console.log(
      `backlog: delivered ${COUNT} in ${drainSeconds.toFixed(2)} s = ${Math.round(COUNT / drainSeconds)} ` +
        'notifications/s; ' +
        `attempts ${durations.length} (failed ${notDelivered.length}); ` +
        `HTTP attempt duration p50 ${percentile(durations, 50)} ms, p99 ${percentile(durations, 99)} ms; ` +
        `peak RSS ${mb(peakRss)} (main heap used ${mb(peakHeap)})`,
    );
    console.log(
      `backlog: notifier event loop busy ${(elu.utilization * 100).toFixed(0)}%; ` +
        'process CPU (notifier + merchant thread) ' +
        `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${Math.round((cpu.user + cpu.system) / COUNT)} ` +
        'µs per notification',
    );

    // 2. Steady flow
    const total = RATE * SECONDS;
    t = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      await store.write((trx) =>
        outbox.enqueue(
          trx,
          {
            merchantId: 'M000000000001',
            objectType: 'payment',
            objectId: `PAY_S${i}`,
            url,
            payload: payload(COUNT + i, { enqueued_at: performance.timeOrigin + performance.now() }),
          },
          Date.now(),
        ),
      );
      worker.kick();
    }
    const latencies: number[] = [];
    for (;;) {
      const polled = await stats();
      latencies.push(...polled.latencies);
      if (polled.hits >= COUNT + total) break;
      await sleep(20);
    }
    const steadySeconds = (performance.now() - t) / 1000;
    clearInterval(rssTimer);
    await worker.stop();
    latencies.sort((a, b) => a - b);
    console.log(
      `steady flow: ${total} notifications at ${RATE}/s (one transaction + kick() each) ` +
        `in ${steadySeconds.toFixed(2)} s; ` +
        `commit -> merchant receipt p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(2)} ms; peak RSS ${mb(peakRss)}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  merchant.postMessage('close');
}

await main();
