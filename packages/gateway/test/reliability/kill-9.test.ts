/**
 * The reliability target: "kill -9 at random moments under load loses no accepted payment, charges
 * no payment twice, and every notification is delivered at least once".
 *
 * The gateway runs as a child process (`bin/umf-gateway.js serve`) on a database this test shares
 * (a SQLite file, or a PostgreSQL server when UMF_TEST_POSTGRES_URL is set). Merchant and payer loops
 * in this process drive it the way real clients do: signed POSTs with an Idempotency-Key, repeated
 * with the same key and the same bytes after a connection error, a 5xx, or "still in progress"
 * (00060743). A request is *accepted* when the client saw its complete, signed 2xx answer. While they
 * run, the child is killed with SIGKILL 3-5 times, 200-1500 ms apart, and restarted on the same data,
 * and the merchant's endpoint (helpers/merchant-server.ts, which verifies every signature) now and
 * then answers 500, so that retries scheduled in the outbox must outlive the crashes too. Then the
 * load stops, the gateway runs until every late bank answer, refund answer and notification has
 * settled (a deadline that means "it never happened"), and the shared database and what the
 * merchant acknowledged are checked: (1) nothing accepted is lost, (2) what the client was told
 * succeeded did, nothing is charged or given back twice, (3) every final payment and refund was
 * delivered at least once, (4) checkLedger finds no problem; and every answer was one a correct
 * gateway gives.
 *
 * A known gap is reported on every run as a `todo` subtest, without failing it: a request whose
 * Idempotency-Key a crash left "in flight" is taken over after 2 minutes, and the same request then
 * gets the work its first attempt did (the payment, the refund, the sent code, the paid payment:
 * http/idempotency.ts `resumed`), except an execute cut off while the bank was being asked: that one
 * is 00060761 "in process" until the bank poller finishes it (its notification tells the outcome).
 * (This test also found that two first payments with one card executed at once on PostgreSQL
 * answered 500 after the debit, and that replays after a crash were refused as duplicates; both
 * fixed, the first checked here as an ordinary subtest.)
 *
 * Waiting out a crash: a notification whose delivery was under way when the process died keeps its
 * lease for 60 s, and a card execution interrupted between the bank's debit and the payment's update
 * ('processing') is taken up by the bank poller after 60 s. So that a run takes seconds rather than
 * minutes, the gateway that drains the work is started with its clock 3 minutes ahead (a tiny
 * --import preload that shifts Date.now), i.e. "it came back 3 minutes after the last crash".
 * KILL9_REAL_TIME=1 drains with the real clock instead (about a minute more per database).
 *
 * Replay: every message carries the seed; `KILL9_SEED=<seed> npm test -- reliability/kill-9` runs
 * the same load choices and kill schedule again (timing still varies with the machine).
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomInt, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { testDatabaseUrls, type TestDatabase, type TestDatabaseKind } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { paymentBody, refundBody } from '../helpers/refunds.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { encryptField } from '../../src/crypto/field-decryption.ts';
import { signedTextOf } from '../../src/http/signed-body.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

const SEED = process.env.KILL9_SEED ? Number(process.env.KILL9_SEED) : randomInt(1, 2 ** 31 - 1);
if (!Number.isSafeInteger(SEED)) throw new Error(`KILL9_SEED must be an integer, got ${process.env.KILL9_SEED}`);
const REAL_TIME = process.env.KILL9_REAL_TIME === '1';
/** The draining gateway's clock lead: more than the notifier lease (60 s) and the stalled-execute delay (60 s). */
const DRAIN_CLOCK_AHEAD_MS = 3 * 60_000;
const DRAIN_DEADLINE_MS = REAL_TIME ? 180_000 : 45_000;
const LOOPS = 6;
/** How long one request may keep retrying (connection errors, 5xx) before its outcome is left unknown. */
const REQUEST_BUDGET_MS = 20_000;
/** How long a client keeps asking about a key the crashed process left "in flight" (taken over after 2 min). */
const IN_FLIGHT_BUDGET_MS = 2_000;

const CARDS = { ok: '6225760000040001', late: '6225760000000005', declined: '6225760000030002' } as const;
type CardKind = keyof typeof CARDS;

// ---- seeded choices -------------------------------------------------------------------------------

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32: a number in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

function usd(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

// ---- the gateway child process ----------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
// Should this process end with a gateway still running (a test timeout, a crash), do not leave it behind.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, UMF_FTP_PORT: '0', ...extra };
  for (const name of [
    'DATABASE_URL',
    'UMF_DATA_DIR',
    'UMF_MASTER_KEY',
    'PORT',
    'HOST',
    'UMF_PUBLIC_URL',
    'UMF_MODE',
    'UMF_TOKEN_TTL_SECONDS',
    'UMF_SETTLEMENT_CUTOFF',
  ])
    delete env[name];
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

class GatewayChild {
  readonly port: number;
  readonly #dataDir: string;
  readonly #databaseUrl: string;
  readonly #preload: string;
  #child: ChildProcess | undefined;
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  /** The last part of everything the gateway printed, across restarts. */
  #log = '';
  starts = 0;
  /** Log lines, across restarts, reporting the payer-agreement race (see the report of this test). */
  agreementRaceErrors = 0;

  constructor(options: { port: number; dataDir: string; databaseUrl: string; preload: string }) {
    this.port = options.port;
    this.#dataDir = options.dataDir;
    this.#databaseUrl = options.databaseUrl;
    this.#preload = options.preload;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  logTail(chars = 4000): string {
    return this.#log.slice(-chars);
  }

  #append(text: string): void {
    this.#log = (this.#log + text).slice(-64 * 1024);
  }

  /** Starts `umf-gateway serve` and waits for "listening on"; `clockAheadMs` shifts the child's Date.now. */
  async start(clockAheadMs = 0): Promise<void> {
    assert.ok(!this.#child, 'the gateway is not already running');
    this.starts++;
    this.#append(`\n--- start #${this.starts}${clockAheadMs ? ` (clock ${clockAheadMs} ms ahead)` : ''} ---\n`);
    const args = [
      ...(clockAheadMs ? ['--import', pathToFileURL(this.#preload).href] : []),
      BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--data-dir',
      this.#dataDir,
      '--database',
      this.#databaseUrl,
    ];
    const child = spawn(process.execPath, args, {
      env: cleanEnv({ LOG_LEVEL: 'warn', UMF_SETTLEMENT_TIME: 'off', KILL9_CLOCK_AHEAD_MS: String(clockAheadMs) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    this.#child = child;
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        resolve({ code, signal });
      });
    });
    let banner = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.#append(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.includes('payer_agreements_card_unique')) this.agreementRaceErrors++;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the gateway did not say "listening on" within 60 s:\n${this.logTail()}`)),
        60_000,
      );
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        this.#append(chunk);
        banner += chunk;
        if (banner.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.#exit!.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the gateway exited (${code ?? signal}) before listening:\n${this.logTail()}`));
      });
    });
  }

  /** SIGKILL (a crash) or SIGTERM (a graceful stop); resolves once the process is gone. */
  async stop(
    signal: 'SIGKILL' | 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const child = this.#child;
    if (!child) return undefined;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 20_000);
    });
    await Promise.race([this.#exit, forced]);
    const result = await this.#exit;
    clearTimeout(timer);
    this.#child = undefined;
    this.#exit = undefined;
    this.#append(`--- ${signal}: exit ${result!.code ?? result!.signal} ---\n`);
    return result;
  }
}

