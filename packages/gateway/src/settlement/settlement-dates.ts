/**
 * Settlement dates and times. UMF dates are China dates (UTC+8, no daylight saving): a settle date
 * `YYYYMMDD` and a time of day `HH:MM` name one instant.
 */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** `HH:MM` (00:00-23:59) -> minutes after midnight; throws with a clear message otherwise. */
export function parseTimeOfDay(text: string, what: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new RangeError(`${what} must be a time of day written HH:MM (China time), got ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The instant (epoch ms) of `HH:MM` China time on the China date `YYYYMMDD`. */
export function chinaInstant(date: string, minutesAfterMidnight: number): number {
  const y = Number(date.slice(0, 4));
  const mo = Number(date.slice(4, 6));
  const d = Number(date.slice(6, 8));
  return Date.UTC(y, mo - 1, d, 0, minutesAfterMidnight) - CHINA_OFFSET_MS;
}

/** The China date `YYYYMMDD` of an instant. */
export function chinaDateOf(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Minutes after China midnight of an instant. */
export function chinaMinuteOfDay(epochMs: number): number {
  const d = new Date(epochMs + CHINA_OFFSET_MS);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}
