/**
 * `npm run bench`: create-payment throughput and latency of the gateway (embedded SQLite, workers
 * running) against the protocol floor (bench/protocol-floor.ts), side by side in one run, with the
 * same load generator (autocannon), the same connections and the same number of requests. Then hot
 * query polling (GET of one unchanged payment) against the floor's GET (which signs every answer).
 * Each server runs in its own process; the load generator in this one. Prints a table; asserts
 * nothing (a benchmark is a script that prints figures).
 *
 * Besides req/s and latency, each row shows the server's CPU per request (all threads, and its main
 * thread alone, from /proc): a figure that another process competing for the cores disturbs less.
 * The load average before and after is printed too: compare runs on a quiet machine only.
 *
 * Options (env): BENCH_REQUESTS (default 6000), BENCH_CONNECTIONS (default 16), BENCH_CPU_PROF=DIR
 * (writes a V8 CPU profile of the gateway process into DIR).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const here = new URL('.', import.meta.url).pathname;
const bin = join(here, '..', 'bin');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** Signs request bodies on a worker thread (plain JS: workers do not inherit the TypeScript loader). */
const SIGNING_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const { keyPem, prefix, from, to, date, template } = workerData;
const key = createPrivateKey(keyPem);
const out = [];
for (let i = from; i < to; i++) {
  const body = template.split('@REF@').join(prefix + i).split('@DATE@').join(date);
  out.push({ body, signature: sign('sha256', Buffer.from(body), key).toString('base64') });
}
parentPort.postMessage(out);
`;

interface Signed {
  body: string;
  signature: string;
}

function orderBody(ref: string, date: string): string {
  return JSON.stringify({
    payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone: '13800138000' } },
    order: {
      mer_reference_id: ref,
      mer_date: date,
      amount: { total: '100.02', currency: 'USD' },
      order_summary: 'bench order',
      expire_time: '360',
      sub_orders: [
        {
          mer_sub_reference_id: `${ref}-1`,
          amount: { total: '100.02', currency: 'USD' },
          trans_code: '01122030',
          items: [
            {
              mer_item_id: 'tee',
              type: 'CLOTHING',
              name: 'T-shirt',
              quantity: '2',
              amount: { total: '100.02', currency: 'USD' },
            },
          ],
        },
      ],
    },
    notify_url: 'http://127.0.0.1:9/notify',
  });
}

await main();

async function signBodies(keyPem: string, prefix: string, count: number): Promise<Signed[]> {
  const date = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const half = Math.ceil(count / 2);
  const parts = await Promise.all(
    [0, 1].map(
      (w) =>
        new Promise<Signed[]>((resolve, reject) => {
          const worker = new Worker(SIGNING_WORKER, {
            eval: true,
            workerData: {
              keyPem,
              prefix,
              from: w * half,
              to: Math.min(count, (w + 1) * half),
              date,
              template: orderBody('@REF@', '@DATE@'),
            },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  return parts.flat();
}

function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`process exited ${code}: ${err}`)));
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU time (ms) of a process (all its threads) and of its main thread, from /proc. */
function cpuMs(pid: number): { all: number; main: number } {
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms clock ticks
  };
  return {
    all: ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    main: ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')),
  };
}

/** BENCH_THREADS=1: CPU ticks of each thread of a process, by thread name. */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function threadCpu(pid: number, before: Map<string, number>, requests: number): string {
  const byName = new Map<string, number>();
  for (const [key, ticks] of threadTicks(pid)) {
    const name = key.endsWith(`#${pid}`) ? 'main' : key;
    byName.set(name, (byName.get(name) ?? 0) + ticks - (before.get(key) ?? 0));
  }
  return (
    [...byName]
      .filter(([, t]) => t > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([n, t]) => `${n} ${((t * 10) / requests).toFixed(3)}`)
      .join(', ') + ' ms/req'
  );
}

interface Figures {
  /** CPU per request, ms: the whole server process, and its main (event loop) thread. */
  cpu: number;
  main: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  rss: number;
}

async function load(
  url: string,
  pid: number,
  requests: Array<{ method: 'POST' | 'GET'; path: string; body?: string; headers: Record<string, string> }>,
  amount: number,
): Promise<Figures> {
  const cpu0 = cpuMs(pid);
  const threads0 = process.env.BENCH_THREADS ? threadTicks(pid) : new Map<string, number>();
  let i = 0;
  let first = 0;
  let last = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const tracker = autocannon(
      {
        url,
        connections: CONNECTIONS,
        amount,
        requests: [
          {
            setupRequest: (req: autocannon.Request) => {
              if (first === 0) first = performance.now();
              const r = requests[i++ % requests.length]!;
              return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
            },
          },
        ],
      },
      (error: unknown, done) =>
        error
          ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
          : resolve(done),
    );
    tracker.on('response', () => {
      last = performance.now();
    });
  });
  // Completed requests over the time from the first request to the last response: autocannon's
  // requests.average (and its start/finish) count whole seconds, which on runs of a few seconds
  // quantises throughput to amount / seconds (1900, 950, ...).
  const elapsed = (last - first) / 1000;
  const cpu1 = cpuMs(pid);
  if (process.env.BENCH_THREADS)
    process.stderr.write(`  threads of ${pid}: ${threadCpu(pid, threads0, result.requests.total)}\n`);
  const per = (ms: number) => Math.round((ms / result.requests.total) * 1000) / 1000;
  return {
    cpu: per(cpu1.all - cpu0.all),
    main: per(cpu1.main - cpu0.main),
    rps: Math.round(result.requests.total / elapsed),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    rss: rssMb(pid),
  };
}