// ---- a merchant (and payer) client that retries like a real one ---------------------------------------

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: any;
  /** How many times the request was sent before this answer. */
  readonly sends: number;
  /** The 5xx and "in flight" answers to earlier sends of the same request. */
  readonly earlier: readonly string[];
}

type Outcome =
  { readonly kind: 'answer'; readonly answer: Answer } | { readonly kind: 'unknown'; readonly reason: string };

interface Stats {
  requests: number;
  connectionErrors: number;
  serverErrors: number;
  inFlightAnswers: number;
  tokenRefreshes: number;
  unknownOutcomes: Record<string, number>;
}

class Client {
  readonly #base: string;
  readonly #merchant: { clientId: string; clientSecret: string; privateKey: KeyObject };
  readonly #platformKey: KeyObject;
  readonly stats: Stats = {
    requests: 0,
    connectionErrors: 0,
    serverErrors: 0,
    inFlightAnswers: 0,
    tokenRefreshes: 0,
    unknownOutcomes: {},
  };
  /** Answers whose signature did not verify: a correct gateway never sends one. */
  readonly badSignatures: string[] = [];
  #token: string | undefined;
  #tokenRequest: Promise<string> | undefined;
  #keySeq = 0;
  /** Set when the test is over: requests stop retrying at once. */
  aborted = false;

  constructor(
    base: string,
    merchant: { clientId: string; clientSecret: string; privateKey: KeyObject },
    platformKey: KeyObject,
  ) {
    this.#base = base;
    this.#merchant = merchant;
    this.#platformKey = platformKey;
  }

  newKey(label: string): string {
    return `k9-${label}-${++this.#keySeq}`;
  }

  /** One token shared by every loop (the gateway keeps one token per merchant: a new one replaces it). */
  async #currentToken(): Promise<string> {
    if (this.#token) return this.#token;
    this.#tokenRequest ??= this.#authorize().finally(() => (this.#tokenRequest = undefined));
    return this.#tokenRequest;
  }

  async #authorize(): Promise<string> {
    const body = JSON.stringify({
      client_id: this.#merchant.clientId,
      client_secret: this.#merchant.clientSecret,
      grant_type: 'client_credentials',
    });
    const deadline = Date.now() + REQUEST_BUDGET_MS;
    for (;;) {
      if (Date.now() > deadline || this.aborted) throw new Error('no access token within the request budget');
      try {
        const res = await fetch(`${this.#base}/cberest/v1/oauth/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status === 200) {
          const token = (JSON.parse(text) as { access_token: string }).access_token;
          this.stats.tokenRefreshes++;
          this.#token = token;
          return token;
        }
        if (res.status < 500) throw new Error(`token refused: ${res.status} ${text}`);
        this.stats.serverErrors++;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('token refused')) throw error;
        this.stats.connectionErrors++;
      }
      await sleep(150);
    }
  }

  /** A signed merchant POST with an Idempotency-Key; retried with the same key and the same bytes. */
  post(path: string, body: unknown, key: string, what: string): Promise<Outcome> {
    const raw = JSON.stringify(body);
    const signature = signSha256WithRsa(this.#merchant.privateKey, raw);
    return this.#send(what, true, (token) => [
      `${this.#base}/cberest/v1${path}`,
      {
        method: 'POST',
        body: raw,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          signature,
          'idempotency-key': key,
        },
      },
    ]);
  }

  /** What the payer does on the sandbox wallet page (no merchant, no idempotency key: pressing Pay again). */
  pay(paymentId: string, outcome: 'success' | 'fail'): Promise<Outcome> {
    const raw = JSON.stringify({ outcome });
    return this.#send('pay', false, () => [
      `${this.#base}/sandbox/payments/${paymentId}/pay`,
      { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } },
    ]);
  }

  /** An unauthenticated sandbox GET (the SMS inbox). */
  sandboxGet(path: string): Promise<Outcome> {
    return this.#send('sandbox get', false, () => [`${this.#base}${path}`, { method: 'GET' }]);
  }

  async #send(what: string, authorized: boolean, build: (token: string) => [string, RequestInit]): Promise<Outcome> {
    const started = Date.now();
    let inFlightSince: number | undefined;
    let sends = 0;
    const earlier: string[] = [];
    for (;;) {
      if (this.aborted) return this.#unknown(what, 'test over');
      if (Date.now() - started > REQUEST_BUDGET_MS) return this.#unknown(what, 'retry budget spent');
      let token = '';
      try {
        if (authorized) token = await this.#currentToken();
      } catch {
        return this.#unknown(what, 'no token');
      }
      const [url, init] = build(token);
      let status: number;
      let text: string;
      sends++;
      this.stats.requests++;
      try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
        status = res.status;
        text = await res.text();
      } catch {
        // Refused (restarting), reset (killed mid-request) or cut short: the outcome is unknown; send again.
        this.stats.connectionErrors++;
        await sleep(150);
        continue;
      }
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (authorized && status === 401) {
        if (this.#token === token) this.#token = undefined;
        continue;
      }
      if (status >= 500) {
        this.stats.serverErrors++;
        earlier.push(`${status} ${json?.meta?.ret_code ?? text.slice(0, 60)}`);
        await sleep(150);
        continue;
      }
      if (status === 409 && json?.meta?.ret_code === '00060743') {
        // The key is "in flight": the process that ran the first attempt died. Real clients ask again
        // later; the gateway takes the key over after two minutes, longer than this test waits.
        this.stats.inFlightAnswers++;
        if (inFlightSince === undefined) earlier.push(`${status} 00060743`);
        inFlightSince ??= Date.now();
        if (Date.now() - inFlightSince > IN_FLIGHT_BUDGET_MS)
          return this.#unknown(what, 'key left in flight by the crash');
        await sleep(200);
        continue;
      }
      if (
        json?.meta?.sign !== undefined &&
        !verifySha256WithRsa(this.#platformKey, signedTextOf(text), json.meta.sign)
      ) {
        this.badSignatures.push(`${what}: ${text.slice(0, 300)}`);
      }
      return { kind: 'answer', answer: { status, text, json, sends, earlier } };
    }
  }

  #unknown(what: string, reason: string): Outcome {
    const k = `${what}: ${reason}`;
    this.stats.unknownOutcomes[k] = (this.stats.unknownOutcomes[k] ?? 0) + 1;
    return { kind: 'unknown', reason };
  }
}

