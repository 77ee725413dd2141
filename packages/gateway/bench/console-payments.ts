/**
 * The console's payments list at a million rows (issue 12; target: a filtered page in < 200 ms).
 *
 *   npm run bench:console [-- --count 1000000 --runs 20 --db sqlite|postgres|both]
 *
 * Seeds `count` payments (test/helpers/seed-payments.ts: 30 days, 8 merchants, the states, methods and
 * currencies in realistic shares, card payments with last four digits) through
 * PaymentRepository.insertMany in transactions of 10,000 rows into a fresh database: a SQLite file in a
 * temp dir, and on PostgreSQL (the server of DATABASE_URL or UMF_TEST_POSTGRES_URL; `--db` says which
 * to run, default: SQLite, and PostgreSQL too when a server is named) a database of its own, created
 * here and dropped at the end. Then it times, through PaymentSearchService.page (what the console
 * calls), pages of 50 for each filter, some combinations, the searches (reference, payment id, last
 * four) and deep pages through a cursor, `runs` times each after one warm-up, and prints p50 and p95
 * in ms against the target, and the CSV export's rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type Store } from '../src/store/database.ts';
import { PaymentRepository } from '../src/payments/payment-repository.ts';
import { PaymentSearchService, cursorOf, type PaymentFilters } from '../src/payments/payment-search.ts';
import { seedMerchants, seedPayments } from '../test/helpers/seed-payments.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    db: { type: 'string' },
  },
});
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const TARGET_MS = 200;
const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 4);
const MERCHANTS = ['M0001', 'M0002', 'M0003', 'M0004', 'M0005', 'M0006', 'M0007', 'M0008'];
const SERVER = process.env['DATABASE_URL'] ?? process.env['UMF_TEST_POSTGRES_URL'];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database of the kind, and how to remove it. */
async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'umf-bench-console-'));
    return {
      url: `sqlite:${join(dir, 'gateway.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `umf_bench_${randomBytes(5).toString('hex')}`;
  await withClient(SERVER!, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(SERVER!);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => withClient(SERVER!, (c) => c.query(`DROP DATABASE IF EXISTS "${name}"`)).then(() => undefined),
  };
}

interface Row {
  readonly name: string;
  readonly found: number;
  readonly p50: number;
  readonly p95: number;
}

async function time(name: string, fn: () => Promise<number>): Promise<Row> {
  let found = await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    found = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { name, found, p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

async function bench(kind: 'sqlite' | 'postgres'): Promise<void> {
  const database = await freshDatabase(kind);
  const store: Store = await openStore({ url: database.url });
  try {
    const repository = new PaymentRepository(store.db);
    const service = new PaymentSearchService({ payments: repository });
    console.log(`\n## ${kind}: seeding ${COUNT.toLocaleString('en')} payments`);
    const t0 = performance.now();
    await seedMerchants(store, MERCHANTS, NOW);
    await seedPayments(store, { now: NOW, days: 30, merchantIds: MERCHANTS, seed: 2026 }, COUNT, 10_000, (done) => {
      if (done % 100_000 === 0) process.stdout.write(`  ${done.toLocaleString('en')}\r`);
    });
    // PostgreSQL's autovacuum analyzes a loaded table in time; the benchmark does not wait for it.
    if (kind === 'postgres') await repository.analyze();
    console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Real values to look for: a payment at the middle, one deep in the list, a card's last four.
    const middle = (await service.page({ createdBefore: NOW - 15 * DAY_MS }, { limit: 1 })).payments[0]!;
    const deep = (await service.page({ createdBefore: NOW - 29 * DAY_MS }, { limit: 1 })).payments[0]!;
    const card = (await service.page({ method: 'CREDIT_CARD', createdBefore: NOW - 7 * DAY_MS }, { limit: 1 }))
      .payments[0]!;
    const deepCursor = cursorOf(deep);
    const day = { createdFrom: NOW - 11 * DAY_MS, createdBefore: NOW - 10 * DAY_MS };
    const cases: Array<[string, PaymentFilters, string?]> = [
      ['no filter (first page)', {}],
      ['state TRADE_FAIL', { states: ['TRADE_FAIL'] }],
      ['states TRADE_CLOSED, TRADE_CANCEL', { states: ['TRADE_CLOSED', 'TRADE_CANCEL'] }],
      ['method WECHAT_SCAN', { method: 'WECHAT_SCAN' }],
      ['currency SGD', { currency: 'SGD' }],
      ['merchant', { merchantId: 'M0003' }],
      ['date range (one day, 10 days ago)', day],
      ['merchant + state', { merchantId: 'M0003', states: ['TRADE_SUCCESS'] }],
      ['merchant + method + currency + day', { merchantId: 'M0003', method: 'ALIPAY_SCAN', currency: 'GBP', ...day }],
      ['state + method + currency', { states: ['TRADE_CANCEL'], method: 'DEBIT_CARD', currency: 'AUD' }],
      ['search: mer_reference_id', { text: middle.mer_reference_id }],
      ['search: payment id', { text: middle.id }],
      ['search: last four digits', { text: card.card_last4! }],
      ['deep page (cursor ~97% in)', {}, deepCursor],
      ['deep page, state TRADE_SUCCESS', { states: ['TRADE_SUCCESS'] }, deepCursor],
      ['deep page, merchant + currency', { merchantId: 'M0005', currency: 'USD' }, deepCursor],
    ];
    const rows: Row[] = [];
    for (const [name, filters, cursor] of cases)
      rows.push(await time(name, async () => (await service.page(filters, cursor ? { cursor } : {})).payments.length));

    // The export: 20,000 lines of everything, as the console streams them.
    const te = performance.now();
    let lines = 0;
    for await (const line of service.exportCsv({})) {
      void line;
      if (++lines === 20_000) break;
    }
    const exportMs = performance.now() - te;

    const width = Math.max(...rows.map((r) => r.name.length));
    console.log(`\n${kind}, ${COUNT.toLocaleString('en')} payments, pages of 50, ${RUNS} runs each (ms):`);
    console.log(`${'query'.padEnd(width)}  found   p50     p95     < ${TARGET_MS} ms`);
    const ms = (n: number) => n.toFixed(2).padStart(6);
    for (const r of rows) {
      const cells = [r.name.padEnd(width), String(r.found).padStart(5), ms(r.p50), ms(r.p95)];
      console.log(`${cells.join('  ')}  ${r.p95 < TARGET_MS ? 'yes' : 'NO'}`);
    }
    const rate = Math.round(lines / (exportMs / 1000)).toLocaleString('en');
    console.log(`CSV export: ${lines.toLocaleString('en')} lines in ${exportMs.toFixed(0)} ms (${rate} lines/s)`);
    console.log(`RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
    const worst = rows.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    console.log(
      `worst p95: ${worst.p95.toFixed(2)} ms (${worst.name}): ${worst.p95 < TARGET_MS ? 'within' : 'OVER'} the target`,
    );
  } finally {
    await store.close();
    await database.drop();
  }
}

const kinds: Array<'sqlite' | 'postgres'> =
  values.db === 'both'
    ? ['sqlite', 'postgres']
    : values.db === 'sqlite' || values.db === 'postgres'
      ? [values.db]
      : SERVER
        ? ['sqlite', 'postgres']
        : ['sqlite'];
if (kinds.includes('postgres') && !SERVER) throw new Error('--db postgres needs DATABASE_URL or UMF_TEST_POSTGRES_URL');
for (const kind of kinds) await bench(kind);
