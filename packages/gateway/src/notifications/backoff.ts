/**
 * The retry schedule of merchant notifications. After failed attempt n (1-based) the next attempt
 * waits BACKOFF_SCHEDULE_MS[n - 1], stretched by up to 10% of random jitter (never shortened, so no
 * retry comes earlier than documented). After the 15th failed attempt the notification is given up
 * ('dead'); an operator can still redeliver it by hand. Span from the first to the last attempt:
 * 30 h 8 min 40 s without jitter.
 *
 *   attempt  1  2   3   4   5   6    7    8    9   10  11  12  13  14  15
 *   then     10s 30s 1m  2m  5m  10m  20m  30m  1h  2h  4h  6h  8h  8h  give up
 */
const S = 1000;
const M = 60 * S;
const H = 60 * M;

export const BACKOFF_SCHEDULE_MS: readonly number[] = Object.freeze([
  10 * S,
  30 * S,
  1 * M,
  2 * M,
  5 * M,
  10 * M,
  20 * M,
  30 * M,
  1 * H,
  2 * H,
  4 * H,
  6 * H,
  8 * H,
  8 * H,
]);

/** Attempts made before a notification is given up. */
export const MAX_ATTEMPTS = BACKOFF_SCHEDULE_MS.length + 1;

/** Largest jitter, as a fraction of the scheduled delay. */
export const JITTER_RATIO = 0.1;

/**
 * The wait after failed attempt `attempt` (1-based), jitter included, or null when that was the last
 * attempt and the notification is to be given up. `random` returns a number in [0, 1).
 */
export function nextDelayMs(attempt: number, random: () => number = Math.random): number | null {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const base = BACKOFF_SCHEDULE_MS[attempt - 1];
  if (base === undefined) return null;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 + JITTER_RATIO * r));
}