// ---- what the clients saw ---------------------------------------------------------------------------

interface PaymentRecord {
  readonly id: string;
  readonly ref: string;
  readonly method: 'WECHAT_SCAN' | 'CREDIT_CARD';
  readonly card?: CardKind;
  readonly amountMinor: number;
  /** The answer of a pay / execute the client saw (a signed 200): the payment's state in it. */
  answeredState?: string;
  /** Pay sent again after a lost answer was told the payment is already final: the state it names. */
  confirmedOnRetry?: string;
  /** The wallet outcome asked for. */
  payOutcome?: 'success' | 'fail';
}

interface RefundRecord {
  readonly id: string;
  readonly ref: string;
  readonly paymentId: string;
  readonly amountMinor: number;
}

interface Seen {
  readonly payments: Map<string, PaymentRecord>;
  readonly refunds: Map<string, RefundRecord>;
  /** Paid payments that can be refunded, and what the client has asked back from each so far. */
  readonly refundable: Array<{ readonly id: string; readonly amountMinor: number; askedMinor: number }>;
  /** Answers a correct gateway never gives to these requests. */
  readonly unexpected: string[];
  readonly flows: Record<string, number>;
  /** Requests whose outcome stayed unknown (their key left "in flight" by a crash): sent again later. */
  readonly later: Replay[];
  /** Executes answered 5xx, then "Payment in process": the payer-agreement race, when the gateway logged it. */
  readonly agreementRace: Array<{ readonly paymentId: string; readonly card: CardKind; readonly answer: string }>;
}

/** A request to send again, with the same Idempotency-Key and bytes, once the gateway takes its key over. */
interface Replay {
  readonly what: string;
  /** The payment (or, for creations, the merchant reference) it is about. */
  readonly about: string;
  readonly resend: () => Promise<Outcome>;
  /** Records a success answer as the flow would have. */
  readonly accepted: (a: Answer) => void;
}

interface LoadContext {
  readonly client: Client;
  readonly seen: Seen;
  readonly notifyUrl: string;
  readonly platformKey: KeyObject;
  readonly stopping: () => boolean;
}

function describeAnswer(a: Answer): string {
  return (
    `${a.status} after ${a.sends} ` +
    `send(s)${a.earlier.length > 0 ? ` (earlier answers: ${a.earlier.join(', ')})` : ''}:` +
    ` ${a.text.slice(0, 300)}`
  );
}

function ok(a: Answer, status: number): boolean {
  return a.status === status && a.json?.meta?.ret_code === '0000';
}

async function walletFlow(ctx: LoadContext, rng: Rng): Promise<void> {
  const { client, seen } = ctx;
  const amountMinor = rng.int(100, 20_000);
  const body = paymentBody('WECHAT_SCAN', usd(amountMinor), 'USD', undefined, { notify_url: ctx.notifyUrl });
  const ref = (body.order as { mer_reference_id: string }).mer_reference_id;
  const key = client.newKey('create');
  const send = () => client.post('/payments/payment', body, key, 'create wallet payment');
  const accept = (a: Answer): PaymentRecord => {
    const record: PaymentRecord = { id: a.json.payment.id, ref, method: 'WECHAT_SCAN', amountMinor };
    seen.payments.set(record.id, record);
    return record;
  };
  const created = await send();
  if (created.kind === 'unknown')
    return void seen.later.push({ what: 'create wallet payment', about: ref, resend: send, accepted: accept });
  if (!ok(created.answer, 201))
    return void seen.unexpected.push(`create wallet payment ${ref}: ${describeAnswer(created.answer)}`);
  const record = accept(created.answer);
  if (ctx.stopping() || rng.chance(0.15)) return; // some QR codes are never scanned
  const outcome = rng.chance(0.9) ? 'success' : 'fail';
  record.payOutcome = outcome;
  const paid = await client.pay(record.id, outcome);
  if (paid.kind === 'unknown') return;
  const a = paid.answer;
  if (ok(a, 200)) {
    record.answeredState = a.json.payment.state;
  } else if (a.sends > 1 && (a.json?.meta?.ret_code === '00060750' || a.json?.meta?.ret_code === '00060765')) {
    // The first press's answer was lost; pressing again is told the payment is already paid / failed.
    record.confirmedOnRetry = a.json.meta.ret_code === '00060750' ? 'TRADE_SUCCESS' : 'TRADE_FAIL';
  } else {
    return void seen.unexpected.push(`pay ${record.id} (${outcome}): ${describeAnswer(a)}`);
  }
  if ((record.answeredState ?? record.confirmedOnRetry) === 'TRADE_SUCCESS')
    seen.refundable.push({ id: record.id, amountMinor, askedMinor: 0 });
}

