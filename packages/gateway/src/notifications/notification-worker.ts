/**
 * Delivers the notification outbox to merchants: at least once, with retries on the schedule of
 * backoff.ts, safely with several gateway processes on one database.
 *
 * Claiming: the worker selects due candidates (`pending`, `next_attempt_at <= now`, no live lease),
 * then takes each with a conditional UPDATE that only succeeds while the row is still unclaimed and
 * unchanged; exactly one worker sees numUpdatedRows === 1 for a row. The lease (lease_owner,
 * lease_until) outlives the request timeout, so a live worker never loses a row mid-attempt; a worker
 * that dies leaves a lease that expires and another worker takes the row over (hence "at least
 * once"). Each claim writes a fresh token into lease_owner, and the result of an attempt is written
 * only while the row still carries that token: a worker whose lease was taken over records its
 * attempt but never overwrites the row.
 *
 * A delivery is an HTTP POST of the stored body with the stored Signature (keep-alive agents, up to
 * 64 sockets per merchant host); it succeeds on a 2xx answer acknowledging receipt
 * (`{"meta":{"ret_code":"0000"}}`, `{"ret_code":"0000"}` or the text `ret_code=0000&...`). Every
 * attempt is recorded in notification_attempts; outcomes that arrive together are written in one
 * transaction (group commit), and claims of one batch share one transaction. Bodies may hold
 * personal data: they are never logged (ids, outcomes and HTTP statuses are).
 *
 * Listeners (notification-listeners.ts, `umf-gateway listen`): while a listener of the row's merchant is
 * connected to this process, the attempt is handed to it instead of POSTed to notify_url (same body,
 * same headers), and the local server's answer it reports is judged and recorded like a merchant's.
 * The outbound policy does not apply: the gateway makes no request, the CLI on the merchant's machine
 * does.
 *
 * Log (the logger passed in): every failed attempt once at `warn`, with the notification, its object,
 * notify_url without its query, the outcome and the next try (its time, or `given up`); every
 * delivery at `info`, like the request lines (an outbound request is as worth a line as an inbound
 * one, and a developer sees the notification leave).
 *
 * Outbound address policy (outbound/outbound-policy.ts): before each attempt the URL is checked
 * (scheme, no user name or password, an IP literal host must be an allowed address), and the socket's
 * `lookup` checks every address a host name resolves to and connects only to a checked one (DNS
 * rebinding); a refused attempt makes no request and counts as a failed delivery (`network_error`,
 * retried on the backoff schedule like any other failure). Redirects are never followed: a 3xx answer
 * is a failed delivery (`http_error`). Each attempt is bounded by requestTimeoutMs (connection and
 * answer together) and at most 64 KiB of the answer is read.
 */
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Insertable, Updateable } from 'kysely';
import type { NotificationAttemptsTable, OutboxTable } from '../store/schema.ts';
import type { Store } from '../store/database.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { newId } from '../store/ids.ts';
import { nextDelayMs } from './backoff.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { OutboxRepository, type AttemptOutcome, type DueNotification } from './outbox-repository.ts';
import type { NotificationListeners } from './notification-listeners.ts';

/** The largest part of a merchant's answer that is read. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** The part of a merchant's answer kept with each attempt. */
const EXCERPT_CHARS = 500;
const USER_AGENT = 'umf-gateway-notifier';

export interface NotifierLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** The subset of `fetch` the worker uses when one is injected (otherwise it uses node:http). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<Response>;

export interface NotificationWorkerOptions {
  readonly store: Store;
  /** The outbox's SQL (one is made on the store when not given). */
  readonly repository?: OutboxRepository;
  readonly clock?: Clock;
  /** Identifies this worker in lease_owner; defaults to host:pid:random. Must differ between workers. */
  readonly owner?: string;
  /** Deliveries under way at once. */
  readonly concurrency?: number;
  readonly requestTimeoutMs?: number;
  /** How long a claim holds a row; must exceed requestTimeoutMs. */
  readonly leaseMs?: number;
  /** How often the background loop looks for due rows when not kicked. */
  readonly pollIntervalMs?: number;
  readonly logger?: NotifierLogger;
  readonly fetchImpl?: FetchLike;
  /** Jitter source for the retry schedule, in [0, 1). */
  readonly random?: () => number;
  /**
   * Which addresses may be called. The gateway passes its own (gateway.ts); the default allows every
   * address (as UMF_NOTIFY_ALLOW_PRIVATE=1) but still refuses credentials in the URL.
   */
  readonly outbound?: OutboundPolicy;
  /** The listeners of `umf-gateway listen` connected to this process: their merchants' rows go to them. */
  readonly listeners?: NotificationListeners;
}

