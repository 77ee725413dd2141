/**
 * Follows notification attempts as they are recorded, from any process on the database
 * (`umf-gateway notifications tail`): it polls notification_attempts by id.
 *
 * An attempt's id is made when the worker records it (notification-worker.ts), so ids follow the
 * order of recording, up to the moments between making the id and committing it (a group commit:
 * milliseconds) and the clocks of several gateway processes. Each poll therefore reads again the
 * attempts of the last LOOKBACK_MS before the newest one in the database, and skips those it has
 * already reported: an attempt committed up to that long after a newer one is still reported, once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptWithNotification, OutboxRepository } from './outbox-repository.ts';

/** How far before the newest attempt each poll reads again. */
export const LOOKBACK_MS = 3000;
const PAGE = 500;
const ID_PREFIX = 'NTA_';
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;

export interface FollowOptions {
  /** Only this merchant's notifications. */
  readonly merchantId?: string | undefined;
  readonly pollMs?: number;
  /** Stops following (resolves follow()). */
  readonly signal: AbortSignal;
  /** Each attempt recorded after follow() started, once, in order of id. */
  readonly onAttempt: (attempt: AttemptWithNotification) => void;
  /** Called once the attempts recorded before the start have been read (and skipped). */
  readonly onReady?: () => void;
  /** A poll that failed (the database was busy or away); following goes on at the next poll. */
  readonly onError?: (error: unknown) => void;
}

/** Follows until the signal aborts. */
export async function followAttempts(outbox: OutboxRepository, options: FollowOptions): Promise<void> {
  const seen = new Set<string>();
  let floor = '';
  const poll = async (report: boolean): Promise<void> => {
    const latest = await outbox.latestAttemptId();
    if (latest === undefined) return;
    const candidate = idFloor(timeOfId(latest) - LOOKBACK_MS);
    if (candidate > floor) {
      floor = candidate;
      for (const id of seen) if (id <= floor) seen.delete(id);
    }
    let from = floor;
    for (;;) {
      const rows = await outbox.attemptsFrom(from, PAGE, options.merchantId);
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        if (report) options.onAttempt(row);
      }
      if (rows.length < PAGE || options.signal.aborted) return;
      from = rows.at(-1)!.id;
    }
  };
  await poll(false);
  options.onReady?.();
  while (!options.signal.aborted) {
    try {
      await sleep(options.pollMs ?? 500, undefined, { signal: options.signal });
    } catch {
      return; // aborted
    }
    try {
      await poll(true);
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(error);
    }
  }
}

/** The smallest attempt id string of time `ms` (every id made at `ms` or later sorts after it). */
export function idFloor(ms: number): string {
  let t = Math.max(0, Math.floor(ms));
  let time = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return ID_PREFIX + time;
}

/** The time (ms since the epoch) an attempt id was made at (store/ids.ts: ULID layout after the prefix). */
export function timeOfId(id: string): number {
  let t = 0;
  for (const ch of id.slice(ID_PREFIX.length, ID_PREFIX.length + TIME_CHARS)) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return 0;
    t = t * 32 + v;
  }
  return t;
}
