/**
 * `mer_date` (YYYYMMDD) for a moment, by default now, in China Standard Time (UTC+8, no daylight saving),
 * the platform's business day. Pass another offset in minutes for your own business day.
 */
export function formatMerDate(date: Date = new Date(), utcOffsetMinutes = 480): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError('formatMerDate: invalid date');
  return new Date(t + utcOffsetMinutes * 60_000).toISOString().slice(0, 10).replace(/-/g, '');
}