/** A notification this worker claimed: what was due, the attempt it is making and its claim's token. */
interface ClaimedRow extends Omit<DueNotification, 'attempts'> {
  /** The number of the attempt being made (1-based). */
  readonly attempt: number;
  /** The lease_owner value of this claim. */
  readonly token: string;
}

type OutboxUpdate = Updateable<OutboxTable>;
type AttemptRow = Insertable<NotificationAttemptsTable>;

interface PendingRecord {
  readonly row: ClaimedRow;
  readonly attemptRow: AttemptRow;
  readonly update: OutboxUpdate;
  readonly done: { resolve(kept: boolean): void; reject(err: unknown): void };
}

/** Most attempts written by one group commit. */
const RECORD_BATCH = 256;

interface AttemptResult {
  /** Whether it went through a listener (umf-gateway listen) instead of a POST to notify_url. */
  readonly viaListener?: boolean;
  readonly outcome: AttemptOutcome;
  readonly httpStatus: number | null;
  readonly excerpt: string | null;
  readonly error: string | null;
}

interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

const noopLogger: NotifierLogger = { info() {}, warn() {} };

export class NotificationWorker {
  readonly #store: Store;
  readonly #repository: OutboxRepository;
  readonly #clock: Clock;
  readonly #owner: string;
  readonly #concurrency: number;
  readonly #requestTimeoutMs: number;
  readonly #leaseMs: number;
  readonly #pollIntervalMs: number;
  readonly #logger: NotifierLogger;
  readonly #fetch: FetchLike | undefined;
  readonly #random: () => number;
  readonly #outbound: OutboundPolicy;
  readonly #listeners: NotificationListeners | undefined;
  /** Free slots that wake a loop waiting for one: claims then come in batches, not one row at a time. */
  readonly #claimThreshold: number;
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  readonly #inFlight = new Set<Promise<void>>();
  #claimSeq = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #waitingForSlot = false;
  #kicked = false;
  readonly #records: PendingRecord[] = [];
  #flushing = false;