async function main(): Promise<void> {
  const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'umf-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, UMF_DATA_DIR: dir, LOG_LEVEL: 'warn', PORT: '0' };
  delete env.DATABASE_URL;
  const children: ChildProcess[] = [];
  try {
    const created = spawn(
      process.execPath,
      [join(bin, 'umf-gateway.js'), 'merchant', 'create', '--name', 'Bench', '--json', '--create'],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    created.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => created.once('exit', r));
    const merchant = JSON.parse(out) as { client_id: string; client_secret: string; private_key_file: string };
    const keyPem = readFileSync(merchant.private_key_file, 'utf8');
    const publicPemFile = join(dir, 'merchant.pub.pem');
    writeFileSync(publicPemFile, createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }));

    process.stderr.write(`signing ${REQUESTS * 2} request bodies...\n`);
    const [floorBodies, gatewayBodies] = await Promise.all([
      signBodies(keyPem, 'F', REQUESTS),
      signBodies(keyPem, 'G', REQUESTS),
    ]);

    const floor = await startProcess(['--import', 'tsx', join(here, 'protocol-floor.ts'), publicPemFile], env);
    children.push(floor.child);
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const gateway = await startProcess([...profile, join(bin, 'umf-gateway.js'), 'serve', '--port', '0'], env);
    children.push(gateway.child);

    const tokenRes = await fetch(`${gateway.url}/cberest/v1/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: merchant.client_id,
        client_secret: merchant.client_secret,
        grant_type: 'client_credentials',
      }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const headers = (s: Signed) => ({
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      signature: s.signature,
    });

    // Warm-up: JIT, SQLite page cache, connection set-up (not counted).
    const warm = 300;
    await load(
      floor.url,
      floor.child.pid!,
      floorBodies
        .slice(0, warm)
        .map((s) => ({ method: 'POST', path: '/cberest/v1/payments/payment', body: s.body, headers: headers(s) })),
      warm,
    );
    await load(
      gateway.url,
      gateway.child.pid!,
      gatewayBodies
        .slice(0, warm)
        .map((s) => ({ method: 'POST', path: '/cberest/v1/payments/payment', body: s.body, headers: headers(s) })),
      warm,
    );

    const n = REQUESTS - warm;
    const floorCreate = await load(
      floor.url,
      floor.child.pid!,
      floorBodies
        .slice(warm)
        .map((s) => ({ method: 'POST', path: '/cberest/v1/payments/payment', body: s.body, headers: headers(s) })),
      n,
    );
    const gatewayCreate = await load(
      gateway.url,
      gateway.child.pid!,
      gatewayBodies
        .slice(warm)
        .map((s) => ({ method: 'POST', path: '/cberest/v1/payments/payment', body: s.body, headers: headers(s) })),
      n,
    );

    // Hot query polling: GET one unchanged payment (created with a body the gateway has not seen).
    const fresh = floorBodies[0]!;
    const created1 = await fetch(`${gateway.url}/cberest/v1/payments/payment`, {
      method: 'POST',
      headers: headers(fresh),
      body: fresh.body,
    });
    const paymentId = /"id":"(PAY_[A-Z0-9]+)"/.exec(await created1.text())?.[1];
    if (!paymentId) throw new Error('could not create the payment to poll');
    const getReq = [
      {
        method: 'GET' as const,
        path: `/cberest/v1/payments/payment/${paymentId}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
    ];
    const floorGet = await load(floor.url, floor.child.pid!, getReq, n);
    const gatewayGet = await load(gateway.url, gateway.child.pid!, getReq, n);

    const row = (name: string, f: Figures) =>
      `${name.padEnd(28)} ${String(f.rps).padStart(8)} ${String(f.p50).padStart(8)} ${String(f.p99).padStart(8)} ` +
      `${String(f.non2xx + f.errors).padStart(8)} ${String(f.rss).padStart(8)} ` +
      `${f.cpu.toFixed(3).padStart(10)} ${f.main.toFixed(3).padStart(10)}`;
    console.log(`\ncreate-payment and query, ${n} requests each, ${CONNECTIONS} connections, node ${process.version}`);
    console.log(
      `${'target'.padEnd(28)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ` +
        `${'errors'.padStart(8)} ${'RSS MB'.padStart(8)} ${'cpu ms/req'.padStart(10)} ${'main ms/req'.padStart(10)}`,
    );
    console.log(row('floor create', floorCreate));
    console.log(row('gateway create (sqlite)', gatewayCreate));
    console.log(row('floor query', floorGet));
    console.log(row('gateway query (sqlite)', gatewayGet));
    const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
    console.log(
      `\nload average: ${loadStart} before, ` +
        `${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} after`,
    );
    console.log(
      `create: throughput ${ratio(gatewayCreate.rps, floorCreate.rps)} x floor (target >= 0.8), ` +
        `p99 ${ratio(gatewayCreate.p99, floorCreate.p99)} x floor (target <= 1.5)`,
    );
    console.log(`query:  throughput ${ratio(gatewayGet.rps, floorGet.rps)} x floor (target >= 2)`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}
