/**
 * `umf-gateway notifications ...`: what the outbox holds and what the worker does with it, from any
 * process on the gateway's database (a running gateway included).
 *
 *   notifications list [--merchant ID] [--failing | --pending] [--limit N] [--json]
 *       the newest notifications across objects (default 20), newest first
 *   notifications list --object ID [--json]
 *       the notifications of one payment, refund or declaration, oldest first, with every attempt
 *   notifications tail [--merchant ID] [--json]
 *       every attempt as it is recorded, until Ctrl-C (one JSON object per line with --json)
 *   notifications redeliver NTF_ID
 *       due again now
 */
import type { Store } from '../store/database.ts';
import type {
  AttemptWithNotification,
  NotificationAttempt,
  OutboxEntry,
  OutboxRepository,
} from '../notifications/outbox-repository.ts';
import { followAttempts } from '../notifications/attempt-follower.ts';
import { urlForLog } from '../notifications/notification-worker.ts';
import { integerFlag, stringFlag } from './flag-values.ts';
import type { Command, CommandIo } from './command.ts';

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 1000;

export interface NotificationsListOptions {
  /** One payment, refund or customs declaration (its notifications and their attempts). */
  readonly object?: string | undefined;
  readonly merchant?: string | undefined;
  /** Last attempt failed: retrying, or given up. */
  readonly failing?: boolean | undefined;
  /** Not delivered yet (and not given up). */
  readonly pending?: boolean | undefined;
  /** How many, newest first (default 20). */
  readonly limit?: number | undefined;
  readonly json?: boolean | undefined;
}

export interface NotificationsTailOptions {
  readonly merchant?: string | undefined;
  readonly json?: boolean | undefined;
  /** Stops tailing (Ctrl-C). */
  readonly signal: AbortSignal;
  readonly pollMs?: number | undefined;
  /** Called once tail follows (what was recorded before is skipped). */
  readonly onReady?: () => void;
}

const OBJECT_ONLY =
  '--object lists every notification of one object: --merchant, --failing, --pending and --limit do not apply\n';
/** `notifications list`: one object's notifications (--object), or the newest across objects. */
export async function notificationsList(
  outbox: OutboxRepository,
  options: NotificationsListOptions,
  io: CommandIo,
): Promise<number> {
  if (options.failing && options.pending) {
    io.err('--failing and --pending exclude each other\n');
    return 2;
  }
  if (options.object !== undefined) {
    if (options.merchant !== undefined || options.failing || options.pending || options.limit !== undefined) {
      io.err(OBJECT_ONLY);
      return 2;
    }
    return listObject(outbox, options.object, options.json === true, io);
  }
  const entries = await outbox.recent({
    merchantId: options.merchant,
    only: options.failing ? 'failing' : options.pending ? 'pending' : undefined,
    limit: options.limit ?? DEFAULT_LIST_LIMIT,
  });
  if (options.json) {
    io.out(
      `${JSON.stringify(
        entries.map((n) => entryJson(n)),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (entries.length === 0) {
    io.out('no notifications\n');
    return 0;
  }
  const rows = entries.map((n) => [
    n.id,
    localTime(n.createdAt, true),
    n.merchantId,
    `${n.objectType} ${n.objectId}`,
    stateOf(n),
    String(n.attempts),
    nextOf(n),
    n.lastError ?? '',
  ]);
  io.out(table(['ID', 'CREATED', 'MERCHANT', 'OBJECT', 'STATE', 'ATTEMPTS', 'NEXT', 'LAST ERROR'], rows));
  return 0;
}

async function listObject(outbox: OutboxRepository, objectId: string, json: boolean, io: CommandIo): Promise<number> {
  const entries = await outbox.forObject(objectId);
  if (json) {
    const list = [];
    for (const n of entries) list.push(entryJson(n, await outbox.attempts(n.id)));
    io.out(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  for (const n of entries) {
    const lastError = n.lastError ? ` last_error=${n.lastError}` : '';
    io.out(`${n.id} ${n.objectType} ${n.objectId} ${n.state} attempts=${n.attempts} url=${n.url}${lastError}\n`);
    for (const a of await outbox.attempts(n.id)) {
      const http = a.httpStatus ? ` http=${a.httpStatus}` : '';
      io.out(
        `  #${a.attempt} ${new Date(a.at).toISOString()} ${a.outcome}${http} ${a.durationMs}ms` +
          `${a.error ? ` ${a.error}` : ''}\n`,
      );
    }
  }
  if (entries.length === 0) io.out('no notifications\n');
  return 0;
}

/** `notifications tail`: prints each attempt as it is recorded until the signal aborts. */
export async function notificationsTail(
  outbox: OutboxRepository,
  options: NotificationsTailOptions,
  io: CommandIo,
): Promise<number> {
  let errors = 0;
  await followAttempts(outbox, {
    merchantId: options.merchant,
    pollMs: options.pollMs,
    signal: options.signal,
    onReady: () => {
      // On stderr, with --json too: stdout holds only the attempts.
      io.err(`following notification attempts${options.merchant ? ` of ${options.merchant}` : ''} (Ctrl-C to stop)\n`);
      options.onReady?.();
    },
    onAttempt: (a) => io.out(options.json ? `${JSON.stringify(attemptJson(a))}\n` : `${attemptLine(a)}\n`),
    onError: (error) => {
      // Said once in a row: a database that stays away is not a line per poll.
      if (errors++ === 0) io.err(`tail: reading the attempts failed (${(error as Error).message}); retrying\n`);
    },
  });
  return 0;
}