  constructor(options: NotificationWorkerOptions) {
    this.#store = options.store;
    this.#repository = options.repository ?? new OutboxRepository(options.store.db);
    this.#clock = options.clock ?? systemClock;
    this.#owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#concurrency = options.concurrency ?? 16;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 200;
    this.#logger = options.logger ?? noopLogger;
    this.#fetch = options.fetchImpl;
    this.#random = options.random ?? Math.random;
    this.#outbound = options.outbound ?? new OutboundPolicy({ allowPrivate: true });
    this.#listeners = options.listeners;
    this.#claimThreshold = Math.max(1, Math.floor(this.#concurrency / 4));
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
    if (!(this.#requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be positive');
    if (!(this.#leaseMs > this.#requestTimeoutMs)) throw new RangeError('leaseMs must exceed requestTimeoutMs');
    if (!(this.#pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be positive');
  }

  get owner(): string {
    return this.#owner;
  }

  /** Starts the background loop (no-op when running). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops the loop and waits for the deliveries under way to finish and be recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  /** Wakes the loop now (call after committing a transaction that enqueued notifications). */
  kick(): void {
    if (this.#wake) this.#wake();
    else this.#kicked = true;
  }

  /** Claims one batch of due notifications (up to the free slots), delivers them and records the outcomes. */
  async runOnce(): Promise<number> {
    const free = this.#concurrency - this.#inFlight.size;
    if (free <= 0) return 0;
    const { rows } = await this.#claim(free);
    await Promise.all(rows.map((row) => this.#launch(row)));
    return rows.length;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const free = this.#concurrency - this.#inFlight.size;
      let more = false;
      if (free > 0) {
        try {
          const claim = await this.#claim(free);
          for (const row of claim.rows) void this.#launch(row);
          more = claim.more;
        } catch (err) {
          this.#logger.warn({ owner: this.#owner, error: errorMessage(err) }, 'notification claim failed');
          await this.#sleep(this.#pollIntervalMs, false);
          continue;
        }
      }
      if (!this.#running) break;
      const full = this.#inFlight.size >= this.#concurrency;
      if (more && !full) continue;
      // Full: wait for a slot. Otherwise nothing more is due: wait for a kick or the next poll.
      await this.#sleep(this.#pollIntervalMs, full);
    }
  }

  #sleep(ms: number, forSlot: boolean): Promise<void> {
    if (this.#kicked || !this.#running) {
      this.#kicked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#waitingForSlot = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      this.#waitingForSlot = forSlot;
    });
  }

  #launch(row: ClaimedRow): Promise<void> {
    const task = this.#deliver(row).catch((err: unknown) => {
      this.#logger.warn({ notificationId: row.id, error: errorMessage(err) }, 'notification delivery crashed');
    });
    this.#inFlight.add(task);
    void task.finally(() => {
      this.#inFlight.delete(task);
      if (this.#waitingForSlot && this.#concurrency - this.#inFlight.size >= this.#claimThreshold) this.#wake?.();
    });
    return task;
  }

  async #claim(limit: number): Promise<{ rows: ClaimedRow[]; more: boolean }> {
    const now = this.#clock.now();
    const candidates = await this.#repository.due(now, limit);
    if (candidates.length === 0) return { rows: [], more: false };
    const leaseUntil = now + this.#leaseMs;
    const token = `${this.#owner}#${++this.#claimSeq}`;
    // All candidates in one short transaction (one commit per batch); a row is ours when its
    // conditional update changed it (OutboxRepository.claim).
    const won = await this.#store.write((trx) => this.#repository.claim(trx, candidates, token, leaseUntil, now));
    const rows = candidates
      .filter((c) => won.has(c.id))
      .map(({ attempts, ...due }): ClaimedRow => ({ ...due, attempt: attempts + 1, token }));
    return { rows, more: candidates.length === limit };
  }

  async #deliver(row: ClaimedRow): Promise<void> {
    const at = this.#clock.now();
    const started = performance.now();
    const result = await this.#attempt(row);
    const durationMs = Math.max(0, Math.round(performance.now() - started));
    const now = this.#clock.now();

    const delivered = result.outcome === 'delivered';
    const delay = delivered ? null : nextDelayMs(row.attempt, this.#random);
    const update: OutboxUpdate = delivered
      ? {
          state: 'delivered',
          attempts: row.attempt,
          delivered_at: now,
          last_error: null,
          lease_owner: null,
          lease_until: null,
        }
      : delay === null
        ? { state: 'dead', attempts: row.attempt, last_error: result.error, lease_owner: null, lease_until: null }
        : {
            attempts: row.attempt,
            next_attempt_at: now + delay,
            last_error: result.error,
            lease_owner: null,
            lease_until: null,
          };
    const attemptRow: AttemptRow = {
      // Made when the attempt is recorded (not when it started): ids then follow the order in which
      // attempts are written, which is what `notifications tail` follows (OutboxRepository.attemptsFrom).
      id: newId('NTA_', now),
      outbox_id: row.id,
      attempt: row.attempt,
      at,
      duration_ms: durationMs,
      http_status: result.httpStatus,
      outcome: result.outcome,
      response_excerpt: result.excerpt,
      error: result.error,
    };
    const kept = await this.#record({ row, attemptRow, update });

    const logFields: Record<string, unknown> = {
      notificationId: row.id,
      merchantId: row.merchantId,
      objectType: row.objectType,
      objectId: row.objectId,
      url: urlForLog(row.url),
      ...(result.viaListener ? { via: 'listener' } : {}),
      attempt: row.attempt,
      outcome: result.outcome,
      status: result.httpStatus,
      ms: durationMs,
    };
    if (!kept) {
      this.#logger.warn(logFields, 'notification lease was taken over; attempt recorded, row left to the new owner');
    } else if (delivered) {
      this.#logger.info(logFields, 'notification delivered');
    } else {
      this.#logger.warn(
        { ...logFields, error: result.error, next: delay === null ? 'given up' : new Date(now + delay).toISOString() },
        delay === null ? 'notification given up after the last scheduled attempt' : 'notification attempt failed',
      );
    }
  }

  /**
   * Records an attempt and its outcome. Outcomes that arrive together are written in one transaction
   * (group commit): one multi-row insert of attempts plus one conditional update per row. Resolves
   * with whether this claim still owned the row.
   */
  #record(entry: Omit<PendingRecord, 'done'>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#records.push({ ...entry, done: { resolve, reject } });
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#records.length > 0) {
        const batch = this.#records.splice(0, RECORD_BATCH);
        try {
          const kept = await this.#writeRecords(batch);
          batch.forEach((r, i) => r.done.resolve(kept[i] === true));
        } catch {
          // One bad entry must not lose the others: write them one by one.
          for (const r of batch) {
            try {
              const [kept] = await this.#writeRecords([r]);
              r.done.resolve(kept === true);
            } catch (err) {
              r.done.reject(err);
            }
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #writeRecords(batch: readonly PendingRecord[]): Promise<boolean[]> {
    const records = batch.map((r) => ({
      outboxId: r.row.id,
      token: r.row.token,
      attempt: r.attemptRow,
      update: r.update,
    }));
    return this.#store.write((trx) => this.#repository.record(trx, records));
  }

  async #attempt(row: ClaimedRow): Promise<AttemptResult> {
    if (this.#listeners?.has(row.merchantId)) return this.#attemptThroughListener(row, this.#listeners);
    let url: URL;
    try {
      url = new URL(row.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return { outcome: 'network_error', httpStatus: null, excerpt: null, error: 'notify_url is not an http(s) URL' };
    }
    const refused = this.#fetch ? await this.#outbound.refusal(url.href) : this.#outbound.staticRefusal(url);
    if (refused !== undefined) {
      return { outcome: 'network_error', httpStatus: null, excerpt: null, error: `refused: notify_url ${refused}` };
    }
    const signal = AbortSignal.timeout(this.#requestTimeoutMs);
    const headers = this.#headers(row);
    let answer: HttpAnswer;
    try {
      answer = this.#fetch
        ? await postWithFetch(this.#fetch, url, row.body, headers, signal)
        : await this.#postWithRetry(url, row.body, headers, signal);
    } catch (err) {
      if (signal.aborted) {
        return {
          outcome: 'timeout',
          httpStatus: null,
          excerpt: null,
          error: `no answer within ${this.#requestTimeoutMs} ms`,
        };
      }
      return { outcome: 'network_error', httpStatus: null, excerpt: null, error: clean(errorMessage(err)) };
    }
    return judge(answer);
  }

  /** Hands the attempt to the merchant's listener (umf-gateway listen) and judges what it reports. */
  async #attemptThroughListener(row: ClaimedRow, listeners: NotificationListeners): Promise<AttemptResult> {
    const signal = AbortSignal.timeout(this.#requestTimeoutMs);
    let answer: HttpAnswer;
    try {
      answer = await listeners.deliver(
        {
          notificationId: row.id,
          merchantId: row.merchantId,
          objectType: row.objectType,
          objectId: row.objectId,
          attempt: row.attempt,
          notifyUrl: row.url,
          headers: this.#headers(row),
          body: row.body,
        },
        signal,
      );
    } catch (err) {
      const failed = signal.aborted
        ? { outcome: 'timeout' as const, error: `the listener gave no answer within ${this.#requestTimeoutMs} ms` }
        : { outcome: 'network_error' as const, error: clean(`listener: ${errorMessage(err)}`.slice(0, EXCERPT_CHARS)) };
      return { viaListener: true, httpStatus: null, excerpt: null, ...failed };
    }
    return { ...judge({ status: answer.status, text: answer.text.slice(0, MAX_RESPONSE_BYTES) }), viaListener: true };
  }

  /** The headers of every attempt: the stored Signature over the stored body. */
  #headers(row: ClaimedRow): Record<string, string> {
    return { 'Content-Type': 'application/json; charset=utf-8', Signature: row.signature, 'User-Agent': USER_AGENT };
  }

  /** POSTs over the keep-alive agent; a request that died on a reused idle socket is sent once more. */
  async #postWithRetry(
    url: URL,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<HttpAnswer> {
    try {
      return await this.#post(url, body, headers, signal);
    } catch (err) {
      if (signal.aborted || !(err instanceof StaleSocketError)) throw err;
      return await this.#post(url, body, headers, signal);
    }
  }

  #post(url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const ok = (value: HttpAnswer): void => {
        if (settled) return;
        settled = true;
        resolve(value);
      };
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const isHttps = url.protocol === 'https:';
      const request = isHttps ? https.request : http.request;
      const req = request(
        url,
        {
          method: 'POST',
          agent: isHttps ? this.#httpsAgent : this.#httpAgent,
          // Every address a host name resolves to is checked; the socket connects only to checked ones.
          lookup: this.#outbound.connectLookup,
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
          signal,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          const finish = (): void =>
            ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks, size).toString('utf8') });
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            if (size + chunk.length > MAX_RESPONSE_BYTES) {
              const part = chunk.subarray(0, MAX_RESPONSE_BYTES - size);
              chunks.push(part);
              size += part.length;
              finish();
              res.destroy(); // do not read (or keep the socket of) an oversized answer
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', finish);
          res.on('error', fail);
          res.on('close', () => fail(new Error('connection closed before the answer was complete')));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        const stale =
          !answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !signal.aborted;
        fail(stale ? new StaleSocketError(err) : err);
      });
      req.end(body);
    });
  }
}