async function cardFlow(ctx: LoadContext, rng: Rng, card: CardKind): Promise<void> {
  const { client, seen } = ctx;
  const amountMinor = rng.int(100, 20_000);
  const phone = `139${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
  const body = paymentBody('CREDIT_CARD', usd(amountMinor), 'USD', undefined, {
    payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone } },
    notify_url: ctx.notifyUrl,
  });
  const ref = (body.order as { mer_reference_id: string }).mer_reference_id;
  const key = client.newKey('create');
  const send = () => client.post('/payments/payment', body, key, 'create card payment');
  const accept = (a: Answer): PaymentRecord => {
    const record: PaymentRecord = { id: a.json.payment.id, ref, method: 'CREDIT_CARD', card, amountMinor };
    seen.payments.set(record.id, record);
    return record;
  };
  const created = await send();
  if (created.kind === 'unknown')
    return void seen.later.push({ what: 'create card payment', about: ref, resend: send, accepted: accept });
  if (!ok(created.answer, 201))
    return void seen.unexpected.push(`create card payment ${ref}: ${describeAnswer(created.answer)}`);
  const record = accept(created.answer);
  if (ctx.stopping()) return;

  const enc = (text: string) => encryptField(ctx.platformKey, text, 'oaep');
  const bankCard = {
    number: enc(CARDS[card]),
    payer_name: enc('Zhang San'),
    citizen_id_type: 'IDENTITY_CARD',
    citizen_id_number: enc('11010519491231002X'),
    valid_date: enc('3012'),
    cvv2: enc('123'),
  };
  const verifyKey = client.newKey('verify');
  const verifyBody = { payer: { payer_info: { phone, bank_card: bankCard } } };
  const sendVerify = () => client.post(`/payments/payment/${record.id}/verify`, verifyBody, verifyKey, 'verify');
  const verified = await sendVerify();
  if (verified.kind === 'unknown')
    return void seen.later.push({ what: 'verify', about: record.id, resend: sendVerify, accepted: () => {} });
  if (!ok(verified.answer, 200))
    return void seen.unexpected.push(`verify ${record.id}: ${describeAnswer(verified.answer)}`);
  if (ctx.stopping()) return;

  const inbox = await client.sandboxGet(`/sandbox/sms?phone=${phone}`);
  if (inbox.kind === 'unknown') return;
  const code = (inbox.answer.json?.messages as Array<{ code: string; payment_id: string }> | undefined)?.find(
    (m) => m.payment_id === record.id,
  )?.code;
  if (!code)
    return void seen.unexpected.push(
      `no SMS code for ${record.id} after its verify was answered: ${describeAnswer(inbox.answer)}`,
    );

  const executeKey = client.newKey('execute');
  const executeBody = { payer: { payer_info: { verify_code: code } } };
  const sendExecute = () => client.post(`/payments/payment/${record.id}/execute`, executeBody, executeKey, 'execute');
  const executed = await sendExecute();
  if (executed.kind === 'unknown')
    return void seen.later.push({
      what: `execute (${card} card)`,
      about: record.id,
      resend: sendExecute,
      accepted: (a) => (record.answeredState = a.json.payment.state),
    });
  const a = executed.answer;
  if (a.status === 409 && a.json?.meta?.ret_code === '00060761' && a.earlier.some((e) => e.startsWith('5'))) {
    return void seen.agreementRace.push({ paymentId: record.id, card, answer: describeAnswer(a) });
  }
  if (!ok(a, 200)) return void seen.unexpected.push(`execute ${record.id} (${card} card): ${describeAnswer(a)}`);
  record.answeredState = a.json.payment.state;
  if (card === 'ok' && record.answeredState === 'TRADE_SUCCESS')
    seen.refundable.push({ id: record.id, amountMinor, askedMinor: 0 });
}

async function refundFlow(ctx: LoadContext, rng: Rng): Promise<void> {
  const { client, seen } = ctx;
  const open = seen.refundable.filter((p) => p.askedMinor < p.amountMinor);
  if (open.length === 0) return;
  const target = open[rng.int(0, open.length - 1)]!;
  const left = target.amountMinor - target.askedMinor;
  let amountMinor = rng.int(1, Math.min(left, 5_000));
  // Amounts ending in .13 are refused by the sandbox channels (REFUND_FAIL, notified too).
  if (rng.chance(0.2) && left >= 13) amountMinor = Math.max(13, Math.floor((amountMinor - 13) / 100) * 100 + 13);
  // Reserved here before the request: a refund whose answer is lost may have been taken.
  target.askedMinor += amountMinor;
  const body = refundBody('order', { total: usd(amountMinor), notifyUrl: ctx.notifyUrl });
  const ref = (body.order as { mer_reference_id: string }).mer_reference_id;
  const key = client.newKey('refund');
  const send = () => client.post(`/payments/payment/${target.id}/refund`, body, key, 'refund');
  const accept = (a: Answer) =>
    void seen.refunds.set(a.json.refund.id, { id: a.json.refund.id, ref, paymentId: target.id, amountMinor });
  const created = await send();
  if (created.kind === 'unknown')
    return void seen.later.push({ what: 'refund', about: `${ref} of ${target.id}`, resend: send, accepted: accept });
  if (!ok(created.answer, 201))
    return void seen.unexpected.push(
      `refund ${ref} of ${target.id} (${usd(amountMinor)} ` +
        `of ${usd(target.amountMinor)}, ${usd(target.askedMinor)} asked in ` +
        `all): ${describeAnswer(created.answer)}`,
    );
  accept(created.answer);
}

async function loadLoop(ctx: LoadContext, rng: Rng): Promise<void> {
  while (!ctx.stopping()) {
    const r = rng.next();
    const flow =
      r < 0.4 ? 'wallet' : r < 0.62 ? 'card ok' : r < 0.77 ? 'card late' : r < 0.82 ? 'card declined' : 'refund';
    ctx.seen.flows[flow] = (ctx.seen.flows[flow] ?? 0) + 1;
    try {
      if (flow === 'wallet') await walletFlow(ctx, rng);
      else if (flow === 'refund') await refundFlow(ctx, rng);
      else await cardFlow(ctx, rng, flow === 'card ok' ? 'ok' : flow === 'card late' ? 'late' : 'declined');
    } catch (error) {
      ctx.seen.unexpected.push(`${flow} flow threw: ${(error as Error).stack ?? String(error)}`);
    }
  }
}

// ---- settling and checking ----------------------------------------------------------------------------

interface DeliveredState {
  readonly states: Set<string>;
}

/** Notifications the merchant server verified and acknowledged, by object id: the states they carried. */
function deliveredStates(merchant: MerchantServer): Map<string, DeliveredState> {
  const byId = new Map<string, DeliveredState>();
  for (const d of merchant.deliveries) {
    const e = d.event;
    if (!e || !d.acknowledged) continue;
    const [id, state] =
      e.type === 'payment'
        ? [e.payment.id, e.payment.state]
        : e.type === 'refund'
          ? [e.refund.id, e.refund.state]
          : [undefined, undefined];
    if (!id || !state) continue;
    const entry = byId.get(id) ?? { states: new Set<string>() };
    entry.states.add(state);
    byId.set(id, entry);
  }
  return byId;
}

/** What is still under way: late bank answers, refund answers, notifications not delivered. Empty when settled. */
async function unsettled(db: Kysely<Database>, merchantId: string, merchant: MerchantServer): Promise<string[]> {
  const left: string[] = [];
  const busy = await db
    .selectFrom('payments')
    .select(['id', 'stage'])
    .where('merchant_id', '=', merchantId)
    .where('stage', 'in', ['processing', 'bank_pending'])
    .execute();
  for (const p of busy) left.push(`payment ${p.id} is still ${p.stage}`);
  const refunding = await db
    .selectFrom('refunds')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('state', '=', 'REFUND_PROCESS')
    .execute();
  for (const r of refunding) left.push(`refund ${r.id} is still REFUND_PROCESS`);
  const outbox = await db
    .selectFrom('outbox')
    .select(['id', 'object_id', 'state', 'attempts', 'last_error', 'lease_until'])
    .where('state', '<>', 'delivered')
    .execute();
  for (const n of outbox) {
    const error = n.last_error ? ` (${n.last_error})` : '';
    const lease = n.lease_until ? `, leased until ${new Date(Number(n.lease_until)).toISOString()}` : '';
    left.push(`notification ${n.id} of ${n.object_id} is ${n.state} after ${n.attempts} attempt(s)${error}${lease}`);
  }
  const delivered = deliveredStates(merchant);
  const finalPayments = await db
    .selectFrom('payments')
    .select(['id', 'state'])
    .where('merchant_id', '=', merchantId)
    .where('state', '<>', 'WAIT_BUYER_PAY')
    .execute();
  for (const p of finalPayments)
    if (!delivered.get(p.id)?.states.has(p.state))
      left.push(`payment ${p.id} is ${p.state} but the merchant has no ${p.state} notification of it`);
  const finalRefunds = await db
    .selectFrom('refunds')
    .select(['id', 'state'])
    .where('merchant_id', '=', merchantId)
    .where('state', '<>', 'REFUND_PROCESS')
    .execute();
  for (const r of finalRefunds)
    if (!delivered.get(r.id)?.states.has(r.state))
      left.push(`refund ${r.id} is ${r.state} but the merchant has no ${r.state} notification of it`);
  return left;
}

function listed(items: readonly string[], max = 15): string {
  return items.length === 0
    ? '(none)'
    : items.slice(0, max).join('\n  ') + (items.length > max ? `\n  ... and ${items.length - max} more` : '');
}

// ---- the test -----------------------------------------------------------------------------------------

for (const kind of testDatabaseUrls()) {
  test(
    'kill -9 under load loses no accepted payment or refund, charges nothing twice, ' +
      `delivers every notification (${kind.name})`,
    { timeout: 300_000 },
    async (t) => {
      const tdb = await kind.open();
      if (!tdb.shared) {
        await tdb.drop();
        return t.skip(
          'in-memory PGlite cannot be shared with another process: set UMF_TEST_POSTGRES_URL to run this ' +
            'against PostgreSQL',
        );
      }
      await killNineRun(t, kind, tdb);
    },
  );
}

async function killNineRun(t: TestContext, kind: TestDatabaseKind, tdb: TestDatabase): Promise<void> {
  const seed = SEED;
  const tag = `[KILL9_SEED=${seed}, ${kind.name}; replay: KILL9_SEED=${seed} npm test -- reliability/kill-9]`;
  t.diagnostic(`seed ${seed} (${kind.name})${REAL_TIME ? ', real-time drain' : ''}`);
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'umf-kill9-'));
  const preload = join(dataDir, 'clock-ahead.mjs');
  writeFileSync(
    preload,
    'const ahead = Number(process.env.KILL9_CLOCK_AHEAD_MS ?? 0);\nif (ahead) { const realNow = Date.now; ' +
      'Date.now = () => realNow() + ahead; }\n',
  );
  const gateway = new GatewayChild({ port: await freePort(), dataDir, databaseUrl: tdb.url, preload });
  let merchantServer: MerchantServer | undefined;
  let store: Store | undefined;
  let stopLoad = false;
  let loops: Promise<void>[] = [];
  let client: Client | undefined;
  try {
    // The merchant and the platform certificate, with the CLI, before the gateway starts (so the
    // CLI creates the database: --create).
    const cli = (...args: string[]) =>
      run(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--database', tdb.url, '--create'], {
        env: cleanEnv({ LOG_LEVEL: 'warn' }),
      });
    const created = JSON.parse(
      (await cli('merchant', 'create', '--name', 'Kill Nine Shop', '--json')).stdout,
    ) as Record<string, string>;
    const certificatePem = (await cli('platform', 'cert')).stdout;
    const platformKey = new X509Certificate(certificatePem).publicKey;
    const privateKey = createPrivateKey(readFileSync(created.private_key_file!, 'utf8'));
    const merchantId = created.merchant_id!;
    merchantServer = await startMerchantServer(certificatePem);

    await gateway.start();
    client = new Client(
      gateway.baseUrl,
      { clientId: created.client_id!, clientSecret: created.client_secret!, privateKey },
      platformKey,
    );
    const seen: Seen = {
      payments: new Map(),
      refunds: new Map(),
      refundable: [],
      unexpected: [],
      flows: {},
      later: [],
      agreementRace: [],
    };
    const ctx: LoadContext = {
      client,
      seen,
      notifyUrl: merchantServer.notifyUrl,
      platformKey,
      stopping: () => stopLoad,
    };
    loops = Array.from({ length: LOOPS }, (_, i) => loadLoop(ctx, new Rng(seed * 31 + i + 1)));
    // A merchant endpoint that now and then answers 500: those notifications wait for their retry
    // (10 s later) in the outbox, across the crashes.
    const flakyRng = new Rng(seed * 7 + 3);
    let refusedByMerchant = 0;
    const flaky = (async () => {
      while (!stopLoad) {
        await sleep(flakyRng.int(300, 900));
        if (stopLoad) break;
        merchantServer.failNext(1);
        refusedByMerchant++;
      }
      merchantServer.failNext(0);
    })();
    loops.push(flaky);

    // The crashes: 3-5 SIGKILLs at random moments, each followed by a restart on the same data.
    const schedule = new Rng(seed);
    const kills = schedule.int(3, 5);
    const killLog: string[] = [];
    await sleep(schedule.int(500, 1000));
    for (let i = 0; i < kills; i++) {
      await sleep(schedule.int(200, 1500));
      const before = client.stats.requests;
      const result = await gateway.stop('SIGKILL');
      assert.equal(result?.signal, 'SIGKILL', `kill #${i + 1} killed the gateway ${tag}`);
      const down = Date.now();
      await gateway.start();
      killLog.push(
        `kill #${i + 1} at ${Date.now() - started} ms (${before} requests sent so far), ` +
          `back after ${Date.now() - down} ms`,
      );
    }
    await sleep(1500);
    stopLoad = true;
    await Promise.all(loops);
    const loadEnded = Date.now();

    // Let it settle: late bank answers, refund answers, notifications (deliveries cut by a kill are
    // leased for 60 s; see the top of the file for the clock lead of the draining gateway).
    if (!REAL_TIME) {
      await gateway.stop('SIGTERM');
      await gateway.start(DRAIN_CLOCK_AHEAD_MS);
    }
    // The clients whose key a crash left "in flight" come back after the takeover window (the
    // draining gateway's clock is past it) and send the same request again, as real clients do.
    const replayed: Array<{ replay: Replay; answer: Answer | undefined }> = [];
    if (!REAL_TIME) {
      for (const replay of seen.later) {
        const outcome = await replay.resend();
        const answer = outcome.kind === 'answer' ? outcome.answer : undefined;
        if (answer && (ok(answer, 200) || ok(answer, 201))) replay.accepted(answer);
        replayed.push({ replay, answer });
      }
    }
    store = await openStore({ url: tdb.url });
    const db = store.db;
    let left: string[] = [];
    for (const deadline = Date.now() + DRAIN_DEADLINE_MS; ;) {
      left = await unsettled(db, merchantId, merchantServer);
      if (left.length === 0 || Date.now() > deadline) break;
      await sleep(250);
    }
    const drained = Date.now();
    const stopped = await gateway.stop('SIGTERM');

    const stats = client.stats;
    t.diagnostic(killLog.join('; '));
    t.diagnostic(
      `flows ${JSON.stringify(seen.flows)}; accepted payments ${seen.payments.size}, ` +
        `refunds ${seen.refunds.size}; requests ${stats.requests}, connection errors ${stats.connectionErrors}, ` +
        `5xx ${stats.serverErrors}, in-flight answers ${stats.inFlightAnswers}, tokens ${stats.tokenRefreshes}; ` +
        `unknown outcomes ${JSON.stringify(stats.unknownOutcomes)}`,
    );
    t.diagnostic(
      `load ${loadEnded - started} ms, drain ${drained - loadEnded} ms, ` +
        `notifications received ${merchantServer.deliveries.length} ` +
        `(${merchantServer.deliveries.filter((d) => !d.acknowledged).length} answered 500, ` +
        `of ${refusedByMerchant} refusals armed); gateway stopped with ${stopped?.code ?? stopped?.signal}`,
    );

    // The run did what it claims: crashes under load.
    assert.ok(
      gateway.starts === kills + 1 + (REAL_TIME ? 0 : 1),
      `the gateway was killed ${kills} times and restarted each time ${tag}`,
    );
    assert.ok(stats.connectionErrors > 0, `the kills cut requests off (connection errors seen) ${tag}`);
    const records = [...seen.payments.values()];

    // 1. Every payment and refund whose creation the client saw accepted exists, with what was sent.
    const paymentRows = await db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).execute();
    const paymentsById = new Map(paymentRows.map((p) => [p.id, p]));
    const lost: string[] = [];
    for (const p of records) {
      const row = paymentsById.get(p.id);
      if (!row)
        lost.push(
          `payment ${p.id} (${p.ref}, ${p.method}, USD ${usd(p.amountMinor)}) was accepted (201) and is missing`,
        );
      else if (
        row.mer_reference_id !== p.ref ||
        Number(row.amount_minor) !== p.amountMinor ||
        row.currency !== 'USD' ||
        row.payment_method !== p.method
      ) {
        lost.push(
          `payment ${p.id}: sent ${p.ref} ${p.method} USD ${usd(p.amountMinor)}, ` +
            `stored ${row.mer_reference_id} ${row.payment_method} ${row.currency} ${row.amount_minor} minor`,
        );
      }
    }
    const refundRows = await db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).execute();
    const refundsById = new Map(refundRows.map((r) => [r.id, r]));
    for (const r of seen.refunds.values()) {
      const row = refundsById.get(r.id);
      if (!row)
        lost.push(
          `refund ${r.id} (${r.ref}) of ${r.paymentId}, USD ${usd(r.amountMinor)}, was accepted (201) and is missing`,
        );
      else if (
        row.payment_id !== r.paymentId ||
        Number(row.amount_minor) !== r.amountMinor ||
        row.mer_reference_id !== r.ref
      ) {
        lost.push(
          `refund ${r.id}: sent ${r.ref} of ${r.paymentId} USD ${usd(r.amountMinor)}, ` +
            `stored ${row.mer_reference_id} of ${row.payment_id} ${row.amount_minor} minor`,
        );
      }
    }
    assert.ok(lost.length === 0, `no accepted payment or refund is lost or changed:\n  ${listed(lost)}\n${tag}`);

    // Every request was answered as a correct gateway answers it, with a valid signature (the
    // payer-agreement race is reported below, when the gateway's log shows it).
    if (gateway.agreementRaceErrors === 0)
      for (const r of seen.agreementRace) seen.unexpected.push(`execute ${r.paymentId} (${r.card} card): ${r.answer}`);
    assert.deepEqual(client.badSignatures, [], `every answer's signature verifies ${tag}`);
    assert.ok(
      seen.unexpected.length === 0,
      'no request got an answer a correct gateway never ' +
        `gives:\n  ${listed(seen.unexpected)}\n${tag}\ngateway log:\n${gateway.logTail()}`,
    );

    // 2. What the client saw succeed succeeded; nothing was charged twice or without a successful payment.
    const wrongState: string[] = [];
    for (const p of records) {
      const state = paymentsById.get(p.id)?.state;
      const expect =
        p.card === 'late' && p.answeredState === 'WAIT_BUYER_PAY'
          ? 'TRADE_SUCCESS' // accepted for the bank: it answers success later
          : (p.answeredState ?? p.confirmedOnRetry);
      if (expect !== undefined && state !== expect)
        wrongState.push(
          `payment ${p.id} (${p.card ?? p.method}): the client was ` +
            `told ${p.answeredState ?? `(on retry) ${p.confirmedOnRetry}`}, it is ${state}`,
        );
      if (p.card === 'ok' && p.answeredState !== undefined && p.answeredState !== 'TRADE_SUCCESS')
        wrongState.push(`payment ${p.id}: the always-successful card was answered ${p.answeredState}`);
      if (p.card === 'declined' && state === 'TRADE_SUCCESS')
        wrongState.push(`payment ${p.id}: the declined card's payment is TRADE_SUCCESS`);
      if (p.payOutcome === 'fail' && state === 'TRADE_SUCCESS')
        wrongState.push(`payment ${p.id}: the payer failed to pay it, it is TRADE_SUCCESS`);
    }
    assert.ok(
      wrongState.length === 0,
      `every pay / execute the client saw answered has the state it was told:\n  ${listed(wrongState)}\n${tag}`,
    );

    const doubled: string[] = [];
    const bank = await db.selectFrom('sandbox_bank_ledger').select(['payment_id', 'kind', 'amount_minor']).execute();
    const bankBy = new Map<string, Array<{ amount: bigint }>>();
    for (const b of bank) {
      const k = `${b.kind}:${b.payment_id}`;
      bankBy.set(k, [...(bankBy.get(k) ?? []), { amount: BigInt(b.amount_minor) }]);
    }
    for (const [k, rows] of bankBy)
      if (rows.length > 1) doubled.push(`the sandbox bank booked ${k} ${rows.length} times`);
    for (const p of paymentRows) {
      const debits = bankBy.get(`debit:${p.id}`) ?? [];
      if (p.payment_method === 'CREDIT_CARD' && p.state === 'TRADE_SUCCESS' && debits.length !== 1)
        doubled.push(`card payment ${p.id} is TRADE_SUCCESS with ${debits.length} bank debits`);
      if (p.state !== 'TRADE_SUCCESS' && debits.length > 0)
        doubled.push(`payment ${p.id} is ${p.state} but its card was debited`);
      if (debits.length === 1 && debits[0]!.amount !== BigInt(p.total_cny_minor))
        doubled.push(`payment ${p.id} (${p.total_cny_minor} fen) debited ${debits[0]!.amount} fen`);
    }
    for (const r of refundRows) {
      const credits = bankBy.get(`refund:${r.id}`) ?? [];
      const card = paymentsById.get(r.payment_id)?.channel === 'CREDIT_CARD';
      if (card && r.state === 'REFUND_SUCCESS' && credits.length !== 1)
        doubled.push(`card refund ${r.id} is REFUND_SUCCESS with ${credits.length} bank credits`);
      if (r.state !== 'REFUND_SUCCESS' && credits.length > 0)
        doubled.push(`refund ${r.id} is ${r.state} but the card was credited`);
      if (credits.length === 1 && credits[0]!.amount !== BigInt(r.cny_minor))
        doubled.push(`refund ${r.id} (${r.cny_minor} fen) credited ${credits[0]!.amount} fen`);
    }
    const finalEvents = await db
      .selectFrom('payment_events')
      .innerJoin('payments', 'payments.id', 'payment_events.payment_id')
      .select(['payment_events.payment_id', 'payment_events.type', 'payment_events.detail'])
      .where('payments.merchant_id', '=', merchantId)
      .where('payment_events.type', 'in', [
        'TRADE_SUCCESS',
        'TRADE_FAIL',
        'TRADE_CLOSED',
        'REFUND_SUCCESS',
        'REFUND_FAIL',
      ])
      .execute();
    const eventCount = new Map<string, number>();
    for (const e of finalEvents) {
      // A payment's final event is about the payment; a refund's names the refund first in its detail.
      const object = e.type.startsWith('REFUND_') ? (e.detail ?? '').split(' ')[0]! : e.payment_id;
      const k = `${object} ${e.type.startsWith('REFUND_') ? 'refund' : 'payment'}`;
      eventCount.set(k, (eventCount.get(k) ?? 0) + 1);
    }
    for (const [k, n] of eventCount) if (n > 1) doubled.push(`${k} reached a final state ${n} times`);
    for (const p of paymentRows) {
      const refunded = refundRows
        .filter((r) => r.payment_id === p.id && r.state !== 'REFUND_FAIL')
        .reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
      if (refunded > BigInt(p.amount_minor))
        doubled.push(`payment ${p.id} of ${p.amount_minor} minor has ${refunded} minor refunded`);
    }
    assert.ok(
      doubled.length === 0,
      `no payment charged twice (or without succeeding), no refund given back twice:\n  ${listed(doubled)}\n${tag}`,
    );

    // Settled before the deadline.
    assert.ok(
      left.length === 0,
      `everything settled within ${DRAIN_DEADLINE_MS / 1000} s of the end of the ` +
        `load:\n  ${listed(left)}\n${tag}\ngateway log:\n${gateway.logTail()}`,
    );

    // 3. Every final payment and refund reached the merchant (acknowledged), signature-valid, with its final state.
    assert.equal(
      merchantServer.rejected.length,
      0,
      `every notification's signature verifies: ${merchantServer.rejected.map((d) => d.verifyError).join('; ')} ${tag}`,
    );
    const delivered = deliveredStates(merchantServer);
    const undelivered: string[] = [];
    for (const p of paymentRows) {
      const states = delivered.get(p.id)?.states;
      if (p.state === 'WAIT_BUYER_PAY') {
        if (states) undelivered.push(`payment ${p.id} is WAIT_BUYER_PAY but was notified as ${[...states].join(', ')}`);
      } else if (!states?.has(p.state))
        undelivered.push(
          `payment ${p.id} is ${p.state}; notifications received: ${states ? [...states].join(', ') : 'none'}`,
        );
      else if (states.size > 1)
        undelivered.push(`payment ${p.id} is ${p.state} but was also notified as ${[...states].join(', ')}`);
    }
    for (const r of refundRows) {
      const states = delivered.get(r.id)?.states;
      if (!states?.has(r.state))
        undelivered.push(
          `refund ${r.id} is ${r.state}; notifications received: ${states ? [...states].join(', ') : 'none'}`,
        );
      else if (states.size > 1)
        undelivered.push(`refund ${r.id} is ${r.state} but was also notified as ${[...states].join(', ')}`);
    }
    assert.ok(
      undelivered.length === 0,
      'every TRADE_SUCCESS / final payment and every final refund was delivered (and acknowledged) ' +
        `at least once, and no notification contradicts the database:\n  ${listed(undelivered)}\n${tag}`,
    );

    // Duplicates are allowed (at least once); how many there were, and why, is worth seeing.
    const perObject = new Map<string, number>();
    for (const d of merchantServer.deliveries) {
      const e = d.event;
      const id = e?.type === 'payment' ? e.payment.id : e?.type === 'refund' ? e.refund.id : undefined;
      if (id && d.acknowledged) perObject.set(id, (perObject.get(id) ?? 0) + 1);
    }
    const duplicated = [...perObject.values()].filter((n) => n > 1).length;
    const attempts = await db.selectFrom('notification_attempts').select(['outbox_id', 'outcome']).execute();
    const deliveredAttempts = new Map<string, number>();
    for (const a of attempts)
      if (a.outcome === 'delivered') deliveredAttempts.set(a.outbox_id, (deliveredAttempts.get(a.outbox_id) ?? 0) + 1);
    const outboxRows = await db.selectFrom('outbox').select(['id', 'object_id']).execute();
    const perObjectRows = new Map<string, number>();
    for (const o of outboxRows) perObjectRows.set(o.object_id, (perObjectRows.get(o.object_id) ?? 0) + 1);
    t.diagnostic(
      `objects notified ${perObject.size}, acknowledged more than once ${duplicated}; ` +
        `outbox rows ${outboxRows.length} (objects with several ` +
        `rows ${[...perObjectRows.values()].filter((n) => n > 1).length}), ` +
        `rows with several recorded deliveries ${[...deliveredAttempts.values()].filter((n) => n > 1).length}`,
    );

    // 4. The ledger balances and agrees with the payments and refunds.
    const ledger = await checkLedger(db);
    assert.ok(ledger.ok, `checkLedger reports no problems:\n  ${listed([...ledger.problems])}\n${tag}`);

    // The run did what it claims: every kind of work was accepted between the crashes.
    const byKind = (pred: (p: PaymentRecord) => boolean) => records.filter(pred).length;
    const coverage = {
      walletPaid: byKind((p) => p.method === 'WECHAT_SCAN' && p.answeredState === 'TRADE_SUCCESS'),
      cardPaid: byKind((p) => p.card === 'ok' && p.answeredState === 'TRADE_SUCCESS'),
      lateExecuted: byKind((p) => p.card === 'late' && p.answeredState !== undefined),
      refunds: seen.refunds.size,
    };
    for (const [what, n] of Object.entries(coverage))
      assert.ok(n > 0, `the load got at least one ${what} accepted (${JSON.stringify(coverage)}) ${tag}`);

    // Beyond the target: two first payments with one card executed at once (a bug this test found, fixed):
    // an ordinary subtest, it fails the run.
    const race =
      gateway.agreementRaceErrors === 0
        ? []
        : seen.agreementRace.map((r) => {
            const row = paymentsById.get(r.paymentId);
            return (
              `execute ${r.paymentId} (${r.card} card): ${r.answer.slice(0, 160)}...; ` +
              `bank debit ${bankBy.has(`debit:${r.paymentId}`) ? 'booked' : 'none'}, ` +
              `finally ${row?.state}/${row?.stage} (completed by the stalled-execution poller)`
            );
          });
    t.diagnostic(
      `executes answered 5xx by the payer-agreement race: ${race.length} (gateway log lines with ` +
        `payer_agreements_card_unique: ${gateway.agreementRaceErrors})`,
    );
    await t.test(
      'two first payments with the same card at the same merchant, executed at the same time, ' +
        'are both answered (none gets a 500 after its card was debited)',
      () => {
        assert.ok(
          race.length === 0,
          'executes answered 500 (unique violation payer_agreements_card_unique in the gateway ' +
            `log, ${gateway.agreementRaceErrors} line(s)) and "Payment in process" on retry, ` +
            `although the card was debited:\n  ${listed(race, 30)}\n${tag}`,
        );
      },
    );

    // Beyond the target: what a client whose key a crash left "in flight" gets when it comes back.
    if (REAL_TIME) return;
    const replayProblems: string[] = [];
    for (const { replay, answer } of replayed) {
      if (answer && (ok(answer, 200) || ok(answer, 201))) continue;
      const ref = replay.about.split(' ')[0]!;
      let committed = '';
      if (replay.what.startsWith('create')) {
        const row = paymentRows.find((p) => p.mer_reference_id === ref);
        committed = row
          ? `payment ${row.id} with that reference exists (${row.state})`
          : 'no payment with that reference exists';
      } else if (replay.what === 'refund') {
        const row = refundRows.find((r) => r.mer_reference_id === ref);
        committed = row
          ? `refund ${row.id} with that reference exists (${row.state})`
          : 'no refund with that reference exists';
      } else {
        const row = paymentsById.get(ref);
        committed = row
          ? `the payment is ${row.state} / ${row.stage}, ${row.sms_sent_count} SMS sent`
          : 'no such payment';
      }
      const answered = answer
        ? `${answer.status} ${answer.json?.meta?.ret_code} ${answer.json?.meta?.ret_msg}`
        : 'no answer';
      replayProblems.push(`${replay.what} ${replay.about}: ${answered}; ${committed}`);
    }
    t.diagnostic(
      `requests replayed after the key takeover: ${replayed.length}, answered with an error: ${replayProblems.length}`,
    );
    await t.test(
      'a request whose key a crash left in flight, sent again with the same Idempotency-Key after the ' +
        'takeover, gets the answer of the work it did',
      {
        todo:
          'known gap: an execute cut off while the bank was being asked answers 00060761 "in process" ' +
          'when resumed, until the bank poller finishes it; ' +
          'and a crashed request\'s key stays "in flight" for 2 minutes',
      },
      () => {
        assert.ok(
          replayProblems.length === 0,
          "replays answered with an error although the first attempt's work is in the database (or would " +
            `succeed):\n  ${listed(replayProblems, 30)}\n${tag}`,
        );
      },
    );
  } catch (error) {
    if (error instanceof Error && !error.message.includes('KILL9_SEED'))
      error.message += `\n${tag}\ngateway log:\n${gateway.logTail()}`;
    throw error;
  } finally {
    stopLoad = true;
    if (client) client.aborted = true;
    await Promise.allSettled(loops);
    await gateway.stop('SIGKILL');
    await store?.close();
    await merchantServer?.close();
    await tdb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
