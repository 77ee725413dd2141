/**
 * China time, the platform's clock: UTC+8 all year (no daylight saving). Every UMF date and time is
 * written in it, so every conversion between an instant (epoch milliseconds) and a China date or
 * time of day is here, in one place:
 *
 *   chinaTime(ms)          2017-03-17T19:20:30+08:00   ISO 8601, as the API writes times
 *   chinaDate(ms)          20170317                    YYYYMMDD: mer_date, settle dates, platDate
 *   chinaTimeOfDay(ms)     192030                      HHmmss: platTime of the download files
 *   chinaTimestamp(ms)     20170317192030              yyyyMMddHHmmss
 *   chinaMinuteOfDay(ms)   1160                        minutes after China midnight
 *   chinaInstant(date, m)  the instant of minute m after China midnight of YYYYMMDD `date`
 *   parseTimeOfDay(text)   "19:20" -> 1160             HH:MM of configuration and commands
 *   calendarDay(text)      "20170317" -> its UTC midnight, undefined unless a real calendar date
 *   chinaReadable(ms)      2017-03-17 19:20:30 +08:00  for people (the CLI)
 *   chinaReadableMinute    2017-03-17 19:20 China time (UTC+8)
 */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** `YYYY-MM-DDTHH:mm:ss.sssZ` of the instant's China wall clock. */
function chinaIso(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString();
}

/** ISO 8601 in China time, as UMF writes times: 2017-03-17T19:20:30+08:00 */
export function chinaTime(epochMs: number): string {
  return chinaIso(epochMs).slice(0, 19) + '+08:00';
}

/** The name people read next to a China time. */
export const CHINA_TIME_NAME = 'China time (UTC+8)';

/** `2017-03-17 19:20:30 +08:00`: for people, the offset written out. */
export function chinaReadable(epochMs: number): string {
  const iso = chinaIso(epochMs);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +08:00`;
}

/** `2017-03-17 19:20 China time (UTC+8)`: a cut-off or a schedule, for people. */
export function chinaReadableMinute(epochMs: number): string {
  const iso = chinaIso(epochMs);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} ${CHINA_TIME_NAME}`;
}

/** YYYYMMDD in China time. */
export function chinaDate(epochMs: number): string {
  return chinaIso(epochMs).slice(0, 10).replaceAll('-', '');
}

/** HHmmss in China time (the files' platTime). */
export function chinaTimeOfDay(epochMs: number): string {
  return chinaIso(epochMs).slice(11, 19).replaceAll(':', '');
}

/** yyyyMMddHHmmss in China time. */
export function chinaTimestamp(epochMs: number): string {
  return chinaIso(epochMs).slice(0, 19).replace(/[-T:]/g, '');
}

/** Minutes after China midnight of an instant. */
export function chinaMinuteOfDay(epochMs: number): number {
  const d = new Date(epochMs + CHINA_OFFSET_MS);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

/** The instant (epoch ms) `minutesAfterMidnight` after China midnight of the China date `YYYYMMDD`. */
export function chinaInstant(date: string, minutesAfterMidnight: number): number {
  const y = Number(date.slice(0, 4));
  const mo = Number(date.slice(4, 6));
  const d = Number(date.slice(6, 8));
  return Date.UTC(y, mo - 1, d, 0, minutesAfterMidnight) - CHINA_OFFSET_MS;
}

/** `HH:MM` (00:00-23:59, China time) -> minutes after midnight; throws with a clear message otherwise. */
export function parseTimeOfDay(text: string, what: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new RangeError(`${what} must be a time of day written HH:MM (China time), got ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The UTC midnight (epoch ms) of `YYYYMMDD` when it is a date that exists in the calendar, else undefined. */
export function calendarDay(text: string): number | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(4, 6));
  const d = Number(text.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
    ? date.getTime()
    : undefined;
}