/** What an answer (the merchant's, or the local server's through a listener) makes of an attempt. */
function judge(answer: HttpAnswer): AttemptResult {
  const excerpt = clean(answer.text.slice(0, EXCERPT_CHARS));
  if (answer.status < 200 || answer.status > 299) {
    const redirect = answer.status >= 300 && answer.status <= 399 ? ' (redirects are not followed)' : '';
    return { outcome: 'http_error', httpStatus: answer.status, excerpt, error: `HTTP ${answer.status}${redirect}` };
  }
  const ack = acknowledgement(answer.text);
  if (ack.ok) return { outcome: 'delivered', httpStatus: answer.status, excerpt, error: null };
  return {
    outcome: 'rejected',
    httpStatus: answer.status,
    excerpt,
    error:
      ack.retCode === undefined
        ? 'answer is not an acknowledgement (ret_code 0000)'
        : `merchant answered ret_code ${clean(ack.retCode.slice(0, 40))}`,
  };
}

class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

async function postWithFetch(
  fetchImpl: FetchLike,
  url: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const res = await fetchImpl(url.href, { method: 'POST', headers, body, signal, redirect: 'manual' });
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > MAX_RESPONSE_BYTES) {
        chunks.push(value.subarray(0, MAX_RESPONSE_BYTES - size));
        size = MAX_RESPONSE_BYTES;
        await reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  }
  return { status: res.status, text: Buffer.concat(chunks, size).toString('utf8') };
}