/** `notifications redeliver NTF_ID`: due again now. */
export async function notificationsRedeliver(
  deps: { readonly store: Store; readonly outbox: OutboxRepository },
  id: string,
  io: CommandIo,
  now: number = Date.now(),
): Promise<number> {
  const ok = await deps.store.write((trx) => deps.outbox.redeliver(trx, id, now));
  if (!ok) {
    io.err(`no notification ${id}\n`);
    return 1;
  }
  io.out(`${id} queued for delivery\n`);
  return 0;
}

/** pending (no attempt yet), retrying (the last attempt failed), delivered, dead. */
function stateOf(n: OutboxEntry): string {
  if (n.state === 'pending') return n.lastError !== null ? 'retrying' : 'pending';
  return n.state;
}

function nextOf(n: OutboxEntry): string {
  if (n.state === 'pending') return localTime(n.nextAttemptAt, true);
  if (n.state === 'dead') return 'given up';
  return '';
}

function entryJson(n: OutboxEntry, attempts?: readonly NotificationAttempt[]): Record<string, unknown> {
  return {
    id: n.id,
    merchant_id: n.merchantId,
    object_type: n.objectType,
    object_id: n.objectId,
    url: n.url,
    state: n.state,
    attempts: n.attempts,
    created_at: iso(n.createdAt),
    next_attempt_at: n.state === 'pending' ? iso(n.nextAttemptAt) : null,
    delivered_at: n.deliveredAt === null ? null : iso(n.deliveredAt),
    last_error: n.lastError,
    ...(attempts
      ? {
          history: attempts.map(attemptFields),
        }
      : {}),
  };
}

/** One attempt as the JSON output names it, in history and in tail alike. */
function attemptFields(a: NotificationAttempt): Record<string, unknown> {
  return {
    attempt: a.attempt,
    at: iso(a.at),
    outcome: a.outcome,
    http_status: a.httpStatus,
    duration_ms: a.durationMs,
    error: a.error,
  };
}

function attemptJson(a: AttemptWithNotification): Record<string, unknown> {
  const latest = a.attempt === a.attemptsSoFar;
  return {
    id: a.id,
    notification_id: a.outboxId,
    merchant_id: a.merchantId,
    object_type: a.objectType,
    object_id: a.objectId,
    url: urlForLog(a.url),
    ...attemptFields(a),
    state: a.state,
    next_attempt_at: latest && a.state === 'pending' ? iso(a.nextAttemptAt) : null,
  };
}

/** `14:03:09.020 NTF_... payment PAY_... #2 failed HTTP 500 12 ms http://shop/notify, next 14:03:19.020` */
function attemptLine(a: AttemptWithNotification): string {
  const result =
    a.outcome === 'delivered' ? `delivered ${a.httpStatus ?? ''}`.trim() : `failed ${a.error ?? a.outcome}`;
  const latest = a.attempt === a.attemptsSoFar;
  const next =
    a.outcome === 'delivered' || !latest
      ? ''
      : a.state === 'dead'
        ? ', given up'
        : a.state === 'pending'
          ? `, next ${localTime(a.nextAttemptAt, false)}`
          : '';
  return (
    `${localTime(a.at, false)} ${a.outboxId} ${a.objectType} ${a.objectId} #${a.attempt} ${result} ` +
    `${a.durationMs} ms ${a.merchantId} ${urlForLog(a.url)}${next}`
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Local time: `HH:MM:SS.mmm`, or `YYYY-MM-DD HH:MM:SS` with the date. */
function localTime(ms: number, withDate: boolean): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return withDate
    ? `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`
    : `${time}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const list: Command = {
  words: ['notifications', 'list'],
  summary: 'the newest notifications across objects, or those of one object with their attempts',
  flags: {
    object: { type: 'string', value: 'ID', help: 'the notifications of one payment, refund or customs declaration' },
    merchant: { type: 'string', value: 'ID', help: "one merchant's notifications" },
    failing: { type: 'boolean', help: 'only those whose last attempt failed (retrying or given up)' },
    pending: { type: 'boolean', help: 'only those not delivered yet (and not given up)' },
    limit: {
      type: 'string',
      value: 'N',
      help: `how many, newest first (1-${MAX_LIST_LIMIT}, default ${DEFAULT_LIST_LIMIT})`,
    },
  },
  examples: ['umf-gateway notifications list --failing', 'umf-gateway notifications list --object PAY_... --json'],
  async run({ flags, json, io, context }) {
    const limit = integerFlag(flags, 'limit', 1, MAX_LIST_LIMIT);
    const options: NotificationsListOptions = {
      object: stringFlag(flags, 'object'),
      merchant: stringFlag(flags, 'merchant'),
      failing: flags.failing === true,
      pending: flags.pending === true,
      limit,
      json,
    };
    return notificationsList((await context()).repositories.outbox, options, io);
  },
};

const tail: Command = {
  words: ['notifications', 'tail'],
  summary: 'every delivery attempt as it is recorded (from any process on the database), until Ctrl-C',
  flags: { merchant: { type: 'string', value: 'ID', help: "one merchant's deliveries" } },
  details: ['With --json, one JSON object per attempt and line.'],
  async run({ flags, json, io, context, stopped }) {
    const outbox = (await context()).repositories.outbox;
    const controller = new AbortController();
    void stopped.then(() => controller.abort());
    return notificationsTail(outbox, { merchant: stringFlag(flags, 'merchant'), json, signal: controller.signal }, io);
  },
};

const redeliver: Command = {
  words: ['notifications', 'redeliver'],
  summary: 'send a notification again now (also one that was given up)',
  args: [{ name: 'NTF_ID', help: 'the notification (NTF_...)' }],
  async run({ args, io, context }) {
    const ctx = await context();
    return notificationsRedeliver({ store: ctx.store, outbox: ctx.repositories.outbox }, args[0]!, io);
  },
};

export const NOTIFICATION_COMMANDS: readonly Command[] = [list, tail, redeliver];