/**
 * Whether a merchant's answer acknowledges the notification: JSON with `meta.ret_code` (or a top-level
 * `ret_code`) equal to "0000", or text holding the pair `ret_code=0000` (`ret_code=0000&ret_msg=success`).
 */
export function acknowledgement(text: string): { ok: boolean; retCode?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const obj = parsed as { meta?: unknown; ret_code?: unknown };
        const meta =
          obj.meta !== null && typeof obj.meta === 'object' ? (obj.meta as { ret_code?: unknown }) : undefined;
        const code = meta?.ret_code ?? obj.ret_code;
        if (code === '0000') return { ok: true, retCode: '0000' };
        return code === undefined
          ? { ok: false }
          : { ok: false, retCode: typeof code === 'string' ? code : JSON.stringify(code) };
      }
    } catch {
      // not JSON: fall through to the text form
    }
  }
  const match = /(?:^|[&?;,\s])ret_code=([^&;,\s]*)/.exec(trimmed);
  if (!match) return { ok: false };
  const code = match[1] ?? '';
  return { ok: code === '0000', retCode: code };
}

/** notify_url as the log shows it: no user name or password, and no query (its values could be secrets). */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?[REDACTED]' : ''}`;
  } catch {
    return '[not a URL]';
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Text safe for every database (PostgreSQL refuses NUL characters in text). */
function clean(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}
